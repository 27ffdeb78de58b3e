"""The gazetteer: every place, every form of its names, and the automaton that finds them.

A :class:`Gazetteer` is built once from a places table (SPEC.md's columns) and reused for any
number of notes. Building it:

1. **places**: kinds, coordinates and the parent chain are resolved once into arrays: each
   place's ancestors (parent, grandparent, ... up to :data:`MAX_DEPTH`), its city (the first
   ancestor of kind ``city``, else the city named in its ``city`` column) and its district.
2. **names**: every name and alias, normalised, with the forms derived from it
   (:func:`geo.name_forms.name_forms`: branch and chain names, 徐汇区 -> 徐汇, Road -> Rd, ...).
   One form may name many places: chain branches, the same road name in two cities, the same
   cafe name in 上海 and 杭州. Forms are kept as patterns with the places they name
   (a CSR layout: ``pattern_ptr``, ``pattern_place``, ``pattern_form``).
3. **flags** per pattern: whether it starts or ends with a Latin letter or digit (those need
   word boundaries), whether it is an everyday word and how much evidence it then needs
   (:func:`geo.lexicon.everyday_zipf`), its word probability when it is two Chinese
   characters (the word-edge rule), and the longer dictionary words containing short Chinese
   names, added as *blocker* patterns (:func:`geo.lexicon.containing_words`).
4. **automaton**: one Aho-Corasick automaton (ahocorasick-rs, contiguous NFA, over the UTF-8
   bytes of the patterns' matching codes, :mod:`geo.normalize`), built from the patterns in
   byte order, which builds it twice as fast. ``bench/bench_automata.py`` measures the
   alternatives (pyahocorasick, per-note searches, UTF-16, the other automaton kinds): at
   1,000,000 names this one builds in 5 s into 174 MB and searches 255,000 notes/s; UTF-16
   is no faster there and 1.6 times bigger and slower to build (it is 25 % faster with 50,000
   names); the DFA is 10 % faster but takes 26 s and 6.8 GB; pyahocorasick searches at
   100,000 notes/s in 622 MB.

A gazetteer of 1,000,000 names and aliases builds in about 9 s (``bench/bench_geocode.py``).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo import lexicon
from geo.name_forms import FORM_KINDS, clean, clean_many, forms_of
from geo.normalize import char_classes, to_matching

__all__ = [
    "BLOCKER",
    "EVERYDAY",
    "EVERYDAY_BASE_ZIPF",
    "KINDS",
    "LATIN_END",
    "LATIN_START",
    "MAX_DEPTH",
    "SPECIFICITY",
    "Gazetteer",
    "GazetteerError",
]

logger = logging.getLogger(__name__)

#: Place kinds, by code (the index in this tuple).
KINDS: Final = ("city", "district", "neighborhood", "road", "landmark", "merchant")
#: How specific each kind is (by code): a landmark says more than a road, and so on.
SPECIFICITY: Final = np.array([1, 2, 3, 4, 5, 5], dtype=np.int8)
#: Longest parent chain followed (a cycle in parent_id stops there).
MAX_DEPTH: Final = 8
#: Pattern flags.
LATIN_START: Final = 1
LATIN_END: Final = 2
EVERYDAY: Final = 4
BLOCKER: Final = 8

#: An everyday word needs evidence of strength (its Zipf frequency - this), at least 0.5:
#: 小院 (3.4) needs 0.9, 周末 (4.0) 1.5, 日常 (4.9) 2.4 (see geo.cues.CUES, geo.resolve).
EVERYDAY_BASE_ZIPF: Final = 2.5

_REQUIRED: Final = ("place_id", "name", "kind", "lat", "lon")


class GazetteerError(ValueError):
    """The places table cannot be made into a gazetteer (a missing column, a bad kind)."""


class Gazetteer:
    """Places and their name forms, ready to be searched for in notes.

    Build with :meth:`from_places`. Attributes ending in ``_`` are arrays indexed by place
    position (``kind_``, ``lat_``, ``lon_``, ``parent_``, ``ancestors_``, ``city_``,
    ``district_``) or by pattern (``pattern_ptr_``, ``pattern_place_``, ``pattern_form_``,
    ``pattern_flags_``, ``pattern_len_``).

    Attributes
    ----------
    places
        The rows it was built from, with a positional index.
    patterns
        Every searchable form, normalised; the first ``n_names`` name places, the rest are
        blocker words.
    """

    places: pd.DataFrame
    patterns: list[str]
    n_names: int

    def __init__(self) -> None:  # use from_places
        self.patterns = []
        self.n_names = 0
        self._form_index: dict[str, int] = {}
        self._city_lookup: dict[str, int] = {}
        self._position: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.places)

    def __repr__(self) -> str:
        return f"<Gazetteer: {len(self)} places, {self.n_names} name forms>"

    # -- building --------------------------------------------------------------------------

    @classmethod
    def from_places(cls, places: pd.DataFrame) -> Gazetteer:
        """Build a gazetteer from a places table.

        Parameters
        ----------
        places
            SPEC.md's places columns: place_id, name, kind, lat, lon required; aliases
            (``|``-joined, or a list), category, city, parent_id optional.

        Returns
        -------
        The gazetteer; ``places`` is a copy of the input with a positional index.

        Raises
        ------
        GazetteerError
            If a required column is missing, a kind is not one of :data:`KINDS`, or a
            place_id repeats.
        """
        t0 = time.perf_counter()
        self = cls()
        self.places = _checked(places)
        self._resolve_places()
        self._collect_names()
        self._flag_patterns()
        self._build_automaton()
        logger.info(
            "gazetteer: %d places, %d name forms, %d blocker words in %.2f s",
            len(self),
            self.n_names,
            len(self.patterns) - self.n_names,
            time.perf_counter() - t0,
        )
        return self

    def _resolve_places(self) -> None:
        p = self.places
        n = len(p)
        ids = p["place_id"].to_numpy(dtype=object)
        self.place_id_ = ids
        self._position = {pid: i for i, pid in enumerate(ids.tolist())}
        self.kind_ = pd.Categorical(p["kind"], categories=KINDS).codes.astype(np.int8)
        self.lat_ = p["lat"].to_numpy(dtype=np.float64)
        self.lon_ = p["lon"].to_numpy(dtype=np.float64)
        self.name_ = p["name"].astype(str).to_numpy(dtype=object)
        parent = np.full(n, -1, dtype=np.int32)
        if "parent_id" in p:
            index = pd.Index(ids)
            found = index.get_indexer(p["parent_id"].to_numpy(dtype=object))
            parent = found.astype(np.int32)
            parent[parent == np.arange(n)] = -1
        self.parent_ = parent
        anc = np.full((n, MAX_DEPTH), -1, dtype=np.int32)
        step = parent
        for d in range(MAX_DEPTH):
            anc[:, d] = step
            step = np.where(step >= 0, parent[np.maximum(step, 0)], -1)
        self.ancestors_ = anc
        self.city_ = self._first_ancestor_of(KINDS.index("city"))
        self.district_ = self._first_ancestor_of(KINDS.index("district"))
        self._city_lookup = self._city_names()
        if "city" in p:
            missing = np.flatnonzero(self.city_ < 0)
            names = p["city"].to_numpy(dtype=object)
            for i in missing.tolist():
                value = names[i]
                if isinstance(value, str) and value:
                    self.city_[i] = self._city_lookup.get(clean(value), -1)

    def _first_ancestor_of(self, kind: int) -> NDArray[np.int32]:
        """Index of each place's nearest ancestor of ``kind`` (itself included), else -1."""
        chain = np.concatenate([np.arange(len(self))[:, None], self.ancestors_], axis=1)
        kinds = np.where(chain >= 0, self.kind_[np.maximum(chain, 0)], -1)
        hit = kinds == kind
        first = hit.argmax(axis=1)
        out = chain[np.arange(len(self)), first].astype(np.int32)
        out[~hit.any(axis=1)] = -1
        return out

    def _city_names(self) -> dict[str, int]:
        """Normalised names and aliases of every city (even one-character ones such as 沪)."""
        lookup: dict[str, int] = {}
        for i in np.flatnonzero(self.kind_ == KINDS.index("city")).tolist():
            row = self.places.iloc[i]
            names = [row["name"], *_aliases(row.get("aliases"))]
            for form in (clean(str(x)) for x in names):
                lookup.setdefault(form, i)
                if form.endswith("市") and len(form) >= 3:
                    lookup.setdefault(form[:-1], i)
                if form.endswith(" city"):
                    lookup.setdefault(form[:-5], i)
        return lookup

    def _collect_names(self) -> None:
        p = self.places
        names = p["name"].astype(str).tolist()
        aliases = p["aliases"].tolist() if "aliases" in p else [None] * len(p)
        kinds = p["kind"].tolist()
        raw: list[str] = []
        sizes: list[int] = []
        for name, alias in zip(names, aliases, strict=True):
            more = _aliases(alias)
            raw.append(name)
            raw.extend(more)
            sizes.append(1 + len(more))
        cleaned = clean_many(raw)
        index: dict[str, int] = {}
        pattern: list[int] = []
        owner: list[int] = []
        how: list[int] = []
        at = 0
        for i, (size, kind) in enumerate(zip(sizes, kinds, strict=True)):
            for form, k in forms_of(cleaned[at : at + size], kind):
                pattern.append(index.setdefault(form, len(index)))
                owner.append(i)
                how.append(k)
            at += size
        # one row per (pattern, place), with the most direct form kind; sorted by pattern
        n_places = max(len(p), 1)
        key = np.asarray(pattern, dtype=np.int64) * n_places + np.asarray(owner, dtype=np.int64)
        key = key * 4 + np.asarray(how, dtype=np.int64)
        key.sort()
        first = np.ones(len(key), dtype=bool)
        first[1:] = (key[1:] >> 2) != (key[:-1] >> 2)
        key = key[first]
        kind_of = (key & 3).astype(np.int8)
        pat, place = np.divmod(key >> 2, n_places)
        self.patterns = list(index)
        self.n_names = len(self.patterns)
        self._form_index = index
        self.pattern_place_ = place.astype(np.int32)
        self.pattern_form_ = kind_of
        counts = np.bincount(pat, minlength=self.n_names)
        self.pattern_ptr_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def _flag_patterns(self) -> None:
        names = self.patterns
        n = self.n_names
        codes, starts, lengths = _codes_of(names)
        first = codes[starts]
        last = codes[starts + np.maximum(lengths, 1) - 1]
        alnum = _ascii_alnum()
        flags = np.where(alnum[np.minimum(first, 0x7F)] & (first < 0x80), LATIN_START, 0)
        flags = flags | np.where(alnum[np.minimum(last, 0x7F)] & (last < 0x80), LATIN_END, 0)
        flags = flags.astype(np.uint8)
        # Everyday words (geo.lexicon): any kind but cities; Chinese ones name merchants only.
        owner_kind = self.kind_[self.pattern_place_]
        pattern_of_pair = np.repeat(np.arange(n), np.diff(self.pattern_ptr_))
        not_shop = np.zeros(n, dtype=bool)
        not_shop[pattern_of_pair[owner_kind != KINDS.index("merchant")]] = True
        city = np.zeros(n, dtype=bool)
        city[pattern_of_pair[owner_kind == KINDS.index("city")]] = True
        spaced = np.zeros(n, dtype=bool)
        spaced[np.searchsorted(starts, np.flatnonzero(codes == 32), side="right") - 1] = True
        latin = (flags & LATIN_START) > 0
        # one Latin word, or a short Chinese merchant name: the only possible everyday words
        candidates = np.flatnonzero(
            ~city
            & (lengths <= _LONGEST_WORD)
            & ((latin & ~spaced) | (~latin & ~not_shop & (lengths <= _LONGEST_CJK_WORD)))
        )
        zipf = np.zeros(n, dtype=np.float32)
        zipf[candidates] = lexicon.everyday_zipf(
            [names[i] for i in candidates.tolist()], (~not_shop[candidates]).tolist()
        )
        flags[zipf > 0] |= EVERYDAY
        need = np.where(zipf > 0, np.maximum(zipf - EVERYDAY_BASE_ZIPF, 0.5), 0.0)
        # Blocker words: longer dictionary words around short Chinese names.
        short = np.flatnonzero((lengths >= 2) & (lengths <= lexicon.MAX_SHORT_NAME) & ~latin)
        found = lexicon.containing_words(names, short.tolist())
        extra = sorted(
            word
            for word, inside in found.items()
            if word not in self._form_index and _blocks(word, inside, names)
        )
        self.patterns = names + extra
        self.pattern_flags_ = np.concatenate([flags, np.full(len(extra), BLOCKER, np.uint8)])
        self.pattern_need_ = np.concatenate([need, np.zeros(len(extra))]).astype(np.float32)
        self.pattern_len_ = np.concatenate(
            [lengths, np.fromiter(map(len, extra), np.int64, len(extra))]
        ).astype(np.int32)
        # Log probability of two-character Chinese names (the word-edge rule, geo.lexicon);
        # the rule's word table is read now, so that the first search does not pay for it.
        lexicon.two_char_words()
        self.pattern_logp_ = np.zeros(len(self.patterns), dtype=np.float32)
        for i in np.flatnonzero((lengths == 2) & ~latin).tolist():
            self.pattern_logp_[i] = lexicon.word_logp(names[i])
        # Names of cities and districts only (no point-like place).
        point = np.zeros(len(self.patterns), dtype=bool)
        point[pattern_of_pair[owner_kind > KINDS.index("district")]] = True
        self.pattern_area_ = ~point
        self.pattern_area_[n:] = False
        road = np.zeros(len(self.patterns), dtype=bool)
        road[pattern_of_pair[owner_kind == KINDS.index("road")]] = True
        self.road_pattern_ = road

    def _build_automaton(self) -> None:
        import ahocorasick_rs

        char_classes()  # the search's character classes, made once
        # Built from the patterns in byte order (twice as fast as in any other order, for
        # locality); automaton_pattern_ maps the automaton's pattern numbers back to ours.
        encoded = utf8_patterns(self.patterns)
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        self.automaton_pattern_ = np.asarray(order, dtype=np.int64)
        self.automaton_ = ahocorasick_rs.BytesAhoCorasick(
            [encoded[i] for i in order],
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        )

    # -- look-ups ----------------------------------------------------------------------------

    def position(self, place_id: str) -> int:
        """Positional index of ``place_id``, or -1 when it is not a place of this gazetteer."""
        return self._position.get(place_id, -1)

    def positions(self, place_ids: Sequence[Any]) -> NDArray[np.int32]:
        """Positional indexes of many place ids (-1 for unknown ones, None and NaN)."""
        get = self._position.get
        return np.fromiter(
            (get(p, -1) if isinstance(p, str) else -1 for p in place_ids),
            dtype=np.int32,
            count=len(place_ids),
        )

    def pattern_index(self, form: str) -> int:
        """Index of the name pattern of a normalised form, or -1."""
        i = self._form_index.get(form, -1)
        return i if i < self.n_names else -1

    def city_index(self, name: str) -> int:
        """Position of the city a name or alias denotes (上海, Shanghai, 魔都, 沪), or -1."""
        return self._city_lookup.get(clean(name), -1)

    def places_named(self, name: str) -> list[str]:
        """place_ids of the places a name (any spelling, normalised here) denotes."""
        i = self.pattern_index(clean(name))
        if i < 0:
            return []
        lo, hi = self.pattern_ptr_[i], self.pattern_ptr_[i + 1]
        return [str(self.place_id_[j]) for j in self.pattern_place_[lo:hi]]

    def pattern_places(self, pattern: int) -> NDArray[np.int32]:
        """Positions of the places a name pattern denotes."""
        return self.pattern_place_[self.pattern_ptr_[pattern] : self.pattern_ptr_[pattern + 1]]

    def describe_form(self, pattern: int, place: int) -> str:
        """How a pattern reaches a place: ``name``, ``alias``, ``derived`` or ``chain``."""
        lo, hi = self.pattern_ptr_[pattern], self.pattern_ptr_[pattern + 1]
        hit = np.flatnonzero(self.pattern_place_[lo:hi] == place)
        return FORM_KINDS[int(self.pattern_form_[lo + hit[0]])] if hit.size else ""


