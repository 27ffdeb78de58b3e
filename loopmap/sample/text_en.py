"""Compose English (expat / traveller) notes from the phrase banks."""

from __future__ import annotations

import re

from loopmap.sample import phrases_en as E
from loopmap.sample.phrases import Kit
from loopmap.sample.text_base import Dice, NotePlan, kit_for, missing_forms, slot_filter, tier_of

__all__ = ["compose_en"]

_TERMS_EXCITED = ("!", "!!", "!", ".", "! 🙌", "!!!", "!", " haha.", "!")
_TERMS_CALM = (".", ".", ".", "...", ".", " lol.", ".", " tbh.", ".")
_SEPS = (", ",) * 8 + (" - ", "; ", " + ", ", ")
_KEEP_CASE = frozenset(("English", "WeChat", "RedNote", "Tony", "French", "Japanese", "Geisha"))
_AN = re.compile(r"(^|\s)a ([aeiouAEIOU])")
_ORDINALS = ("2nd", "3rd", "4th", "5th", "second", "third", "umpteenth")

_TITLE_MERCHANT = slot_filter(E.TITLE_MERCHANT_EN)
_TITLE_WISH = slot_filter(E.TITLE_WISH_EN)
_TITLE_AREA = slot_filter(E.TITLE_AREA_EN)
_TITLE_GENERAL = slot_filter(E.TITLE_GENERAL_EN)
_GEN_BODY = slot_filter(E.GEN_BODY_EN)
_SHORT = slot_filter(E.SHORT_EN)
_PAID_OPEN_M = tuple(t for t in E.PAID_OPEN_EN if "{m}" in t)


class _Note:
    """State for composing one English note."""

    __slots__ = (
        "d",
        "emo",
        "emoji",
        "forms",
        "kit",
        "missing",
        "nl",
        "plan",
        "sep",
        "terms",
        "tier",
        "v",
    )

    def __init__(self, plan: NotePlan, d: Dice) -> None:
        self.plan = plan
        self.d = d
        kit, seed = kit_for(plan, d)
        self.kit = kit
        self.tier = 3 if plan.paid else tier_of(plan.rating)
        excited = plan.paid or d.chance((0.1, 0.2, 0.4, 0.65)[self.tier])
        self.terms = _TERMS_EXCITED if excited else _TERMS_CALM
        self.emo = (0.05, 0.1, 0.2, 0.3)[self.tier] + (0.2 if excited else 0.0)
        self.emoji = kit.emoji + E.EMOJI_EN
        self.sep = d.pick(_SEPS)
        self.nl = "\n" if d.chance(0.3) else " "
        self.forms = tuple(f for f in (plan.merchant, plan.area, plan.district, plan.city) if f)
        self.v = _slots(plan, kit, seed, d)
        missing = set()
        if not self.v["where"]:
            missing.add("where")
        if plan.price is None:
            missing.add("price")
        if plan.merchant is None:
            missing.add("m")
        self.missing = frozenset(missing)
        self.v["walk_clause"] = self.fp(E.WALK_CLAUSES_EN)
        self.v["taste"] = d.pick(self.tastes())
        self.v["verdict"] = d.pick(E.VERDICT_EN[self.tier]).lower()
        self.v["hook"] = d.pick(E.TITLE_HOOKS_EN[self.tier])

    def fp(self, templates: tuple[str, ...]) -> str:
        """Pick a template and fill it (with "a" before a vowel turned into "an")."""
        text = self.d.pick(templates).format_map(self.v)
        return _AN.sub(r"\1an \2", text) if " a " in text else text

    def fps(self, templates: tuple[str, ...], k: int) -> list[str]:
        """Pick ``k`` distinct templates and fill them."""
        out = [t.format_map(self.v) for t in self.d.picks(templates, k)]
        return [_AN.sub(r"\1an \2", t) if " a " in t else t for t in out]

    def tastes(self) -> tuple[str, ...]:
        """Product judgements matching the verdict tier, with some mixed feelings."""
        kit, d = self.kit, self.d
        if self.tier >= 2:
            return kit.meh if d.chance(0.15) else kit.good
        if self.tier == 1:
            return kit.good if d.chance(0.3) else kit.meh
        return kit.meh if d.chance(0.2) else kit.bad

    def sentence(self, clauses: list[str]) -> str:
        """Join clauses into one sentence, capitalised unless it starts with a place name."""
        forms = self.forms
        for i in range(1, len(clauses)):
            c = clauses[i]
            if (
                len(c) > 1
                and c[0].isupper()
                and c[1].islower()
                and not c.startswith(forms)
                and c.split(" ", 1)[0] not in _KEEP_CASE
            ):
                clauses[i] = c[0].lower() + c[1:]
        s = self.sep.join(clauses)
        if s and s[0].islower() and not s.startswith(self.forms):
            s = s[0].upper() + s[1:]
        s += self.d.pick(self.terms)
        if self.d.u() < self.emo:
            s += " " + self.d.pick(self.emoji)
        return s

    def sentences(self, clauses: list[str]) -> list[str]:
        """Pack clauses into sentences of one to three clauses each."""
        d = self.d
        out = []
        i, n = 0, len(clauses)
        while i < n:
            k = 1 if d.u() < 0.15 else (2 if d.u() < 0.7 else 3)
            out.append(self.sentence(clauses[i : i + k]))
            i += k
        return out

    def para(self, clauses: list[str]) -> str:
        """Pack clauses into a paragraph."""
        return self.nl.join(self.sentences(clauses))


