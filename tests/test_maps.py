"""Topic maps: no CDN, the merchants and hotspots on the page, user text escaped."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import topics.maps
from topics.assets import copy_map_assets, localize_map, map_assets
from topics.maps import build_topic_map, heat_cells, json_for_script, rank_color
from topics.taxonomy import load_taxonomy

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_TPL = "${alert(1)}"
XSS_CLOSE = "</script><script>alert(2)</script>"
TILE_AND_ATTRIBUTION = {
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://www.openstreetmap.org/copyright",
}


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    merchants = pd.DataFrame(
        {
            "merchant_id": ["m-a", "m-b", "m-x"],
            "name": ["Bathe Coffee", "巴斯咖啡", f"Evil {XSS_IMG} `tick` {XSS_TPL}"],
            "lat": [31.2050, 31.2060, 31.2070],
            "lon": [121.4390, 121.4400, 121.4410],
            "n_notes": [3, 2, 1],
            "rank": [1, 2, 3],
        }
    )
    notes = pd.DataFrame(
        {
            "note_id": ["n1", "n2", "n3", "n4", "n5", "n6"],
            "merchant_id": ["m-a", "m-a", "m-a", "m-b", "m-b", "m-x"],
            "title": ["武康路咖啡", None, None, None, None, XSS_CLOSE],
            "text": [
                "在巴斯咖啡坐了一下午",
                f"great flat white {XSS_IMG}",
                f"price was {XSS_TPL} and a `backtick`",
                "nice",
                "",
                "hello",
            ],
            "confidence": [0.9, 0.8, 0.7, 0.9, 0.5, 0.9],
            "lat": [31.2050, 31.2051, 31.2049, 31.2060, 31.2061, 31.2070],
            "lon": [121.4390, 121.4391, 121.4389, 121.4400, 121.4401, 121.4410],
        }
    )
    hotspots = gpd.GeoDataFrame(
        {
            "topic": ["coffee", "coffee", "food"],
            "name": ["武康路 · coffee", f"Hot {XSS_IMG}", "Food street"],
            "n_notes": [5, 1, 9],
        },
        geometry=[
            Point(121.4395, 31.2055).buffer(0.001),
            Point(121.4410, 31.2070).buffer(0.0005),
            Point(121.5, 31.3).buffer(0.001),
        ],
        crs="EPSG:4326",
    )
    return notes, merchants, hotspots


def _data_block(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture(scope="module")
def page() -> str:
    notes, merchants, hotspots = _frames()
    m = build_topic_map("coffee", notes, merchants, hotspots, taxonomy=load_taxonomy())
    return m.get_root().render()


def test_page_loads_nothing_from_the_internet(page: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>\\)]+", page))
    assert urls <= TILE_AND_ATTRIBUTION
    srcs = re.findall(r'<script[^>]+src="([^"]+)"', page)
    hrefs = re.findall(r'<link[^>]+href="([^"]+)"', page)
    assert srcs[:2] == ["static/leaflet.js", "static/leaflet.markercluster.js"]
    assert re.fullmatch(r"static/topic_layers\.js\?v=[0-9a-f]{12}", srcs[2]) and len(srcs) == 3
    assert all(h.startswith("static/") for h in hrefs)
    for dropped in ("jquery", "bootstrap", "fontawesome", "awesome-markers"):
        assert dropped not in page.lower()


def test_page_contains_merchants_hotspots_and_controls(page: str) -> None:
    data = _data_block(page)
    assert [m["name"] for m in data["merchants"]][:2] == ["Bathe Coffee", "巴斯咖啡"]
    assert [m["rank"] for m in data["merchants"]] == [1, 2, 3]
    assert data["merchants"][0]["color"] == rank_color(1)
    names = [h["name"] for h in data["hotspots"]]
    assert "武康路 · coffee" in names and "Food street" not in names
    assert sum(c[4] for c in data["heat"]) == 6
    assert "巴斯咖啡" in page and "武康路 · coffee" in page
    assert "L.control.layers" in page
    assert "loopmapTopicLayers(" in page  # the legend and search box: see the browser test
    assert "<title>咖啡 Coffee</title>" in page
    # popups carry the top-confidence snippets, best first
    assert data["merchants"][0]["notes"][0].startswith("武康路咖啡")


def test_user_text_is_inert(page: str) -> None:
    for payload in (XSS_IMG, XSS_CLOSE, "onerror=alert(1)>"):
        assert payload not in page
    # the JSON block is the only place user text lives, and it round-trips exactly
    data = _data_block(page)
    evil = data["merchants"][2]
    assert evil["name"] == f"Evil {XSS_IMG} `tick` {XSS_TPL}"
    assert XSS_CLOSE in evil["notes"][0]
    assert any(XSS_TPL in t for t in data["merchants"][0]["notes"])
    assert f"Hot {XSS_IMG}" in [h["name"] for h in data["hotspots"]]
    # text never reaches markup or template literals: only textContent is used
    script = (Path(topics.maps.__file__).parent / "static" / "topic_layers.js").read_text()
    for text in (page, script):
        assert "innerHTML" not in text and "bindPopup(`" not in text
        assert "bindTooltip(`" not in text and "insertAdjacentHTML" not in text
    assert "textContent" in script
    script = page.split('type="application/json"')[1]
    assert script.count("</script>") >= 1
    assert page.count("<script") == page.count("</script>")


def test_json_for_script_escapes_markup() -> None:
    text = json_for_script({"a": "</script><!--&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--&\u2028"}


def test_heat_cells_aggregate_counts() -> None:
    notes = pd.DataFrame({"lat": [31.2, 31.2, 31.2001, 31.3, None], "lon": [121.4] * 4 + [1.0]})
    cells = heat_cells(notes, cell_m=500)
    assert [c[4] for c in cells] == [3, 1]
    assert cells[0][5] > cells[1][5]
    assert heat_cells(pd.DataFrame({"lat": [], "lon": []})) == []


def test_missing_merchant_columns_are_named() -> None:
    notes, merchants, hotspots = _frames()
    with pytest.raises(ValueError, match="rank"):
        build_topic_map("coffee", notes, merchants.drop(columns="rank"), hotspots)


def test_empty_map_renders() -> None:
    empty = pd.DataFrame(columns=["merchant_id", "name", "lat", "lon", "n_notes", "rank"])
    hs = gpd.GeoDataFrame({"name": [], "n_notes": []}, geometry=[], crs="EPSG:4326")
    page = build_topic_map("coffee", pd.DataFrame(), empty, hs, tiles=None).get_root().render()
    assert _data_block(page)["merchants"] == []
    assert re.search(r"https?://", page) is None


def test_assets_copy_and_localize(tmp_path: Path) -> None:
    written = copy_map_assets(tmp_path / "static")
    names = {p.relative_to(tmp_path / "static").as_posix() for p in written}
    assert {"leaflet.js", "leaflet.css", "leaflet.markercluster.js", "images/layers.png"} <= names
    assert all(p.stat().st_size > 0 for p in written)
    import folium

    m = localize_map(folium.Map(), asset_prefix="/static/maps")
    assert ("leaflet.js", "/static/maps/leaflet.js") in m.default_js
    assert folium.Map.default_js[0][1].startswith("https://")  # the class is untouched
    assert len(map_assets()) == len(written)


_CHROMIUM = Path("/usr/bin/chromium")
_CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.mark.skipif(
    not (_CHROMIUM.exists() and _CHROMEDRIVER.exists()) or shutil.which("chromium") is None,
    reason="needs Debian chromium and chromedriver (/usr/bin/chromium, /usr/bin/chromedriver)",
)
@pytest.mark.parametrize("tiles", ["osm", None])
def test_page_opens_from_disk_offline(tmp_path: Path, tiles: str | None) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium")
    notes, merchants, hotspots = _frames()
    # ids that are Object.prototype's names, and "$" patterns String.replace would expand
    odd = pd.DataFrame(
        {
            "merchant_id": ["__proto__", "constructor"],
            "name": ["$& dollar", "$` tick"],
            "lat": [31.2080, 31.2090],
            "lon": [121.4420, 121.4430],
            "n_notes": [0, 0],
            "rank": [4, 5],
            "hotspot": ["Hot $` $& $'", None],
        }
    )
    merchants = pd.concat([merchants, odd], ignore_index=True)
    copy_map_assets(tmp_path / "static")
    # without tiles no layer sets the map's maxZoom, which MarkerCluster needs
    page = build_topic_map("coffee", notes, merchants, hotspots, tiles=tiles).get_root().render()
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = str(_CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--proxy-server=127.0.0.1:9",  # no network: every outside request fails
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=str(_CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get((tmp_path / "index.html").as_uri())
        count = driver.execute_script("return window.loopmapTopicMap.merchants.length")
        rendered = driver.execute_script(
            "return document.querySelectorAll('.leaflet-marker-icon').length"
        )
        shapes = driver.execute_script(
            "return document.querySelectorAll('.leaflet-overlay-pane path').length"
        )
        payload = driver.execute_script(
            "return document.querySelectorAll('img[src=x]').length + (window.__pwned ? 1 : 0)"
        )
        ids = driver.execute_script(
            "return window.loopmapTopicMap.merchants.map(function (e) { return e.m.id; })"
        )
        popup = driver.execute_script(
            "var e = window.loopmapTopicMap.merchants.filter(function (e) {"
            " return e.m.id === '__proto__'; })[0];"
            "e.marker.openPopup(); return document.querySelector('.lm-popup').textContent;"
        )
        controls = driver.execute_script(
            "return ['.lm-legend', '.lm-search input', '.leaflet-control-layers', '.lm-time']"
            ".map(function (s) { return document.querySelectorAll(s).length; })"
        )
    finally:
        driver.quit()
    assert count == 5 and sorted(ids) == sorted(["m-a", "m-b", "m-x", "__proto__", "constructor"])
    assert "$& dollar" in popup and "Hotspot: Hot $` $& $'" in popup
    assert rendered >= 1  # merchant badges (or their cluster) drawn by Leaflet
    assert shapes >= 1  # hotspot outlines and heat cells
    assert payload == 0
    assert controls == [1, 1, 1, 0]  # no time slider without the API
