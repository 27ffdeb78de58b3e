"""The figures of the merchant loop report, gathered from a built workspace.

Everything the report shows is read here, through the read-only connection
:func:`loop.report.write_report` opens, before anything is rendered: the ranking with its score
parts and conversions (filtered by topic and city), the topic medians every merchant is compared
with, each chosen merchant's hours from first exposure to visit and, for the HTML map, the
merchants and geocoded notes around it. The result is one :class:`Context`; the renderers
(:mod:`loop._report_markdown`, :mod:`loop._report_html`) only format it.

Time to visit
    For each visit to a merchant, the hours from the visitor's first exposure (an event of
    ``LoopConfig.exposure_kinds`` on a note geocoded to the merchant, not by the visitor's own
    note) within the ``attribution_days`` window before the visit, to the visit. Visits with no
    such exposure are counted apart (they did not come from the merchant's notes).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loop._frames import to_seconds
from loop.config import LoopConfig

__all__ = [
    "PART_LABELS",
    "RATES",
    "Context",
    "ReportError",
    "Surroundings",
    "Visits",
    "connect",
    "filtered",
    "gather",
    "load_ranking",
    "unknown_merchant",
]

PART_LABELS: dict[str, str] = {
    "visit_rate": "interact-to-visit rate",
    "share_rate": "visit-to-share rate",
    "volume": "loop volume (attributed visits + reshares)",
    "trusted": "interactions from trusted accounts",
    "flag": "flag penalty",
}
"""Plain-language names of the score parts (see :mod:`loop.rank`)."""

RATES: tuple[tuple[str, str], ...] = (
    ("interact_to_visit", "interact-to-visit rate"),
    ("visit_to_share", "visit-to-share rate"),
    ("loop_gain", "loop gain"),
    ("attributed_share", "share of visits that came from your notes"),
)
"""The conversions compared with the topic median: ranking column -> plain-language name."""

_NEARBY = 12
_MAX_NOTES_ON_MAP = 400


class ReportError(ValueError):
    """The report cannot be written (bad suffix, unknown topic or merchant, unbuilt workspace)."""


@dataclass(frozen=True)
class Visits:
    """Time-to-visit data of one merchant."""

    hours: np.ndarray
    visits: int

    @property
    def unexposed(self) -> int:
        return self.visits - int(self.hours.size)


@dataclass(frozen=True)
class Surroundings:
    """What the map of one merchant shows around it.

    Attributes
    ----------
    near
        The nearest merchants (same city when known): ``merchant_id``, ``name``, ``city``,
        ``lat``, ``lon``, ``km``, ``rank``, ``score`` and ``flagged``.
    notes
        Geocoded notes in the box around the merchant and ``near``: ``lat``, ``lon``,
        ``precision`` and ``place`` (the name of the place they were geocoded to).
    """

    near: pd.DataFrame
    notes: pd.DataFrame


@dataclass(frozen=True)
class Context:
    """Everything a renderer needs: the figures of the report and how it was asked for.

    Attributes
    ----------
    ranking
        Every merchant that passes the filters, from :func:`load_ranking`.
    chosen
        The merchants with a section of their own (the top ones, or the one asked for).
    medians
        Per topic, the median of every score part, conversion and the score.
    visits
        Time to visit of each chosen merchant, by merchant id.
    config
        The loop rules the figures were computed with.
    filters
        ``topic``, ``city``, ``merchant`` and ``top`` as asked.
    surroundings
        Map data of each chosen merchant with coordinates, by merchant id (HTML only).
    """

    ranking: pd.DataFrame
    chosen: pd.DataFrame
    medians: pd.DataFrame
    visits: dict[str, Visits]
    config: LoopConfig
    filters: dict[str, Any]
    surroundings: dict[str, Surroundings] = field(default_factory=dict)


def connect(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open the workspace read-only.

    Parameters
    ----------
    db_path
        A workspace built by ``loopmap build``.

    Returns
    -------
    sqlite3.Connection
        A read-only connection with :class:`sqlite3.Row` rows.

    Raises
    ------
    ReportError
        There is no file at ``db_path``.
    """
    path = Path(db_path)
    if not path.is_file():
        msg = f"no workspace at {path}: import your files and run `loopmap build` first"
        raise ReportError(msg)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def load_ranking(conn: sqlite3.Connection) -> pd.DataFrame:
    """The merchant ranking with each merchant's city, position, score parts and conversions.

    Parameters
    ----------
    conn
        A connection from :func:`connect`.

    Returns
    -------
    pandas.DataFrame
        The ``ranking`` table in rank order, plus ``city``, ``lat``, ``lon``, one ``part_<name>``
        column per score part (the parts of :data:`PART_LABELS` first) and
        ``attributed_share``; the rates' gaps are 0.

    Raises
    ------
    ReportError
        The workspace has no ranking yet.
    """
    has = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ranking'"
    ).fetchone()[0]
    n = conn.execute("SELECT count(*) FROM ranking").fetchone()[0] if has else 0
    if not n:
        msg = "the workspace has no merchant ranking yet: run `loopmap build` first"
        raise ReportError(msg)
    df = pd.read_sql_query(
        "SELECT r.*, p.city AS city, p.lat AS lat, p.lon AS lon FROM ranking r "
        "LEFT JOIN places p ON p.place_id = r.merchant_id ORDER BY r.rank, r.merchant_id",
        conn,
    )
    parts = [json.loads(p or "{}") for p in df["parts"]]
    df["parts"] = parts
    names = list(PART_LABELS) + sorted({k for p in parts for k in p} - set(PART_LABELS))
    for name in names:
        df[f"part_{name}"] = [float(p.get(name, 0.0)) for p in parts]
    for col in ("interact_to_visit", "visit_to_share", "loop_gain"):
        df[col] = df[col].fillna(0.0).astype(float)
    df["attributed_share"] = np.where(
        df["visits"] > 0, df["attributed_visits"] / df["visits"].clip(lower=1), 0.0
    )
    df["reasons"] = df["reasons"].fillna("").astype(str)
    df["name"] = df["name"].fillna("").astype(str)
    df["city"] = df["city"].fillna("").astype(str)
    return df


