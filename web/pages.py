"""Pages: the index of what the workspace holds, and liveness."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from web.db import get_db

__all__ = ["bp"]

bp = Blueprint("pages", __name__)


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
    """The cities in the workspace with their places, notes and merchants."""
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
    return render_template(
        "index.html",
        cities=cities,
        totals=totals,
        categories=categories,
        topics=topics,
        hotspots=hotspots,
    )
