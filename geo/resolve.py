"""Resolution: which place each mention denotes, and which place each note is about.

Every distinct name a note mentions (all occurrences of one name in a note are decided
together) gets the gazetteer's places for that name as candidates, and each candidate is
scored from the note's context. The score is a sum of evidence, each piece kept apart so the
decision can be explained by the piece that separated the winner from the runner-up:

============  ==========================================================================
evidence       score
============  ==========================================================================
poi_id         +3 when it is the note's poi_id; +1.5 when the poi lies in it or it in the poi
ancestor       a co-mentioned place is one of its ancestors: +2 (road, landmark,
               neighbourhood), +1.2 (district), +0.5 (city)
descendant     it contains a co-mentioned place: +1 (+0.3 for a district or city)
city           the note's ``city`` field names its city: +1; names another city: -1.5
device         distance to the device location (WGS-84): +2 within the kind's radius
               (0.3 km for a merchant ... 40 km for a city), +1 within 3 radii, -1.5 beyond
               max(30 km, 20 radii)
distance       nearest candidate of another mention within 1 km: +0.5; all beyond 30 km: -1
prior          up to +0.5, by log popularity (the ``priors`` argument)
tag            a tag of the note names it: +1
form           the name is its name +0.2, an alias +0.1, a chain name 0, derived -0.2
============  ==========================================================================

Everyday-word names are accepted only when the evidence for them adds up to what the word
needs (:attr:`geo.gazetteer.Gazetteer.pattern_need_`): the lexical cues around its
occurrences (:data:`geo.cues.CUES`) plus context: the poi_id (3), a
co-mentioned road, landmark or neighbourhood it lies in (2) or district (0.5), a co-mentioned
place it contains (2: 鼓楼 with 灯塔小酒馆(鼓楼店)), its city named or hinted (0.5), the device
within 0.5 km (2), a tag equal to it (1.5, unless a hashtag equal to it already counted: the
tags are the hashtags). Even then, an occurrence without a cue of its own is dropped where it
reads as the word (:func:`geo.cues.ordinary_word`: 这个周末, 我的日常, #日常碎片).

Then each note's primary place is chosen (:func:`geo.primary.primary_places`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, TypedDict

import numpy as np
from numpy.typing import NDArray

from geo.cues import CUES, ordinary_word
from geo.gazetteer import EVERYDAY, KINDS, MAX_DEPTH, SPECIFICITY, Gazetteer
from geo.mentions import Mentions
from geo.primary import primary_places

__all__ = ["EVIDENCE", "NoteContext", "Resolution", "haversine_km", "resolve_mentions"]

logger = logging.getLogger(__name__)

#: The evidence kinds, in the column order of the score contributions.
EVIDENCE: Final = (
    "poi_id",
    "ancestor",
    "descendant",
    "city",
    "device",
    "distance",
    "prior",
    "tag",
    "form",
)
_POI, _ANC, _DESC, _CITY, _DEV, _DIST, _PRIOR, _TAG, _FORM = range(len(EVIDENCE))
_ANCESTOR_SCORE: Final = np.array([0.5, 1.2, 2.0, 2.0, 2.0, 2.0])  # by the ancestor's kind
_RADIUS_KM: Final = np.array([40.0, 6.0, 1.0, 0.8, 0.3, 0.3])  # by the candidate's kind
_FORM_SCORE: Final = np.array([0.2, 0.1, -0.2, 0.0])
_CITY_KIND: Final = KINDS.index("city")
_DISTRICT_KIND: Final = KINDS.index("district")
_AREA_KINDS: Final = (_CITY_KIND, _DISTRICT_KIND)
#: A name with more places than this keeps the nearest (or most popular) ones only.
MAX_CANDIDATES: Final = 64
_EARTH_KM: Final = 6371.0088
_HASHTAG_CUE: Final = 2  # a hashtag equal to it: the same evidence as a tag equal to it
_CUE_STRENGTH: Final = np.array([strength for _, strength in CUES], dtype=np.float64)


@dataclass(frozen=True)
class NoteContext:
    """What a note says besides its text, one entry per note.

    Attributes
    ----------
    poi
        Gazetteer position of the note's poi_id, -1 when none or unknown.
    lon, lat
        The device location in WGS-84, NaN when none.
    city
        Position of the city the note's ``city`` field names, -1 when none or unknown.
    title_len
        Length of the title (the haystack's first ``title_len`` characters).
    tag_note, tag_pattern
        Tags that are place names: the note index and the name pattern, one row per tag.
    """

    poi: NDArray[np.int32]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    city: NDArray[np.int32]
    title_len: NDArray[np.int64]
    tag_note: NDArray[np.int64]
    tag_pattern: NDArray[np.int64]


@dataclass(frozen=True)
class Resolution:
    """The decisions, by mention group (one name in one note) and by note.

    Group arrays (``g_*``): the note, the pattern, the chosen place (-1 when rejected), how
    many candidates there were, the score margin over the runner-up, the deciding evidence
    (an index in :data:`EVIDENCE`, -1 when there was one candidate) with its place argument
    and distance, the everyday-word evidence gathered (NaN for ordinary names), the number
    of mentions, whether one is in the title, and the row of its first mention.
    ``mention_group`` maps each mention to its group, ``mention_ok`` says which mentions
    count. Note arrays: the primary place (-1 for none) and the group that named it (-1 when
    it comes from the poi_id or nothing).
    """

    g_note: NDArray[np.int64]
    g_pattern: NDArray[np.int64]
    g_place: NDArray[np.int64]
    g_candidates: NDArray[np.int64]
    g_margin: NDArray[np.float64]
    g_why: NDArray[np.int64]
    g_why_place: NDArray[np.int64]
    g_why_km: NDArray[np.float64]
    g_everyday: NDArray[np.float64]
    g_count: NDArray[np.int64]
    g_in_title: NDArray[np.bool_]
    g_first_row: NDArray[np.int64]
    mention_group: NDArray[np.int64]
    mention_ok: NDArray[np.bool_]
    primary: NDArray[np.int64]
    primary_group: NDArray[np.int64]


def resolve_mentions(
    mentions: Mentions,
    context: NoteContext,
    gazetteer: Gazetteer,
    *,
    prior: NDArray[np.float64] | None = None,
    haystacks: list[str] | None = None,
) -> Resolution:
    """Choose a place for every mention group and a primary place for every note.

    Parameters
    ----------
    mentions
        From :func:`geo.mentions.find_mentions`.
    context
        The notes' poi_id, device location, city field, title length and tags.
    gazetteer
        The places.
    prior
        Popularity per gazetteer position (any non-negative scale), or None.
    haystacks
        The notes' haystacks, to read the words around some mentions (an everyday word used
        as the word, visit words, 的-phrases); without them those checks are skipped.

    Returns
    -------
    The decisions (see :class:`Resolution`).
    """
    gaz = gazetteer
    groups = _groups(mentions, context, gaz)
    g_note, g_pat = groups["note"], groups["pattern"]
    pairs = _candidates(g_note, g_pat, context, gaz, prior)
    support = (groups["tentative"] == 0) | (groups["cue"] > 0)
    contrib, why_place, why_km = _evidence(pairs, g_note, g_pat, support, context, gaz, prior)
    score = contrib.sum(axis=1) + 0.01 * SPECIFICITY[gaz.kind_[pairs["place"]]]
    best, second = _best_two(pairs["group"], score, len(g_note))
    g_place = pairs["place"][best]
    margin = np.where(second >= 0, score[best] - score[np.maximum(second, 0)], np.inf)
    diff = contrib[best] - np.where(second[:, None] >= 0, contrib[np.maximum(second, 0)], 0)
    g_why = np.where(second >= 0, diff.argmax(axis=1), -1)
    g_why_place = why_place[best, np.maximum(g_why, 0)]
    g_why_km = why_km[best, np.maximum(g_why, 0)]

    # Everyday words: accepted when the evidence adds up to what the word needs.
    need = gaz.pattern_need_[g_pat]
    everyday = groups["tentative"] > 0
    c = contrib[best]
    context_evidence = (
        np.where(c[:, _POI] >= 3, 3.0, np.where(c[:, _POI] > 0, 1.5, 0.0))
        + np.where(c[:, _ANC] >= 2.0, 2.0, np.where(c[:, _ANC] >= 1.0, 0.5, 0.0))
        + np.where(c[:, _DESC] >= 1.0, 2.0, 0.0)
        + np.where((c[:, _CITY] > 0) | ((c[:, _ANC] > 0) & (c[:, _ANC] < 1.0)), 0.5, 0.0)
        + np.where(c[:, _DEV] >= 2.0, 2.0, 0.0) * (why_km[best, _DEV] <= 0.5)
        + np.where((c[:, _TAG] > 0) & ~groups["hashtag"].astype(bool), 1.5, 0.0)
    )
    g_everyday = np.where(everyday, groups["cue"] + context_evidence, np.nan)
    g_place = np.where(everyday & (g_everyday < need), -1, g_place)

    mention_group = groups["of_mention"]
    mention_ok = g_place[mention_group] >= 0
    # An occurrence of an accepted everyday word without a cue of its own still does not
    # count where it reads as the word (这个周末, #日常碎片, my daily coffee).
    if haystacks is not None:
        maybe = np.flatnonzero(mention_ok & (mentions.cue < 0))
        for row in maybe.tolist():
            text = haystacks[int(mentions.note[row])]
            if ordinary_word(text, int(mentions.start[row]), int(mentions.end[row])):
                mention_ok[row] = False
    count = np.bincount(mention_group[mention_ok], minlength=len(g_note))
    in_title = np.zeros(len(g_note), dtype=bool)
    titled = mention_ok & (mentions.start < context.title_len[mentions.note])
    in_title[mention_group[titled]] = True
    g_place = np.where(count > 0, g_place, -1)
    primary, primary_group = primary_places(
        mentions,
        mention_group,
        mention_ok,
        g_note,
        g_place,
        count,
        in_title,
        groups["first"],
        context.poi,
        gaz,
        haystacks,
    )
    return Resolution(
        g_note=g_note,
        g_pattern=g_pat,
        g_place=g_place,
        g_candidates=np.bincount(pairs["group"], minlength=len(g_note)),
        g_margin=margin,
        g_why=g_why,
        g_why_place=g_why_place,
        g_why_km=g_why_km,
        g_everyday=g_everyday,
        g_count=count,
        g_in_title=in_title,
        g_first_row=groups["first_row"],
        mention_group=mention_group,
        mention_ok=mention_ok,
        primary=primary,
        primary_group=primary_group,
    )


class _Groups(TypedDict):
    """Per (note, pattern) group arrays, and each mention's group (``of_mention``)."""

    note: NDArray[np.int64]
    pattern: NDArray[np.int64]
    first: NDArray[np.int64]
    first_row: NDArray[np.int64]
    cue: NDArray[np.float64]
    tentative: NDArray[np.int64]
    hashtag: NDArray[np.int64]
    of_mention: NDArray[np.int64]


