"""Compose Chinese (小红书-style) notes from the phrase banks."""

from __future__ import annotations

from loopmap.sample import phrases as P
from loopmap.sample import phrases_modes as M
from loopmap.sample.text_base import Dice, NotePlan, missing_forms, slot_filter
from loopmap.sample.text_zh_note import (
    MIDDLE,
    ZhNote,
    loc_clauses,
    open_clauses,
    photo_clauses,
    service_clauses,
    tip_clauses,
    verdict_clauses,
)

__all__ = ["compose_zh"]

_TITLE_MERCHANT = slot_filter(M.TITLE_MERCHANT)
_TITLE_WISH = slot_filter(M.TITLE_WISH)
_TITLE_PAID = slot_filter(M.TITLE_PAID)
_TITLE_AREA = slot_filter(M.TITLE_AREA)
_TITLE_GENERAL = slot_filter(M.TITLE_GENERAL)
_GEN_BODY = slot_filter(M.GEN_BODY)
_SHORT_VISIT = slot_filter(M.SHORT_VISIT)
_PAID_OPEN_M = tuple(t for t in M.PAID_OPEN if "{m}" in t)
_LOC_WISH = tuple(t for t in P.LOC if "{m}" in t)

# --------------------------------------------------------------------------------------------
# bodies: each returns paragraphs (strings)


def _bullet(x: ZhNote, key: str, value: str) -> str:
    emoji, label = x.d.pick(M.BULLET_LABELS[key])
    if not label:
        return f"{emoji} {value}"
    return emoji + x.d.pick((" ", "", " ")) + label + x.d.pick(("：", "：", ":", "｜", " ")) + value


def _bullets(x: ZhNote) -> list[str]:
    d, v, plan = x.d, x.v, x.plan
    lines = []
    if v["where"] and plan.merchant:
        where = d.pick((v["where"], f"{v['m']}（{v['where']}）", f"{v['where']}｜{v['m']}"))
    else:
        where = v["where"] or v["m"]
    if d.chance(0.4):
        where += d.pick(("，", "｜", " ")) + v["walk_clause"]
    lines.append(_bullet(x, "where", where))
    if plan.price is not None:
        price = d.pick((f"¥{plan.price}", f"{plan.price}/人", f"{plan.price}左右", v["price"]))
        if d.chance(0.6):
            price += d.pick(("，", "（", " ")) + d.pick(P.PRICE_VALUE[x.tier])
            price += "）" if "（" in price else ""
        lines.append(_bullet(x, "price", price))
    if d.chance(0.6):
        lines.append(_bullet(x, "hours", v["hr"]))
    lines.append(_bullet(x, "order", d.pick(("、", "+", " ", "／")).join((v["item"], v["side"]))))
    if d.chance(0.5):
        score = d.pick((v["stars"], f"{v['score']}/10", f"{v['stars']}（{v['score']}分）"))
        if d.chance(0.5):
            score += d.pick(("，", " ")) + x.fp(P.NEXT[x.tier])
        lines.append(_bullet(x, "score", score))
    if d.chance(0.6):
        lines.append(
            _bullet(x, "note", x.sep.join(d.pick((tip_clauses, photo_clauses, service_clauses))(x)))
        )
    return lines


def _numbered(x: ZhNote, parts: list[tuple[str, list[str]]]) -> list[str]:
    d = x.d
    marks = d.pick(M.SECTION_MARKS)
    colon = d.pick(("：", "：", ":", "｜", " "))
    lines = []
    for i, (name, clauses) in enumerate(parts):
        label = d.pick(M.SECTION_LABELS[name])
        lines.append(f"{marks[i]}{label}{colon}{x.sep.join(clauses)}")
    return lines


