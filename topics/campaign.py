"""Topic campaigns: choose a shortlist of merchants, their hotspots and a route for operations.

:func:`build_campaign` reads a built workspace (the SQLite file, opened read-only with the
standard :mod:`sqlite3` module), validates the options, selects the topic's merchant notes
and composes the campaign: the shortlist, its hotspots, walking route, reach and lift come
from the pure functions of :mod:`topics.campaign_shortlist`, and
:func:`topics.campaign_files.write_campaign_folder` writes the output folder (``index.html``,
``merchants.csv``, ``campaign.json``, ``brief.md`` and, with ``measure=True``, ``lift.csv``).

Selection: notes classified as the topic (``topics``), geocoded to a merchant
(``geocodes.precision = 'poi'`` and the place is a ``merchant``), in the city
(``places.city``) or within ``radius_km`` of ``near``, created in ``[since, until]``.
The selected merchants are ranked by their loop score from the workspace's ``ranking``
table, leaving out merchants flagged as manufactured, then by the count of those notes;
without a ranking, by the count of notes alone, ties by name.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.resolve import haversine_km
from topics.campaign_files import LIFT_COLUMNS, MERCHANT_COLUMNS, write_campaign_folder
from topics.campaign_shortlist import (
    STREET_FACTOR,
    Window,
    best_hotspot,
    describe_lift,
    expected_reach,
    in_window,
    measure_lift,
    merchant_hotspots,
    merchant_records,
    representative_notes,
    shortlist_merchants,
    shortlisted_hotspots,
    walking_route,
)
from topics.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "LIFT_COLUMNS",
    "MERCHANT_COLUMNS",
    "STREET_FACTOR",
    "CampaignError",
    "build_campaign",
    "parse_near",
    "walking_route",
]

logger = logging.getLogger(__name__)


class CampaignError(ValueError):
    """A campaign cannot be built; the message says why and what to change."""


# ---------------------------------------------------------------------------- validation


def parse_near(near: str | Sequence[float]) -> tuple[float, float]:
    """Parse ``"LAT,LON"`` (or a pair) into WGS-84 latitude and longitude.

    Raises
    ------
    CampaignError
        When it is not two numbers or they are out of range.
    """
    if isinstance(near, str):
        parts = [p.strip() for p in near.split(",")]
        if len(parts) != 2:
            msg = f"--near {near!r} is not LAT,LON (for example 31.2160,121.4450)"
            raise CampaignError(msg)
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            msg = f"--near {near!r} is not LAT,LON numbers (for example 31.2160,121.4450)"
            raise CampaignError(msg) from None
    else:
        values = list(near)
        if len(values) != 2:
            msg = f"near {near!r} is not a (lat, lon) pair"
            raise CampaignError(msg)
        lat, lon = float(values[0]), float(values[1])
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        msg = (
            f"--near {lat},{lon} is out of range: "
            "latitude must be in -90..90, longitude in -180..180"
        )
        raise CampaignError(msg)
    return lat, lon


def _parse_when(value: str | date | datetime | None, *, end: bool, flag: str) -> datetime | None:
    """A window bound in UTC; a bare date as --until covers that whole day."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
        whole_day = False
    elif isinstance(value, date):
        dt, whole_day = datetime(value.year, value.month, value.day), True
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            msg = f"{flag} {value!r} is not a date (YYYY-MM-DD) or ISO-8601 timestamp"
            raise CampaignError(msg) from None
        whole_day = len(text) == 10
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    if end and whole_day:
        dt += timedelta(days=1)
    return dt


