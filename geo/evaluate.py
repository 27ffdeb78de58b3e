"""Score geocodes against gold labels: primary place, mentions, district.

The gold format (one mapping per note): ``note_id``, ``primary_place_id`` (``""`` when
the note is about no place), ``precision``, ``district_id`` (``""`` when it cannot be
known), and ``mentions``: a list of ``{text, start, end, place_id}`` with offsets into
``title + "\\n" + text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["GeoScores", "district_of", "score_geocodes"]

#: A device point farther than this from every district centroid gets no district.
DISTRICT_REACH_M: Final = 25_000.0
_EARTH_M: Final = 6_371_008.8


@dataclass(frozen=True)
class GeoScores:
    """Scores of one set of geocodes against gold."""

    notes: int
    primary_accuracy: float
    precision_accuracy: float
    mention_precision: float
    mention_recall: float
    mention_f1: float
    span_f1: float
    district_notes: int
    district_accuracy: float

    def as_dict(self) -> dict[str, float | int]:
        """The scores as a plain mapping."""
        return dict(self.__dict__)


def _prf(predicted: set[Any], gold: set[Any]) -> tuple[float, float, float]:
    tp = len(predicted & gold)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def district_of(
    places: pd.DataFrame, place_ids: Iterable[str], lats: Iterable[float], lons: Iterable[float]
) -> list[str]:
    """The district of each answer: the place's district ancestor, else the nearest centroid.

    Parameters
    ----------
    places
        The gazetteer (SPEC.md's places columns).
    place_ids, lats, lons
        One answer per note: the place chosen ("" for none) and the point given.

    Returns
    -------
    list of str
        A district place_id per note, ``""`` when none can be told.
    """
    kind = dict(zip(places["place_id"], places["kind"], strict=True))
    parent = dict(zip(places["place_id"], places["parent_id"].fillna(""), strict=True))
    districts = places[places["kind"] == "district"]
    d_ids = districts["place_id"].to_numpy()
    d_lat = np.radians(districts["lat"].to_numpy(dtype=float))
    d_lon = np.radians(districts["lon"].to_numpy(dtype=float))
    out = []
    for place_id, lat, lon in zip(place_ids, lats, lons, strict=True):
        found = ""
        seen = 0
        node = place_id or ""
        while node and seen < 32:
            if kind.get(node) == "district":
                found = node
                break
            if kind.get(node) == "city":
                break
            node = parent.get(node, "")
            seen += 1
        if not found and len(d_ids) and lat is not None and not pd.isna(lat):
            if kind.get(place_id or "") == "city":
                out.append("")
                continue
            la, lo = np.radians(float(lat)), np.radians(float(lon))
            h = (
                np.sin((d_lat - la) / 2) ** 2
                + np.cos(la) * np.cos(d_lat) * np.sin((d_lon - lo) / 2) ** 2
            )
            dist = 2 * _EARTH_M * np.arcsin(np.sqrt(h))
            best = int(np.argmin(dist))
            if dist[best] <= DISTRICT_REACH_M:
                found = str(d_ids[best])
        out.append(found)
    return out


def score_geocodes(
    predicted: pd.DataFrame, gold: Iterable[Mapping[str, Any]], places: pd.DataFrame
) -> GeoScores:
    """Compare geocodes with gold labels.

    Parameters
    ----------
    predicted
        Geocodes: note_id, place_id, precision, lat, lon, mentions.
    gold
        Gold labels, one mapping per note (see the module docstring).
    places
        The gazetteer both refer to.

    Returns
    -------
    GeoScores
        Primary-place accuracy (place_id equal, ``""`` included), precision-word
        accuracy, mention precision/recall/F1 (span and place must match), span-only F1,
        and district accuracy over the notes whose gold district is known.
    """
    gold_by_id = {g["note_id"]: g for g in gold}
    pred = predicted.set_index("note_id").reindex(list(gold_by_id))
    place_ids = ["" if pd.isna(p) else str(p) for p in pred["place_id"]]
    primary = [
        p == gold_by_id[n]["primary_place_id"] for n, p in zip(pred.index, place_ids, strict=True)
    ]
    precision = [
        str(p) == gold_by_id[n]["precision"]
        for n, p in zip(pred.index, pred["precision"], strict=True)
    ]
    pm: set[tuple[str, int, int, str]] = set()
    gm: set[tuple[str, int, int, str]] = set()
    for note_id, mentions in zip(pred.index, pred["mentions"], strict=True):
        for m in mentions if isinstance(mentions, list) else []:
            pm.add((note_id, int(m["start"]), int(m["end"]), str(m["place_id"])))
        for m in gold_by_id[note_id]["mentions"]:
            gm.add((note_id, int(m["start"]), int(m["end"]), str(m["place_id"])))
    p, r, f = _prf(pm, gm)
    _, _, span_f = _prf({m[:3] for m in pm}, {m[:3] for m in gm})
    districts = district_of(places, place_ids, pred["lat"], pred["lon"])
    with_district = [
        (d, gold_by_id[n]["district_id"])
        for n, d in zip(pred.index, districts, strict=True)
        if gold_by_id[n]["district_id"]
    ]
    return GeoScores(
        notes=len(gold_by_id),
        primary_accuracy=float(np.mean(primary)) if primary else 0.0,
        precision_accuracy=float(np.mean(precision)) if precision else 0.0,
        mention_precision=p,
        mention_recall=r,
        mention_f1=f,
        span_f1=span_f,
        district_notes=len(with_district),
        district_accuracy=(
            float(np.mean([d == g for d, g in with_district])) if with_district else 0.0
        ),
    )
