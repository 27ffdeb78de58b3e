"""Fold traditional Chinese characters to simplified ones, for matching and features.

Notes from Hong Kong, Taiwan and Macau write 咖啡廳, 甜點, 書店; the taxonomy's keywords and
most training notes are simplified. Folding character by character (OpenCC's tables, as
:func:`geo.normalize.simplified_table` derives them) makes 咖啡廳 match 咖啡厅 and share its
n-gram features. It is a character map, not a phrase converter: regional word choices
(髮型屋, 士多) stay as they are.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from geo.normalize import simplified_table

__all__ = ["fold_codepoints", "fold_text", "to_simplified"]


@functools.cache
def _lookup() -> NDArray[np.uint32]:
    table = np.arange(0x10000, dtype=np.uint32)
    for source, target in simplified_table().items():
        if source < 0x10000:
            table[source] = ord(target)
    return table


def to_simplified(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones.

    Examples
    --------
    >>> to_simplified("咖啡廳的甜點")
    '咖啡厅的甜点'
    """
    return text.translate(simplified_table())


def fold_codepoints(codepoints: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """Code points with traditional characters replaced by simplified ones (a new array)."""
    lookup = _lookup()
    out = codepoints.copy()
    bmp = out < 0x10000
    out[bmp] = lookup[out[bmp]]
    return out


def fold_text(text: str) -> str:
    """:func:`to_simplified` through numpy: faster on long texts (a joined batch)."""
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return fold_codepoints(codepoints).tobytes().decode("utf-32-le")