def _groups(mentions: Mentions, context: NoteContext, gaz: Gazetteer) -> _Groups:
    """One group per (note, pattern): its first offset, cue strength, everyday flag."""
    m_note, m_pat = mentions.note, mentions.pattern
    key = m_note * len(gaz.patterns) + m_pat
    uniq, first_row, of_mention = np.unique(key, return_index=True, return_inverse=True)
    note = m_note[first_row]
    pattern = m_pat[first_row]
    first = np.full(len(uniq), np.iinfo(np.int64).max)
    np.minimum.at(first, of_mention, mentions.start)
    # Cue strength: the sum over the distinct cue kinds seen at any occurrence.
    cue = np.zeros(len(uniq))
    has = mentions.cue > 0
    if has.any():
        kinds = np.unique(of_mention[has] * 16 + mentions.cue[has])
        np.add.at(cue, kinds // 16, _CUE_STRENGTH[kinds % 16])
    hashtag = np.zeros(len(uniq), dtype=np.int64)
    hashtag[of_mention.ravel()[mentions.cue == _HASHTAG_CUE]] = 1
    tentative = ((gaz.pattern_flags_[pattern] & EVERYDAY) > 0).astype(np.int64)
    return {
        "note": note,
        "pattern": pattern,
        "first": first,
        "first_row": first_row,
        "cue": cue,
        "tentative": tentative,
        "hashtag": hashtag,
        "of_mention": of_mention.ravel(),
    }


def _candidates(
    g_note: NDArray[np.int64],
    g_pat: NDArray[np.int64],
    context: NoteContext,
    gaz: Gazetteer,
    prior: NDArray[np.float64] | None,
) -> dict[str, NDArray[np.int64]]:
    """(group, place, form) for every candidate of every group, capped per group."""
    lo = gaz.pattern_ptr_[g_pat]
    count = gaz.pattern_ptr_[g_pat + 1] - lo
    group = np.repeat(np.arange(len(g_pat)), count)
    within = np.arange(len(group)) - np.repeat(np.cumsum(count) - count, count)
    index = lo[group] + within
    big = np.flatnonzero(count > MAX_CANDIDATES)
    if big.size:
        keep = np.ones(len(group), dtype=bool)
        starts = np.cumsum(count) - count
        for g in big.tolist():
            sl = slice(starts[g], starts[g] + count[g])
            places = gaz.pattern_place_[index[sl]]
            n = int(g_note[g])
            if np.isfinite(context.lat[n]):
                rank = haversine_km(
                    context.lon[n], context.lat[n], gaz.lon_[places], gaz.lat_[places]
                )
            elif prior is not None:
                rank = -prior[places]
            else:
                rank = np.arange(len(places), dtype=np.float64)
            drop = np.argsort(rank, kind="stable")[MAX_CANDIDATES:]
            keep[starts[g] + drop] = False
        group, index = group[keep], index[keep]
    return {
        "group": group,
        "place": gaz.pattern_place_[index].astype(np.int64),
        "form": gaz.pattern_form_[index].astype(np.int64),
    }


def _evidence(
    pairs: dict[str, NDArray[np.int64]],
    g_note: NDArray[np.int64],
    g_pat: NDArray[np.int64],
    support: NDArray[np.bool_],
    context: NoteContext,
    gaz: Gazetteer,
    prior: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Score contributions per candidate pair and evidence kind, with each kind's argument."""
    group, place = pairs["group"], pairs["place"]
    note, pat = g_note[group], g_pat[group]
    n = len(group)
    n_places = len(gaz)
    contrib = np.zeros((n, len(EVIDENCE)))
    arg_place = np.full((n, len(EVIDENCE)), -1, dtype=np.int64)
    arg_km = np.full((n, len(EVIDENCE)), np.nan)
    kind = gaz.kind_[place]

    # poi_id
    poi = context.poi[note]
    contrib[:, _POI] = np.where(place == poi, 3.0, 0.0)
    related = np.zeros(n, dtype=bool)
    for d in range(MAX_DEPTH):
        anc_of_poi = np.where(poi >= 0, gaz.ancestors_[np.maximum(poi, 0), d], -1)
        anc_of_place = gaz.ancestors_[place, d]
        related |= ((anc_of_poi == place) & (kind > _DISTRICT_KIND)) | (
            (anc_of_place == poi) & (poi >= 0) & (gaz.kind_[np.maximum(poi, 0)] > _DISTRICT_KIND)
        )
    contrib[:, _POI] = np.maximum(contrib[:, _POI], np.where(related, 1.5, 0.0))

    # co-mentioned ancestors and descendants (candidates of other names of the note)
    s_group = np.flatnonzero(support[group])
    s_note, s_place, s_pat = note[s_group], place[s_group], pat[s_group]
    table = _KeySet(s_note * n_places + s_place, s_pat)
    found = np.zeros(n, dtype=bool)
    for d in range(MAX_DEPTH):
        a = gaz.ancestors_[place, d]
        look = ~found & (a >= 0)
        if not look.any():
            break
        rows = np.flatnonzero(look)
        hit = table.contains(note[rows] * n_places + a[rows], pat[rows])
        rows = rows[hit]
        found[rows] = True
        contrib[rows, _ANC] = _ANCESTOR_SCORE[gaz.kind_[a[rows]]]
        arg_place[rows, _ANC] = a[rows]
    # descendants: ancestors of supporting candidates
    d_keys, d_pats, d_desc = [], [], []
    for d in range(MAX_DEPTH):
        a = gaz.ancestors_[s_place, d]
        ok = (a >= 0) & (gaz.kind_[np.maximum(a, 0)] != _CITY_KIND)
        if not ok.any():
            break
        d_keys.append(s_note[ok] * n_places + a[ok])
        d_pats.append(s_pat[ok])
        d_desc.append(s_place[ok])
    if d_keys:
        desc_table = _KeySet(np.concatenate(d_keys), np.concatenate(d_pats), np.concatenate(d_desc))
        hit, desc = desc_table.lookup(note * n_places + place, pat)
        area = np.isin(kind, _AREA_KINDS)
        contrib[hit, _DESC] = np.where(area[hit], 0.3, 1.0)
        arg_place[hit, _DESC] = desc[hit]

    # the note's city field
    note_city = context.city[note]
    cand_city = gaz.city_[place]
    known = (note_city >= 0) & (cand_city >= 0)
    contrib[:, _CITY] = np.where(known, np.where(cand_city == note_city, 1.0, -1.5), 0.0)
    arg_place[:, _CITY] = np.where(known, note_city, -1)

    # the device location
    lon, lat = context.lon[note], context.lat[note]
    has_dev = np.isfinite(lat)
    if has_dev.any():
        km = haversine_km(lon, lat, gaz.lon_[place], gaz.lat_[place])
        radius = _RADIUS_KM[kind]
        dev = np.select(
            [km <= radius, km <= 3 * radius, km > np.maximum(30.0, 20 * radius)], [2.0, 1.0, -1.5]
        )
        contrib[:, _DEV] = np.where(has_dev, dev, 0.0)
        arg_km[:, _DEV] = km

    # distance to other names' candidates
    near_km, near_place = _nearest_other(note, pat, place, s_group, gaz)
    contrib[:, _DIST] = np.select([near_km <= 1.0, near_km > 30.0], [0.5, -1.0], 0.0)
    contrib[np.isnan(near_km), _DIST] = 0.0
    arg_km[:, _DIST] = near_km
    arg_place[:, _DIST] = near_place

    if prior is not None and len(prior):
        top = np.log1p(max(float(prior.max()), 0.0))
        if top > 0:
            contrib[:, _PRIOR] = 0.5 * np.log1p(np.maximum(prior[place], 0.0)) / top

    if len(context.tag_note):
        t_lo = gaz.pattern_ptr_[context.tag_pattern]
        t_count = gaz.pattern_ptr_[context.tag_pattern + 1] - t_lo
        t_note = np.repeat(context.tag_note, t_count)
        t_index = np.repeat(t_lo, t_count) + (
            np.arange(t_count.sum()) - np.repeat(np.cumsum(t_count) - t_count, t_count)
        )
        t_keys = np.unique(t_note * n_places + gaz.pattern_place_[t_index])
        pos = np.searchsorted(t_keys, note * n_places + place)
        hit = (pos < len(t_keys)) & (
            t_keys[np.minimum(pos, len(t_keys) - 1)] == note * n_places + place
        )
        contrib[hit, _TAG] = 1.0

    contrib[:, _FORM] = _FORM_SCORE[pairs["form"]]
    return contrib, arg_place, arg_km


class _KeySet:
    """A set of (key, pattern) with look-ups that ignore entries of the asking pattern."""

    def __init__(
        self,
        keys: NDArray[np.int64],
        patterns: NDArray[np.int64],
        values: NDArray[np.int64] | None = None,
    ) -> None:
        order = np.lexsort((patterns, keys))
        self.keys, self.patterns = keys[order], patterns[order]
        self.values = values[order] if values is not None else self.patterns
        self.ukeys, first, counts = np.unique(self.keys, return_index=True, return_counts=True)
        self.first = first
        self.last = first + counts - 1
        self.mixed = self.patterns[first] != self.patterns[self.last]

    def lookup(
        self, keys: NDArray[np.int64], patterns: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
        """(present from another pattern, a value of such an entry) per query."""
        if not len(self.ukeys):
            return np.zeros(len(keys), dtype=bool), np.full(len(keys), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ukeys, keys), len(self.ukeys) - 1)
        present = self.ukeys[pos] == keys
        first, last = self.first[pos], self.last[pos]
        ours = self.patterns[first] == patterns
        hit = present & (self.mixed[pos] | ~ours)
        # entries are sorted by pattern: if the first is ours, the last is another's
        value = np.where(hit, self.values[np.where(ours, last, first)], -1)
        return hit, value

    def contains(self, keys: NDArray[np.int64], patterns: NDArray[np.int64]) -> NDArray[np.bool_]:
        return self.lookup(keys, patterns)[0]


def _nearest_other(
    note: NDArray[np.int64],
    pat: NDArray[np.int64],
    place: NDArray[np.int64],
    s_rows: NDArray[np.int64],
    gaz: Gazetteer,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Distance to the nearest point-like candidate of another name in the same note."""
    n = len(note)
    near_km = np.full(n, np.nan)
    near_place = np.full(n, -1, dtype=np.int64)
    point = ~np.isin(gaz.kind_[place], _AREA_KINDS)
    partners = s_rows[point[s_rows]]
    rows = np.flatnonzero(point & np.isin(note, note[partners]))
    if not rows.size or not partners.size:
        return near_km, near_place
    partners = partners[np.argsort(note[partners], kind="stable")]
    p_note = note[partners]
    lo = np.searchsorted(p_note, note[rows], side="left")
    hi = np.searchsorted(p_note, note[rows], side="right")
    size = hi - lo
    if int(size.sum()) > 20_000_000:  # pathological: skip rather than exhaust memory
        return near_km, near_place
    i = np.repeat(rows, size)
    j = partners[
        np.repeat(lo, size) + (np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size))
    ]
    ok = pat[i] != pat[j]
    i, j = i[ok], j[ok]
    if not i.size:
        return near_km, near_place
    km = haversine_km(
        gaz.lon_[place[i]], gaz.lat_[place[i]], gaz.lon_[place[j]], gaz.lat_[place[j]]
    )
    order = np.lexsort((km, i))
    i, j, km = i[order], j[order], km[order]
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    near_km[i[first]] = km[first]
    near_place[i[first]] = place[j[first]]
    return near_km, near_place


def _best_two(
    group: NDArray[np.int64], score: NDArray[np.float64], n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row of the best and of the second-best candidate per group (-1: no second)."""
    order = np.lexsort((-score, group))
    g = group[order]
    head = np.ones(len(g), dtype=bool)
    head[1:] = g[1:] != g[:-1]
    best = np.full(n_groups, -1, dtype=np.int64)
    best[g[head]] = order[head]
    second = np.full(n_groups, -1, dtype=np.int64)
    nxt = np.flatnonzero(head[:-1] & ~head[1:]) + 1 if len(g) > 1 else np.zeros(0, np.int64)
    second[g[nxt]] = order[nxt]
    return best, second


def haversine_km(
    lon1: NDArray[np.float64] | float,
    lat1: NDArray[np.float64] | float,
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
