"""The loopmap web application: a Flask app factory and its blueprints.

The app reads the workspace (a SQLite file) through one connection per
request; it imports nothing from the ``loopmap`` package, which composes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web application.

    Parameters
    ----------
    config
        Settings; ``DB_PATH`` (the workspace file) is required. ``INGEST_TOKEN`` and
        ``INGEST`` (a callable ``ingest(kind, rows) -> dict`` that imports ``"notes"`` or
        ``"events"`` rows) turn the ingest API on when both are set.
        ``MAX_CONTENT_LENGTH`` caps request bodies (10 MB by default). ``TILES`` is the
        base map: ``"osm"`` (the default), ``"amap"`` (GCJ-02; points are shifted to
        match), ``"none"``, or a tile URL template (see :mod:`topics.tiles`). Debug mode
        is always off, whatever the settings say.

    Returns
    -------
    flask.Flask
    """
    app = Flask(__name__, static_folder=None)
    app.config.update(
        DB_PATH=None,
        INGEST_TOKEN=None,
        INGEST=None,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        TILES="osm",
    )
    if config:
        app.config.update(config)
    app.config["DEBUG"] = False
    app.debug = False
    if not app.config["DB_PATH"]:
        msg = "create_app needs DB_PATH, the workspace file"
        raise ValueError(msg)

    from web import api, db, pages, params, security

    db.init_app(app)
    security.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_error_handler(params.ParamError, _param_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    return app


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if _wants_json():
        return jsonify(error=exc.description), status
    return render_template("error.html", status=status, message=exc.description), status


def _param_error(exc: Exception) -> ResponseReturnValue:
    return _http_error(BadRequest(str(exc)))


def _server_error(exc: Exception) -> ResponseReturnValue:
    if isinstance(exc, HTTPException):  # pragma: no cover - routed to _http_error
        return _http_error(exc)
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    return _http_error(InternalServerError("the server hit an error; it has been logged"))
