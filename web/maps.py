"""Workspace queries behind the pages and the API, and folium maps cut to fit a page.

The topic map is :func:`topics.maps.build_topic_map` (user text only as escaped JSON);
here its frames are read from the workspace with parameterised SQL, the merchants are
capped (:data:`MAX_MAP_MERCHANTS`) so the page stays small for any number of notes, and
the rendered document is split into the head, body and script parts a template embeds.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.resolve import haversine_km
from topics.maps import build_topic_map
from topics.taxonomy import Taxonomy, load_taxonomy
from topics.tiles import TileProvider
from web.security import add_nonce

__all__ = [
    "HEAT_BLOCK_CELLS",
    "HEAT_CELL_PX",
    "MAX_HEAT_CELLS",
    "MAX_MAP_MERCHANTS",
    "VIEW_MERCHANTS",
    "MapFilter",
    "MapParts",
    "has_table",
    "heat_grid",
    "merchant_map",
    "merchant_ranking",
    "note_days",
    "snap_bbox",
    "taxonomy",
    "topic_hotspots",
    "topic_map",
]

#: The most merchants a topic map page embeds (the best ranked); the map then loads the
#: best ranked in its viewport from the API as it moves.
MAX_MAP_MERCHANTS: Final = 300
#: The most merchants one viewport shows.
VIEW_MERCHANTS: Final = 300
#: A heat cell's size on screen, in pixels.
HEAT_CELL_PX: Final = 24
#: Heat answers cover whole blocks of this many cells a side (see :func:`snap_bbox`).
HEAT_BLOCK_CELLS: Final = 16
#: The most heat cells one answer holds.
MAX_HEAT_CELLS: Final = 20_000
_ASSET_PREFIX: Final = "/static/maps/"
_SNIPPETS: Final = 3
_KM_PER_DEG: Final = 111.195
_HEAD = re.compile(r"<head>(.*)</head>", re.DOTALL)
_BODY = re.compile(r"<body>(.*)</body>", re.DOTALL)
_SCRIPT = re.compile(r"</body>\s*(<script>.*</script>)\s*</html>", re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The default topic taxonomy (read once)."""
    return load_taxonomy()


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether the workspace has a table ``name`` with at least one row."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    if not exists:
        return False
    return bool(db.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0])


def merchant_ranking(
    db: sqlite3.Connection,
    *,
    topic: str | None = None,
    city: str | None = None,
    limit: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    name: str | None = None,
    where: MapFilter | None = None,
) -> list[dict[str, Any]]:
    """Merchants ranked within their topic, best first.

    With a ``ranking`` table (the loop ranking) its ``topic``, ``topic_rank`` and ``score``
    are used; without one, merchants are ranked by the notes geocoded to them and their
    topic comes from their category.

    Parameters
    ----------
    db
        The workspace.
    topic, city
        Filters (None: all).
    limit
        The most rows to return (None: all).
    bbox
        Only merchants inside ``(west, south, east, north)`` (None: anywhere).
    name
        Only merchants whose name contains this text, ignoring case (None: any).
    where
        Only merchants within its radius (its creation window does not apply to places).

    Returns
    -------
    list of dict
        merchant_id, name, category, city, lat, lon, topic, rank, score, n_notes, source.
    """
    clauses, params = (where or MapFilter()).sql("p.lat", "p.lon", None)
    clauses.append("p.kind = 'merchant'")
    if city:
        clauses.append("p.city = ?")
        params.append(city)
    if bbox is not None:
        clauses += ["p.lon BETWEEN ? AND ?", "p.lat BETWEEN ? AND ?"]
        params += [bbox[0], bbox[2], bbox[1], bbox[3]]
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("p.name LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    counts = (
        "LEFT JOIN (SELECT place_id, count(*) AS n FROM geocodes "
        "WHERE place_id IS NOT NULL GROUP BY place_id) c ON c.place_id = p.place_id"
    )
    if has_table(db, "ranking"):
        return _ranked_merchants(db, clauses, params, topic=topic, city=city, limit=limit)
    sql = (
        "SELECT p.place_id AS merchant_id, p.name, p.category, p.city, p.lat, p.lon, "
        f"coalesce(c.n, 0) AS n_notes FROM places p {counts} "
        f"WHERE {' AND '.join(clauses)} ORDER BY n_notes DESC, p.name, p.place_id"
    )
    tax = taxonomy()
    rows = []
    ranks: dict[str, int] = {}
    for r in db.execute(sql, params):
        row = dict(r)
        row["topic"] = tax.topic_for_category(row["category"])
        if topic and row["topic"] != topic:
            continue
        ranks[row["topic"]] = ranks.get(row["topic"], 0) + 1
        row.update(rank=ranks[row["topic"]], score=float(row["n_notes"]), source="notes")
        rows.append(row)
    return rows[:limit] if limit else rows