def _visit(x: ZhNote, length: str) -> list[str]:
    d = x.d
    where = bool(x.v["where"])
    opening = open_clauses(x)
    if where and d.chance(0.8):
        opening = opening + loc_clauses(x)
    middle = []
    for name, fn, p in MIDDLE:
        if d.chance(p):
            clauses = fn(x)
            if clauses:
                middle.append((name, clauses))
    if length == "medium":
        middle = middle[: d.between(1, 3)]
        if d.chance(0.15):
            return [
                x.sentence(opening[-2:]),
                "\n".join(_bullets(x)),
                x.sentence(verdict_clauses(x)),
            ]
        sents = [x.sentence(opening[-3:])]
        sents += [x.sentence(c) for _, c in middle]
        sents.append(x.sentence(verdict_clauses(x)))
        return [x.nl.join(sents)]
    # long
    if len(middle) < 3:
        for name, fn, _ in MIDDLE:
            if all(name != n for n, _ in middle) and (clauses := fn(x)):
                middle.append((name, clauses))
            if len(middle) >= 4:
                break
    if d.chance(0.25):
        d.shuffle(middle)
    paras = [x.nl.join(x.sentences(opening))]
    r = d.u()
    if r < 0.25:
        paras.append(
            "\n".join(_numbered(x, [*middle[:5], ("verdict", verdict_clauses(x, prefix=False))]))
        )
        return paras
    if r < 0.45:
        paras.append("\n".join(_bullets(x)))
        middle = middle[:2]
    while middle:
        k = d.between(1, 2)
        chunk = [c for _, cl in middle[:k] for c in cl]
        middle = middle[k:]
        paras.append(x.nl.join(x.sentences(chunk)))
    end = verdict_clauses(x)
    if d.chance(0.25):
        end.append(d.pick(M.DIARY_END))
    paras.append(x.sentence(end[:3]))
    return paras


def _wish(x: ZhNote, length: str) -> list[str]:
    d = x.d
    heard = x.heard[x.missing]
    opening = [x.fp(M.WISH_OPEN)]
    opening.append(x.fp(_LOC_WISH) if x.v["where"] and d.chance(0.8) else x.fp(M.WISH_OPEN))
    mood = [d.pick(M.WISH_MOOD[x.tier]), x.fp(M.WISH_PLAN)]
    if length == "medium":
        sents = [x.sentence(opening), x.sentence(x.fps(heard, 2))]
        sents.append(x.sentence(d.shuffle(mood)))
        if d.chance(0.5):
            sents[-1] += x.fp(x.ask) + d.pick(("？", "?", "～", "🙏", "？？"))
        return [x.nl.join(sents)]
    paras = [x.nl.join(x.sentences(opening))]
    paras.append(x.nl.join(x.sentences(x.fps(heard, d.between(2, 4)))))
    paras.append(x.nl.join(x.sentences(mood)))
    paras.append(x.sep.join(x.fps(x.ask, 2)) + d.pick(("？", "?", "～", "🙏", "？？")))
    return paras


def _paid(x: ZhNote, length: str) -> list[str]:
    d = x.d
    praise = x.fps(M.PAID_PRAISE, d.between(5, 8))
    opening = _PAID_OPEN_M if x.plan.merchant and d.chance(0.85) else M.PAID_OPEN
    first = [x.fp(opening), x.fp(x.reason) if d.chance(0.5) else d.pick(P.SLANG)]
    paras = [x.sentence(first if d.chance(0.5) else first[::-1]) + d.pick(x.emoji)]
    if length == "medium":
        paras.append(x.nl.join(x.sentences(praise[:4])))
        if x.v["where"]:
            paras.append("📍" + x.v["where"])
        paras.append(x.fp(M.PAID_CTA) + d.pick(("！", "！！", "!!", "～")) + d.pick(x.emoji))
        return ["\n".join(paras)]
    paras.append(x.nl.join(x.sentences(praise[:4])))
    paras.append(x.nl.join(x.sentences(praise[4:])))
    if d.chance(0.6):
        paras.append("\n".join(_bullets(x)[:3]))
    paras.append(x.fp(M.PAID_CTA) + d.pick(("！", "！！", "!!", "～")) + d.pick(x.emoji))
    return paras


