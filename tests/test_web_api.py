"""The web API and pages over the 2,000-note sample plus hostile notes (Flask test client)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace
from web import create_app

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
EVIL_ID = "hz-evil"
PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`;window.__pwned=1;`",
)
TOKEN = "s3cret-token"


def build_hostile_workspace(folder: Path) -> Path:
    """The sample city plus a hostile coffee merchant and hostile coffee notes."""
    places = folder / "evil_places.csv"
    with places.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"]
        )
        w.writerow(
            [EVIL_ID, PAYLOADS[0], "", "merchant", "coffee", "杭州", "hz", "30.2480", "120.1580"]
        )
    notes = folder / "evil_notes.jsonl"
    with notes.open("w", encoding="utf-8") as f:
        for i, payload in enumerate(PAYLOADS):
            for poi in (EVIL_ID, "hz-m0001"):
                row = {
                    "note_id": f"evil-{i}-{poi}",
                    "user_id": "u-evil",
                    "created_at": "2025-03-04T10:00:00+08:00",
                    "title": payload,
                    "text": f"雾岛咖啡的拿铁 手冲咖啡 {payload} #杭州咖啡",
                    "tags": ["杭州咖啡", "咖啡"],
                    "poi_id": poi,
                    "lat": 30.2476,
                    "lon": 120.1578,
                    "city": "杭州",
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    db = folder / "web.db"
    with Workspace(db) as ws:
        import_files(
            ws,
            [SAMPLE / "places.csv", places, SAMPLE / "notes.jsonl", notes, SAMPLE / "events.csv"],
        )
        build(ws)
    return db


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_workspace(tmp_path_factory.mktemp("webapi"))


@pytest.fixture
def ingested() -> list[tuple[str, list[dict[str, Any]]]]:
    return []


@pytest.fixture
def app(workspace: Path, ingested: list) -> Flask:
    def fake_ingest(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        ingested.append((kind, rows))
        bad = [r for r in rows if not r.get("id")]
        return {
            "added": len(rows) - len(bad),
            "updated": 0,
            "unchanged": 0,
            "rejected": len(bad),
            "rejections": [{"item": r, "reason": "no id"} for r in bad],
        }

    return create_app(
        {
            "DB_PATH": str(workspace),
            "TESTING": True,
            "INGEST_TOKEN": TOKEN,
            "INGEST": fake_ingest,
            "MAX_CONTENT_LENGTH": 4096,
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def executable_scripts(html: str) -> str:
    """The text of every script that runs (JSON data blocks left out)."""
    scripts = re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    return "\n".join(scripts)


def assert_no_payload(html: str) -> None:
    for payload in PAYLOADS:
        if payload.startswith("<"):
            assert payload not in html
            assert "<img src=x" not in html
        assert payload not in executable_scripts(html)


# ---------------------------------------------------------------------------- the fixture


def test_hostile_notes_reach_the_coffee_map(workspace: Path) -> None:
    with sqlite3.connect(workspace) as conn:
        rows = conn.execute(
            "SELECT t.topic, g.place_id, g.precision FROM topics t JOIN geocodes g "
            "USING (note_id) WHERE note_id LIKE 'evil-%'"
        ).fetchall()
    assert rows and all(r[0] == "coffee" and r[2] == "poi" for r in rows)


# ---------------------------------------------------------------------------- /api/notes


def test_notes_geojson_in_bbox(client: FlaskClient) -> None:
    r = client.get("/api/notes?bbox=120.0,30.0,120.5,30.5&topic=coffee&limit=5000")
    assert r.status_code == 200
    assert r.mimetype == "application/geo+json"
    assert "max-age=60" in r.headers["Cache-Control"] and r.headers["ETag"]
    body = r.get_json()
    assert body["type"] == "FeatureCollection" and body["features"]
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 120.0 <= lon <= 120.5 and 30.0 <= lat <= 30.5
        assert f["properties"]["topic"] == "coffee"
        assert set(f["properties"]) == {
            "note_id",
            "topic",
            "place_id",
            "precision",
            "created_at",
            "title",
        }
    titles = {f["properties"]["title"] for f in body["features"]}
    assert PAYLOADS[0] in titles  # plain JSON string, for the client to render as text
    assert "<img" not in r.get_data(as_text=True)


def test_notes_default_limit_and_limit(client: FlaskClient) -> None:
    assert len(client.get("/api/notes").get_json()["features"]) == 500
    assert len(client.get("/api/notes?limit=7").get_json()["features"]) == 7


def test_notes_etag_revalidates(client: FlaskClient) -> None:
    r = client.get("/api/notes?limit=3")
    again = client.get("/api/notes?limit=3", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("bbox=1,2,3", "W,S,E,N"),
        ("bbox=a,b,c,d", "numbers"),
        ("bbox=121,31,120,32", "west > east"),
        ("bbox=120,32,121,31", "south > north"),
        ("bbox=120,31,200,32", "out of range"),
        ("bbox=nan,31,121,32", "non-finite"),
        ("limit=abc", "whole number"),
        ("limit=0", "out of range"),
        ("limit=5001", "out of range"),
        ("topic=nope", "unknown topic"),
    ],
)
def test_notes_bad_parameters_are_400(client: FlaskClient, query: str, reason: str) -> None:
    r = client.get(f"/api/notes?{query}")
    assert r.status_code == 400
    assert reason in r.get_json()["error"]


# ---------------------------------------------------------------------------- hotspots, merchants


def test_hotspots_geojson(client: FlaskClient) -> None:
    r = client.get("/api/hotspots?topic=coffee")
    assert r.status_code == 200
    features = r.get_json()["features"]
    assert features
    for f in features:
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert f["properties"]["topic"] == "coffee"
        assert {"name", "n_notes", "n_merchants"} <= set(f["properties"])
    assert client.get("/api/hotspots?topic=bad").status_code == 400
    assert client.get("/api/hotspots").status_code == 200


def test_merchants_ranking(client: FlaskClient) -> None:
    r = client.get("/api/merchants?topic=coffee&city=杭州&limit=10")
    assert r.status_code == 200
    rows = r.get_json()["merchants"]
    assert 0 < len(rows) <= 10
    assert [m["rank"] for m in rows] == list(range(1, len(rows) + 1))
    assert all(m["topic"] == "coffee" and m["city"] == "杭州" for m in rows)
    assert client.get("/api/merchants?limit=x").status_code == 400
    assert client.get("/api/merchants?topic=x").status_code == 400


def test_merchants_without_a_ranking_table(workspace: Path, tmp_path: Path) -> None:
    copy = tmp_path / "noranking.db"
    with sqlite3.connect(workspace) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("DROP TABLE ranking")
    client = create_app({"DB_PATH": str(copy)}).test_client()
    rows = client.get("/api/merchants?topic=coffee").get_json()["merchants"]
    assert rows and rows[0]["source"] == "notes"
    counts = [m["n_notes"] for m in rows]
    assert counts == sorted(counts, reverse=True)
    assert client.get("/map/coffee").status_code == 200


# ---------------------------------------------------------------------------- pages, escaping


def test_map_page_escapes_and_uses_local_assets(client: FlaskClient) -> None:
    r = client.get("/map/coffee")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "/static/maps/leaflet.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "\\u003cimg src=x" in html  # the hostile name, as escaped JSON
    assert_no_payload(html)
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag
    assert len(r.data) < 1_500_000


def test_map_page_city_filter_and_404(client: FlaskClient) -> None:
    assert client.get("/map/coffee?city=杭州").status_code == 200
    r = client.get("/map/not-a-topic")
    assert r.status_code == 404 and "not-a-topic" in r.get_data(as_text=True)
    assert "<script>alert" not in client.get("/map/<script>alert(1)</script>").get_data(
        as_text=True
    )


def test_merchant_page_escapes_notes(client: FlaskClient) -> None:
    r = client.get(f"/merchant/{EVIL_ID}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html
    assert "Loop funnel" in html and "<td>到店</td>" in html
    assert_no_payload(html)


def test_merchant_page_paging_and_funnel(client: FlaskClient) -> None:
    r = client.get("/api/merchants?topic=coffee&limit=1")
    top = r.get_json()["merchants"][0]
    html = client.get(f"/merchant/{top['merchant_id']}").get_data(as_text=True)
    assert html.count('class="note"') == min(20, top["n_notes"])
    for kind in ("浏览", "点赞", "评论", "收藏", "转发", "到店"):
        assert f"<td>{kind}</td>" in html
    if top["n_notes"] > 20:
        assert client.get(f"/merchant/{top['merchant_id']}?page=2").status_code == 200
    assert client.get(f"/merchant/{top['merchant_id']}?page=999").status_code == 404
    assert client.get(f"/merchant/{top['merchant_id']}?page=x").status_code == 400
    assert client.get("/merchant/no-such-merchant").status_code == 404


# ---------------------------------------------------------------------------- ingest


def _post(client: FlaskClient, path: str, body: Any, token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, json=body, headers=headers)


def test_ingest_one_object_and_a_list(client: FlaskClient, ingested: list) -> None:
    r = _post(client, "/api/notes", {"id": 1})
    assert r.status_code == 200 and r.get_json()["added"] == 1
    r = _post(client, "/api/events", [{"id": 1}, {"id": 2}])
    assert r.status_code == 200 and r.get_json()["added"] == 2
    assert ingested == [("notes", [{"id": 1}]), ("events", [{"id": 1}, {"id": 2}])]


def test_ingest_rejections_are_400_and_keep_good_rows(client: FlaskClient) -> None:
    r = _post(client, "/api/notes", [{"id": 1}, {"x": 2}])
    assert r.status_code == 400
    body = r.get_json()
    assert body["added"] == 1 and body["rejected"] == 1
    assert body["rejections"][0]["reason"] == "no id"


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("wrong", 401), (TOKEN + "x", 401)])
def test_ingest_needs_the_token(client: FlaskClient, token: str | None, status: int) -> None:
    assert _post(client, "/api/notes", {"id": 1}, token=token).status_code == status


def test_ingest_bad_bodies(client: FlaskClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    assert client.post("/api/notes", data="{oops", headers=headers).status_code == 400
    assert _post(client, "/api/notes", [1, 2]).status_code == 400
    assert _post(client, "/api/notes", []).status_code == 400
    big = [{"id": i, "text": "x" * 100} for i in range(100)]
    r = _post(client, "/api/notes", big)
    assert r.status_code == 413 and "error" in r.get_json()


def test_ingest_is_off_without_a_token(workspace: Path) -> None:
    calls: list = []
    ingest: Callable[..., Any] = lambda kind, rows: calls.append(kind) or {}  # noqa: E731
    client = create_app({"DB_PATH": str(workspace), "INGEST": ingest}).test_client()
    r = client.post("/api/notes", json={"id": 1}, headers={"Authorization": "Bearer "})
    assert r.status_code == 403 and "ingest is off" in r.get_json()["error"]
    assert calls == []
    assert client.get("/api/notes").status_code == 200
    assert client.put("/api/notes").status_code == 405


def test_merchant_page_shows_the_score_parts_and_flags(
    client: FlaskClient, workspace: Path
) -> None:
    with sqlite3.connect(workspace) as conn:
        rows = conn.execute(
            "SELECT merchant_id, score, parts, flagged, reasons FROM ranking "
            "ORDER BY flagged DESC, rank LIMIT 2"
        ).fetchall()
    assert rows
    for merchant_id, score, parts, flagged, reasons in rows:
        html = client.get(f"/merchant/{merchant_id}").get_data(as_text=True)
        assert f"{score:.3f}" in html
        values = json.loads(parts)
        assert values and all(f"{v:+.3f}" in html for v in values.values())
        if flagged:
            first = reasons.split(";")[0].strip()
            assert "刷量迹象" in html and first.split(":")[0] in html
        else:
            assert "刷量迹象" not in html
