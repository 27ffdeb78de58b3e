"""Geocode and classify newly ingested notes at once, without a full ``loopmap build``.

:func:`geocode_new_notes` handles only the notes that have no geocode yet (and then the notes
with no topic), all of them or only given ones, with the same geocoder and the same saved
topic model a build uses, so the web app shows a new note right after it arrives. Hotspots
and the ranking still wait for the next build. The gazetteer is kept in the process, keyed by
the workspace's ``places_rev``; the topic model by its ``trained_at``. Each is built by one
thread at a time: concurrent requests after a (re)start wait for the first one's instead of
all building their own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import orjson

from loopmap.build import place_priors, places_frame, store_geocodes, store_topics
from loopmap.formats import NOTE_COLUMNS
from loopmap.store import Workspace

__all__ = ["LIVE_CHUNK", "clear_caches", "geocode_new_notes"]

#: Notes geocoded or classified per batch.
LIVE_CHUNK: Final = 5_000
_lock = threading.Lock()
#: Held while a gazetteer or a topic model is built, so that only one thread builds it.
_building = threading.Lock()
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
    with _building:
        with _lock:
            kept = _gazetteers.get(key)
        if kept is not None and kept[0] == rev:  # built while this thread waited
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
    with _building:
        with _lock:
            kept = _models.get(key)
        if kept is not None and kept[0] == stamp:  # loaded while this thread waited
            return kept[1]
        data = ws.conn.execute("SELECT data FROM models WHERE name = 'topics'").fetchone()[0]
        model = model_from_bytes(bytes(data))
        with _lock:
            _models[key] = (stamp, model)
    return model


def _todo(ws: Workspace, query: str, note_ids: list[str] | None) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of at most :data:`LIVE_CHUNK` rows of ``query`` (``... WHERE <still to do>``).

    With ``note_ids`` None, every note still to do, re-queried after each batch (the caller
    stores a batch before asking for the next); otherwise only the notes with those ids.
    """
    if note_ids is None:
        every = f"{query} ORDER BY n.rowid LIMIT ?"
        while batch := [tuple(r) for r in ws.conn.execute(every, (LIVE_CHUNK,))]:
            yield batch
            if len(batch) < LIVE_CHUNK:
                return
        return
    some = f"{query} AND n.note_id IN (SELECT value FROM json_each(?)) ORDER BY n.rowid"
    ids = sorted(set(note_ids))
    for start in range(0, len(ids), LIVE_CHUNK):
        chunk = orjson.dumps(ids[start : start + LIVE_CHUNK]).decode()
        if batch := [tuple(r) for r in ws.conn.execute(some, (chunk,))]:
            yield batch


def _geocode(ws: Workspace, note_ids: list[str] | None = None) -> int:
    cols = ", ".join(f"n.{c}" for c in NOTE_COLUMNS)
    query = (
        f"SELECT {cols}, n.row_hash FROM notes n LEFT JOIN geocodes g ON g.note_id = n.note_id "
        "WHERE g.note_id IS NULL"
    )
    done = 0
    gazetteer = priors = rev = None
    for batch in _todo(ws, query, note_ids):
        if gazetteer is None:
            gazetteer, rev = _gazetteer(ws)
            priors = place_priors(ws.conn)
        assert priors is not None  # set together with the gazetteer on the first batch
        done += store_geocodes(ws, batch, gazetteer, priors=priors, rev=str(rev))
    return done


def _classify(ws: Workspace, note_ids: list[str] | None = None) -> int:
    if ws.conn.execute("SELECT 1 FROM models WHERE name = 'topics'").fetchone() is None:
        return 0  # no model yet: nothing to classify with
    query = (
        "SELECT n.note_id, n.title, n.text, n.tags FROM notes n "
        "LEFT JOIN topics t ON t.note_id = n.note_id WHERE t.note_id IS NULL"
    )
    done = 0
    model = None
    for batch in _todo(ws, query, note_ids):
        if model is None:
            model = _topic_model(ws)
            if model is None:  # removed since the check above
                return 0
        done += store_topics(ws, batch, model)
    return done


def _forget_edited(ws: Workspace, note_ids: list[str]) -> int:
    """Drop the geocode and topic of those notes whose text changed since they were geocoded.

    They are then notes with no geocode, done again at once like new ones (and a retry
    after a crash between the two steps finds them the same way).
    """
    stale = [
        r[0]
        for start in range(0, len(note_ids), LIVE_CHUNK)
        for r in ws.conn.execute(
            "SELECT n.note_id FROM notes n JOIN geocodes g ON g.note_id = n.note_id "
            "WHERE g.note_hash != n.row_hash "
            "AND n.note_id IN (SELECT value FROM json_each(?))",
            (orjson.dumps(note_ids[start : start + LIVE_CHUNK]).decode(),),
        )
    ]
    if stale:
        with ws.transaction():
            for table in ("geocodes", "topics"):
                ws.conn.execute(
                    f"DELETE FROM {table} WHERE note_id IN (SELECT value FROM json_each(?))",
                    (orjson.dumps(stale).decode(),),
                )
    return len(stale)


def geocode_new_notes(
    db_path: str | os.PathLike[str] | Path, note_ids: Iterable[str] | None = None
) -> int:
    """Geocode the notes with no geocode yet, then classify the notes with no topic.

    Classification uses the topic model the last build saved (the ``models`` table); with
    none, notes stay unclassified until a build trains one.

    Parameters
    ----------
    db_path
        The workspace file.
    note_ids
        Look only at these notes (ids that name no note are skipped); all notes when None.
        Those among them whose text changed since their geocode are done again.

    Returns
    -------
    int
        The number of notes geocoded.
    """
    ids = None if note_ids is None else list(note_ids)
    with Workspace(db_path) as ws:
        if ids:
            _forget_edited(ws, ids)
        done = _geocode(ws, ids)
        _classify(ws, ids)
    return done