def _ranked_merchants(
    db: sqlite3.Connection,
    where: list[str],
    params: list[Any],
    *,
    topic: str | None,
    city: str | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    """The ``ranking`` table's merchants, best first, in SQL alone.

    The ranked rows are chosen and cut to ``limit`` first (on the ``ranking(topic,
    topic_rank)`` index); only those rows have their notes counted. In a city, ranks are
    renumbered within the city, per topic.
    """
    if topic:
        where = [*where, "r.topic = ?"]
        params = [*params, topic]
    rank = (
        "row_number() OVER (PARTITION BY r.topic ORDER BY r.rank, p.name)"
        if city
        else "r.topic_rank"
    )
    inner, outer = ("8, 7", "rank, topic") if city else ("r.rank, p.name", "grank, name")
    cut = "LIMIT ?" if limit else ""
    sql = (
        "SELECT merchant_id, name, category, city, lat, lon, topic, rank, score, "
        "(SELECT count(*) FROM geocodes g WHERE g.place_id = x.merchant_id) AS n_notes "
        "FROM (SELECT p.place_id AS merchant_id, p.name, p.category, p.city, p.lat, p.lon, "
        f"r.topic, {rank} AS rank, r.score, r.rank AS grank "
        "FROM ranking r JOIN places p ON p.place_id = r.merchant_id "
        f"WHERE {' AND '.join(where)} ORDER BY {inner} {cut}) x "
        f"ORDER BY {outer}"
    )
    rows = db.execute(sql, [*params, limit] if limit else params)
    return [dict(r, source="ranking") for r in rows]


def topic_hotspots(
    db: sqlite3.Connection, topic: str | None, *, city: str | None = None
) -> gpd.GeoDataFrame:
    """Hotspots (of one topic, or all) with their hulls as geometry (EPSG:4326)."""
    where, params = [], []
    if topic:
        where.append("topic = ?")
        params.append(topic)
    if city:
        where.append("city = ?")
        params.append(city)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = db.execute(
        "SELECT hotspot_id, topic, name, n_notes, n_merchants, lat, lon, city, hull_wkt "
        f"FROM hotspots {clause} ORDER BY n_notes DESC, hotspot_id",
        params,
    ).fetchall()
    cols = ["hotspot_id", "topic", "name", "n_notes", "n_merchants", "lat", "lon", "city"]
    frame = pd.DataFrame([tuple(r)[:8] for r in rows], columns=cols)
    geometry = list(shapely.from_wkt([r["hull_wkt"] for r in rows])) if rows else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


@dataclass(frozen=True, slots=True)
class MapParts:
    """A rendered folium map split for embedding in a page (all parts carry the nonce).

    Attributes
    ----------
    head
        Stylesheets, scripts and styles for ``<head>``.
    body
        The map's ``<div>`` and its JSON data block.
    script
        The ``<script>`` that draws the map.
    """

    head: str
    body: str
    script: str

    @property
    def size(self) -> int:
        """The parts' size in bytes (UTF-8)."""
        return len((self.head + self.body + self.script).encode())


def _split(document: str, nonce: str) -> MapParts:
    head, body, script = _HEAD.search(document), _BODY.search(document), _SCRIPT.search(document)
    if head is None or body is None or script is None:  # pragma: no cover - folium layout
        msg = "folium's page layout changed: no <head>, <body> or closing <script>"
        raise RuntimeError(msg)
    return MapParts(
        head=add_nonce(_TITLE.sub("", head.group(1)), nonce),
        body=add_nonce(body.group(1), nonce),
        script=add_nonce(script.group(1), nonce),
    )


@dataclass(frozen=True, slots=True)
class MapFilter:
    """What a topic map keeps: merchants and notes near a point, notes created in a window.

    Attributes
    ----------
    near
        ``(lat, lon)`` of the centre (None: anywhere).
    radius_km
        The radius around ``near`` in km (set together with ``near``).
    since
        The first moment notes may be created at, timezone-aware (None: open).
    until
        The moment notes must be created before, timezone-aware (None: open).
    """

    near: tuple[float, float] | None = None
    radius_km: float | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def spatial(self) -> bool:
        """Whether a distance filter is set."""
        return self.near is not None and self.radius_km is not None

    @property
    def timed(self) -> bool:
        """Whether a creation window is set."""
        return self.since is not None or self.until is not None

    def within(self, lat: Any, lon: Any) -> np.ndarray:
        """Which of the points (arrays of latitude and longitude) are within the radius."""
        lat_arr = np.asarray(lat, dtype=float)
        if not self.spatial or self.near is None or self.radius_km is None:
            return np.ones(lat_arr.shape, dtype=bool)
        lon_arr = np.asarray(lon, dtype=float)
        dist = haversine_km(self.near[1], self.near[0], lon_arr, lat_arr)
        return np.asarray(dist <= self.radius_km)

    def created_in(self, created_at: pd.Series) -> np.ndarray:
        """Which of the ISO-8601 creation times fall in ``[since, until)``."""
        keep = np.ones(len(created_at), dtype=bool)
        if not self.timed:
            return keep
        times = pd.to_datetime(created_at, utc=True, format="ISO8601", errors="coerce")
        if self.since is not None:
            keep &= (times >= pd.Timestamp(self.since)).to_numpy()
        if self.until is not None:
            keep &= (times < pd.Timestamp(self.until)).to_numpy()
        return keep

    def sql(
        self, lat: str = "g.lat", lon: str = "g.lon", created: str | None = "n.created_at"
    ) -> tuple[list[str], list[Any]]:
        """The filters as SQL conditions on the given columns, with their parameters.

        The distance is equirectangular around the centre (within 0.5% of the great-circle
        distance for radii up to a few hundred km); creation times are the workspace's UTC
        ISO-8601 text, compared as text against the window's bounds.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if self.spatial and self.near is not None and self.radius_km is not None:
            lat0, lon0 = self.near
            kx = _KM_PER_DEG * math.cos(math.radians(lat0))
            clauses.append(
                f"(({lat} - ?) * {_KM_PER_DEG}) * (({lat} - ?) * {_KM_PER_DEG}) "
                f"+ (({lon} - ?) * ?) * (({lon} - ?) * ?) <= ?"
            )
            params += [lat0, lat0, lon0, kx, lon0, kx, self.radius_km**2]
        if created is not None and self.since is not None:
            clauses.append(f"{created} >= ?")
            params.append(_utc_text(self.since))
        if created is not None and self.until is not None:
            clauses.append(f"{created} < ?")
            params.append(_utc_text(self.until))
        return clauses, params


def _cell_size(bbox: tuple[float, float, float, float] | None, zoom: int) -> tuple[float, float]:
    """A heat cell's ``(dlat, dlon)`` in degrees: about :data:`HEAT_CELL_PX` pixels square."""
    dlon = 360.0 / (2**zoom) * HEAT_CELL_PX / 256.0
    mid_lat = 0.0 if bbox is None else round((bbox[1] + bbox[3]) / 2)
    return dlon * max(math.cos(math.radians(mid_lat)), 0.05), dlon


def snap_bbox(
    bbox: tuple[float, float, float, float], zoom: int
) -> tuple[float, float, float, float]:
    """``bbox`` grown to whole blocks of :data:`HEAT_BLOCK_CELLS` heat cells at ``zoom``.

    A map that pans a little asks for the same snapped box, so its heat comes from the
    cache; the grown box costs the query nothing (it scans the topic's notes either way).

    Parameters
    ----------
    bbox
        ``(west, south, east, north)`` in degrees.
    zoom
        The map's zoom level.

    Returns
    -------
    tuple of float
        The snapped box, within -180..180 and -90..90.
    """
    dlat, dlon = _cell_size(bbox, zoom)
    bw, bh = dlon * HEAT_BLOCK_CELLS, dlat * HEAT_BLOCK_CELLS
    w = math.floor((bbox[0] + 180.0) / bw) * bw - 180.0
    e = math.ceil((bbox[2] + 180.0) / bw) * bw - 180.0
    s = math.floor((bbox[1] + 90.0) / bh) * bh - 90.0
    n = math.ceil((bbox[3] + 90.0) / bh) * bh - 90.0
    return (
        round(max(w, -180.0), 9),
        round(max(s, -90.0), 9),
        round(min(e, 180.0), 9),
        round(min(n, 90.0), 9),
    )


def heat_grid(
    db: sqlite3.Connection,
    topic: str | None,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: int = 12,
    city: str | None = None,
    where: MapFilter | None = None,
) -> dict[str, Any]:
    """Note counts on a grid sized for the zoom, aggregated in SQL (no note leaves the store).

    Cells are about :data:`HEAT_CELL_PX` screen pixels across at ``zoom`` and sit on a fixed
    grid (whole cells from -180/-90), so panning reuses the same cells. When the bbox would
    hold more than :data:`MAX_HEAT_CELLS` cells they are doubled in size until it does not.

    Parameters
    ----------
    db
        The workspace.
    topic
        Only this topic's notes (None: every geocoded note).
    bbox
        ``(west, south, east, north)`` in WGS-84 degrees (None: everywhere).
    zoom
        The map's zoom level.
    city
        Only notes whose ``city`` is this (None: all).
    where
        Distance and creation-window filters.

    Returns
    -------
    dict
        ``cells``: ``[south, west, north, east, count, opacity]`` densest first;
        ``cell_deg``: ``[dlat, dlon]``; ``notes``: the notes counted; ``max``: the densest
        cell's count.
    """
    where = where or MapFilter()
    dlat, dlon = _cell_size(bbox, zoom)
    if bbox is not None:
        while ((bbox[2] - bbox[0]) / dlon) * ((bbox[3] - bbox[1]) / dlat) > MAX_HEAT_CELLS:
            dlon, dlat = dlon * 2, dlat * 2
    clauses, params = where.sql()
    clauses += ["g.lat IS NOT NULL", "g.lon IS NOT NULL"]
    joins = "JOIN notes n ON n.note_id = g.note_id" if where.timed or city is not None else ""
    if topic is not None:
        joins += " JOIN topics t ON t.note_id = g.note_id"
        clauses.append("t.topic = ?")
        params.append(topic)
    if city is not None:
        clauses.append("n.city = ?")
        params.append(city)
    if bbox is not None:
        clauses += ["g.lon BETWEEN ? AND ?", "g.lat BETWEEN ? AND ?"]
        params += [bbox[0], bbox[2], bbox[1], bbox[3]]
    rows = db.execute(
        "SELECT CAST((g.lat + 90.0) / ? AS INTEGER) AS i, "
        "CAST((g.lon + 180.0) / ? AS INTEGER) AS j, count(*) AS n "
        f"FROM geocodes g {joins} WHERE {' AND '.join(clauses)} "
        "GROUP BY i, j ORDER BY n DESC, i, j",
        [dlat, dlon, *params],
    ).fetchall()
    top = rows[0][2] if rows else 0
    cells = [
        [
            round(i * dlat - 90.0, 6),
            round(j * dlon - 180.0, 6),
            round((i + 1) * dlat - 90.0, 6),
            round((j + 1) * dlon - 180.0, 6),
            n,
            round(0.12 + 0.58 * math.sqrt(n / top), 3),
        ]
        for i, j, n in rows
    ]
    return {
        "cells": cells,
        "cell_deg": [round(dlat, 9), round(dlon, 9)],
        "notes": sum(r[2] for r in rows),
        "max": top,
    }


def note_days(db: sqlite3.Connection) -> tuple[str, str] | None:
    """The first and last creation day (UTC, ``YYYY-MM-DD``) of the workspace's notes.

    Read from the ``notes_created`` index, so it is instant at any size.
    """
    first = db.execute("SELECT min(created_at) FROM notes").fetchone()[0]
    last = db.execute("SELECT max(created_at) FROM notes").fetchone()[0]
    if first is None or last is None:
        return None
    return str(first)[:10], str(last)[:10]


def _utc_text(moment: datetime) -> str:
    """A moment as the workspace writes creation times, without the ``Z``.

    Every stored time that starts with this text is at or after it, so ``>=`` and ``<``
    on text are ``>=`` and ``<`` on time.
    """
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")


def _topic_notes(
    db: sqlite3.Connection, topic: str, city: str | None, where: MapFilter | None = None
) -> pd.DataFrame:
    """Note locations for the heat grid plus each merchant's top-confidence snippets."""
    where = where or MapFilter()
    city_clause, params = ("AND n.city = ?", [topic, city]) if city else ("", [topic])
    heat = pd.read_sql_query(
        "SELECT g.lat, g.lon, n.created_at FROM topics t JOIN geocodes g ON g.note_id = t.note_id "
        "JOIN notes n ON n.note_id = t.note_id "
        f"WHERE t.topic = ? AND g.lat IS NOT NULL AND g.lon IS NOT NULL {city_clause}",
        db,
        params=params,
    )
    heat = heat[where.within(heat["lat"], heat["lon"]) & where.created_in(heat["created_at"])]
    if where.spatial or where.timed:
        # Every candidate, filtered here, then the best few per merchant.
        snippets = pd.read_sql_query(
            "SELECT g.place_id AS merchant_id, n.note_id, n.title, n.text, g.confidence, "
            "g.lat, g.lon, n.created_at FROM topics t JOIN geocodes g ON g.note_id = t.note_id "
            "JOIN notes n ON n.note_id = t.note_id "
            f"WHERE t.topic = ? AND g.precision = 'poi' {city_clause}",
            db,
            params=params,
        )
        keep = where.within(snippets["lat"], snippets["lon"]) & where.created_in(
            snippets["created_at"]
        )
        snippets = (
            snippets[keep]
            .sort_values(["merchant_id", "confidence", "note_id"], ascending=[True, False, True])
            .groupby("merchant_id", sort=False)
            .head(_SNIPPETS)
        )
    else:
        snippets = pd.read_sql_query(
            "SELECT merchant_id, title, text, confidence FROM ("
            " SELECT g.place_id AS merchant_id, n.title, n.text, g.confidence,"
            "  row_number() OVER (PARTITION BY g.place_id ORDER BY g.confidence DESC, n.note_id)"
            "  AS k FROM topics t JOIN geocodes g ON g.note_id = t.note_id"
            "  JOIN notes n ON n.note_id = t.note_id"
            f"  WHERE t.topic = ? AND g.precision = 'poi' {city_clause}"
            f") WHERE k <= {_SNIPPETS}",
            db,
            params=params,
        )
    heat = heat[["lat", "lon"]]
    snippets = snippets[["merchant_id", "title", "text", "confidence"]]
    return pd.concat([heat, snippets], ignore_index=True)


def topic_map(
    db: sqlite3.Connection,
    topic: str,
    nonce: str,
    *,
    city: str | None = None,
    where: MapFilter | None = None,
    tiles: str | TileProvider | None = "osm",
    api: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[MapParts, list[dict[str, Any]]]:
    """The topic map for a page: the best :data:`MAX_MAP_MERCHANTS` merchants.

    Parameters
    ----------
    db
        The workspace.
    topic
        The topic id.
    nonce
        The page's CSP nonce.
    city
        Only this city's merchants and notes (None: all).
    where
        Distance and creation-window filters on merchants and notes (None: none).
    tiles
        The base map (:mod:`topics.tiles`).
    api
        The API the map loads its viewport from (see :func:`topics.maps.build_topic_map`);
        with it the page embeds no note data at all, only the best merchants.
    labels
        The map's own words in the page's language.

    Returns
    -------
    (MapParts, list of dict)
        The map and every ranked merchant of the topic that passed the filters (before
        the cap), best first.
    """
    where = where or MapFilter()
    ranked = merchant_ranking(db, topic=topic, city=city, where=where)
    shown = pd.DataFrame(
        ranked[:MAX_MAP_MERCHANTS],
        columns=["merchant_id", "name", "lat", "lon", "n_notes", "rank"],
    )
    notes = _topic_notes(db, topic, city, where) if api is None else pd.DataFrame(columns=["lat"])
    m = build_topic_map(
        topic,
        notes,
        shown,
        topic_hotspots(db, topic, city=city),
        taxonomy=taxonomy(),
        asset_prefix=_ASSET_PREFIX,
        tiles=tiles,
        api=api,
        labels=labels,
    )
    return _split(m.get_root().render(), nonce), ranked


def merchant_map(
    merchant: dict[str, Any],
    nonce: str,
    *,
    tiles: str | TileProvider | None = "osm",
    labels: Mapping[str, str] | None = None,
    api: Mapping[str, Any] | None = None,
) -> MapParts:
    """A small map of one merchant (name only as escaped JSON), without search or legend.

    With ``api`` (see :func:`topics.maps.build_topic_map`) it also loads the merchants of
    its topic around it, the heat of their notes and the district outlines.
    """
    frame = pd.DataFrame(
        [
            {
                "merchant_id": merchant["merchant_id"],
                "name": merchant["name"],
                "lat": merchant["lat"],
                "lon": merchant["lon"],
                "n_notes": merchant.get("n_notes", 0),
                "rank": merchant.get("rank"),
            }
        ]
    )
    empty_notes = pd.DataFrame(columns=["lat", "lon"])
    no_hotspots = gpd.GeoDataFrame({"name": [], "n_notes": []}, geometry=[], crs="EPSG:4326")
    m = build_topic_map(
        str(merchant.get("topic") or ""),
        empty_notes,
        frame,
        no_hotspots,
        asset_prefix=_ASSET_PREFIX,
        title=str(merchant["name"]),
        tiles=tiles,
        labels=labels,
        api=api,
        controls=False,
    )
    return _split(m.get_root().render(), nonce)