#: Longest names looked up as everyday words, Latin and Chinese.
_LONGEST_WORD: Final = 12
_LONGEST_CJK_WORD: Final = 6


def utf8_patterns(patterns: list[str]) -> list[bytes]:
    """The UTF-8 bytes of the matching codes of each normalised pattern.

    Characters outside the BMP become their matching placeholders (geo.normalize), as they do
    in the texts searched.
    """
    out = [p.encode("utf-8") for p in patterns]
    if out and np.frombuffer(b"".join(out), dtype=np.uint8).max(initial=0) >= 0xF0:
        for i, p in enumerate(patterns):
            if max(p) >= "\U00010000":
                out[i] = to_matching(p).decode("utf-16-le").encode("utf-8")
    return out


def _codes_of(
    texts: list[str],
) -> tuple[NDArray[np.uint32], NDArray[np.int64], NDArray[np.int64]]:
    """All code points of many texts, each followed by NUL; each text's start and length."""
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(1, dtype=np.uint32), empty, empty
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.flatnonzero(codes == 0).astype(np.int64)
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    return codes, starts, ends - starts


def _ascii_alnum() -> NDArray[np.bool_]:
    table = np.zeros(0x80, dtype=bool)
    for c in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = True
    return table


def _aliases(value: Any) -> list[str]:
    """Aliases from a '|'-joined string or a list; nothing for None, NaN and ''."""
    if isinstance(value, str):
        parts = value.split("|")
        return parts if all(parts) else [a for a in parts if a.strip()]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(a) for a in value if isinstance(a, str) and a.strip()]
    return []