def _check_out_dir(out_dir: Path, *, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"output {out_dir} exists and is not a folder; choose another --out"
        raise CampaignError(msg)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        msg = (
            f"output folder {out_dir} exists and is not empty; choose another --out "
            "or pass --force to overwrite the campaign files in it"
        )
        raise CampaignError(msg)


def _connect(db_path: Path) -> sqlite3.Connection:
    if not db_path.is_file():
        msg = f"no workspace at {db_path}: run `loopmap import` and `loopmap build` first"
        raise CampaignError(msg)
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        msg = f"{db_path} is not a loopmap workspace ({exc})"
        raise CampaignError(msg) from None
    needed = {"places", "notes", "events", "geocodes", "topics", "hotspots"}
    built = needed <= tables and all(
        conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
        for t in ("geocodes", "topics")
    )
    if not built:
        conn.close()
        msg = f"workspace {db_path} was never built: run `loopmap build --db {db_path}` first"
        raise CampaignError(msg)
    return conn


# ---------------------------------------------------------------------------- reading


def _topic_notes(conn: sqlite3.Connection, topic: str) -> pd.DataFrame:
    """The topic's notes geocoded to a merchant, with the merchant's place columns."""
    frame = pd.read_sql_query(
        """
        SELECT n.note_id, n.user_id, n.created_at, n.title, n.text,
               g.confidence, g.place_id AS merchant_id,
               p.name, p.city, p.lat AS m_lat, p.lon AS m_lon,
               g.lat, g.lon
        FROM topics t
        JOIN notes n ON n.note_id = t.note_id
        JOIN geocodes g ON g.note_id = t.note_id
        JOIN places p ON p.place_id = g.place_id
        WHERE t.topic = ? AND g.precision = 'poi' AND p.kind = 'merchant'
        """,
        conn,
        params=(topic,),
    )
    frame["created"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    return frame


def _events(
    conn: sqlite3.Connection, note_ids: Sequence[str], merchant_ids: Sequence[str]
) -> pd.DataFrame:
    """Events on the given notes plus visits to the given merchants."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _lm_notes (note_id TEXT PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _lm_merchants (merchant_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM _lm_notes")
    conn.execute("DELETE FROM _lm_merchants")
    conn.executemany("INSERT OR IGNORE INTO _lm_notes VALUES (?)", [(n,) for n in note_ids])
    conn.executemany("INSERT OR IGNORE INTO _lm_merchants VALUES (?)", [(m,) for m in merchant_ids])
    frame = pd.read_sql_query(
        """
        SELECT e.ts, e.user_id, e.kind, e.note_id, e.merchant_id FROM events e
        WHERE e.note_id IN (SELECT note_id FROM _lm_notes)
           OR (e.kind = 'visit' AND e.merchant_id IN (SELECT merchant_id FROM _lm_merchants))
        """,
        conn,
    )
    frame["when"] = pd.to_datetime(frame["ts"], utc=True, format="ISO8601")
    return frame


def _topic_hotspots(conn: sqlite3.Connection, topic: str) -> gpd.GeoDataFrame:
    rows = conn.execute(
        "SELECT hotspot_id, name, n_notes, n_merchants, lat, lon, city, hull_wkt, members "
        "FROM hotspots WHERE topic = ? ORDER BY hotspot_id",
        (topic,),
    ).fetchall()
    cols = ["hotspot_id", "name", "n_notes", "n_merchants", "lat", "lon", "city"]
    frame = pd.DataFrame([tuple(r)[:7] for r in rows], columns=cols)
    frame["topic"] = topic
    frame["members"] = [json.loads(r[8] or "[]") for r in rows]
    geometry = list(shapely.from_wkt([r[7] for r in rows])) if rows else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _loop_scores(conn: sqlite3.Connection) -> dict[str, tuple[float, int]]:
    """merchant_id -> (loop score, flagged) from the ranking table, when it exists."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ranking'"
    ).fetchone()
    if not has:
        return {}
    rows = conn.execute("SELECT merchant_id, score, flagged FROM ranking").fetchall()
    return {str(r[0]): (float(r[1]), int(r[2])) for r in rows}


# ---------------------------------------------------------------------------- selection


def _select(
    notes: pd.DataFrame,
    *,
    topic: str,
    city: str | None,
    near: tuple[float, float] | None,
    radius_km: float | None,
    window: Window,
) -> pd.DataFrame:
    """Apply the filters in order; an empty result names the filter that emptied it."""
    if notes.empty:
        msg = f"no {topic} notes are geocoded to a merchant in this workspace; try another topic"
        raise CampaignError(msg)
    sel = notes
    if city is not None:
        before = sel
        sel = sel[sel["city"].fillna("").str.casefold() == city.strip().casefold()]
        if sel.empty:
            cities = sorted(c for c in before["city"].dropna().unique())
            msg = (
                f"the --city {city!r} filter left no {topic} merchant notes "
                f"({len(before)} before it); cities with {topic} notes: {', '.join(cities)}"
            )
            raise CampaignError(msg)
    if near is not None and radius_km is not None:
        before = sel
        dist = haversine_km(near[1], near[0], sel["m_lon"].to_numpy(), sel["m_lat"].to_numpy())
        sel = sel[dist <= radius_km]
        if sel.empty:
            nearest = float(np.min(dist)) if len(dist) else float("nan")
            msg = (
                f"the --near {near[0]},{near[1]} --radius-km {radius_km:g} filter left no "
                f"{topic} merchant notes ({len(before)} before it; the nearest merchant is "
                f"{nearest:.1f} km away)"
            )
            raise CampaignError(msg)
    before = sel
    sel = sel[in_window(sel["created"], window)]
    if sel.empty:
        first, last = before["created"].min(), before["created"].max()
        msg = (
            f"the --since/--until window {window.label()} left no {topic} merchant notes "
            f"({len(before)} before it, created {first:%Y-%m-%d} .. {last:%Y-%m-%d})"
        )
        raise CampaignError(msg)
    return sel


# ---------------------------------------------------------------------------- entry point


def build_campaign(
    db_path: str | Path,
    *,
    topic: str,
    out_dir: str | Path,
    city: str | None = None,
    near: str | Sequence[float] | None = None,
    radius_km: float | None = None,
    top: int = 10,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    force: bool = False,
    measure: bool = False,
    taxonomy: Taxonomy | None = None,
    tiles: str | None = "OpenStreetMap",
) -> dict[str, Any]:
    """Build a topic campaign folder from a built workspace.

    Parameters
    ----------
    db_path
        The workspace (SQLite); opened read-only.
    topic
        The topic id (``coffee``, ...).
    out_dir
        The output folder; it must be missing or empty unless ``force``.
    city
        Keep merchants whose ``places.city`` is this (case-insensitive).
    near, radius_km
        Keep merchants within ``radius_km`` of ``near`` (``"LAT,LON"`` or a pair); both go
        together.
    top
        How many merchants to shortlist.
    since, until
        The window of note creation times: dates (``until`` covers its whole day) or
        ISO-8601 timestamps (UTC unless they carry an offset).
    force
        Write into a non-empty folder, overwriting the campaign files.
    measure
        Also compare each shortlisted merchant's notes, interactions and visits in the
        window against the window of the same length before, into ``lift.csv``.
    taxonomy
        The topic taxonomy (default: :func:`topics.taxonomy.load_taxonomy`).
    tiles
        The map's tiles.

    Returns
    -------
    dict
        ``out_dir``, ``files`` written, ``criteria``, ``merchants`` (the shortlist's
        records), ``hotspots``, ``route``, ``reach``, ``summary`` (one line to print) and,
        with ``measure``, ``lift`` and ``lift_summary``.

    Raises
    ------
    CampaignError
        For an unknown topic, bad or inconsistent options, a non-empty output folder, a
        workspace that was never built, or a selection that ends up empty (the message
        names the filter that emptied it).
    """
    # Validate: options first, cheapest first.
    if int(top) < 1:
        msg = f"--top {top} must be at least 1"
        raise CampaignError(msg)
    near_pt = parse_near(near) if near is not None and near != "" else None
    if radius_km is not None and near_pt is None:
        msg = "--radius-km needs --near LAT,LON (the centre of the circle)"
        raise CampaignError(msg)
    if near_pt is not None and radius_km is None:
        msg = "--near needs --radius-km R (the circle's radius in km)"
        raise CampaignError(msg)
    if radius_km is not None and not (math.isfinite(radius_km) and radius_km > 0):
        msg = f"--radius-km {radius_km} must be a positive number of km"
        raise CampaignError(msg)
    window = Window(
        _parse_when(since, end=False, flag="--since"), _parse_when(until, end=True, flag="--until")
    )
    if window.since and window.until and window.since >= window.until:
        msg = f"--since {since} is after --until {until}; swap them"
        raise CampaignError(msg)
    taxonomy = taxonomy or load_taxonomy()
    db = Path(db_path)
    out = Path(out_dir)
    conn = _connect(db)
    try:
        known = list(taxonomy.ids)
        known += sorted(
            {r[0] for r in conn.execute("SELECT DISTINCT topic FROM topics")} - set(known)
        )
        if topic not in known:
            msg = f"unknown topic {topic!r}; known topics: {', '.join(known)}"
            raise CampaignError(msg)
        _check_out_dir(out, force=force)

        topic_notes = _topic_notes(conn, topic)
        sel = _select(
            topic_notes, topic=topic, city=city, near=near_pt, radius_km=radius_km, window=window
        )
        hotspots = _topic_hotspots(conn, topic)
        scope = f"in {city}" if city else (f"within {radius_km:g} km" if near_pt else "overall")
        loop = _loop_scores(conn)
        short = shortlist_merchants(
            sel, top=int(top), hotspot_of=merchant_hotspots(hotspots), scope=scope, loop=loop
        )
        events = _events(conn, list(topic_notes["note_id"]), list(short["merchant_id"]))
    finally:
        conn.close()

    label = taxonomy.label(topic) if topic in taxonomy else topic
    in_window_events = events[in_window(events["when"], window)]
    reach = expected_reach(in_window_events, sel, short)
    best_id, best_merchants = best_hotspot(short)
    route = walking_route(best_merchants) if best_id is not None else None
    route_hotspot = None if best_id is None else str(best_merchants["hotspot"].iloc[0])
    hotspot_rows = shortlisted_hotspots(short, hotspots, best_id=best_id)

    criteria = {
        "topic": topic,
        "topic_label": label,
        "city": city,
        "near": list(near_pt) if near_pt else None,
        "radius_km": radius_km,
        "top": int(top),
        "since": window.since.isoformat() if window.since else None,
        "until_exclusive": window.until.isoformat() if window.until else None,
        "window": window.label(),
        "selection": "topic notes geocoded to a merchant (precision poi) in the area and window",
        "ranking": (
            "loop score from the ranking, flagged merchants left out; then notes in the window"
            if loop
            else "notes in the window, ties by name"
        ),
        "selected_notes": int(sel["note_id"].nunique()),
        "selected_merchants": int(sel["merchant_id"].nunique()),
    }
    result: dict[str, Any] = {
        "criteria": criteria,
        "merchants": merchant_records(
            short, reach=reach, notes=representative_notes(sel, list(short["merchant_id"]))
        ),
        "hotspots": hotspot_rows,
        "route": None if route is None else {"hotspot": route_hotspot, **route},
        "reach": reach,
    }
    if measure:
        lift_rows, current, before = measure_lift(topic_notes, events, short, window)
        result["lift"] = lift_rows
        result["lift_summary"] = describe_lift(lift_rows, current, before)

    files = write_campaign_folder(
        out,
        result,
        short=short,
        notes=sel,
        hotspots=hotspots,
        taxonomy=taxonomy,
        tiles=tiles,
        title=f"{label} · {city or ('near ' + str(near) if near_pt else 'campaign')}",
    )
    if measure:
        logger.info("%s", result["lift_summary"])
    summary = (
        f"{label} campaign: {len(short)} merchants, {len(hotspot_rows)} hotspots, "
        f"reach {reach['unique_users']} users -> {out}"
    )
    logger.info("%s", summary)
    return {**result, "out_dir": out, "files": files, "summary": summary}
