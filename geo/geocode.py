"""Geocoding notes: the place each note is about, with its mentions and the reasons.

:func:`geocode_notes` is a thin orchestrator over the stages, run over chunks of notes:

1. **context** (here): the haystack ``title + "\\n" + text``, the poi_id's gazetteer position,
   the device location converted to WGS-84 with :func:`geo.coords.to_wgs84`, the city the
   ``city`` field names, and the tags that are place names;
2. **mentions** (:func:`geo.mentions.find_mentions`);
3. **candidates and ranking** (:func:`geo.resolve.resolve_mentions`);
4. **output** (here): precision, coordinates, a calibrated confidence
   (:mod:`geo.confidence`), the mentions with offsets into the haystack, and the reasons.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
from collections.abc import Iterator
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo import coords
from geo.confidence import FEATURES, confidence_features, confidence_from_features
from geo.explain import explain_notes
from geo.gazetteer import Gazetteer
from geo.mentions import find_mentions
from geo.name_forms import clean_many
from geo.resolve import NoteContext, haversine_km, resolve_mentions

__all__ = [
    "GEOCODE_COLUMNS",
    "PRECISIONS",
    "GeocodeError",
    "geocode_notes",
    "geocode_with_features",
]

logger = logging.getLogger(__name__)

#: The columns :func:`geocode_notes` returns.
GEOCODE_COLUMNS: Final = (
    "note_id",
    "place_id",
    "precision",
    "lat",
    "lon",
    "confidence",
    "mentions",
    "reasons",
)
#: Precision words (SPEC.md), most precise first.
PRECISIONS: Final = ("poi", "road", "neighborhood", "district", "city", "device", "none")
#: Precision of a primary place, by kind code.
_PRECISION_OF_KIND: Final = ("city", "district", "neighborhood", "road", "poi", "poi")
_CHUNK_NOTES: Final = 100_000
_COORD_SPELLINGS: Final = {"wgs84": "wgs84", "gcj02": "gcj02", "bd09": "bd09", "": "wgs84"}


class GeocodeError(ValueError):
    """The notes table lacks what geocoding needs."""


def geocode_notes(
    notes: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    priors: pd.Series | None = None,
) -> pd.DataFrame:
    """Geocode notes: the place each one is about, how precisely, and why.

    Parameters
    ----------
    notes
        SPEC.md's note columns: note_id and text required; title (None allowed), tags (list),
        poi_id, lat, lon, coord_sys (``wgs84``, ``gcj02``, ``bd09``; default ``wgs84``) and
        city optional; other columns are ignored.
    gazetteer
        The places, built once with :meth:`Gazetteer.from_places`.
    priors
        Optional popularity per place_id (for example how many notes tag it): higher is more
        likely; used to break otherwise even choices.

    Returns
    -------
    One row per note, in the same order: note_id, place_id ("" when none), precision (one of
    :data:`PRECISIONS`), lat, lon (WGS-84, NaN when none), confidence (0..1), mentions (list
    of ``{"text", "start", "end", "place_id"}``, offsets into ``title + "\\n" + text``) and
    reasons (list of str, every decision).

    Raises
    ------
    GeocodeError
        If note_id or text is missing.

    Notes
    -----
    Notes are processed in chunks of 100,000; the output of a million notes (a list of dicts
    and a list of strings per note) takes over a gigabyte, so feed millions in batches, as
    ``bench/bench_geocode.py`` does (over 50,000 notes/s on one core, under 1 GB).

    Examples
    --------
    >>> places = pd.DataFrame(
    ...     {"place_id": ["r1"], "name": ["武康路"], "kind": ["road"], "lat": [31.2],
    ...      "lon": [121.4]}
    ... )
    >>> notes = pd.DataFrame({"note_id": ["n1"], "title": ["周末"], "text": ["去武康路散步"]})
    >>> row = geocode_notes(notes, Gazetteer.from_places(places)).iloc[0]
    >>> row.place_id, row.precision, row.mentions
    ('r1', 'road', [{'text': '武康路', 'start': 4, 'end': 7, 'place_id': 'r1'}])
    """
    return geocode_with_features(notes, gazetteer, priors=priors)[0]


def geocode_with_features(
    notes: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    priors: pd.Series | None = None,
) -> tuple[pd.DataFrame, NDArray[np.float64]]:
    """:func:`geocode_notes`, also returning each note's confidence features.

    The features (:data:`geo.confidence.FEATURES`, one row per note) are what the confidence
    is computed from; :mod:`geo.calibration` fits the confidence on them.
    """
    missing = [c for c in ("note_id", "text") if c not in notes.columns]
    if missing:
        msg = f"notes lack column(s) {', '.join(missing)}: SPEC.md's notes need note_id and text"
        raise GeocodeError(msg)
    prior = None
    if priors is not None:
        prior = priors.reindex(gazetteer.place_id_).fillna(0.0).to_numpy(dtype=np.float64)
    with _collector_paused():
        parts = [
            _geocode_chunk(notes.iloc[lo : lo + _CHUNK_NOTES], gazetteer, prior)
            for lo in range(0, len(notes), _CHUNK_NOTES)
        ]
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in GEOCODE_COLUMNS})
        return empty, np.zeros((0, len(FEATURES)))
    if len(parts) == 1:
        return parts[0]
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        np.concatenate([p[1] for p in parts]),
    )


def _geocode_chunk(
    notes: pd.DataFrame, gaz: Gazetteer, prior: NDArray[np.float64] | None
) -> tuple[pd.DataFrame, NDArray[np.float64]]:
    haystacks, title_len = _haystacks(notes)
    context, poi_ids, systems, device_notes = _context(notes, title_len, gaz)
    mentions = find_mentions(haystacks, gaz)
    res = resolve_mentions(mentions, context, gaz, prior=prior, haystacks=haystacks)

    primary = res.primary
    has_place = primary >= 0
    has_dev = np.isfinite(context.lat)
    device_only = ~has_place & has_dev
    rows = np.flatnonzero(has_place)
    places = primary[rows]
    precision = np.where(device_only, "device", "none").astype(object)
    precision[rows] = np.asarray(_PRECISION_OF_KIND, dtype=object)[gaz.kind_[places]]
    lat = np.where(device_only, context.lat, np.nan)
    lon = np.where(device_only, context.lon, np.nan)
    lat[rows], lon[rows] = gaz.lat_[places], gaz.lon_[places]
    dev_km = np.full(len(primary), np.nan)
    dev_km[rows] = haversine_km(context.lon[rows], context.lat[rows], lon[rows], lat[rows])
    features = confidence_features(res, context, gaz, dev_km)
    confidence = confidence_from_features(features)
    place_ids = np.full(len(primary), "", dtype=object)
    place_ids[rows] = gaz.place_id_[places]
    out_mentions, reasons = explain_notes(
        haystacks, mentions, res, context, gaz, poi_ids, systems, device_notes, dev_km
    )
    out = pd.DataFrame(
        {
            "note_id": notes["note_id"].astype(str).to_numpy(),
            "place_id": place_ids,
            "precision": precision,
            "lat": lat,
            "lon": lon,
            "confidence": confidence,
            "mentions": out_mentions,
            "reasons": reasons,
        }
    )
    return out, features


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small containers.

    The output holds a list of dicts and a list of strings per note; none of them form
    cycles, and with the collector running, allocating them triggers full collections that
    traverse every object of the process again and again (it made the whole of geocoding
    40 % slower). The previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _haystacks(notes: pd.DataFrame) -> tuple[list[str], NDArray[np.int64]]:
    """``title + "\n" + text`` of every note, and the length of each title."""
    if all(_arrow_strings(notes, c) for c in ("title", "text")):
        import pyarrow as pa
        import pyarrow.compute as pc

        # joined by Arrow, converted to Python strings once
        title = pc.fill_null(pa.array(notes["title"]), "")
        text = pc.fill_null(pa.array(notes["text"]), "")
        newline = pa.scalar("\n", title.type)
        joined = pc.binary_join_element_wise(title, pc.cast(text, title.type), newline)
        lengths = pc.utf8_length(title).to_numpy(zero_copy_only=False).astype(np.int64)
        return joined.to_pylist(), lengths
    titles = _strings(notes, "title")
    texts = _strings(notes, "text")
    haystacks = [t + "\n" + x for t, x in zip(titles, texts, strict=True)]
    return haystacks, np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))


def _arrow_strings(notes: pd.DataFrame, column: str) -> bool:
    dtype = notes[column].dtype if column in notes else None
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _strings(notes: pd.DataFrame, column: str) -> list[str]:
    if column not in notes:
        return [""] * len(notes)
    return [v if isinstance(v, str) else "" for v in notes[column].tolist()]


def _context(
    notes: pd.DataFrame, title_len: NDArray[np.int64], gaz: Gazetteer
) -> tuple[NoteContext, list[str], list[str], dict[int, str]]:
    """The notes' context arrays; also the poi_id strings, coord systems and device notes."""
    n = len(notes)
    poi_ids = _strings(notes, "poi_id")
    codes, uniques = pd.factorize(pd.Series(poi_ids, dtype=object))
    poi = gaz.positions(list(uniques))[codes] if len(uniques) else np.full(n, -1, np.int32)
    poi = np.where(codes >= 0, poi, -1).astype(np.int32)

    lat = _floats(notes, "lat")
    lon = _floats(notes, "lon")
    systems = _coord_systems(notes)
    device_notes: dict[int, str] = {}
    has = np.isfinite(lat) & np.isfinite(lon)
    bad_range = has & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    for i in np.flatnonzero(bad_range).tolist():
        device_notes[i] = f"device location ignored: ({lat[i]}, {lon[i]}) is out of range"
    known = np.array([s in coords.COORD_SYSTEMS for s in systems], dtype=bool)
    for i in np.flatnonzero(has & ~known).tolist():
        device_notes[i] = f"device location ignored: unknown coord_sys {systems[i]!r}"
    use = has & ~bad_range & known
    wlon, wlat = np.full(n, np.nan), np.full(n, np.nan)
    if use.any():
        rows = np.flatnonzero(use)
        x, y = coords.to_wgs84(lon[rows], lat[rows], [systems[i] for i in rows.tolist()])
        wlon[rows], wlat[rows] = x, y

    city = np.full(n, -1, dtype=np.int32)
    if "city" in notes:
        codes, uniques = pd.factorize(notes["city"])
        lookup = np.array([gaz.city_index(str(u)) for u in uniques] + [-1], dtype=np.int32)
        city = lookup[codes]

    tag_note, tag_pattern = _tags(notes, gaz)
    context = NoteContext(poi, wlon, wlat, city, title_len, tag_note, tag_pattern)
    return context, poi_ids, systems, device_notes


