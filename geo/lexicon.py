"""Word lists behind two mention rules: everyday-word names, and names inside longer words.

Two shipped lists, both read lazily (never at import) and once per process:

- **Chinese**: jieba's ``dict.txt`` (349,046 words with a corpus frequency and a part of
  speech). The file is found with :func:`importlib.util.find_spec`, without importing jieba
  (whose import sets up a tokenizer this module does not need).
- **English**: wordfreq's ``en`` frequency list (Zipf scale: 7 is "the", 3 is about once per
  million words).

Everyday words
--------------
A place whose name is also an ordinary word (a cafe called 日常 "everyday", a restaurant called
回家 "going home", a bar called Common) is mentioned far less often than the word is used, so
such a name only counts as a mention with supporting context (:mod:`geo.cues`,
:mod:`geo.resolve`).
:func:`everyday_zipf` decides which names those are, by frequency, with no hand list:

- a Chinese merchant name is everyday when it is a jieba word with a Zipf frequency of at
  least :data:`ZH_EVERYDAY_ZIPF` (日常 4.9, 回家 4.7, 周末 4.0, 隔壁 3.9, 灯塔 3.5, 小院 3.4,
  朋友家 2.8), whatever jieba's part of speech: a shop named 梅子 or 岚山 borrows the word, or
  another place's name;
- a Latin name (of any kind but a city) is everyday when it is a single word whose wordfreq
  Zipf frequency is at least :data:`EN_EVERYDAY_ZIPF` (common 5.2, daily 5.1, map 4.8,
  hello 4.7, altitude 3.9, tidal 3.7; not bund 2.8). Names of several words (Table Bar, Late
  Hours) are not: a pair of common words is rarely a phrase.

Chinese names of cities, districts, neighbourhoods, roads and landmarks are never everyday
words here. Frequency cannot tell 朝阳 (a district, and the morning sun) from 浦东 or 西湖, and
jieba's part-of-speech tags are no help either: it tags 外滩, 人民广场 and 故宫 as common nouns
and 朝阳, 天河, 龙井 as place names. Those names are the city's proper names, and their word
senses (看到的朝阳, 明前龙井) are a known limit.

Names across word edges
-----------------------
A two-character name can also straddle two words: 好的 in 刚好的 (刚好 + 的), 长宁 in 成长宁静.
A two-character name is dropped where the segmentation that splits it (刚好/的) is more
probable than the one that keeps it (刚/好的), with jieba's word probabilities
(:func:`two_char_words`, :func:`char_logp`, :func:`word_logp`): 在野鹿 stays 在/野鹿 and
在静安上班 stays 静安/上, because 在 and 上 are so common.

Names inside longer words
-------------------------
A short Chinese name can sit inside an unrelated word of the text: 日常 inside 日常生活, 金山 inside
旧金山 (San Francisco), 西湖 inside 瘦西湖 (a lake in Yangzhou). :func:`containing_words` lists,
for each short Chinese name, the longer dictionary words that contain it; the mention
automaton searches for them too, and a name match inside one of them is dropped, unless
another place name crosses the word's edge. Words that are a name plus a locative or
diminutive ending (西湖畔, 小院儿) and words made of two place names side by side
(上海南京东路) are not used.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import itertools
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EN_EVERYDAY_ZIPF",
    "ZH_EVERYDAY_ZIPF",
    "char_logp",
    "chinese_words",
    "containing_words",
    "english_zipf",
    "everyday_zipf",
    "two_char_words",
    "word_logp",
]

logger = logging.getLogger(__name__)

#: A Chinese merchant name at least this frequent (Zipf, jieba's counts) is an everyday word.
ZH_EVERYDAY_ZIPF: Final = 2.5
#: A one-word Latin name at least this frequent (Zipf, wordfreq ``en``) is an everyday word.
EN_EVERYDAY_ZIPF: Final = 3.5
#: Longest Chinese name whose containing dictionary words are looked up.
MAX_SHORT_NAME: Final = 4


class _Dictionary:
    """jieba's dictionary: word -> (frequency, part of speech), and the frequency total."""

    __slots__ = ("entries", "total")

    def __init__(self, entries: dict[str, tuple[int, str]]) -> None:
        self.entries = entries
        self.total = sum(freq for freq, _ in entries.values())


