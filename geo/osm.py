"""Places from an OpenStreetMap extract (.osm.pbf, or any format osmium reads).

``places_from_osm`` reads an extract once with pyosmium and returns loopmap places, one row
per place, in SPEC.md's places columns. The work is done in three stages:

1. read: every named object is classified from its tags (``_TAG_TABLE``, ``_ROAD_CLASSES``)
   and reduced to a representative point; a closed way, which osmium delivers both as a way
   and as an area, is kept once, with the area's geometry;
2. place hierarchy: every object gets its city and its parent (the smallest neighbourhood or
   district around or near it, else the city), computed with geopandas in a metric CRS;
3. roads: the way segments of one street are merged into one road place.

Objects whose location cannot be computed are skipped, logged at debug level and counted in
``df.attrs["skipped"]``.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException
from shapely.geometry import GeometryCollection, LineString, Point
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

__all__ = [
    "CITY_REACH_M",
    "DISTRICT_REACH_M",
    "NEIGHBORHOOD_REACH_M",
    "PLACE_COLUMNS",
    "OsmImportError",
    "places_from_osm",
]

logger = logging.getLogger(__name__)

Kind = Literal["city", "district", "neighborhood", "road", "landmark", "merchant"]

#: The places columns of SPEC.md, in order.
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

#: How far (metres) a neighbourhood known only as a point reaches when choosing parents.
NEIGHBORHOOD_REACH_M: Final[float] = 1_500.0
#: How far (metres) a district known only as a point reaches when choosing parents.
DISTRICT_REACH_M: Final[float] = 3_000.0
#: How far (metres) a city or town known only as a point reaches when choosing the city.
CITY_REACH_M: Final[float] = 50_000.0

# What a named object becomes: one table, read top to bottom. Each line is a kind, a
# category and the OSM tags that give them.
#
# place=*: cities and towns are cities; the parts a city is divided into (borough, suburb,
# quarter) are districts; anything smaller is a neighborhood. Villages and hamlets are
# neighborhoods too: in a city extract they are the small settlements at its edge, named the
# way people name neighbourhoods, and making each a city would scatter the `city` column.
# Squares and islands are named public places, not areas others belong to: landmarks.
# The category of a place=* object is its place value.
#
# amenity/shop/tourism/leisure: a merchant is a business a visitor walks into and pays (the
# loop's visit); a landmark is a public or non-commercial place people write about. The
# categories are the words the topic taxonomy maps (coffee; bakery, dessert, tea ->
# tea_dessert; restaurant -> food; bar, pub, nightclub -> nightlife; hotel, guest_house ->
# stay; clothes, shop -> shopping; museum, gallery -> culture; park -> outdoor). Every shop=*
# value not listed is a merchant whose category is its own value (books, hairdresser,
# beauty, ...); amenity/tourism/leisure values not listed are infrastructure (parking, atm,
# bench, school, information, playground, ...) and not places.
_TAG_TABLE: Final[tuple[tuple[Kind, str, str], ...]] = (
    ("city", "", "place=city place=town"),
    ("district", "", "place=borough place=suburb place=quarter"),
    (
        "neighborhood",
        "",
        "place=neighbourhood place=city_block place=village place=hamlet place=locality",
    ),
    ("landmark", "", "place=square place=island place=islet"),
    ("merchant", "coffee", "amenity=cafe shop=coffee"),
    ("merchant", "restaurant", "amenity=restaurant amenity=fast_food amenity=food_court"),
    ("merchant", "bakery", "shop=bakery shop=pastry shop=confectionery"),
    ("merchant", "dessert", "amenity=ice_cream shop=ice_cream shop=chocolate"),
    ("merchant", "tea", "shop=tea"),
    ("merchant", "bar", "amenity=bar amenity=biergarten"),
    ("merchant", "pub", "amenity=pub"),
    ("merchant", "nightclub", "amenity=nightclub"),
    ("merchant", "music_venue", "amenity=music_venue"),
    ("merchant", "cinema", "amenity=cinema"),
    ("merchant", "casino", "amenity=casino"),
    ("merchant", "sauna", "amenity=public_bath leisure=sauna"),
    ("merchant", "fitness", "leisure=fitness_centre"),
    ("merchant", "dance", "leisure=dance"),
    ("merchant", "bowling", "leisure=bowling_alley"),
    ("merchant", "arcade", "leisure=amusement_arcade leisure=escape_game"),
    ("merchant", "water_park", "leisure=water_park"),
    ("merchant", "hotel", "tourism=hotel tourism=motel"),
    (
        "merchant",
        "guest_house",
        "tourism=guest_house tourism=hostel tourism=apartment tourism=chalet",
    ),
    ("merchant", "camp_site", "tourism=camp_site"),
    ("merchant", "clothes", "shop=clothes shop=boutique shop=fashion shop=second_hand"),
    ("merchant", "shop", "shop=yes"),
    ("merchant", "pharmacy", "amenity=pharmacy"),
    ("landmark", "market", "amenity=marketplace"),
    ("landmark", "museum", "tourism=museum"),
    ("landmark", "gallery", "tourism=gallery tourism=artwork amenity=arts_centre"),
    ("landmark", "theatre", "amenity=theatre"),
    ("landmark", "library", "amenity=library"),
    ("landmark", "place_of_worship", "amenity=place_of_worship"),
    ("landmark", "townhall", "amenity=townhall"),
    ("landmark", "community_centre", "amenity=community_centre"),
    (
        "landmark",
        "venue",
        "amenity=events_venue amenity=exhibition_centre amenity=conference_centre",
    ),
    ("landmark", "university", "amenity=university amenity=college"),
    ("landmark", "fountain", "amenity=fountain"),
    (
        "landmark",
        "attraction",
        "tourism=attraction tourism=zoo tourism=aquarium tourism=theme_park",
    ),
    ("landmark", "viewpoint", "tourism=viewpoint"),
    ("landmark", "park", "leisure=park leisure=garden leisure=nature_reserve leisure=dog_park"),
    ("landmark", "beach", "leisure=beach_resort"),
    ("landmark", "marina", "leisure=marina"),
    ("landmark", "sports_centre", "leisure=sports_centre leisure=stadium"),
)
_TAGS: Final[dict[tuple[str, str], tuple[Kind, str]]] = {
    (key, value): (kind, category or value)
    for kind, category, tags in _TAG_TABLE
    for key, value in (tag.split("=") for tag in tags.split())
}
# Keys looked at, first match wins; then highway=* for ways and relation areas.
_TAG_KEYS: Final = ("place", "amenity", "shop", "tourism", "leisure")
# shop=* values that say there is no shop.
_NOT_A_SHOP: Final = frozenset({"no", "vacant", "disused", "closed"})

# highway=* values that are named streets and paths, most important first: a road's category
# is its most important class (``*_link`` counts as its road). Point highways (bus_stop,
# crossing, ...) and non-roads (platform, construction, proposed) are not roads.
_ROAD_CLASSES: Final = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "pedestrian",
    "busway",
    "road",
    "service",
    "track",
    "footway",
    "cycleway",
    "bridleway",
    "path",
    "steps",
)
_ROAD_RANK: Final = {value: rank for rank, value in enumerate(_ROAD_CLASSES)}

# Tags whose values become aliases (``;`` separates several values).
_ALIAS_KEYS: Final = (
    "name:en",
    "name:zh",
    "name:zh-Hans",
    "name:zh-Hant",
    "name:fi",
    "name:sv",
    "alt_name",
    "short_name",
    "old_name",
    "official_name",
    "brand",
)

# Hierarchy levels: a place's parent is always of a lower level than the place itself.
_LEVEL: Final = {"city": 0, "district": 1, "neighborhood": 2}
_LEAF_LEVEL: Final = 3
_REACH_M: Final = {
    "city": CITY_REACH_M,
    "district": DISTRICT_REACH_M,
    "neighborhood": NEIGHBORHOOD_REACH_M,
}
_AREA_KINDS: Final = frozenset(_LEVEL)
_DTYPES: Final = {column: float if column in {"lat", "lon"} else str for column in PLACE_COLUMNS}
_TYPE_ORDER: Final = {"n": 0, "w": 1, "r": 2}
_WGS84: Final = "EPSG:4326"

# Geometry quality: a better one replaces a worse one for the same object.
_PARTIAL_LINE: Final = 0  # some nodes (or member ways) lie outside the extract
_LINE: Final = 1  # a node, or a way's complete line
_AREA: Final = 2  # a polygon assembled by osmium


class OsmImportError(ValueError):
    """An OSM extract cannot be read: the message names the file and the reason."""


@dataclass(slots=True)
class _Tagged:
    """What the tags of one object say, before its geometry is known."""

    name: str
    aliases: list[str]
    kind: Kind
    category: str
    addr_city: str


@dataclass(slots=True)
class _Feature:
    """A place with its representative point (and polygon, for place areas)."""

    place_id: str
    tagged: _Tagged
    lon: float
    lat: float
    quality: int
    area: BaseGeometry | None = None


@dataclass(slots=True)
class _Segment:
    """One way (or relation area) of a road, merged with its namesakes later."""

    place_id: str
    tagged: _Tagged
    geometry: BaseGeometry


# --------------------------------------------------------------------------- tags


def _clean(text: str) -> str:
    """Collapse whitespace (newlines, tabs, runs of spaces) into single spaces."""
    return " ".join(text.split())


def _aliases(tags: Mapping[str, str], name: str) -> list[str]:
    """Alternate names from ``_ALIAS_KEYS``, without repeats and without the name itself."""
    seen = {name.casefold()}
    aliases: list[str] = []
    for key in _ALIAS_KEYS:
        for part in tags.get(key, "").replace("|", ";").split(";"):
            alias = _clean(part)
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
    return aliases


def _shop_category(value: str) -> str:
    """A shop's own value as its category (first of a ``;`` list), ``shop`` when unusable."""
    first = value.split(";")[0].strip().lower().replace(" ", "_")
    usable = first and all(c.isascii() and (c.isalnum() or c == "_") for c in first)
    return first if usable else "shop"


