"""Lexical cues around a name: evidence for everyday-word names, and visit words.

A place whose name is an everyday word (小院, 日常, 周末, Common, Daily) counts as a mention
only with evidence (:mod:`geo.resolve`). This module reads the evidence written next to each
occurrence, as a cue code (:data:`CUES`, each with a strength):

- 📍 or @ before it, or an address label (地址：小院, 店名就叫周末);
- a hashtag equal to it (``#小院`` followed by a space, another ``#`` or the end; not
  ``#日常碎片``);
- 「」 [] () or quotes around it;
- a visit verb before it (去了小院, 打卡 小院, 探店｜回家);
- a category word after it (小院咖啡, 小院 cafe, Hello brunch);
- for Latin names: capitals (``MAP``, ``COMMON``), or a capital letter with a cue (``at
  Common``) or inside Chinese text (``三里屯的Daily``);
- a road, neighbourhood, landmark or merchant named right before it with 的/上的/里的 between
  (富民路的日常, 巨鹿路上的COMMON), or right after it with on / 开在 / 位于 between (Common on
  Julu Road); a city or district does not count (上海的周末 is a phrase).

:func:`ordinary_word` tells where an occurrence reads as the word itself (这个周末, 我的日常,
#日常碎片, my daily coffee), and :func:`visit_cue` whether the words around a merchant's name
say the author went there (转身去了白鸽咖啡) or did not (本来想去蓝窗咖啡).

The cue words are closed classes of the language (visit verbs, category nouns, demonstratives
and possessives), not lists of names.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.normalize import CJK, LATIN, PIN_CODE, SEPARATOR_CODE, char_classes, normalize

__all__ = [
    "CAPITAL",
    "CUES",
    "NO_CUE",
    "PLACE_GAPS",
    "codes_text",
    "everyday_cue",
    "inside_hashtag",
    "is_word_char",
    "mark_next_to_place",
    "ordinary_word",
    "quick_cues",
    "visit_cue",
]

#: Lexical evidence next to an everyday word: (description, strength), by code (the
#: index); code 0 is an ordinary name, which needs none. Resolution adds up the strengths
#: of the different kinds of evidence a note gives and compares the sum with what the word
#: needs (:attr:`geo.gazetteer.Gazetteer.pattern_need_`: the commoner, the more).
CUES: Final = (
    ("", 0.0),
    ("📍, @ or an address label before it", 3.0),
    ("a hashtag equal to it", 1.5),
    ("brackets or quotes around it", 2.5),
    ("a visit verb before it", 2.0),
    ("a category word after it", 1.0),
    ("written in capitals", 2.0),
    ("next to another place name (富民路的日常, Common on Julu Road)", 2.0),
    ("a capitalised Latin name in Chinese text", 1.0),
)

NO_CUE: Final = -1
_PIN_OR_AT: Final = 1
_HASHTAG: Final = 2
_BRACKETS: Final = 3
_VERB: Final = 4
_CATEGORY: Final = 5
_CAPITALS: Final = 6
_NEXT_TO_PLACE: Final = 7
_CAPS_IN_CJK: Final = 8
_VERBS_ZH: Final = (
    "去了",
    "去过",
    "来到",
    "到了",
    "打卡",
    "探店",
    "种草",
    "拔草",
    "码住",
    "二刷",
    "三刷",
    "收藏了",
    "安利",
)
_VERBS_EN: Final = ("at", "visited", "visit", "to", "from")
_ADDRESS: Final = re.compile(
    r"(地址|位置|店名|店名就?叫|名字就?叫|就叫|叫做|address|location) ?[:|]? ?$"
)
_ADDRESS_ENDS: Final = frozenset("址置名叫做sn:| ")
#: What may stand between a place name and an everyday word right after it (富民路的日常) ...
PLACE_GAPS: Final = frozenset({"的", "上的", "里的", "边的", "旁的", "附近的", "'s "})
#: ... or right before it (Common on Julu Road, 日常开在富民路).
_GAP_AFTER: Final = frozenset({" on ", " near ", "开在", "就在", "位于"})
#: Words before an everyday word that mark the ordinary word (这个周末, 我的日常).
_WORD_MARKERS: Final = (
    "这个",
    "那个",
    "每个",
    "上个",
    "下个",
    "整个",
    "一个",
    "我的",
    "你的",
    "他的",
    "她的",
    "我们的",
    "大家的",
    "每天",
    "这",
)
_CATEGORY_ZH: Final = (
    "咖啡",
    "餐厅",
    "饭店",
    "酒吧",
    "酒馆",
    "小酒馆",
    "面包",
    "烘焙",
    "甜品",
    "书店",
    "花店",
    "美甲",
    "美发",
    "古着",
    "酒店",
    "民宿",
    "火锅",
    "早午餐",
    "小馆",
    "食堂",
    "茶室",
    "门店",
)
_CATEGORY_EN: Final = re.compile(
    r"^ ?(cafe|coffee|bar|bakery|kitchen|restaurant|bistro|books|bookstore|bookshop|shop|"
    r"store|brunch|tavern|pub|hotel|gallery|studio)\b"
)

#: The two characters that end a visit verb and that start a category word, looked up with
#: arrays next to every everyday word (:func:`quick_cues`).
_CUE_BEFORE_PAIRS: Final = tuple(v[-2:] for v in _VERBS_ZH)
_CUE_AFTER_PAIRS: Final = tuple(c[:2] for c in _CATEGORY_ZH)
_PAIRS: Final = {"「": "」", "[": "]", '"': '"', "'": "'", "(": ")"}
_WINDOW: Final = 8


def _mask(chars: str) -> NDArray[np.bool_]:
    mask = np.zeros(0x10000, dtype=bool)
    mask[[ord(c) for c in chars]] = True
    return mask


def _pair_keys(pairs: tuple[str, ...]) -> NDArray[np.uint32]:
    return np.unique(np.array([(ord(p[0]) << 16) | ord(p[1]) for p in pairs], dtype=np.uint32))


_SEPARATOR_MASK: Final = _mask(" :|")
_ADDRESS_MASK: Final = _mask("址置名叫做")
_CLOSING: Final = np.zeros(0x10000, dtype=np.uint32)
_CLOSING[[ord(c) for c in _PAIRS]] = [ord(c) for c in _PAIRS.values()]
#: Capital Latin letters, ASCII and full-width: a Latin everyday word needs one to have a cue.
CAPITAL: Final = _mask(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "".join(chr(c) for c in range(0xFF21, 0xFF3B))
)
_CUE_BEFORE_KEYS: Final = _pair_keys(_CUE_BEFORE_PAIRS)
_CUE_AFTER_KEYS: Final = _pair_keys(_CUE_AFTER_PAIRS)


def mark_next_to_place(
    codes: NDArray[np.uint16],
    note: NDArray[np.int64],
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    skip: NDArray[np.bool_],
    cue: NDArray[np.int8],
) -> None:
    """Mark everyday words with a road, neighbourhood, landmark or merchant name right before
    or after them (not a city or district: 上海的周末 is a phrase)."""
    n = len(note)
    rows = np.flatnonzero(cue < 0)
    prev = rows - 1
    nxt = np.minimum(rows + 1, n - 1)
    gap_before = np.where(prev >= 0, start[rows] - end[np.maximum(prev, 0)], -1)
    gap_after = start[nxt] - end[rows]
    before_ok = (prev >= 0) & (note[np.maximum(prev, 0)] == note[rows]) & ~skip[np.maximum(prev, 0)]
    before_ok &= (gap_before >= 1) & (gap_before <= 3)
    after_ok = (rows + 1 < n) & (note[nxt] == note[rows]) & ~skip[nxt]
    after_ok &= (gap_after >= 1) & (gap_after <= 6)
    for k in np.flatnonzero(before_ok | after_ok).tolist():
        row = int(rows[k])
        if (before_ok[k] and codes_text(codes[end[row - 1] : start[row]]) in PLACE_GAPS) or (
            after_ok[k] and codes_text(codes[end[row] : start[row + 1]]) in _GAP_AFTER
        ):
            cue[row] = _NEXT_TO_PLACE


#: Words before a merchant's name saying the author went there, or did not (本来想去A ...
#: 转身去了B; Skipped A and went to B instead): they decide which of several merchants a note
#: is about.
_WENT: Final = re.compile(
    r"(去了|转身去了|改去|来到|到了|推荐的是|选了|最后去了|went to|ended up at|headed to|tried|"
    r"visited) ?$"
)
_NOT_WENT: Final = re.compile(
    r"(本来想去|本来要去|原本想去|原计划去|没去成|路过了?|比起|skipped|instead of|rather than|"
    r"than) ?$"
)
_WENT_AFTER: Final = re.compile(r"^ (instead|in the end)\b")


def visit_cue(text: str, start: int, end: int) -> int:
    """+1 when the words around a merchant's name say the author went there, -1 when they say
    the author did not, else 0 (``本来想去蓝窗咖啡，结果排队太长，转身去了白鸽咖啡``).

    Parameters
    ----------
    text
        The haystack as written.
    start, end
        The occurrence of the name.
    """
    before = normalize(text[max(0, start - 8) : start])
    if _NOT_WENT.search(before):
        return -1
    if _WENT.search(before) or _WENT_AFTER.match(normalize(text[end : end + 12])):
        return 1
    return 0


def ordinary_word(text: str, start: int, end: int) -> bool:
    """Whether an occurrence of an everyday-word name reads as the ordinary word.

    It does when it sits inside a longer hashtag (``#日常碎片``, ``#vlog日常``), follows a
    demonstrative or possessive (这个周末, 我的日常), or, for a Latin name, is not capitalised
    as written (``my daily coffee``).

    Parameters
    ----------
    text
        The haystack as written.
    start, end
        The occurrence.
    """
    name = text[start:end]
    if normalize(name).isascii():
        if not name[:1].isupper():
            return True
    elif normalize(text[max(0, start - 3) : start]).endswith(_WORD_MARKERS):
        return True
    return inside_hashtag(text, start, end)


def quick_cues(
    padded: NDArray[np.uint16], start: NDArray[np.int64], end: NDArray[np.int64]
) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
    """The cues of Chinese everyday-word matches, with arrays; and which need a closer look.

    ``padded`` is the codes with one code before (``padded[i + 1]`` is ``codes[i]``). The
    address labels (地址：, 店名就叫) are left to :func:`everyday_cue`.
    """
    last = len(padded) - 1

    def at(index: NDArray[np.int64]) -> NDArray[np.uint32]:
        return padded[np.clip(index, 0, last)].astype(np.uint32)

    b0, a0 = at(start), at(end + 1)
    # before, skipping a space; and skipping separators (探店｜回家, 打卡: 小院)
    b1 = np.where(b0 == 32, at(start - 1), b0)
    back = start.copy()
    for _ in range(3):
        back = np.where(_SEPARATOR_MASK[at(back)], back - 1, back)
    v1, v2 = at(back), at(back - 1)
    a1 = np.where(a0 == 32, at(end + 2), a0)
    a2 = np.where(a0 == 32, at(end + 3), at(end + 2))
    closing = _CLOSING[b0]
    cue = np.select(
        [
            (b1 == ord("@")) | (b1 == PIN_CODE),
            (b0 == ord("#")) & ((char_classes()[a0] & (LATIN | CJK)) == 0),
            (closing > 0) & (a0 == closing),
            np.isin((v2 << 16) | v1, _CUE_BEFORE_KEYS),
            np.isin((a1 << 16) | a2, _CUE_AFTER_KEYS),
        ],
        [_PIN_OR_AT, _HASHTAG, _BRACKETS, _VERB, _CATEGORY],
        NO_CUE,
    ).astype(np.int8)
    address = _ADDRESS_MASK[b1] | _ADDRESS_MASK[at(start - 1)] | _ADDRESS_MASK[v1]
    return cue, address & (cue < 0)


def everyday_cue(
    codes: NDArray[np.uint16], start: int, end: int, original: str, local_start: int
) -> int:
    """The lexical evidence code next to an everyday-word match, or -1."""
    lo = max(0, start - 2 * _WINDOW)
    window = codes_text(codes[lo : end + _WINDOW])
    before = window[: start - lo].rpartition(chr(SEPARATOR_CODE))[2]
    after = window[end - lo :].partition(chr(SEPARATOR_CODE))[0]
    b = before.rstrip(" ")
    last = before[-1:]
    nxt = after[:1]
    if b.endswith(("@", chr(PIN_CODE))) or (last in _ADDRESS_ENDS and _ADDRESS.search(before)):
        return _PIN_OR_AT
    if last == "#" and not is_word_char(nxt):
        return _HASHTAG
    if last in _PAIRS and nxt == _PAIRS[last]:
        return _BRACKETS
    if window[start - lo : end - lo].isascii():
        name = original[local_start : local_start + end - start]
        if len(name) >= 3 and name.isupper():
            return _CAPITALS
        if not name[:1].isupper():
            return NO_CUE
        if last == " " and b.rsplit(" ", 1)[-1] in _VERBS_EN:
            return _VERB
        if _CATEGORY_EN.match(after):
            return _CATEGORY
        if _is_cjk_char(last) or _is_cjk_char(nxt):
            return _CAPS_IN_CJK
        return NO_CUE
    if b.rstrip(":|").rstrip(" ").endswith(_VERBS_ZH):
        return _VERB
    if after.lstrip(" ").startswith(_CATEGORY_ZH) or _CATEGORY_EN.match(after):
        return _CATEGORY
    return NO_CUE


def inside_hashtag(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies in a hashtag word longer than itself.

    ``#日常碎片`` and ``#vlog日常`` hold 日常 inside a longer hashtag; ``#日常`` does not.

    Parameters
    ----------
    text
        A haystack (as written or normalised).
    start, end
        The span of a match in it.
    """
    i = start - 1
    while i >= 0 and i > start - 30:
        c = text[i]
        if c in "#＃":
            return i < start - 1 or is_word_char(text[end : end + 1])
        if not is_word_char(c):
            return False
        i -= 1
    return False


def _is_word_code(code: int) -> bool:
    return bool(char_classes()[code] & (LATIN | CJK))


def _is_cjk_char(char: str) -> bool:
    return bool(char) and ord(char) < 0x10000 and bool(char_classes()[ord(char)] & CJK)


def is_word_char(char: str) -> bool:
    """Whether a character is a Latin letter, a digit or a CJK ideograph."""
    return bool(char) and ord(char) < 0x10000 and _is_word_code(ord(char))


def codes_text(codes: NDArray[np.uint16]) -> str:
    """The text of a run of 16-bit matching codes."""
    return codes.tobytes().decode("utf-16-le", "replace")