def _where(plan: NotePlan, d: Dice) -> str:
    parts = [p for p in (plan.area, plan.district, plan.city) if p]
    if len(parts) == 2 and plan.area and plan.district and d.chance(0.3):
        return d.pick((f"{plan.area} ({plan.district})", f"{plan.area} in {plan.district}"))
    return ", ".join(parts)


def _slots(plan: NotePlan, kit: Kit, seed: int, d: Dice) -> dict[str, str]:
    items = kit.items
    n = len(items)
    i1 = seed % n if seed and d.chance(0.45) else int(d.u() * n)
    i2 = (i1 + 1 + int(d.u() * (n - 1))) % n
    price = plan.price
    comp = d.pick(E.COMPANIONS_EN)
    return {
        "m": plan.merchant or d.pick(kit.ref),
        "item": items[i1],
        "item2": items[i2],
        "side": d.pick(kit.sides),
        "word": kit.word,
        "adj": kit.adj,
        "act": kit.act,
        "got": kit.got,
        "staff": d.pick(kit.staff),
        "spot": d.pick(kit.spots),
        "scene": d.pick(kit.scene),
        "space": d.pick(kit.space),
        "style": d.pick(E.STYLES_EN),
        "music": d.pick(E.MUSIC_EN),
        "light": d.pick(E.LIGHTS_EN),
        "color": d.pick(E.COLORS_EN),
        "comp": comp,
        "withp": d.pick(E.WITH_EN).replace("{comp}", comp),
        "when": d.pick(E.WHEN_EN),
        "weather": d.pick(E.WEATHER_EN),
        "gift": d.pick(E.GIFTS_EN),
        "mins": str(d.between(1, 12) * 5),
        "walk": str(d.between(2, 15)),
        "tm": d.pick(("9am", "10am", "11am", "2pm", "3pm", "4pm", "5pm")),
        "n": d.pick(_ORDINALS),
        "seats": str(d.between(6, 30)),
        "price": "" if price is None else str(price),
        "price2": "" if price is None else str(price * 2 + d.between(0, 9)),
        "hrs": f"open {d.pick(kit.opens)}-{d.pick(kit.closes)}",
        "verb": d.pick(kit.verb),
        "where": _where(plan, d),
    }


def _open(x: _Note) -> list[str]:
    d, tier = x.d, x.tier
    r = d.u()
    if tier <= 1 and r < 0.45:
        out = [x.fp(E.HOOK_BAD_EN), x.fp(E.REASON_EN)]
    elif tier >= 2 and r < 0.35:
        out = [x.fp(E.HOOK_GOOD_EN), x.fp(E.REASON_EN)]
    elif r < 0.6:
        out = [x.fp(E.ARRIVE_EN), x.fp(E.FOUND_EN)]
    else:
        out = [x.fp(E.FOUND_EN), x.fp(E.REASON_EN)]
    if x.v["where"] and d.chance(0.85):
        out.append(x.fp(E.LOC_EN))
    return out


