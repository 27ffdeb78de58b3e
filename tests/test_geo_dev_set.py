"""Integrity of the hand-labelled geocoding evaluation set in tests/data/geo_dev/."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from loopmap.formats import validate_note, validate_place

DATA = Path(__file__).parent / "data" / "geo_dev"
PRECISIONS = {"poi", "road", "neighborhood", "district", "city", "device", "none"}
#: The precision the ideal answer has when the primary place is of this kind.
PRECISION_OF_KIND = {
    "merchant": "poi",
    "landmark": "poi",
    "road": "road",
    "neighborhood": "neighborhood",
    "district": "district",
    "city": "city",
}
#: The least number of notes each hard case must have.
MIN_CASE = {
    "plain": 15,
    "alias": 15,
    "branch": 15,
    "branch_inferred": 15,
    "same_name_city": 15,
    "everyday_not_mention": 15,
    "everyday_mention": 15,
    "brand_generic": 15,
    "no_place": 15,
    "road_only": 15,
    "neighborhood_only": 15,
    "district_only": 15,
    "city_only": 15,
    "device_only": 15,
    "poi_id": 15,
    "hashtag": 15,
    "traditional_fullwidth": 15,
    "two_places": 15,
    "landmark": 15,
    "named_like_place": 10,
    "typo": 8,
}
GOLD_KEYS = {"note_id", "primary_place_id", "precision", "district_id", "mentions", "case"}
CJK = re.compile(r"[\u3400-\u9fff]")


def _jsonl(name: str) -> list[dict[str, Any]]:
    with open(DATA / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def places() -> dict[str, dict[str, Any]]:
    with open(DATA / "places.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    ids = [r["place_id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    return {r["place_id"]: r for r in rows}


@pytest.fixture(scope="module")
def notes() -> dict[str, dict[str, Any]]:
    rows = _jsonl("notes.jsonl")
    ids = [r["note_id"] for r in rows]
    assert len(ids) == len(set(ids))
    return {r["note_id"]: r for r in rows}


@pytest.fixture(scope="module")
def gold() -> dict[str, dict[str, Any]]:
    rows = _jsonl("gold.jsonl")
    ids = [r["note_id"] for r in rows]
    assert len(ids) == len(set(ids))
    return {r["note_id"]: r for r in rows}


def _ancestors(places: dict[str, dict[str, Any]], place_id: str) -> list[str]:
    """The place itself, then its parents up to the root."""
    chain: list[str] = []
    while place_id and place_id not in chain:
        chain.append(place_id)
        place_id = places[place_id]["parent_id"]
    return chain


def _full_text(note: dict[str, Any]) -> str:
    return (note.get("title") or "") + "\n" + note["text"]


def test_every_place_is_valid(places: dict[str, dict[str, Any]]) -> None:
    for row in places.values():
        validate_place(row)


def test_every_parent_exists_and_there_are_no_cycles(places: dict[str, dict[str, Any]]) -> None:
    for pid, row in places.items():
        if row["parent_id"]:
            assert row["parent_id"] in places, pid
        chain = _ancestors(places, pid)
        assert places[chain[-1]]["kind"] == "city", (pid, chain)


def test_gazetteer_covers_the_cities_and_shanghai_districts(
    places: dict[str, dict[str, Any]],
) -> None:
    kinds = Counter((r["city"], r["kind"]) for r in places.values())
    assert kinds[("上海", "district")] == 16
    for city in ("上海", "杭州", "北京", "成都", "广州", "深圳", "Helsinki"):
        assert kinds[(city, "city")] == 1, city
        assert kinds[(city, "district")] >= 3, city
    assert sum(n for (_, kind), n in kinds.items() if kind == "merchant") >= 150


def test_every_note_is_valid(notes: dict[str, dict[str, Any]]) -> None:
    assert len(notes) >= 320
    for note in notes.values():
        validate_note(note)


def test_gold_and_notes_cover_the_same_notes(
    notes: dict[str, dict[str, Any]], gold: dict[str, dict[str, Any]]
) -> None:
    assert set(notes) == set(gold)
    for g in gold.values():
        assert set(g) == GOLD_KEYS, g["note_id"]


def test_mention_offsets_match_the_text(
    notes: dict[str, dict[str, Any]],
    gold: dict[str, dict[str, Any]],
    places: dict[str, dict[str, Any]],
) -> None:
    for nid, g in gold.items():
        text = _full_text(notes[nid])
        end = -1
        for m in g["mentions"]:
            assert set(m) == {"text", "start", "end", "place_id"}, nid
            assert text[m["start"] : m["end"]] == m["text"], (nid, m)
            assert m["start"] >= end, (nid, "mentions overlap or are out of order")
            end = m["end"]
            assert m["place_id"] in places, (nid, m)


def test_primary_precision_and_district_agree(
    notes: dict[str, dict[str, Any]],
    gold: dict[str, dict[str, Any]],
    places: dict[str, dict[str, Any]],
) -> None:
    for nid, g in gold.items():
        note, primary, district = notes[nid], g["primary_place_id"], g["district_id"]
        assert g["precision"] in PRECISIONS, nid
        if primary:
            assert primary in places, nid
            assert g["precision"] == PRECISION_OF_KIND[places[primary]["kind"]], nid
        else:
            assert g["precision"] in {"device", "none"}, nid
        if g["precision"] == "device":
            assert note.get("lat") is not None and note.get("lon") is not None, nid
            assert district, nid
        if g["precision"] == "none":
            assert not district, nid
        if district:
            assert places[district]["kind"] == "district", nid
            if primary:
                assert district in _ancestors(places, primary), nid
        elif primary:
            chain = _ancestors(places, primary)
            assert not any(places[p]["kind"] == "district" for p in chain), nid


def test_tagged_poi_ids_exist(
    notes: dict[str, dict[str, Any]], places: dict[str, dict[str, Any]]
) -> None:
    for nid, note in notes.items():
        if note.get("poi_id"):
            assert note["poi_id"] in places, nid


def test_every_hard_case_has_enough_notes(gold: dict[str, dict[str, Any]]) -> None:
    counts = Counter(g["case"] for g in gold.values())
    assert set(counts) == set(MIN_CASE)
    for case, least in MIN_CASE.items():
        assert counts[case] >= least, (case, counts[case])


def test_device_only_notes_carry_a_location(
    notes: dict[str, dict[str, Any]], gold: dict[str, dict[str, Any]]
) -> None:
    for nid, g in gold.items():
        if g["case"] == "device_only":
            assert g["precision"] == "device", nid
            assert not g["mentions"], nid
            assert notes[nid].get("lat") is not None, nid


def test_languages_and_coordinate_systems_are_mixed(notes: dict[str, dict[str, Any]]) -> None:
    latin_only = sum(1 for n in notes.values() if not CJK.search(_full_text(n)))
    assert 0.15 <= latin_only / len(notes) <= 0.35
    located = [n for n in notes.values() if n.get("lat") is not None]
    systems = Counter(n.get("coord_sys", "wgs84") for n in located)
    assert 0.25 <= systems["gcj02"] / len(located) <= 0.45
    assert systems["bd09"] >= 5
    assert systems["wgs84"] >= 10
