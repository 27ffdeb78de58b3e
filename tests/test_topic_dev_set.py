"""Integrity of the hand-labelled topic evaluation set in tests/data/topic_dev/."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from loopmap.formats import validate_note

DATA = Path(__file__).parent / "data" / "topic_dev"

#: SPEC.md's topic ids (the Topics table); they are stable.
SPEC_TOPICS = (
    "coffee",
    "tea_dessert",
    "food",
    "nightlife",
    "stay",
    "shopping",
    "beauty",
    "culture",
    "outdoor",
    "other",
)
MIN_NOTES = 330
MIN_PER_TOPIC = 25
MIN_HARD = 60
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            assert line.strip(), f"{path.name} line {number} is blank"
            row = json.loads(line)
            assert isinstance(row, dict), f"{path.name} line {number} is not an object"
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def notes() -> list[dict[str, Any]]:
    return _read_jsonl(DATA / "notes.jsonl")


@pytest.fixture(scope="module")
def gold() -> list[dict[str, Any]]:
    return _read_jsonl(DATA / "gold.jsonl")


def test_size(notes: list[dict[str, Any]]) -> None:
    assert len(notes) >= MIN_NOTES


def test_ids_are_unique(notes: list[dict[str, Any]], gold: list[dict[str, Any]]) -> None:
    for rows in (notes, gold):
        ids = [row["note_id"] for row in rows]
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicates


def test_ids_are_numbered(notes: list[dict[str, Any]]) -> None:
    assert [n["note_id"] for n in notes] == [f"t{i:03d}" for i in range(1, len(notes) + 1)]


def test_gold_matches_notes_one_to_one(
    notes: list[dict[str, Any]], gold: list[dict[str, Any]]
) -> None:
    assert [g["note_id"] for g in gold] == [n["note_id"] for n in notes]


def test_gold_rows_have_the_documented_keys(gold: list[dict[str, Any]]) -> None:
    for row in gold:
        assert set(row) == {"note_id", "topic", "case"}, row
        assert re.fullmatch(r"[a-z][a-z_]*", row["case"]), row


def test_every_topic_is_a_spec_topic(gold: list[dict[str, Any]]) -> None:
    unknown = {g["topic"] for g in gold} - set(SPEC_TOPICS)
    assert not unknown


def test_every_topic_has_enough_notes(gold: list[dict[str, Any]]) -> None:
    counts = Counter(g["topic"] for g in gold)
    short = {t: counts[t] for t in SPEC_TOPICS if counts[t] < MIN_PER_TOPIC}
    assert not short


def test_enough_hard_cases(gold: list[dict[str, Any]]) -> None:
    assert sum(g["case"] != "plain" for g in gold) >= MIN_HARD


def test_required_hard_case_kinds_are_present(gold: list[dict[str, Any]]) -> None:
    cases = {g["case"] for g in gold}
    for case in (
        "short",
        "no_keyword",
        "english_slang",
        "misleading_hashtag",
        "ambiguous_cafe_bookshop",
        "ambiguous_hotel_bar",
        "ambiguous_brunch_cafe",
        "ambiguous_dessert_coffee",
        "ambiguous_citywalk_coffee",
        "ambiguous_market_park",
        "ambiguous_museum_cafe",
        "livehouse",
        "outdoor_activity",
    ):
        assert case in cases, case


def test_every_note_is_valid(notes: list[dict[str, Any]]) -> None:
    for note in notes:
        row = validate_note(note)
        assert row["note_id"] == note["note_id"]
        assert isinstance(note.get("tags", []), list)
        assert not any(t.startswith("#") for t in note.get("tags", []))


def test_language_mix(notes: list[dict[str, Any]]) -> None:
    def body(note: dict[str, Any]) -> str:
        return f"{note.get('title') or ''}\n{note['text']}"

    chinese = sum(bool(_CJK.search(body(n))) for n in notes)
    english = sum(len(_LATIN_WORD.findall(body(n))) >= 3 for n in notes)
    assert chinese >= 0.6 * len(notes)
    assert english >= 0.25 * len(notes)


def test_optional_fields_are_partly_present(notes: list[dict[str, Any]]) -> None:
    titled = sum(bool(n.get("title")) for n in notes)
    tagged = sum(bool(n.get("tags")) for n in notes)
    with_city = sum(bool(n.get("city")) for n in notes)
    assert 0.5 * len(notes) < titled < len(notes)
    assert 0.3 * len(notes) < tagged < 0.8 * len(notes)
    assert 0 < with_city < len(notes)


def test_readme_exists() -> None:
    assert (DATA / "README.md").read_text(encoding="utf-8").strip()