def _walk(x: ZhNote, length: str) -> list[str]:
    d = x.d
    wish = not x.plan.visited
    opening = [x.fp(M.WALK_WISH), x.fp(M.WISH_PLAN)] if wish else [x.fp(M.WALK_OPEN)]
    body = x.fps(M.WALK_BODY, d.between(2, 4))
    end = [d.pick(M.WALK_VERDICT[x.tier]), x.fp(P.CTA[x.tier] if d.chance(0.6) else P.PHOTO)]
    if length == "medium":
        sents = [x.sentence(opening), x.sentence(body[:2])]
        if d.chance(0.4):
            sents.append(x.sentence(photo_clauses(x)))
        sents.append(x.sentence(end) if x.plan.visited else x.sep.join(x.fps(x.ask, 2)) + "？")
        return [x.nl.join(sents)]
    paras = [x.nl.join(x.sentences(opening)), x.nl.join(x.sentences(body + photo_clauses(x)))]
    if d.chance(0.5):
        paras.append(x.nl.join(x.sentences([x.fp(P.ORDER), x.v["taste"]])))
    paras.append(x.nl.join(x.sentences(end)))
    return paras


def _general(x: ZhNote, length: str) -> list[str]:
    d = x.d
    opening = [x.fp(M.GEN_OPEN), x.fp(M.GEN_OPEN) if d.chance(0.4) else x.fp(x.reason)]
    if x.v["where"]:
        opening.insert(d.between(0, 1), x.fp(M.GEN_WHERE))
    body_bank = _GEN_BODY[x.missing]
    body = x.fps(body_bank, d.between(3, 5))
    last = body.pop()
    if length == "medium":
        if d.chance(0.5):
            body.insert(d.between(0, 2), x.fp(M.GEN_TIP))
        sents = [x.sentence(opening), x.sentence(body[:3])]
        sents.append(x.sep.join(x.fps(x.asks, 2)) + d.pick(("？", "?", "～", "👇")))
        return [x.nl.join(sents)]
    paras = [x.nl.join(x.sentences(opening)), x.nl.join(x.sentences(body))]
    paras.append(x.nl.join(x.sentences([x.fp(M.GEN_TIP), x.fp(P.TIPS), last])))
    paras.append(x.sep.join(x.fps(x.asks, 2)) + d.pick(("？", "?", "～", "👇")))
    return paras


def _short(x: ZhNote, mode: str) -> str:
    d, v = x.d, x.v
    if mode == "visit":
        line = x.fp(_SHORT_VISIT[x.missing])
        r = d.u()
        if r < 0.25:
            line += x.sep + v["taste"]
        elif r < 0.45 and x.plan.price is not None:
            line += x.sep + x.fp(P.PRICE_FORMS)
        elif r < 0.65:
            line = x.fp(x.reason) + x.sep + line
    elif mode == "wish":
        line = x.fp(M.WISH_OPEN) + x.sep + x.fp(M.WISH_PLAN)
    elif mode == "paid":
        opening = _PAID_OPEN_M if x.plan.merchant else M.PAID_OPEN
        line = x.fp(opening) + d.pick(("！", "！！")) + x.fp(M.PAID_PRAISE)
    elif mode == "walk":
        line = x.fp(M.WALK_OPEN if x.plan.visited else M.WALK_WISH) + x.sep + x.fp(M.WALK_BODY)
    else:
        line = x.fp(M.GEN_OPEN) + x.sep + x.fp(_GEN_BODY[x.missing])
    if v["where"] and v["where"] not in line and d.chance(0.7):
        line = d.pick((f"{v['where']}｜{line}", f"{line} 📍{v['where']}", f"{v['where']}，{line}"))
    return line + d.pick(x.terms) + (d.pick(x.emoji) if d.u() < x.emo + 0.2 else "")


# --------------------------------------------------------------------------------------------
# titles and tags


