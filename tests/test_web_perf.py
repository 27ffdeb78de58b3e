"""The API's body cache, the cheap merchant ranking query and the topic map's filters."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

import web.api
import web.maps
from geo.resolve import haversine_km
from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace
from web import create_app
from web.api import BodyCache, workspace_stamp
from web.maps import merchant_ranking

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("webperf") / "perf.db"
    with Workspace(db) as ws:
        import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
        build(ws)
    return db


@pytest.fixture
def app(workspace: Path) -> Flask:
    return create_app({"DB_PATH": str(workspace), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each call of the merchant ranking query the API makes."""
    seen: list[dict[str, Any]] = []

    def counting(db: sqlite3.Connection, **kwargs: Any) -> list[dict[str, Any]]:
        seen.append(kwargs)
        return merchant_ranking(db, **kwargs)

    monkeypatch.setattr(web.api, "merchant_ranking", counting)
    return seen


def _touch(db: Path) -> None:
    with Workspace(db) as ws:
        ws.set_meta("perf_test_write", str(workspace_stamp(db)))


def test_second_identical_request_is_served_from_the_cache(
    client: FlaskClient, calls: list[dict[str, Any]]
) -> None:
    first = client.get("/api/merchants?topic=coffee&limit=20")
    second = client.get("/api/merchants?limit=20&topic=coffee")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(first.get_json()["merchants"]) == 20
    assert len(calls) == 1
    client.get("/api/merchants?topic=coffee&limit=21")
    assert len(calls) == 2


def test_a_write_to_the_workspace_invalidates_the_cache(
    client: FlaskClient, workspace: Path, calls: list[dict[str, Any]]
) -> None:
    url = "/api/merchants?topic=coffee&limit=5"
    etag = client.get(url).headers["ETag"]
    client.get(url)
    assert len(calls) == 1
    _touch(workspace)
    again = client.get(url)
    assert again.status_code == 200
    assert len(calls) == 2
    assert again.headers["ETag"] != etag


def test_etag_still_answers_304(client: FlaskClient) -> None:
    url = "/api/merchants?topic=coffee&limit=3"
    etag = client.get(url).headers["ETag"]
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304


def test_bad_parameters_are_not_cached(client: FlaskClient, calls: list[dict[str, Any]]) -> None:
    for _ in range(2):
        r = client.get("/api/merchants?topic=nope")
        assert r.status_code == 400
    assert not calls


def test_notes_and_hotspots_are_cached(client: FlaskClient, app: Flask) -> None:
    for url in ("/api/notes?topic=coffee&limit=10", "/api/hotspots?topic=coffee"):
        a, b = client.get(url), client.get(url)
        assert a.status_code == 200
        assert a.data == b.data
    cache = app.extensions["loopmap_body_cache"]
    assert cache.hits >= 2


def test_body_cache_is_bounded_and_checks_the_stamp() -> None:
    cache = BodyCache(size=2)
    made: list[str] = []

    def make(text: str) -> Callable[[], bytes]:
        def build_body() -> bytes:
            made.append(text)
            return text.encode()

        return build_body

    assert cache.get("a", (1,), make("a")) == b"a"
    assert cache.get("a", (1,), make("a2")) == b"a"
    assert cache.get("a", (2,), make("a3")) == b"a3"
    cache.get("b", (2,), make("b"))
    cache.get("c", (2,), make("c"))
    cache.get("a", (2,), make("a4"))  # evicted: least recently used
    assert made == ["a", "a3", "b", "c", "a4"]


@pytest.mark.parametrize("city", [None, "杭州"])
@pytest.mark.parametrize("limit", [None, 1, 20])
def test_ranking_matches_a_python_ranking(workspace: Path, city: str | None, limit: int) -> None:
    conn = sqlite3.connect(workspace)
    conn.row_factory = sqlite3.Row
    try:
        rows = merchant_ranking(conn, topic=None, city=city)
        limited = merchant_ranking(conn, topic="coffee", city=city, limit=limit)
        expected: list[dict[str, Any]] = []
        for r in conn.execute(
            "SELECT r.merchant_id, r.topic, r.rank, p.name, p.city FROM ranking r "
            "JOIN places p ON p.place_id = r.merchant_id WHERE p.kind = 'merchant' "
            "ORDER BY r.rank, p.name"
        ):
            if city is None or r["city"] == city:
                expected.append(dict(r))
        counts = dict(
            conn.execute(
                "SELECT place_id, count(*) FROM geocodes WHERE place_id IS NOT NULL "
                "GROUP BY place_id"
            ).fetchall()
        )
    finally:
        conn.close()
    per_topic: dict[str, int] = {}
    for row in expected:
        per_topic[row["topic"]] = per_topic.get(row["topic"], 0) + 1
        row["local"] = per_topic[row["topic"]]
    if city:
        expected.sort(key=lambda r: (r["local"], r["topic"]))
    assert [r["merchant_id"] for r in rows] == [r["merchant_id"] for r in expected]
    assert all(r["n_notes"] == counts.get(r["merchant_id"], 0) for r in rows)
    coffee = [r for r in expected if r["topic"] == "coffee"]
    coffee = coffee[:limit] if limit else coffee
    assert [r["merchant_id"] for r in limited] == [r["merchant_id"] for r in coffee]
    if city:
        assert [r["rank"] for r in limited] == list(range(1, len(limited) + 1))


# ---------------------------------------------------------------------------- /map filters


