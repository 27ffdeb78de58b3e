"""Pages: the index, the topic maps, one merchant, the map assets, and liveness."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from topics.assets import map_assets
from web import params
from web.api import cached_value
from web.db import get_db
from web.heat import note_days
from web.i18n import i18n_context, keep_lang, map_labels, translate, vary_on_language
from web.maps import (
    MAX_MAP_MERCHANTS,
    VIEW_MERCHANTS,
    has_table,
    merchant_map,
    taxonomy,
    topic_map,
)
from web.security import csp_nonce, tiles

__all__ = ["bp"]

bp = Blueprint("pages", __name__)
bp.app_context_processor(i18n_context)
bp.app_url_defaults(keep_lang)
bp.after_request(vary_on_language)

#: Notes per page on a merchant's page.
NOTES_PER_PAGE: Final = 20
#: Interaction kinds in funnel order.
FUNNEL_KINDS: Final = ("view", "like", "comment", "collect", "forward", "visit")


@lru_cache(maxsize=1)
def _assets() -> dict[str, Path]:
    return {a.name: a.source for a in map_assets()}


@bp.get("/static/maps/<path:name>")
def map_asset(name: str) -> ResponseReturnValue:
    """Leaflet and Leaflet.markercluster, served from the installed XStatic packages."""
    source = _assets().get(name)
    if source is None:
        abort(404)
    return send_file(source, max_age=86400)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: 200 with the workspace's row counts when the store answers."""
    db = get_db()
    counts = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("places", "notes", "events")
    }
    return jsonify(status="ok", **counts)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The cities in the workspace with their places, notes and merchants (cached)."""
    return render_template("index.html", **cached_value("index", _index_figures))


def _index_figures() -> dict[str, Any]:
    db = get_db()
    cities: list[dict[str, Any]] = [
        dict(r)
        for r in db.execute(
            "SELECT coalesce(city, '') AS city, count(*) AS places, "
            "sum(kind = 'merchant') AS merchants FROM places "
            "GROUP BY coalesce(city, '') ORDER BY places DESC"
        )
    ]
    notes_by_city = dict(
        db.execute(
            "SELECT coalesce(city, ''), count(*) FROM notes GROUP BY coalesce(city, '')"
        ).fetchall()
    )
    for row in cities:
        row["notes"] = notes_by_city.get(row["city"], 0)
    totals = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("places", "notes", "events")
    }
    categories = db.execute(
        "SELECT category, count(*) AS n FROM places "
        "WHERE kind = 'merchant' AND category IS NOT NULL "
        "GROUP BY category ORDER BY n DESC LIMIT 20"
    ).fetchall()
    topics = db.execute(
        "SELECT t.topic, count(*) AS notes, "
        "(SELECT count(*) FROM hotspots h WHERE h.topic = t.topic) AS hotspots "
        "FROM topics t GROUP BY t.topic ORDER BY notes DESC"
    ).fetchall()
    hotspots = db.execute(
        "SELECT name, topic, n_notes, n_merchants, city FROM hotspots "
        "ORDER BY n_notes DESC, name LIMIT 15"
    ).fetchall()
    known = taxonomy()
    topics = [
        dict(t, label=known.label(t["topic"]) if t["topic"] in known else t["topic"])
        for t in topics
    ]
    return {
        "cities": cities,
        "totals": totals,
        "categories": [dict(r) for r in categories],
        "topics": topics,
        "hotspots": [dict(r) for r in hotspots],
    }


def _page_number(value: str | None) -> int:
    try:
        page = int(value) if value is not None else 1
    except ValueError:
        abort(400, description=f"page {value!r} is not a whole number")
    if page < 1:
        abort(400, description=f"page {page} is below 1")
    return page


def _map_api(topic: str, *, days: tuple[str, str] | None = None, **params: Any) -> dict[str, Any]:
    """What a page's map needs to load its viewport from the API (see topics.maps)."""
    lang = request.args.get("lang")
    return {
        "merchants": url_for("api.merchants"),
        "heat": url_for("api.heat"),
        "notes": url_for("api.notes"),
        "districts": url_for("api.districts"),
        "merchantPage": request.script_root + "/merchant/",
        "pageQuery": "?" + urlencode({"lang": lang}) if lang else "",
        "params": {
            "topic": topic,
            "city": params.get("city"),
            "near": params.get("near"),
            "radius_km": params.get("radius_km"),
            "crs": tiles().datum,
        },
        "viewLimit": VIEW_MERCHANTS,
        "days": days,
        "since": params.get("since"),
        "until": params.get("until"),
    }


