"""The gazetteer: name forms, parents, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.gazetteer import BLOCKER, EVERYDAY, LATIN_END, LATIN_START, Gazetteer, GazetteerError
from geo.name_forms import CHAIN, DERIVED, name_forms

COLUMNS = ["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"]
ROWS = [
    ["sh", "上海", "上海市|Shanghai|沪|魔都", "city", None, "上海", None, 31.23, 121.47],
    ["hz", "杭州市", "Hangzhou City", "city", None, "杭州", None, 30.25, 120.20],
    ["xh", "徐汇区", "Xuhui District", "district", None, "上海", "sh", 31.19, 121.43],
    ["pd", "浦东新区", "", "district", None, "上海", "sh", 31.22, 121.54],
    ["wk", "武康路", "Wukang Road", "road", None, "上海", "xh", 31.21, 121.43],
    ["hz-zs", "中山路", "", "road", None, "杭州", "hz", 30.25, 120.17],
    ["sh-zs", "中山路", "", "road", None, "上海", "sh", 31.23, 121.45],
    ["bund", "The Bund", "外滩", "neighborhood", None, "上海", "sh", 31.24, 121.49],
    [
        "m1",
        "半岛咖啡(武康路店)",
        "半岛咖啡|Peninsula Coffee",
        "merchant",
        "coffee",
        "上海",
        "wk",
        31.212,
        121.433,
    ],
    ["m2", "半岛咖啡(富民路店)", "", "merchant", "coffee", "上海", "sh", 31.223, 121.447],
    ["m3", "日常", "日常咖啡", "merchant", "coffee", "上海", "wk", 31.211, 121.432],
    ["m4", "Common", "", "merchant", "coffee", None, None, 31.22, 121.45],
    ["m5", "上生·新所", "沪|Mo", "landmark", None, "上海", "xh", 31.213, 121.422],
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_places(pd.DataFrame(ROWS, columns=COLUMNS))


def test_size_and_positions(gaz: Gazetteer) -> None:
    assert len(gaz) == len(ROWS)
    assert list(gaz.places.index) == list(range(len(ROWS)))
    assert gaz.position("m1") == 8
    assert gaz.position("nowhere") == -1
    assert gaz.positions(["m1", None, float("nan"), "x"]).tolist() == [8, -1, -1, -1]


def test_branch_and_chain_forms(gaz: Gazetteer) -> None:
    assert gaz.places_named("半岛咖啡(武康路店)") == ["m1"]
    assert gaz.places_named("半岛咖啡武康路店") == ["m1"]
    assert gaz.places_named("半岛咖啡 武康路店") == ["m1"]
    assert gaz.places_named("半岛咖啡（武康路店）") == ["m1"]  # full-width brackets
    assert sorted(gaz.places_named("半岛咖啡")) == ["m1", "m2"]
    assert gaz.describe_form(gaz.pattern_index("半岛咖啡"), 9) == "chain"


def test_derived_forms() -> None:
    forms = dict(name_forms("徐汇区", ["Xuhui District"], "district"))
    assert forms["徐汇"] == DERIVED and forms["xuhui"] == DERIVED
    assert dict(name_forms("上海市", [], "city"))["上海"] == DERIVED
    road = dict(name_forms("Wukang Road", [], "road"))
    assert "wukang rd" in road and "wukangroad" in road
    assert "anfu road" in dict(name_forms("Anfu Rd", [], "road"))
    hood = dict(name_forms("The Bund", ["People's Square"], "neighborhood"))
    assert {"the bund", "bund", "peoples square", "peoplessquare"} <= set(hood)
    assert ("青柚茶事", CHAIN) in name_forms("青柚茶事（东平路店）", [], "merchant")


def test_names_are_normalised(gaz: Gazetteer) -> None:
    assert gaz.places_named("ＷＵＫＡＮＧ ＲＯＡＤ") == ["wk"]
    assert gaz.places_named("Wukang Rd") == ["wk"]
    assert gaz.places_named("上生新所") == ["m5"]
    assert gaz.places_named("浦东") == ["pd"]
    assert gaz.places_named("bund") == ["bund"]


def test_same_name_in_two_cities(gaz: Gazetteer) -> None:
    assert sorted(gaz.places_named("中山路")) == ["hz-zs", "sh-zs"]


def test_unmatchable_forms_are_left_out(gaz: Gazetteer) -> None:
    assert gaz.places_named("沪") == []  # one CJK character
    assert gaz.places_named("Mo") == []  # Latin under three letters
    assert gaz.city_index("沪") == 0  # ... but a city hint may still say it
    assert gaz.city_index("魔都") == 0
    assert gaz.city_index("Hangzhou") == 1
    assert gaz.city_index("杭州") == 1  # 杭州市 without 市
    assert gaz.city_index("Paris") == -1


def test_parents_resolved_once(gaz: Gazetteer) -> None:
    m1 = gaz.position("m1")
    assert gaz.parent_[m1] == gaz.position("wk")
    assert gaz.ancestors_[m1, :3].tolist() == [gaz.position(p) for p in ("wk", "xh", "sh")]
    assert gaz.district_[m1] == gaz.position("xh")
    assert gaz.city_[m1] == gaz.position("sh")
    assert gaz.city_[gaz.position("sh")] == gaz.position("sh")
    assert gaz.city_[gaz.position("m4")] == -1  # no parent, no city column
    assert gaz.district_[gaz.position("xh")] == gaz.position("xh")


def test_city_from_the_city_column() -> None:
    rows = [ROWS[0], ["m", "Cafe X", "", "merchant", "coffee", "Shanghai", None, 31.2, 121.4]]
    gaz = Gazetteer.from_places(pd.DataFrame(rows, columns=COLUMNS))
    assert gaz.city_[1] == 0


def test_flags(gaz: Gazetteer) -> None:
    def flags(form: str) -> int:
        return int(gaz.pattern_flags_[gaz.pattern_index(form)])

    assert flags("common") & LATIN_START and flags("common") & LATIN_END
    assert flags("日常") & EVERYDAY
    assert flags("common") & EVERYDAY
    assert not flags("武康路") & EVERYDAY
    assert not flags("上海") & EVERYDAY  # a city is never an everyday word
    assert not flags("外滩") & (EVERYDAY | LATIN_START)
    assert gaz.pattern_need_[gaz.pattern_index("日常")] > 0


def test_blocker_words(gaz: Gazetteer) -> None:
    blockers = {gaz.patterns[i] for i in np.flatnonzero(gaz.pattern_flags_ & BLOCKER).tolist()}
    assert "日常生活" in blockers  # 日常 inside 日常生活 is not the cafe
    assert "浦东新区" not in blockers  # a place name itself is a name, not a blocker
    assert all(i >= gaz.n_names for i in np.flatnonzero(gaz.pattern_flags_ & BLOCKER))
    assert gaz.pattern_index("日常生活") == -1


def test_aliases_as_lists_and_missing() -> None:
    places = pd.DataFrame(
        {
            "place_id": ["a", "b"],
            "name": ["武康路", "安福路"],
            "aliases": [["Wukang Road", "Route Ferguson"], float("nan")],
            "kind": ["road", "road"],
            "lat": [31.2, 31.21],
            "lon": [121.43, 121.44],
        }
    )
    gaz = Gazetteer.from_places(places)
    assert gaz.places_named("Route Ferguson") == ["a"]
    assert gaz.places_named("安福路") == ["b"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns=["kind"]), "lacks column"),
        (lambda df: df.assign(kind=["shop", *df["kind"][1:]]), "has kind 'shop'"),
        (lambda df: df.assign(place_id=["sh"] * len(df)), "repeats"),
    ],
)
def test_errors(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GazetteerError, match=message):
        Gazetteer.from_places(change(pd.DataFrame(ROWS, columns=COLUMNS)))
