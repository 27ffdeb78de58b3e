"""The ingest API wired to the real importer, as ``loopmap serve`` composes it."""

from __future__ import annotations

from pathlib import Path

from conftest import NOTES

from loopmap.importer import import_files, make_ingest
from loopmap.store import Workspace
from web import create_app


def test_ingest_imports_with_the_importers_rules(tmp_path: Path, city_files: dict) -> None:
    db = tmp_path / "ingest.db"
    with Workspace(db) as ws:
        import_files(ws, [city_files["places"]])
    app = create_app({"DB_PATH": str(db), "INGEST_TOKEN": "s3cret", "INGEST": make_ingest(db)})
    client = app.test_client()
    auth = {"Authorization": "Bearer s3cret"}
    assert client.post("/api/notes", json=NOTES[0]).status_code == 401
    ok = client.post("/api/notes", json=NOTES, headers=auth)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["added"] == 3
    again = client.post("/api/notes", json=NOTES, headers=auth)
    assert again.get_json()["unchanged"] == 3  # idempotent by id
    bad = client.post(
        "/api/notes",
        json=[{**NOTES[1], "note_id": "n9"}, {"note_id": "x", "user_id": "u"}],
        headers=auth,
    )
    assert bad.status_code == 400
    body = bad.get_json()
    assert body["added"] == 1 and body["rejected"] == 1
    assert body["rejections"][0]["item"] == 2
    events = client.post(
        "/api/events",
        json={
            "event_id": "e1",
            "ts": "2026-05-02T10:00:00Z",
            "user_id": "u",
            "kind": "like",
            "note_id": "n-unknown",
        },
        headers=auth,
    )
    assert events.status_code == 400
    assert "not in the workspace" in events.get_json()["rejections"][0]["reason"]
    with Workspace(db) as ws:
        assert ws.counts()["notes"] == 4
