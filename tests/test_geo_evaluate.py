"""Scoring geocodes against gold labels."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.evaluate import district_of, score_geocodes

PLACES = pd.DataFrame(
    [
        ["sh", "上海", "", "city", None, "上海", None, 31.23, 121.47],
        ["xh", "徐汇区", "", "district", None, "上海", "sh", 31.19, 121.44],
        ["ja", "静安区", "", "district", None, "上海", "sh", 31.23, 121.45],
        ["wk", "武康路", "", "road", None, "上海", "xh", 31.205, 121.439],
        ["m1", "Bathe", "", "merchant", "coffee", "上海", "wk", 31.205, 121.44],
    ],
    columns=["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"],
)


def test_district_of_walks_parents_then_nearest_centroid() -> None:
    got = district_of(
        PLACES, ["m1", "", "sh", ""], [31.205, 31.231, 31.23, None], [121.44, 121.451, 121.47, None]
    )
    assert got == ["xh", "ja", "", ""]


def test_scores() -> None:
    predicted = pd.DataFrame(
        {
            "note_id": ["a", "b", "c"],
            "place_id": ["m1", "", "wk"],
            "precision": ["poi", "none", "road"],
            "lat": [31.205, None, 31.205],
            "lon": [121.44, None, 121.439],
            "mentions": [
                [{"text": "Bathe", "start": 0, "end": 5, "place_id": "m1"}],
                [],
                [{"text": "武康路", "start": 2, "end": 5, "place_id": "sh"}],
            ],
        }
    )
    gold = [
        {
            "note_id": "a",
            "primary_place_id": "m1",
            "precision": "poi",
            "district_id": "xh",
            "mentions": [{"text": "Bathe", "start": 0, "end": 5, "place_id": "m1"}],
        },
        {
            "note_id": "b",
            "primary_place_id": "",
            "precision": "none",
            "district_id": "",
            "mentions": [],
        },
        {
            "note_id": "c",
            "primary_place_id": "m1",
            "precision": "poi",
            "district_id": "xh",
            "mentions": [
                {"text": "武康路", "start": 2, "end": 5, "place_id": "wk"},
                {"text": "Bathe", "start": 6, "end": 11, "place_id": "m1"},
            ],
        },
    ]
    s = score_geocodes(predicted, gold, PLACES)
    assert s.primary_accuracy == pytest.approx(2 / 3)
    assert s.precision_accuracy == pytest.approx(2 / 3)
    assert (s.mention_precision, s.mention_recall) == (pytest.approx(0.5), pytest.approx(1 / 3))
    assert s.span_f1 == pytest.approx(2 * (1.0 * 2 / 3) / (1.0 + 2 / 3))
    assert (s.district_notes, s.district_accuracy) == (2, 1.0)
