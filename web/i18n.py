"""Page labels in Chinese (the default) or English.

The language is ``?lang=zh|en`` when given, else the best match of the request's
``Accept-Language`` header, else Chinese. Templates get ``lang``, ``_(key)`` (the label in
that language) and ``bi(key)`` (for headings: the Chinese label with a muted English gloss,
or the English label alone). An explicit ``?lang=`` is kept on the links pages build with
``url_for``. Only labels are translated: user text and data values are shown as stored.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from flask import Response, g, has_request_context, request
from markupsafe import Markup, escape

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "MESSAGES",
    "bi",
    "current_lang",
    "i18n_context",
    "keep_lang",
    "map_labels",
    "translate",
    "vary_on_language",
]

#: Languages on offer, the default first.
LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"

#: key -> (Chinese, English).
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "app_tagline": ("本地探索地图", "local discovery maps"),
    "footer": (
        "地图数据 © OpenStreetMap 贡献者（如有显示）",
        "map data © OpenStreetMap contributors where shown",
    ),
    "switch_lang": ("English", "中文"),
    "kind_view": ("浏览", "view"),
    "kind_like": ("点赞", "like"),
    "kind_comment": ("评论", "comment"),
    "kind_collect": ("收藏", "collect"),
    "kind_forward": ("转发", "forward"),
    "kind_visit": ("到店", "visit"),
    "part_visit_rate": ("互动→到店转化", "interact-to-visit rate"),
    "part_share_rate": ("到店→分享转化", "visit-to-share rate"),
    "part_volume": ("闭环量（归因到店 + 再分享）", "loop volume (attributed visits + reshares)"),
    "part_trusted": ("可信账号的互动", "interactions from trusted accounts"),
    "part_flag": ("刷量惩罚", "flag penalty"),
    "score_parts": ("评分构成", "Score parts"),
    "score_total": ("总分", "score"),
    "part": ("组成", "part"),
    "value": ("数值", "value"),
    "loop_rates": ("闭环指标", "Loop figures"),
    "rate_interact_to_visit": ("互动→到店", "interact → visit"),
    "rate_visit_to_share": ("到店→分享", "visit → share"),
    "rate_loop_gain": ("闭环增益（每篇笔记的再分享）", "loop gain (reshares per note)"),
    "rate_attributed_visits": ("归因到店", "attributed visits"),
    "rate_reshares": ("再分享", "reshares"),
    "flag_reasons": ("刷量迹象", "Why it is flagged"),
    "map_search": ("搜索商户", "Search merchants"),
    "map_no_match": ("没有匹配的商户", "no merchant matches"),
    "map_time": ("笔记日期", "Note dates"),
    "map_from": ("起", "from"),
    "map_to": ("止", "to"),
    "map_all_dates": ("全部日期", "all dates"),
    "map_note": ("{n} 条笔记", "{n} note"),
    "map_notes": ("{n} 条笔记", "{n} notes"),
    "map_hotspot": ("热点：{n}", "Hotspot: {n}"),
    "map_all": ("{n} 家商户", "{n} merchants"),
    "map_some": ("{n} / {m} 家商户", "{n} of {m} merchants"),
    "map_all_in_view": ("视野内 {n} 家商户", "{n} merchants in view"),
    "map_some_in_view": ("视野内 {n} / {m} 家商户", "{n} of {m} merchants in view"),
    "map_legend_rank": ("商户排名 {n}", "merchant rank {n}"),
    "map_legend_other": ("其他商户", "other merchants"),
    "map_legend_hotspot": ("热点", "hotspot"),
    "map_legend_heat": ("笔记热度（越深越多）", "note heat (darker = more notes)"),
    "map_layer_heat": ("笔记热度", "Note heat"),
    "map_layer_hotspots": ("热点", "Hotspots"),
    "map_layer_merchants": ("商户", "Merchants"),
    "map_layer_districts": ("行政区", "Districts"),
    "cities": ("城市", "Cities"),
    "city": ("城市", "city"),
    "no_city": ("（无城市）", "(no city)"),
    "places": ("地点", "places"),
    "notes": ("笔记", "notes"),
    "events": ("互动", "events"),
    "merchants": ("商户", "merchants"),
    "topics": ("话题", "Topics"),
    "topic": ("话题", "topic"),
    "hotspots": ("热点", "Hotspots"),
    "hotspots_col": ("热点", "hotspots"),
    "name": ("名称", "name"),
    "categories": ("商户类别", "Merchant categories"),
    "category": ("类别", "category"),
    "empty": (
        "工作区是空的。请用 loopmap import 导入地点、笔记和互动，或运行 loopmap demo。",
        "The workspace is empty. Import places, notes and events with loopmap import, "
        "or run loopmap demo.",
    ),
    "top_merchants": ("热门商户", "Top merchants"),
    "rank": ("排名", "rank"),
    "merchant": ("商户", "merchant"),
    "all": ("全部", "all"),
    "best_shown": ("地图显示视野内排名前 {n} 家", "the map shows the best {n} in view"),
    "n_merchants": ("{n} 家商户", "{n} merchants"),
    "no_category": ("无类别", "no category"),
    "rank_in_topic": ("话题内第 {n} 名", "rank #{n} in the topic"),
    "flagged": ("已标记：互动闭环疑似人为制造", "flagged: the loop looks manufactured"),
    "funnel": ("互动漏斗", "Loop funnel"),
    "interaction": ("互动", "interaction"),
    "count": ("次数", "count"),
    "notes_heading": ("笔记", "Notes"),
    "page_of": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "confidence": ("置信度", "confidence"),
    "no_notes": ("没有笔记定位到这家商户。", "No notes are geocoded to this merchant."),
    "newer": ("← 较新", "← newer"),
    "older": ("较旧 →", "older →"),
    "back": ("返回首页", "Back to the index"),
}


def _pick(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    for lang in LANGS:
        if value == lang or value.startswith(f"{lang}-") or value.startswith(f"{lang}_"):
            return lang
    return None


def current_lang() -> str:
    """The language of the current request (``zh`` outside a request).

    Returns
    -------
    str
        One of :data:`LANGS`: ``?lang=`` when it names one, else the best match of
        ``Accept-Language``, else :data:`DEFAULT_LANG`.
    """
    if not has_request_context():
        return DEFAULT_LANG
    cached = g.get("lang")
    if cached:
        return str(cached)
    lang = _pick(request.args.get("lang"))
    if lang is None:
        best = None
        best_q = 0.0
        for value, quality in request.accept_languages:
            picked = _pick(value)
            if picked is not None and quality > best_q:
                best, best_q = picked, quality
        lang = best or DEFAULT_LANG
    g.lang = lang
    return lang


def translate(key: str, lang: str | None = None, **fields: Any) -> str:
    """The label ``key`` in ``lang`` (the request's language by default).

    Parameters
    ----------
    key
        A key of :data:`MESSAGES`; an unknown key is returned as it is.
    lang
        ``zh`` or ``en``.
    **fields
        Values for ``{name}`` fields in the label.

    Returns
    -------
    str
        Plain text; templates escape it.
    """
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[0] if (lang or current_lang()) == "zh" else pair[1]
    return text.format(**fields) if fields else text


def bi(key: str) -> Markup:
    """A heading label: Chinese with a muted English gloss, or English alone.

    Parameters
    ----------
    key
        A key of :data:`MESSAGES`.

    Returns
    -------
    markupsafe.Markup
        Escaped HTML.
    """
    if current_lang() == "zh":
        return Markup('{} <span class="muted" lang="en">{}</span>').format(
            translate(key, "zh"), translate(key, "en")
        )
    return Markup(escape(translate(key, "en")))


def i18n_context() -> dict[str, Any]:
    """Template context: ``lang``, ``other_lang``, ``switch_url``, ``_`` and ``bi``.

    Returns
    -------
    dict
    """
    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    args = request.args.to_dict(flat=False) if has_request_context() else {}
    args["lang"] = [other]
    path = request.path if has_request_context() else "/"
    return {
        "lang": lang,
        "other_lang": other,
        "switch_url": f"{path}?{urlencode(args, doseq=True)}",
        "_": translate,
        "bi": bi,
    }


def map_labels() -> dict[str, str]:
    """The topic map's own words in this request's language (see ``topics.maps.WORDS``)."""
    lang = current_lang()
    return {word: MESSAGES[key][LANGS.index(lang)] for word, key in _MAP_WORDS.items()}


#: topics.maps word -> message key.
_MAP_WORDS: Final = {
    "searchPlaceholder": "map_search",
    "noMatch": "map_no_match",
    "timeTitle": "map_time",
    "timeFrom": "map_from",
    "timeTo": "map_to",
    "timeAll": "map_all_dates",
    "note": "map_note",
    "notes": "map_notes",
    "hotspot": "map_hotspot",
    "all": "map_all",
    "some": "map_some",
    "allInView": "map_all_in_view",
    "someInView": "map_some_in_view",
    "legendRank": "map_legend_rank",
    "legendOther": "map_legend_other",
    "legendHotspot": "map_legend_hotspot",
    "legendHeat": "map_legend_heat",
    "layerHeat": "map_layer_heat",
    "layerHotspots": "map_layer_hotspots",
    "layerMerchants": "map_layer_merchants",
    "layerDistricts": "map_layer_districts",
}


def keep_lang(endpoint: str, values: dict[str, Any]) -> None:
    """Keep an explicit ``?lang=`` on page links built with ``url_for``.

    Parameters
    ----------
    endpoint
        The endpoint a URL is built for; only ``pages.*`` ones get the language.
    values
        The URL's values, changed in place.
    """
    if not has_request_context() or not endpoint.startswith("pages."):
        return
    if endpoint in ("pages.map_asset", "pages.healthz"):
        return
    if _pick(request.args.get("lang")) is not None:
        values.setdefault("lang", current_lang())


def vary_on_language(response: Response) -> Response:
    """Mark an HTML page as depending on ``Accept-Language`` (for caches).

    Parameters
    ----------
    response
        The response, changed in place.

    Returns
    -------
    flask.Response
    """
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response
