"""Resolution: candidates chosen from context, everyday words, the primary place."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from geo.coords import wgs84_to_gcj02
from geo.gazetteer import Gazetteer
from geo.geocode import geocode_notes

COLUMNS = ["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"]
ROWS = [
    ["sh", "上海", "上海市|Shanghai|魔都|沪", "city", None, "上海", None, 31.2304, 121.4737],
    ["hz", "杭州", "杭州市|Hangzhou", "city", None, "杭州", None, 30.2741, 120.1551],
    ["xh", "徐汇区", "Xuhui", "district", None, "上海", "sh", 31.1885, 121.4365],
    ["ja", "静安区", "", "district", None, "上海", "sh", 31.2286, 121.4480],
    ["xihu", "西湖区", "", "district", None, "杭州", "hz", 30.2599, 120.1300],
    ["wk", "武康路", "Wukang Road", "road", None, "上海", "xh", 31.2050, 121.4385],
    ["af", "安福路", "", "road", None, "上海", "xh", 31.2164, 121.4374],
    ["fm", "富民路", "", "road", None, "上海", "ja", 31.2231, 121.4476],
    ["ns", "南山路", "", "road", None, "杭州", "xihu", 30.2463, 120.1578],
    ["sh-park", "中山公园", "", "landmark", "park", "上海", "sh", 31.2230, 121.4139],
    ["hz-park", "中山公园", "", "landmark", "park", "杭州", "xihu", 30.2598, 120.1393],
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
        "b-af",
        "巴斯咖啡(安福路店)",
        "巴斯咖啡|Bathe Coffee",
        "merchant",
        "coffee",
        "上海",
        "af",
        31.2166,
        121.4371,
    ],
    [
        "b-ns",
        "巴斯咖啡(南山路店)",
        "巴斯咖啡|Bathe Coffee",
        "merchant",
        "coffee",
        "杭州",
        "ns",
        30.2466,
        120.1580,
    ],
    ["wd-sh", "雾岛咖啡", "", "merchant", "coffee", "上海", "af", 31.2168, 121.4380],
    ["wd-hz", "雾岛咖啡", "", "merchant", "coffee", "杭州", "ns", 30.2460, 120.1575],
    ["xy", "小院", "", "merchant", "restaurant", "上海", "wk", 31.2049, 121.4382],
    ["rc", "日常", "", "merchant", "coffee", "上海", "fm", 31.2233, 121.4479],
    ["lc", "蓝窗咖啡", "", "merchant", "coffee", "上海", "af", 31.2163, 121.4377],
    ["bg", "白鸽咖啡", "", "merchant", "coffee", "上海", "af", 31.2160, 121.4369],
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_places(pd.DataFrame(ROWS, columns=COLUMNS))


def geocode(gaz: Gazetteer, text: str, **fields: Any) -> pd.Series:
    note = {"note_id": "n", "title": fields.pop("title", None), "text": text, **fields}
    return geocode_notes(pd.DataFrame([note]), gaz, priors=fields.pop("priors", None)).iloc[0]


def chosen(row: pd.Series, text: str) -> str:
    return next(m["place_id"] for m in row.mentions if m["text"] == text)


def test_same_name_in_two_cities_by_city_field(gaz: Gazetteer) -> None:
    assert geocode(gaz, "雾岛咖啡的拿铁", city="杭州").place_id == "wd-hz"
    assert geocode(gaz, "雾岛咖啡的拿铁", city="Shanghai").place_id == "wd-sh"
    assert geocode(gaz, "中山公园散步", city="魔都").place_id == "sh-park"


def test_same_name_in_two_cities_by_co_mentioned_place(gaz: Gazetteer) -> None:
    row = geocode(gaz, "西湖区的中山公园人好少")
    assert row.place_id == "hz-park"
    assert any("co-mentioned district 西湖区 is its parent" in r for r in row.reasons)
    assert geocode(gaz, "南山路上的雾岛咖啡").place_id == "wd-hz"


def test_same_name_in_two_cities_by_device_in_gcj02(gaz: Gazetteer) -> None:
    lon, lat = wgs84_to_gcj02(120.1576, 30.2461)  # next to the Hangzhou cafe
    row = geocode(gaz, "雾岛咖啡坐一下午", lat=lat, lon=lon, coord_sys="gcj02")
    assert row.place_id == "wd-hz"
    assert any("from the device location" in r for r in row.reasons)
    assert any(r.startswith("device location gcj02 -> wgs84") for r in row.reasons)


def test_chain_branch_from_the_co_mentioned_road(gaz: Gazetteer) -> None:
    row = geocode(gaz, "武康路的巴斯咖啡")
    assert row.place_id == "b-wk"
    assert "巴斯咖啡: 3 candidates; b-wk chosen: co-mentioned road 武康路 is its parent" in (
        row.reasons
    )
    assert geocode(gaz, "Bathe Coffee on 安福路 is my favourite").place_id == "b-af"


def test_poi_id_wins(gaz: Gazetteer) -> None:
    row = geocode(gaz, "巴斯咖啡的冷萃", poi_id="b-ns")
    assert row.place_id == "b-ns"
    assert chosen(row, "巴斯咖啡") == "b-ns"
    assert row.reasons[0] == "poi_id b-ns given"
    # a poi_id that names no place is reported and ignored
    row = geocode(gaz, "武康路散步", poi_id="nope")
    assert (row.place_id, row.reasons[0]) == ("wk", "poi_id nope is not a known place; ignored")


def test_everyday_word_needs_evidence(gaz: Gazetteer) -> None:
    assert geocode(gaz, "分享一下我的日常，今天也很开心").place_id == ""
    assert geocode(gaz, "周末回家，院子里的小院很漂亮").mentions == []
    # evidence: a pin, the parent road, the poi_id, a device location next to it
    assert geocode(gaz, "📍小院 推开铁门是个院子").place_id == "xy"
    row = geocode(gaz, "富民路的日常是我的日常")
    assert [(m["text"], m["start"]) for m in row.mentions] == [("富民路", 1), ("日常", 5)]
    assert row.place_id == "rc"
    assert geocode(gaz, "日常的美式不错", poi_id="rc").place_id == "rc"
    row = geocode(gaz, "在小院吃了顿饭", lat=31.2050, lon=121.4381)
    assert row.place_id == "xy"
    assert any("小院: everyday word with evidence 2.0 >= 0.9" in r for r in row.reasons)
    # the commoner the word, the more evidence it needs: a device location alone is not
    # enough for 日常
    row = geocode(gaz, "在日常坐了一会", lat=31.2234, lon=121.4478)
    assert row.place_id == ""
    assert "日常: everyday word without enough evidence (2.0 < 2.4); not a mention" in row.reasons


def test_primary_is_the_merchant_not_the_road(gaz: Gazetteer) -> None:
    row = geocode(gaz, "沿着武康路走到安福路，最后在雾岛咖啡歇脚", title="徐汇citywalk")
    assert (row.place_id, row.precision) == ("wd-sh", "poi")
    assert any(r.startswith("primary wd-sh (merchant)") for r in row.reasons)


def test_primary_is_the_most_specific_place(gaz: Gazetteer) -> None:
    assert geocode(gaz, "上海徐汇区武康路").place_id == "wk"
    assert geocode(gaz, "上海徐汇区").place_id == "xh"


def test_primary_is_the_merchant_visited(gaz: Gazetteer) -> None:
    text = "本来想去蓝窗咖啡，结果排队太长，转身去了白鸽咖啡，意外好喝！"
    assert geocode(gaz, text).place_id == "bg"
    assert geocode(gaz, "白鸽咖啡不错，蓝窗咖啡也不错，蓝窗咖啡的拿铁更好").place_id == "lc"


def test_prior_breaks_ties(gaz: Gazetteer) -> None:
    priors = pd.Series({"wd-hz": 50.0, "wd-sh": 1.0})
    row = geocode(gaz, "雾岛咖啡", priors=priors)
    assert row.place_id == "wd-hz"
    assert "more popular" in " ".join(row.reasons)


def test_far_device_is_contrary_evidence(gaz: Gazetteer) -> None:
    # posted from Shanghai, about the Hangzhou cafe: the text wins, and the distance is told
    row = geocode(gaz, "南山路的雾岛咖啡", lat=31.2304, lon=121.4737)
    assert row.place_id == "wd-hz"
    assert any("km from wd-hz" in r for r in row.reasons)
