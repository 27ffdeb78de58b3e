"""Merchants for the sample city: invented ones, or latent facts for a real city's.

:func:`generate_merchants` invents the merchants of the built-in sample city on
the real roads, neighbourhoods and landmarks of :func:`~loopmap.sample.geography.shanghai_areas`:
cafes thick on the former French Concession streets, bars around 巨鹿路 and 永康路,
boutiques on 安福路 and 长乐路, museums by the river, a few merchants in the outer
districts, chains with branches, everyday-word names, and a few names shared with
a merchant in a second city. Every name is composed from invented parts (see
``data/merchant_vocabulary.csv``); where each kind of place clusters is in
``data/area_profiles.csv``.

:func:`merchants_from_places` gives a real city's merchants (an OSM extract, a places
file) the same latent columns, so the simulator runs on any city.

Both return SPEC.md's places columns followed by :data:`LATENT_COLUMNS`:

=============  ================================================================
topic          the merchant's topic (:func:`topics.categories.topic_for_category`)
quality        latent quality in 0..1 (what the sample's truth.csv reports)
popularity     latent prior of attention, > 0, mean 1 over the frame
price          CNY per person (人均), an integer
chain          the chain's name, ``""`` for an independent merchant
branch         the branch suffix (``武康路店``), ``""`` when not a branch
name_en        an English (or romanised) form of the name, ``""`` when unknown
name_pinyin    the pinyin of the Chinese name, lower case, ``""`` when none
area_id        the road / neighbourhood / landmark it sits on (``""`` when none)
everyday_name  True when the name is an ordinary word (日常, 朋友, Common, ...)
=============  ================================================================
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from loopmap.formats import PLACE_COLUMNS
from loopmap.sample.geography import AREA_KINDS
from topics.categories import TOPICS, topic_for_category

__all__ = [
    "LATENT_COLUMNS",
    "MERCHANT_COLUMNS",
    "TOPIC_SHARES",
    "generate_merchants",
    "merchants_from_places",
]

LATENT_COLUMNS: Final[tuple[str, ...]] = (
    "topic",
    "quality",
    "popularity",
    "price",
    "chain",
    "branch",
    "name_en",
    "name_pinyin",
    "area_id",
    "everyday_name",
)
#: Every column of a merchants frame: SPEC.md's places columns, then the latent ones.
MERCHANT_COLUMNS: Final[tuple[str, ...]] = (*PLACE_COLUMNS, *LATENT_COLUMNS)

#: Share of each topic among generated merchants (coffee and food the largest).
TOPIC_SHARES: Final[dict[str, float]] = {
    "coffee": 0.21,
    "food": 0.21,
    "tea_dessert": 0.13,
    "nightlife": 0.11,
    "shopping": 0.10,
    "culture": 0.07,
    "beauty": 0.06,
    "stay": 0.05,
    "outdoor": 0.04,
    "other": 0.02,
}

_SECOND_CITY_SHARE: Final = 0.03  # of n, for each city but the main one
_SHARED_NAME_SHARE: Final = 0.4  # of a second city's merchants, named like a main-city one
_ENGLISH_NAME_SHARE: Final[dict[str, float]] = {
    "coffee": 0.35,
    "nightlife": 0.45,
    "tea_dessert": 0.2,
    "food": 0.15,
    "shopping": 0.3,
    "culture": 0.15,
    "beauty": 0.25,
    "stay": 0.2,
    "outdoor": 0.3,
    "other": 0.3,
}
#: Extra weight, for a category, of an area or of every area of a district (by place_id):
#: brunch is a 静安/徐汇 thing, boutiques line 安福路 and 长乐路, dessert fills the malls.
_CATEGORY_BOOST: Final[dict[str, dict[str, float]]] = {
    "brunch": {"sh-jingan": 3.0, "sh-xuhui": 3.0, "sh-changning": 1.5},
    "boutique": {"sh-r-anfu": 3.0, "sh-r-changle": 3.0, "sh-r-wukang": 1.5},
    "vintage": {"sh-r-changle": 3.0, "sh-r-anfu": 2.0, "sh-r-fuxingxi": 2.0},
    "dessert": {"sh-n-xintiandi": 2.0, "sh-l-raffles-city": 2.0, "sh-l-raffles-changning": 2.0},
    "bar": {"sh-r-julu": 1.5, "sh-r-yongkang": 1.5, "sh-r-fumin": 1.5},
    "museum": {"sh-n-westbund": 2.0, "sh-n-rockbund": 2.0, "sh-n-bund": 1.5},
    "gallery": {"sh-n-westbund": 2.0, "sh-l-m50": 2.0, "sh-n-rockbund": 1.5},
}
_SPREAD_M: Final[dict[str, float]] = {"road": 150.0, "neighborhood": 150.0, "landmark": 80.0}
_ACROSS_ROAD_M: Final = 12.0
_AREA_REACH_M: Final = 1_000.0  # merchants_from_places: farther than this from any road, use parent
_EARTH_M: Final = 6_371_008.8
_M_PER_DEG: Final = 111_320.0
_PRICE_BY_TOPIC: Final[dict[str, float]] = {
    "coffee": 36,
    "tea_dessert": 40,
    "food": 110,
    "nightlife": 150,
    "stay": 800,
    "shopping": 250,
    "beauty": 250,
    "culture": 60,
    "outdoor": 150,
    "other": 100,
}
_CJK: Final = re.compile(r"[\u3400-\u9fff]")
_BRANCH_TAIL: Final = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


# --------------------------------------------------------------------------- data files


@dataclass(frozen=True)
class _Word:
    zh: str
    en: str
    pinyin: str


@dataclass(frozen=True)
class _Type:
    """A kind of merchant: a name suffix, a chain or an everyday name, with its price."""

    topic: str
    category: str
    zh: str
    en: str
    pinyin: str
    price: float
    weight: float
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Vocabulary:
    prefixes: tuple[_Word, ...]
    suffixes: dict[str, tuple[_Type, ...]]
    adjectives: tuple[_Word, ...]
    nouns: tuple[_Word, ...]
    everyday: tuple[_Type, ...]
    chains: tuple[_Type, ...]


def _read_data(name: str) -> list[dict[str, str]]:
    resource = importlib.resources.files(__name__.rpartition(".")[0]) / "data" / name
    text = resource.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _vocabulary() -> _Vocabulary:
    rows = _read_data("merchant_vocabulary.csv")

    def words(role: str) -> tuple[_Word, ...]:
        return tuple(_Word(r["zh"], r["en"], r["pinyin"]) for r in rows if r["role"] == role)

    def types(role: str) -> tuple[_Type, ...]:
        return tuple(
            _Type(
                r["topic"],
                r["category"],
                r["zh"],
                r["en"],
                r["pinyin"],
                float(r["price"]),
                float(r["weight"] or 1),
                tuple(a for a in r["aliases"].split("|") if a),
            )
            for r in rows
            if r["role"] == role
        )

    suffixes = types("suffix")
    return _Vocabulary(
        prefixes=words("prefix"),
        suffixes={t: tuple(s for s in suffixes if s.topic == t) for t in TOPICS},
        adjectives=words("en_adj"),
        nouns=words("en_noun"),
        everyday=types("everyday"),
        chains=types("chain"),
    )


@functools.cache
def _profiles() -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Topic weights (in TOPICS order, NaN where unset) and road bearings, by area_id."""
    weights: dict[str, np.ndarray] = {}
    bearings: dict[str, float] = {}
    for r in _read_data("area_profiles.csv"):
        weights[r["area_id"]] = np.array([float(r[t]) if r[t] else np.nan for t in TOPICS])
        if r["bearing"]:
            bearings[r["area_id"]] = float(r["bearing"])
    return weights, bearings


