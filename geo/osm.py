"""Places from an OpenStreetMap extract (.osm.pbf, or any format osmium reads).

``places_from_osm`` reads an extract once with pyosmium and returns loopmap places, one row
per place, in SPEC.md's places columns. The work is done in three stages:

1. read (this module): every named object is classified from its tags
   (:func:`geo.osm_tags.read_tags`) and reduced to a representative point; a closed way,
   which osmium delivers both as a way and as an area, is kept once, with the area's geometry;
2. place hierarchy (:mod:`geo.osm_hierarchy`): every object gets its city and its parent (the
   smallest neighbourhood or district around or near it, else the city), computed with
   geopandas in a metric CRS;
3. roads (this module): the way segments of one street are merged into one road place.

Objects whose location cannot be computed are skipped, logged at debug level and counted in
``df.attrs["skipped"]``.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Final

import numpy as np
import osmium
import pandas as pd
import shapely
from osmium.osm.types import OSMEntity
from shapely.errors import GEOSException
from shapely.geometry import GeometryCollection, LineString, Point
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

from geo.osm_hierarchy import (
    AREA_KINDS,
    CITY_REACH_M,
    DISTRICT_REACH_M,
    NEIGHBORHOOD_REACH_M,
    assign_cities,
    assign_parents,
    merge_label_nodes,
    metric_crs,
)
from geo.osm_tags import ROAD_RANK, Tagged, read_tags

__all__ = [
    "CITY_REACH_M",
    "DISTRICT_REACH_M",
    "NEIGHBORHOOD_REACH_M",
    "PLACE_COLUMNS",
    "OsmImportError",
    "places_from_osm",
]

logger = logging.getLogger(__name__)

#: The places columns of SPEC.md, in order: the same as ``loopmap.formats.PLACE_COLUMNS``,
#: repeated here because geo does not import loopmap.
PLACE_COLUMNS: Final = (
    "place_id",
    "name",
    "aliases",
    "kind",
    "category",
    "city",
    "parent_id",
    "lat",
    "lon",
)

_DTYPES: Final = {column: float if column in {"lat", "lon"} else str for column in PLACE_COLUMNS}
_TYPE_ORDER: Final = {"n": 0, "w": 1, "r": 2}

# Geometry quality: a better one replaces a worse one for the same object.
_PARTIAL_LINE: Final = 0  # some nodes (or member ways) lie outside the extract
_LINE: Final = 1  # a node, or a way's complete line
_AREA: Final = 2  # a polygon assembled by osmium


class OsmImportError(ValueError):
    """An OSM extract cannot be read: the message names the file and the reason."""


@dataclass(slots=True)
class _Feature:
    """A place with its representative point (and polygon, for place areas)."""

    place_id: str
    tagged: Tagged
    lon: float
    lat: float
    quality: int
    area: BaseGeometry | None = None


@dataclass(slots=True)
class _Segment:
    """One way (or relation area) of a road, merged with its namesakes later."""

    place_id: str
    tagged: Tagged
    geometry: BaseGeometry


# --------------------------------------------------------------------------- reading


def _tag_dict(obj: osmium.osm.OSMObject) -> dict[str, str]:
    return {tag.k: tag.v for tag in obj.tags}


def _way_line(way: osmium.osm.Way) -> tuple[BaseGeometry | None, bool]:
    """The way's line from the nodes that have a location, and whether some had none.

    Extracts cut ways at their edge: the part inside still locates the object.
    """
    coords: list[tuple[float, float]] = []
    missing = False
    for node in way.nodes:
        location = node.location
        if not location.valid():
            missing = True
            continue
        xy = (location.lon, location.lat)
        if not coords or coords[-1] != xy:
            coords.append(xy)
    if not coords:
        return None, True
    if len(coords) == 1:
        return Point(coords[0]), missing
    return LineString(coords), missing


def _outline(lines: list[BaseGeometry]) -> BaseGeometry:
    """What the member ways of an unassembled multipolygon still enclose: the rings they
    close, else their convex hull (a point inside it is nearer the middle than any vertex)."""
    rings = shapely.polygonize(lines)
    return rings if not rings.is_empty else GeometryCollection(lines).convex_hull


def _usable_point(point: Point) -> bool:
    x, y = point.x, point.y
    return math.isfinite(x) and math.isfinite(y) and abs(x) <= 180.0 and abs(y) <= 90.0


class _Collector:
    """Accumulates places while osmium streams the extract; see ``_read_extract``."""

    def __init__(self) -> None:
        self.features: dict[str, _Feature] = {}
        self.segments: dict[str, _Segment] = {}
        self.failed: dict[str, str] = {}
        self.relations: dict[int, tuple[Tagged, list[int]]] = {}
        self.member_ways: set[int] = set()
        self.member_lines: dict[int, BaseGeometry] = {}
        self._wkb = osmium.geom.WKBFactory()

    def add_relation(self, rel: osmium.osm.Relation) -> None:
        """First pass: remember a qualifying multipolygon/boundary and its member ways."""
        if rel.tags.get("type") not in {"multipolygon", "boundary"}:
            return
        tagged = read_tags(_tag_dict(rel), roads=True)
        if tagged is None:
            return
        members = [member.ref for member in rel.members if member.type == "w"]
        self.relations[rel.id] = (tagged, members)
        self.member_ways.update(members)

    def add_member_way(self, way: osmium.osm.Way) -> None:
        """Keep the line of a way some qualifying relation needs (ways are often unnamed)."""
        if way.id in self.member_ways:
            line, _ = _way_line(way)
            if line is not None:
                self.member_lines[way.id] = line

    def add(self, obj: OSMEntity) -> None:
        """Take one named object of the main pass (relations come through their areas)."""
        if isinstance(obj, osmium.osm.Node):
            self._add_node(obj)
        elif isinstance(obj, osmium.osm.Way):
            self.add_member_way(obj)
            self._add_way(obj)
        elif isinstance(obj, osmium.osm.Area):
            self._add_area(obj)

    def _add_node(self, node: osmium.osm.Node) -> None:
        tagged = read_tags(_tag_dict(node), roads=False)
        if tagged is None:
            return
        place_id = f"osm:n{node.id}"
        location = node.location
        if not location.valid():
            self._fail(place_id, tagged, "the node has no valid location")
            return
        self._offer(place_id, tagged, Point(location.lon, location.lat), _LINE)

    def _add_way(self, way: osmium.osm.Way) -> None:
        tagged = read_tags(_tag_dict(way), roads=True)
        if tagged is None:
            return
        place_id = f"osm:w{way.id}"
        line, partial = _way_line(way)
        if line is None:
            self._fail(place_id, tagged, "none of the way's nodes is in the extract")
        elif tagged.kind == "road":
            self.segments[place_id] = _Segment(place_id, tagged, line)
        else:
            self._offer(place_id, tagged, line, _PARTIAL_LINE if partial else _LINE)

    def _add_area(self, area: osmium.osm.Area) -> None:
        from_way = area.from_way()
        tagged = read_tags(_tag_dict(area), roads=not from_way)
        if tagged is None or (from_way and tagged.kind == "road"):
            return  # a closed road's way already gave its line
        place_id = f"osm:{'w' if from_way else 'r'}{area.orig_id()}"
        try:
            polygon = shapely.from_wkb(self._wkb.create_multipolygon(area))
        except (RuntimeError, osmium.InvalidLocationError, GEOSException) as exc:
            logger.debug("%s %r: no area geometry (%s)", place_id, tagged.name, exc)
            return
        if polygon.is_empty or not polygon.is_valid:
            logger.debug("%s %r: invalid area geometry, not used", place_id, tagged.name)
            return
        if tagged.kind == "road":
            self.segments[place_id] = _Segment(place_id, tagged, polygon)
        else:
            self._offer(place_id, tagged, polygon, _AREA)

    def _offer(self, place_id: str, tagged: Tagged, geometry: BaseGeometry, quality: int) -> None:
        """Keep the object's best geometry: an area beats a line beats a partial line."""
        current = self.features.get(place_id)
        if current is not None and current.quality >= quality:
            return
        try:
            point = geometry.representative_point()
        except GEOSException as exc:
            self._fail(place_id, tagged, f"no representative point ({exc})")
            return
        if not _usable_point(point):
            self._fail(place_id, tagged, "representative point is not a WGS-84 location")
            return
        keep_area = quality == _AREA and tagged.kind in AREA_KINDS
        self.features[place_id] = _Feature(
            place_id, tagged, point.x, point.y, quality, geometry if keep_area else None
        )

    def _fail(self, place_id: str, tagged: Tagged, reason: str) -> None:
        self.failed.setdefault(place_id, reason)
        logger.debug("%s %r: %s", place_id, tagged.name, reason)

    def finish(self) -> None:
        """Locate relations osmium could not assemble from their member ways in the extract."""
        for rel_id, (tagged, members) in self.relations.items():
            place_id = f"osm:r{rel_id}"
            if place_id in self.features or place_id in self.segments:
                continue
            lines = [self.member_lines[ref] for ref in members if ref in self.member_lines]
            if not lines:
                self._fail(place_id, tagged, "no member way of the relation is in the extract")
                continue
            logger.debug("%s %r: located from its member ways", place_id, tagged.name)
            outline = _outline(lines)
            if tagged.kind == "road":
                self.segments[place_id] = _Segment(place_id, tagged, outline)
            else:
                self._offer(place_id, tagged, outline, _PARTIAL_LINE)

    def skipped(self) -> list[str]:
        """Ids of places that could not be located in any way."""
        located = self.features.keys() | self.segments.keys()
        return sorted(pid for pid in self.failed if pid not in located)


