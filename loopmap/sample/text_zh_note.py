"""The state of one Chinese note being composed, and the clause sections of a visit note."""

from __future__ import annotations

from loopmap.sample import phrases as P
from loopmap.sample import phrases_modes as M
from loopmap.sample.phrases import Kit
from loopmap.sample.text_base import Dice, NotePlan, kit_for, slot_filter, tier_of

__all__ = [
    "MIDDLE",
    "ZhNote",
    "loc_clauses",
    "open_clauses",
    "order_clauses",
    "photo_clauses",
    "price_clauses",
    "service_clauses",
    "space_clauses",
    "tip_clauses",
    "verdict_clauses",
]

_TYPOS = (
    ("好吃", "好次"),
    ("什么", "啥"),
    ("真的", "真滴"),
    ("可以", "阔以"),
    ("喜欢", "稀饭"),
    ("非常", "灰常"),
    ("不知道", "不造"),
    ("朋友", "盆友"),
    ("有点", "有丢丢"),
    ("觉得", "jio得"),
    ("这样", "酱紫"),
)

_SEPS = ("，",) * 15 + (",",) * 2 + (", ", " ", " ", "  ")
_STARS = ("", "⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐")

_MENU_WORDS = ("招牌", "必点", "菜单", "提前订", "值不值得点")


def _no_menu(templates: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in templates if not any(w in t for w in _MENU_WORDS))


_WISH_HEARD = slot_filter(M.WISH_HEARD)
_WISH_HEARD_NO_MENU = slot_filter(_no_menu(M.WISH_HEARD))
_REASON_NO_MENU = _no_menu(P.REASON)
_ASK_NO_MENU = _no_menu(P.ASK)
_ORDER_MENU = P.ORDER + P.ORDER_MENU
_SERVICE_NO_MENU = tuple(
    tuple(t for t in tier if not any(w in t for w in ("出品", "上错", "桌子", "翻台", "吧台")))
    for tier in P.SERVICE
)
_ASKS = M.GEN_ASK + P.ASK
_ASKS_NO_MENU = M.GEN_ASK + _ASK_NO_MENU


class ZhNote:
    """State for composing one note: the plan, the kit, filled slots and the note's style."""

    __slots__ = (
        "ask",
        "asks",
        "d",
        "emo",
        "emoji",
        "heard",
        "kit",
        "missing",
        "nl",
        "place",
        "plan",
        "reason",
        "sep",
        "single",
        "terms",
        "tier",
        "typo",
        "v",
    )

    def __init__(self, plan: NotePlan, d: Dice) -> None:
        self.plan = plan
        self.d = d
        kit, seed = kit_for(plan, d)
        self.kit = kit
        menu = kit.menu
        self.reason = P.REASON if menu else _REASON_NO_MENU
        self.ask = P.ASK if menu else _ASK_NO_MENU
        self.asks = _ASKS if menu else _ASKS_NO_MENU
        self.heard = _WISH_HEARD if menu else _WISH_HEARD_NO_MENU
        self.tier = 3 if plan.paid else tier_of(plan.rating)
        self.typo = d.pick(_TYPOS) if d.chance(0.2) else None
        excited = plan.paid or d.chance((0.15, 0.3, 0.5, 0.75)[self.tier])
        self.terms = P.TERMS_EXCITED if excited else P.TERMS_CALM
        self.emo = (0.12, 0.25, 0.35, 0.5)[self.tier] + (0.2 if excited else 0.0)
        self.emoji = kit.emoji + P.EMOJI
        self.sep = d.pick(_SEPS)
        self.nl = "\n" if (excited and d.chance(0.6)) or d.chance(0.2) else ""
        self.single = 0.12 if excited else 0.2
        self.v = _slots(plan, kit, seed, d, self.tier)
        missing = set()
        if not self.v["where"]:
            missing.add("where")
        if plan.price is None:
            missing.add("price")
        if plan.merchant is None:
            missing.add("m")
        self.missing = frozenset(missing)
        self.place = plan.area or plan.district or plan.city or ""
        v = self.v
        v["space"] = self.fill(d.pick(kit.space))
        v["walk_clause"] = self.fill(d.pick(P.WALK_CLAUSES))
        v["taste"] = d.pick(self.tastes())
        v["verdict"] = d.pick(P.VERDICT[self.tier])
        v["hook"] = self.fill(d.pick(M.TITLE_HOOKS[self.tier]))

    def fill(self, template: str) -> str:
        """Fill a template's slots, applying the note's habitual typo."""
        if self.typo is not None and self.typo[0] in template:
            template = template.replace(*self.typo)
        return template.format_map(self.v)

    def fp(self, templates: tuple[str, ...]) -> str:
        """Pick a template and fill it."""
        return self.fill(self.d.pick(templates))

    def fps(self, templates: tuple[str, ...], k: int) -> list[str]:
        """Pick ``k`` distinct templates and fill them."""
        return [self.fill(t) for t in self.d.picks(templates, k)]

    def tastes(self) -> tuple[str, ...]:
        """Product judgements matching the verdict tier, with some mixed feelings."""
        kit, d = self.kit, self.d
        if self.tier >= 2:
            return kit.meh if d.chance(0.15) else kit.good
        if self.tier == 1:
            return kit.good if d.chance(0.3) else kit.meh
        return kit.meh if d.chance(0.2) else kit.bad

    def sentences(self, clauses: list[str]) -> list[str]:
        """Pack clauses into sentences of one to three clauses each."""
        d = self.d
        out = []
        i, n = 0, len(clauses)
        while i < n:
            k = 1 if d.u() < self.single else (2 if d.u() < 0.7 else 3)
            s = self.sep.join(clauses[i : i + k]) + d.pick(self.terms)
            if d.u() < self.emo:
                s += d.pick(self.emoji)
            out.append(s)
            i += k
        return out

    def sentence(self, clauses: list[str]) -> str:
        """Join clauses into exactly one sentence."""
        s = self.sep.join(clauses) + self.d.pick(self.terms)
        if self.d.u() < self.emo:
            s += self.d.pick(self.emoji)
        return s


