"""The web application with the Flask test client."""

from __future__ import annotations

import subprocess
import sys
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


def test_index_links_topic_maps(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'href="/map/coffee"' in html


@pytest.mark.parametrize("path", ["/", "/healthz", "/map/coffee", "/nowhere", "/api/notes"])
def test_every_response_has_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
    assert "default-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_nonce_changes_per_request(client: FlaskClient) -> None:
    a = client.get("/").headers["Content-Security-Policy"]
    b = client.get("/").headers["Content-Security-Policy"]
    assert a != b


def test_map_assets_are_served_locally(client: FlaskClient) -> None:
    for name in ("leaflet.js", "leaflet.css", "leaflet.markercluster.js", "images/layers.png"):
        response = client.get(f"/static/maps/{name}")
        assert response.status_code == 200, name
        response.close()
    assert client.get("/static/maps/../../etc/passwd").status_code == 404
    assert client.get("/static/maps/nope.js").status_code == 404


def test_pages_load_nothing_from_a_cdn(client: FlaskClient) -> None:
    for path in ("/", "/map/coffee", "/merchant/m-bathe"):
        html = client.get(path).get_data(as_text=True)
        assert "cdn" not in html.lower(), path
        assert "//cdnjs" not in html and "unpkg" not in html and "jsdelivr" not in html


def test_merchant_page_and_unknown_merchant(client: FlaskClient) -> None:
    response = client.get("/merchant/m-bathe")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bathe Coffee" in html and "巴斯咖啡" in html
    assert client.get("/merchant/sh").status_code == 404  # a city, not a merchant
    assert client.get("/merchant/none").status_code == 404


def test_unknown_topic_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/map/unknown")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_debug_is_never_on(tmp_path: Path) -> None:
    app = create_app({"DB_PATH": str(tmp_path / "x.db"), "DEBUG": True})
    assert app.debug is False


def test_web_does_not_import_loopmap() -> None:
    code = "import sys, web, web.api, web.pages, web.maps; print('loopmap' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