class _RelationScan:
    """osmium handler for the area pass over relations."""

    def __init__(self, collector: _Collector) -> None:
        self._collector = collector

    def relation(self, rel: osmium.osm.Relation) -> None:
        self._collector.add_relation(rel)


class _MemberWayScan:
    """osmium handler for the ways the name filter drops."""

    def __init__(self, collector: _Collector) -> None:
        self._collector = collector

    def way(self, way: osmium.osm.Way) -> None:
        self._collector.add_member_way(way)


def _checked_path(path: str | os.PathLike[str]) -> Path:
    file = Path(path)
    if not file.exists():
        msg = f"{file}: no such file; give the path of an OpenStreetMap extract (.osm.pbf)"
        raise OsmImportError(msg)
    if not file.is_file():
        msg = f"{file}: not a file; give the path of an OpenStreetMap extract (.osm.pbf)"
        raise OsmImportError(msg)
    return file


def _objects(file: Path, collector: _Collector) -> Iterator[OSMEntity]:
    """Named objects of the extract, with node locations and assembled areas."""
    processor = (
        osmium.FileProcessor(str(file))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter("name"), _RelationScan(collector))
        .with_filter(osmium.filter.KeyFilter("name"))
        .handler_for_filtered(_MemberWayScan(collector))
    )
    iterator = iter(processor)
    while True:
        try:
            obj = next(iterator)
        except StopIteration:
            return
        except RuntimeError as exc:
            msg = f"{file}: osmium cannot read this file as OpenStreetMap data ({exc})"
            raise OsmImportError(msg) from exc
        yield obj


