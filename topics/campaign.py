"""Topic campaigns: a shortlist of merchants, their hotspots, a map and a brief for operations.

:func:`build_campaign` reads a built workspace (the SQLite file, opened read-only with the
standard :mod:`sqlite3` module) and writes an output folder:

- ``index.html`` — the campaign map (:func:`topics.maps.build_topic_map`), opening from disk
  with no network: Leaflet is copied into ``static/`` beside it;
- ``merchants.csv`` — the shortlist;
- ``campaign.json`` — criteria, merchants with scores, hotspots, representative notes;
- ``brief.md`` — the pitch, hotspots, merchants, a walking route and the expected reach;
- ``lift.csv`` — with ``measure=True``: each merchant's window against the one before.

Selection: notes classified as the topic (``topics``), geocoded to a merchant
(``geocodes.precision = 'poi'`` and the place is a ``merchant``), in the city
(``places.city``) or within ``radius_km`` of ``near``, created in ``[since, until]``.
The selected merchants are ranked by their loop score from the workspace's ``ranking``
table, leaving out merchants flagged as manufactured, then by the count of those notes;
without a ranking, by the count of notes alone, ties by name.

Walking distances are great-circle distances multiplied by :data:`STREET_FACTOR` (1.3), a
common detour factor for city street networks; no street graph is downloaded.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.resolve import haversine_km
from topics.assets import copy_map_assets
from topics.maps import build_topic_map
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

#: Walking distance = great-circle distance x this factor (street-network detours).
STREET_FACTOR: Final = 1.3
#: Columns of merchants.csv.
MERCHANT_COLUMNS: Final = (
    "rank",
    "merchant_id",
    "name",
    "lat",
    "lon",
    "notes_in_window",
    "share_of_topic_notes",
    "hotspot",
    "why",
)
#: Columns of lift.csv.
LIFT_COLUMNS: Final = (
    "merchant_id",
    "name",
    "notes",
    "notes_before",
    "notes_lift",
    "interactions",
    "interactions_before",
    "interactions_lift",
    "visits",
    "visits_before",
    "visits_lift",
)
_INTERACTIONS: Final = ("like", "comment", "collect", "forward")
_REACH_KINDS: Final = ("view", "like", "collect")
_NOTES_PER_MERCHANT: Final = 3
_OUTPUTS: Final = ("index.html", "merchants.csv", "campaign.json", "brief.md")


class CampaignError(ValueError):
    """A campaign cannot be built; the message says why and what to change."""


@dataclass(frozen=True, slots=True)
class _Window:
    since: datetime | None
    until: datetime | None  # exclusive

    def label(self) -> str:
        a = self.since.isoformat() if self.since else "the first note"
        b = self.until.isoformat() if self.until else "the last note"
        return f"{a} .. {b} (end exclusive)"


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


def _in_window(times: pd.Series, window: _Window) -> pd.Series:
    keep = pd.Series(True, index=times.index)
    if window.since is not None:
        keep &= times >= pd.Timestamp(window.since)
    if window.until is not None:
        keep &= times < pd.Timestamp(window.until)
    return keep


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


# ---------------------------------------------------------------------------- selection


def _select(
    notes: pd.DataFrame,
    *,
    topic: str,
    city: str | None,
    near: tuple[float, float] | None,
    radius_km: float | None,
    window: _Window,
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
    sel = sel[_in_window(sel["created"], window)]
    if sel.empty:
        first, last = before["created"].min(), before["created"].max()
        msg = (
            f"the --since/--until window {window.label()} left no {topic} merchant notes "
            f"({len(before)} before it, created {first:%Y-%m-%d} .. {last:%Y-%m-%d})"
        )
        raise CampaignError(msg)
    return sel


def _merchant_hotspots(hotspots: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Each merchant's hotspot (the one with the most notes when it belongs to several)."""
    out: dict[str, dict[str, Any]] = {}
    for row in hotspots.sort_values("n_notes", ascending=False, kind="stable").itertuples():
        for member in row.members:
            out.setdefault(
                str(member), {"hotspot_id": row.hotspot_id, "name": row.name, "n": row.n_notes}
            )
    return out


