"""New notes are geocoded and classified as they are ingested, and the API shows them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import loopmap.live
from loopmap.build import build
from loopmap.importer import import_files, make_ingest
from loopmap.live import clear_caches, geocode_new_notes
from loopmap.store import Workspace
from web import create_app

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TOKEN = "live-token"


def _note(note_id: str) -> dict[str, object]:
    return {
        "note_id": note_id,
        "user_id": "u-live",
        "created_at": "2025-05-20T09:30:00+08:00",
        "title": "折叠咖啡制造的手冲",
        "text": "今天在折叠咖啡制造喝了一杯手冲咖啡，拿铁也很香 #上海咖啡 #咖啡",
        "tags": ["上海咖啡", "咖啡"],
        "city": "上海",
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("live") / "live.db"
    with Workspace(db) as ws:
        import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
        build(ws)
    return db


def _row(db: Path, sql: str, *params: object) -> tuple | None:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def test_an_ingested_note_is_geocoded_and_classified_at_once(workspace: Path) -> None:
    ingest = make_ingest(workspace)
    result = ingest("notes", [_note("live-1")])
    assert result["added"] == 1
    assert not result["rejected"]
    geocode = _row(
        workspace, "SELECT place_id, precision, lat, lon FROM geocodes WHERE note_id = ?", "live-1"
    )
    assert geocode is not None
    assert geocode[0] == "sh-m0003"
    assert geocode[1] == "poi"
    assert geocode[2] is not None and geocode[3] is not None
    topic = _row(workspace, "SELECT topic FROM topics WHERE note_id = ?", "live-1")
    assert topic == ("coffee",)


def test_the_api_returns_the_new_note_without_a_restart(workspace: Path) -> None:
    app = create_app(
        {
            "DB_PATH": str(workspace),
            "TESTING": True,
            "INGEST_TOKEN": TOKEN,
            "INGEST": make_ingest(workspace),
        }
    )
    client = app.test_client()
    url = "/api/notes?topic=coffee&limit=5000"
    before = {f["properties"]["note_id"] for f in client.get(url).get_json()["features"]}
    assert "live-2" not in before
    r = client.post(
        "/api/notes", json=_note("live-2"), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 200, r.get_json()
    after = {f["properties"]["note_id"]: f for f in client.get(url).get_json()["features"]}
    assert "live-2" in after
    assert after["live-2"]["properties"]["place_id"] == "sh-m0003"
    assert after["live-2"]["properties"]["topic"] == "coffee"


def test_only_notes_without_a_geocode_are_done(workspace: Path) -> None:
    assert geocode_new_notes(workspace) == 0
    (n,) = _row(workspace, "SELECT count(*) FROM notes") or (0,)
    (g,) = _row(workspace, "SELECT count(*) FROM geocodes") or (0,)
    (t,) = _row(workspace, "SELECT count(*) FROM topics") or (0,)
    assert n == g == t


def test_the_gazetteer_is_kept_per_places_rev(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.gazetteer import Gazetteer

    clear_caches()
    built: list[int] = []
    real = Gazetteer.from_places.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Gazetteer], places: object) -> Gazetteer:
        built.append(1)
        return real(cls, places)

    monkeypatch.setattr(Gazetteer, "from_places", classmethod(counting))
    ingest = make_ingest(workspace)
    ingest("notes", [_note("live-3")])
    ingest("notes", [_note("live-4")])
    assert len(built) == 1
    with Workspace(workspace) as ws:
        ws.set_meta("places_rev", (ws.get_meta("places_rev", "0") or "0") + "-x")
    ingest("notes", [_note("live-5")])
    assert len(built) == 2
    assert len(loopmap.live._gazetteers) == 1


def test_without_a_topic_model_notes_are_geocoded_only(tmp_path: Path) -> None:
    db = tmp_path / "bare.db"
    with Workspace(db) as ws:
        import_files(ws, [SAMPLE / "places.csv"])
    result = make_ingest(db)("notes", [_note("bare-1")])
    assert result["added"] == 1
    assert _row(db, "SELECT place_id FROM geocodes WHERE note_id = 'bare-1'") == ("sh-m0003",)
    assert _row(db, "SELECT count(*) FROM topics") == (0,)