def _read_extract(file: Path, *, progress: bool) -> _Collector:
    collector = _Collector()
    with tqdm(
        desc=file.name, unit=" objects", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for obj in _objects(file, collector):
            collector.add(obj)
            bar.update()
    collector.finish()
    return collector


# --------------------------------------------------------------------------- roads


def _merge_roads(segments: pd.DataFrame) -> pd.DataFrame:
    """One road per (name, city): the segments of a street become one place.

    Its id is the smallest way id (a relation's only when it has no way), its point the
    representative point of all segments together, its category the most important class.
    """
    rows = []
    for (name, city), group in segments.sort_values(["osm_type", "osm_id"]).groupby(
        ["name", "city"], sort=False
    ):
        aliases = list(dict.fromkeys(a for segment in group["aliases"] for a in segment))
        point = GeometryCollection(list(group["geometry"])).representative_point()
        rows.append(
            {
                "place_id": group["place_id"].iloc[0],
                "osm_type": group["osm_type"].iloc[0],
                "osm_id": group["osm_id"].iloc[0],
                "name": name,
                "aliases": aliases,
                "kind": "road",
                "category": min(group["category"], key=ROAD_RANK.__getitem__),
                "lon": point.x,
                "lat": point.y,
                "area": None,
                "city": city,
                "city_id": group["city_id"].iloc[0],
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- assembly


def _frame(
    rows: Iterable[tuple[str, Tagged, float, float, BaseGeometry | None]], shape: str
) -> pd.DataFrame:
    """A working table: sort keys, the tags, the point, and a geometry column named ``shape``."""
    records = [
        (pid, _TYPE_ORDER[pid[4]], int(pid[5:]), *astuple(tagged), lon, lat, geometry)
        for pid, tagged, lon, lat, geometry in rows
    ]
    columns = ["place_id", "osm_type", "osm_id", *(f.name for f in fields(Tagged))]
    frame = pd.DataFrame(records, columns=[*columns, "lon", "lat", shape])
    return frame.astype({"lon": float, "lat": float})


def _segment_rows(
    segments: Iterable[_Segment],
) -> Iterator[tuple[str, Tagged, float, float, BaseGeometry]]:
    for segment in segments:
        point = segment.geometry.representative_point()
        yield segment.place_id, segment.tagged, point.x, point.y, segment.geometry


def _places(features: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Cities and parents for the features, merged roads for the segments, in place columns."""
    if features.empty and segments.empty:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in _DTYPES.items()})
    features = merge_label_nodes(features)
    crs = metric_crs(
        np.concatenate([features["lon"], segments["lon"]]),
        np.concatenate([features["lat"], segments["lat"]]),
    )
    cities = features[features["kind"] == "city"]
    parts = [assign_cities(features, cities, crs)]
    if not segments.empty:
        parts.append(_merge_roads(assign_cities(segments, cities, crs)))
    places = assign_parents(pd.concat(parts, ignore_index=True), crs)
    places = places.sort_values(["osm_type", "osm_id"], ignore_index=True)
    places["aliases"] = places["aliases"].map("|".join)
    return places.loc[:, list(PLACE_COLUMNS)].astype(_DTYPES)


def places_from_osm(path: str | os.PathLike[str], *, progress: bool = False) -> pd.DataFrame:
    """Read an OpenStreetMap extract into loopmap places.

    Named place=* objects become cities, districts and neighborhoods (squares and islands:
    landmarks); named amenity/shop/tourism/leisure nodes, ways and multipolygons become
    merchants or landmarks; named highway ways become roads, one per street name and city.
    Each OSM object gives at most one place, with a stable id (``osm:n<id>``, ``osm:w<id>``,
    ``osm:r<id>``) and a representative point.

    Parameters
    ----------
    path
        The extract: ``.osm.pbf``, or another format osmium reads (``.osm``, ``.osm.bz2``,
        ``.o5m``), told by the file name.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    pandas.DataFrame
        One row per place, columns ``PLACE_COLUMNS``, sorted by OSM type and id: aliases
        ``|``-joined; category, city and parent_id ``""`` when unknown; lat/lon WGS-84.
        ``df.attrs["skipped"]`` counts the places that could not be located (each is logged
        at debug level).

    Raises
    ------
    OsmImportError
        When the file is missing or osmium cannot read it.

    Examples
    --------
    >>> places = places_from_osm("helsinki.osm.pbf")  # doctest: +SKIP
    >>> places[places["category"] == "coffee"].head()  # doctest: +SKIP
    """
    file = _checked_path(path)
    collected = _read_extract(file, progress=progress)
    features = _frame(
        ((f.place_id, f.tagged, f.lon, f.lat, f.area) for f in collected.features.values()),
        "area",
    )
    segments = _frame(_segment_rows(collected.segments.values()), "geometry")
    places = _places(features, segments)
    skipped = collected.skipped()
    places.attrs["skipped"] = len(skipped)
    logger.info("%s: %d places, %d skipped", file, len(places), len(skipped))
    return places
