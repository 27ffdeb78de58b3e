"""Shared pieces of note composition: the plan, a fast random stream, kit lookup, slot filters."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from loopmap.sample.phrases import Kit
from loopmap.sample.phrases_en_kits import FOOD_STYLES_EN, KITS_EN
from loopmap.sample.phrases_zh_kits import FOOD_STYLES_ZH, KITS_ZH

__all__ = [
    "LENGTHS",
    "Dice",
    "NotePlan",
    "kit_for",
    "missing_forms",
    "slot_filter",
    "stable_hash",
    "tier_of",
]

T = TypeVar("T")

LENGTHS = ("short", "medium", "long")

_BLOCK = 96


@dataclass(frozen=True)
class NotePlan:
    """What one note says; the simulator decides it, :func:`compose_note` writes it.

    Attributes
    ----------
    lang
        ``"zh"`` or ``"en"``.
    topic
        SPEC topic id (coffee, tea_dessert, food, nightlife, stay, shopping, beauty, culture,
        outdoor, other).
    category
        Merchant category (``"coffee"``, ``"bakery"``, ``"bar"``, ``"museum"``...), or None.
    merchant
        Surface form naming the merchant, mentioned verbatim; None when no merchant is named.
    area
        Road / neighbourhood / landmark surface form, mentioned verbatim, or None.
    district
        District surface form, mentioned verbatim, or None.
    city
        City surface form, mentioned verbatim, or None.
    rating
        The author's experience in 0..1; drives the verdict.
    price
        Per-person price in CNY (人均), or None to leave it out.
    visited
        True for a visit note, False for a wishlist / heard-about note.
    paid
        True for a paid promotion.
    length
        ``"short"``, ``"medium"`` or ``"long"``.
    """

    lang: str
    topic: str
    category: str | None
    merchant: str | None
    area: str | None
    district: str | None
    city: str | None
    rating: float
    price: int | None
    visited: bool
    paid: bool
    length: str


class Dice:
    """Uniform draws from a numpy Generator, fetched in blocks to keep per-draw cost low.

    Parameters
    ----------
    rng
        The generator; every draw comes from it, so results are deterministic given its state.
    """

    __slots__ = ("_buf", "_i", "_rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buf: list[float] = rng.random(_BLOCK).tolist()
        self._i = 0

    def u(self) -> float:
        """Return one uniform draw in [0, 1)."""
        i = self._i
        if i == _BLOCK:
            self._buf = self._rng.random(_BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]

    def pick(self, seq: Sequence[T]) -> T:
        """Return one element of ``seq`` (non-empty), uniformly."""
        return seq[int(self.u() * len(seq))]

    def chance(self, p: float) -> bool:
        """Return True with probability ``p``."""
        return self.u() < p

    def between(self, lo: int, hi: int) -> int:
        """Return an integer in ``[lo, hi]``, uniformly."""
        return lo + int(self.u() * (hi - lo + 1))

    def picks(self, seq: Sequence[T], k: int) -> list[T]:
        """Return up to ``k`` distinct elements of ``seq`` in random order."""
        n = len(seq)
        k = min(k, n)
        chosen: list[int] = []
        while len(chosen) < k:
            i = int(self.u() * n)
            if i not in chosen:
                chosen.append(i)
        return [seq[i] for i in chosen]

    def shuffle(self, items: list[T]) -> list[T]:
        """Shuffle ``items`` in place (Fisher-Yates) and return it."""
        for i in range(len(items) - 1, 0, -1):
            j = int(self.u() * (i + 1))
            items[i], items[j] = items[j], items[i]
        return items


def stable_hash(text: str) -> int:
    """Return a process-independent hash of ``text`` (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(text.encode("utf-8"))


def tier_of(rating: float) -> int:
    """Map a rating in 0..1 to a verdict tier: 0 avoid, 1 so-so, 2 good, 3 rave."""
    if rating < 0.3:
        return 0
    if rating < 0.55:
        return 1
    if rating < 0.8:
        return 2
    return 3


_CATEGORY_KIT: dict[str, str] = {}
for _kit, _names in {
    "coffee": "coffee cafe coffee_shop coffeeshop espresso_bar roastery",
    "bakery": "bakery bread pastry_shop boulangerie",
    "tea": "tea bubble_tea milk_tea teahouse tea_shop juice",
    "dessert": "dessert desserts ice_cream confectionery pastry cake chocolate gelato",
    "food": (
        "restaurant food fast_food food_court diner canteen brunch western bistro italian pizza "
        "burger steakhouse japanese sushi ramen izakaya hotpot bbq barbecue korean noodle "
        "noodles dumpling snack street_food breakfast local shanghainese chinese"
    ),
    "bar": "bar pub nightclub club cocktail cocktail_bar wine_bar livehouse biergarten brewery",
    "stay": "hotel guest_house guesthouse hostel motel homestay bnb resort apartment",
    "shop": (
        "shop clothes boutique vintage second_hand market marketplace gift mall "
        "department_store jewelry shoes florist furniture antiques stationery concept_store "
        "variety_store bag cosmetics_shop"
    ),
    "beauty": "beauty nails nail nail_salon cosmetics spa massage lashes skincare",
    "hair": "hairdresser hair hair_salon salon barber",
    "museum": (
        "museum gallery art_gallery arts_centre exhibition exhibition_centre attraction "
        "artwork heritage"
    ),
    "bookstore": "books bookstore bookshop library",
    "theatre": "theatre theater cinema concert_hall music_venue comedy_club",
    "park": "park garden viewpoint playground riverside nature_reserve picnic_site waterfront",
}.items():
    for _name in _names.split():
        _CATEGORY_KIT[_name] = _kit

_FOOD_STYLE: dict[str, str] = {}
for _style, _names in {
    "western": "brunch western bistro italian pizza burger steakhouse",
    "japanese": "japanese sushi ramen izakaya",
    "hotpot": "hotpot bbq barbecue korean",
    "noodle": "noodle noodles dumpling snack street_food breakfast fast_food",
    "bang": "shanghainese chinese local",
}.items():
    for _name in _names.split():
        _FOOD_STYLE[_name] = _style

_TOPIC_KITS: dict[str, tuple[str, ...]] = {
    "coffee": ("coffee",),
    "tea_dessert": ("dessert", "tea", "bakery"),
    "food": ("food",),
    "nightlife": ("bar",),
    "stay": ("stay",),
    "shopping": ("shop",),
    "beauty": ("beauty", "hair"),
    "culture": ("museum", "bookstore", "theatre"),
    "outdoor": ("park",),
    "other": ("other",),
}

_FOOD_STYLE_ORDER = ("bang", "western", "japanese", "hotpot", "noodle", "bang", "western")

_NORMALISE = re.compile(r"[\s\-/]+")


def kit_for(plan: NotePlan, dice: Dice) -> tuple[Kit, int]:
    """Choose the vocabulary kit for a plan.

    Parameters
    ----------
    plan
        The note plan; its category decides the kit, its topic is the fallback.
    dice
        Random draws, used only when neither category nor merchant pins the choice.

    Returns
    -------
    kit, seed
        The kit in the plan's language, and a stable per-merchant seed (0 without merchant)
        used to give a merchant a consistent signature item.
    """
    seed = stable_hash(plan.merchant) if plan.merchant else 0
    name = None
    cat = ""
    if plan.category:
        cat = _NORMALISE.sub("_", plan.category.strip().lower())
        name = _CATEGORY_KIT.get(cat)
    if name is None:
        options = _TOPIC_KITS.get(plan.topic, ("other",))
        name = options[seed % len(options)] if seed else dice.pick(options)
    kits, styles = (KITS_EN, FOOD_STYLES_EN) if plan.lang == "en" else (KITS_ZH, FOOD_STYLES_ZH)
    if name == "food":
        style = _FOOD_STYLE.get(cat)
        if style is None:
            style = (
                _FOOD_STYLE_ORDER[seed % len(_FOOD_STYLE_ORDER)]
                if seed
                else dice.pick(_FOOD_STYLE_ORDER)
            )
        return styles[style], seed
    return kits[name], seed


_OPTIONAL = ("where", "price", "m")


def slot_filter(templates: Sequence[str]) -> dict[frozenset[str], tuple[str, ...]]:
    """Precompute, for each set of unavailable optional slots, the templates still usable.

    Parameters
    ----------
    templates
        Templates that may use the optional slots ``{where}``, ``{price}`` and ``{m}``.

    Returns
    -------
    dict
        Maps a frozenset of missing slot names to the templates that use none of them (falling
        back to all templates that avoid the missing slots' braces if none remain).
    """
    out: dict[frozenset[str], tuple[str, ...]] = {}
    n = len(_OPTIONAL)
    for mask in range(1 << n):
        missing = frozenset(_OPTIONAL[i] for i in range(n) if mask >> i & 1)
        keep = tuple(t for t in templates if not any("{" + s + "}" in t for s in missing))
        out[missing] = keep
    return out


def missing_forms(plan: NotePlan, text: str) -> list[str]:
    """Return the plan's non-None surface forms that do not occur verbatim in ``text``."""
    out = []
    for form in (plan.merchant, plan.area, plan.district, plan.city):
        if form and form not in text and form not in out:
            out.append(form)
    return out