def _classify(tags: Mapping[str, str], *, roads: bool) -> tuple[Kind, str] | None:
    """(kind, category) for an object's tags from ``_TAG_TABLE``, or None: not a place.

    Roads only when ``roads`` (ways and relation areas): highway nodes are bus stops,
    crossings and the like.
    """
    for key in _TAG_KEYS:
        value = tags.get(key)
        if value is None:
            continue
        found = _TAGS.get((key, value))
        if found is not None:
            return found
        if key == "shop" and value not in _NOT_A_SHOP:
            return "merchant", _shop_category(value)
    if roads:
        road_class = tags.get("highway", "").removesuffix("_link")
        if road_class in _ROAD_RANK:
            return "road", road_class
    return None


def _city_tag(tags: Mapping[str, str]) -> str:
    """addr:city, or "" when it holds no letter (a house or postal number in the wrong field)."""
    city = _clean(tags.get("addr:city", ""))
    return city if any(c.isalpha() for c in city) else ""


def _tagged(tags: Mapping[str, str], *, roads: bool) -> _Tagged | None:
    """Classify a named object; None when it has no usable name or is not a place."""
    name = _clean(tags.get("name", ""))
    if not name:
        return None
    found = _classify(tags, roads=roads)
    if found is None:
        return None
    kind, category = found
    return _Tagged(name, _aliases(tags, name), kind, category, _city_tag(tags))


