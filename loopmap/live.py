"""Geocode and classify newly ingested notes at once, without a full ``loopmap build``.

:func:`geocode_new_notes` handles only the notes that have no geocode yet (and then the notes
with no topic), with the same geocoder and the same saved topic model a build uses, so the
web app shows a new note right after it arrives. Hotspots and the ranking still wait for the
next build. The gazetteer is kept in the process, keyed by the workspace's ``places_rev``;
the topic model by its ``trained_at``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Final

from loopmap.build import place_priors, places_frame, store_geocodes, store_topics
from loopmap.formats import NOTE_COLUMNS
from loopmap.store import Workspace

__all__ = ["LIVE_CHUNK", "clear_caches", "geocode_new_notes"]

#: Notes geocoded or classified per batch.
LIVE_CHUNK: Final = 5_000
_lock = threading.Lock()
_gazetteers: dict[str, tuple[str, Any]] = {}
_models: dict[str, tuple[str, Any]] = {}


def clear_caches() -> None:
    """Forget every kept gazetteer and topic model."""
    with _lock:
        _gazetteers.clear()
        _models.clear()


def _key(ws: Workspace) -> str:
    return os.path.realpath(ws.path)


def _gazetteer(ws: Workspace) -> tuple[Any, str]:
    """The workspace's gazetteer for its current ``places_rev``, built once per revision."""
    from geo.gazetteer import Gazetteer

    rev = ws.get_meta("places_rev", "0") or "0"
    key = _key(ws)
    with _lock:
        kept = _gazetteers.get(key)
    if kept is not None and kept[0] == rev:
        return kept[1], rev
    gazetteer = Gazetteer.from_places(places_frame(ws.conn))
    with _lock:
        _gazetteers[key] = (rev, gazetteer)
    return gazetteer, rev


def _topic_model(ws: Workspace) -> Any | None:
    """The saved topic model (None when the workspace has none yet)."""
    from topics.classify import model_from_bytes

    row = ws.conn.execute("SELECT trained_at FROM models WHERE name = 'topics'").fetchone()
    if row is None:
        return None
    key, stamp = _key(ws), str(row[0])
    with _lock:
        kept = _models.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    data = ws.conn.execute("SELECT data FROM models WHERE name = 'topics'").fetchone()[0]
    model = model_from_bytes(bytes(data))
    with _lock:
        _models[key] = (stamp, model)
    return model


def _geocode(ws: Workspace) -> int:
    cols = ", ".join(f"n.{c}" for c in NOTE_COLUMNS)
    query = (
        f"SELECT {cols}, n.row_hash FROM notes n LEFT JOIN geocodes g ON g.note_id = n.note_id "
        "WHERE g.note_id IS NULL ORDER BY n.rowid LIMIT ?"
    )
    done = 0
    gazetteer = priors = rev = None
    while batch := [tuple(r) for r in ws.conn.execute(query, (LIVE_CHUNK,)).fetchall()]:
        if gazetteer is None:
            gazetteer, rev = _gazetteer(ws)
            priors = place_priors(ws.conn)
        done += store_geocodes(ws, batch, gazetteer, priors=priors, rev=str(rev))
        if len(batch) < LIVE_CHUNK:
            break
    return done


def _classify(ws: Workspace) -> int:
    query = (
        "SELECT n.note_id, n.title, n.text, n.tags FROM notes n "
        "LEFT JOIN topics t ON t.note_id = n.note_id WHERE t.note_id IS NULL "
        "ORDER BY n.rowid LIMIT ?"
    )
    if ws.conn.execute(query, (1,)).fetchone() is None:
        return 0
    model = _topic_model(ws)
    if model is None:
        return 0
    done = 0
    while batch := ws.conn.execute(query, (LIVE_CHUNK,)).fetchall():
        done += store_topics(ws, batch, model)
        if len(batch) < LIVE_CHUNK:
            break
    return done


def geocode_new_notes(db_path: str | os.PathLike[str] | Path) -> int:
    """Geocode the notes with no geocode yet, then classify the notes with no topic.

    Classification uses the topic model the last build saved (the ``models`` table); with
    none, notes stay unclassified until a build trains one.

    Parameters
    ----------
    db_path
        The workspace file.

    Returns
    -------
    int
        The number of notes geocoded.
    """
    with Workspace(db_path) as ws:
        done = _geocode(ws)
        _classify(ws)
    return done
