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
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Final, TypeVar

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from topics.maps import json_for_script, rank_color, shift_cells
from topics.tiles import PROVIDERS, TileProvider, display_geometry, display_points, from_display
from web import params
from web.db import get_db
from web.filters import MapFilter
from web.heat import heat_grid, snap_bbox
from web.maps import merchant_ranking, taxonomy

__all__ = [
    "CACHE_SIZE",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ApiError",
    "BodyCache",
    "body_cache",
    "bp",
    "cached_value",
    "workspace_stamp",
]

bp = Blueprint("api", __name__, url_prefix="/api")
T = TypeVar("T")

DEFAULT_LIMIT: Final = params.DEFAULT_LIMIT
MAX_LIMIT: Final = params.MAX_LIMIT
_DATUMS: Final = {"wgs84": PROVIDERS["none"], "gcj02": PROVIDERS["amap"]}
_TITLE_CHARS: Final = 80
_MAX_QUERY: Final = 100
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


@bp.errorhandler(params.ParamError)
def _param_error(exc: params.ParamError) -> ResponseReturnValue:
    return jsonify(error=str(exc)), 400


# ---------------------------------------------------------------------------- parameters


def _crs() -> TileProvider:
    """The datum the client's map is drawn in (``crs=wgs84`` or ``gcj02``)."""
    value = (request.args.get("crs") or "wgs84").lower()
    if value not in _DATUMS:
        msg = f"crs {value!r} is not wgs84 or gcj02"
        raise ApiError(msg)
    return _DATUMS[value]


