"""The sample city's places: its gazetteer, merchants and the hidden facts about them.

:func:`build_places` loads or generates the places of one city and returns a
:class:`Places` of flat numpy arrays the simulator indexes by integer: the
non-merchant places (city, districts, neighbourhoods, roads, landmarks) and the
merchants with their latent quality, popularity and price, and the surface forms
a note can use to name each of them.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loopmap._errors import LoopmapError
from loopmap.formats import PLACE_COLUMNS

__all__ = [
    "BUILTIN_CITIES",
    "Places",
    "SampleError",
    "build_places",
    "is_in_china",
    "merchant_count",
]

logger = logging.getLogger(__name__)


#: Cities with a built-in geography, by the names ``write_sample`` accepts.
BUILTIN_CITIES = {"shanghai": "shanghai", "上海": "shanghai", "sh": "shanghai"}

_AREA_KINDS = ("neighborhood", "road", "landmark")

#: A representative category per topic, for notes that name no merchant.
_TOPIC_CATEGORY = {
    "coffee": "coffee",
    "tea_dessert": "dessert",
    "food": "restaurant",
    "nightlife": "bar",
    "stay": "hotel",
    "shopping": "shop",
    "beauty": "beauty",
    "culture": "museum",
    "outdoor": "park",
    "other": "other",
}


class SampleError(LoopmapError, ValueError):
    """The sample city cannot be built as asked (unknown city, bad size, unusable places)."""


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _split(value: Any) -> list[str]:
    return [a.strip() for a in _text(value).split("|") if a.strip()]


def _is_ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def is_in_china(lat: float, lon: float) -> bool:
    """Whether a WGS-84 point lies where GCJ-02 applies (mainland China)."""
    from geo.coords import in_china

    return bool(in_china(lon, lat))


def merchant_count(n_notes: int) -> int:
    """How many merchants a generated city of ``n_notes`` notes has."""
    return int(np.clip(round(480 * (n_notes / 20_000) ** 0.6), 60, 5_000))


@dataclass
class Places:
    """The places of one sample city as arrays, by integer index.

    Attributes
    ----------
    city, city_en
        The city's name as in the places (``上海``) and an ASCII form for
        English notes (``Shanghai``; the name itself when it has none).
    china
        Whether the city is in mainland China (device locations in GCJ-02/BD-09).
    utc_offset, use_z
        The local offset from UTC in hours, and whether timestamps are written in
        UTC with ``Z`` (when the offset is only estimated from the longitude).
    frame
        All places in SPEC.md's places columns (what ``places.csv`` holds).
    topics
        Topic ids; ``*_topic`` arrays index into it.
    """

    city: str
    city_en: str
    china: bool
    utc_offset: int
    use_z: bool
    frame: pd.DataFrame
    topics: list[str]
    # Non-merchant places ("areas": the city, districts, neighbourhoods, roads, landmarks).
    a_id: list[str]
    a_kind: list[str]
    a_city: list[str]
    a_lat: np.ndarray
    a_lon: np.ndarray
    a_district: np.ndarray  # area index of the district around it, -1 when none
    a_region: np.ndarray  # district, else neighbourhood, around it; -1 when none
    a_forms: list[list[str]]  # name first, then aliases
    a_main: np.ndarray  # in the main city
    # Merchants.
    m_id: list[str]
    m_name: list[str]
    m_category: list[str]
    m_city: list[str]
    m_lat: np.ndarray
    m_lon: np.ndarray
    m_topic: np.ndarray
    m_quality: np.ndarray
    m_popularity: np.ndarray  # mean 1 over the merchants
    m_price: np.ndarray  # CNY per person, 0 when unknown
    m_area: np.ndarray  # area index it sits on, -1 when none
    m_district: np.ndarray
    m_region: np.ndarray
    m_main: np.ndarray
    m_aliases: list[list[str]]
    m_en: list[str]
    m_pinyin: list[str]
    m_chain: list[str]
    m_branch: list[str]
    topic_category: list[str] = field(default_factory=list)
    ambiguous: frozenset[str] = frozenset()

    @property
    def n_merchants(self) -> int:
        """How many merchants there are."""
        return len(self.m_id)

    @property
    def n_areas(self) -> int:
        """How many non-merchant places there are."""
        return len(self.a_id)


def _topic_list() -> tuple[list[str], Any]:
    from topics.categories import TOPICS, topic_for_category

    return [str(t) for t in TOPICS], topic_for_category


def _load(
    city: str, places: str | os.PathLike[str] | None, rng: np.random.Generator, n_notes: int
) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """All places, the merchants with latent columns, and the built-in city name."""
    if places is None:
        key = BUILTIN_CITIES.get(str(city).strip().casefold())
        if key is None:
            msg = (
                f"city {city!r} has no built-in geography (built in: shanghai); "
                "pass places= an .osm.pbf extract or a places file for any other city"
            )
            raise SampleError(msg)
        from loopmap.sample.geography import shanghai_areas
        from loopmap.sample.merchants import generate_merchants

        areas = shanghai_areas()
        merchants = generate_merchants(areas, rng, n=merchant_count(n_notes))
        allp = pd.concat(
            [areas[list(PLACE_COLUMNS)], merchants[list(PLACE_COLUMNS)]], ignore_index=True
        )
        return allp, merchants, "上海"
    path = Path(places)
    if not path.exists():
        msg = (
            f"places file {str(path)!r} does not exist; "
            "pass an .osm.pbf extract or a places CSV/GeoJSON/GeoParquet"
        )
        raise SampleError(msg)
    if path.name.lower().endswith(".osm.pbf"):
        from geo.osm import places_from_osm

        allp = places_from_osm(path)
    else:
        from loopmap.formats import read_places

        allp = read_places(path)
    allp = allp[list(PLACE_COLUMNS)].copy()
    for col in ("name", "aliases", "kind", "category", "city", "parent_id"):
        allp[col] = allp[col].map(_text)
    allp["place_id"] = allp["place_id"].astype(str)
    if (allp["kind"] == "merchant").sum() < 3:
        msg = (
            f"places file {str(path)!r} has fewer than 3 merchants (kind 'merchant'); "
            "a sample city needs merchants to simulate visits"
        )
        raise SampleError(msg)
    from loopmap.sample.merchants import merchants_from_places

    merchants = merchants_from_places(allp, rng)
    merchants = merchants[merchants["kind"] == "merchant"].reset_index(drop=True)
    return allp.reset_index(drop=True), merchants, None


def _main_city(allp: pd.DataFrame, merchants: pd.DataFrame, builtin: str | None, path: Any) -> str:
    if builtin:
        return builtin
    cities = [c for c in merchants["city"].map(_text) if c]
    if cities:
        return Counter(cities).most_common(1)[0][0]
    named = allp.loc[allp["kind"] == "city", "name"].map(_text)
    if len(named):
        return str(named.iloc[0])
    return Path(str(path)).name.split(".")[0]


def _ancestors(pid: str, parent: dict[str, str], kind: dict[str, str], want: str) -> str | None:
    seen = 0
    cur: str | None = pid
    while cur and seen < 8:
        if kind.get(cur) == want:
            return cur
        cur = parent.get(cur)
        seen += 1
    return None


def build_places(
    city: str,
    places: str | os.PathLike[str] | None,
    rng: np.random.Generator,
    *,
    n_notes: int,
) -> Places:
    """Load or generate one city's places and index them for the simulator.

    Parameters
    ----------
    city
        A built-in city (``"shanghai"``); used when ``places`` is None.
    places
        An ``.osm.pbf`` extract or a places file, or None for the built-in city.
    rng
        Random generator (merchants' latent qualities, generated merchants).
    n_notes
        The size of the world, which scales the number of generated merchants.

    Returns
    -------
    Places
    """
    allp, merchants, builtin = _load(city, places, rng, n_notes)
    topics, topic_for_category = _topic_list()
    topic_index = {t: i for i, t in enumerate(topics)}
    main = _main_city(allp, merchants, builtin, places)

    allp = allp.drop_duplicates("place_id").reset_index(drop=True)
    kind = dict(zip(allp["place_id"], allp["kind"].map(_text), strict=True))
    parent = dict(zip(allp["place_id"], allp["parent_id"].map(_text), strict=True))

    areas = allp[allp["kind"] != "merchant"].reset_index(drop=True)
    a_id = areas["place_id"].tolist()
    a_index = {p: i for i, p in enumerate(a_id)}

    def district_of(pid: str) -> int:
        d = _ancestors(pid, parent, kind, "district")
        return a_index.get(d, -1) if d else -1

    def region_of(pid: str) -> int:
        d = _ancestors(pid, parent, kind, "district") or _ancestors(
            pid, parent, kind, "neighborhood"
        )
        return a_index.get(d, -1) if d else -1

    a_city = [_text(c) or main for c in areas["city"]]
    a_forms = [
        [_text(n), *[a for a in _split(al) if a != _text(n)]]
        for n, al in zip(areas["name"], areas["aliases"], strict=True)
    ]

    m = merchants.reset_index(drop=True)
    m_area = np.array(
        [a_index.get(_text(x), -1) for x in m.get("area_id", m["parent_id"])], dtype=np.int64
    )
    for i in np.flatnonzero(m_area < 0):
        m_area[i] = a_index.get(_text(m["parent_id"].iloc[i]), -1)
    pop = np.asarray(m["popularity"], dtype=float)
    pop = np.where(
        np.isfinite(pop) & (pop > 0), pop, np.nanmedian(pop[pop > 0]) if (pop > 0).any() else 1.0
    )
    price = np.nan_to_num(
        np.asarray(pd.to_numeric(m.get("price", 0), errors="coerce"), dtype=float)
    )
    m_topic_names = [
        _text(t) if _text(t) in topic_index else topic_for_category(_text(c) or "other")
        for t, c in zip(m.get("topic", m["category"]), m["category"], strict=True)
    ]
    m_city = [_text(c) or main for c in m["city"]]

    def en_form(row: Any) -> str:
        for col in ("name_en", "name_pinyin"):
            v = _text(row.get(col))
            if v:
                return v
        return _text(row["name"])

    city_rows = areas[(areas["kind"] == "city") & (areas["name"].map(_text) == main)]
    city_forms = [main, *(_split(city_rows["aliases"].iloc[0]) if len(city_rows) else [])]
    city_en = next((f for f in city_forms if _is_ascii(f)), main)

    mid_lat = float(np.median(m["lat"]))
    mid_lon = float(np.median(m["lon"]))
    china = is_in_china(mid_lat, mid_lon)
    offset = 8 if china else round(mid_lon / 15.0)

    # Names shared by several places: the same-name cases notes should sometimes use.
    names = Counter(f for forms in a_forms for f in forms[:1]) + Counter(m["name"].map(_text))
    ambiguous = frozenset(n for n, c in names.items() if c > 1 and n)

    cats: dict[str, Counter[str]] = {t: Counter() for t in topics}
    for t, c in zip(m_topic_names, m["category"].map(_text), strict=True):
        if c:
            cats[t][c] += 1
    topic_category = [
        cats[t].most_common(1)[0][0] if cats[t] else _TOPIC_CATEGORY.get(t, "other") for t in topics
    ]

    logger.debug("sample city %s: %d areas, %d merchants", main, len(a_id), len(m))
    return Places(
        city=main,
        city_en=city_en,
        china=china,
        utc_offset=offset,
        use_z=not china,
        frame=allp[list(PLACE_COLUMNS)],
        topics=topics,
        a_id=a_id,
        a_kind=areas["kind"].map(_text).tolist(),
        a_city=a_city,
        a_lat=areas["lat"].to_numpy(dtype=float),
        a_lon=areas["lon"].to_numpy(dtype=float),
        a_district=np.array([district_of(p) for p in a_id], dtype=np.int64),
        a_region=np.array([region_of(p) for p in a_id], dtype=np.int64),
        a_forms=a_forms,
        a_main=np.array([c == main for c in a_city]),
        m_id=m["place_id"].astype(str).tolist(),
        m_name=m["name"].map(_text).tolist(),
        m_category=m["category"].map(_text).tolist(),
        m_city=m_city,
        m_lat=m["lat"].to_numpy(dtype=float),
        m_lon=m["lon"].to_numpy(dtype=float),
        m_topic=np.array([topic_index[t] for t in m_topic_names], dtype=np.int64),
        m_quality=np.clip(np.asarray(m["quality"], dtype=float), 0.0, 1.0),
        m_popularity=pop / pop.mean(),
        m_price=price,
        m_area=m_area,
        m_district=np.array([district_of(p) for p in m["place_id"].astype(str)], dtype=np.int64),
        m_region=np.array([region_of(p) for p in m["place_id"].astype(str)], dtype=np.int64),
        m_main=np.array([c == main for c in m_city]),
        m_aliases=[
            [a for a in _split(al) if a != _text(n)]
            for n, al in zip(m["name"], m["aliases"], strict=True)
        ],
        m_en=[en_form(r) for r in m.to_dict("records")],
        m_pinyin=[
            _text(x).casefold().replace(" ", "")
            for x in m.get("name_pinyin", pd.Series([""] * len(m)))
        ],
        m_chain=[_text(x) for x in m.get("chain", pd.Series([""] * len(m)))],
        m_branch=[_text(x) for x in m.get("branch", pd.Series([""] * len(m)))],
        topic_category=topic_category,
        ambiguous=ambiguous,
    )
