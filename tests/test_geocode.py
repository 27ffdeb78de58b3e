"""geocode_notes: the contract, precision levels, device locations, confidence, accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo import geocode as geocode_module
from geo.calibration import in_fit_half, sample_gold
from geo.coords import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo.evaluate import score_geocodes
from geo.gazetteer import Gazetteer
from geo.geocode import GEOCODE_COLUMNS, PRECISIONS, GeocodeError, geocode_notes

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"]
ROWS = [
    ["sh", "上海", "上海市|Shanghai|魔都", "city", None, "上海", None, 31.2304, 121.4737],
    ["xh", "徐汇区", "Xuhui District", "district", None, "上海", "sh", 31.1885, 121.4365],
    [
        "ffc",
        "衡复风貌区",
        "French Concession",
        "neighborhood",
        None,
        "上海",
        "xh",
        31.2154,
        121.4434,
    ],
    ["wk", "武康路", "Wukang Road", "road", None, "上海", "ffc", 31.2050, 121.4385],
    ["wkm", "武康大楼", "Wukang Mansion", "landmark", None, "上海", "wk", 31.2071, 121.4321],
    [
        "b-wk",
        "巴斯咖啡(武康路店)",
        "巴斯咖啡|Bathe Coffee",
        "merchant",
        "coffee",
        "上海",
        "wk",
        31.2052,
        121.4388,
    ],
    [
        "b-x",
        "巴斯咖啡(徐家汇店)",
        "巴斯咖啡|Bathe Coffee",
        "merchant",
        "coffee",
        "上海",
        "xh",
        31.1960,
        121.4330,
    ],
    ["nook", "Nook Bar", "", "merchant", "bar", "上海", "ffc", 31.2150, 121.4440],
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_places(pd.DataFrame(ROWS, columns=COLUMNS))


def run(gaz: Gazetteer, *notes: dict[str, object]) -> pd.DataFrame:
    rows = [{"note_id": f"n{i}", "text": "", **n} for i, n in enumerate(notes)]
    return geocode_notes(pd.DataFrame(rows), gaz)


def test_contract(gaz: Gazetteer) -> None:
    out = run(
        gaz,
        {"title": "武康路咖啡", "text": "在巴斯咖啡坐了一下午 #上海咖啡", "tags": ["上海咖啡"]},
        {"title": None, "text": "Nook Bar was fun", "created_at": "x", "user_id": "u"},
        {"text": "nothing here"},
    )
    assert list(out.columns) == list(GEOCODE_COLUMNS)
    assert out["note_id"].tolist() == ["n0", "n1", "n2"]
    assert out["place_id"].tolist() == ["b-wk", "nook", ""]
    assert set(out["precision"]) <= set(PRECISIONS)
    assert out["lat"].dtype == np.float64 and np.isnan(out["lat"].iloc[2])
    haystacks = [
        "武康路咖啡\n在巴斯咖啡坐了一下午 #上海咖啡",
        "\nNook Bar was fun",
        "\nnothing here",
    ]
    for row, note in zip(out.itertuples(), haystacks, strict=True):
        for m in row.mentions:
            assert set(m) == {"text", "start", "end", "place_id"}
            assert note[m["start"] : m["end"]] == m["text"]
    assert [m["text"] for m in out["mentions"].iloc[0]] == ["武康路", "巴斯咖啡", "上海"]
    assert all(isinstance(r, str) for rs in out["reasons"] for r in rs)
    assert out["reasons"].iloc[2] == ["no place named and no device location"]


@pytest.mark.parametrize(
    ("text", "place_id", "precision"),
    [
        ("武康大楼拍照", "wkm", "poi"),
        ("Bathe Coffee on Wukang Road", "b-wk", "poi"),
        ("武康路123号", "wk", "road"),
        ("逛了一下French Concession", "ffc", "neighborhood"),
        ("徐汇区好吃的", "xh", "district"),
        ("魔都的秋天", "sh", "city"),
        ("今天好开心", "", "none"),
    ],
)
def test_precision_levels(gaz: Gazetteer, text: str, place_id: str, precision: str) -> None:
    row = run(gaz, {"text": text}).iloc[0]
    assert (row.place_id, row.precision) == (place_id, precision)
    if place_id:
        place = ROWS[[r[0] for r in ROWS].index(place_id)]
        assert (row.lat, row.lon) == (place[7], place[8])


def test_house_number_keeps_road_precision(gaz: Gazetteer) -> None:
    row = run(gaz, {"text": "地址：武康路123号"}).iloc[0]
    assert row.precision == "road"
    assert any("house number 123号: road precision" in r for r in row.reasons)


@pytest.mark.parametrize("coord_sys", ["wgs84", "gcj02", "bd09", "GCJ-02", None])
def test_device_only(gaz: Gazetteer, coord_sys: str | None) -> None:
    lon, lat = 121.45, 31.22
    if coord_sys in ("gcj02", "GCJ-02"):
        lon, lat = wgs84_to_gcj02(lon, lat)
    elif coord_sys == "bd09":
        lon, lat = wgs84_to_bd09(lon, lat)
    row = run(gaz, {"text": "好吃", "lat": lat, "lon": lon, "coord_sys": coord_sys}).iloc[0]
    assert (row.place_id, row.precision) == ("", "device")
    assert row.lat == pytest.approx(31.22, abs=1e-6)
    assert row.lon == pytest.approx(121.45, abs=1e-6)
    assert row.reasons[-1].startswith("no place named; device location")


def test_device_distance_is_reported(gaz: Gazetteer) -> None:
    lon, lat = wgs84_to_gcj02(121.4390, 31.2053)
    row = run(gaz, {"text": "巴斯咖啡", "lat": lat, "lon": lon, "coord_sys": "gcj02"}).iloc[0]
    assert row.place_id == "b-wk"
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    assert (w_lon, w_lat) == pytest.approx((121.4390, 31.2053), abs=1e-6)
    assert row.reasons[-1] == "device location gcj02 -> wgs84, 22 m from b-wk"


def test_bad_device_locations_are_ignored_with_a_reason(gaz: Gazetteer) -> None:
    out = run(
        gaz,
        {"text": "好吃", "lat": 31.2, "lon": 121.4, "coord_sys": "mars"},
        {"text": "好吃", "lat": 131.2, "lon": 121.4},
        {"text": "好吃", "lat": None, "lon": None},
    )
    assert out["precision"].tolist() == ["none", "none", "none"]
    assert "unknown coord_sys 'mars'" in out["reasons"].iloc[0][0]
    assert "out of range" in out["reasons"].iloc[1][0]


def test_poi_id_without_text(gaz: Gazetteer) -> None:
    row = run(gaz, {"text": "冷萃很好喝", "poi_id": "b-x"}).iloc[0]
    assert (row.place_id, row.precision, row.mentions) == ("b-x", "poi", [])
    assert row.reasons == ["poi_id b-x given", "primary b-x (merchant): the note's poi_id"]


def test_confidence_is_a_probability_and_higher_when_unambiguous(gaz: Gazetteer) -> None:
    out = run(
        gaz,
        {"text": "Nook Bar was fun"},
        {"text": "巴斯咖啡"},
        {"text": "徐汇区"},
        {"text": "好吃"},
        {"text": "x", "poi_id": "b-x"},
    )
    conf = out["confidence"].to_numpy()
    assert ((conf > 0) & (conf < 1)).all()
    assert conf[0] > conf[1]  # one place of that name vs two branches to choose from
    assert conf[4] > conf[1]


def test_empty_and_missing_columns(gaz: Gazetteer) -> None:
    empty = geocode_notes(pd.DataFrame({"note_id": [], "text": []}), gaz)
    assert list(empty.columns) == list(GEOCODE_COLUMNS) and len(empty) == 0
    with pytest.raises(GeocodeError, match="note_id and text"):
        geocode_notes(pd.DataFrame({"note_id": ["a"]}), gaz)


def test_empty_gazetteer() -> None:
    places = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    gaz = Gazetteer.from_places(places.astype({"lat": float, "lon": float}))
    out = run(gaz, {"text": "武康路", "lat": 31.2, "lon": 121.4}, {"text": "武康路"})
    assert out["precision"].tolist() == ["device", "none"]


def test_chunks_are_stitched_together(gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geocode_module, "_CHUNK_NOTES", 2)
    out = run(gaz, *({"text": t} for t in ["武康路", "无", "徐汇区", "Nook Bar", "魔都"]))
    assert out["place_id"].tolist() == ["wk", "", "xh", "nook", "sh"]
    assert out["mentions"].iloc[3][0]["start"] == 1


def test_sample_city_accuracy() -> None:
    """Primary-place accuracy on the shipped sample city against its truth.csv.

    Measured 0.959 (strict) and 0.9985 when a city-level answer counts as right for a note
    whose truth names no place (truth.csv does not record city names, which the notes do
    carry); the floors leave a little room.
    """
    folder = ROOT / "data" / "sample"
    notes = pd.read_json(folder / "notes.jsonl", lines=True, dtype=False)
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    gold = sample_gold(notes, truth)
    out = geocode_notes(notes, Gazetteer.from_places(pd.read_csv(folder / "places.csv")))
    expected = out["note_id"].map(gold)
    strict = (out["place_id"] == expected).mean()
    lenient = (out["place_id"] == expected) | ((expected == "") & (out["precision"] == "city"))
    assert strict >= 0.94
    assert lenient.mean() >= 0.98


def test_dev_set_accuracy() -> None:
    """Scores on the hand-labelled dev set's held-out half (the half confidence never saw).

    Measured: primary 0.960, mention F1 0.977, district 0.958.
    """
    folder = ROOT / "tests" / "data" / "geo_dev"
    if not (folder / "gold.jsonl").is_file():
        pytest.skip("no dev set")
    places = pd.read_csv(folder / "places.csv")
    notes = pd.read_json(folder / "notes.jsonl", lines=True, dtype=False)
    with (folder / "gold.jsonl").open(encoding="utf-8") as f:
        gold = [g for g in map(json.loads, f) if not in_fit_half(g["note_id"])]
    held = notes[notes["note_id"].isin({g["note_id"] for g in gold})]
    scores = score_geocodes(geocode_notes(held, Gazetteer.from_places(places)), gold, places)
    assert scores.primary_accuracy >= 0.93
    assert scores.mention_f1 >= 0.95
    assert scores.district_accuracy >= 0.93
