"""The loopmap web application: a Flask app factory and its blueprints.

The app reads the workspace (a SQLite file) through one connection per
request; it imports nothing from the ``loopmap`` package, which composes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web application.

    Parameters
    ----------
    config
        Settings; ``DB_PATH`` (the workspace file) is required. ``INGEST_TOKEN``
        turns the ingest API on when set.

    Returns
    -------
    flask.Flask
    """
    app = Flask(__name__)
    app.config.update(DB_PATH=None, INGEST_TOKEN=None, JSON_SORT_KEYS=False)
    if config:
        app.config.update(config)
    if not app.config["DB_PATH"]:
        msg = "create_app needs DB_PATH, the workspace file"
        raise ValueError(msg)

    from web import db, pages

    db.init_app(app)
    app.register_blueprint(pages.bp)
    return app