def filtered(df: pd.DataFrame, *, topic: str | None, city: str | None) -> pd.DataFrame:
    """The merchants of ``df`` in ``topic`` and ``city`` (either may be None: no filter).

    Raises
    ------
    ReportError
        ``topic`` is not in ``df``, or no merchant of it is in ``city``.
    """
    if topic is not None:
        present = sorted(df["topic"].unique())
        if topic not in present:
            msg = f"unknown topic {topic!r}: the ranking has {', '.join(present)}"
            raise ReportError(msg)
        df = df[df["topic"] == topic]
    if city is not None:
        present = sorted(c for c in df["city"].unique() if c)
        if city not in present:
            where = f" of topic {topic!r}" if topic else ""
            msg = (
                f"no ranked merchants{where} in city {city!r}: cities present: {', '.join(present)}"
            )
            raise ReportError(msg)
        df = df[df["city"] == city]
    return df.reset_index(drop=True)


def unknown_merchant(
    conn: sqlite3.Connection, merchant: str, *, topic: str | None, city: str | None
) -> str:
    """Why ``merchant`` is not among the filtered merchants, as an error message."""
    known = conn.execute("SELECT 1 FROM ranking WHERE merchant_id = ?", (merchant,)).fetchone()
    if known and (topic or city):
        return (
            f"merchant {merchant!r} is not in the ranking filtered by "
            f"topic={topic!r}, city={city!r}"
        )
    return (
        f"unknown merchant id {merchant!r}: it is not in the ranking "
        "(use a place_id of kind merchant; see `loopmap export ranking`)"
    )


def gather(
    conn: sqlite3.Connection,
    ranking: pd.DataFrame,
    chosen: pd.DataFrame,
    *,
    config: LoopConfig,
    filters: dict[str, Any],
    maps: bool,
) -> Context:
    """The figures of the report on ``chosen``, compared with the rest of ``ranking``.

    Parameters
    ----------
    conn
        A connection from :func:`connect`.
    ranking
        The filtered ranking, from :func:`load_ranking` and :func:`filtered`.
    chosen
        The rows of ``ranking`` that get a section of their own.
    config
        The loop rules (the attribution window and exposure kinds of the time to visit).
    filters
        ``topic``, ``city``, ``merchant`` and ``top`` as asked.
    maps
        Also read what each chosen merchant's map shows.

    Returns
    -------
    Context
        The figures, ready to render.
    """
    return Context(
        ranking=ranking,
        chosen=chosen,
        medians=_topic_medians(ranking),
        visits=_hours_to_visit(conn, list(chosen["merchant_id"]), config),
        config=config,
        filters=filters,
        surroundings=_surroundings(conn, chosen) if maps else {},
    )


def _topic_medians(ranking: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ranking.columns if c.startswith("part_")]
    cols += [c for c, _ in RATES] + ["score"]
    return ranking.groupby("topic")[cols].median()


