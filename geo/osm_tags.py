"""Which OpenStreetMap objects are places, and what kind and category each one is.

One table (:data:`TAG_TABLE`), read top to bottom, says which ``key=value`` tags make a named
object a city, district, neighbourhood, landmark or merchant, and with which category; named
highways are roads, their category their class (:data:`ROAD_CLASSES`). :func:`read_tags`
turns the tags of one object into a :class:`Tagged` (its name, aliases from
:data:`ALIAS_KEYS`, kind, category and ``addr:city``), or None when the object is not a
place. Everything here works on plain tag mappings: reading the extract is ``geo.osm``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ALIAS_KEYS",
    "ROAD_CLASSES",
    "ROAD_RANK",
    "TAG_TABLE",
    "Kind",
    "Tagged",
    "classify",
    "read_tags",
]

Kind = Literal["city", "district", "neighborhood", "road", "landmark", "merchant"]

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
TAG_TABLE: Final[tuple[tuple[Kind, str, str], ...]] = (
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
    for kind, category, tags in TAG_TABLE
    for key, value in (tag.split("=") for tag in tags.split())
}
# Keys looked at, first match wins; then highway=* for ways and relation areas.
_TAG_KEYS: Final = ("place", "amenity", "shop", "tourism", "leisure")
# shop=* values that say there is no shop.
_NOT_A_SHOP: Final = frozenset({"no", "vacant", "disused", "closed"})

# highway=* values that are named streets and paths, most important first: a road's category
# is its most important class (``*_link`` counts as its road). Point highways (bus_stop,
# crossing, ...) and non-roads (platform, construction, proposed) are not roads.
ROAD_CLASSES: Final = (
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
#: The position of each road class in ``ROAD_CLASSES``: lower is more important.
ROAD_RANK: Final = {value: rank for rank, value in enumerate(ROAD_CLASSES)}

# Tags whose values become aliases (``;`` separates several values).
ALIAS_KEYS: Final = (
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


@dataclass(slots=True)
class Tagged:
    """What the tags of one object say, before its geometry is known."""

    name: str
    aliases: list[str]
    kind: Kind
    category: str
    addr_city: str


def _clean(text: str) -> str:
    """Collapse whitespace (newlines, tabs, runs of spaces) into single spaces."""
    return " ".join(text.split())


def _aliases(tags: Mapping[str, str], name: str) -> list[str]:
    """Alternate names from ``ALIAS_KEYS``, without repeats and without the name itself."""
    seen = {name.casefold()}
    aliases: list[str] = []
    for key in ALIAS_KEYS:
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


def classify(tags: Mapping[str, str], *, roads: bool) -> tuple[Kind, str] | None:
    """The kind and category an object's tags give it (``TAG_TABLE``), or None: not a place.

    Parameters
    ----------
    tags
        The object's OSM tags.
    roads
        Whether ``highway=*`` can make a road: true for ways and relation areas; highway
        nodes are bus stops, crossings and the like.

    Returns
    -------
    tuple of (str, str) or None
        ``(kind, category)``; the first of ``place``, ``amenity``, ``shop``, ``tourism`` and
        ``leisure`` that the table knows wins, then ``highway``. None when no tag makes the
        object a place.

    Examples
    --------
    >>> classify({"amenity": "cafe"}, roads=False)
    ('merchant', 'coffee')
    >>> classify({"highway": "primary_link"}, roads=True)
    ('road', 'primary')
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
        if road_class in ROAD_RANK:
            return "road", road_class
    return None


def _city_tag(tags: Mapping[str, str]) -> str:
    """addr:city, or "" when it holds no letter (a house or postal number in the wrong field)."""
    city = _clean(tags.get("addr:city", ""))
    return city if any(c.isalpha() for c in city) else ""


def read_tags(tags: Mapping[str, str], *, roads: bool) -> Tagged | None:
    """What a named object's tags say: None when it has no usable name or is not a place.

    Parameters
    ----------
    tags
        The object's OSM tags.
    roads
        Whether ``highway=*`` can make a road (see :func:`classify`).

    Returns
    -------
    Tagged or None
        The name (whitespace collapsed), the aliases (from ``ALIAS_KEYS``, ``;``-separated
        values split, no repeats, not the name), the kind and category, and ``addr:city``
        (``""`` when it holds no letter).
    """
    name = _clean(tags.get("name", ""))
    if not name:
        return None
    found = classify(tags, roads=roads)
    if found is None:
        return None
    kind, category = found
    return Tagged(name, _aliases(tags, name), kind, category, _city_tag(tags))