def _middle(x: _Note) -> list[list[str]]:
    d, v, tier = x.d, x.v, x.tier
    order = [x.fp(E.ORDER_EN), v["taste"]]
    if d.chance(0.4):
        order.append(d.pick(x.tastes()))
    if d.chance(0.35):
        order.append(x.fp(E.SIDE_TASTE_EN[tier]))
    parts = [order]
    indoor = x.kit.indoor
    if d.chance(0.55):
        ambience = x.fp(E.SPACE_EN) if indoor else d.pick(x.tastes())
        parts.append(d.shuffle([v["space"].format_map(v), ambience]))
    extra = []
    if indoor and d.chance(0.45):
        extra.append(x.fp(E.SERVICE_EN[tier]))
    if indoor and d.chance(0.35):
        extra.append(x.fp(E.TIPS_EN))
    if d.chance(0.3):
        extra.append(x.fp(E.PHOTO_EN))
    if x.plan.price is not None and d.chance(0.6):
        parts.append([x.fp(E.PRICE_FORMS_EN), d.pick(E.PRICE_VALUE_EN[tier]), *extra[:1]])
        extra = extra[1:]
    if len(extra) == 1:
        parts[d.between(0, len(parts) - 1)].append(extra[0])
    elif extra:
        parts.append(extra)
    if d.chance(0.25):
        mix = d.pick(E.CHINGLISH if tier >= 2 else E.CHINGLISH_BAD)
        parts[d.between(0, len(parts) - 1)].append(mix)
    return parts


def _end(x: _Note) -> list[str]:
    d = x.d
    prefix, verdict = d.pick(E.VERDICT_PREFIX_EN), d.pick(E.VERDICT_EN[x.tier])
    if prefix and not prefix.endswith((": ", "? ")):
        verdict = verdict[0].lower() + verdict[1:]
    out = [prefix + verdict]
    r = d.u()
    if r < 0.6:
        out.append(x.fp(E.NEXT_EN[x.tier]))
    if r > 0.4:
        out.append(x.fp(E.CTA_EN[x.tier]))
    return out


def _ask(x: _Note) -> str:
    asks = x.fps(E.ASK_EN, 2)
    text = x.d.pick((" - ", " / ", ", also ", ", ", " + ")).join(asks)
    return text[0].upper() + text[1:] + x.d.pick(("?", "??", "? 🙏", "?"))


def _visit(x: _Note, length: str) -> list[str]:
    d = x.d
    parts = _middle(x)
    if length == "medium":
        sents = [x.sentence(_open(x))]
        sents += [x.sentence(p) for p in parts[: d.between(1, 3)]]
        sents.append(x.sentence(_end(x)))
        return [x.nl.join(sents)]
    paras = [x.para(_open(x))]
    if d.chance(0.3):
        paras.append(x.para([x.fp(E.ORDER_EN), d.pick(x.tastes())]))
    while parts:
        k = d.between(1, 2)
        paras.append(x.para([c for p in parts[:k] for c in p]))
        parts = parts[k:]
    paras.append(x.para(_end(x)))
    return paras


def _wish(x: _Note, length: str) -> list[str]:
    d = x.d
    first = [x.fp(E.WISH_EN)]
    if x.v["where"] and d.chance(0.85):
        first.append(x.fp(E.LOC_EN))
    second = [t for t in x.fps(E.WISH_EN, 2) if t != first[0]][:1]
    sents = [x.sentence(first), x.sentence([*second, x.fp(E.REASON_EN)])]
    if length == "long":
        sents.append(x.sentence([x.v["space"].format_map(x.v), x.fp(E.SPACE_EN)]))
    sents.append(_ask(x))
    return [x.nl.join(sents[:2]), x.nl.join(sents[2:])] if length == "long" else [" ".join(sents)]


def _paid(x: _Note, length: str) -> list[str]:
    d = x.d
    praise = x.fps(E.PAID_EN, d.between(5, 7))
    opening = _PAID_OPEN_M if x.plan.merchant and d.chance(0.85) else E.PAID_OPEN_EN
    paras = [x.sentence([x.fp(opening)]), x.para(praise[:3])]
    if x.v["where"]:
        paras.append("📍 " + x.v["where"])
    if length == "long":
        paras.append(x.para(praise[3:]))
    return paras


def _walk(x: _Note, length: str) -> list[str]:
    d = x.d
    body = x.fps(E.WALK_BODY_EN, d.between(2, 4))
    opening = [x.fp(E.WALK_OPEN_EN)]
    if not x.plan.visited:
        opening = [f"Want to do a slow loop around {x.v['where']} {x.v['when']}"]
        body = [x.fp(E.REASON_EN), _ask(x)]
    paras = [x.sentence(opening), x.para(body)]
    if length == "long":
        paras.append(x.para([x.fp(E.PHOTO_EN), *_end(x)]))
    return paras if length == "long" else [x.nl.join(paras)]


