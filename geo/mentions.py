"""Mention extraction: where a note names a place of the gazetteer.

The haystack of a note is ``title + "\\n" + text`` (hashtags included: ``#武康路`` names 武康路;
the ``tags`` list is context, used in :mod:`geo.resolve`, and not searched). Many notes are
searched at once: their normalised matching codes (:mod:`geo.normalize`) are joined with a
separator no name contains, and the gazetteer's automaton reports every (overlapping)
occurrence of every pattern in one call. The rest is array work over all matches:

1. **Word boundaries.** A pattern that starts (ends) with a Latin letter or digit must not be
   preceded (followed) by one: no ``bar`` inside ``barber``. Chinese needs no boundary. One
   exception: right after ``#`` a name of five or more letters may run into more letters,
   because hashtags squash words together (``#shanghaieats`` names Shanghai).
2. **Overlaps** are resolved leftmost-longest: of matches that overlap, the one that starts
   first wins, and among those the longest, so ``徐汇区`` beats ``徐汇`` and
   ``半岛咖啡(武康路店)`` beats both ``半岛咖啡`` and ``武康路``. Blocker words (longer dictionary
   words around short Chinese names, :mod:`geo.lexicon`) take part and win like names, but
   name nothing: ``日常`` inside ``日常生活`` is dropped. A blocker that another place name
   crosses (starts inside it and ends after it, or the reverse) is ignored. Most overlaps are
   one match containing the others and are decided with arrays; the rest (crossing matches)
   in a loop.
3. **Word edges.** A two-character Chinese name that is better read as the halves of two
   words is dropped (好的 in 刚好的; :mod:`geo.lexicon`).
4. **Everyday words** (``EVERYDAY`` patterns: 小院, 日常, Common) are kept as *tentative*
   mentions, each with the cue written next to it, if any (:mod:`geo.cues`: 📍, a hashtag
   equal to it, a visit verb, a category word, ...), most of them read with arrays.
   Resolution (:mod:`geo.resolve`) decides whether the evidence is enough.
5. **House numbers** after (武康路123号) or before (No. 88 Anfu Rd) a road name are recorded: the
   mention stays a road mention, with road precision.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo import cues, lexicon
from geo.cues import NO_CUE, codes_text, is_word_char
from geo.gazetteer import BLOCKER, EVERYDAY, LATIN_END, LATIN_START, Gazetteer
from geo.normalize import (
    LATIN,
    SEPARATOR_CODE,
    char_classes,
    code_table,
)

__all__ = ["Mentions", "find_mentions"]

logger = logging.getLogger(__name__)


_NUMBER_AFTER: Final = re.compile(r"^ ?(\d{1,5}) ?(号|弄|號)?")
_NUMBER_BEFORE: Final = re.compile(r"(?:no\. ?)?(\d{1,5}),? $")
#: Shortest Latin name matched at the start of a hashtag with more letters after it.
_MIN_SQUASHED: Final = 5
_CHUNK_CHARS: Final = 8_000_000


@dataclass(frozen=True)
class Mentions:
    """Name matches kept after extraction, one row per match, sorted by note and start.

    Attributes
    ----------
    note
        Index of the note (position in the haystacks given).
    start, end
        Character offsets into that note's haystack.
    pattern
        Index of the gazetteer name pattern.
    cue
        0 for ordinary names; for everyday words, the lexical evidence code (:data:`CUES`), or
        -1 when there is none next to it.
    numbers
        ``{row: "123号"}``: house numbers found next to road names.
    """

    note: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    pattern: NDArray[np.int64]
    cue: NDArray[np.int8]
    numbers: dict[int, str]

    def __len__(self) -> int:
        return len(self.note)


def find_mentions(haystacks: Sequence[str], gazetteer: Gazetteer) -> Mentions:
    """Find the place-name mentions in many haystacks at once.

    Parameters
    ----------
    haystacks
        One string per note: ``title + "\\n" + text``.
    gazetteer
        The names to look for.

    Returns
    -------
    The matches kept (see the module docstring), offsets relative to each haystack.
    """
    parts: list[Mentions] = []
    sizes = np.fromiter(map(len, haystacks), dtype=np.int64, count=len(haystacks)) + 1
    ends = np.cumsum(sizes)
    first = 0
    while first < len(haystacks):
        # up to _CHUNK_CHARS characters (at least one haystack) per automaton call
        done = ends[first - 1] if first else 0
        last = max(int(np.searchsorted(ends, done + _CHUNK_CHARS, side="right")), first + 1)
        part = _find_in(haystacks, first, last, gazetteer)
        if part is not None:
            parts.append(part)
        first = last
    return _concat(parts)


def _find_in(haystacks: Sequence[str], first: int, last: int, gaz: Gazetteer) -> Mentions | None:
    """Mentions in haystacks[first:last], searched as one joined haystack."""
    chunk = haystacks[first:last]
    lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
    offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    raw = np.frombuffer(
        chr(SEPARATOR_CODE).join(chunk).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    )
    codes = code_table()[raw]
    haystack = codes.tobytes().decode("utf-16-le").encode("utf-8")
    found = gaz.automaton_.find_matches_as_indexes(haystack, overlapping=True)
    if not found:
        return None
    flat = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=3 * len(found))
    del found
    # byte offsets -> character offsets: count the bytes that start a character
    utf8 = np.frombuffer(haystack, dtype=np.uint8)
    char_at = np.cumsum((utf8 & 0xC0) != 0x80, dtype=np.int32)
    pattern = gaz.automaton_pattern_[flat[0::3]]
    start = char_at[flat[1::3]].astype(np.int64) - 1
    end = char_at[flat[2::3] - 1].astype(np.int64)
    del char_at, utf8, flat
    flags = gaz.pattern_flags_[pattern]

    # 1. Latin word boundaries.
    classes = char_classes()
    padded = np.concatenate([[SEPARATOR_CODE], codes, [SEPARATOR_CODE]])
    before = classes[padded[start]]  # padded index start = codes index start - 1
    after = classes[padded[end + 1]]
    bad = ((flags & LATIN_START) > 0) & ((before & LATIN) > 0)
    # ... except at the start of a hashtag, where words run together (#shanghaieats).
    squashed = (padded[start] == ord("#")) & (gaz.pattern_len_[pattern] >= _MIN_SQUASHED)
    bad |= ((flags & LATIN_END) > 0) & ((after & LATIN) > 0) & ~squashed
    keep = ~bad
    pattern, start, end, flags = pattern[keep], start[keep], end[keep], flags[keep]

    # 2. Overlaps, leftmost-longest; blockers win like names and are then dropped.
    order = np.lexsort((start - end, start))
    pattern, start, end, flags = pattern[order], start[order], end[order], flags[order]
    keep = _leftmost_longest(start, end, flags)
    keep &= (flags & BLOCKER) == 0
    pattern, start, end, flags = pattern[keep], start[keep], end[keep], flags[keep]

    # 3. Two-character Chinese names across a word edge (刚好的 holds 好的).
    keep = ~_straddles(padded, start, end, pattern, gaz)
    pattern, start, end, flags = pattern[keep], start[keep], end[keep], flags[keep]

    note = np.searchsorted(offsets, start, side="right") - 1
    local_start = start - offsets[note]
    local_end = end - offsets[note]

    # 4. Everyday words: lexical evidence next to each (with arrays, except for capitalised
    # Latin ones and address labels, looked at one by one).
    everyday = (flags & EVERYDAY) > 0
    cue = np.where(everyday, NO_CUE, 0).astype(np.int8)
    if everyday.any():
        rows = np.flatnonzero(everyday)
        latin = (flags[rows] & LATIN_START) > 0
        capital = cues.CAPITAL[np.minimum(raw[start[rows]], 0xFFFF)]
        quick, closer = cues.quick_cues(padded, start[rows], end[rows])
        cue[rows[~latin]] = quick[~latin]
        look = (latin & capital) | (~latin & closer)
        for row in rows[look].tolist():
            n = int(note[row])
            cue[row] = cues.everyday_cue(
                codes, int(start[row]), int(end[row]), chunk[n], int(local_start[row])
            )

    # ... and other place names right next to it.
    if everyday.any():
        cues.mark_next_to_place(codes, note, start, end, everyday | gaz.pattern_area_[pattern], cue)

    # 5. House numbers next to road names.
    numbers = _house_numbers(codes, start, end, pattern, gaz, padded, classes)
    return Mentions(note + first, local_start, local_end, pattern, cue, numbers)


def _straddles(
    padded: NDArray[np.uint16],
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    pattern: NDArray[np.int64],
    gaz: Gazetteer,
) -> NDArray[np.bool_]:
    """Whether each two-character Chinese match is better read as parts of two words.

    For a name ab between x and y (xaby): xa+b beats x+ab, or a+by beats ab+y, in jieba's
    word probabilities (see geo.lexicon).
    """
    out = np.zeros(len(start), dtype=bool)
    latin = (gaz.pattern_flags_[pattern] & (LATIN_START | LATIN_END)) > 0
    rows = np.flatnonzero((gaz.pattern_len_[pattern] == 2) & ~latin)
    if not rows.size:
        return out
    keys, word_lp = lexicon.two_char_words()
    char_lp = lexicon.char_logp()
    s = start[rows]
    x, a, b, y = (padded[s + k].astype(np.uint32) for k in range(4))  # padded[i+1] = codes[i]
    own = gaz.pattern_logp_[pattern[rows]]

    def lookup(key: NDArray[np.uint32]) -> NDArray[np.float32]:
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        return np.where(keys[pos] == key, word_lp[pos], -np.inf).astype(np.float32)

    left = lookup((x << np.uint32(16)) | a) + char_lp[b] > char_lp[x] + own
    right = char_lp[a] + lookup((b << np.uint32(16)) | y) > own + char_lp[y]
    out[rows[left | right]] = True
    return out


def _leftmost_longest(
    start: NDArray[np.int64], end: NDArray[np.int64], flags: NDArray[np.uint8]
) -> NDArray[np.bool_]:
    """Which matches survive leftmost-longest selection (input sorted by start, -length)."""
    n = len(start)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    reach = np.maximum.accumulate(end)
    new = np.ones(n, dtype=bool)
    new[1:] = start[1:] >= reach[:-1]
    cluster = np.cumsum(new) - 1
    size = np.bincount(cluster)
    multi = size[cluster] > 1
    head = np.flatnonzero(new)
    cluster_end = np.maximum.reduceat(end, head)
    # The first match of a cluster that reaches its end contains all others: it alone stays.
    dominated = multi & (end[head][cluster] == cluster_end[cluster])
    keep[dominated & ~new] = False
    # Clusters with crossing matches: decided one by one.
    rest = np.flatnonzero(multi & ~dominated & new)
    blocker = (flags & BLOCKER) > 0
    for h in rest.tolist():
        members = range(h, h + int(size[cluster[h]]))
        _resolve_cluster(members, start, end, blocker, keep)
    return keep


def _resolve_cluster(
    members: range,
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    blocker: NDArray[np.bool_],
    keep: NDArray[np.bool_],
) -> None:
    """Leftmost-longest in one cluster of overlapping matches, in place on ``keep``."""
    spans = [(int(start[i]), int(end[i]), bool(blocker[i])) for i in members]
    names = [(s, e) for s, e, b in spans if not b]
    reach = -1
    for i, (s, e, is_blocker) in zip(members, spans, strict=True):
        if is_blocker and any((ns < s < ne < e) or (s < ns < e < ne) for ns, ne in names):
            keep[i] = False  # a place name crosses this word: it is not a word here
            continue
        if s >= reach:
            reach = e
        else:
            keep[i] = False


def _house_numbers(
    codes: NDArray[np.uint16],
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    pattern: NDArray[np.int64],
    gaz: Gazetteer,
    padded: NDArray[np.uint16],
    classes: NDArray[np.uint8],
) -> dict[int, str]:
    """House numbers written next to road names: ``{row: "123号"}``."""
    road = gaz.road_pattern_[pattern]
    if not road.any():
        return {}
    digit = (padded >= ord("0")) & (padded <= ord("9"))
    near = digit[end + 1] | digit[np.minimum(end + 2, len(padded) - 1)]
    near |= digit[start] | digit[np.maximum(start - 1, 0)]
    out: dict[int, str] = {}
    for row in np.flatnonzero(road & near).tolist():
        s, e = int(start[row]), int(end[row])
        after = codes_text(codes[e : e + 10]).split(chr(SEPARATOR_CODE))[0]
        m = _NUMBER_AFTER.match(after)
        if m and (m.group(2) or not is_word_char(after[m.end() : m.end() + 1])):
            out[row] = m.group(1) + (m.group(2) or "")
            continue
        before = codes_text(codes[max(0, s - 10) : s]).split(chr(SEPARATOR_CODE))[-1]
        m = _NUMBER_BEFORE.search(before)
        if m and classes[padded[s + 1]] & LATIN:
            out[row] = "No. " + m.group(1)
    return out


def _concat(parts: list[Mentions]) -> Mentions:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Mentions(empty, empty, empty, empty, np.zeros(0, np.int8), {})
    if len(parts) == 1:
        return parts[0]
    numbers: dict[int, str] = {}
    base = 0
    for part in parts:
        numbers.update({base + k: v for k, v in part.numbers.items()})
        base += len(part)
    return Mentions(
        np.concatenate([p.note for p in parts]),
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        np.concatenate([p.pattern for p in parts]),
        np.concatenate([p.cue for p in parts]),
        numbers,
    )
