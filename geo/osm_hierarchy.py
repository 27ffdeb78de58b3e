"""The place hierarchy of places read from OpenStreetMap: each place's city and parent.

Stage 2 of ``geo.osm.places_from_osm``, over its working tables (one row per place, with
``place_id``, ``name``, ``aliases``, ``kind``, ``addr_city``, ``lon``/``lat`` and, for
place areas, an ``area`` polygon):

- :func:`merge_label_nodes` keeps one place where OSM maps a city or suburb twice, as an
  area and as a label node inside it;
- :func:`assign_cities` gives every place its city: ``addr:city`` when present, else the
  city/town area around it, else the nearest city/town point within :data:`CITY_REACH_M`;
- :func:`assign_parents` gives every place its parent: the smallest district or
  neighbourhood around it, else the nearest one within reach, else its city.

Distances and areas are computed with geopandas in a metric CRS (:func:`metric_crs`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

__all__ = [
    "AREA_KINDS",
    "CITY_REACH_M",
    "DISTRICT_REACH_M",
    "NEIGHBORHOOD_REACH_M",
    "assign_cities",
    "assign_parents",
    "merge_label_nodes",
    "metric_crs",
]

logger = logging.getLogger(__name__)

#: How far (metres) a neighbourhood known only as a point reaches when choosing parents.
NEIGHBORHOOD_REACH_M: Final[float] = 1_500.0
#: How far (metres) a district known only as a point reaches when choosing parents.
DISTRICT_REACH_M: Final[float] = 3_000.0
#: How far (metres) a city or town known only as a point reaches when choosing the city.
CITY_REACH_M: Final[float] = 50_000.0

# Hierarchy levels: a place's parent is always of a lower level than the place itself.
_LEVEL: Final = {"city": 0, "district": 1, "neighborhood": 2}
_LEAF_LEVEL: Final = 3
_REACH_M: Final = {
    "city": CITY_REACH_M,
    "district": DISTRICT_REACH_M,
    "neighborhood": NEIGHBORHOOD_REACH_M,
}
#: The kinds of place that other places belong to, and that keep their area polygons.
AREA_KINDS: Final = frozenset(_LEVEL)
_WGS84: Final = "EPSG:4326"


def _points(
    lon: Iterable[float], lat: Iterable[float], crs: CRS, **columns: object
) -> gpd.GeoDataFrame:
    """WGS-84 points projected to ``crs``, with extra columns and a RangeIndex."""
    geometry = gpd.points_from_xy(np.asarray(lon, float), np.asarray(lat, float))
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=_WGS84).to_crs(crs)


def metric_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The UTM zone of the extract (Web Mercator near the poles, where UTM has no zone).

    Parameters
    ----------
    lon, lat
        WGS-84 positions of the extract's places.

    Returns
    -------
    pyproj.CRS
        A CRS in metres for the hierarchy's distances and areas.
    """
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=_WGS84)
    try:
        return points.estimate_utm_crs()
    except RuntimeError:
        return CRS.from_epsg(3857)


