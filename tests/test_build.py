"""``loopmap build``: geocodes and hotspots, incremental, resumable, exported."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import EVENTS_HEADER, NOTES, PLACES, PLACES_HEADER, write_csv, write_jsonl

from loopmap import build as build_module
from loopmap.build import build
from loopmap.export import export_table
from loopmap.importer import import_file, import_files
from loopmap.store import Workspace

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture
def city(ws: Workspace, city_files: dict) -> Workspace:
    import_files(ws, list(city_files.values()))
    return ws


def geocode(ws: Workspace, note_id: str) -> dict:
    row = ws.conn.execute("SELECT * FROM geocodes WHERE note_id = ?", (note_id,)).fetchone()
    return dict(row)


def test_build_geocodes_every_note(city: Workspace) -> None:
    report = build(city)
    assert (report.notes, report.geocoded) == (3, 3)
    n1 = geocode(city, "n1")
    assert (n1["place_id"], n1["precision"]) == ("m-bathe", "poi")
    assert 0.0 <= n1["confidence"] <= 1.0
    assert any("m-bathe" in reason for reason in json.loads(n1["reasons"]))
    assert geocode(city, "n2")["place_id"] == "m-bar"
    assert geocode(city, "n3")["precision"] == "none"


def test_build_is_incremental(city: Workspace, tmp_path: Path) -> None:
    build(city)
    assert build(city).geocoded == 0
    changed = [{**NOTES[1], "text": "Nook Bar was fun, then a walk on 武康路"}]
    import_file(city, write_jsonl(tmp_path / "n.jsonl", changed))
    assert build(city).geocoded == 1
    moved = [list(r) for r in PLACES]
    moved[4][7] = "31.2101"
    import_file(city, write_csv(tmp_path / "p.csv", PLACES_HEADER, moved))
    assert build(city).geocoded == 3  # the gazetteer changed: everything again
    assert build(city, full=True).geocoded == 3


def test_interrupted_build_resumes(city: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo import geocode as geocode_module

    monkeypatch.setattr(build_module, "GEOCODE_CHUNK", 1)
    original = geocode_module.geocode_notes
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(geocode_module, "geocode_notes", flaky)
    with pytest.raises(KeyboardInterrupt):
        build(city)
    assert city.conn.execute("SELECT count(*) FROM geocodes").fetchone()[0] == 1
    assert build(city).geocoded == 2


def test_export_geocodes_in_spec_columns(city: Workspace, tmp_path: Path) -> None:
    build(city)
    export_table(city, "geocodes", tmp_path / "g.csv")
    frame = pd.read_csv(tmp_path / "g.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == [
        "note_id",
        "place_id",
        "precision",
        "lat",
        "lon",
        "confidence",
        "mentions",
    ]
    n3 = frame.set_index("note_id").loc["n3"]
    assert (n3["place_id"], n3["lat"], n3["precision"]) == ("", "", "none")
    mentions = json.loads(frame.set_index("note_id").loc["n2", "mentions"])
    text = "\n" + NOTES[1]["text"]
    assert [text[m["start"] : m["end"]] for m in mentions] == [m["text"] for m in mentions]


def test_sample_city_hotspots(ws: Workspace, tmp_path: Path) -> None:
    import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl"])
    report = build(ws)
    assert report.hotspots and report.hotspots > 0
    export_table(ws, "hotspots", tmp_path / "h.geojson")
    hotspots = gpd.read_file(tmp_path / "h.geojson")
    assert {"hotspot_id", "topic", "name", "n_notes", "n_merchants", "lat", "lon"} <= set(
        hotspots.columns
    )
    assert hotspots.geometry.is_valid.all() and (hotspots.geom_type == "Polygon").all()
    assert hotspots["name"].str.contains(" · ").all()
    ids = set(hotspots["hotspot_id"])
    assert build(ws, full=True).hotspots == len(ids)
    export_table(ws, "hotspots", tmp_path / "again.geojson")
    again = gpd.read_file(tmp_path / "again.geojson")
    assert set(again["hotspot_id"]) == ids
    export_table(ws, "hotspots", tmp_path / "h.csv")
    csv = pd.read_csv(tmp_path / "h.csv")
    assert csv["geometry"].str.startswith("POLYGON").all()


def test_explain_command(tmp_path: Path, city_files: dict) -> None:
    from click.testing import CliRunner

    from loopmap.cli import cli

    db = str(tmp_path / "x.db")
    runner = CliRunner()
    runner.invoke(cli, ["import", "--db", db, *[str(p) for p in city_files.values()]])
    before = runner.invoke(cli, ["explain", "--db", db, "n1"])
    assert "not geocoded yet" in before.output
    runner.invoke(cli, ["build", "--db", db])
    result = runner.invoke(cli, ["explain", "--db", db, "n1"])
    assert result.exit_code == 0, result.output
    assert "Bathe Coffee (m-bathe, merchant), precision poi" in result.output
    assert "because" in result.output
    missing = runner.invoke(cli, ["explain", "--db", db, "nope"])
    assert missing.exit_code == 1 and "no note 'nope'" in missing.output


CAMPING = """
[[topic]]
id = "camping"
label = "露营"
label_en = "Camping"
keywords = ["露营", "帐篷", "天幕"]
keywords_en = ["camping", "tent"]
hashtags = ["露营日记"]
"""


def test_topics_are_classified_exported_and_extensible(ws: Workspace, tmp_path: Path) -> None:
    import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl"])
    report = build(ws)
    assert report.topics == 2000
    export_table(ws, "topics", tmp_path / "t.csv")
    topics = pd.read_csv(tmp_path / "t.csv")
    assert list(topics.columns) == ["note_id", "topic", "score"]
    assert topics["score"].between(0, 1).all()
    assert topics["topic"].value_counts().index[0] in {"coffee", "food"}
    assert build(ws).topics is None  # nothing changed: no retraining
    seeds = ["露营", "搭帐篷", "天幕下", "周末露营", "第一次露营"]
    context = ["营地", "折叠椅", "营地灯", "睡袋", "篝火", "卡式炉", "防潮垫", "蚊子"]
    camp = [
        {
            "note_id": f"camp{i}",
            "user_id": f"u{i % 7}",
            "created_at": "2026-06-01",
            "text": f"{seeds[i % 5]}，{context[i % 8]}和{context[(i * 3 + 1) % 8]}都带齐了，"
            f"晚上{context[(i + 5) % 8]}旁边聊天到{9 + i % 4}点 #露营日记",
        }
        for i in range(40)
    ]
    import_file(ws, write_jsonl(tmp_path / "camp.jsonl", camp))
    taxonomy = tmp_path / "camping.toml"
    taxonomy.write_text(CAMPING, encoding="utf-8")
    assert build(ws, taxonomy=taxonomy).topics == 2040
    got = dict(ws.conn.execute("SELECT note_id, topic FROM topics WHERE note_id LIKE 'camp%'"))
    assert sum(t == "camping" for t in got.values()) >= 38
    # The model saved with the workspace labels an unseen note with no seed word: only the
    # words that came with the seeds say it is camping.
    from topics.classify import classify_notes, model_from_bytes

    model = model_from_bytes(ws.conn.execute("SELECT data FROM models").fetchone()[0])
    unseen = pd.DataFrame(
        {
            "note_id": ["x"],
            "title": [None],
            "tags": [[]],
            "text": ["到了营地先铺防潮垫，折叠椅一摆，卡式炉煮面，晚上钻进睡袋听雨"],
        }
    )
    assert classify_notes(unseen, model)["topic"].item() == "camping"
    # the taxonomy is kept: a later full build still knows the camping topic
    build(ws, full=True)
    kept = ws.conn.execute("SELECT topic FROM topics WHERE note_id = 'camp0'").fetchone()[0]
    assert kept == "camping"


def test_ranking_is_built_exported_and_incremental(ws: Workspace, tmp_path: Path) -> None:
    import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
    report = build(ws)
    merchants = ws.conn.execute("SELECT count(*) FROM places WHERE kind = 'merchant'").fetchone()[0]
    assert report.ranked == merchants
    export_table(ws, "ranking", tmp_path / "r.csv")
    ranking = pd.read_csv(tmp_path / "r.csv")
    assert list(ranking.columns) == [
        "merchant_id",
        "name",
        "topic",
        "rank",
        "score",
        "shares",
        "interactions",
        "visits",
        "attributed_visits",
        "reshares",
        "interact_to_visit",
        "visit_to_share",
        "loop_gain",
        "flagged",
    ]
    assert list(ranking["rank"]) == list(range(1, merchants + 1))
    assert ranking["score"].is_monotonic_decreasing
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str, keep_default_na=False)
    hype = set(truth.loc[(truth.record == "merchant") & (truth.fraud == "1"), "id"])
    assert not hype & set(ranking.head(10)["merchant_id"])  # no hype buyer in the top 10
    parts = ws.conn.execute("SELECT parts FROM ranking WHERE rank = 1").fetchone()[0]
    assert len(json.loads(parts)) >= 3  # the score's parts are kept
    assert build(ws).ranked is None  # nothing changed
    extra = [["e-new", "2026-06-01T10:00:00Z", "u-new", "visit", "", ranking["merchant_id"][0]]]
    import_file(ws, write_csv(tmp_path / "e.csv", EVENTS_HEADER, extra))
    assert build(ws).ranked == merchants  # new events: ranked again


def test_ranking_per_topic_export(ws: Workspace, tmp_path: Path) -> None:
    import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
    build(ws)
    export_table(ws, "ranking", tmp_path / "coffee.csv", topic="coffee")
    coffee = pd.read_csv(tmp_path / "coffee.csv")
    assert set(coffee["topic"]) == {"coffee"}
    assert list(coffee["rank"]) == list(range(1, len(coffee) + 1))
    with pytest.raises(ValueError, match="no ranked merchants in topic 'karaoke'"):
        export_table(ws, "ranking", tmp_path / "k.csv", topic="karaoke")
    with pytest.raises(ValueError, match="--topic applies to the ranking"):
        export_table(ws, "places", tmp_path / "p.csv", topic="coffee")


def test_attribution_windows_are_configurable(ws: Workspace) -> None:
    import_files(ws, [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv"])
    build(ws)
    wide = dict(ws.conn.execute("SELECT merchant_id, attributed_visits FROM ranking"))
    assert build(ws, attribution_days=1).ranked  # a new window ranks again
    narrow = dict(ws.conn.execute("SELECT merchant_id, attributed_visits FROM ranking"))
    assert sum(narrow.values()) < sum(wide.values())
    assert build(ws).ranked is None  # the window is kept for later builds
    with pytest.raises(ValueError, match="attribution days must be in"):
        build(ws, attribution_days=0)
