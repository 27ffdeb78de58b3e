"""Simplifying district polygons for a web page, to a budget of vertices per polygon.

Districts tile their city: :func:`simplified` simplifies them together, as a coverage, so
that neighbours keep sharing one border, doubling the tolerance until no polygon has more
than :data:`MAX_VERTICES` vertices. Shared by the boundary data (``geo.district_sources``)
and the approximate outlines (``geo.districts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["MAX_VERTICES", "is_coverage", "polygonal", "simplified"]

#: Most vertices one district's outline keeps (the simplification tolerance doubles until
#: every district of the city is within it, or stops at :data:`_MAX_DOUBLINGS` doublings).
MAX_VERTICES: Final = 400

_MAX_DOUBLINGS: Final = 6


def simplified(geometries: NDArray[np.object_], tolerance: float) -> NDArray[np.object_]:
    """Simplify a coverage until no polygon has more than MAX_VERTICES vertices.

    Shared borders stay shared (:func:`shapely.coverage_simplify`); when the polygons are not
    a valid coverage, or shapely is older than 2.1, each is simplified on its own instead.

    Parameters
    ----------
    geometries
        The polygons, in any one CRS.
    tolerance
        The first tolerance tried, in the units of that CRS; it doubles until every polygon is
        within :data:`MAX_VERTICES`, at most ``_MAX_DOUBLINGS`` times.

    Returns
    -------
    numpy.ndarray
        The simplified polygons (Polygon or MultiPolygon), in the same order; ``geometries``
        itself when it is empty.
    """
    if len(geometries) == 0:
        return geometries
    coverage = hasattr(shapely, "coverage_simplify") and is_coverage(geometries)
    out = geometries
    for _ in range(_MAX_DOUBLINGS + 1):
        if shapely.get_num_coordinates(out).max() <= MAX_VERTICES:
            break
        if coverage:
            out = shapely.coverage_simplify(geometries, tolerance)
        else:
            out = shapely.simplify(geometries, tolerance, preserve_topology=True)
        tolerance *= 2
    return np.array([polygonal(g) for g in out], dtype=object)


def is_coverage(geometries: Sequence[BaseGeometry] | NDArray[np.object_]) -> bool:
    """Whether polygons tile without overlaps (False on shapely < 2.1, which cannot tell).

    Parameters
    ----------
    geometries
        The polygons.

    Returns
    -------
    bool
        Whether they are a valid coverage.
    """
    if not hasattr(shapely, "coverage_is_valid"):
        return False
    return bool(shapely.coverage_is_valid(geometries))


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The Polygon or MultiPolygon part of a geometry (an empty Polygon when there is none).

    Parameters
    ----------
    geometry
        Any geometry, such as a GeometryCollection left by an intersection.

    Returns
    -------
    shapely.Geometry
        ``geometry`` itself when polygonal, else its polygons.
    """
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
