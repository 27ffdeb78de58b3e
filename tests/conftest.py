"""Shared fixtures: a fresh workspace, files written from rows, the CLI runner."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loopmap.store import Workspace

PLACES_HEADER = [
    "place_id",
    "name",
    "aliases",
    "kind",
    "category",
    "city",
    "parent_id",
    "lat",
    "lon",
]
PLACES = [
    ["sh", "上海", "Shanghai|沪", "city", "", "上海", "", "31.2304", "121.4737"],
    ["sh-xuhui", "徐汇区", "Xuhui", "district", "", "上海", "sh", "31.1885", "121.4365"],
    ["sh-r-wukang", "武康路", "Wukang Road", "road", "", "上海", "sh-xuhui", "31.2046", "121.4385"],
    [
        "m-bathe",
        "Bathe Coffee",
        "Bathe|巴斯咖啡",
        "merchant",
        "coffee",
        "上海",
        "sh-r-wukang",
        "31.2050",
        "121.4390",
    ],
    ["m-bar", "Nook Bar", "", "merchant", "bar", "上海", "sh-xuhui", "31.2100", "121.4500"],
]
NOTES = [
    {
        "note_id": "n1",
        "user_id": "u1",
        "created_at": "2026-05-01T18:00:00+08:00",
        "title": "武康路咖啡",
        "text": "在巴斯咖啡坐了一下午 #上海咖啡",
        "tags": ["上海咖啡"],
        "poi_id": "m-bathe",
        "lat": 31.203,
        "lon": 121.443,
        "coord_sys": "gcj02",
        "city": "上海",
    },
    {
        "note_id": "n2",
        "user_id": "u2",
        "created_at": "2026-05-02T10:00:00Z",
        "text": "Nook Bar was fun",
    },
    {
        "note_id": "n3",
        "user_id": "u2",
        "created_at": "2026-05-03T10:00:00",
        "text": "",
        "title": "周末",
    },
]
EVENTS_HEADER = ["event_id", "ts", "user_id", "kind", "note_id", "merchant_id"]
EVENTS = [
    ["e1", "2026-05-01T12:00:00Z", "u3", "view", "n1", ""],
    ["e2", "2026-05-01T12:01:00Z", "u3", "like", "n1", ""],
    ["e3", "2026-05-03T09:00:00Z", "u3", "visit", "", "m-bathe"],
    ["e4", "2026-05-03T09:30:00Z", "u2", "collect", "n2", ""],
]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Sequence[dict[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(tmp_path / "test.db")
    yield workspace
    workspace.close()


@pytest.fixture
def city_files(tmp_path: Path) -> dict[str, Path]:
    """A tiny valid city: places.csv, notes.jsonl, events.csv."""
    return {
        "places": write_csv(tmp_path / "places.csv", PLACES_HEADER, PLACES),
        "notes": write_jsonl(tmp_path / "notes.jsonl", NOTES),
        "events": write_csv(tmp_path / "events.csv", EVENTS_HEADER, EVENTS),
    }


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner: CliRunner, tmp_path: Path) -> Callable[..., Any]:
    """Run the CLI against a workspace in tmp_path."""
    from loopmap.cli import cli

    def run(*args: str, db: Path | None = None) -> Any:
        db = db or tmp_path / "cli.db"
        return runner.invoke(cli, [*args[:1], "--db", str(db), *args[1:]], catch_exceptions=False)

    return run
