"""Workspace queries behind the pages and the API, and folium maps cut to fit a page.

The topic map is :func:`topics.maps.build_topic_map` (user text only as escaped JSON);
here its frames are read from the workspace with parameterised SQL, the merchants are
capped (:data:`MAX_MAP_MERCHANTS`) so the page stays small for any number of notes, and
the rendered document is split into the head, body and script parts a template embeds.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from topics.maps import build_topic_map
from topics.taxonomy import Taxonomy, load_taxonomy
from topics.tiles import TileProvider
from web.filters import MapFilter
from web.security import add_nonce

__all__ = [
    "MAX_MAP_MERCHANTS",
    "VIEW_MERCHANTS",
    "MapParts",
    "has_table",
    "merchant_map",
    "merchant_ranking",
    "taxonomy",
    "topic_hotspots",
    "topic_map",
]

#: The most merchants a topic map page embeds (the best ranked); the map then loads the
#: best ranked in its viewport from the API as it moves.
MAX_MAP_MERCHANTS: Final = 300
#: The most merchants one viewport shows.
VIEW_MERCHANTS: Final = 300
_ASSET_PREFIX: Final = "/static/maps/"
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


def topic_map(
    db: sqlite3.Connection,
    topic: str,
    nonce: str,
    *,
    city: str | None = None,
    where: MapFilter | None = None,
    api: Mapping[str, Any],
    tiles: str | TileProvider | None = "osm",
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
        The distance filter on merchants (None: none); the map passes it, and the
        creation window, to the API with ``api["params"]``.
    api
        The API the map loads its heat, merchants and notes from as it moves (see
        :func:`topics.maps.build_topic_map`): the page embeds no note, only the best
        merchants.
    tiles
        The base map (:mod:`topics.tiles`).
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
    m = build_topic_map(
        topic,
        pd.DataFrame(columns=["lat", "lon"]),
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
