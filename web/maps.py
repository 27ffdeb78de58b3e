"""Workspace queries behind the pages and the API, and folium maps cut to fit a page.

The topic map is :func:`topics.maps.build_topic_map` (user text only as escaped JSON);
here its frames are read from the workspace with parameterised SQL, the merchants are
capped (:data:`MAX_MAP_MERCHANTS`) so the page stays small for any number of notes, and
the rendered document is split into the head, body and script parts a template embeds.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from topics.maps import build_topic_map
from topics.taxonomy import Taxonomy, load_taxonomy
from web.security import add_nonce

__all__ = [
    "MAX_MAP_MERCHANTS",
    "MapParts",
    "has_table",
    "merchant_map",
    "merchant_ranking",
    "taxonomy",
    "topic_hotspots",
    "topic_map",
]

#: The most merchants a topic map shows (the best ranked).
MAX_MAP_MERCHANTS: Final = 500
_ASSET_PREFIX: Final = "/static/maps/"
_SNIPPETS: Final = 3
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

    Returns
    -------
    list of dict
        merchant_id, name, category, city, lat, lon, topic, rank, score, n_notes, source.
    """
    where, params = ["p.kind = 'merchant'"], []
    if city:
        where.append("p.city = ?")
        params.append(city)
    counts = (
        "LEFT JOIN (SELECT place_id, count(*) AS n FROM geocodes "
        "WHERE place_id IS NOT NULL GROUP BY place_id) c ON c.place_id = p.place_id"
    )
    if has_table(db, "ranking"):
        if topic:
            where.append("r.topic = ?")
            params.append(topic)
        sql = (
            "SELECT p.place_id AS merchant_id, p.name, p.category, p.city, p.lat, p.lon, "
            "r.topic, r.topic_rank AS rank, r.score, coalesce(c.n, 0) AS n_notes "
            f"FROM ranking r JOIN places p ON p.place_id = r.merchant_id {counts} "
            f"WHERE {' AND '.join(where)} ORDER BY r.rank, p.name"
        )
        rows = [dict(r, source="ranking") for r in db.execute(sql, params)]
        if city:  # ranks within the city
            seen: dict[str, int] = {}
            for row in rows:
                seen[row["topic"]] = seen.get(row["topic"], 0) + 1
                row["rank"] = seen[row["topic"]]
            rows.sort(key=lambda r: (r["rank"], r["topic"]))
        return rows[:limit] if limit else rows
    sql = (
        "SELECT p.place_id AS merchant_id, p.name, p.category, p.city, p.lat, p.lon, "
        f"coalesce(c.n, 0) AS n_notes FROM places p {counts} "
        f"WHERE {' AND '.join(where)} ORDER BY n_notes DESC, p.name, p.place_id"
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


def _topic_notes(db: sqlite3.Connection, topic: str, city: str | None) -> pd.DataFrame:
    """Note locations for the heat grid plus each merchant's top-confidence snippets."""
    city_clause, params = ("AND n.city = ?", [topic, city]) if city else ("", [topic])
    heat = pd.read_sql_query(
        "SELECT g.lat, g.lon FROM topics t JOIN geocodes g ON g.note_id = t.note_id "
        "JOIN notes n ON n.note_id = t.note_id "
        f"WHERE t.topic = ? AND g.lat IS NOT NULL AND g.lon IS NOT NULL {city_clause}",
        db,
        params=params,
    )
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
    return pd.concat([heat, snippets], ignore_index=True)


def topic_map(
    db: sqlite3.Connection, topic: str, nonce: str, *, city: str | None = None
) -> tuple[MapParts, int]:
    """The topic map for a page: the best :data:`MAX_MAP_MERCHANTS` merchants.

    Returns
    -------
    (MapParts, int)
        The map and the number of the topic's merchants (before the cap).
    """
    ranked = merchant_ranking(db, topic=topic, city=city)
    shown = pd.DataFrame(
        ranked[:MAX_MAP_MERCHANTS],
        columns=["merchant_id", "name", "lat", "lon", "n_notes", "rank"],
    )
    m = build_topic_map(
        topic,
        _topic_notes(db, topic, city),
        shown,
        topic_hotspots(db, topic, city=city),
        taxonomy=taxonomy(),
        asset_prefix=_ASSET_PREFIX,
    )
    return _split(m.get_root().render(), nonce), len(ranked)


def merchant_map(merchant: dict[str, Any], nonce: str) -> MapParts:
    """A small map with one merchant's marker (name only as escaped JSON)."""
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
    )
    return _split(m.get_root().render(), nonce)