@bp.get("/map/<topic>")
def topic_page(topic: str) -> ResponseReturnValue:
    """The topic map: hotspots, merchants by rank, note heat, district outlines, time slider.

    ``?city=`` keeps one city; ``?near=LAT,LON&radius_km=R`` keeps merchants and notes within
    R km; ``?since=YYYY-MM-DD&until=YYYY-MM-DD`` sets the time slider (notes created in those
    days). The page embeds the best :data:`MAX_MAP_MERCHANTS` merchants; the map then loads
    its heat and merchants for each viewport from the API.
    """
    if topic not in taxonomy():
        abort(404, description=f"there is no topic {topic!r}")
    city = request.args.get("city") or None
    where = params.map_filter(request.args)
    db = get_db()
    filters = {
        k: request.args[k] for k in ("near", "radius_km", "since", "until") if request.args.get(k)
    }
    api = _map_api(
        topic,
        city=city,
        near=filters.get("near"),
        radius_km=filters.get("radius_km"),
        since=filters.get("since"),
        until=filters.get("until"),
        days=note_days(db),
    )
    parts, ranked = topic_map(
        db,
        topic,
        csp_nonce(),
        city=city,
        where=where,
        tiles=tiles(),
        api=api,
        labels=map_labels(),
    )
    cities = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT city FROM hotspots WHERE topic = ? AND city IS NOT NULL ORDER BY city",
            (topic,),
        )
    ]
    return render_template(
        "map.html",
        topic=topic,
        label=taxonomy().label(topic),
        city=city,
        cities=cities,
        filters=filters,
        parts=parts,
        n_merchants=len(ranked),
        parts_cap=MAX_MAP_MERCHANTS,
        top=ranked[:20],
    )


@bp.get("/merchant/<merchant_id>")
def merchant_page(merchant_id: str) -> ResponseReturnValue:
    """One merchant: its loop funnel, its notes (20 a page), its place on a map."""
    db = get_db()
    place = db.execute(
        "SELECT place_id AS merchant_id, name, category, city, lat, lon FROM places "
        "WHERE place_id = ? AND kind = 'merchant'",
        (merchant_id,),
    ).fetchone()
    if place is None:
        abort(404, description=f"there is no merchant {merchant_id!r}")
    merchant: dict[str, Any] = dict(place)
    ranked = None
    if has_table(db, "ranking"):
        ranked = db.execute(
            "SELECT topic, topic_rank, score, flagged, parts, reasons, interact_to_visit, "
            "visit_to_share, loop_gain, attributed_visits, reshares "
            "FROM ranking WHERE merchant_id = ?",
            (merchant_id,),
        ).fetchone()
    merchant["topic"] = (
        ranked["topic"] if ranked else taxonomy().topic_for_category(merchant["category"])
    )
    merchant["rank"] = ranked["topic_rank"] if ranked else None
    merchant["score"] = ranked["score"] if ranked else None
    merchant["flagged"] = bool(ranked["flagged"]) if ranked else False
    parts = _score_parts(ranked["parts"]) if ranked else []
    reasons = (
        [r.strip() for r in (ranked["reasons"] or "").split(";") if r.strip()] if ranked else []
    )
    rates = (
        {k: ranked[k] for k in ("interact_to_visit", "visit_to_share", "loop_gain")}
        | {"attributed_visits": ranked["attributed_visits"], "reshares": ranked["reshares"]}
        if ranked
        else {}
    )
    n_notes = db.execute(
        "SELECT count(*) FROM geocodes WHERE place_id = ?", (merchant_id,)
    ).fetchone()[0]
    merchant["n_notes"] = n_notes
    page = _page_number(request.args.get("page"))
    pages = max(1, -(-n_notes // NOTES_PER_PAGE))
    if page > pages:
        abort(404, description=f"page {page} is past the last page ({pages})")
    notes = db.execute(
        "SELECT n.note_id, n.created_at, n.title, n.text, g.precision, g.confidence "
        "FROM geocodes g JOIN notes n ON n.note_id = g.note_id WHERE g.place_id = ? "
        "ORDER BY n.created_at DESC, n.note_id LIMIT ? OFFSET ?",
        (merchant_id, NOTES_PER_PAGE, (page - 1) * NOTES_PER_PAGE),
    ).fetchall()
    counts = dict(
        db.execute(
            "SELECT e.kind, count(*) FROM events e WHERE e.note_id IN "
            "(SELECT note_id FROM geocodes WHERE place_id = ?) "
            "OR (e.kind = 'visit' AND e.merchant_id = ?) GROUP BY e.kind",
            (merchant_id, merchant_id),
        ).fetchall()
    )
    top = max([counts.get(k, 0) for k in FUNNEL_KINDS] + [1])
    funnel = [
        {
            "kind": k,
            "label": translate(f"kind_{k}"),
            "n": counts.get(k, 0),
            "pct": round(100 * counts.get(k, 0) / top),
        }
        for k in FUNNEL_KINDS
    ]
    return render_template(
        "merchant.html",
        merchant=merchant,
        label=taxonomy().label(merchant["topic"]) if merchant["topic"] in taxonomy() else "",
        notes=notes,
        page=page,
        pages=pages,
        funnel=funnel,
        score_parts=parts,
        reasons=reasons,
        rates=rates,
        parts=merchant_map(
            merchant,
            csp_nonce(),
            tiles=tiles(),
            labels=map_labels(),
            api=_map_api(merchant["topic"]),
        ),
    )


def _score_parts(raw: str | None) -> list[dict[str, Any]]:
    """The ranking's named score parts, largest effect first, with bars scaled to the largest."""
    try:
        values = json.loads(raw or "{}")
    except ValueError:
        return []
    if not isinstance(values, dict):
        return []
    rows = [
        {"part": k, "label": translate(f"part_{k}"), "value": float(v) + 0.0}  # no -0.0
        for k, v in values.items()
        if isinstance(v, int | float)
    ]
    rows.sort(key=lambda r: -abs(r["value"]))
    top = max([abs(r["value"]) for r in rows] + [1e-9])
    for r in rows:
        r["pct"] = round(100 * abs(r["value"]) / top)
    return rows