@functools.cache
def chinese_words() -> _Dictionary:
    """jieba's ``dict.txt``, read once."""
    path = _jieba_dictionary_path()
    entries: dict[str, tuple[int, str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                entries[parts[0]] = (int(parts[1]), parts[2])
    logger.debug("read %d words from %s", len(entries), path)
    return _Dictionary(entries)


def chinese_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in jieba's counts (0.0 when it is not a dictionary word)."""
    words = chinese_words()
    entry = words.entries.get(word)
    if entry is None or entry[0] <= 0:
        return 0.0
    return math.log10(entry[0] / words.total) + 9.0


@functools.cache
def _english_frequencies() -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict("en")


def english_zipf(word: str) -> float:
    """Zipf frequency of one lower-case English word in wordfreq (0.0 when unknown)."""
    freq = _english_frequencies().get(word, 0.0)
    return math.log10(freq) + 9.0 if freq > 0 else 0.0


def everyday_zipf(forms: Sequence[str], merchant: Sequence[bool]) -> list[float]:
    """The Zipf frequency of each normalised name form that is an everyday word, else 0.0.

    Parameters
    ----------
    forms
        Normalised names (lower case, simplified).
    merchant
        Per form, whether it names merchants only (Chinese forms of other places are never
        everyday words; see the module docstring).

    Returns
    -------
    One value per form: its frequency when it is an everyday word, 0.0 when it is not.
    """
    words = chinese_words()
    entries = words.entries
    threshold = words.total * 10 ** (ZH_EVERYDAY_ZIPF - 9.0)
    english = _english_frequencies()
    en_threshold = 10 ** (EN_EVERYDAY_ZIPF - 9.0)
    out: list[float] = []
    for form, shop in zip(forms, merchant, strict=True):
        if form.isascii():
            freq = english.get(form, 0.0) if form.isalpha() else 0.0
            out.append(math.log10(freq) + 9.0 if freq >= en_threshold else 0.0)
            continue
        entry = entries.get(form) if shop else None
        if entry is not None and entry[0] >= threshold:
            out.append(math.log10(entry[0] / words.total) + 9.0)
        else:
            out.append(0.0)
    return out


def containing_words(
    names: Sequence[str], candidates: Sequence[int] | None = None
) -> dict[str, list[tuple[int, int, int]]]:
    """Dictionary words that strictly contain short all-Chinese names.

    Parameters
    ----------
    names
        Normalised names; only those of 2 to :data:`MAX_SHORT_NAME` CJK characters are looked
        up.
    candidates
        Indexes of the names to consider (default: all).

    Returns
    -------
    ``{word: [(index in names, start, end), ...]}``: each longer dictionary word containing
    any of the names, with where each name occurs in it.
    """
    import ahocorasick_rs

    rows = range(len(names)) if candidates is None else candidates
    short = [i for i in rows if 2 <= len(names[i]) <= MAX_SHORT_NAME and _is_han(names[i])]
    if not short:
        return {}
    words = [w for w in chinese_words().entries if len(w) > 2]
    automaton = ahocorasick_rs.AhoCorasick([names[i] for i in short])
    matches = automaton.find_matches_as_indexes("\n".join(words), overlapping=True)
    starts = list(itertools.accumulate((len(w) + 1 for w in words), initial=0))
    out: dict[str, list[tuple[int, int, int]]] = {}
    for pattern, start, end in matches:
        w = bisect.bisect_right(starts, start) - 1
        word, offset = words[w], starts[w]
        if len(word) > end - start:
            out.setdefault(word, []).append((short[pattern], start - offset, end - offset))
    return out


@functools.cache
def two_char_words() -> tuple[NDArray[np.uint32], NDArray[np.float32]]:
    """Two-character jieba words as sorted keys with their log probabilities.

    A key is ``(ord(first) << 16) | ord(second)`` (both characters in the BMP).
    """
    words = chinese_words()
    keys: list[int] = []
    logp: list[float] = []
    log_total = math.log(words.total)
    for word, (freq, _) in words.entries.items():
        if len(word) == 2 and freq > 0 and max(word) < "\U00010000":
            keys.append((ord(word[0]) << 16) | ord(word[1]))
            logp.append(math.log(freq) - log_total)
    order = np.argsort(np.asarray(keys, dtype=np.uint32), kind="stable")
    return (
        np.asarray(keys, dtype=np.uint32)[order],
        np.asarray(logp, dtype=np.float32)[order],
    )


@functools.cache
def char_logp() -> NDArray[np.float32]:
    """Log probability of every BMP character as a one-character jieba word.

    Characters jieba does not list get the probability of half an occurrence.
    """
    words = chinese_words()
    log_total = math.log(words.total)
    out = np.full(0x10000, math.log(0.5) - log_total, dtype=np.float32)
    for word, (freq, _) in words.entries.items():
        if len(word) == 1 and freq > 0 and word < "\U00010000":
            out[ord(word)] = math.log(freq) - log_total
    return out


def word_logp(word: str) -> float:
    """Log probability of a two-character string as jieba would segment it: as one word when
    it is a dictionary word, else as its two characters."""
    words = chinese_words()
    entry = words.entries.get(word)
    if entry is not None and entry[0] > 0:
        return math.log(entry[0]) - math.log(words.total)
    chars = char_logp()
    return float(sum(chars[ord(c)] for c in word if c < "\U00010000"))


def _is_han(text: str) -> bool:
    return all("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


def _jieba_dictionary_path() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        msg = "jieba is not installed: install it (pip install jieba) for its word list"
        raise ModuleNotFoundError(msg)
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    if not path.is_file():
        msg = f"jieba's word list is missing at {path}: reinstall jieba"
        raise FileNotFoundError(msg)
    return path
