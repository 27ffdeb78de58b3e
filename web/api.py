"""The JSON API: geocoded notes, hotspots and the merchant ranking; ingest when enabled.

Every bad parameter answers 400 with ``{"error": reason}``; user text travels only as JSON
strings, with ``<``, ``>`` and ``&`` written as ``\\u`` escapes. GET answers may be cached
for a minute and carry an ETag from the workspace file's modification time and size.

GET bodies are kept in a small in-process LRU keyed by the route and its normalised
parameters; an entry is used only while the workspace stamp (:func:`workspace_stamp`, the
modification time and size of the file and its ``-wal``) is the one it was computed under,
so any write to the workspace invalidates it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Final

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from topics.maps import json_for_script
from web.db import get_db
from web.maps import merchant_ranking, taxonomy

__all__ = [
    "CACHE_SIZE",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ApiError",
    "BodyCache",
    "bp",
    "workspace_stamp",
]

bp = Blueprint("api", __name__, url_prefix="/api")

DEFAULT_LIMIT: Final = 500
MAX_LIMIT: Final = 5000
_TITLE_CHARS: Final = 80
_INGEST_KINDS: Final = ("notes", "events")
#: The most GET bodies the in-process cache keeps.
CACHE_SIZE: Final = 256


class ApiError(ValueError):
    """A request the API refuses; answered as ``{"error": message}`` with ``status``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    return jsonify(error=str(exc)), exc.status


# ---------------------------------------------------------------------------- parameters


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 4:
        msg = f"bbox {value!r} is not W,S,E,N (four numbers, e.g. 121.4,31.1,121.5,31.3)"
        raise ApiError(msg)
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        msg = f"bbox {value!r} is not W,S,E,N numbers (e.g. 121.4,31.1,121.5,31.3)"
        raise ApiError(msg) from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        msg = f"bbox {value!r} holds a non-finite number"
        raise ApiError(msg)
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        msg = f"bbox {value!r} is out of range: longitudes -180..180, latitudes -90..90"
        raise ApiError(msg)
    if w > e or s > n:
        msg = f"bbox {value!r} has west > east or south > north"
        raise ApiError(msg)
    return w, s, e, n


def _limit(value: str | None, *, default: int = DEFAULT_LIMIT) -> int:
    if value is None:
        return default
    try:
        limit = int(value)
    except ValueError:
        msg = f"limit {value!r} is not a whole number"
        raise ApiError(msg) from None
    if not 1 <= limit <= MAX_LIMIT:
        msg = f"limit {limit} is out of range 1..{MAX_LIMIT}"
        raise ApiError(msg)
    return limit


