"""Length-preserving text normalisation for matching place names.

:func:`normalize` maps every character to exactly one character, so a string and its
normalised form have the same length and character offsets found in one are offsets in the
other. That is what lets a mention be found in the normalised text and reported with offsets
into the text as written.

What it folds, character by character:

- full-width ASCII to ASCII (``ＡＢＣ１２３（）`` -> ``abc123()``), the ideographic space and
  the other Unicode spaces to ``" "``;
- Latin case (only where the lower-case form is one character: ``İ``, whose lower case is two,
  is left as it is) and Latin diacritics (``é`` -> ``e``), so ``Café`` matches ``cafe``;
- Traditional to Simplified Chinese with OpenCC's ``t2s`` tables (plus the characters that
  only its ``tw2s`` and ``hk2s`` tables convert), one character at a time;
- punctuation variants: the middle dots ``・•‧∙⋅`` to ``·``; ``『﹁﹃`` and ``』﹂﹄`` to the
  corner brackets ``「`` ``」``; ``【〖〔［`` and ``】〗〕］`` to ``[`` ``]``; curly quotes to
  straight ones; dashes to ``-``; ``〜`` to ``~``; ``。`` to ``.``; ``、`` to ``,``; ``｜│``
  to ``|``.

Emoji, other symbols and every other character are left untouched.

Character-level Chinese conversion
----------------------------------
OpenCC converts by phrase: ``乾隆`` stays ``乾隆`` while ``乾淨`` becomes ``干净``, ``瞭解`` becomes
``了解`` while ``瞭`` alone stays ``瞭``. A per-character table cannot follow that (it makes ``乾``
always ``干``), and phrase conversion can change a text's length, so the table is built from
OpenCC's conversion of each character on its own: every one of the 28,160 characters in the
CJK blocks converts to exactly one character that way (the table construction checks it, and
skips the few whose simplified form lies outside the BMP, so that each normalised character is
one 16-bit matching code). Place names and note texts go through the same table, so a name
written in either script still matches a text written in either script; only the folded forms
differ from OpenCC's phrase output, and they are never shown to anyone.

Matching codes
--------------
:func:`matching_codes` gives the normalised text as one 16-bit code per character, the form
the mention automaton searches (in UTF-8): characters outside the Basic Multilingual Plane (emoji,
rare CJK extension characters) are replaced by a placeholder so that every character is one
code, which keeps code offsets equal to character offsets. ``📍`` keeps a code of its own
(:data:`PIN_CODE`) because it marks a place, and :data:`SEPARATOR_CODE`, a noncharacter that
no place name contains, joins many texts into one haystack.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CJK",
    "LATIN",
    "PIN_CODE",
    "SEPARATOR_CODE",
    "char_classes",
    "code_table",
    "matching_codes",
    "normalize",
    "normalize_many",
    "simplified_table",
    "to_matching",
]

logger = logging.getLogger(__name__)

#: Joins texts in one haystack: a noncharacter, in no place name, so no match spans two texts.
SEPARATOR_CODE: Final = 0xFFFF
#: The code of 📍 (U+1F4CD), which lies outside the BMP.
PIN_CODE: Final = 0xE000
#: The code of any other character outside the BMP that is a CJK ideograph.
_ASTRAL_CJK_CODE: Final = 0xE001
#: The code of every other character outside the BMP (emoji and symbols).
_ASTRAL_OTHER_CODE: Final = 0xFFFD

#: Bits of :func:`char_classes`.
LATIN: Final = 1
CJK: Final = 2

_PIN: Final = 0x1F4CD
_SPACES: Final = "\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_PUNCTUATION: Final = {
    "·": "・•‧∙⋅",
    "「": "『﹁﹃",
    "」": "』﹂﹄",
    "[": "【〖〔［",
    "]": "】〗〕］",
    '"': "“”„‟〝〞",
    "'": "‘’‚‛′",
    "-": "‐‑‒–—―－",
    "~": "〜～",
    ".": "。",
    ",": "、",
    "|": "｜│",
}
#: The CJK blocks whose characters are converted one by one with OpenCC.
_CJK_BLOCKS: Final = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_OPENCC_CONFIGS: Final = ("t2s", "tw2s", "hk2s")


def normalize(text: str) -> str:
    """Return ``text`` folded for matching, with exactly as many characters.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    The folded text (see the module docstring); ``len(normalize(t)) == len(t)`` always.

    Examples
    --------
    >>> normalize("ＡＢＣ１２３（武康路）")
    'abc123(武康路)'
    >>> normalize("臺北咖啡館 Café")
    '台北咖啡馆 cafe'
    """
    return text.translate(_translation())


def normalize_many(texts: list[str]) -> list[str]:
    """:func:`normalize` of many texts at once (one array lookup instead of a call each).

    Parameters
    ----------
    texts
        Texts without NUL characters (they join the texts).

    Returns
    -------
    The normalised texts, in order.
    """
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [t.translate(_translation()) for t in texts]
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.size and int(codes.max()) >= 0x10000:  # astral characters: keep them as they are
        return [t.translate(_translation()) for t in texts]
    folded = code_table()[codes].tobytes().decode("utf-16-le", "surrogatepass")
    return folded.split("\x00")


def to_matching(text: str) -> bytes:
    """Return the matching codes of ``text`` as UTF-16-LE bytes (two bytes per character).

    Parameters
    ----------
    text
        Any text, normalised or not.

    Returns
    -------
    ``matching_codes(text).tobytes()``; for text within the BMP this is the UTF-16-LE encoding
    of ``normalize(text)``.
    """
    folded = normalize(text)
    if not folded or max(folded) < "\U00010000":
        return folded.encode("utf-16-le")
    return matching_codes(text).tobytes()


def matching_codes(text: str) -> NDArray[np.uint16]:
    """Return one 16-bit matching code per character of ``text`` (normalised, BMP-only).

    Parameters
    ----------
    text
        Any text; for many texts, join them with ``chr(SEPARATOR_CODE)`` first.

    Returns
    -------
    A uint16 array of ``len(text)`` codes.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return code_table()[codes]


