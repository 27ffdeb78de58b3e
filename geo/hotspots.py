"""Hotspots: dense clusters of a topic's notes and merchants, named and with stable ids.

A hotspot is where one topic's notes and merchants crowd together: a coffee street, a bar
lane, a museum quarter. :func:`hotspots_from_points` finds them per topic with
:class:`HotspotClusterer` (DBSCAN over true distances in metres), then gives each one

- a **hull**: the members' concave hull, computed in the hotspot's UTM zone and buffered by
  :data:`HULL_BUFFER_M`, so it is a proper polygon even for one or two distinct locations and
  every member lies well inside it;
- a **name** people use: the road, neighbourhood or landmark most of its members resolved to
  (a merchant's parent is usually its road), else the nearest such place within
  :data:`NAME_RADIUS_M` of the centre, else the district, as ``"永康路 · coffee"``;
- a **stable id**: the id of the previous build's hotspot it overlaps (hull IoU or member
  Jaccard at least :data:`MATCH_THRESHOLD`, best match first, one to one), else
  ``"{topic}-{geohash}"`` where the geohash is the centre's cell at :data:`CELL_PRECISION`
  characters (about 0.6 km north-south by 1.0 km east-west in Shanghai), so ids do not depend
  on row order or on cluster numbering and survive small changes in the data.

This module clusters, draws the hulls and assembles the result; the naming rules are
:mod:`geo.hotspot_names`' and the matching with the previous build :mod:`geo.hotspot_ids`'.

Defaults, for a city of lifestyle notes
---------------------------------------
``eps_m = 150`` m: a coffee street is 100-600 m long with shops every 20-50 m, and a note's
position (a merchant's point or a phone's fix) is good to a few tens of metres. 150 m chains
the shops of one street and of a short side lane together, while two streets a few blocks
apart (400 m or more with nothing between them) stay apart. ``min_samples = 6``: a hotspot
needs at least a handful of notes or merchants within 150 m of its core; two or three notes
that happen to fall together are chance, not a place people gather. Six is a count, not a
density: with hundreds of thousands of notes per topic in one city, chance crowds of six
appear anywhere, and ``min_samples`` should grow with the data. ``snap_m = 5`` m (in
:func:`hotspots_from_points`): points closer than that are clustered as one weighted point,
which keeps DBSCAN's memory and time in check when a street gathers thousands of notes, and
changes distances by a few metres, well below what the positions are good for.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Hashable, Mapping
from functools import lru_cache
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from geo._hotspot import _Cluster
from geo.cluster import EARTH_RADIUS_M, HotspotClusterer, _check_lonlat
from geo.hotspot_ids import CELL_PRECISION, MATCH_THRESHOLD, _assign_ids, _geohash

# Re-exported: it was defined here before naming moved to geo.hotspot_names.
from geo.hotspot_names import DISTRICT_RADIUS_M as DISTRICT_RADIUS_M
from geo.hotspot_names import (
    NAME_RADIUS_M,
    _assign_names,
    _clean_str,
    _Gazetteer,
    _name_candidates,
)

__all__ = [
    "CELL_PRECISION",
    "EARTH_RADIUS_M",
    "HOTSPOT_COLUMNS",
    "HULL_BUFFER_M",
    "MATCH_THRESHOLD",
    "NAME_RADIUS_M",
    "HotspotClusterer",
    "hotspots_from_points",
]

log = logging.getLogger(__name__)

#: The columns of :func:`hotspots_from_points`' result, in order.
HOTSPOT_COLUMNS: Final = (
    "hotspot_id",
    "topic",
    "name",
    "n_notes",
    "n_merchants",
    "lat",
    "lon",
    "city",
    "members",
    "geometry",
)
#: How far a hull reaches beyond its outermost members, metres.
HULL_BUFFER_M: Final = 30.0

_POINT_KINDS: Final = frozenset({"note", "merchant"})
# Concave-hull tightness (0 hugs the points, 1 is the convex hull) and the grid (metres) the
# hull's input is thinned to; HULL_BUFFER_M exceeds the grid's half-diagonal, so members stay
# inside the buffered hull.
_HULL_RATIO: Final = 0.4
_HULL_GRID_M: Final = 5.0

FloatArray = NDArray[np.float64]


# --- one cluster ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    to_metric = Transformer.from_crs(4326, epsg, always_xy=True)
    return to_metric, Transformer.from_crs(epsg, 4326, always_xy=True)


def _utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS-84 UTM zone holding a point."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def _hull_and_centre(lon: FloatArray, lat: FloatArray) -> tuple[shapely.Polygon, float, float]:
    """Buffered concave hull (EPSG:4326) and mean centre, both computed in the UTM zone."""
    to_metric, to_wgs84 = _transformers(_utm_epsg(float(lon.mean()), float(lat.mean())))
    x, y = to_metric.transform(lon, lat)
    cx, cy = float(np.mean(x)), float(np.mean(y))
    grid = _unique_cells(np.column_stack([x, y]), _HULL_GRID_M) * _HULL_GRID_M
    # An (n, 2) array of coordinates makes one MultiPoint (the stubs allow an array too).
    points = cast(shapely.MultiPoint, shapely.multipoints(grid))
    core = shapely.concave_hull(points, ratio=_HULL_RATIO) if len(grid) >= 3 else points.convex_hull
    hull = core.buffer(HULL_BUFFER_M, quad_segs=4)
    if not isinstance(hull, shapely.Polygon) or not hull.is_valid:
        hull = points.convex_hull.buffer(HULL_BUFFER_M, quad_segs=4)
    hull = shapely.transform(hull, lambda xy: np.column_stack(to_wgs84.transform(*xy.T)))
    if not hull.is_valid:  # pragma: no cover - a reprojected buffer is valid in practice
        # the convex hull of a buffered (so two-dimensional) area is a polygon
        hull = cast(shapely.Polygon, shapely.make_valid(hull).convex_hull)
    clon, clat = to_wgs84.transform(cx, cy)
    return hull, round(float(clon), 7), round(float(clat), 7)


def _unique_cells(xy: FloatArray, size: float) -> FloatArray:
    """The distinct cells (integer coordinates, as floats) of a ``size`` grid holding points."""
    cells = np.round(xy / size).astype(np.int64)
    low = cells.min(axis=0)
    cells -= low
    span = int(cells[:, 1].max()) + 1
    col, row = np.divmod(np.unique(cells[:, 0] * span + cells[:, 1]), span)
    return np.column_stack([col + low[0], row + low[1]]).astype(np.float64)


def _cluster(
    topic: str,
    frame: pd.DataFrame,
    lon: FloatArray,
    lat: FloatArray,
    chains: Mapping[str, tuple[str, str, str]],
    gazetteer: _Gazetteer,
) -> _Cluster:
    """Everything about one cluster except its id and final name."""
    hull, clon, clat = _hull_and_centre(lon, lat)
    ids, kinds = frame["id"].to_numpy(), frame["kind"].to_numpy()
    members = sorted(set(ids.tolist()))
    n_notes = len(set(ids[kinds == "note"].tolist()))
    n_merchants = len(set(ids[kinds == "merchant"].tolist()))
    resolved = [chains[p] for p in frame["place_id"].tolist() if p]
    places, fallback, city = _name_candidates(resolved, clon, clat, gazetteer)
    return _Cluster(
        topic=topic,
        members=members,
        n_notes=n_notes,
        n_merchants=n_merchants,
        lon=clon,
        lat=clat,
        hull=hull,
        city=city,
        places=places,
        fallback=fallback,
        sort_key=_geohash(clon, clat, 12),
    )


# --- the public function ----------------------------------------------------------------------


def hotspots_from_points(
    points: gpd.GeoDataFrame,
    places: pd.DataFrame,
    *,
    previous: gpd.GeoDataFrame | None = None,
    eps_m: float = 150.0,
    min_samples: int = 6,
    snap_m: float = 5.0,
) -> gpd.GeoDataFrame:
    """Find each topic's hotspots among geocoded notes and merchants.

    Parameters
    ----------
    points
        One row per geocoded note or merchant: ``topic``, ``kind`` (``"note"`` or
        ``"merchant"``), ``place_id`` (the place a note resolved to, or the merchant's own id;
        ``""`` or missing for device-only notes), ``id`` (the note_id or merchant_id; without
        an ``id`` column, ``note_id`` / ``merchant_id`` are used), and Point geometries,
        EPSG:4326 (other CRSs are reprojected; a missing CRS is taken as EPSG:4326 with a
        warning). Rows without a location or a topic are left out, and logged.
    places
        The gazetteer in SPEC.md's places columns; place_id, name and kind are required,
        parent_id, city, lat and lon are used when present.
    previous
        The last build's hotspots (this function's columns). A new cluster overlapping a
        previous hotspot of its topic (hull IoU or member Jaccard at least
        :data:`MATCH_THRESHOLD`) keeps that hotspot's id, best match first, one to one.
    eps_m, min_samples
        DBSCAN's neighbourhood radius in metres and core count (see the module docstring
        for why 150 m and 6).
    snap_m
        Points within the same ``snap_m`` metre cube are clustered as one weighted point;
        0 clusters exactly (see :class:`HotspotClusterer`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hotspot, sorted by topic and hotspot_id, in EPSG:4326, with the columns
        of :data:`HOTSPOT_COLUMNS`: hotspot_id, topic, name (``"永康路 · coffee"``),
        n_notes, n_merchants (distinct ids), lat, lon (the members' mean centre), city (the
        most common city of the members' places; ``""`` when unknown), members (sorted ids)
        and geometry (the buffered hull). Empty, with these columns, when there is none.
    """
    clusterer = HotspotClusterer(eps_m=eps_m, min_samples=min_samples, snap_m=snap_m)
    clusterer._check_params()
    frame = _prepare_points(points)
    if previous is not None:
        previous = _prepare_previous(previous)
    if frame.empty:
        return _empty_result()
    gazetteer = _Gazetteer.from_places(places)
    chains = {p: gazetteer.chain(p) for p in frame["place_id"].unique().tolist()}
    used_ids: set[str] = set()
    if previous is not None:
        # A retired hotspot's id is not handed to an unrelated new cluster in the same build.
        used_ids.update(previous["hotspot_id"].astype(str))
    results: list[_Cluster] = []
    for topic, part in frame.groupby("topic", sort=True):
        lon, lat = part["lon"].to_numpy(), part["lat"].to_numpy()
        labels = clusterer.fit(np.column_stack([lon, lat])).labels_
        log.debug("topic %s: %d points, %d clusters", topic, len(part), clusterer.n_clusters_)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(clusterer.n_clusters_ + 1))
        clusters = []
        for k in range(clusterer.n_clusters_):
            rows = order[bounds[k] : bounds[k + 1]]
            clusters.append(
                _cluster(str(topic), part.iloc[rows], lon[rows], lat[rows], chains, gazetteer)
            )
        prev_topic = None if previous is None else previous[previous["topic"] == topic]
        _assign_ids(clusters, prev_topic, used_ids)
        _assign_names(clusters, gazetteer)
        results.extend(clusters)
    log.info(
        "%d hotspots from %d points in %d topics",
        len(results),
        len(frame),
        frame["topic"].nunique(),
    )
    if not results:
        return _empty_result()
    out = gpd.GeoDataFrame(
        {
            "hotspot_id": [c.hotspot_id for c in results],
            "topic": [c.topic for c in results],
            "name": [c.name for c in results],
            "n_notes": np.array([c.n_notes for c in results], dtype=np.int64),
            "n_merchants": np.array([c.n_merchants for c in results], dtype=np.int64),
            "lat": np.array([c.lat for c in results], dtype=np.float64),
            "lon": np.array([c.lon for c in results], dtype=np.float64),
            "city": [c.city for c in results],
            "members": [c.members for c in results],
        },
        geometry=[c.hull for c in results],
        crs="EPSG:4326",
    )
    return out.sort_values(["topic", "hotspot_id"], ignore_index=True)


def _empty_result() -> gpd.GeoDataFrame:
    columns: dict[Hashable, Any] = {
        "hotspot_id": pd.Series([], dtype=object),
        "topic": pd.Series([], dtype=object),
        "name": pd.Series([], dtype=object),
        "n_notes": pd.Series([], dtype=np.int64),
        "n_merchants": pd.Series([], dtype=np.int64),
        "lat": pd.Series([], dtype=np.float64),
        "lon": pd.Series([], dtype=np.float64),
        "city": pd.Series([], dtype=object),
        "members": pd.Series([], dtype=object),
    }
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def _to_wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame with Point geometries; got {type(gdf).__name__}"
        raise TypeError(msg)
    if gdf.crs is None:
        warnings.warn(
            f"{what} has no CRS; taking its coordinates as EPSG:4326 (set it with set_crs)",
            UserWarning,
            stacklevel=3,
        )
        return gdf
    if gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def _prepare_points(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """The clusterable rows: id, topic, kind, place_id, lon, lat (a new frame)."""
    points = _to_wgs84(points, "points")
    columns = set(points.columns)
    missing = [c for c in ("topic", "kind") if c not in columns]
    if "id" not in columns and not {"note_id", "merchant_id"} & columns:
        missing.append("id")
    if missing:
        msg = (
            f"points lacks column(s) {missing}; give topic, kind ('note' or 'merchant'), "
            "place_id, id and a Point geometry per row"
        )
        raise ValueError(msg)
    n = len(points)
    if "id" in columns:
        ids = _clean_str(points["id"])
    else:
        note = (
            _clean_str(points["note_id"]) if "note_id" in columns else pd.Series("", points.index)
        )
        merchant = (
            _clean_str(points["merchant_id"])
            if "merchant_id" in columns
            else pd.Series("", points.index)
        )
        ids = note.where(note != "", merchant)
    kinds = _clean_str(points["kind"]).str.lower()
    bad = ~kinds.isin(list(_POINT_KINDS))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        msg = (
            f"points row {first}: kind {points['kind'].iloc[first]!r} is neither 'note' nor "
            f"'merchant' ({int(bad.sum())} such rows)"
        )
        raise ValueError(msg)
    geoms = np.asarray(points.geometry.values, dtype=object)
    missing_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    type_ids = shapely.get_type_id(geoms)
    not_point = ~missing_geom & (type_ids != 0)
    if not_point.any():
        first = int(np.flatnonzero(not_point)[0])
        msg = f"points row {first}: geometry is a {geoms[first].geom_type}, not a Point"
        raise ValueError(msg)
    frame = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "topic": _clean_str(points["topic"]).to_numpy(),
            "kind": kinds.to_numpy(),
            "place_id": (
                _clean_str(points["place_id"]).to_numpy() if "place_id" in columns else ""
            ),
            "lon": _coordinate(shapely.get_x, geoms, missing_geom),
            "lat": _coordinate(shapely.get_y, geoms, missing_geom),
        }
    )
    usable = (
        ~missing_geom
        & np.isfinite(frame["lon"].to_numpy())
        & np.isfinite(frame["lat"].to_numpy())
        & (frame["topic"] != "").to_numpy()
        & (frame["id"] != "").to_numpy()
    )
    if not usable.all():
        log.warning(
            "%d of %d points have no location, topic or id and are left out of hotspots",
            int((~usable).sum()),
            n,
        )
        frame = frame[usable].reset_index(drop=True)
    _check_lonlat(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return frame


def _coordinate(getter: Any, geoms: NDArray[np.object_], missing: NDArray[np.bool_]) -> FloatArray:
    """x or y of each point; NaN where the geometry is missing or empty."""
    out = np.full(len(geoms), np.nan)
    out[~missing] = getter(geoms[~missing])
    return out


def _prepare_previous(previous: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    previous = _to_wgs84(previous, "previous")
    missing = [c for c in ("hotspot_id", "topic") if c not in previous.columns]
    if missing:
        msg = f"previous lacks column(s) {missing}; pass the last build's hotspots"
        raise ValueError(msg)
    return previous.assign(topic=_clean_str(previous["topic"])).reset_index(drop=True)