def _where(plan: NotePlan, d: Dice) -> str:
    """A location phrase holding every place surface form of the plan except the merchant."""
    city, district, area = plan.city, plan.district, plan.area
    if district and area and not city and d.chance(0.15):
        return f"{area}（{district}）"
    out = city or ""
    if district:
        out = out + d.pick(("", "", "·", " ")) + district if out else district
    if area:
        out = out + d.pick(("", "·", "的", " ", "")) + area if out else area
    return out


def _slots(plan: NotePlan, kit: Kit, seed: int, d: Dice, tier: int) -> dict[str, str]:
    items = kit.items
    n = len(items)
    i1 = seed % n if seed and d.chance(0.45) else int(d.u() * n)
    i2 = (i1 + 1 + int(d.u() * (n - 1))) % n
    price = plan.price
    opening, closing = d.pick(kit.opens), d.pick(kit.closes)
    hours_sep = "-" if opening[-1].isdigit() and closing[-1].isdigit() else "，"
    score = round(plan.rating * 20) / 2
    comp = d.pick(P.COMPANIONS)
    return {
        "m": plan.merchant or d.pick(kit.ref),
        "item": items[i1],
        "item2": items[i2],
        "side": d.pick(kit.sides),
        "word": kit.word,
        "adj": kit.adj,
        "act": kit.act,
        "got": kit.got,
        "verb": d.pick(kit.verb),
        "very": d.pick(P.INTENSIFIERS),
        "staff": d.pick(kit.staff),
        "spot": d.pick(kit.spots),
        "scene": d.pick(kit.scene),
        "color": d.pick(P.COLORS),
        "style": d.pick(P.STYLES),
        "music": d.pick(P.MUSIC),
        "light": d.pick(P.LIGHTS),
        "comp": comp,
        "withp": d.pick(P.WITH_PHRASES).replace("{comp}", comp),
        "when": d.pick(P.WHEN),
        "weather": d.pick(P.WEATHER),
        "gift": d.pick(P.GIFTS),
        "mins": str(d.between(1, 12) * 5 + d.between(0, 1) * d.between(1, 4)),
        "walk": str(d.between(2, 15)),
        "tm": d.pick(("9", "10", "11", "2", "3", "4", "5")),
        "n": d.pick(P.NUMBER_WORDS),
        "month": str(d.between(1, 12)),
        "day": str(d.between(1, 28)),
        "seats": str(d.between(6, 30)),
        "price": "" if price is None else str(price),
        "price2": "" if price is None else str(price * 2 + d.between(0, 9)),
        "score": f"{score:g}",
        "stars": _STARS[max(1, min(5, round(plan.rating * 5)))],
        "hr": opening + hours_sep + closing,
        "hrs": opening + hours_sep + closing + ("营业" if hours_sep == "-" else ""),
        "where": _where(plan, d),
        "e": d.pick(kit.emoji),
        "unit": kit.unit,
        "shop": kit.shop,
    }