@pytest.fixture
def map_inputs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The notes and merchants each topic map is built from."""
    seen: list[dict[str, Any]] = []
    real = web.maps.build_topic_map

    def capture(topic: str, notes: Any, merchants: Any, hotspots: Any, **kwargs: Any) -> Any:
        seen.append({"notes": notes.copy(), "merchants": merchants.copy()})
        return real(topic, notes, merchants, hotspots, **kwargs)

    monkeypatch.setattr(web.maps, "build_topic_map", capture)
    return seen


def _heat(notes: Any) -> Any:
    return notes[notes["merchant_id"].isna()] if "merchant_id" in notes else notes


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("near=abc&radius_km=1", "is not LAT,LON"),
        ("near=30.2,120.1,5&radius_km=1", "is not LAT,LON"),
        ("near=95,120&radius_km=1", "out of range"),
        ("near=30.2,120.1&radius_km=x", "is not a number"),
        ("near=30.2,120.1&radius_km=-1", "out of range"),
        ("near=30.2,120.1&radius_km=nan", "out of range"),
        ("near=30.2,120.1", "go together"),
        ("radius_km=2", "go together"),
        ("since=2025-13-01", "is not a date"),
        ("until=yesterday", "is not a date"),
        ("since=20250301", "is not a date"),
        ("since=2025-05-01&until=2025-04-01", "is after"),
    ],
)
def test_bad_map_filters_answer_400(client: FlaskClient, query: str, reason: str) -> None:
    r = client.get(f"/map/coffee?{query}")
    assert r.status_code == 400
    assert reason in r.get_data(as_text=True)


def _map_data(page: str) -> dict[str, Any]:
    found = re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_near_keeps_merchants_and_notes_within_the_radius(
    client: FlaskClient, workspace: Path, map_inputs: list[dict[str, Any]]
) -> None:
    everything = client.get("/map/coffee")
    assert everything.status_code == 200
    lat, lon, radius = 31.21821, 121.42188, 1.5
    near = client.get(f"/map/coffee?near={lat},{lon}&radius_km={radius}")
    assert near.status_code == 200
    assert "radius_km=1.5" in near.get_data(as_text=True)
    (all_in, near_in) = map_inputs
    merchants = near_in["merchants"]
    assert 0 < len(merchants) < len(all_in["merchants"])
    assert (haversine_km(lon, lat, merchants["lon"], merchants["lat"]) <= radius).all()
    # the page embeds no notes: its heat comes from the API with the page's filters
    assert _heat(near_in["notes"]).empty
    api = _map_data(near.get_data(as_text=True))["api"]
    assert api["params"]["near"] == f"{lat},{lon}" and api["params"]["radius_km"] == "1.5"
    heat = client.get(
        "/api/heat?" + urlencode({k: v for k, v in api["params"].items() if v} | {"zoom": 14})
    ).get_json()
    with sqlite3.connect(workspace) as conn:
        points = conn.execute(
            "SELECT g.lat, g.lon FROM topics t JOIN geocodes g USING (note_id) "
            "WHERE t.topic = 'coffee' AND g.lat IS NOT NULL"
        ).fetchall()
    inside = sum(1 for a, b in points if haversine_km(lon, lat, b, a) <= radius)
    assert 0 < heat["notes"] == inside < len(points)
    for south, west, north, east, *_ in heat["cells"]:  # every cell touches the circle
        clat, clon = min(max(lat, south), north), min(max(lon, west), east)
        assert haversine_km(lon, lat, clon, clat) <= radius + 0.01
    merchants_api = client.get(
        f"/api/merchants?topic=coffee&near={lat},{lon}&radius_km={radius}&limit=5000"
    ).get_json()["merchants"]
    assert {m["merchant_id"] for m in merchants_api} >= set(merchants["merchant_id"])
    assert all(haversine_km(lon, lat, m["lon"], m["lat"]) <= radius for m in merchants_api)


def test_since_until_keep_notes_created_in_the_window(client: FlaskClient, workspace: Path) -> None:
    r = client.get("/map/coffee?since=2025-04-01&until=2025-04-30")
    assert r.status_code == 200
    api = _map_data(r.get_data(as_text=True))["api"]
    assert (api["since"], api["until"]) == ("2025-04-01", "2025-04-30")
    assert api["days"][0] <= "2025-04-01" <= api["days"][1]
    with sqlite3.connect(workspace) as conn:
        expected = conn.execute(
            "SELECT count(*) FROM topics t JOIN geocodes g USING (note_id) "
            "JOIN notes n USING (note_id) WHERE t.topic = 'coffee' AND g.lat IS NOT NULL "
            "AND n.created_at >= '2025-04-01' AND n.created_at < '2025-05-01'"
        ).fetchone()[0]
    assert expected > 0
    heat = client.get("/api/heat?topic=coffee&since=2025-04-01&until=2025-04-30").get_json()
    assert heat["notes"] == expected
    assert client.get("/map/coffee?since=2030-01-01").status_code == 200
    assert client.get("/api/heat?topic=coffee&since=2030-01-01").get_json()["notes"] == 0
    notes = client.get("/api/notes?topic=coffee&since=2025-04-01&until=2025-04-30&limit=5000")
    created = [f["properties"]["created_at"] for f in notes.get_json()["features"]]
    assert len(created) == expected
    assert all("2025-04-01" <= c < "2025-05-01" for c in created)