@functools.cache
def _category_prices() -> dict[str, float]:
    vocab = _vocabulary()
    prices: dict[str, list[float]] = {}
    for s in (*(s for group in vocab.suffixes.values() for s in group), *vocab.chains):
        prices.setdefault(s.category, []).append(s.price)
    return {c: float(np.median(p)) for c, p in prices.items()}


# --------------------------------------------------------------------------- small pieces


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _title_pinyin(pinyin: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in pinyin.split())


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _aliases(name: str, forms: list[str]) -> str:
    seen = {name.casefold()}
    out: list[str] = []
    for form in forms:
        if form and form.casefold() not in seen:
            seen.add(form.casefold())
            out.append(form)
    return "|".join(out)


def _round_price(value: float) -> int:
    if value < 100:
        return max(1, round(value))
    step = 5 if value < 1000 else 10
    return int(step * round(value / step))


def _check_columns(frame: pd.DataFrame, what: str, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        msg = f"{what} lacks the column(s) {missing}; give it SPEC.md's places columns"
        raise ValueError(msg)


def _clean_places(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every places column present, text as stripped strings, lat/lon floats."""
    out = frame.copy()
    for col in PLACE_COLUMNS:
        if col not in out.columns:
            out[col] = ""
    for col in ("place_id", "name", "aliases", "kind", "category", "city", "parent_id"):
        out[col] = out[col].map(_text).astype(str)
    out["lat"] = pd.to_numeric(out["lat"], errors="coerce").astype(float)
    out["lon"] = pd.to_numeric(out["lon"], errors="coerce").astype(float)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- generation


@dataclass
class _Spots:
    """The areas merchants of one city can sit on, with per-topic weights."""

    frame: pd.DataFrame
    weights: np.ndarray  # (n_spots, n_topics)
    english: list[str]  # an English name of each spot, for branch names
    heat: np.ndarray  # how busy each spot is, mean 1


def _spots(areas: pd.DataFrame, city: str) -> _Spots:
    profile, _ = _profiles()
    frame = areas[(areas["kind"].isin(AREA_KINDS)) & (areas["city"] == city)]
    frame = frame.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    rows = []
    for pid, kind, category in zip(
        frame["place_id"], frame["kind"], frame["category"], strict=True
    ):
        default = np.full(len(TOPICS), 0.05 if kind == "landmark" else 0.2)
        if kind == "landmark" and category:
            default[TOPICS.index(topic_for_category(category))] = 2.0
        known = profile.get(pid)
        rows.append(default if known is None else np.where(np.isnan(known), default, known))
    weights = np.array(rows, dtype=float).reshape(len(frame), len(TOPICS))
    english = [
        next((a for a in aliases.split("|") if a and a.isascii()), name)
        for name, aliases in zip(frame["name"], frame["aliases"], strict=True)
    ]
    heat = weights.sum(axis=1)
    heat = heat / heat.mean() if len(heat) else heat
    return _Spots(frame, weights, english, heat)


def _quotas(n: int) -> dict[str, int]:
    """Largest-remainder split of n over the topics; every topic gets one when n allows."""
    raw = {t: n * TOPIC_SHARES[t] for t in TOPICS}
    quota = {t: int(v) for t, v in raw.items()}
    order = sorted(TOPICS, key=lambda t: (quota[t] - raw[t], TOPICS.index(t)))
    for t in order[: n - sum(quota.values())]:
        quota[t] += 1
    if n >= len(TOPICS):
        for t in TOPICS:
            if quota[t] == 0:
                quota[max(quota, key=quota.__getitem__)] -= 1
                quota[t] = 1
    return quota


@dataclass
class _Builder:
    rng: np.random.Generator
    vocab: _Vocabulary
    rows: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, set[str]] = field(default_factory=dict)
    prefix_uses: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self.prefix_uses = np.zeros(len(self.vocab.prefixes))

    # -- names
    def free(self, city: str, name: str) -> bool:
        return name.casefold() not in self.names.setdefault(city, set())

    def _prefix(self) -> _Word:
        w = 1.0 / (1.0 + self.prefix_uses) ** 2
        i = int(self.rng.choice(len(w), p=w / w.sum()))
        self.prefix_uses[i] += 1
        return self.vocab.prefixes[i]

    def suffix(self, topic: str) -> _Type:
        group = self.vocab.suffixes[topic]
        w = np.array([s.weight for s in group])
        return group[int(self.rng.choice(len(group), p=w / w.sum()))]

    def _english_name(self, kind: _Type) -> tuple[str, str, str]:
        """(English name, Chinese form, pinyin) from an adjective/noun pattern."""
        adj = self.vocab.adjectives[int(self.rng.integers(len(self.vocab.adjectives)))]
        noun = self.vocab.nouns[int(self.rng.integers(len(self.vocab.nouns)))]
        pattern = int(self.rng.choice(3, p=[0.4, 0.3, 0.3]))
        if pattern == 0:
            return (
                f"{adj.en} {noun.en}",
                adj.zh + noun.zh + kind.zh,
                _joined(adj.pinyin, noun.pinyin, kind.pinyin),
            )
        if pattern == 1:
            name = f"{adj.en} {noun.en} {kind.en}"
            return name, adj.zh + noun.zh + kind.zh, _joined(adj.pinyin, noun.pinyin, kind.pinyin)
        return f"{noun.en} {kind.en}", noun.zh + kind.zh, _joined(noun.pinyin, kind.pinyin)

    def invent_name(self, city: str, kind: _Type) -> dict[str, Any]:
        """Name fields of a new independent merchant, unique in its city."""
        english = self.rng.random() < _ENGLISH_NAME_SHARE[kind.topic]
        for attempt in range(200):
            if english and attempt < 40:
                name, zh, pinyin = self._english_name(kind)
                fields = {"name": name, "name_en": name, "name_pinyin": pinyin}
                forms = [zh, _title_pinyin(pinyin)]
            else:
                p = self._prefix()
                if attempt >= 60:  # crowded city: two prefixes
                    q = self._prefix()
                    p = _Word(p.zh + q.zh, f"{p.en} {q.en}", p.pinyin + q.pinyin)
                dot = "·" if self.rng.random() < 0.08 and _CJK.search(kind.zh) else ""
                name = f"{p.zh}{dot}{kind.zh}"
                pinyin = _joined(p.pinyin, kind.pinyin)
                en = f"{p.en} {kind.en}"
                fields = {"name": name, "name_en": en, "name_pinyin": pinyin}
                forms = [en, _title_pinyin(pinyin), f"{p.zh}{kind.zh}" if dot else ""]
            if self.free(city, fields["name"]):
                return fields | {"aliases": _aliases(fields["name"], forms)}
        n = len(self.names[city])
        name = f"{kind.zh or kind.en}{n}号"
        return {
            "name": name,
            "name_en": f"{kind.en} No. {n}",
            "name_pinyin": kind.pinyin,
            "aliases": "",
        }

    # -- rows
    def add(
        self, city: str, spots: _Spots, spot: int, kind: _Type, names: dict[str, Any], **extra: Any
    ) -> None:
        self.names.setdefault(city, set()).add(names["name"].casefold())
        area = spots.frame.iloc[spot]
        self.rows.append(
            {
                "city": city,
                "category": kind.category,
                "topic": kind.topic,
                "price_median": kind.price,
                "area_id": area["place_id"],
                "area_kind": area["kind"],
                "area_lat": float(area["lat"]),
                "area_lon": float(area["lon"]),
                "heat": float(spots.heat[spot]),
                "chain": "",
                "branch": "",
                "everyday_name": False,
                **names,
                **extra,
            }
        )

    def pick_spots(
        self, spots: _Spots, kind: _Type, k: int = 1, *, distinct: bool = False
    ) -> list[int]:
        w = spots.weights[:, TOPICS.index(kind.topic)].copy()
        ids, parents = spots.frame["place_id"].to_numpy(), spots.frame["parent_id"].to_numpy()
        for place, factor in _CATEGORY_BOOST.get(kind.category, {}).items():
            w[(ids == place) | (parents == place)] *= factor
        if distinct:
            k = min(k, int((w > 0).sum()))
        chosen = self.rng.choice(len(w), size=k, replace=not distinct, p=w / w.sum())
        return [int(i) for i in np.atleast_1d(chosen)]


def _fill_city(
    b: _Builder,
    city: str,
    spots: _Spots,
    quota: dict[str, int],
    *,
    chains: bool,
    everyday: bool,
    scale: float,
) -> None:
    """Chains, everyday names, then independents, until every topic's quota is met."""
    left = dict(quota)
    if chains:
        for chain in b.vocab.chains:
            k = min(round(chain.weight * math.sqrt(scale)), left[chain.topic])
            if k < 2:
                continue
            for spot in b.pick_spots(spots, chain, k, distinct=True):
                area = spots.frame.iloc[spot]
                branch = f"{area['name']}店"
                names = {
                    "name": f"{chain.zh}({branch})",
                    "name_en": f"{chain.en} ({spots.english[spot]})",
                    "name_pinyin": chain.pinyin,
                    "aliases": "|".join(
                        (chain.zh, chain.en, _title_pinyin(chain.pinyin), f"{chain.zh}{branch}")
                    ),
                }
                b.add(city, spots, spot, chain, names, chain=chain.zh, branch=branch)
                left[chain.topic] -= 1
    if everyday:
        k = int(np.clip(round(sum(quota.values()) / 40), 2, len(b.vocab.everyday)))
        for kind in b.vocab.everyday[:k]:
            if left[kind.topic] < 1 or not b.free(city, kind.zh):
                continue
            names = {
                "name": kind.zh,
                "name_en": kind.en,
                "name_pinyin": kind.pinyin,
                "aliases": _aliases(kind.zh, [*kind.aliases, kind.en, _title_pinyin(kind.pinyin)]),
            }
            b.add(city, spots, b.pick_spots(spots, kind)[0], kind, names, everyday_name=True)
            left[kind.topic] -= 1
    for topic in TOPICS:
        for _ in range(left[topic]):
            kind = b.suffix(topic)
            names = b.invent_name(city, kind)
            b.add(city, spots, b.pick_spots(spots, kind)[0], kind, names)


def _fill_second_city(
    b: _Builder, city: str, spots: _Spots, quota: dict[str, int], main: str
) -> None:
    """A second city's merchants; some named exactly like an independent of the main city."""
    originals = [
        r for r in b.rows if r["city"] == main and not r["chain"] and not r["everyday_name"]
    ]
    n_shared = round(_SHARED_NAME_SHARE * sum(quota.values()))
    for topic in TOPICS:
        pool = [r for r in originals if r["topic"] == topic]
        for _ in range(quota[topic]):
            if n_shared > 0 and pool:
                src = pool.pop(int(b.rng.integers(len(pool))))
                if b.free(city, src["name"]):
                    kind = _Type(topic, src["category"], "", "", "", src["price_median"], 1.0)
                    names = {k: src[k] for k in ("name", "name_en", "name_pinyin", "aliases")}
                    b.add(city, spots, b.pick_spots(spots, kind)[0], kind, names)
                    n_shared -= 1
                    continue
            kind = b.suffix(topic)
            b.add(city, spots, b.pick_spots(spots, kind)[0], kind, b.invent_name(city, kind))


def _place(rows: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Jitter each merchant around its area: along a road, or within a disc."""
    _, bearings = _profiles()
    n = len(rows)
    spread = rows["area_kind"].map(_SPREAD_M).fillna(100.0).to_numpy()
    along = rng.uniform(-1.0, 1.0, n) * spread
    across = rng.normal(0.0, _ACROSS_ROAD_M, n)
    radius = spread * np.sqrt(rng.uniform(0.0, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    bearing = np.radians(rows["area_id"].map(bearings).to_numpy(dtype=float))
    is_road = np.isfinite(bearing)
    bearing = np.where(is_road, bearing, 0.0)
    north = np.where(
        is_road, along * np.cos(bearing) - across * np.sin(bearing), radius * np.cos(angle)
    )
    east = np.where(
        is_road, along * np.sin(bearing) + across * np.cos(bearing), radius * np.sin(angle)
    )
    base_lat = rows["area_lat"].to_numpy(dtype=float)
    lat = base_lat + north / _M_PER_DEG
    lon = rows["area_lon"].to_numpy(dtype=float) + east / (
        _M_PER_DEG * np.cos(np.radians(base_lat))
    )
    return np.round(lat, 6), np.round(lon, 6)


def _latent(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(rows)
    chain = (rows["chain"] != "").to_numpy()
    quality = np.where(chain, rng.beta(6.0, 4.0, n), rng.beta(5.0, 3.0, n))
    noise = rng.lognormal(0.0, 0.55, n)
    popularity = (
        noise * (0.4 + quality) * np.sqrt(rows["heat"].to_numpy()) * np.where(chain, 1.5, 1.0)
    )
    price = rows["price_median"].to_numpy(dtype=float) * rng.lognormal(0.0, 0.22, n)
    return rows.assign(
        quality=np.round(quality, 4),
        popularity=np.round(popularity / popularity.mean(), 4),
        price=np.array([_round_price(p) for p in price], dtype=np.int64),
    )


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """MERCHANT_COLUMNS only, text as str, the numbers as float/int, everyday_name bool."""
    out = frame[list(MERCHANT_COLUMNS)].copy()
    for col in MERCHANT_COLUMNS:
        if col in ("lat", "lon", "quality", "popularity"):
            out[col] = out[col].astype(float)
        elif col == "price":
            out[col] = out[col].astype(np.int64)
        elif col == "everyday_name":
            out[col] = out[col].astype(bool)
        else:
            out[col] = out[col].astype(str)
    return out


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.assign(kind="merchant", parent_id=rows["area_id"])
    return _typed(out.sort_values("place_id", ignore_index=True))


def generate_merchants(
    areas: pd.DataFrame, rng: np.random.Generator, *, n: int = 480
) -> pd.DataFrame:
    """Invent the merchants of the sample city on its real areas.

    Parameters
    ----------
    areas
        Places in SPEC.md's columns, typically :func:`~loopmap.sample.geography.shanghai_areas`.
        Merchants sit on its roads, neighbourhoods and landmarks. The city with the
        most of them (上海) gets most merchants; every other city with areas (杭州)
        gets about 3% of ``n``, some named exactly like a main-city merchant.
    rng
        Random generator; the same seed gives an identical frame.
    n
        How many merchants in all (default 480; at least 10).

    Returns
    -------
    pandas.DataFrame
        :data:`MERCHANT_COLUMNS`, one row per merchant sorted by place_id
        (``sh-m0001``...: the city's place_id, ``-m``, a number). Kind
        ``merchant``; parent_id and area_id are the area it sits on, lat/lon
        within about 150 m of it (along a road, around a neighbourhood). Names are
        unique within a city; chain branches are named ``半岛咖啡(武康路店)`` with
        the chain's name, English and pinyin among their aliases.

    Raises
    ------
    ValueError
        When ``areas`` lacks SPEC.md's columns or has no road, neighbourhood or
        landmark, or ``n`` < 10.

    Examples
    --------
    >>> from loopmap.sample.geography import shanghai_areas
    >>> m = generate_merchants(shanghai_areas(), np.random.default_rng(0))
    >>> len(m), m["topic"].nunique()
    (480, 10)
    """
    _check_columns(areas, "areas", PLACE_COLUMNS)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 10:
        msg = f"n must be an integer of at least 10, got {n!r}"
        raise ValueError(msg)
    frame = _clean_places(areas)
    with_city = frame["kind"].isin(AREA_KINDS) & (frame["city"] != "")
    spot_counts = frame.loc[with_city, "city"].value_counts()
    if spot_counts.empty:
        msg = "areas has no road, neighborhood or landmark with a city to put merchants on"
        raise ValueError(msg)
    cities = sorted(spot_counts.index, key=lambda c: (-spot_counts[c], c))
    main, others = cities[0], cities[1:]
    n_other = round(_SECOND_CITY_SHARE * n)
    n_other = n_other if n_other >= 2 and n - n_other * len(others) >= 10 else 0

    b = _Builder(rng, _vocabulary())
    n_main = int(n) - n_other * len(others)
    _fill_city(
        b,
        main,
        _spots(frame, main),
        _quotas(n_main),
        chains=True,
        everyday=True,
        scale=n_main / 480,
    )
    for city in others if n_other else []:
        _fill_second_city(b, city, _spots(frame, city), _quotas(n_other), main)

    rows = pd.DataFrame(b.rows)
    city_rows = frame[frame["kind"] == "city"]
    city_ids = dict(zip(city_rows["name"], city_rows["place_id"], strict=True))
    ids = np.empty(len(rows), dtype=object)
    for city, index in rows.groupby("city", sort=True).groups.items():
        order = rng.permutation(np.asarray(index))
        width = max(4, len(str(len(order))))
        prefix = city_ids.get(city) or "m"
        for k, i in enumerate(order, start=1):
            ids[i] = f"{prefix}-m{k:0{width}d}"
    rows["place_id"] = ids
    rows["lat"], rows["lon"] = _place(rows, rng)
    return _finish(_latent(rows, rng))


# --------------------------------------------------------------------------- real cities


def _pinyin(text: str) -> str:
    """Lower-case pinyin of the Chinese characters in ``text`` (needs pypinyin; else "")."""
    cjk = "".join(_CJK.findall(text))
    if not cjk:
        return ""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        return ""
    return " ".join(s for s in lazy_pinyin(cjk) if s.isascii())


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _nearest_area(merchants: pd.DataFrame, places: pd.DataFrame) -> list[str]:
    """The nearest road or neighbourhood within reach of each merchant, else its parent."""
    out = merchants["parent_id"].tolist()
    areas = places[places["kind"].isin(("road", "neighborhood"))].dropna(subset=["lat", "lon"])
    ok = np.flatnonzero(merchants[["lat", "lon"]].notna().all(axis=1).to_numpy())
    if areas.empty or not len(ok):
        return out
    targets = _unit_vectors(areas["lat"].to_numpy(), areas["lon"].to_numpy())
    points = _unit_vectors(merchants["lat"].to_numpy()[ok], merchants["lon"].to_numpy()[ok])
    ids = areas["place_id"].to_numpy()
    reach = math.cos(_AREA_REACH_M / _EARTH_M)  # cosine of the angle 1 km subtends
    step = max(1, 2_000_000 // len(targets))
    for start in range(0, len(points), step):
        dots = points[start : start + step] @ targets.T
        best = dots.argmax(axis=1)
        for row, i, cos in zip(
            ok[start : start + step], best, dots[np.arange(len(best)), best], strict=True
        ):
            if cos >= reach:
                out[row] = str(ids[i])
    return out


def merchants_from_places(places: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Give a real city's merchants the latent columns the simulator needs.

    Parameters
    ----------
    places
        Places in SPEC.md's columns (from an OSM extract or a places file); only
        its ``merchant`` rows become merchants, the roads and neighbourhoods place
        them. aliases, category, city and parent_id may be missing or empty.
    rng
        Random generator; the same seed and places give an identical frame.

    Returns
    -------
    pandas.DataFrame
        The merchant rows, in input order, in :data:`MERCHANT_COLUMNS`: topic from
        the category, quality ~ Beta(5, 3), popularity (mean 1), price from the
        category's typical 人均, chain = the shared name when several merchants
        share it (ignoring a bracketed branch suffix), branch ``""``, name_en the
        name or its first Latin alias, name_pinyin when pypinyin is installed,
        area_id the nearest road or neighbourhood within 1 km (else parent_id),
        everyday_name False.

    Raises
    ------
    ValueError
        When ``places`` lacks place_id, name, kind, lat or lon.

    Examples
    --------
    >>> places = pd.DataFrame({"place_id": ["a", "b"], "name": ["Cafe A", "Bar B"],
    ...     "kind": ["merchant", "merchant"], "category": ["coffee", "bar"],
    ...     "lat": [60.17, 60.16], "lon": [24.94, 24.93]})
    >>> merchants_from_places(places, np.random.default_rng(0))["topic"].tolist()
    ['coffee', 'nightlife']
    """
    _check_columns(places, "places", ("place_id", "name", "kind", "lat", "lon"))
    frame = _clean_places(places)
    m = frame[frame["kind"] == "merchant"].reset_index(drop=True)
    n = len(m)
    topic = m["category"].map(topic_for_category)
    base = m["name"].map(lambda s: _BRANCH_TAIL.sub("", s).strip())
    key = base.str.casefold()
    counts = key.value_counts()
    first = dict(zip(key[::-1], base[::-1], strict=True))
    chain = np.array([first[k] if k and counts[k] > 1 else "" for k in key], dtype=object)

    quality = rng.beta(5.0, 3.0, n)
    noise = rng.lognormal(0.0, 0.55, n)
    popularity = noise * (0.4 + quality) * np.where(chain != "", 1.4, 1.0)
    prices = _category_prices()
    median = [prices.get(c, _PRICE_BY_TOPIC[t]) for c, t in zip(m["category"], topic, strict=True)]
    price = np.asarray(median, dtype=float) * rng.lognormal(0.0, 0.22, n)

    def english(name: str, aliases: str) -> str:
        if not _CJK.search(name):
            return name
        return next((a for a in aliases.split("|") if a and not _CJK.search(a)), "")

    out = m.assign(
        topic=topic,
        quality=np.round(quality, 4),
        popularity=np.round(popularity / popularity.mean(), 4) if n else popularity,
        price=np.array([_round_price(p) for p in price], dtype=np.int64),
        chain=chain,
        branch="",
        name_en=[english(a, b) for a, b in zip(m["name"], m["aliases"], strict=True)],
        name_pinyin=m["name"].map(_pinyin),
        area_id=_nearest_area(m, frame),
        everyday_name=False,
    )
    return _typed(out)
