"""Page labels: Chinese by default, English with ``?lang=en`` or ``Accept-Language``."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace
from web import create_app
from web.i18n import MESSAGES, translate

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    db = tmp_path_factory.mktemp("i18n") / "sample.db"
    with Workspace(db) as ws:
        import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
        build(ws)
    return create_app({"DB_PATH": str(db), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def merchant_id(app: Flask) -> str:
    with app.test_client() as c:
        rows = c.get("/api/merchants?topic=coffee&limit=1").get_json()
    ranking = rows["merchants"] if isinstance(rows, dict) else rows
    return str(ranking[0]["merchant_id"])


def _html(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_every_message_has_both_languages() -> None:
    for key, (zh, en) in MESSAGES.items():
        assert zh.strip() and en.strip(), key
        assert zh != en or key == "switch_lang", key


def test_index_is_chinese_by_default(client: FlaskClient) -> None:
    html = _html(client, "/")
    assert '<html lang="zh-CN">' in html
    for label in ("城市", "话题", "热点", "商户", "笔记", "地点", "本地探索地图"):
        assert label in html, label
    assert "<th>name</th>" not in html
    assert 'href="/?lang=en"' in html and ">English</a>" in html


def test_index_in_english_on_request(client: FlaskClient) -> None:
    html = _html(client, "/?lang=en")
    assert '<html lang="en">' in html
    for label in ("Cities", "Topics", "Hotspots", "merchants", "notes", "local discovery maps"):
        assert label in html, label
    for label in ("城市", "话题", "热点", "本地探索地图"):
        assert label not in html, label
    assert ">中文</a>" in html


def test_explicit_language_is_kept_on_links(client: FlaskClient) -> None:
    html = _html(client, "/?lang=en")
    assert 'href="/map/coffee?lang=en"' in html
    assert 'href="/map/coffee"' in _html(client, "/")


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("en-US,en;q=0.9", True),
        ("en-GB", True),
        ("zh-CN,zh;q=0.9,en;q=0.8", False),
        ("fr-FR,en;q=0.5", True),
        ("fr-FR", False),
        ("en;q=0.3,zh-TW;q=0.8", False),
    ],
)
def test_accept_language_chooses(client: FlaskClient, header: str, english: bool) -> None:
    html = _html(client, "/", **{"Accept-Language": header})
    assert ("<h1>Cities</h1>" in html) is english
    assert ("<h1>城市" in html) is not english


def test_query_beats_accept_language(client: FlaskClient) -> None:
    assert "<h1>城市" in _html(client, "/?lang=zh", **{"Accept-Language": "en"})
    assert "<h1>Cities</h1>" in _html(client, "/?lang=en", **{"Accept-Language": "zh"})


def test_unknown_lang_falls_back(client: FlaskClient) -> None:
    assert "<h1>城市" in _html(client, "/?lang=xx")
    assert "<h1>Cities</h1>" in _html(client, "/?lang=xx", **{"Accept-Language": "en"})


def test_pages_vary_on_accept_language(client: FlaskClient) -> None:
    assert "Accept-Language" in client.get("/").headers.get("Vary", "")


def test_map_page_labels(client: FlaskClient) -> None:
    zh = _html(client, "/map/coffee")
    assert "热门商户" in zh and "排名" in zh and "家商户" in zh
    en = _html(client, "/map/coffee?lang=en")
    assert "Top merchants" in en and '<th class="num">rank</th>' in en
    assert "热门商户" not in en and "排名" not in en
    assert "lang=zh" in en  # the switch back


def test_merchant_page_labels(client: FlaskClient, merchant_id: str) -> None:
    zh = _html(client, f"/merchant/{merchant_id}")
    assert "互动漏斗" in zh and "置信度" in zh and "<th>互动</th>" in zh
    en = _html(client, f"/merchant/{merchant_id}?lang=en")
    assert "Loop funnel" in en and "confidence" in en and "<th>interaction</th>" in en
    assert "互动漏斗" not in en and "置信度" not in en
    assert "<td>到店</td>" in zh and "<td>visit</td>" in en and "<td>到店</td>" not in en
    # the score's parts and the loop figures, named in each language
    assert "评分构成" in zh and "互动→到店转化" in zh and "闭环指标" in zh
    assert "Score parts" in en and "interact-to-visit rate" in en and "Loop figures" in en


def test_error_page_is_translated(client: FlaskClient) -> None:
    zh = client.get("/map/nowhere").get_data(as_text=True)
    en = client.get("/map/nowhere?lang=en").get_data(as_text=True)
    assert "返回首页" in zh and "Back to the index" in en


def test_api_is_not_translated(client: FlaskClient) -> None:
    zh = client.get("/api/merchants?topic=coffee&limit=3&lang=zh").get_json()
    en = client.get("/api/merchants?topic=coffee&limit=3&lang=en").get_json()
    assert zh == en


def test_translate_outside_a_request_fills_fields() -> None:
    assert translate("page_of", page=2, pages=5) == "第 2 / 5 页"
    assert translate("page_of", "en", page=2, pages=5) == "page 2 of 5"
    assert translate("no-such-key") == "no-such-key"


def test_labels_are_escaped(client: FlaskClient) -> None:
    html = _html(client, "/?lang=en&x=<i>")
    assert "x=<i>" not in html and "x=%3Ci%3E" in html


def test_the_map_speaks_the_page_language(client: FlaskClient) -> None:
    from topics.maps import WORDS
    from web.i18n import _MAP_WORDS

    assert set(_MAP_WORDS) == set(WORDS)
    zh = client.get("/map/coffee").get_data(as_text=True)
    en = client.get("/map/coffee?lang=en").get_data(as_text=True)
    assert "笔记热度" in zh and "搜索商户" in zh and "视野内 {n} 家商户" in zh
    assert "Note heat" in en and "Search merchants" in en and "{n} merchants in view" in en
    assert "笔记热度" not in en
