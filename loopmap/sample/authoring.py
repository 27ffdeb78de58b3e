"""Turning simulated notes into note records: how the place is named, where the phone was.

For each note the simulator decided who wrote it, when, and what it is about
(a merchant they visited or wish to visit, a road or neighbourhood, a district,
nothing in particular). Here it gets its language, the surface forms that name
its place (by name, alias, branch, chain only, road/area only, district only, or
not at all), a device location with the coordinate system of the author's app,
a city hint, and its text from :func:`loopmap.sample.text.compose_note`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from loopmap.sample.users import Users, jitter
from loopmap.sample.world import Places, _is_ascii

__all__ = [
    "AREA",
    "DISTRICT",
    "MENTIONS",
    "NONE",
    "PAID",
    "SHARE",
    "WISH",
    "NoteBatch",
    "author_notes",
    "surface_forms",
]

# What a note is about (simulator's view).
SHARE, WISH, AREA, DISTRICT, NONE, PAID = range(6)
MENTIONS = ("name", "alias", "branch", "chain", "road", "district", "none")

# How merchant notes name their merchant; paid notes want to be found.
_MENTION_P = np.array([0.38, 0.14, 0.10, 0.08, 0.13, 0.06, 0.11])
_MENTION_P_PAID = np.array([0.62, 0.16, 0.16, 0.0, 0.06, 0.0, 0.0])
_LOCATED_P = np.array([0.5, 0.34, 0.42, 0.24, 0.2, 0.12])
_POI_P = np.array([0.36, 0.26, 0.0, 0.0, 0.0, 0.5])
_LENGTHS = ("short", "medium", "long")


@dataclass
class NoteBatch:
    """Notes created together, as parallel arrays.

    Attributes
    ----------
    created
        Local seconds.
    author
        User index.
    kind
        SHARE, WISH, AREA, DISTRICT, NONE or PAID.
    merchant, area
        The merchant (-1 none) or, for AREA/DISTRICT notes, the area (-1 none).
    topic
        Topic index.
    visit_ts
        For SHARE notes, when the author visited (-1 otherwise).
    rating
        How positive the note is (0..1).
    visited
        The author was at the place.
    """

    created: np.ndarray
    author: np.ndarray
    kind: np.ndarray
    merchant: np.ndarray
    area: np.ndarray
    topic: np.ndarray
    visit_ts: np.ndarray
    rating: np.ndarray
    visited: np.ndarray

    def __len__(self) -> int:
        return int(self.created.size)

    def take(self, idx: np.ndarray) -> NoteBatch:
        """The notes at ``idx``."""
        return NoteBatch(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))

    @classmethod
    def concat(cls, parts: list[NoteBatch]) -> NoteBatch:
        """The notes of all ``parts``."""
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__)
        )


def _pick(forms: list[str], en: bool, u: float) -> str:
    """A surface form: an ASCII one for English notes when there is one, mostly the name.

    Chinese notes name places in Chinese nine times in ten; the rest use any alias
    (English or pinyin spellings turn up in real posts too, but rarely).
    """
    if en:
        ascii_forms = [f for f in forms if _is_ascii(f)]
        if ascii_forms:
            forms = ascii_forms
    elif u < 0.9:
        chinese = [f for f in forms if not _is_ascii(f)]
        if chinese:
            forms = chinese
            u = u / 0.9
    if len(forms) == 1 or u < 0.7:
        return forms[0]
    return forms[1 + int((u - 0.7) / 0.3 * (len(forms) - 1)) % (len(forms) - 1)]


class _Forms:
    """Surface-form look-ups for one city (cached per world)."""

    def __init__(self, places: Places) -> None:
        self.p = places
        self.city_forms: dict[str, list[str]] = {}
        for forms, kind, city in zip(places.a_forms, places.a_kind, places.a_city, strict=True):
            if kind == "city" and forms[0] == city and city not in self.city_forms:
                self.city_forms[city] = forms
        self.city_forms.setdefault(places.city, [places.city, places.city_en])

    def city(self, name: str, en: bool, u: float) -> str:
        forms = self.city_forms.get(name, [name])
        if not en and u < 0.85:
            return forms[0]
        return _pick(forms, en, u)

    def area_ok(self, a: int) -> bool:
        return a >= 0 and self.p.a_kind[a] in ("neighborhood", "road", "landmark")

    def merchant(self, m: int, mention: str, en: bool, u: float) -> tuple[str, str]:
        """(mention, surface) for naming merchant ``m``, falling back to its name."""
        p = self.p
        name = p.m_en[m] if en else p.m_name[m]
        if mention == "alias" and p.m_aliases[m]:
            al = p.m_aliases[m]
            if en:
                al = [a for a in al if _is_ascii(a)] or al
            elif u < 0.95:  # Chinese notes rarely spell a name in pinyin
                pinyin = p.m_pinyin[m]
                al = [a for a in al if a.casefold().replace(" ", "") != pinyin] or al
            return "alias", al[int(u * len(al)) % len(al)]
        if en and mention in ("branch", "chain") and p.m_chain[m] and " (" in p.m_en[m]:
            # "Beluga Craft Beer (Julu Road)": the branch's English name, and its chain's.
            return (
                (mention, p.m_en[m]) if mention == "branch" else (mention, p.m_en[m].split(" (")[0])
            )
        if mention == "branch" and p.m_branch[m] and p.m_chain[m]:
            branch = p.m_branch[m]
            for a in p.m_aliases[m]:
                if branch in a and a != p.m_chain[m]:
                    return "branch", a
            return "branch", (f"{p.m_chain[m]} {branch}" if en else f"{p.m_chain[m]}{branch}")
        if mention == "chain" and p.m_chain[m]:
            return "chain", p.m_chain[m]
        return "name", name


def _device_points(
    batch: NoteBatch, places: Places, users: Users, rng: np.random.Generator, located: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """WGS-84 device points for located notes, and whether they were taken at the place."""
    n = len(batch)
    a = batch.author
    lat = users.home_lat[a].copy()
    lon = users.home_lon[a].copy()
    noise = np.full(n, 40.0)
    at_place = np.zeros(n, dtype=bool)
    m = batch.merchant
    on_spot = (batch.kind == SHARE) & (batch.created - batch.visit_ts <= 3 * 3_600)
    lat[on_spot] = places.m_lat[m[on_spot]]
    lon[on_spot] = places.m_lon[m[on_spot]]
    noise[on_spot] = 25.0
    at_place |= on_spot
    walk = (batch.kind == AREA) & batch.visited & (batch.area >= 0)
    lat[walk] = places.a_lat[batch.area[walk]]
    lon[walk] = places.a_lon[batch.area[walk]]
    noise[walk] = 150.0
    at_place |= walk
    lat, lon = jitter(rng, lat, lon, noise)
    return lat, lon, at_place, located


def _convert(
    lat: np.ndarray, lon: np.ndarray, systems: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Device points in each note's coordinate system (0 wgs84, 1 gcj02, 2 bd09)."""
    from geo.coords import wgs84_to_bd09, wgs84_to_gcj02

    out_lat, out_lon = lat.copy(), lon.copy()
    for code, fn in ((1, wgs84_to_gcj02), (2, wgs84_to_bd09)):
        sel = systems == code
        if sel.any():
            x, y = fn(lon[sel], lat[sel])
            out_lon[sel] = np.asarray(x, dtype=float)
            out_lat[sel] = np.asarray(y, dtype=float)
    return out_lat, out_lon


