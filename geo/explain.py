"""The output side of geocoding: each note's mentions and the reasons for its geocode.

Every decision :func:`geo.geocode.geocode_notes` makes about a note is written out as one line
of its ``reasons``, in this order:

- the poi_id (``poi_id sh-m0012 given``, or that it is not a known place);
- each name mentioned, in order of first appearance: the place chosen and why
  (``巴斯咖啡: 3 candidates; sh-m0001 chosen: co-mentioned road 武康路 is its parent``), or why an
  everyday word was or was not counted, and any house number;
- the primary place and the rule that made it primary;
- the device location: how it was converted and how far it is from the place
  (``device location gcj02 -> wgs84, 42 m from sh-m0001``), or that it was used alone, or why
  it was ignored; and ``no place named and no device location`` when nothing locates the note.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from geo.gazetteer import KINDS, Gazetteer
from geo.mentions import Mentions
from geo.resolve import EVIDENCE, NoteContext, Resolution

__all__ = ["explain_notes"]

_NOTHING: Final = "no place named and no device location"


def explain_notes(
    haystacks: list[str],
    mentions: Mentions,
    res: Resolution,
    context: NoteContext,
    gaz: Gazetteer,
    poi_ids: list[str],
    systems: list[str],
    device_notes: dict[int, str],
    dev_km: NDArray[np.float64],
) -> tuple[list[list[dict[str, Any]]], list[list[str]]]:
    """The mentions and the reasons of every note.

    Parameters
    ----------
    haystacks
        ``title + "\\n" + text`` per note.
    mentions, res
        The extracted mentions and the decisions about them.
    context
        The notes' context (poi position, device point).
    gaz
        The gazetteer.
    poi_ids
        The poi_id as given ("" when none).
    systems
        The device location's coordinate system per note.
    device_notes
        Why a note's device location was ignored, by note.
    dev_km
        Distance from the device location to the primary place (NaN when either is missing).

    Returns
    -------
    Per note: the list of mention dicts, and the list of reasons.
    """
    n = len(haystacks)
    ids = gaz.place_id_
    ok = np.flatnonzero(res.mention_ok)  # sorted by note, then start
    notes = mentions.note[ok]
    flat = [
        {"text": haystacks[i][s:e], "start": s, "end": e, "place_id": p}
        for i, s, e, p in zip(
            notes.tolist(),
            mentions.start[ok].tolist(),
            mentions.end[ok].tolist(),
            ids[res.g_place[res.mention_group[ok]]].tolist(),
            strict=True,
        )
    ]
    bounds = np.searchsorted(notes, np.arange(n + 1)).tolist()
    out_mentions = [flat[a:b] for a, b in itertools.pairwise(bounds)]

    reasons: list[list[str]] = [[] for _ in range(n)]
    poi = context.poi.tolist()
    for i in [i for i, pid in enumerate(poi_ids) if pid]:
        pid = poi_ids[i]
        reasons[i].append(
            f"poi_id {pid} given" if poi[i] >= 0 else f"poi_id {pid} is not a known place; ignored"
        )
    _group_reasons(haystacks, mentions, res, gaz, reasons)
    _primary_reasons(res, context, gaz, reasons)
    has_dev = np.isfinite(context.lat)
    for i, why in device_notes.items():
        reasons[i].append(why)
    primary = res.primary
    rows = np.flatnonzero(has_dev)
    km = dev_km[rows].tolist()
    for i, p, d in zip(rows.tolist(), primary[rows].tolist(), km, strict=True):
        sys = systems[i]
        conv = f"{sys} -> wgs84" if sys != "wgs84" else "wgs84"
        if p >= 0:
            reasons[i].append(f"device location {conv}, {_distance(d)} from {ids[p]}")
        else:
            reasons[i].append(f"no place named; device location {conv} used")
    for i in np.flatnonzero(~has_dev & (primary < 0)).tolist():
        reasons[i].append(_NOTHING)
    return out_mentions, reasons


def _group_reasons(
    haystacks: list[str],
    mentions: Mentions,
    res: Resolution,
    gaz: Gazetteer,
    reasons: list[list[str]],
) -> None:
    """One line per name mentioned (mention group), in order of first appearance."""
    rows = res.g_first_row
    order = np.lexsort((mentions.start[rows], res.g_note))
    everyday = np.isfinite(res.g_everyday)
    shown = order[(res.g_place[order] >= 0) | everyday[order]]
    notes = res.g_note[shown].tolist()
    r = rows[shown]
    texts = [
        haystacks[i][s:e]
        for i, s, e in zip(
            mentions.note[r].tolist(),
            mentions.start[r].tolist(),
            mentions.end[r].tolist(),
            strict=True,
        )
    ]
    places = res.g_place[shown]
    pids = gaz.place_id_[np.maximum(places, 0)].tolist() if len(gaz) else [""] * len(shown)
    simple = (res.g_candidates[shown] <= 1) & ~everyday[shown]
    rejected = everyday[shown] & (places < 0)
    lines = [
        f"{t}: {p}, the only place of that name" if one else ""
        for t, p, one in zip(texts, pids, simple.tolist(), strict=True)
    ]
    # everyday words not counted: most of the lines of a note, written in one pass
    no = np.flatnonzero(rejected)
    have = res.g_everyday[shown[no]].tolist()
    need = gaz.pattern_need_[res.g_pattern[shown[no]]].tolist()
    for k, h, nd in zip(no.tolist(), have, need, strict=True):
        lines[k] = (
            f"{texts[k]}: everyday word without enough evidence ({h:.1f} < {nd:.1f}); not a mention"
        )
    rest = np.flatnonzero(~simple & ~rejected).tolist()
    if rest:
        sub = shown[rest]
        have = res.g_everyday[sub].tolist()
        need = gaz.pattern_need_[res.g_pattern[sub]].tolist()
        cands = res.g_candidates[sub].tolist()
        placed = (res.g_place[sub] >= 0).tolist()
        for k, g, h, nd, c, ok in zip(rest, sub.tolist(), have, need, cands, placed, strict=True):
            lines[k] = _group_line(g, texts[k], pids[k], h, nd, c, ok, res, gaz)
    if mentions.numbers:
        numbers = {int(res.mention_group[row]): num for row, num in mentions.numbers.items()}
        for k, g in enumerate(shown.tolist()):
            if g in numbers and res.g_place[g] >= 0:
                lines[k] += f"; house number {numbers[g]}: road precision"
    for i, line in zip(notes, lines, strict=True):
        reasons[i].append(line)


def _group_line(
    g: int,
    text: str,
    pid: str,
    have: float,
    need: float,
    candidates: int,
    placed: bool,
    res: Resolution,
    gaz: Gazetteer,
) -> str:
    """The reason line of a group that was ambiguous or is an everyday word."""
    if math.isfinite(have):
        if not placed:
            return (
                f"{text}: everyday word without enough evidence ({have:.1f} < {need:.1f});"
                " not a mention"
            )
        text = f"{text}: everyday word with evidence {have:.1f} >= {need:.1f};"
    else:
        text += ":"
    if candidates <= 1:
        return f"{text} {pid}, the only place of that name"
    return f"{text} {candidates} candidates; {pid} chosen: {_why(g, res, gaz)}"


def _primary_reasons(
    res: Resolution, context: NoteContext, gaz: Gazetteer, reasons: list[list[str]]
) -> None:
    """The line saying which place is primary and by which rule."""
    rows = np.flatnonzero(res.primary >= 0)
    places = res.primary[rows]
    groups = np.maximum(res.primary_group[rows], 0)
    kinds = np.asarray(KINDS, dtype=object)[gaz.kind_[places]].tolist()
    ids = gaz.place_id_[places].tolist()
    from_poi = (context.poi[rows] >= 0).tolist()
    counts = res.g_count[groups].tolist() if len(res.g_count) else [0] * len(rows)
    titled = res.g_in_title[groups].tolist() if len(res.g_count) else [False] * len(rows)
    for i, pid, kind, poi, c, title in zip(
        rows.tolist(), ids, kinds, from_poi, counts, titled, strict=True
    ):
        if poi:
            why = "the note's poi_id"
        elif kind == "merchant":
            where = ", in the title" if title else ""
            why = f"the merchant most talked about ({c} mention{'s' if c > 1 else ''}{where})"
        else:
            why = "the most specific place named"
        reasons[i].append(f"primary {pid} ({kind}): {why}")


def _why(g: int, res: Resolution, gaz: Gazetteer) -> str:
    """The evidence that separated a group's winner from its runner-up, in words."""
    if res.g_margin[g] <= 0:
        return "nothing tells them apart (first of the most specific)"
    why = EVIDENCE[int(res.g_why[g])]
    arg = int(res.g_why_place[g])
    km = float(res.g_why_km[g])
    place = int(res.g_place[g])
    name = gaz.name_[arg] if arg >= 0 else ""
    kind = KINDS[gaz.kind_[arg]] if arg >= 0 else ""
    if why == "poi_id":
        return "the note's poi_id is it or lies in it"
    if why == "ancestor":
        rel = "parent" if gaz.parent_[place] == arg else "ancestor"
        return f"co-mentioned {kind} {name} is its {rel}"
    if why == "descendant":
        return f"it contains co-mentioned {kind} {name}"
    if why == "city":
        return f"the note's city is {name}" if name else "the note's city"
    if why == "device":
        return f"{_distance(km)} from the device location"
    if why == "distance":
        return f"{_distance(km)} from co-mentioned {name}"
    if why == "prior":
        return "more popular"
    if why == "tag":
        return "a tag of the note names it"
    return "it is its own name, not an alias"


def _distance(km: float) -> str:
    if not math.isfinite(km):
        return "an unknown distance"
    return f"{km * 1000:.0f} m" if km < 1 else f"{km:.1f} km"