def _view_bbox(provider: TileProvider) -> tuple[float, float, float, float] | None:
    """``bbox`` read in the client's datum, returned in WGS-84 (grown to cover the shift)."""
    box = params.bbox(request.args.get("bbox"))
    if box is None or provider.datum == "wgs84":
        return box
    lon, lat = from_display(provider, [box[0], box[2]], [box[1], box[3]])
    return (
        max(-180.0, float(lon[0])),
        max(-90.0, float(lat[0])),
        min(180.0, float(lon[1])),
        min(90.0, float(lat[1])),
    )


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
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: tuple[int, ...], compute: Callable[[], T]) -> T:
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
        The value ``compute`` returned (a response body, or a page's figures); callers
        must not change it.
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


def body_cache() -> BodyCache:
    cache = current_app.extensions.get("loopmap_body_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("loopmap_body_cache", BodyCache())
    return cache


def cached_value(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the app's cache until the workspace changes."""
    stamp = workspace_stamp(current_app.config["DB_PATH"])
    return body_cache().get(("value", key), stamp, compute)


def _cached(
    key: Hashable, build: Callable[[], Any], *, mimetype: str = "application/json"
) -> Response:
    """Answer with the JSON of ``build()``, from the body cache when the workspace is unchanged.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes: the JSON is equal, and no browser can
    read markup in it.
    """
    stamp = workspace_stamp(current_app.config["DB_PATH"])
    body = body_cache().get((request.path, key), stamp, lambda: json_for_script(build()).encode())
    response = Response(body, mimetype=mimetype)
    response.cache_control.max_age = 60
    digest = hashlib.sha256(f"{list(stamp)}{request.full_path}".encode()).hexdigest()[:32]
    response.set_etag(digest)
    response.make_conditional(request)  # updates and returns the response itself
    return response


def _snippet(title: str | None, text: str | None) -> str:
    joined = (title or "").strip() or (text or "").strip()
    joined = " ".join(joined.split())
    return joined if len(joined) <= _TITLE_CHARS else joined[: _TITLE_CHARS - 1] + "…"


# ---------------------------------------------------------------------------- reads


@bp.get("/notes")
def notes() -> ResponseReturnValue:
    """GeoJSON of geocoded notes, newest first.

    Filters: ``bbox`` (W,S,E,N), ``topic``, ``place`` (notes geocoded to that place, most
    confident first), ``since``/``until`` (days, UTC), ``near`` + ``radius_km``; at most
    ``limit``. ``crs=gcj02`` reads the bbox and writes the points in GCJ-02.
    """
    provider = _crs()
    bbox = _view_bbox(provider)
    topic = _topic(request.args.get("topic"))
    limit = params.limit(request.args.get("limit"))
    place = request.args.get("place") or None
    where = params.map_filter(request.args)
    return _cached(
        (bbox, topic, limit, place, where, provider.datum),
        lambda: _notes_payload(bbox, topic, limit, place, where, provider),
        mimetype="application/geo+json",
    )


def _notes_payload(
    bbox: tuple[float, float, float, float] | None,
    topic: str | None,
    limit: int,
    place: str | None,
    where: MapFilter,
    provider: TileProvider,
) -> dict[str, Any]:
    clauses, args = where.sql()
    clauses += ["g.lat IS NOT NULL", "g.lon IS NOT NULL"]
    if bbox is not None:
        clauses += ["g.lon BETWEEN ? AND ?", "g.lat BETWEEN ? AND ?"]
        args += [bbox[0], bbox[2], bbox[1], bbox[3]]
    if topic is not None:
        clauses.append("t.topic = ?")
        args.append(topic)
    order = "n.created_at DESC, g.note_id"
    if place is not None:
        clauses.append("g.place_id = ?")
        args.append(place)
        order = "g.confidence DESC, n.created_at DESC, g.note_id"
    rows = (
        get_db()
        .execute(
            "SELECT g.note_id, t.topic, g.place_id, g.precision, g.lat, g.lon, n.title, n.text, "
            "n.created_at FROM geocodes g JOIN notes n ON n.note_id = g.note_id "
            "LEFT JOIN topics t ON t.note_id = g.note_id "
            f"WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?",
            [*args, limit],
        )
        .fetchall()
    )
    lon, lat = display_points(provider, [r["lon"] for r in rows], [r["lat"] for r in rows])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
            "properties": {
                "note_id": r["note_id"],
                "topic": r["topic"],
                "place_id": r["place_id"],
                "precision": r["precision"],
                "created_at": r["created_at"],
                "title": _snippet(r["title"], r["text"]),
            },
        }
        for r, x, y in zip(rows, lon.tolist(), lat.tolist(), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@bp.get("/heat")
def heat() -> ResponseReturnValue:
    """Note counts on a grid for the viewport: ``bbox``, ``zoom`` (cells ~24 px across).

    The bbox is grown to whole blocks of 16 cells, so nearby views share one cached answer.

    Filters as for ``/api/notes`` (``topic``, ``city``, ``since``/``until``, ``near`` +
    ``radius_km``); aggregated in the store, so the answer's size follows the screen, not
    the number of notes.
    """
    provider = _crs()
    zoom = params.zoom(request.args.get("zoom"))
    bbox = _view_bbox(provider)
    if bbox is not None:
        bbox = snap_bbox(bbox, zoom)
    topic = _topic(request.args.get("topic"))
    city = request.args.get("city") or None
    where = params.map_filter(request.args)

    def payload() -> dict[str, Any]:
        grid = heat_grid(get_db(), topic, bbox=bbox, zoom=zoom, city=city, where=where)
        grid["cells"] = shift_cells(grid["cells"], provider)
        return grid

    return _cached((bbox, topic, zoom, city, where, provider.datum), payload)


@bp.get("/hotspots")
def hotspots() -> ResponseReturnValue:
    """GeoJSON of hotspot hulls (of ``topic``, or all; ``crs=gcj02`` for GCJ-02)."""
    provider = _crs()
    topic = _topic(request.args.get("topic"))
    return _cached(
        (topic, provider.datum),
        lambda: _hotspots_payload(topic, provider),
        mimetype="application/geo+json",
    )


def _hotspots_payload(topic: str | None, provider: TileProvider) -> dict[str, Any]:
    where, args = ("WHERE topic = ?", [topic]) if topic else ("", [])
    rows = get_db().execute(
        "SELECT hotspot_id, topic, name, n_notes, n_merchants, city, hull_wkt "
        f"FROM hotspots {where} ORDER BY n_notes DESC, hotspot_id",
        args,
    )
    features = []
    for r in rows:
        try:
            geometry = display_geometry(provider, wkt.loads(r["hull_wkt"]))
        except (ShapelyError, TypeError):
            current_app.logger.warning("hotspot %s has an unreadable hull", r["hotspot_id"])
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geometry),
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


@bp.get("/districts")
def districts() -> ResponseReturnValue:
    """GeoJSON of district outlines (``city`` to keep one), labelled, for orientation.

    From boundary data where loopmap ships it, otherwise approximated from the district
    places (``properties.source`` says which); ``crs=gcj02`` for GCJ-02.
    """
    provider = _crs()
    city = request.args.get("city") or None
    return _cached(
        (city, provider.datum),
        lambda: _districts_payload(city, provider),
        mimetype="application/geo+json",
    )


def _districts_payload(city: str | None, provider: TileProvider) -> dict[str, Any]:
    from geo.districts import BOUNDARY_CREDIT, BOUNDARY_DATA, district_outlines

    places = pd.read_sql_query(
        "SELECT place_id, name, aliases, kind, category, city, parent_id, lat, lon "
        "FROM places WHERE kind != 'merchant'",
        get_db(),
    )
    outlines = district_outlines(places, city=city)
    features = []
    for row in outlines.itertuples(index=False):
        geometry = row.geometry
        if geometry is None or geometry.is_empty:
            continue
        label = geometry.representative_point()
        (lx,), (ly,) = display_points(provider, [label.x], [label.y])
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(display_geometry(provider, geometry)),
                "properties": {
                    "name": row.name,
                    "name_en": row.name_en,
                    "city": row.city,
                    "source": row.source,
                    "label_lat": round(float(ly), 6),
                    "label_lon": round(float(lx), 6),
                },
            }
        )
    credit = BOUNDARY_CREDIT if any(outlines["source"] == BOUNDARY_DATA) else ""
    return {"type": "FeatureCollection", "features": features, "attribution": credit}


