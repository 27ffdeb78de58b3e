"""The web application with the Flask test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace
from web import create_app


@pytest.fixture
def client(tmp_path: Path, city_files: dict) -> FlaskClient:
    db = tmp_path / "web.db"
    with Workspace(db) as ws:
        import_files(ws, list(city_files.values()))
        build(ws)
        ws.conn.execute(
            "INSERT INTO places(place_id, name, kind, city, lat, lon, row_hash, updated_at) "
            "VALUES ('x', 'x', 'merchant', '<script>window.__pwned=1</script>', 1, 1, '', '')"
        )
    app = create_app({"DB_PATH": str(db), "TESTING": True})
    return app.test_client()


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "places": 6, "notes": 3, "events": 4}


def test_index_lists_cities_escaped(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "上海" in html and "coffee" in html
    assert "Topics" in html
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_create_app_needs_a_workspace() -> None:
    with pytest.raises(ValueError, match="DB_PATH"):
        create_app({})