def _floats(notes: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in notes:
        return np.full(len(notes), np.nan)
    return pd.to_numeric(notes[column], errors="coerce").to_numpy(dtype=np.float64)


def _coord_systems(notes: pd.DataFrame) -> list[str]:
    """Each note's coord_sys, lower case without '-' or '_' ('GCJ-02' -> 'gcj02')."""
    if "coord_sys" not in notes:
        return ["wgs84"] * len(notes)
    codes, uniques = pd.factorize(notes["coord_sys"])
    names = [
        _COORD_SPELLINGS.get(str(u).strip().lower().replace("-", "").replace("_", ""), str(u))
        for u in uniques
    ]
    names.append("wgs84")  # code -1: None / NaN
    return [names[c] for c in codes.tolist()]


def _tags(notes: pd.DataFrame, gaz: Gazetteer) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(note, name pattern) for every tag that is a place name."""
    empty = np.zeros(0, dtype=np.int64)
    if "tags" not in notes:
        return empty, empty
    tags = [t if isinstance(t, list | tuple | np.ndarray) else () for t in notes["tags"].tolist()]
    counts = np.fromiter(map(len, tags), dtype=np.int64, count=len(tags))
    flat = list(itertools.chain.from_iterable(tags))
    if not flat:
        return empty, empty
    unique = [t for t in set(flat) if isinstance(t, str)]
    lookup: dict[object, int] = dict.fromkeys(flat, -1)
    index = gaz.pattern_index
    for tag, form in zip(unique, clean_many([t.lstrip("#") for t in unique]), strict=True):
        lookup[tag] = index(form)
    pattern = np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat))
    note = np.repeat(np.arange(len(tags), dtype=np.int64), counts)
    ok = pattern >= 0
    return note[ok], pattern[ok]