_TITLE_BANKS = {
    "visit": _TITLE_MERCHANT,
    "wish": _TITLE_WISH,
    "paid": _TITLE_PAID,
    "walk": _TITLE_AREA,
    "general": _TITLE_GENERAL,
}


def _title(x: ZhNote, mode: str) -> str:
    d, v = x.d, x.v
    options = _TITLE_BANKS[mode][x.missing] or _TITLE_GENERAL[x.missing]
    where, v["where"] = v["where"], x.place
    title = x.fp(options)
    v["where"] = where
    r = d.u()
    if r < 0.2:
        title = d.pick(x.emoji) + title
    elif r < 0.7:
        title += d.pick(x.emoji)
    elif r < 0.8:
        title = d.pick(x.emoji) + title + d.pick(x.emoji)
    if d.chance(0.15):
        title += d.pick(("！", "!!", "！！", "～"))
    return title


def _tags(x: ZhNote, count: int) -> list[str]:
    if count <= 0:
        return []
    plan, kit, d = x.plan, x.kit, x.d
    place = []
    area, city, district = (
        "".join(ch for ch in f if ch.isalnum()) if f else ""
        for f in (plan.area, plan.city, plan.district)
    )
    if area:
        place.append(area)
        if d.chance(0.5):
            place.append(area + d.pick(kit.city_tags))
    if city:
        place.append(city + d.pick(kit.city_tags))
        if d.chance(0.4):
            place.append(city + d.pick(("citywalk", "探店", "生活", "周末", "美食")))
    if district and d.chance(0.6):
        place.append(district + d.pick(("", "探店", "美食", "周末", "生活")))
    merchant = plan.merchant
    if merchant and len(merchant) <= 14 and not any(ch in merchant for ch in " ()（）#·"):
        place.append(merchant)
    generic = d.picks(kit.tags, 4) + d.picks(M.TAGS_GENERIC, 3)
    if plan.paid:
        generic += d.picks(M.PAID_TAGS, 6)
    d.shuffle(generic)
    pool = place + generic if d.chance(0.6) else generic[:2] + place + generic[2:]
    out: list[str] = []
    for tag in pool:
        if tag not in out:
            out.append(tag)
        if len(out) == count:
            break
    return out


def _tag_count(x: ZhNote, length: str) -> int:
    d = x.d
    if x.plan.paid:
        return d.between(5, 9) if length == "short" else d.between(9, 15)
    if length == "short":
        return 0 if d.chance(0.45) else d.between(1, 3)
    if length == "medium":
        return 0 if d.chance(0.15) else d.between(3, 6)
    return d.between(3, 8)


def compose_zh(plan: NotePlan, dice: Dice) -> tuple[str, str, list[str]]:
    """Compose a Chinese note for ``plan``.

    Parameters
    ----------
    plan
        The note plan (``plan.lang == "zh"``).
    dice
        Random draws.

    Returns
    -------
    title, text, tags
        Tags are hashtags without ``#``; they also end the text.
    """
    x = ZhNote(plan, dice)
    if plan.paid:
        mode = "paid"
    elif plan.merchant is not None:
        mode = "visit" if plan.visited else "wish"
    else:
        mode = "walk" if plan.area is not None else "general"
    title = _title(x, mode)
    length = plan.length
    if length == "short":
        text = _short(x, mode)
        glue = " "
    else:
        body = {"visit": _visit, "wish": _wish, "paid": _paid, "walk": _walk}.get(mode, _general)
        paras = body(x, length)
        text = (x.d.pick(("\n\n", "\n", "\n\n")) if length == "long" else "\n").join(paras)
        glue = "\n"
    missing = missing_forms(plan, title + "\n" + text)
    if missing:
        x.v["f"] = x.d.pick(("·", "", " ", "｜")).join(reversed(missing))
        text += glue + x.fp(P.FALLBACK)
    tags = _tags(x, _tag_count(x, length))
    if tags:
        text += glue + " ".join("#" + t for t in tags)
    return title, text, tags