@bp.get("/merchants")
def merchants() -> ResponseReturnValue:
    """The merchant ranking, best first, at most ``limit`` rows.

    Filters: ``topic``, ``city``, ``bbox`` (W,S,E,N), ``q`` (name contains), ``near`` +
    ``radius_km``. ``crs=gcj02`` reads the bbox and writes the points in GCJ-02.
    """
    provider = _crs()
    bbox = _view_bbox(provider)
    topic = _topic(request.args.get("topic"))
    limit = params.limit(request.args.get("limit"))
    city = request.args.get("city") or None
    name = (request.args.get("q") or "").strip() or None
    if name is not None and len(name) > _MAX_QUERY:
        msg = f"q is {len(name)} characters long; at most {_MAX_QUERY}"
        raise ApiError(msg)
    where = params.map_filter(request.args)

    def payload() -> dict[str, Any]:
        rows = merchant_ranking(
            get_db(), topic=topic, city=city, limit=limit, bbox=bbox, name=name, where=where
        )
        lon, lat = display_points(provider, [r["lon"] for r in rows], [r["lat"] for r in rows])
        for r, x, y in zip(rows, lon.tolist(), lat.tolist(), strict=True):
            r["lon"], r["lat"] = round(x, 6), round(y, 6)
            r["id"] = r["merchant_id"]
            r["color"] = rank_color(r["rank"])
            r["n_notes"] = int(r["n_notes"] or 0)
        return {"topic": topic, "city": city, "merchants": rows}

    return _cached((topic, city, limit, bbox, name, where, provider.datum), payload)


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
