"""Count a taxonomy's seed keywords in texts with one Aho-Corasick automaton.

All keywords of all topics go into a single automaton (ahocorasick-rs, leftmost-longest, so
咖啡馆 counts once, not as 咖啡 + 咖啡馆). A batch of texts is joined into one haystack and
searched in one call; match offsets are mapped back to texts with ``numpy.searchsorted``.

Chinese keywords (``keywords``) match as substrings. English keywords (``keywords_en``)
match whole words only — ``bar`` does not match in ``barber`` — with an optional trailing
``s`` (``cafes``), case-insensitively.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import ahocorasick_rs
import numpy as np
from numpy.typing import NDArray

from topics.script import fold_text, to_simplified
from topics.taxonomy import Taxonomy

__all__ = ["keyword_counts", "keyword_hits", "keyword_patterns", "keyword_spans"]

logger = logging.getLogger(__name__)

_SEP: Final = "\x00"
_BATCH: Final = 20_000


@dataclass(frozen=True, slots=True)
class _Automaton:
    """The compiled keywords of one taxonomy.

    A keyword listed under several topics is one automaton pattern with several rows in the
    flat arrays: pattern ``p`` owns rows ``first[p] .. first[p] + n_rows[p] - 1``.
    """

    automaton: ahocorasick_rs.AhoCorasick
    patterns: tuple[str, ...]
    first: NDArray[np.int64]
    n_rows: NDArray[np.int64]
    topic_of: NDArray[np.int64]
    whole_word: NDArray[np.bool_]


@functools.lru_cache(maxsize=8)
def _compile(taxonomy: Taxonomy) -> _Automaton:
    by_pattern: dict[str, dict[int, bool]] = {}
    for index, topic in enumerate(taxonomy.topics):
        for word in topic.keywords:
            by_pattern.setdefault(to_simplified(word.casefold()), {})[index] = False
        for word in topic.keywords_en:
            owners = by_pattern.setdefault(to_simplified(word.casefold()), {})
            owners[index] = owners.get(index, True)  # a Chinese-list entry stays a substring
    patterns = tuple(sorted(by_pattern))
    automaton = ahocorasick_rs.AhoCorasick(
        list(patterns), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
    )
    n_rows = np.asarray([len(by_pattern[p]) for p in patterns], dtype=np.int64)
    topic_of = [index for p in patterns for index in by_pattern[p]]
    whole_word = [whole for p in patterns for whole in by_pattern[p].values()]
    return _Automaton(
        automaton=automaton,
        patterns=patterns,
        first=np.concatenate(([0], np.cumsum(n_rows)[:-1])).astype(np.int64),
        n_rows=n_rows,
        topic_of=np.asarray(topic_of, dtype=np.int64),
        whole_word=np.asarray(whole_word, dtype=bool),
    )


def keyword_patterns(taxonomy: Taxonomy) -> tuple[str, ...]:
    """The distinct (case-folded) keywords, in the order :func:`keyword_hits` numbers them."""
    return _compile(taxonomy).patterns


def keyword_hits(
    texts: Sequence[str], taxonomy: Taxonomy
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Every keyword occurrence in the texts.

    Parameters
    ----------
    texts
        The texts to search.
    taxonomy
        Whose keywords to look for.

    Returns
    -------
    rows, topics, patterns
        For each occurrence: the text's index, the topic's index in ``taxonomy.topics`` and
        the keyword's index in :func:`keyword_patterns`. A keyword listed under two topics
        gives one occurrence for each.
    """
    rows, topics, patterns, _, _ = _search(texts, taxonomy)
    return rows, topics, patterns


def keyword_spans(texts: Sequence[str], taxonomy: Taxonomy) -> list[list[tuple[int, int]]]:
    """Per text, the (start, end) character offsets of its keyword occurrences."""
    rows, _, _, starts, ends = _search(texts, taxonomy)
    spans: list[list[tuple[int, int]]] = [[] for _ in texts]
    for row, start, end in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if not spans[row] or spans[row][-1] != (start, end):
            spans[row].append((start, end))
    return spans


def _search(
    texts: Sequence[str], taxonomy: Taxonomy
) -> tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]
]:
    """rows, topics, patterns, starts and ends (offsets within each text) of all hits."""
    compiled = _compile(taxonomy)
    out: list[tuple[NDArray[np.int64], ...]] = []
    for begin in range(0, len(texts), _BATCH):
        batch = [_clean(t) for t in texts[begin : begin + _BATCH]]
        haystack = fold_text(_SEP.join(batch))
        found = compiled.automaton.find_matches_as_indexes(haystack)
        if not found:
            continue
        hits = np.asarray(found, dtype=np.int64).reshape(-1, 3)
        pattern, start, end = hits[:, 0], hits[:, 1], hits[:, 2]
        lengths = np.fromiter((len(t) + 1 for t in batch), dtype=np.int64, count=len(batch))
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        row = np.searchsorted(offsets, start, side="right") - 1
        count = compiled.n_rows[pattern]
        flat = np.repeat(compiled.first[pattern], count) + _ranges(count)
        rep = np.repeat(np.arange(pattern.size), count)
        whole = compiled.whole_word[flat]
        ok = ~whole
        if whole.any():
            ok[whole] = _whole_word(haystack, start[rep[whole]], end[rep[whole]])
        flat, rep = flat[ok], rep[ok]
        base = offsets[row[rep]]
        out.append(
            (
                row[rep] + begin,
                compiled.topic_of[flat],
                pattern[rep],
                start[rep] - base,
                end[rep] - base,
            )
        )
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, empty
    rows, topics, patterns, starts, ends = (
        np.concatenate(parts) for parts in zip(*out, strict=True)
    )
    return rows, topics, patterns, starts, ends


def _clean(text: object) -> str:
    """Lower-cased text with NUL (the separator) blanked; the same length as ``text``."""
    if not isinstance(text, str):
        return ""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (İ) grow when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.replace(_SEP, " ")


def keyword_counts(texts: Sequence[str], taxonomy: Taxonomy) -> NDArray[np.int64]:
    """How many keywords of each topic each text contains.

    Parameters
    ----------
    texts
        The texts to search.
    taxonomy
        Whose keywords to count.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(texts), len(taxonomy))``: counts per text and topic, columns in
        ``taxonomy.ids`` order.
    """
    rows, topics, _ = keyword_hits(texts, taxonomy)
    counts = np.zeros((len(texts), len(taxonomy)), dtype=np.int64)
    np.add.at(counts, (rows, topics), 1)
    return counts


def _ranges(count: NDArray[np.int64]) -> NDArray[np.int64]:
    """``[0..c0-1, 0..c1-1, ...]`` for counts ``c``."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(count)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - count, count)


def _whole_word(
    haystack: str, start: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """True where ``haystack[start:end]`` is a whole word (an ``s`` may follow it)."""
    if start.size == 0:
        return np.zeros(0, dtype=bool)
    before = [haystack[s - 1] if s > 0 else " " for s in start.tolist()]
    after = [haystack[e : e + 2] for e in end.tolist()]
    ok = np.fromiter((not _is_word(c) for c in before), dtype=bool, count=start.size)
    ok &= np.fromiter(
        (
            not a or not _is_word(a[0]) or (a[0] == "s" and (len(a) == 1 or not _is_word(a[1])))
            for a in after
        ),
        dtype=bool,
        count=start.size,
    )
    return ok


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()