def _tag_dict(obj: osmium.osm.OSMObject) -> dict[str, str]:
    return {tag.k: tag.v for tag in obj.tags}


# --------------------------------------------------------------------------- reading


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
        self.relations: dict[int, tuple[_Tagged, list[int]]] = {}
        self.member_ways: set[int] = set()
        self.member_lines: dict[int, BaseGeometry] = {}
        self._wkb = osmium.geom.WKBFactory()

    def add_relation(self, rel: osmium.osm.Relation) -> None:
        """First pass: remember a qualifying multipolygon/boundary and its member ways."""
        if rel.tags.get("type") not in {"multipolygon", "boundary"}:
            return
        tagged = _tagged(_tag_dict(rel), roads=True)
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

    def add(self, obj: osmium.osm.OSMObject) -> None:
        """Take one named object of the main pass (relations come through their areas)."""
        if isinstance(obj, osmium.osm.Node):
            self._add_node(obj)
        elif isinstance(obj, osmium.osm.Way):
            self.add_member_way(obj)
            self._add_way(obj)
        elif isinstance(obj, osmium.osm.Area):
            self._add_area(obj)

    def _add_node(self, node: osmium.osm.Node) -> None:
        tagged = _tagged(_tag_dict(node), roads=False)
        if tagged is None:
            return
        place_id = f"osm:n{node.id}"
        location = node.location
        if not location.valid():
            self._fail(place_id, tagged, "the node has no valid location")
            return
        self._offer(place_id, tagged, Point(location.lon, location.lat), _LINE)

    def _add_way(self, way: osmium.osm.Way) -> None:
        tagged = _tagged(_tag_dict(way), roads=True)
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
        tagged = _tagged(_tag_dict(area), roads=not from_way)
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

    def _offer(self, place_id: str, tagged: _Tagged, geometry: BaseGeometry, quality: int) -> None:
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
        keep_area = quality == _AREA and tagged.kind in _AREA_KINDS
        self.features[place_id] = _Feature(
            place_id, tagged, point.x, point.y, quality, geometry if keep_area else None
        )

    def _fail(self, place_id: str, tagged: _Tagged, reason: str) -> None:
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