def _candidates(
    places: pd.DataFrame, crs: CRS, kinds: set[str]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The areas and the label points of the places of the given kinds, in ``crs``."""
    chosen = places[places["kind"].isin(kinds)]
    with_area = chosen[chosen["area"].notna()]
    areas = gpd.GeoDataFrame(
        {"cand_id": with_area["place_id"].to_numpy(), "cand_level": _levels(with_area)},
        geometry=gpd.GeoSeries(list(with_area["area"]), crs=_WGS84).to_crs(crs).to_numpy(),
        crs=crs,
    )
    areas["cand_area"] = areas.area
    labels = chosen[chosen["area"].isna()]
    points = _points(
        labels["lon"],
        labels["lat"],
        crs,
        cand_id=labels["place_id"].to_numpy(),
        cand_level=_levels(labels),
        cand_reach=labels["kind"].map(_REACH_M).to_numpy(dtype=float),
    )
    return areas, points


def _levels(places: pd.DataFrame) -> np.ndarray:
    return places["kind"].map(_LEVEL).fillna(_LEAF_LEVEL).to_numpy(dtype=int)


def _lower(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs whose candidate can contain the point's place: a lower level, not itself."""
    return pairs[(pairs["cand_level"] < pairs["level"]) & (pairs["cand_id"] != pairs["pid"])]


def _locate(
    points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, labels: gpd.GeoDataFrame
) -> list[str]:
    """For each point, the id of the smallest area of a lower level that covers it, else of
    the label point of a lower level nearest to it within that label's reach, else "".

    Labels reach different distances; the nearest is the one with the smallest
    distance / reach, so a point 200 m from a district label (reach 3 km) goes to the district
    rather than to a neighbourhood label (reach 1.5 km) 800 m away.
    """
    found = [points.iloc[:0].assign(cand_id="", rank=0.0)]
    if not areas.empty:
        pairs = _lower(gpd.sjoin(points, areas, predicate="intersects"))
        found.append(pairs.assign(rank=pairs["cand_area"] / (pairs["cand_area"].max() + 1.0)))
    for reach, group in labels.groupby("cand_reach"):
        group = group.reset_index(drop=True)
        pairs = _lower(gpd.sjoin(points, group, predicate="dwithin", distance=float(reach)))
        other = group.geometry.to_numpy()[pairs["index_right"].to_numpy()]
        distance = shapely.distance(pairs.geometry.to_numpy(), other)
        found.append(pairs.assign(rank=1.0 + distance / float(reach)))
    best = pd.concat([f[["cand_id", "rank"]] for f in found]).sort_values(["rank", "cand_id"])
    best = best[~best.index.duplicated()]["cand_id"]
    return [str(pid) for pid in best.reindex(points.index, fill_value="")]


def assign_cities(rows: pd.DataFrame, cities: pd.DataFrame, crs: CRS) -> pd.DataFrame:
    """``rows`` with ``city`` and ``city_id`` columns.

    ``addr:city`` wins when present, spelled as the city place it names (by name or alias)
    when it names one. Otherwise the city is the city/town area around the row, else the
    nearest city/town point within ``CITY_REACH_M``. A city is its own city.

    Parameters
    ----------
    rows
        The places to give a city: ``place_id``, ``kind``, ``addr_city``, ``lon``, ``lat``.
        Not modified.
    cities
        The city places: ``place_id``, ``name``, ``aliases`` (a list), ``kind``, ``lon``,
        ``lat`` and ``area`` (a WGS-84 polygon, or None for a point).
    crs
        The metric CRS to measure in (:func:`metric_crs`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``rows`` with ``city`` (the city's name, else ``addr_city``) and ``city_id``
        (the city place's id, ``""`` when none).
    """
    names = dict(zip(cities["place_id"], cities["name"], strict=True))
    by_name: dict[str, list[str]] = {}
    for pid, name, aliases in zip(
        cities["place_id"], cities["name"], cities["aliases"], strict=True
    ):
        for label in dict.fromkeys(x.casefold() for x in [name, *aliases]):
            by_name.setdefault(label, []).append(pid)
    points = _points(rows["lon"], rows["lat"], crs, pid=rows["place_id"].to_numpy())
    points["level"] = _LEAF_LEVEL
    spatial = _locate(points, *_candidates(cities, crs, {"city"}))

    city_ids: list[str] = []
    for pid, kind, addr_city, near in zip(
        rows["place_id"], rows["kind"], rows["addr_city"], spatial, strict=True
    ):
        if kind == "city":
            city_ids.append(pid)
        elif addr_city:
            matches = by_name.get(addr_city.casefold(), [])
            city_ids.append(near if near in matches else (matches[0] if len(matches) == 1 else ""))
        else:
            city_ids.append(near)
    city = [
        names[cid] if cid else addr for cid, addr in zip(city_ids, rows["addr_city"], strict=True)
    ]
    return rows.assign(city=city, city_id=city_ids)


def assign_parents(places: pd.DataFrame, crs: CRS) -> pd.DataFrame:
    """``places`` with ``parent_id``: the smallest district/neighbourhood around the place,
    else the nearest one within reach (``_locate``), else its city; "" for cities.

    Parameters
    ----------
    places
        All places, with ``city_id`` (:func:`assign_cities`) and ``area``. Not modified.
    crs
        The metric CRS to measure in (:func:`metric_crs`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``places`` with a ``parent_id`` column.
    """
    points = _points(
        places["lon"], places["lat"], crs, pid=places["place_id"].to_numpy(), level=_levels(places)
    )
    found = _locate(points, *_candidates(places, crs, {"district", "neighborhood"}))
    parents = [
        near or ("" if kind == "city" else city_id)
        for near, kind, city_id in zip(found, places["kind"], places["city_id"], strict=True)
    ]
    return places.assign(parent_id=parents)


def merge_label_nodes(features: pd.DataFrame) -> pd.DataFrame:
    """Drop place nodes that label a place area of the same name and kind.

    OSM often maps a city or suburb twice, as an area and as a label node inside it. The
    area is kept, at the node's position (mappers put labels where the place "is").

    Parameters
    ----------
    features
        The located places: ``place_id``, ``name``, ``kind``, ``lon``, ``lat`` and ``area``.
        Not modified.

    Returns
    -------
    pandas.DataFrame
        ``features`` without the label nodes, each area moved to its label's position.
    """
    places = features[features["kind"].isin(AREA_KINDS)]
    nodes = places[places["area"].isna() & places["place_id"].str.startswith("osm:n")]
    areas = places[places["area"].notna()]
    if nodes.empty or areas.empty:
        return features
    node_points = gpd.GeoDataFrame(
        {"node": nodes.index, "key": nodes["kind"] + ":" + nodes["name"].str.casefold()},
        geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]),
        crs=_WGS84,
    )
    polygons = gpd.GeoDataFrame(
        {"area": areas.index, "area_key": areas["kind"] + ":" + areas["name"].str.casefold()},
        geometry=list(areas["area"]),
        crs=_WGS84,
    )
    pairs = gpd.sjoin(node_points, polygons, predicate="within")
    pairs = pairs[pairs["key"] == pairs["area_key"]].drop_duplicates("area").drop_duplicates("node")
    merged = features.copy()
    for node, area in zip(pairs["node"], pairs["area"], strict=True):
        logger.debug(
            "%s labels %s: one place", features.at[node, "place_id"], features.at[area, "place_id"]
        )
        merged.loc[area, ["lon", "lat"]] = features.loc[node, ["lon", "lat"]].to_numpy()
    return merged.drop(index=pairs["node"])
