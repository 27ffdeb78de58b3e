"""The forms a place's name takes in notes, derived from its name and aliases.

People rarely write a gazetteer name exactly. :func:`name_forms` gives, for one place, every
normalised form its notes are searched for, each tagged with how it was obtained:

========================  =======================================================
given                      derived forms
========================  =======================================================
``半岛咖啡(武康路店)``      ``半岛咖啡武康路店``, ``半岛咖啡 武康路店``, and the chain name
                           ``半岛咖啡`` alone (a :data:`CHAIN` form: every branch has it)
``上生·新所``               ``上生新所``
``徐汇区``, ``浦东新区``     ``徐汇``, ``浦东`` (districts; Latin ``Xuhui District`` -> ``xuhui``)
``上海市``                 ``上海`` (cities; ``Hangzhou City`` -> ``hangzhou``)
``Wukang Road``           ``wukang rd``, ``wukang rd.`` (roads; and back: ``Rd`` -> ``road``)
``The Bund``              ``bund``
``Green Plum Bakery``     ``greenplumbakery`` (hashtags drop spaces), ``jing'an`` -> ``jingan``
========================  =======================================================

Forms that could never be matched safely are dropped: a single Chinese character (沪) and
Latin names of fewer than three letters or digits.
"""

from __future__ import annotations

import re
from typing import Final

from geo.normalize import normalize, normalize_many

__all__ = [
    "ALIAS",
    "CHAIN",
    "DERIVED",
    "FORM_KINDS",
    "NAME",
    "clean",
    "clean_many",
    "forms_of",
    "matchable",
    "name_forms",
]

#: Form kinds, in order of preference when a form reaches a place several ways.
NAME: Final = 0
ALIAS: Final = 1
DERIVED: Final = 2
CHAIN: Final = 3
FORM_KINDS: Final = ("name", "alias", "derived", "chain")

_SPACE_RUN: Final = re.compile(r"\s+")
_NOT_ALNUM: Final = re.compile(r"[^0-9a-z]")
_BRANCH: Final = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
_ROAD_WORDS: Final = {
    "road": ("rd", "rd."),
    "rd": ("road",),
    "rd.": ("road", "rd"),
    "street": ("st", "st."),
    "st": ("street",),
    "st.": ("street", "st"),
    "avenue": ("ave", "ave."),
    "ave": ("avenue",),
    "boulevard": ("blvd",),
    "blvd": ("boulevard",),
    "lane": ("ln",),
}
_POINT_KINDS: Final = frozenset({"merchant", "landmark", "neighborhood"})
_DISTRICT_SUFFIXES: Final = ("新区", "区", "县")
_DISTRICT_SUFFIXES_EN: Final = (" new area", " district", " county")
_CITY_SUFFIXES_EN: Final = (" city",)


def clean(name: str) -> str:
    """Normalise a gazetteer name: :func:`~geo.normalize.normalize`, trimmed, spaces collapsed."""
    folded = normalize(name).strip()
    if "  " in folded or "\t" in folded or "\n" in folded:
        folded = _SPACE_RUN.sub(" ", folded)
    return folded


def clean_many(names: list[str]) -> list[str]:
    """:func:`clean` of many names at once."""
    out = normalize_many(names)
    for i, folded in enumerate(out):
        if folded[:1].isspace() or folded[-1:].isspace() or "  " in folded or "\t" in folded:
            out[i] = _SPACE_RUN.sub(" ", folded).strip()
    return out


def matchable(form: str) -> bool:
    """Whether a normalised form may be searched for on its own.

    Single CJK characters and Latin-only forms of fewer than three letters or digits are not.
    """
    if form.isascii():
        if len(form) >= 6 and form[0].isalnum():
            return True
        return len(_NOT_ALNUM.sub("", form)) >= 3
    return len(form) >= 2 and len(form.replace(" ", "")) >= 2