@functools.cache
def code_table() -> NDArray[np.uint16]:
    """The matching code of every code point, as a uint16 array of 0x110000 entries.

    ``chr(SEPARATOR_CODE)`` maps to itself; no place name contains it.
    """
    table = np.zeros(0x110000, dtype=np.uint16)
    table[:0x10000] = np.arange(0x10000, dtype=np.uint16)
    for source, target in _translation().items():
        if source < 0x10000:
            table[source] = ord(target)
    table[0xD800:0xE000] = _ASTRAL_OTHER_CODE  # lone surrogates
    table[0x10000:] = _ASTRAL_OTHER_CODE
    for lo, hi in ((0x20000, 0x2FA20), (0x30000, 0x323B0)):
        table[lo:hi] = _ASTRAL_CJK_CODE
    table[_PIN] = PIN_CODE
    # Codes that stand for other characters cannot come from a text's own characters.
    for code in (PIN_CODE, _ASTRAL_CJK_CODE):
        table[code] = _ASTRAL_OTHER_CODE
    return table


@functools.cache
def char_classes() -> NDArray[np.uint8]:
    """Class bits (:data:`LATIN`, :data:`CJK`) of every 16-bit matching code.

    LATIN marks ASCII letters and digits and the Latin letters of U+00C0-U+024F; CJK marks
    the CJK ideograph blocks and the placeholder of ideographs outside the BMP.
    """
    classes = np.zeros(0x10000, dtype=np.uint8)
    for lo, hi in ((0x30, 0x3A), (0x61, 0x7B), (0x41, 0x5B), (0xC0, 0x250)):
        classes[lo:hi] |= LATIN
    classes[0xD7] = classes[0xF7] = 0
    for lo, hi in (*_CJK_BLOCKS, (0x3005, 0x3008), (_ASTRAL_CJK_CODE, _ASTRAL_CJK_CODE + 1)):
        classes[lo:hi] |= CJK
    return classes


@functools.cache
def _translation() -> dict[int, str]:
    """The character map behind :func:`normalize`, built once on first use."""
    table: dict[int, str] = {}
    table.update(_chinese_table())
    for code in range(0x10000):
        char = chr(code)
        lower = char.lower()
        if lower != char and len(lower) == 1:
            table[code] = lower
    for code in range(0xC0, 0x250):
        base = _latin_base(chr(code))
        if base:
            table[code] = base
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    for char in _SPACES:
        table[ord(char)] = " "
    for target, sources in _PUNCTUATION.items():
        for char in sources:
            table[ord(char)] = target
    return {k: v for k, v in table.items() if v != chr(k)}


def _latin_base(char: str) -> str:
    """The ASCII letter a Latin letter with diacritics is built on, in lower case, or ''."""
    decomposition = unicodedata.decomposition(char)
    if not decomposition or decomposition.startswith("<"):
        return ""
    base = chr(int(decomposition.split()[0], 16))
    if base.isascii() and base.isalpha():
        return base.lower()
    return _latin_base(base) if base != char else ""


@functools.cache
def simplified_table() -> dict[int, str]:
    """Traditional -> Simplified Chinese, one character at a time, from OpenCC's tables.

    Returns
    -------
    dict
        Code point -> the one-character simplified form, for :meth:`str.translate`;
        characters OpenCC turns into several characters are left out.
    """
    return _chinese_table()


def _chinese_table() -> dict[int, str]:
    """Traditional -> Simplified, one character at a time, from OpenCC's tables."""
    import opencc

    chars = [chr(c) for lo, hi in _CJK_BLOCKS for c in range(lo, hi)]
    joined = "\n".join(chars)
    table: dict[int, str] = {}
    skipped = 0
    for config in _OPENCC_CONFIGS:
        converted = opencc.OpenCC(config).convert(joined).split("\n")
        if len(converted) != len(chars):  # a phrase spanned a newline: should never happen
            msg = f"OpenCC {config} merged characters across line breaks"
            raise RuntimeError(msg)
        for char, simple in zip(chars, converted, strict=True):
            if simple == char or ord(char) in table:
                continue
            if len(simple) == 1 and simple < "\U00010000":
                table[ord(char)] = simple
            else:
                skipped += 1
    if skipped:
        logger.debug("%d characters convert to several characters; left as they are", skipped)
    return table
