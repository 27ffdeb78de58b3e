"""Validation of single records against SPEC.md's input formats."""

from __future__ import annotations

import math

import pytest

from loopmap.formats import (
    RowError,
    detect_kind,
    parse_timestamp,
    validate_event,
    validate_note,
    validate_place,
)

PLACE = {
    "place_id": "m1",
    "name": "Bathe Coffee",
    "aliases": "Bathe| 巴斯咖啡 |Bathe",
    "kind": "Merchant",
    "category": "Coffee",
    "city": "上海",
    "parent_id": "",
    "lat": "31.2",
    "lon": "121.44",
}
NOTE = {"note_id": "n1", "user_id": "u1", "created_at": "2026-05-01T18:00:00+08:00", "text": "好喝"}
EVENT = {
    "event_id": "e1",
    "ts": "2026-05-01T10:00:00Z",
    "user_id": "u1",
    "kind": "like",
    "note_id": "n1",
}


def test_place_is_normalised() -> None:
    row = validate_place(PLACE)
    assert row["aliases"] == "Bathe|巴斯咖啡"
    assert row["kind"] == "merchant" and row["category"] == "coffee"
    assert row["parent_id"] is None
    assert (row["lat"], row["lon"]) == (31.2, 121.44)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"place_id": ""}, "place_id is missing"),
        ({"name": None}, "name is missing"),
        ({"kind": "shop"}, "kind 'shop' is not one of"),
        ({"lat": "NaN"}, "lat is NaN"),
        ({"lon": "inf"}, "lon is infinite"),
        ({"lat": "91"}, "lat 91 is out of range"),
        ({"lon": "-180.5"}, "lon -180.5 is out of range"),
        ({"lat": "north"}, "lat 'north' is not a number"),
        ({"lat": ""}, "lat is missing"),
        ({"lat": "", "lon": ""}, "lat and lon are missing"),
        ({"lat": True}, "lat must be a number"),
        ({"parent_id": "m1"}, "parent_id 'm1' is the place itself"),
        ({"place_id": "a\x00b"}, "control characters"),
        ({"place_id": "x" * 300}, "300 characters long"),
    ],
)
def test_place_rules(change: dict, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        validate_place({**PLACE, **change})


def test_note_defaults_and_normalisation() -> None:
    row = validate_note(
        {
            **NOTE,
            "tags": ["#咖啡", "coffee ", "咖啡"],
            "coord_sys": "GCJ-02",
            "lat": 31.2,
            "lon": 121.4,
        }
    )
    assert row["created_at"] == "2026-05-01T10:00:00Z"
    assert row["tags"] == ["咖啡", "coffee"]
    assert row["coord_sys"] == "gcj02"
    assert validate_note(NOTE)["coord_sys"] == "wgs84"
    assert validate_note({**NOTE, "text": "", "title": "标题"})["text"] == ""
    assert validate_note({**NOTE, "note_id": 42})["note_id"] == "42"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"note_id": None}, "note_id is missing"),
        ({"user_id": ""}, "user_id is missing"),
        ({"created_at": "yesterday"}, "not an ISO-8601 timestamp"),
        ({"created_at": 1714550400}, "must be an ISO-8601 string"),
        ({"text": ""}, "text is empty and there is no title"),
        ({"text": 5}, "text must be a string"),
        ({"title": ["a"]}, "title must be a string"),
        ({"tags": "[oops"}, "is not a JSON list"),
        ({"tags": {"a": 1}}, "tags must be a list"),
        ({"tags": [1]}, "tags must be a list of strings"),
        ({"lat": 31.2}, "lat is given without lon"),
        ({"lat": math.nan, "lon": 121.0}, "lat is NaN"),
        ({"lat": 31.0, "lon": 200}, "lon 200 is out of range"),
        ({"coord_sys": "utm"}, "coord_sys 'utm' is not one of"),
        ({"note_id": 1.5}, "note_id must be a string"),
    ],
)
def test_note_rules(change: dict, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        validate_note({**NOTE, **change})


def test_note_without_text_field_is_rejected() -> None:
    note = {k: v for k, v in NOTE.items() if k != "text"}
    with pytest.raises(RowError, match="text is missing"):
        validate_note({**note, "title": "t"})


def test_event_rules() -> None:
    assert validate_event(EVENT)["kind"] == "like"
    visit = {**EVENT, "kind": "visit", "note_id": "", "merchant_id": "m1"}
    assert validate_event(visit)["note_id"] is None
    with pytest.raises(RowError, match="a visit needs merchant_id"):
        validate_event({**EVENT, "kind": "visit"})
    with pytest.raises(RowError, match="a like needs note_id"):
        validate_event({**EVENT, "note_id": ""})
    with pytest.raises(RowError, match="kind 'share' is not one of"):
        validate_event({**EVENT, "kind": "share"})
    with pytest.raises(RowError, match="ts is missing"):
        validate_event({**EVENT, "ts": ""})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01T18:00:00+08:00", "2026-05-01T10:00:00Z"),
        ("2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z"),
        ("2026-05-01 10:00:00", "2026-05-01T10:00:00Z"),
        ("2026-05-01", "2026-05-01T00:00:00Z"),
        ("2026-05-01T10:00:00.250+00:00", "2026-05-01T10:00:00.250000Z"),
    ],
)
def test_timestamps_are_utc(raw: str, expected: str) -> None:
    assert parse_timestamp(raw) == expected


def test_detect_kind() -> None:
    assert detect_kind(frozenset({"event_id", "note_id", "ts"})) == "events"
    assert detect_kind(frozenset({"note_id", "created_at", "text"})) == "notes"
    assert detect_kind(frozenset({"place_id", "name"})) == "places"
    assert detect_kind(frozenset({"id", "name"})) is None
