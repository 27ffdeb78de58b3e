"""Fast text features for notes: hashed character and word n-grams computed in numpy.

A batch of documents is joined into one string, lower-cased, turned into one array of code
points and folded from traditional to simplified script (:mod:`topics.script`); every
n-gram is then found and hashed with whole-array operations, with no Python loop per
document or per character:

- Chinese (CJK) characters: character n-grams inside runs of CJK characters (unigrams and
  bigrams by default);
- Latin text (English, pinyin, ``citywalk``): words (runs of ``a-z``, ``0-9`` and accented
  letters) and word bigrams; a word is hashed with a prefix-sum polynomial hash, so words of
  any length cost the same;
- hashtags: each ``#tag`` as one token;
- emoji and other symbols: unigrams (☕ 🍸 💅 say a lot about a note).

Each feature is hashed (splitmix64) into ``2**n_bits`` buckets. :func:`hashed_ngrams` returns
the (row, bucket) pairs; the classifier keeps the buckets seen in enough training notes and
weights them by TF-IDF.

:func:`note_documents` turns a notes frame (title, text, tags) into one string per note.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from topics.script import fold_codepoints

__all__ = ["hashed_ngrams", "note_documents"]

logger = logging.getLogger(__name__)

_BASE: Final = 0x100000001B3  # odd: invertible modulo 2**64
_BASE_INV: Final = pow(_BASE, -1, 1 << 64)
_SALT_CHAR: Final = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
_SALT_WORD: Final = 0x27D4EB2F165667C5
_SALT_WORD2: Final = 0x94D049BB133111EB
_SALT_TAG: Final = 0xBF58476D1CE4E5B9
_SALT_SYM: Final = 0x6A09E667F3BCC909
_HASH: Final = 0x23  # '#'


def note_documents(notes: pd.DataFrame | Iterable[str]) -> list[str]:
    """One text per note: title, text, and the tags the text does not already show.

    Parameters
    ----------
    notes
        A frame with ``text`` and optionally ``title`` and ``tags`` (a list of strings per
        row), or an iterable of documents (returned as a list unchanged).

    Returns
    -------
    list of str
        ``title + "\\n" + text``, followed by ``#tag`` for each tag missing from the text.

    Raises
    ------
    TypeError
        If ``notes`` is a single string (it would be read as one document per character).
    """
    if isinstance(notes, str):
        msg = "note_documents: pass a frame or a list of documents, not a single string"
        raise TypeError(msg)
    if not isinstance(notes, pd.DataFrame):
        return ["" if d is None else str(d) for d in notes]
    n = len(notes)
    texts = _column(notes, "text", n)
    titles = _column(notes, "title", n)
    tags = notes["tags"].tolist() if "tags" in notes.columns else [None] * n
    docs: list[str] = []
    for title, text, row_tags in zip(titles, texts, tags, strict=True):
        doc = f"{title}\n{text}" if title else text
        if isinstance(row_tags, list | tuple | np.ndarray) and len(row_tags):
            extra = [f"#{t}" for t in row_tags if isinstance(t, str) and f"#{t}" not in doc]
            if extra:
                doc = f"{doc}\n{' '.join(extra)}"
        docs.append(doc)
    return docs


def _column(frame: pd.DataFrame, name: str, n: int) -> list[str]:
    if name not in frame.columns:
        return [""] * n
    return [v if isinstance(v, str) else "" for v in frame[name].tolist()]


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64's finaliser, element-wise (wrapping uint64 arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _codepoints(docs: Sequence[str]) -> NDArray[np.uint32]:
    """Lower-cased, simplified-script code points of the documents joined by NUL."""
    joined = "\x00".join(docs)
    if joined.count("\x00") != len(docs) - 1:
        joined = "\x00".join(d.replace("\x00", " ") for d in docs)
    return fold_codepoints(np.frombuffer(joined.lower().encode("utf-32-le"), dtype=np.uint32))


def _run_bounds(mask: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start and end (exclusive) indices of the runs of True in ``mask``."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[0::2], edges[1::2]


def _substring_hashes(
    values: NDArray[np.uint64], starts: NDArray[np.intp], ends: NDArray[np.intp]
) -> NDArray[np.uint64]:
    """Position-independent polynomial hashes of ``values[s:e]`` for each (s, e)."""
    n = values.size
    powers = np.cumprod(np.full(n, _BASE, dtype=np.uint64), dtype=np.uint64)  # B**1 .. B**n
    inverse = np.cumprod(np.full(n, _BASE_INV, dtype=np.uint64), dtype=np.uint64)  # B**-1 ..
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(values * powers, out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * inverse[starts]


def hashed_ngrams(
    docs: Sequence[str],
    *,
    n_bits: int = 20,
    char_ngram_range: tuple[int, int] = (1, 2),
    word_ngram_range: tuple[int, int] = (1, 2),
    tags: bool = True,
    symbols: bool = True,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every n-gram occurrence of a batch of documents, as (row, bucket) pairs.

    Parameters
    ----------
    docs
        The documents.
    n_bits
        Buckets are ``0 .. 2**n_bits - 1``.
    char_ngram_range
        Lengths of the CJK character n-grams, from 1 up to 3; ``(0, 0)`` for none.
    word_ngram_range
        Lengths of the Latin word n-grams, 1 or 2; ``(0, 0)`` for none.
    tags
        Add each ``#tag`` as one token.
    symbols
        Add emoji and other symbols as unigrams.

    Returns
    -------
    rows, buckets
        Equal-length int64 arrays: the document of each occurrence and its bucket (grouped
        by kind of feature, not sorted by row).
    """
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    cp32 = _codepoints(docs)
    cp = cp32.astype(np.uint64)
    row_of = np.cumsum(cp32 == 0)
    shift = np.uint64(64 - n_bits)
    rows: list[NDArray[np.int64]] = []
    keys: list[NDArray[np.uint64]] = []

    cjk = ((cp32 >= 0x3400) & (cp32 <= 0x9FFF)) | ((cp32 >= 0x20000) & (cp32 <= 0x2FFFF))
    cjk |= (cp32 >= 0xF900) & (cp32 <= 0xFAFF)
    lo, hi = char_ngram_range
    for n in range(max(lo, 1), min(hi, 3) + 1) if lo else ():
        ok = cjk[: cp.size - n + 1].copy()
        key = cp[: cp.size - n + 1].copy()
        for k in range(1, n):
            ok &= cjk[k : cp.size - n + 1 + k]
            key = (key << np.uint64(21)) | cp[k : cp.size - n + 1 + k]
        at = np.flatnonzero(ok)
        rows.append(row_of[at])
        keys.append(_mix(key[at] ^ np.uint64(_SALT_CHAR[n - 1])))

    if symbols:
        sym = (cp32 >= 0x2190) & ~cjk & ~((cp32 >= 0x3000) & (cp32 <= 0x303F))
        sym &= ~((cp32 >= 0xFF00) & (cp32 <= 0xFFEF)) & ~((cp32 >= 0xFE00) & (cp32 <= 0xFE0F))
        at = np.flatnonzero(sym)
        rows.append(row_of[at])
        keys.append(_mix(cp[at] ^ np.uint64(_SALT_SYM)))

    wlo, whi = word_ngram_range
    if wlo:
        word = ((cp32 >= 0x61) & (cp32 <= 0x7A)) | ((cp32 >= 0x30) & (cp32 <= 0x39))
        word |= (cp32 >= 0xDF) & (cp32 <= 0x24F) & (cp32 != 0xF7)
        starts, ends = _run_bounds(word)
        if starts.size:
            values = np.where(word, cp + np.uint64(1), np.uint64(0))
            whash = _substring_hashes(values, starts, ends)
            wrow = row_of[starts]
            if wlo <= 1:
                rows.append(wrow)
                keys.append(_mix(whash ^ np.uint64(_SALT_WORD)))
            if whi >= 2 and starts.size > 1:
                same = np.flatnonzero(wrow[1:] == wrow[:-1])
                pair = whash[same] * np.uint64(_SALT_WORD2) + whash[same + 1]
                rows.append(wrow[same])
                keys.append(_mix(pair ^ np.uint64(_SALT_WORD)))

    if tags:
        body = (cp32 != 0) & (cp32 != _HASH) & (cp32 > 0x20) & (cp32 != 0x3000)
        starts, ends = _run_bounds(body)
        is_tag = starts > 0
        is_tag[is_tag] = cp32[starts[is_tag] - 1] == _HASH
        starts, ends = starts[is_tag], ends[is_tag]
        if starts.size:
            values = cp + np.uint64(1)
            rows.append(row_of[starts])
            keys.append(_mix(_substring_hashes(values, starts, ends) ^ np.uint64(_SALT_TAG)))

    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    all_rows = np.concatenate(rows).astype(np.int64, copy=False)
    return all_rows, (np.concatenate(keys) >> shift).astype(np.int64)
