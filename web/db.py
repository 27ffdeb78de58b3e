"""Per-request, read-only connections to the workspace."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask, current_app, g

__all__ = ["get_db", "init_app"]


def get_db() -> sqlite3.Connection:
    """Return this request's read-only connection to the workspace."""
    if "db" not in g:
        uri = f"{Path(current_app.config['DB_PATH']).resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        g.db = conn
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_app(app: Flask) -> None:
    """Register the connection teardown on the app."""
    app.teardown_appcontext(close_db)
