"""The map's viewport API: heat by zoom, merchants by bbox and name, districts, tiles, GCJ-02."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from test_web_api import build_hostile_workspace
from test_web_perf import _map_data

from geo.coords import wgs84_to_gcj02
from topics.tiles import PROVIDERS, tile_provider
from web import create_app
from web.heat import MAX_HEAT_CELLS, snap_bbox


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_workspace(tmp_path_factory.mktemp("viewport"))


@pytest.fixture(scope="module")
def client(workspace: Path) -> FlaskClient:
    return create_app({"DB_PATH": str(workspace)}).test_client()


@pytest.fixture(scope="module")
def amap(workspace: Path) -> FlaskClient:
    return create_app({"DB_PATH": str(workspace), "TILES": "amap"}).test_client()


def _coffee_points(workspace: Path) -> list[tuple[float, float]]:
    with sqlite3.connect(workspace) as conn:
        return conn.execute(
            "SELECT g.lat, g.lon FROM topics t JOIN geocodes g USING (note_id) "
            "WHERE t.topic = 'coffee' AND g.lat IS NOT NULL"
        ).fetchall()


def _first_ring(geometry: dict[str, Any]) -> list[list[float]]:
    rings = geometry["coordinates"]
    return rings[0][0] if geometry["type"] == "MultiPolygon" else rings[0]


# ---------------------------------------------------------------------------- heat


def test_heat_counts_every_note_once_at_any_zoom(client: FlaskClient, workspace: Path) -> None:
    points = _coffee_points(workspace)
    for zoom in (3, 9, 13, 17):
        body = client.get(f"/api/heat?topic=coffee&zoom={zoom}").get_json()
        assert body["notes"] == len(points) == sum(c[4] for c in body["cells"])
        assert body["max"] == max(c[4] for c in body["cells"])
    coarse = client.get("/api/heat?topic=coffee&zoom=9").get_json()
    fine = client.get("/api/heat?topic=coffee&zoom=15").get_json()
    assert len(fine["cells"]) > len(coarse["cells"])
    assert fine["cell_deg"][1] * 64 == pytest.approx(coarse["cell_deg"][1])


def test_heat_cells_hold_their_notes(client: FlaskClient, workspace: Path) -> None:
    body = client.get("/api/heat?topic=coffee&zoom=14&bbox=121.40,31.18,121.48,31.24").get_json()
    w, s, e, n = snap_bbox((121.40, 31.18, 121.48, 31.24), 14)
    assert w <= 121.40 and s <= 31.18 and e >= 121.48 and n >= 31.24
    points = [
        (lat, lon) for lat, lon in _coffee_points(workspace) if w <= lon <= e and s <= lat <= n
    ]
    assert 0 < body["notes"] == len(points)
    for south, west, north, east, n, opacity in body["cells"]:
        inside = sum(1 for lat, lon in points if south <= lat < north and west <= lon < east)
        assert inside == n
        assert 0.12 <= opacity <= 0.7
    assert body["cells"][0][4] == body["max"]


def test_nearby_views_share_one_cached_answer(client: FlaskClient) -> None:
    first = client.get("/api/heat?topic=coffee&zoom=15&bbox=121.4401,31.2001,121.4602,31.2102")
    cache = client.application.extensions["loopmap_body_cache"]
    hits = cache.hits
    moved = client.get("/api/heat?topic=coffee&zoom=15&bbox=121.4403,31.2003,121.4604,31.2104")
    assert moved.get_json() == first.get_json()
    assert cache.hits == hits + 1
    other_zoom = client.get("/api/heat?topic=coffee&zoom=16&bbox=121.4403,31.2003,121.4604,31.2104")
    assert other_zoom.get_json()["cell_deg"] != first.get_json()["cell_deg"]


def test_heat_cells_are_capped_for_a_huge_view(client: FlaskClient) -> None:
    body = client.get("/api/heat?zoom=22&bbox=-180,-85,180,85").get_json()
    assert body["notes"] > 0 and len(body["cells"]) <= MAX_HEAT_CELLS
    width = 360 / body["cell_deg"][1]
    height = 170 / body["cell_deg"][0]
    assert width * height <= MAX_HEAT_CELLS


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("zoom=x", "zoom 'x' is not a number"),
        ("zoom=40", "out of range"),
        ("bbox=1,2,3", "is not W,S,E,N"),
        ("crs=bd09", "is not wgs84 or gcj02"),
        ("topic=nope", "unknown topic"),
        ("since=2025-02-30", "is not a date"),
        ("near=31.2,121.4", "go together"),
    ],
)
def test_heat_refuses_bad_parameters(client: FlaskClient, query: str, reason: str) -> None:
    r = client.get(f"/api/heat?{query}")
    assert r.status_code == 400
    assert reason in r.get_json()["error"]


# ---------------------------------------------------------------------------- merchants


def test_merchants_in_a_bbox_keep_their_topic_rank(client: FlaskClient) -> None:
    everything = client.get("/api/merchants?topic=coffee&limit=5000").get_json()["merchants"]
    box = (121.40, 31.18, 121.48, 31.24)
    inside = client.get(
        "/api/merchants?topic=coffee&limit=5000&bbox=" + ",".join(map(str, box))
    ).get_json()["merchants"]
    expected = [
        m["merchant_id"]
        for m in everything
        if box[0] <= m["lon"] <= box[2] and box[1] <= m["lat"] <= box[3]
    ]
    assert 0 < len(inside) < len(everything)
    assert [m["merchant_id"] for m in inside] == expected
    ranks = {m["merchant_id"]: m["rank"] for m in everything}
    assert all(m["rank"] == ranks[m["merchant_id"]] for m in inside)
    assert all(m["id"] == m["merchant_id"] and m["color"].startswith("#") for m in inside)
    top = client.get("/api/merchants?topic=coffee&limit=3&bbox=" + ",".join(map(str, box)))
    assert [m["merchant_id"] for m in top.get_json()["merchants"]] == expected[:3]


def test_merchant_search_by_name_is_literal(client: FlaskClient) -> None:
    found = client.get("/api/merchants?q=咖啡&limit=5000").get_json()["merchants"]
    assert found and all("咖啡" in m["name"] for m in found)
    evil = client.get("/api/merchants?q=onerror").get_json()["merchants"]
    assert [m["merchant_id"] for m in evil] == ["hz-evil"]
    # LIKE wildcards are plain characters
    assert client.get("/api/merchants?q=%25").get_json()["merchants"] == []
    underscore = client.get("/api/merchants?q=_&limit=5000").get_json()["merchants"]
    assert [m["merchant_id"] for m in underscore] == ["hz-evil"]  # its name has "__pwned"
    r = client.get("/api/merchants?q=" + "x" * 101)
    assert r.status_code == 400 and "at most 100" in r.get_json()["error"]


# ---------------------------------------------------------------------------- notes


def test_notes_of_one_place_come_most_confident_first(client: FlaskClient) -> None:
    body = client.get("/api/notes?place=hz-evil&limit=50").get_json()
    assert body["features"] and all(
        f["properties"]["place_id"] == "hz-evil" for f in body["features"]
    )
    # titles are plain JSON strings: the payload is there, inert
    raw = client.get("/api/notes?place=hz-evil&limit=50").get_data(as_text=True)
    assert "<img" not in raw and "\\u003cimg" in raw


# ---------------------------------------------------------------------------- districts


def test_districts_outline_the_sample_city(client: FlaskClient) -> None:
    r = client.get("/api/districts")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    features = r.get_json()["features"]
    names = {f["properties"]["name"] for f in features}
    assert {"黄浦区", "徐汇区", "浦东新区"} <= names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    only = client.get("/api/districts?city=杭州").get_json()["features"]
    assert only and {f["properties"]["city"] for f in only} == {"杭州"}
    assert len(r.data) < 400_000


# ---------------------------------------------------------------------------- tiles


def test_tile_providers_parse_and_refuse_clearly() -> None:
    assert tile_provider(None) is PROVIDERS["osm"]
    assert tile_provider("AMAP").datum == "gcj02"
    custom = tile_provider("https://{s}.tiles.example.com/{z}/{x}/{y}.png|gcj02")
    assert custom.datum == "gcj02" and custom.hosts == (
        "https://a.tiles.example.com",
        "https://b.tiles.example.com",
        "https://c.tiles.example.com",
    )
    assert PROVIDERS["none"].hosts == ()
    for bad, reason in (
        ("mapbox", "neither a provider"),
        ("https://t.example.com/{z}/{x}.png", "lacks {y}"),
        ("https://t.example.com/{z}/{x}/{y}.png|bd09", "is not wgs84 or gcj02"),
        ('https://t.example.com/{z}/{x}/{y}.png"', "quote"),
    ):
        with pytest.raises(ValueError, match=re.escape(reason)):
            tile_provider(bad)
    with pytest.raises(ValueError, match="neither a provider"):
        create_app({"DB_PATH": "x.db", "TILES": "mapbox"})


def test_csp_allows_only_the_configured_tile_hosts(
    client: FlaskClient, amap: FlaskClient, workspace: Path
) -> None:
    osm = client.get("/map/coffee").headers["Content-Security-Policy"]
    assert "https://tile.openstreetmap.org" in osm and "autonavi" not in osm
    gaode = amap.get("/map/coffee").headers["Content-Security-Policy"]
    assert "https://webrd01.is.autonavi.com" in gaode and "openstreetmap" not in gaode
    bare = create_app({"DB_PATH": str(workspace), "TILES": "none"}).test_client()
    r = bare.get("/map/coffee")
    assert r.status_code == 200
    assert re.search(r"img-src 'self' data:;", r.headers["Content-Security-Policy"])
    assert "tile.openstreetmap.org/{z}" not in r.get_data(as_text=True)


def test_gcj02_tiles_get_points_shifted_to_match(amap: FlaskClient, workspace: Path) -> None:
    page = amap.get("/map/coffee").get_data(as_text=True)
    assert "autonavi.com/appmaptile" in page
    data = _map_data(page)
    assert data["api"]["params"]["crs"] == "gcj02"
    with sqlite3.connect(workspace) as conn:
        where = dict(
            ((pid), (lat, lon))
            for pid, lat, lon in conn.execute("SELECT place_id, lat, lon FROM places")
        )
    for m in data["merchants"][:20]:
        lat, lon = where[m["id"]]
        glon, glat = wgs84_to_gcj02(lon, lat)
        assert m["lat"] == pytest.approx(glat, abs=2e-6)
        assert m["lon"] == pytest.approx(glon, abs=2e-6)
        assert abs(m["lat"] - lat) + abs(m["lon"] - lon) > 1e-3  # a few hundred metres
    body = amap.get("/api/merchants?topic=coffee&limit=5&crs=gcj02").get_json()
    for m in body["merchants"]:
        lat, lon = where[m["merchant_id"]]
        assert (m["lon"], m["lat"]) == pytest.approx(wgs84_to_gcj02(lon, lat), abs=2e-6)
    # outlines and hulls are shifted vertex by vertex
    for route in ("/api/districts", "/api/hotspots?topic=coffee"):
        plain = amap.get(route).get_json()["features"][0]["geometry"]
        join = "&" if "?" in route else "?"
        shifted = amap.get(f"{route}{join}crs=gcj02").get_json()["features"][0]["geometry"]
        ring, moved = _first_ring(plain), _first_ring(shifted)
        assert len(ring) == len(moved)
        for (lon, lat), got in zip(ring[:5], moved[:5], strict=True):
            assert got == pytest.approx(wgs84_to_gcj02(lon, lat), abs=2e-6)
    # a GCJ-02 viewport finds the same notes as the WGS-84 one it shows
    wgs = amap.get("/api/heat?topic=coffee&zoom=12&bbox=121.40,31.18,121.48,31.24").get_json()
    (w, e), (s, n) = wgs84_to_gcj02([121.40, 121.48], [31.18, 31.24])
    gcj = amap.get(f"/api/heat?topic=coffee&zoom=12&crs=gcj02&bbox={w},{s},{e},{n}").get_json()
    assert abs(gcj["notes"] - wgs["notes"]) <= max(2, wgs["notes"] // 50)