def author_notes(
    batch: NoteBatch,
    note_ids: list[str],
    times: list[str],
    places: Places,
    users: Users,
    forms: Any,
    rng: np.random.Generator,
) -> tuple[list[bytes], list[list[Any]]]:
    """Write the records of a batch of notes.

    Parameters
    ----------
    batch
        The notes.
    note_ids, times
        Their ids and formatted ``created_at``.
    places, users
        The world.
    forms
        The city's surface forms (:func:`surface_forms`).
    rng
        Random generator (also passed to ``compose_note``).

    Returns
    -------
    (lines, truth)
        One JSON line per note, and its truth row (see :mod:`loopmap.sample`).
    """
    from loopmap.sample.text import NotePlan, compose_note

    n = len(batch)
    u = rng.random((n, 14))
    located = u[:, 0] < _LOCATED_P[batch.kind]
    lat, lon, _, _ = _device_points(batch, places, users, rng, located)
    systems = np.zeros(n, dtype=np.int8)
    if places.china:
        systems = np.where(u[:, 1] < 0.7, 1, np.where(u[:, 1] < 0.85, 2, 0)).astype(np.int8)
    dlat, dlon = _convert(lat, lon, systems)
    sys_names = ("wgs84", "gcj02", "bd09")
    en_author = users.lang_en[batch.author]
    lang_en = np.where(u[:, 2] < 0.03, ~en_author, en_author)
    mention_u = np.where(
        (batch.kind == PAID)[:, None], np.cumsum(_MENTION_P_PAID), np.cumsum(_MENTION_P)
    )
    mention_i = (u[:, 3][:, None] > mention_u).sum(axis=1)
    length_i = np.where(
        batch.kind == PAID,
        np.where(u[:, 4] < 0.7, 2, 1),
        (u[:, 4][:, None] > [0.3, 0.75]).sum(axis=1),
    )
    p = places
    lines: list[bytes] = []
    truth: list[list[Any]] = []
    for j in range(n):
        kind = int(batch.kind[j])
        en = bool(lang_en[j])
        m = int(batch.merchant[j])
        t = int(batch.topic[j])
        uj = u[j]
        merchant_s = area_s = district_s = city_s = None
        place_id = surface = ""
        mention = "none"
        city_name = p.city
        category = p.topic_category[t]
        price = None
        if m >= 0:
            category = p.m_category[m] or category
            city_name = p.m_city[m]
            mention = MENTIONS[min(int(mention_i[j]), 6)]
            area = int(p.m_area[m])
            dist = int(p.m_district[m])
            if mention == "road" and not forms.area_ok(area):
                mention = "district"
            if mention == "district" and dist < 0:
                mention = "none"
            if mention in ("road", "district", "none"):
                a = area if mention == "road" else dist
                if a >= 0 and mention != "none":
                    s = _pick(p.a_forms[a], en, uj[5])
                    if mention == "road":
                        area_s = s
                    else:
                        district_s = s
                    place_id, surface = p.a_id[a], s
            else:
                mention, merchant_s = forms.merchant(m, mention, en, uj[5])
                place_id, surface = p.m_id[m], merchant_s
                p_area = 0.6 if mention == "chain" else 0.3
                if forms.area_ok(area) and uj[6] < p_area:
                    area_s = _pick(p.a_forms[area], en, uj[7])
                elif dist >= 0 and uj[6] > 0.85:
                    district_s = _pick(p.a_forms[dist], en, uj[7])
            if p.m_price[m] > 0 and uj[8] < 0.55:
                price = round(float(p.m_price[m]))
        elif kind in (AREA, DISTRICT) and batch.area[j] >= 0:
            a = int(batch.area[j])
            s = _pick(p.a_forms[a], en, uj[5])
            city_name = p.a_city[a]
            if kind == AREA:
                area_s, mention = s, "road"
            else:
                district_s, mention = s, "district"
            place_id, surface = p.a_id[a], s
        if uj[9] < (0.7 if city_name != p.city else 0.22):
            city_s = forms.city(city_name, en, uj[10])
        plan = NotePlan(
            lang="en" if en else "zh",
            topic=p.topics[t],
            category=category,
            merchant=merchant_s,
            area=area_s,
            district=district_s,
            city=city_s,
            rating=float(batch.rating[j]),
            price=price,
            visited=bool(batch.visited[j]),
            paid=kind == PAID,
            length=_LENGTHS[int(length_i[j])],
        )
        title, text, tags = compose_note(plan, rng)
        surfaces = [s for s in (merchant_s, area_s, district_s, city_s) if s]
        if title and text.strip() and uj[11] < 0.1 and all(s in text for s in surfaces):
            title = ""
        rec: dict[str, Any] = {
            "note_id": note_ids[j],
            "user_id": users.ids[int(batch.author[j])],
            "created_at": times[j],
        }
        if title:
            rec["title"] = title
        rec["text"] = text
        if tags:
            rec["tags"] = list(tags)
        if m >= 0 and uj[12] < (_POI_P[kind] + (0.3 if mention == "none" else 0.0)):
            rec["poi_id"] = p.m_id[m]
        if located[j]:
            rec["lat"] = round(float(dlat[j]), 6)
            rec["lon"] = round(float(dlon[j]), 6)
            rec["coord_sys"] = sys_names[int(systems[j])]
        if uj[13] < 0.88:
            at_spot = kind == SHARE and batch.created[j] - batch.visit_ts[j] <= 3 * 3_600
            rec["city"] = city_name if (at_spot or kind == AREA) else p.city
        lines.append(orjson.dumps(rec) + b"\n")
        truth.append(
            [
                "note",
                note_ids[j],
                place_id,
                p.m_id[m] if m >= 0 else "",
                p.topics[t],
                "en" if en else "zh",
                mention,
                surface,
                int(kind == PAID),
                int(bool(batch.visited[j])),
                "",
                "",
                "",
                int(users.role[int(batch.author[j])] != 0),
            ]
        )
    return lines, truth


def surface_forms(places: Places) -> _Forms:
    """The surface-form look-ups of a city."""
    return _Forms(places)