def _hours_to_visit(
    conn: sqlite3.Connection, ids: list[str], config: LoopConfig
) -> dict[str, Visits]:
    """Hours from the visitor's first exposure (within the window) to each visit."""
    if not ids:
        return {}
    id_json = json.dumps(ids)
    kinds = json.dumps(list(config.exposure_kinds))
    expo = pd.read_sql_query(
        "SELECT e.user_id AS u, g.place_id AS m, e.ts AS ts FROM events e "
        "JOIN geocodes g ON g.note_id = e.note_id JOIN notes n ON n.note_id = e.note_id "
        "WHERE e.kind IN (SELECT value FROM json_each(?)) "
        "AND g.place_id IN (SELECT value FROM json_each(?)) AND e.user_id <> n.user_id",
        conn,
        params=(kinds, id_json),
    )
    visits = pd.read_sql_query(
        "SELECT user_id AS u, merchant_id AS m, ts FROM events WHERE kind = 'visit' "
        "AND merchant_id IN (SELECT value FROM json_each(?))",
        conn,
        params=(id_json,),
    )
    window = int(config.attribution_days * 86_400)
    bad = np.iinfo(np.int64).min
    visits["t"] = to_seconds(visits["ts"])
    expo["t"] = to_seconds(expo["ts"])
    visits = visits[visits["t"] != bad]
    expo = expo[expo["t"] != bad]
    left = pd.DataFrame(
        {"key": visits["u"] + "\x1f" + visits["m"], "lo": visits["t"] - window, "vt": visits["t"]}
    ).sort_values("lo", kind="stable")
    right = pd.DataFrame({"key": expo["u"] + "\x1f" + expo["m"], "lo": expo["t"]})
    right = right.sort_values("lo", kind="stable")
    right["et"] = right["lo"]
    joined = pd.merge_asof(left, right, on="lo", by="key", direction="forward")
    ok = joined["et"].notna() & (joined["et"] < joined["vt"])
    joined = joined[ok]
    hours = (joined["vt"] - joined["et"]) / 3600.0
    m_of = joined["key"].str.split("\x1f").str[1]
    counts = visits.groupby("m").size()
    return {
        m: Visits(
            hours=np.sort(hours[m_of == m].to_numpy(dtype=float)), visits=int(counts.get(m, 0))
        )
        for m in ids
    }


def _surroundings(conn: sqlite3.Connection, chosen: pd.DataFrame) -> dict[str, Surroundings]:
    """Map data of each chosen merchant that has coordinates."""
    ranking_all = pd.read_sql_query("SELECT merchant_id, rank, score, flagged FROM ranking", conn)
    out: dict[str, Surroundings] = {}
    for _, row in chosen.iterrows():
        if pd.isna(row["lat"]) or pd.isna(row["lon"]):
            continue
        near = _nearby(conn, row, ranking_all)
        out[str(row["merchant_id"])] = Surroundings(near=near, notes=_notes_around(conn, row, near))
    return out


def _nearby(conn: sqlite3.Connection, row: pd.Series, ranking_all: pd.DataFrame) -> pd.DataFrame:
    """The merchants nearest to ``row`` (same city when known), with distance in km."""
    places = pd.read_sql_query(
        "SELECT place_id AS merchant_id, name, city, lat, lon FROM places WHERE kind = 'merchant'",
        conn,
    )
    if row["city"]:
        places = places[places["city"] == row["city"]]
    places = places[places["merchant_id"] != row["merchant_id"]].copy()
    if places.empty or pd.isna(row["lat"]):
        return places.assign(km=[], rank=[], score=[], flagged=[])
    places["km"] = _haversine_km(row["lat"], row["lon"], places["lat"], places["lon"])
    places = places.nsmallest(_NEARBY, "km")
    info = ranking_all.set_index("merchant_id")[["rank", "score", "flagged"]]
    return places.join(info, on="merchant_id").reset_index(drop=True)


def _notes_around(conn: sqlite3.Connection, row: pd.Series, near: pd.DataFrame) -> pd.DataFrame:
    """The first geocoded notes in the box around the merchant and its neighbours."""
    lats = [float(row["lat"]), *near["lat"].astype(float)]
    lons = [float(row["lon"]), *near["lon"].astype(float)]
    pad = 0.002
    s, n, w, east = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    return pd.read_sql_query(
        "SELECT g.lat, g.lon, g.precision, p.name AS place FROM geocodes g "
        "LEFT JOIN places p ON p.place_id = g.place_id "
        "WHERE g.lat BETWEEN ? AND ? AND g.lon BETWEEN ? AND ? ORDER BY g.note_id LIMIT ?",
        conn,
        params=(s, n, w, east, _MAX_NOTES_ON_MAP),
    )


def _haversine_km(lat1: float, lon1: float, lat2: pd.Series, lon2: pd.Series) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2.to_numpy(float))
    dphi, dlmb = p2 - p1, np.radians(lon2.to_numpy(float) - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