def _general(x: _Note, length: str) -> list[str]:
    d = x.d
    opening = [x.fp(E.GEN_OPEN_EN), x.fp(E.REASON_EN)]
    if x.v["where"]:
        opening.append(f"{d.pick(('living in', 'here in', 'around'))} {x.v['where']}")
    body = x.fps(_GEN_BODY[x.missing], d.between(2, 3))
    paras = [x.sentence(opening), x.para(body), _ask(x)]
    return paras if length == "long" else [x.nl.join(paras)]


def _short(x: _Note, mode: str) -> str:
    d, v = x.d, x.v
    if mode == "visit":
        line = x.sentence([x.fp(_SHORT[x.missing])])
    elif mode == "wish":
        line = x.sentence([x.fp(E.WISH_EN)])
    elif mode == "paid":
        opening = _PAID_OPEN_M if x.plan.merchant else E.PAID_OPEN_EN
        line = x.sentence([x.fp(opening), x.fp(E.PAID_EN)])
    elif mode == "walk":
        line = x.sentence([x.fp(E.WALK_OPEN_EN), x.fp(E.WALK_BODY_EN)])
    else:
        line = x.sentence([x.fp(E.GEN_OPEN_EN), x.fp(_GEN_BODY[x.missing])])
    if v["where"] and v["where"] not in line and d.chance(0.7):
        line += " 📍" + v["where"]
    return line


_TITLES = {
    "visit": _TITLE_MERCHANT,
    "wish": _TITLE_WISH,
    "paid": _TITLE_MERCHANT,
    "walk": _TITLE_AREA,
    "general": _TITLE_GENERAL,
}


def _title(x: _Note, mode: str) -> str:
    d, v = x.d, x.v
    where, v["where"] = v["where"], x.plan.area or x.plan.district or x.plan.city or ""
    title = x.fp(_TITLES[mode][x.missing] or _TITLE_GENERAL[x.missing])
    v["where"] = where
    r = d.u()
    if r < 0.4:
        title += " " + d.pick(x.emoji)
    elif r < 0.55:
        title = d.pick(x.emoji) + " " + title
    return title


def _tag(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _tags(x: _Note, count: int) -> list[str]:
    if count <= 0:
        return []
    plan, kit, d = x.plan, x.kit, x.d
    place = []
    if plan.area and _tag(plan.area):
        place.append(_tag(plan.area))
    if plan.city and _tag(plan.city):
        place.append(_tag(plan.city).lower() + d.pick(kit.city_tags))
    if plan.merchant and plan.merchant.isascii() and _tag(plan.merchant) and d.chance(0.5):
        place.append(_tag(plan.merchant).lower())
    generic = d.picks(kit.tags, 4) + d.picks(E.TAGS_EN, 4)
    d.shuffle(generic)
    out: list[str] = []
    for tag in place + generic:
        if tag not in out:
            out.append(tag)
        if len(out) == count:
            break
    return out


def compose_en(plan: NotePlan, dice: Dice) -> tuple[str, str, list[str]]:
    """Compose an English note for ``plan``.

    Parameters
    ----------
    plan
        The note plan (``plan.lang == "en"``).
    dice
        Random draws.

    Returns
    -------
    title, text, tags
        Tags are hashtags without ``#``; when present they also end the text.
    """
    x = _Note(plan, dice)
    if plan.paid:
        mode = "paid"
    elif plan.merchant is not None:
        mode = "visit" if plan.visited else "wish"
    else:
        mode = "walk" if plan.area is not None else "general"
    title = _title(x, mode)
    length = plan.length
    if length == "short":
        text, glue = _short(x, mode), " "
    else:
        body = {"visit": _visit, "wish": _wish, "paid": _paid, "walk": _walk}.get(mode, _general)
        text, glue = ("\n\n" if length == "long" else "\n").join(body(x, length)), "\n"
    missing = missing_forms(plan, title + "\n" + text)
    if missing:
        x.v["f"] = ", ".join(missing)
        text += glue + x.fp(E.FALLBACK_EN)
    d = x.d
    if plan.paid:
        count = d.between(8, 14)
    elif length == "short":
        count = 0 if d.chance(0.6) else d.between(1, 2)
    else:
        count = 0 if d.chance(0.35) else d.between(3, 6)
    tags = _tags(x, count)
    if tags:
        text += glue + " ".join("#" + t for t in tags)
    return title, text, tags