def _topic(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in taxonomy():
        known = ", ".join(taxonomy().ids)
        msg = f"unknown topic {value!r}; known topics: {known}"
        raise ApiError(msg)
    return value


def workspace_stamp(db_path: str | Path) -> tuple[int, ...]:
    """The workspace's change stamp: modification time and size of the file and its WAL.

    Parameters
    ----------
    db_path
        The workspace file.

    Returns
    -------
    tuple of int
        ``(mtime_ns, size)`` of the file, then of its ``-wal`` file when that holds frames.
    """
    path = os.fspath(db_path)
    info = os.stat(path)
    stamp = (info.st_mtime_ns, info.st_size)
    try:
        wal = os.stat(path + "-wal")
    except FileNotFoundError:
        return stamp
    if not wal.st_size:  # an empty WAL holds nothing: the same as none (readers create it)
        return stamp
    return (*stamp, wal.st_mtime_ns, wal.st_size)


class BodyCache:
    """A thread-safe LRU of computed response bodies, each valid under one workspace stamp.

    Parameters
    ----------
    size
        The most entries kept; the least recently used goes first.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: tuple[int, ...], compute: Callable[[], bytes]) -> bytes:
        """The body for ``key`` computed under ``stamp``, computing it on a miss.

        Parameters
        ----------
        key
            The route and its normalised parameters.
        stamp
            The workspace stamp read before computing.
        compute
            Builds the body when the cache has none for this stamp.

        Returns
        -------
        bytes
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            self.misses += 1
        body = compute()
        with self._lock:
            self._entries[key] = (stamp, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return body

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def _body_cache() -> BodyCache:
    cache = current_app.extensions.get("loopmap_body_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("loopmap_body_cache", BodyCache())
    return cache


def _cached(
    key: Hashable, build: Callable[[], Any], *, mimetype: str = "application/json"
) -> Response:
    """Answer with the JSON of ``build()``, from the body cache when the workspace is unchanged.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes: the JSON is equal, and no browser can
    read markup in it.
    """
    stamp = workspace_stamp(current_app.config["DB_PATH"])
    body = _body_cache().get((request.path, key), stamp, lambda: json_for_script(build()).encode())
    response = Response(body, mimetype=mimetype)
    response.cache_control.max_age = 60
    digest = hashlib.sha256(f"{list(stamp)}{request.full_path}".encode()).hexdigest()[:32]
    response.set_etag(digest)
    return response.make_conditional(request)


def _snippet(title: str | None, text: str | None) -> str:
    joined = (title or "").strip() or (text or "").strip()
    joined = " ".join(joined.split())
    return joined if len(joined) <= _TITLE_CHARS else joined[: _TITLE_CHARS - 1] + "…"


# ---------------------------------------------------------------------------- reads


@bp.get("/notes")
def notes() -> ResponseReturnValue:
    """GeoJSON of geocoded notes inside ``bbox`` (W,S,E,N), of ``topic``, at most ``limit``."""
    bbox = _bbox(request.args.get("bbox"))
    topic = _topic(request.args.get("topic"))
    limit = _limit(request.args.get("limit"))
    return _cached(
        (bbox, topic, limit),
        lambda: _notes_payload(bbox, topic, limit),
        mimetype="application/geo+json",
    )


def _notes_payload(
    bbox: tuple[float, float, float, float] | None, topic: str | None, limit: int
) -> dict[str, Any]:
    where, params = ["g.lat IS NOT NULL", "g.lon IS NOT NULL"], []
    if bbox is not None:
        where += ["g.lon BETWEEN ? AND ?", "g.lat BETWEEN ? AND ?"]
        params += [bbox[0], bbox[2], bbox[1], bbox[3]]
    if topic is not None:
        where.append("t.topic = ?")
        params.append(topic)
    rows = get_db().execute(
        "SELECT g.note_id, t.topic, g.place_id, g.precision, g.lat, g.lon, n.title, n.text "
        "FROM geocodes g JOIN notes n ON n.note_id = g.note_id "
        "LEFT JOIN topics t ON t.note_id = g.note_id "
        f"WHERE {' AND '.join(where)} ORDER BY g.note_id LIMIT ?",
        [*params, limit],
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "note_id": r["note_id"],
                "topic": r["topic"],
                "place_id": r["place_id"],
                "precision": r["precision"],
                "title": _snippet(r["title"], r["text"]),
            },
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@bp.get("/hotspots")
def hotspots() -> ResponseReturnValue:
    """GeoJSON of hotspot hulls (of ``topic``, or all)."""
    topic = _topic(request.args.get("topic"))
    return _cached((topic,), lambda: _hotspots_payload(topic), mimetype="application/geo+json")


def _hotspots_payload(topic: str | None) -> dict[str, Any]:
    where, params = ("WHERE topic = ?", [topic]) if topic else ("", [])
    rows = get_db().execute(
        "SELECT hotspot_id, topic, name, n_notes, n_merchants, city, hull_wkt "
        f"FROM hotspots {where} ORDER BY n_notes DESC, hotspot_id",
        params,
    )
    features = []
    for r in rows:
        try:
            geometry = mapping(wkt.loads(r["hull_wkt"]))
        except (ShapelyError, TypeError):
            current_app.logger.warning("hotspot %s has an unreadable hull", r["hotspot_id"])
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "hotspot_id": r["hotspot_id"],
                    "name": r["name"],
                    "topic": r["topic"],
                    "city": r["city"],
                    "n_notes": r["n_notes"],
                    "n_merchants": r["n_merchants"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@bp.get("/merchants")
def merchants() -> ResponseReturnValue:
    """The merchant ranking (of ``topic``, in ``city``), at most ``limit`` rows."""
    topic = _topic(request.args.get("topic"))
    limit = _limit(request.args.get("limit"))
    city = request.args.get("city") or None

    def payload() -> dict[str, Any]:
        rows = merchant_ranking(get_db(), topic=topic, city=city, limit=limit)
        return {"topic": topic, "city": city, "merchants": rows}

    return _cached((topic, city, limit), payload)


# ---------------------------------------------------------------------------- ingest


def _authorise() -> None:
    token = current_app.config.get("INGEST_TOKEN")
    ingest = current_app.config.get("INGEST")
    if not token or not callable(ingest):
        msg = "ingest is off: the server has no ingest token"
        raise ApiError(msg, 403)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), str(token).encode()
    )
    if not ok:
        msg = "missing or wrong bearer token"
        raise ApiError(msg, 401)


def _rows() -> list[dict[str, Any]]:
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list) and body and all(isinstance(r, dict) for r in body):
        return body
    msg = "the body must be a JSON object or a non-empty list of objects"
    raise ApiError(msg)


def _ingest(kind: str) -> ResponseReturnValue:
    _authorise()
    rows = _rows()
    result = current_app.config["INGEST"](kind, rows)
    status = 400 if result.get("rejected") else 200
    return jsonify(result), status


@bp.post("/notes")
def ingest_notes() -> ResponseReturnValue:
    """Import notes (one object or a list); 400 when any row was rejected."""
    return _ingest("notes")


@bp.post("/events")
def ingest_events() -> ResponseReturnValue:
    """Import events (one object or a list); 400 when any row was rejected."""
    return _ingest("events")
