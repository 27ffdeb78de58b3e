"""The real geography of the sample city: Shanghai's districts, roads and landmarks.

:func:`shanghai_areas` returns the places shipped in ``data/shanghai_areas.csv``:
the city 上海, its 16 districts (centroids from cpca's ``adcodes.csv``, converted
from GCJ-02 to WGS-84), about 90 roads, neighbourhoods and landmarks known for
lifestyle spots, and a handful of places in 杭州 so that the same name can exist in
two cities. Provenance is in ``data/README.md`` of the repository.

The frame is in SPEC.md's places columns; every place_id is stable and readable:
``sh`` (city), ``sh-xuhui`` (district), ``sh-r-wukang`` (road), ``sh-n-xintiandi``
(neighbourhood), ``sh-l-m50`` (landmark); ``hz...`` for 杭州.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Final

import pandas as pd

from loopmap.formats import PLACE_COLUMNS, PLACE_KINDS

__all__ = ["AREA_KINDS", "FORMER_FRENCH_CONCESSION", "shanghai_areas"]

#: Kinds of the places a merchant can sit on ("areas" in the sample generator).
AREA_KINDS: Final[tuple[str, ...]] = ("road", "neighborhood", "landmark")

#: place_ids of the shipped areas inside the former French Concession (衡复 and
#: 新天地/田子坊/思南 to the east): the plane-tree streets where cafes cluster.
FORMER_FRENCH_CONCESSION: Final[frozenset[str]] = frozenset(
    {
        "sh-n-hengfu",
        "sh-r-wukang",
        "sh-l-wukang-mansion",
        "sh-r-anfu",
        "sh-r-wuyuan",
        "sh-r-hunan",
        "sh-r-fuxingxi",
        "sh-r-wulumuqi",
        "sh-r-dongping",
        "sh-r-yueyang",
        "sh-r-hengshan",
        "sh-r-yongkang",
        "sh-r-yongjia",
        "sh-n-jiashan",
        "sh-r-xiangyangbei",
        "sh-l-xiangyang-park",
        "sh-r-julu",
        "sh-r-fumin",
        "sh-r-changle",
        "sh-n-jufuchang",
        "sh-r-huaihaizhong",
        "sh-r-nanchang",
        "sh-r-jinxian",
        "sh-l-sinan",
        "sh-l-fuxing-park",
        "sh-n-xintiandi",
        "sh-n-tianzifang",
    }
)

_DATA_FILE: Final = "shanghai_areas.csv"
_TEXT_COLUMNS: Final = ("place_id", "name", "aliases", "kind", "category", "city", "parent_id")


def _problems(frame: pd.DataFrame) -> list[str]:
    """Everything wrong with the shipped table, one sentence each."""
    problems: list[str] = []
    dup = frame.loc[frame["place_id"].duplicated(), "place_id"].tolist()
    if dup:
        problems.append(f"duplicate place_id {dup}")
    bad_kind = frame.loc[~frame["kind"].isin(PLACE_KINDS), "place_id"].tolist()
    if bad_kind:
        problems.append(f"unknown kind at {bad_kind}")
    ids = set(frame["place_id"])
    parents = frame["parent_id"]
    orphans = frame.loc[(parents != "") & ~parents.isin(ids), "place_id"].tolist()
    if orphans:
        problems.append(f"parent_id not in the table at {orphans}")
    missing = frame.loc[(frame["name"] == "") | (frame["city"] == ""), "place_id"].tolist()
    if missing:
        problems.append(f"empty name or city at {missing}")
    off = ~(frame["lat"].between(-90, 90) & frame["lon"].between(-180, 180))
    if off.any():
        problems.append(f"lat/lon out of range at {frame.loc[off, 'place_id'].tolist()}")
    return problems


@functools.cache
def _load() -> pd.DataFrame:
    resource = importlib.resources.files(__name__.rpartition(".")[0]) / "data" / _DATA_FILE
    with resource.open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(
            handle,
            dtype={c: str for c in _TEXT_COLUMNS} | {"lat": float, "lon": float},
            keep_default_na=False,
        )
    frame = frame[list(PLACE_COLUMNS)]
    problems = _problems(frame)
    if problems:
        msg = f"the shipped {_DATA_FILE} is inconsistent: {'; '.join(problems)}; fix the data file"
        raise ValueError(msg)
    return frame


def shanghai_areas() -> pd.DataFrame:
    """The built-in geography of the sample city (上海, plus a few places in 杭州).

    Returns
    -------
    pandas.DataFrame
        One row per place in SPEC.md's places columns (place_id, name, aliases,
        kind, category, city, parent_id, lat, lon): kinds ``city``, ``district``,
        ``road``, ``neighborhood`` and ``landmark``; text columns are strings
        (``""`` when empty), lat/lon WGS-84 floats. Every parent_id is a place_id
        of the frame (a district's parent is its city; a road's, neighbourhood's or
        landmark's is its district). A fresh copy on every call.

    Raises
    ------
    ValueError
        When the shipped data file is inconsistent (duplicate ids, unknown
        parents or kinds, empty names, coordinates out of range).

    Examples
    --------
    >>> areas = shanghai_areas()
    >>> int((areas["kind"] == "district").sum())
    19
    >>> areas.set_index("place_id").loc["sh-r-wukang", "name"]
    '武康路'
    """
    return _load().copy()