# --------------------------------------------------------------------------------------------
# sections: each returns a list of clauses


def open_clauses(x: ZhNote) -> list[str]:
    d, tier = x.d, x.tier
    r = d.u()
    if tier == 0 and r < 0.5:
        out = [x.fp(P.HOOK_BAD), x.fp(x.reason)]
    elif tier >= 2 and r < 0.35:
        out = [x.fp(P.HOOK_GOOD), x.fp(x.reason)]
    elif r < 0.6:
        out = [x.fp(P.ARRIVE), x.fp(P.FOUND)]
    else:
        out = [x.fp(P.FOUND), x.fp(x.reason)]
        if d.chance(0.3):
            out.reverse()
    if x.terms is P.TERMS_EXCITED and d.chance(0.3):
        out.insert(0, d.pick(P.SLANG))
    return out


def loc_clauses(x: ZhNote) -> list[str]:
    return [x.fp(P.LOC)] if x.v["where"] else []


def space_clauses(x: ZhNote) -> list[str]:
    d = x.d
    if not x.kit.indoor:
        return [x.v["space"], *x.fps(x.tastes(), 1 + (d.u() < 0.3))]
    out = [x.v["space"], *x.fps(P.SPACE_GENERIC, 1 + (d.u() < 0.3))]
    if d.chance(0.35):
        extra = x.fp(x.kit.space)
        if extra != out[0]:
            out.append(extra)
    return d.shuffle(out)


def order_clauses(x: ZhNote) -> list[str]:
    d = x.d
    menu = x.kit.menu
    out = [x.fp(_ORDER_MENU if menu else P.ORDER), x.v["taste"]]
    if d.chance(0.5) and (second := d.pick(x.tastes())) != out[1]:
        out.append(second)
    if menu and d.chance(0.4):
        out.append(x.fp(P.SIDE_TASTE[(2, 1, 0, 0)[x.tier]]))
    return out


def service_clauses(x: ZhNote) -> list[str]:
    if not x.kit.indoor:
        return []
    bank = (P.SERVICE if x.kit.menu else _SERVICE_NO_MENU)[x.tier]
    return x.fps(bank, 1 + (x.d.u() < 0.4))


def price_clauses(x: ZhNote) -> list[str]:
    if x.plan.price is None:
        return []
    return [x.fp(P.PRICE_FORMS), x.d.pick(P.PRICE_VALUE[x.tier])]


def tip_clauses(x: ZhNote) -> list[str]:
    if not x.kit.indoor:
        return x.fps(P.PHOTO, 2)
    return x.fps(P.TIPS, 1 + (x.d.u() < 0.35))


def photo_clauses(x: ZhNote) -> list[str]:
    return x.fps(P.PHOTO, 1 + (x.d.u() < 0.35))


def verdict_clauses(x: ZhNote, *, prefix: bool = True) -> list[str]:
    d = x.d
    out = [(d.pick(P.VERDICT_PREFIX) if prefix else "") + x.v["verdict"]]
    r = d.u()
    if r < 0.5:
        out.append(x.fp(P.NEXT[x.tier]))
    if r > 0.3:
        out.append(x.fp(P.SCORES) if d.chance(0.3) else x.fp(P.CTA[x.tier]))
    return out


MIDDLE = (
    ("order", order_clauses, 0.9),
    ("space", space_clauses, 0.55),
    ("service", service_clauses, 0.45),
    ("price", price_clauses, 0.6),
    ("tip", tip_clauses, 0.35),
    ("photo", photo_clauses, 0.35),
)