def _objects(file: Path, collector: _Collector) -> Iterator[osmium.osm.OSMObject]:
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


# --------------------------------------------------------------------------- hierarchy


def _points(
    lon: Iterable[float], lat: Iterable[float], crs: CRS, **columns: object
) -> gpd.GeoDataFrame:
    """WGS-84 points projected to ``crs``, with extra columns and a RangeIndex."""
    geometry = gpd.points_from_xy(np.asarray(lon, float), np.asarray(lat, float))
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=_WGS84).to_crs(crs)


def _metric_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The UTM zone of the extract (Web Mercator near the poles, where UTM has no zone)."""
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


def _assign_cities(rows: pd.DataFrame, cities: pd.DataFrame, crs: CRS) -> pd.DataFrame:
    """``rows`` with ``city`` and ``city_id`` columns.

    ``addr:city`` wins when present, spelled as the city place it names (by name or alias)
    when it names one. Otherwise the city is the city/town area around the row, else the
    nearest city/town point within ``CITY_REACH_M``. A city is its own city.
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


def _assign_parents(places: pd.DataFrame, crs: CRS) -> pd.DataFrame:
    """``places`` with ``parent_id``: the smallest district/neighbourhood around the place,
    else the nearest one within reach (``_locate``), else its city; "" for cities."""
    points = _points(
        places["lon"], places["lat"], crs, pid=places["place_id"].to_numpy(), level=_levels(places)
    )
    found = _locate(points, *_candidates(places, crs, {"district", "neighborhood"}))
    parents = [
        near or ("" if kind == "city" else city_id)
        for near, kind, city_id in zip(found, places["kind"], places["city_id"], strict=True)
    ]
    return places.assign(parent_id=parents)


def _merge_label_nodes(features: pd.DataFrame) -> pd.DataFrame:
    """Drop place nodes that label a place area of the same name and kind.

    OSM often maps a city or suburb twice, as an area and as a label node inside it. The
    area is kept, at the node's position (mappers put labels where the place "is").
    """
    places = features[features["kind"].isin(_AREA_KINDS)]
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
                "category": min(group["category"], key=_ROAD_RANK.__getitem__),
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
    rows: Iterable[tuple[str, _Tagged, float, float, BaseGeometry | None]], shape: str
) -> pd.DataFrame:
    """A working table: sort keys, the tags, the point, and a geometry column named ``shape``."""
    records = [
        (pid, _TYPE_ORDER[pid[4]], int(pid[5:]), *astuple(tagged), lon, lat, geometry)
        for pid, tagged, lon, lat, geometry in rows
    ]
    columns = ["place_id", "osm_type", "osm_id", *(f.name for f in fields(_Tagged))]
    frame = pd.DataFrame(records, columns=[*columns, "lon", "lat", shape])
    return frame.astype({"lon": float, "lat": float})


def _segment_rows(
    segments: Iterable[_Segment],
) -> Iterator[tuple[str, _Tagged, float, float, BaseGeometry]]:
    for segment in segments:
        point = segment.geometry.representative_point()
        yield segment.place_id, segment.tagged, point.x, point.y, segment.geometry


def _places(features: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Cities and parents for the features, merged roads for the segments, in place columns."""
    if features.empty and segments.empty:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in _DTYPES.items()})
    features = _merge_label_nodes(features)
    crs = _metric_crs(
        np.concatenate([features["lon"], segments["lon"]]),
        np.concatenate([features["lat"], segments["lat"]]),
    )
    cities = features[features["kind"] == "city"]
    parts = [_assign_cities(features, cities, crs)]
    if not segments.empty:
        parts.append(_merge_roads(_assign_cities(segments, cities, crs)))
    places = _assign_parents(pd.concat(parts, ignore_index=True), crs)
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
