"""The primary place of each note: the place it is about.

A note names several places; its geocode is the one it is about (SPEC.md):

1. its poi_id, when that is a known place (the author tagged it);
2. else the merchant it is about: of the merchants named, the one most talked about. Each
   mention counts one, being named in the title two, words saying the author went there
   (去了, 转身去了, went to) or did not (本来想去, skipped; :func:`geo.cues.visit_cue`) 1.5
   either way, and being the head of a phrase like 安福路的半拍咖啡 or 西湖边的中山公园 0.5;
   the earliest mention breaks ties;
3. else the most specific place named (landmark > road > neighbourhood > district > city),
   then the most talked about, then the earliest.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.cues import PLACE_GAPS, visit_cue
from geo.gazetteer import KINDS, SPECIFICITY, Gazetteer
from geo.mentions import Mentions
from geo.normalize import normalize

__all__ = ["primary_places"]

_MERCHANT_KIND: Final = KINDS.index("merchant")


def primary_places(
    mentions: Mentions,
    mention_group: NDArray[np.int64],
    mention_ok: NDArray[np.bool_],
    g_note: NDArray[np.int64],
    g_place: NDArray[np.int64],
    count: NDArray[np.int64],
    in_title: NDArray[np.bool_],
    first: NDArray[np.int64],
    poi: NDArray[np.int32],
    gaz: Gazetteer,
    haystacks: list[str] | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The primary place of each note, and the mention group that named it.

    Parameters
    ----------
    mentions, mention_group, mention_ok
        The mentions, the group of each, and whether it counts.
    g_note, g_place, count, in_title, first
        Per group (one name in one note): the note, the place chosen (-1: rejected), how many
        mentions count, whether one is in the title, and the first offset.
    poi
        Per note, the gazetteer position of its poi_id (-1 when none or unknown).
    gaz
        The gazetteer.
    haystacks
        The notes' haystacks, for the visit words and 的-phrases (without them, neither
        counts).

    Returns
    -------
    Per note: the primary place (-1 for none) and the group that named it (-1 when none
    did, as for a poi_id not named in the text).
    """
    went = _went(g_note, g_place, mentions, mention_group, mention_ok, gaz, haystacks)
    head = _head_of_place(mentions, mention_group, mention_ok, haystacks, len(g_note))
    talk = count + 2 * in_title + 1.5 * went + 0.5 * head
    return _choose(g_note, g_place, talk, first, poi, gaz)


def _went(
    g_note: NDArray[np.int64],
    g_place: NDArray[np.int64],
    mentions: Mentions,
    mention_group: NDArray[np.int64],
    mention_ok: NDArray[np.bool_],
    gaz: Gazetteer,
    haystacks: list[str] | None,
) -> NDArray[np.float64]:
    """Per group: +1 / -1 when the text says the author went / did not go to that merchant.

    Looked at only in notes naming several merchants.
    """
    went = np.zeros(len(g_note))
    shop = (g_place >= 0) & (gaz.kind_[np.maximum(g_place, 0)] == _MERCHANT_KIND)
    if haystacks is None or not shop.any():
        return went
    per_note = np.bincount(g_note[shop], minlength=int(g_note.max()) + 1)
    several = shop & (per_note[g_note] > 1)
    rows = np.flatnonzero(mention_ok & several[mention_group])
    for row in rows.tolist():
        g = int(mention_group[row])
        cue = visit_cue(
            haystacks[int(mentions.note[row])], int(mentions.start[row]), int(mentions.end[row])
        )
        if cue and went[g] == 0:
            went[g] = cue
    return went


def _head_of_place(
    mentions: Mentions,
    mention_group: NDArray[np.int64],
    mention_ok: NDArray[np.bool_],
    haystacks: list[str] | None,
    n_groups: int,
) -> NDArray[np.float64]:
    """Per group: 1 when a mention of it is described by the place named just before it.

    In 西湖边的中山公园 or 安福路的半拍咖啡 the second place is the one the phrase is about.
    """
    head = np.zeros(n_groups)
    if haystacks is None or len(mention_group) < 2:
        return head
    ok = np.flatnonzero(mention_ok)
    note, start, end = mentions.note[ok], mentions.start[ok], mentions.end[ok]
    gap = start[1:] - end[:-1]
    near = np.flatnonzero((note[1:] == note[:-1]) & (gap >= 1) & (gap <= 3)) + 1
    notes, lo, hi = note[near].tolist(), end[near - 1].tolist(), start[near].tolist()
    for k, (n, a, b) in enumerate(zip(notes, lo, hi, strict=True)):
        gap = haystacks[n][a:b]
        if gap in PLACE_GAPS or ("s" in gap and normalize(gap) in PLACE_GAPS):
            head[mention_group[ok[near[k]]]] = 1.0
    return head


def _choose(
    g_note: NDArray[np.int64],
    g_place: NDArray[np.int64],
    talk_score: NDArray[np.float64],
    first: NDArray[np.int64],
    poi: NDArray[np.int32],
    gaz: Gazetteer,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Primary place and the group that gave it, per note (see the module docstring)."""
    primary = np.where(poi >= 0, poi, -1).astype(np.int64)
    primary_group = np.full(len(poi), -1, dtype=np.int64)
    ok = np.flatnonzero(g_place >= 0)
    if not ok.size:
        return primary, primary_group
    kind = gaz.kind_[g_place[ok]]
    merchant = kind == _MERCHANT_KIND
    talk = talk_score[ok]
    specific = SPECIFICITY[kind]
    # a higher key wins: merchant first, then talk (merchants) or specificity, then earliest
    order = np.lexsort(
        (
            -first[ok],
            np.where(merchant, 0, talk),
            np.where(merchant, talk, specific),
            merchant,
            g_note[ok],
        )
    )
    notes = g_note[ok][order]
    last = np.ones(len(notes), dtype=bool)
    last[:-1] = notes[1:] != notes[:-1]
    winners = ok[order][last]
    w_notes = g_note[winners]
    from_text = primary[w_notes] < 0
    primary[w_notes[from_text]] = g_place[winners[from_text]]
    primary_group[w_notes[from_text]] = winners[from_text]
    # with a poi_id, the group naming that same place (if any) is the primary group
    named_poi = ok[g_place[ok] == poi[g_note[ok]]]
    primary_group[g_note[named_poi]] = named_poi
    return primary, primary_group
