"""The topic taxonomy of SPEC.md and the category -> topic mapping.

A topic is one of the stable ids in :data:`TOPICS`. A place's ``category`` (what it
is: ``coffee``, ``bar``, ``museum``, ...) maps to a topic through
:data:`CATEGORY_TOPICS`; :func:`topic_for_category` does the lookup and answers
``"other"`` for anything it does not know.

Keys are lower-case English category words (the OSM-derived values the importer
writes, such as ``coffee``, ``guest_house`` or ``hairdresser``, plus common
synonyms) and the Chinese words SPEC.md lists for each topic (咖啡, 甜品, 酒吧, ...).
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATEGORY_TOPICS", "OTHER", "TOPICS", "normalise_category", "topic_for_category"]

#: The topic ids, in SPEC.md's order. Stable: other modules and outputs key on them.
TOPICS: Final[tuple[str, ...]] = (
    "coffee",
    "tea_dessert",
    "food",
    "nightlife",
    "stay",
    "shopping",
    "beauty",
    "culture",
    "outdoor",
    "other",
)

#: The topic of anything that fits none of the others.
OTHER: Final = "other"

_BY_TOPIC: Final[dict[str, tuple[str, ...]]] = {
    "coffee": ("coffee", "cafe", "coffee_shop", "coffee_roastery", "咖啡", "咖啡馆", "咖啡店"),
    "tea_dessert": (
        "bakery",
        "dessert",
        "tea",
        "bubble_tea",
        "ice_cream",
        "pastry",
        "confectionery",
        "chocolate",
        "patisserie",
        "teahouse",
        "奶茶",
        "甜品",
        "烘焙",
        "面包",
        "茶饮",
    ),
    "food": (
        "restaurant",
        "fast_food",
        "brunch",
        "bistro",
        "street_food",
        "food_court",
        "noodle",
        "deli",
        "餐厅",
        "美食",
        "小吃",
        "早午餐",
    ),
    "nightlife": (
        "bar",
        "pub",
        "nightclub",
        "livehouse",
        "wine_bar",
        "cocktail_bar",
        "biergarten",
        "music_venue",
        "karaoke",
        "酒吧",
        "小酒馆",
    ),
    "stay": (
        "hotel",
        "guest_house",
        "hostel",
        "motel",
        "apartment",
        "chalet",
        "酒店",
        "民宿",
    ),
    "shopping": (
        "shop",
        "clothes",
        "vintage",
        "market",
        "boutique",
        "mall",
        "department_store",
        "second_hand",
        "fashion",
        "florist",
        "gift",
        "homeware",
        "jewelry",
        "shoes",
        "bag",
        "antiques",
        "furniture",
        "interior_decoration",
        "买手店",
        "古着",
        "市集",
    ),
    "beauty": (
        "beauty",
        "hairdresser",
        "nails",
        "cosmetics",
        "perfumery",
        "spa",
        "massage",
        "sauna",
        "tattoo",
        "barber",
        "美甲",
        "美发",
        "美容",
    ),
    "culture": (
        "museum",
        "gallery",
        "books",
        "theatre",
        "cinema",
        "arts_centre",
        "art",
        "library",
        "exhibition",
        "venue",
        "heritage",
        "place_of_worship",
        "temple",
        "展览",
        "博物馆",
        "书店",
        "美术馆",
    ),
    "outdoor": (
        "park",
        "garden",
        "viewpoint",
        "riverside",
        "bicycle_rental",
        "bicycle",
        "outdoor_gear",
        "outdoor",
        "camping",
        "camp_site",
        "climbing",
        "water_sports",
        "nature_reserve",
        "beach",
        "marina",
        "water_park",
        "公园",
        "citywalk",
        "滨江",
        "骑行",
    ),
    "other": (
        "coworking",
        "pet_grooming",
        "photo_studio",
        "pharmacy",
        "supermarket",
        "convenience",
        "fitness",
        "attraction",
        "theme_park",
        "other",
    ),
}

#: Category (lower case) -> topic id. Extend it by adding keys; values must be in TOPICS.
CATEGORY_TOPICS: dict[str, str] = {
    category: topic for topic, categories in _BY_TOPIC.items() for category in categories
}


def normalise_category(category: str) -> str:
    """``"Amenity=Cafe"`` -> ``"cafe"``; ``"Guest House"`` -> ``"guest_house"``."""
    text = category.strip().casefold()
    for sep in ("=", ":"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return "_".join(text.replace("-", " ").split())


def topic_for_category(category: str | None) -> str:
    """The topic a place of this category belongs to.

    Parameters
    ----------
    category
        What the place is (``coffee``, ``bar``, ``museum``, ``guest_house``,
        ``咖啡``...). Case, surrounding spaces, spaces or hyphens in place of
        ``_``, and an OSM-style ``key=`` prefix (``amenity=cafe``) are ignored.

    Returns
    -------
    str
        One of :data:`TOPICS`; ``"other"`` for None, an empty or a non-text value,
        or a category it does not know.

    Examples
    --------
    >>> topic_for_category("bakery")
    'tea_dessert'
    >>> topic_for_category("amenity=pub")
    'nightlife'
    >>> topic_for_category("laundry")
    'other'
    """
    if not isinstance(category, str) or not category.strip():
        return OTHER
    return CATEGORY_TOPICS.get(normalise_category(category), OTHER)