def name_forms(name: str, aliases: list[str], kind: str) -> list[tuple[str, int]]:
    """Every normalised form of one place's names, with its form kind.

    Parameters
    ----------
    name
        The place's display name.
    aliases
        Its alternate names.
    kind
        Its SPEC kind (``merchant``, ``road``, ...): district, city and road forms depend on it.

    Returns
    -------
    ``(form, kind)`` pairs (kinds :data:`NAME`, :data:`ALIAS`, :data:`DERIVED`, :data:`CHAIN`),
    possibly with repeats; only :func:`matchable` forms.
    """
    return forms_of([clean(n) for n in (name, *aliases)], kind)


def forms_of(cleaned: list[str], kind: str) -> list[tuple[str, int]]:
    """:func:`name_forms` for names already :func:`clean` (the name first, then aliases)."""
    out: list[tuple[str, int]] = []
    how = NAME
    shop = kind in _POINT_KINDS
    for form in cleaned:
        if not form:
            how = ALIAS
            continue
        out.append((form, how))
        how = ALIAS
        if form[-1] == ")" or "·" in form or not shop:
            _derive(form, kind, out)
        elif form.isascii():
            # the common case, inlined: a merchant's or landmark's Latin name
            if form.startswith("the ") and len(form) > 7:
                _derive_latin(form, kind, out)
            elif " " in form:
                joined = form.replace(" ", "")
                if "'" in joined or "." in joined:
                    joined = joined.replace("'", "").replace(".", "")
                if len(joined) >= 6:
                    out.append((joined, DERIVED))
                if "'" in form:
                    out.append((form.replace("'", ""), DERIVED))
            elif "'" in form:
                out.append((form.replace("'", ""), DERIVED))
    return [(f, k) for f, k in out if len(f) >= 6 or matchable(f)]


def _derive(form: str, kind: str, out: list[tuple[str, int]]) -> None:
    """Append the derived forms of one normalised name to ``out``."""
    if form.endswith(")"):
        m = _BRANCH.match(form)
        if m:
            chain, branch = m.group(1).strip(), m.group(2).strip()
            out.append((chain + branch, DERIVED))
            out.append((f"{chain} {branch}", DERIVED))
            out.append((f"{chain}({branch})", DERIVED))
            out.append((chain, CHAIN))
    if "·" in form:
        out.append((form.replace("·", ""), DERIVED))
        out.append((form.replace("·", " "), DERIVED))
    ascii_form = form.isascii()
    if ascii_form:
        _derive_latin(form, kind, out)
    elif kind == "district":
        for suffix in _DISTRICT_SUFFIXES:
            if form.endswith(suffix) and len(form) - len(suffix) >= 2:
                out.append((form[: -len(suffix)], DERIVED))
                break
    elif kind == "city" and form.endswith("市") and len(form) >= 3:
        out.append((form[:-1], DERIVED))


def _derive_latin(form: str, kind: str, out: list[tuple[str, int]]) -> None:
    """Derived forms of a Latin-script name."""
    if kind == "merchant" or kind == "landmark" or kind == "neighborhood":
        forms = [form, form[4:]] if form.startswith("the ") and len(form) > 7 else [form]
    else:
        forms = [form]
        if form.startswith("the ") and len(form) > 7:
            forms.append(form[4:])
        if kind == "district":
            forms.extend(form[: -len(s)] for s in _DISTRICT_SUFFIXES_EN if form.endswith(s))
        elif kind == "city":
            forms.extend(form[: -len(s)] for s in _CITY_SUFFIXES_EN if form.endswith(s))
        elif kind == "road":
            head, _, last = form.rpartition(" ")
            for other in _ROAD_WORDS.get(last, ()) if head else ():
                forms.append(f"{head} {other}")
    for f in forms[1:]:
        out.append((f, DERIVED))
    for f in forms:
        if "'" in f:
            out.append((f.replace("'", ""), DERIVED))
        if " " in f:
            joined = f.replace(" ", "")
            if "'" in joined or "." in joined:
                joined = joined.replace("'", "").replace(".", "")
            if len(joined) >= 6:
                out.append((joined, DERIVED))
