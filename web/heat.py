"""The note heat of a map's viewport: counts on a grid sized for the zoom, in SQL.

No note leaves the store: the grid cells are computed by the query, so an answer's size
follows the screen, not the number of notes. Cells sit on a fixed grid and answers cover
whole blocks of cells (:func:`snap_bbox`), so panning reuses cells and cached answers.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any, Final

from web.filters import MapFilter

__all__ = [
    "HEAT_BLOCK_CELLS",
    "HEAT_CELL_PX",
    "MAX_HEAT_CELLS",
    "heat_grid",
    "note_days",
    "snap_bbox",
]

#: A heat cell's size on screen, in pixels.
HEAT_CELL_PX: Final = 24
#: Heat answers cover whole blocks of this many cells a side (see :func:`snap_bbox`).
HEAT_BLOCK_CELLS: Final = 16
#: The most heat cells one answer holds.
MAX_HEAT_CELLS: Final = 20_000


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