_LOCATIVE: Final = frozenset("畔边旁上里内外侧儿")


def _blocks(word: str, inside: list[tuple[int, int, int]], names: list[str]) -> bool:
    """Whether a dictionary word containing names should stop those names from matching.

    It should not when it is a name plus a locative or diminutive ending (西湖畔 "by West
    Lake", 小院儿), or when it is a compound of two places (上海南京东路: 上海 and 南京东路 side by
    side, which are both mentions).
    """
    for i, start, _ in inside:
        if start == 0 and all(c in _LOCATIVE for c in word[len(names[i]) :]):
            return False
    spans = sorted((start, end) for _, start, end in inside)
    return all(b_start < a_end for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def _checked(places: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _REQUIRED if c not in places.columns]
    if missing:
        msg = (
            f"places table lacks column(s) {', '.join(missing)}: a gazetteer needs "
            f"{', '.join(_REQUIRED)} (SPEC.md's places columns)"
        )
        raise GazetteerError(msg)
    out = places.reset_index(drop=True).copy()
    bad = ~out["kind"].isin(KINDS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        msg = (
            f"place {out['place_id'].iloc[row]!r} (row {row}) has kind {out['kind'].iloc[row]!r}: "
            f"use one of {', '.join(KINDS)}"
        )
        raise GazetteerError(msg)
    dup = out["place_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        msg = f"place_id {out['place_id'].iloc[row]!r} repeats (row {row}): place ids are keys"
        raise GazetteerError(msg)
    out["place_id"] = out["place_id"].astype(str)
    return out
