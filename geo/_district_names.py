"""The keys that district and city names are compared by: each name without its suffix.

:func:`city_key` drops one of 特别行政区, 自治州, 地区, 市, 盟 or " city", so that 上海 and 上海市
meet; :func:`district_key` drops one of 自治县, 自治旗, 新区, 区, 县, 市, 旗 or an English
" new area", " new district", " district", " county", the first that fits (longest first), so
that 浦东 and 浦东新区 meet and 浦东新区 never becomes 浦东新. Both take a name already cleaned
with :func:`geo.name_forms.clean` and keep at least two characters of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["city_key", "district_key"]

# Longest first: 新区 before 区, 自治县 before 县.
_DISTRICT_SUFFIXES: Final = (
    "自治县",
    "自治旗",
    "新区",
    "区",
    "县",
    "市",
    "旗",
    " new area",
    " new district",
    " district",
    " county",
)
_CITY_SUFFIXES: Final = ("特别行政区", "自治州", "地区", "市", "盟", " city")


def _stripped(form: str, suffixes: Sequence[str]) -> str:
    """``form`` without the first suffix of ``suffixes`` it ends with, if two letters remain."""
    for suffix in suffixes:
        if form.endswith(suffix) and len(form) - len(suffix) >= 2:
            return form[: -len(suffix)]
    return form


def city_key(form: str) -> str:
    """A cleaned city name without its city suffix.

    Parameters
    ----------
    form
        A city name, cleaned with :func:`geo.name_forms.clean`.

    Returns
    -------
    str
        The name without the suffix, or unchanged when none fits.

    Examples
    --------
    >>> city_key("上海市"), city_key("上海"), city_key("香港特别行政区")
    ('上海', '上海', '香港')
    """
    return _stripped(form, _CITY_SUFFIXES)


def district_key(form: str) -> str:
    """A cleaned district name without its district suffix.

    Parameters
    ----------
    form
        A district name, cleaned with :func:`geo.name_forms.clean`.

    Returns
    -------
    str
        The name without the suffix, or unchanged when none fits.

    Examples
    --------
    >>> district_key("浦东新区"), district_key("浦东"), district_key("xuhui district")
    ('浦东', '浦东', 'xuhui')
    """
    return _stripped(form, _DISTRICT_SUFFIXES)
