"""A real browser opens /map/coffee: markers render and no hostile note runs script."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from web import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    pytest.skip(
        f"chromium ({CHROMIUM}) or chromedriver ({CHROMEDRIVER}) is not installed",
        allow_module_level=True,
    )

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_web_api import build_hostile_workspace  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_hostile_workspace(tmp_path_factory.mktemp("browser"))
    server = make_server("127.0.0.1", 0, create_app({"DB_PATH": str(db)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--proxy-bypass-list=127.0.0.1",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_coffee_map_renders_markers_and_no_payload_runs(base_url: str, browser: object) -> None:
    browser.get(f"{base_url}/map/coffee")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!window.loopmapTopicMap"))
    n_markers = browser.execute_script("return window.loopmapTopicMap.merchants.length")
    assert n_markers > 0
    drawn = browser.execute_script(
        "return document.querySelectorAll('.leaflet-marker-icon').length"
    )
    assert drawn > 0
    assert browser.execute_script("return window.__pwned === undefined")
    # the hostile merchant's name is plain text in its marker's title, not markup
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-marker-icon'))"
        ".map(function (e) { return e.title; })"
    )
    assert isinstance(titles, list)
    assert not browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length")


def test_merchant_page_runs_no_payload(base_url: str, browser: object) -> None:
    browser.get(f"{base_url}/merchant/hz-evil")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!window.loopmapTopicMap"))
    # the merchant, then its topic's neighbours in view, loaded from the API
    WebDriverWait(browser, 30).until(lambda d: _state(d)["loads"] >= 2)
    ids = _state(browser)["ids"]
    assert "hz-evil" in ids and len(ids) > 1
    assert not browser.execute_script("return document.querySelectorAll('.lm-legend').length")
    assert browser.execute_script("return window.__pwned === undefined")
    assert "window.__pwned" in browser.find_element("tag name", "body").text


def _state(browser: object) -> dict:
    return browser.execute_script(
        "var t = window.loopmapTopicMap;"
        "return {loads: t.loads, errors: t.errors, heat: t.heatCells, notes: t.notes,"
        " districts: t.districts, ids: t.merchants.map(function (e) { return e.m.id; })};"
    )


def test_map_loads_its_viewport_from_the_api(base_url: str, browser: object) -> None:
    browser.get(f"{base_url}/map/coffee")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: _state(d)["loads"] >= 3 and _state(d)["districts"] > 0)
    first = _state(browser)
    assert first["errors"] == 0 and first["heat"] > 0 and first["notes"] > 0
    assert "hz-evil" not in first["ids"] or len(first["ids"]) > 1
    # zoom onto the hostile merchant: the merchants and heat of that view are fetched
    browser.execute_script("window.loopmapTopicMap.map.setView([30.2480, 120.1580], 17)")
    wait.until(lambda d: "hz-evil" in _state(d)["ids"] and _state(d)["loads"] > first["loads"])
    here = _state(browser)
    assert here["errors"] == 0 and here["notes"] < first["notes"]
    # its popup fetches its notes; the payloads arrive as text
    browser.execute_script(
        "window.loopmapTopicMap.merchants.filter(function (e) { return e.m.id === 'hz-evil'; })"
        "[0].marker.openPopup()"
    )
    wait.until(
        lambda d: d.execute_script("return document.querySelectorAll('.lm-popup li').length")
    )
    popup = browser.find_element("css selector", ".lm-popup").text
    assert "onerror" in popup and "${alert(1)}" in popup
    assert browser.execute_script("return window.__pwned === undefined")
    assert not browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length")


def test_time_slider_reloads_the_heat_for_its_window(base_url: str, browser: object) -> None:
    browser.get(f"{base_url}/map/coffee")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: _state(d)["loads"] >= 2 and _state(d)["notes"] is not None)
    browser.execute_script("window.loopmapTopicMap.map.setView([20, 120], 2)")
    wait.until(lambda d: d.execute_script("return window.loopmapTopicMap.map.getZoom()") == 2)
    data = browser.execute_script(
        "return JSON.parse(document.querySelector('script[type=\"application/json\"]')"
        ".textContent).api.days"
    )
    first = date.fromisoformat(data[0])
    lo = (date(2025, 4, 1) - first).days
    hi = (date(2025, 4, 30) - first).days
    expected = browser.execute_async_script(
        "var done = arguments[0];"
        "fetch('/api/heat?topic=coffee&since=2025-04-01&until=2025-04-30')"
        ".then(function (r) { return r.json(); }).then(function (b) { done(b.notes); });"
    )
    assert expected > 0
    browser.execute_script(
        "var s = window.loopmapTopicMap.slider;"
        f"s.from.value = '{lo}'; s.to.value = '{hi}';"
        "s.to.dispatchEvent(new Event('change'));"
    )
    wait.until(lambda d: _state(d)["notes"] == expected)
    label = browser.find_element("css selector", ".lm-time").text
    assert "2025-04-01 – 2025-04-30" in label