def _loop_scores(conn: sqlite3.Connection) -> dict[str, tuple[float, int]]:
    """merchant_id -> (loop score, flagged) from the ranking table, when it exists."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ranking'"
    ).fetchone()
    if not has:
        return {}
    rows = conn.execute("SELECT merchant_id, score, flagged FROM ranking").fetchall()
    return {str(r[0]): (float(r[1]), int(r[2])) for r in rows}


def _shortlist(
    sel: pd.DataFrame,
    *,
    top: int,
    hotspot_of: dict[str, dict[str, Any]],
    scope: str,
    loop: dict[str, tuple[float, int]] | None = None,
) -> pd.DataFrame:
    grouped = (
        sel.groupby("merchant_id", as_index=False)
        .agg(name=("name", "first"), lat=("m_lat", "first"), lon=("m_lon", "first"),
             city=("city", "first"), notes_in_window=("note_id", "nunique"))
    )  # fmt: skip
    total = int(sel["note_id"].nunique())
    n_merchants = len(grouped)
    if loop:
        # Ranked by the loop (how well notes turn into visits and new notes), and merchants
        # whose loop looks manufactured are left out of a campaign.
        grouped["loop_score"] = [loop.get(m, (float("nan"), 0))[0] for m in grouped.merchant_id]
        flagged = [bool(loop.get(m, (0.0, 0))[1]) for m in grouped.merchant_id]
        grouped = grouped[~pd.Series(flagged, index=grouped.index)]
        order = ["loop_score", "notes_in_window", "name", "merchant_id"]
        grouped = grouped.sort_values(
            order, ascending=[False, False, True, True], kind="stable", na_position="last"
        ).head(top)
        basis = "by loop score"
    else:
        grouped = grouped.sort_values(
            ["notes_in_window", "name", "merchant_id"], ascending=[False, True, True], kind="stable"
        ).head(top)
        basis = "by notes in the window"
    grouped.insert(0, "rank", range(1, len(grouped) + 1))
    grouped["share_of_topic_notes"] = (grouped["notes_in_window"] / total).round(4)
    grouped["hotspot_id"] = [hotspot_of.get(m, {}).get("hotspot_id") for m in grouped.merchant_id]
    grouped["hotspot"] = [hotspot_of.get(m, {}).get("name") for m in grouped.merchant_id]
    whys = []
    for row in grouped.itertuples():
        loop_part = f" (loop score {row.loop_score:.2f})" if loop else ""
        why = (
            f"#{row.rank} of {n_merchants} merchants {scope} {basis}{loop_part}: "
            f"{row.notes_in_window} notes in the window, "
            f"{row.share_of_topic_notes:.1%} of the selection"
        )
        if row.hotspot:
            why += f"; in hotspot {row.hotspot}"
        whys.append(why)
    grouped["why"] = whys
    return grouped.reset_index(drop=True)


def _representative_notes(sel: pd.DataFrame, merchant_ids: Sequence[str]) -> dict[str, list]:
    chosen = sel[sel["merchant_id"].isin(merchant_ids)].sort_values(
        ["confidence", "created_at"], ascending=[False, False], kind="stable"
    )
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in merchant_ids}
    for row in chosen.itertuples():
        bucket = out[row.merchant_id]
        if len(bucket) < _NOTES_PER_MERCHANT:
            bucket.append(
                {
                    "note_id": row.note_id,
                    "created_at": row.created_at,
                    "confidence": round(float(row.confidence), 4),
                    "title": row.title if isinstance(row.title, str) else None,
                    "text": row.text,
                }
            )
    return out


# ---------------------------------------------------------------------------- route, reach


def walking_route(points: pd.DataFrame) -> dict[str, Any]:
    """A short walking order through points (``merchant_id``, ``name``, ``lat``, ``lon``).

    Walking distance between two points is the great-circle distance times
    :data:`STREET_FACTOR`. The order is networkx's travelling-salesman approximation
    (Christofides) as an open path over the complete graph, so every point is visited once.

    Returns
    -------
    dict
        ``stops`` (ordered, each with ``leg_m``, the walk from the previous stop),
        ``total_m`` and ``street_factor``.
    """
    pts = points.reset_index(drop=True)
    ids = list(pts["merchant_id"])
    if len(ids) <= 2:
        order = ids
    else:
        G = nx.Graph()
        for i in range(len(pts)):
            for j in range(i + 1, len(pts)):
                G.add_edge(ids[i], ids[j], weight=_walk_m(pts.iloc[i], pts.iloc[j]))
        order = list(nx.approximation.traveling_salesman_problem(G, weight="weight", cycle=False))
    by_id = {r.merchant_id: r for r in pts.itertuples()}
    stops, total, prev = [], 0.0, None
    for mid in order:
        row = by_id[mid]
        leg = 0.0 if prev is None else _walk_m(prev, row)
        total += leg
        stops.append({"merchant_id": mid, "name": row.name, "leg_m": round(leg)})
        prev = row
    return {"stops": stops, "total_m": round(total), "street_factor": STREET_FACTOR}


def _walk_m(a: Any, b: Any) -> float:
    return float(haversine_km(a.lon, a.lat, b.lon, b.lat)) * 1000.0 * STREET_FACTOR


def _best_hotspot(short: pd.DataFrame) -> tuple[str | None, pd.DataFrame]:
    """The hotspot holding the most shortlisted merchants (then notes); its merchants."""
    inside = short[short["hotspot_id"].notna()]
    if inside.empty:
        return None, short.iloc[0:0]
    stats = inside.groupby("hotspot_id").agg(
        n=("merchant_id", "size"), notes=("notes_in_window", "sum"), name=("hotspot", "first")
    )
    stats = stats.sort_values(["n", "notes", "name"], ascending=[False, False, True])
    best = str(stats.index[0])
    return best, inside[inside["hotspot_id"] == best]


def _reach(events: pd.DataFrame, sel: pd.DataFrame, short: pd.DataFrame) -> dict[str, Any]:
    notes = sel[sel["merchant_id"].isin(short["merchant_id"])][["note_id", "merchant_id"]]
    seen = events[events["kind"].isin(_REACH_KINDS)].merge(notes, on="note_id", how="inner")
    seen = seen.rename(columns={"merchant_id_y": "merchant_id"})
    per = seen.groupby("merchant_id")["user_id"].nunique()
    return {
        "kinds": list(_REACH_KINDS),
        "unique_users": int(seen["user_id"].nunique()),
        "by_merchant": {m: int(per.get(m, 0)) for m in short["merchant_id"]},
    }


def _lift(
    topic_notes: pd.DataFrame, events: pd.DataFrame, short: pd.DataFrame, window: _Window
) -> tuple[list[dict[str, Any]], _Window, _Window]:
    start = window.since or min(topic_notes["created"].min(), events["when"].min()).to_pydatetime()
    stop = window.until
    if stop is None:
        last = max(topic_notes["created"].max(), events["when"].max())
        stop = last.to_pydatetime() + timedelta(seconds=1)
    current = _Window(start, stop)
    before = _Window(start - (stop - start), start)
    note_owner = topic_notes.set_index("note_id")["merchant_id"]
    ev = events.assign(owner=events["note_id"].map(note_owner))
    ev.loc[ev["kind"] == "visit", "owner"] = ev["merchant_id"]
    rows = []
    for m in short.itertuples():
        row: dict[str, Any] = {"merchant_id": m.merchant_id, "name": m.name}
        mine_notes = topic_notes[topic_notes["merchant_id"] == m.merchant_id]
        mine_ev = ev[ev["owner"] == m.merchant_id]
        for key, frame, col, kinds in (
            ("notes", mine_notes, "created", None),
            ("interactions", mine_ev, "when", _INTERACTIONS),
            ("visits", mine_ev, "when", ("visit",)),
        ):
            if kinds is not None:
                frame = frame[frame["kind"].isin(kinds)]
            now = int(_in_window(frame[col], current).sum())
            then = int(_in_window(frame[col], before).sum())
            row[key] = now
            row[f"{key}_before"] = then
            row[f"{key}_lift"] = round((now - then) / then, 4) if then else None
        rows.append(row)
    return rows, current, before


def _lift_summary(rows: list[dict[str, Any]], current: _Window, before: _Window) -> str:
    def total(key: str) -> tuple[int, int]:
        return sum(r[key] for r in rows), sum(r[f"{key}_before"] for r in rows)

    parts = []
    for key in ("notes", "interactions", "visits"):
        now, then = total(key)
        change = f"{(now - then) / then:+.0%}" if then else "n/a (none before)"
        parts.append(f"{key} {then} -> {now} ({change})")
    return (
        f"lift for {len(rows)} merchants, {current.label()} against {before.label()}: "
        + "; ".join(parts)
    )


# ---------------------------------------------------------------------------- writing


def _write_csv(path: Path, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


def _brief(
    *,
    label: str,
    criteria: dict[str, Any],
    short: pd.DataFrame,
    hotspots: list[dict[str, Any]],
    route: dict[str, Any] | None,
    route_hotspot: str | None,
    reach: dict[str, Any],
    lift_summary: str | None,
) -> str:
    def md(text: Any) -> str:
        """Markdown-inert text: no markup, links or HTML from names."""
        out = str(text).replace("\\", "\\\\").replace("\n", " ")
        for ch in "`*_[]<>|#!":
            out = out.replace(ch, "\\" + ch)
        return out

    area = criteria["city"] or (
        f"{criteria['radius_km']:g} km around {criteria['near'][0]},{criteria['near'][1]}"
        if criteria["near"]
        else "all cities"
    )
    lead = short.iloc[0]
    lines = [
        f"# {md(label)} campaign — {md(area)}",
        "",
        "## The pitch",
        "",
        f"A {md(label)} map of the {len(short)} merchants people write about most in "
        f"{md(area)} ({criteria['window']}). {md(lead['name'])} leads with "
        f"{lead['notes_in_window']} notes; together the shortlist holds "
        f"{short['share_of_topic_notes'].sum():.0%} of the selected {md(label)} merchant notes. "
        f"Their notes reached {reach['unique_users']} unique users (views, likes and collects "
        "in the window): the audience a campaign on these merchants can expect to reach again.",
        "",
        "## Hotspots",
        "",
    ]
    if hotspots:
        lines += [
            f"- {md(h['name'])}: {h['shortlisted']} shortlisted "
            f"merchant{'s' if h['shortlisted'] != 1 else ''}, "
            f"{h['notes_in_window']} notes in the window"
            for h in hotspots
        ]
    else:
        lines.append("- none of the shortlisted merchants lies in a hotspot")
    lines += [
        "",
        "## Merchants",
        "",
        "| rank | merchant | notes | share | hotspot | reach |",
        "|---:|---|---:|---:|---|---:|",
    ]
    for row in short.itertuples():
        lines.append(
            f"| {row.rank} | {md(row.name)} | {row.notes_in_window} | "
            f"{row.share_of_topic_notes:.1%} | {md(row.hotspot or '—')} | "
            f"{reach['by_merchant'].get(row.merchant_id, 0)} |"
        )
    lines += ["", "## Suggested walking route", ""]
    if route is None or not route["stops"]:
        lines.append("No shortlisted merchant lies in a hotspot, so no route is suggested.")
    else:
        lines.append(
            f"Through the merchants of the best hotspot, {md(route_hotspot)}. Walking distances "
            f"are straight-line distances x {STREET_FACTOR} (a street-network detour factor), "
            "not measured on streets."
        )
        lines.append("")
        for i, stop in enumerate(route["stops"], start=1):
            leg = "start" if i == 1 else f"{stop['leg_m']} m from the previous stop"
            lines.append(f"{i}. {md(stop['name'])} — {leg}")
        lines += ["", f"Total: {route['total_m']} m."]
    lines += [
        "",
        "## Expected reach",
        "",
        f"{reach['unique_users']} unique users viewed, liked or collected the shortlisted "
        "merchants' notes in the window.",
    ]
    if lift_summary:
        lines += ["", "## Lift", "", lift_summary]
    return "\n".join(lines) + "\n"


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
    window = _Window(
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
        short = _shortlist(
            sel, top=int(top), hotspot_of=_merchant_hotspots(hotspots), scope=scope, loop=loop
        )
        events = _events(conn, list(topic_notes["note_id"]), list(short["merchant_id"]))
    finally:
        conn.close()

    label = taxonomy.label(topic) if topic in taxonomy else topic
    in_window_events = events[_in_window(events["when"], window)]
    reach = _reach(in_window_events, sel, short)
    best_id, best_merchants = _best_hotspot(short)
    route = walking_route(best_merchants) if best_id is not None else None
    route_hotspot = None if best_id is None else str(best_merchants["hotspot"].iloc[0])
    rep = _representative_notes(sel, list(short["merchant_id"]))

    hotspot_rows = []
    for hid, group in short[short["hotspot_id"].notna()].groupby("hotspot_id", sort=False):
        h = hotspots[hotspots["hotspot_id"] == hid].iloc[0]
        hotspot_rows.append(
            {
                "hotspot_id": hid,
                "name": h["name"],
                "lat": h["lat"],
                "lon": h["lon"],
                "n_notes": int(h["n_notes"]),
                "shortlisted": len(group),
                "notes_in_window": int(group["notes_in_window"].sum()),
                "merchants": list(group["merchant_id"]),
                "best": hid == best_id,
            }
        )
    hotspot_rows.sort(key=lambda r: (-r["shortlisted"], -r["notes_in_window"], r["name"]))

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

    # Write.
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    copy_map_assets(out / "static")
    map_notes = sel[sel["merchant_id"].isin(short["merchant_id"])].rename(
        columns={"lat": "note_lat", "lon": "note_lon"}
    )
    map_notes = map_notes.assign(
        lat=map_notes["note_lat"].fillna(map_notes["m_lat"]),
        lon=map_notes["note_lon"].fillna(map_notes["m_lon"]),
    )
    shown = hotspots[hotspots["hotspot_id"].isin([h["hotspot_id"] for h in hotspot_rows])]
    m = build_topic_map(
        topic,
        map_notes,
        short.rename(columns={"notes_in_window": "n_notes"}),
        shown,
        taxonomy=taxonomy,
        tiles=tiles,
        asset_prefix="static/",
        title=f"{label} · {city or ('near ' + str(near) if near_pt else 'campaign')}",
    )
    (out / "index.html").write_text(m.get_root().render(), encoding="utf-8")

    records = short[list(MERCHANT_COLUMNS)].to_dict("records")
    _write_csv(out / "merchants.csv", MERCHANT_COLUMNS, records)

    merchants_json = []
    for row in short.itertuples():
        merchants_json.append(
            {
                "rank": row.rank,
                "merchant_id": row.merchant_id,
                "name": row.name,
                "lat": row.lat,
                "lon": row.lon,
                "city": row.city,
                "score": {
                    "notes_in_window": int(row.notes_in_window),
                    "share_of_topic_notes": float(row.share_of_topic_notes),
                    "reach": reach["by_merchant"].get(row.merchant_id, 0),
                },
                "hotspot_id": row.hotspot_id,
                "hotspot": row.hotspot,
                "why": row.why,
                "representative_notes": rep.get(row.merchant_id, []),
            }
        )
    result: dict[str, Any] = {
        "criteria": criteria,
        "merchants": merchants_json,
        "hotspots": hotspot_rows,
        "route": None if route is None else {"hotspot": route_hotspot, **route},
        "reach": reach,
    }
    lift_summary = None
    if measure:
        lift_rows, current, before = _lift(topic_notes, events, short, window)
        _write_csv(out / "lift.csv", LIFT_COLUMNS, lift_rows)
        lift_summary = _lift_summary(lift_rows, current, before)
        result["lift"] = lift_rows
        result["lift_summary"] = lift_summary
        files.append(out / "lift.csv")
        logger.info("%s", lift_summary)
    (out / "campaign.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=_json_default) + "\n",
        encoding="utf-8",
    )
    brief = _brief(
        label=label,
        criteria=criteria,
        short=short,
        hotspots=hotspot_rows,
        route=route,
        route_hotspot=route_hotspot,
        reach=reach,
        lift_summary=lift_summary,
    )
    (out / "brief.md").write_text(brief, encoding="utf-8")
    files = [out / name for name in _OUTPUTS] + files
    summary = (
        f"{label} campaign: {len(short)} merchants, {len(hotspot_rows)} hotspots, "
        f"reach {reach['unique_users']} users -> {out}"
    )
    logger.info("%s", summary)
    return {**result, "out_dir": out, "files": files, "summary": summary}


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    msg = f"not JSON serialisable: {type(value).__name__}"
    raise TypeError(msg)
