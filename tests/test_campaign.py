"""Topic campaigns: the four files, the filters, the walking route, the errors, the lift."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loopmap.build import build
from loopmap.importer import import_files
from loopmap.store import Workspace
from topics.campaign import (
    LIFT_COLUMNS,
    MERCHANT_COLUMNS,
    STREET_FACTOR,
    CampaignError,
    build_campaign,
    parse_near,
    walking_route,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
XSS_IMG = "<img src=x onerror=alert(1)>"


def _coffee_merchant() -> dict[str, str]:
    with (SAMPLE / "places.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "merchant" and row["category"] == "coffee" and row["city"] == "上海":
                return row
    raise AssertionError("the sample has no coffee merchant")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 2,000-note sample plus two hostile notes and two Hangzhou coffee notes, built once."""
    root = tmp_path_factory.mktemp("campaign")
    merchant = _coffee_merchant()
    extra = root / "hostile.jsonl"
    rows = [
        {
            "note_id": f"xss{i}",
            "user_id": "u-evil",
            "created_at": "2025-04-01T10:00:00Z",
            "title": f"{merchant['name']}咖啡 {XSS_IMG}",
            "text": f"在{merchant['name']}喝咖啡 ${{alert(1)}} `x` </script> #咖啡日记",
            "tags": ["咖啡日记"],
            "poi_id": merchant["place_id"],
        }
        for i in range(2)
    ] + [
        {
            "note_id": f"hz{i}",
            "user_id": f"u-hz{i}",
            "created_at": "2025-04-02T10:00:00Z",
            "title": "雾岛咖啡",
            "text": "在杭州南山路的雾岛咖啡喝了一杯手冲咖啡 #咖啡日记",
            "tags": ["咖啡日记"],
            "poi_id": "hz-m0001",
            "city": "杭州",
        }
        for i in range(2)
    ]
    extra.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    path = root / "ws.db"
    ws = Workspace(path)
    try:
        files = [SAMPLE / "places.csv", SAMPLE / "notes.jsonl", SAMPLE / "events.csv", extra]
        import_files(ws, files)
        build(ws)
    finally:
        ws.close()
    yield path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def campaign(db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("c") / "coffee"
    return build_campaign(db, topic="coffee", out_dir=out, city="上海", top=5)


def test_writes_the_four_files(campaign: dict[str, Any], db: Path) -> None:
    out = Path(campaign["out_dir"])
    for name in ("index.html", "merchants.csv", "campaign.json", "brief.md"):
        assert (out / name).is_file(), name
    assert not (out / "lift.csv").exists()
    rows = _csv(out / "merchants.csv")
    assert list(rows[0]) == list(MERCHANT_COLUMNS)
    assert 1 <= len(rows) <= 5
    # ordered by the loop ranking's score; merchants flagged as manufactured are left out
    conn = sqlite3.connect(db)
    ranking = {
        r[0]: (r[1], r[2]) for r in conn.execute("SELECT merchant_id, score, flagged FROM ranking")
    }
    conn.close()
    scores = [ranking[r["merchant_id"]][0] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert not any(ranking[r["merchant_id"]][1] for r in rows)
    assert all("by loop score" in r["why"] for r in rows)
    data = json.loads((out / "campaign.json").read_text("utf-8"))
    assert {"criteria", "merchants", "hotspots", "route", "reach"} <= set(data)
    assert data["criteria"]["city"] == "上海" and data["criteria"]["top"] == 5
    assert all(m["representative_notes"] for m in data["merchants"])
    assert [m["merchant_id"] for m in data["merchants"]] == [r["merchant_id"] for r in rows]
    brief = (out / "brief.md").read_text("utf-8")
    for heading in ("## The pitch", "## Hotspots", "## Merchants", "## Suggested walking route"):
        assert heading in brief
    assert "## Expected reach" in brief and str(STREET_FACTOR) in brief


def test_index_opens_from_disk(campaign: dict[str, Any]) -> None:
    out = Path(campaign["out_dir"])
    page = (out / "index.html").read_text("utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>\\)]+", page))
    assert urls <= {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
    }
    local = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert local and all((out / ref.split("?")[0]).is_file() for ref in local)
    for m in campaign["merchants"]:
        assert m["name"] in page or json.dumps(m["name"])[1:-1] in page
    assert (out / "static" / "images" / "layers.png").is_file()


def test_hostile_note_stays_text(db: Path, tmp_path: Path) -> None:
    merchant = _coffee_merchant()
    result = build_campaign(
        db,
        topic="coffee",
        out_dir=tmp_path / "c",
        since="2025-04-01T10:00:00Z",
        until="2025-04-01T10:00:01Z",
    )
    assert [m["merchant_id"] for m in result["merchants"]] == [merchant["place_id"]]
    out = tmp_path / "c"
    page = (out / "index.html").read_text("utf-8")
    assert XSS_IMG not in page and "onerror=alert(1)>" not in page
    assert page.count("<script") == page.count("</script>")
    data = json.loads((out / "campaign.json").read_text("utf-8"))
    notes = [n for m in data["merchants"] for n in m["representative_notes"]]
    assert {n["note_id"] for n in notes} == {"xss0", "xss1"}
    assert XSS_IMG in notes[0]["title"]  # kept as data, exactly
    blocks = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    snippets = json.loads(blocks[0])["merchants"][0]["notes"]
    assert any(XSS_IMG in t and "${alert(1)}" in t and "`x`" in t for t in snippets)
    assert XSS_IMG not in (out / "brief.md").read_text("utf-8")


def test_top_and_city(db: Path, tmp_path: Path) -> None:
    one = build_campaign(db, topic="coffee", out_dir=tmp_path / "a", top=1)
    assert len(one["merchants"]) == 1
    hz = build_campaign(db, topic="coffee", out_dir=tmp_path / "b", city="杭州", top=50)
    assert [m["merchant_id"] for m in hz["merchants"]] == ["hz-m0001"]
    sh = build_campaign(db, topic="coffee", out_dir=tmp_path / "c", city="上海", top=50)
    assert {m["city"] for m in sh["merchants"]} == {"上海"}


def test_near_radius(db: Path, tmp_path: Path, campaign: dict[str, Any]) -> None:
    lead = campaign["merchants"][0]
    result = build_campaign(
        db,
        topic="coffee",
        out_dir=tmp_path / "n",
        near=f"{lead['lat']},{lead['lon']}",
        radius_km=0.5,
        top=50,
    )
    assert lead["merchant_id"] in [m["merchant_id"] for m in result["merchants"]]
    route = walking_route(
        _frame([(m["merchant_id"], m["name"], m["lat"], m["lon"]) for m in result["merchants"]])
    )
    # every merchant lies within 0.5 km, so no two are more than 1 km apart as the crow flies
    assert all(s["leg_m"] <= 1000 * STREET_FACTOR + 1 for s in route["stops"])


def test_since_until(db: Path, tmp_path: Path) -> None:
    since, until = "2025-04-01", "2025-04-30"
    result = build_campaign(
        db, topic="coffee", out_dir=tmp_path / "w", since=since, until=until, top=3
    )
    ids = [n["note_id"] for m in result["merchants"] for n in m["representative_notes"]]
    conn = sqlite3.connect(db)
    try:
        placeholders = ",".join("?" * len(ids))
        created = [
            r[0]
            for r in conn.execute(
                f"SELECT created_at FROM notes WHERE note_id IN ({placeholders})", ids
            )
        ]
    finally:
        conn.close()
    assert created and all("2025-04-01" <= c[:10] <= "2025-04-30" for c in created)
    everything = build_campaign(db, topic="coffee", out_dir=tmp_path / "all", top=3)
    assert (
        result["merchants"][0]["score"]["notes_in_window"]
        <= everything["merchants"][0]["score"]["notes_in_window"]
    )


def test_route_visits_each_hotspot_merchant_once(campaign: dict[str, Any]) -> None:
    route = campaign["route"]
    assert route is not None
    best = next(h for h in campaign["hotspots"] if h["best"])
    stops = [s["merchant_id"] for s in route["stops"]]
    assert sorted(stops) == sorted(best["merchants"])
    assert len(stops) == len(set(stops))
    assert route["total_m"] == sum(s["leg_m"] for s in route["stops"]) or abs(
        route["total_m"] - sum(s["leg_m"] for s in route["stops"])
    ) <= len(stops)


def _frame(rows: list[tuple[str, str, float, float]]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows, columns=["merchant_id", "name", "lat", "lon"])


def test_walking_route_on_a_line() -> None:
    pts = _frame([("c", "C", 31.0, 121.02), ("a", "A", 31.0, 121.0), ("b", "B", 31.0, 121.01)])
    route = walking_route(pts)
    order = [s["merchant_id"] for s in route["stops"]]
    assert order in (["a", "b", "c"], ["c", "b", "a"])
    assert route["stops"][0]["leg_m"] == 0
    # 0.01 degrees of longitude at 31 N is about 953 m; times the street factor
    assert 2 * 953 * STREET_FACTOR * 0.99 < route["total_m"] < 2 * 953 * STREET_FACTOR * 1.01


def test_measure_writes_lift(db: Path, tmp_path: Path) -> None:
    result = build_campaign(
        db, topic="coffee", out_dir=tmp_path / "m", since="2025-04-15", top=3, measure=True
    )
    rows = _csv(tmp_path / "m" / "lift.csv")
    assert list(rows[0]) == list(LIFT_COLUMNS)
    assert [r["merchant_id"] for r in rows] == [m["merchant_id"] for m in result["merchants"]]
    assert any(int(r["notes_before"]) > 0 for r in rows)
    assert "lift for 3 merchants" in result["lift_summary"]
    assert "## Lift" in (tmp_path / "m" / "brief.md").read_text("utf-8")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"topic": "karaoke"}, r"unknown topic 'karaoke'; known topics: coffee, .*other"),
        ({"city": "Atlantis"}, r"--city 'Atlantis' filter left no coffee.*上海"),
        ({"near": "31.2", "radius_km": 1}, r"not LAT,LON"),
        ({"near": "north,east", "radius_km": 1}, r"not LAT,LON numbers"),
        ({"near": "95,121", "radius_km": 1}, r"out of range"),
        ({"radius_km": 1}, r"--radius-km needs --near"),
        ({"near": "31.2,121.4"}, r"--near needs --radius-km"),
        ({"near": "0,0", "radius_km": 1}, r"--radius-km 1 filter left no .* km away"),
        ({"since": "2025-05-01", "until": "2025-04-01"}, r"--since 2025-05-01 is after --until"),
        ({"since": "2030-01-01"}, r"window .* left no coffee merchant notes"),
        ({"since": "yesterday"}, r"not a date"),
        ({"top": 0}, r"--top 0"),
    ],
)
def test_errors(db: Path, tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"topic": "coffee", "out_dir": tmp_path / "e", **kwargs}
    with pytest.raises(CampaignError, match=message):
        build_campaign(db, **args)
    assert not (tmp_path / "e").exists()


def test_refuses_a_non_empty_folder(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine", "utf-8")
    with pytest.raises(CampaignError, match=r"not empty.*--force"):
        build_campaign(db, topic="coffee", out_dir=out)
    build_campaign(db, topic="coffee", out_dir=out, force=True, top=2)
    assert (out / "keep.txt").read_text("utf-8") == "mine"
    assert len(_csv(out / "merchants.csv")) == 2


def test_workspace_never_built(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="no workspace"):
        build_campaign(tmp_path / "missing.db", topic="coffee", out_dir=tmp_path / "o")
    ws = Workspace(tmp_path / "fresh.db")
    ws.close()
    with pytest.raises(CampaignError, match=r"never built.*loopmap build"):
        build_campaign(tmp_path / "fresh.db", topic="coffee", out_dir=tmp_path / "o")


def test_parse_near() -> None:
    assert parse_near(" 31.2, 121.4 ") == (31.2, 121.4)
    assert parse_near((31.2, 121.4)) == (31.2, 121.4)
    assert issubclass(CampaignError, ValueError)
