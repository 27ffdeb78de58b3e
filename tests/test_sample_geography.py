"""The sample city's geography, its invented merchants, and the category -> topic map."""

from __future__ import annotations

import csv
import importlib.resources
import io
import math
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from loopmap.formats import PLACE_COLUMNS
from loopmap.sample.geography import FORMER_FRENCH_CONCESSION, shanghai_areas
from loopmap.sample.merchants import (
    MERCHANT_COLUMNS,
    generate_merchants,
    merchants_from_places,
)
from topics.categories import CATEGORY_TOPICS, TOPICS, topic_for_category

BOUNDARY = Path(__file__).resolve().parents[2] / "shared" / "data" / "shanghai_boundary.osm.geojson"
CENTRAL = {
    "sh-huangpu",
    "sh-xuhui",
    "sh-changning",
    "sh-jingan",
    "sh-putuo",
    "sh-hongkou",
    "sh-yangpu",
}


# ---------------------------------------------------------------- a reference GCJ-02 -> WGS-84


def _wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    """The published GCJ-02 forward transform (Krasovsky 1940 ellipsoid)."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad = math.radians(lat)
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = dlat * 180.0 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat2 - lat1) * 111_320.0
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return shanghai_areas()


@pytest.fixture(scope="module")
def shanghai(areas: pd.DataFrame) -> pd.DataFrame:
    return areas[areas["city"] == "上海"]


@pytest.fixture(scope="module")
def boundary():
    if not BOUNDARY.exists():
        pytest.skip(
            f"the OSM boundary of 上海 is not at {BOUNDARY} (shared/ beside the repository)"
        )
    gdf = gpd.read_file(BOUNDARY)
    polygons = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return polygons.geometry.union_all()


@pytest.fixture(scope="module")
def merchants(areas: pd.DataFrame) -> pd.DataFrame:
    return generate_merchants(areas, np.random.default_rng(7))


@pytest.fixture(scope="module")
def sh_merchants(merchants: pd.DataFrame) -> pd.DataFrame:
    return merchants[merchants["city"] == "上海"]


# ---------------------------------------------------------------- geography


def test_areas_have_the_places_columns(areas: pd.DataFrame) -> None:
    assert tuple(areas.columns) == PLACE_COLUMNS
    assert areas["lat"].dtype == float and areas["lon"].dtype == float
    assert not areas[["place_id", "name", "kind", "city"]].eq("").any().any()


def test_ids_unique_and_parents_exist(areas: pd.DataFrame) -> None:
    assert areas["place_id"].is_unique
    kind = areas.set_index("place_id")["kind"]
    for row in areas.itertuples():
        if row.kind == "city":
            assert row.parent_id == ""
        elif row.kind == "district":
            assert kind[row.parent_id] == "city"
        else:
            assert kind[row.parent_id] == "district", row.place_id
    city_of = areas.set_index("place_id")["city"]
    assert (areas["parent_id"].map(city_of).fillna(areas["city"]) == areas["city"]).all()


def test_sixteen_districts_with_cpca_centroids(shanghai: pd.DataFrame) -> None:
    districts = shanghai[shanghai["kind"] == "district"]
    assert len(districts) == 16
    resource = importlib.resources.files("loopmap.sample") / "data" / "cpca_adcodes_subset.csv"
    cpca = {r["name"]: r for r in csv.DictReader(io.StringIO(resource.read_text(encoding="utf-8")))}
    assert sum(code.startswith("3101") for code in (r["adcode"] for r in cpca.values())) == 16
    for row in districts.itertuples():
        ref = cpca[row.name]
        assert ref["adcode"].startswith("3101")
        # the shipped point is cpca's GCJ-02 centroid taken back to WGS-84
        lon, lat = _wgs_to_gcj(row.lon, row.lat)
        assert _metres(lat, lon, float(ref["latitude"]), float(ref["longitude"])) < 2.0, row.name
        shift = _metres(row.lat, row.lon, float(ref["latitude"]), float(ref["longitude"]))
        assert 300 < shift < 700  # the GCJ-02 offset around Shanghai


def test_at_least_sixty_named_areas(shanghai: pd.DataFrame) -> None:
    spots = shanghai[shanghai["kind"].isin(["road", "neighborhood", "landmark"])]
    assert len(spots) >= 60
    forms = set(spots["name"]) | {a for al in spots["aliases"] for a in al.split("|")}
    wanted = [
        "永康路",
        "武康路",
        "安福路",
        "愚园路",
        "巨鹿路",
        "富民路",
        "长乐路",
        "复兴西路",
        "湖南路",
        "五原路",
        "东平路",
        "岳阳路",
        "衡山路",
        "淮海中路",
        "南京西路",
        "陕西北路",
        "襄阳北路",
        "新天地",
        "田子坊",
        "思南公馆",
        "陆家嘴",
        "外滩",
        "北外滩",
        "徐家汇",
        "五角场",
        "大学路",
        "静安寺",
        "中山公园",
        "西岸",
        "徐汇滨江",
        "前滩",
        "张园",
        "1933老场坊",
        "M50",
        "多伦路",
        "甜爱路",
        "豫园",
        "七宝老街",
        "朱家角",
        "苏州河",
        "武夷路",
        "番禺路",
        "新华路",
        "幸福里",
        "上生新所",
        "安义夜巷",
        "蟠龙天地",
        "嘉里中心",
        "来福士",
        "世纪公园",
        "滨江大道",
    ]
    assert [w for w in wanted if w not in forms] == []
    assert {"road", "neighborhood", "landmark"} <= set(spots["kind"])


def test_aliases_carry_english_and_pinyin(areas: pd.DataFrame) -> None:
    aliases = areas.set_index("place_id")["aliases"].str.split("|")
    assert {"Yongkang Road", "Yongkang Rd", "Yongkanglu", "yong kang lu"} <= set(
        aliases["sh-r-yongkang"]
    )
    assert {"Shanghai", "沪", "申城"} <= set(aliases["sh"])
    assert "Xintiandi" in aliases["sh-n-xintiandi"]
    assert "chang ning qu" in aliases["sh-changning"]  # 长 read cháng, not zhǎng
    for row in areas[areas["kind"] == "road"].itertuples():
        assert any(
            a.isascii() and a.endswith(("Road", "Street", "Avenue", "Lane"))
            for a in row.aliases.split("|")
        ), row.name


def test_categories_where_they_apply(areas: pd.DataFrame) -> None:
    category = areas.set_index("place_id")["category"]
    assert category["sh-l-century-park"] == "park"
    assert category["sh-l-shanghai-museum"] == "museum"
    assert category["sh-l-long-museum"] == "museum"
    parks = areas[areas["category"] == "park"]
    assert len(parks) >= 5 and set(parks["kind"]) == {"landmark"}


def test_shanghai_points_in_its_bounding_box(areas: pd.DataFrame) -> None:
    sh = areas[areas["city"] == "上海"]
    assert sh["lat"].between(30.68, 31.88).all() and sh["lon"].between(120.85, 122.0).all()
    hz = areas[areas["city"] == "杭州"]
    assert hz["lat"].between(30.1, 30.4).all() and hz["lon"].between(120.0, 120.3).all()


def test_shanghai_points_inside_the_boundary(areas: pd.DataFrame, boundary) -> None:
    inside = [
        boundary.contains(Point(lon, lat))
        for lat, lon in zip(areas["lat"], areas["lon"], strict=True)
    ]
    inside = pd.Series(inside, index=areas.index)
    assert inside[areas["city"] == "上海"].all(), areas.loc[
        (areas["city"] == "上海") & ~inside, "name"
    ].tolist()
    assert not inside[areas["city"] == "杭州"].any()


def test_a_second_city_shares_a_name(areas: pd.DataFrame) -> None:
    hz = areas[areas["city"] == "杭州"]
    assert set(hz["kind"]) >= {"city", "district", "road", "landmark"}
    both = set(hz["name"]) & set(areas.loc[areas["city"] == "上海", "name"])
    assert "中山公园" in both


def test_shanghai_areas_is_a_fresh_copy() -> None:
    first = shanghai_areas()
    first.loc[0, "name"] = "changed"
    assert shanghai_areas().loc[0, "name"] == "上海"


# ---------------------------------------------------------------- generated merchants


def test_merchant_frame_shape(merchants: pd.DataFrame, areas: pd.DataFrame) -> None:
    assert len(merchants) == 480
    assert tuple(merchants.columns) == MERCHANT_COLUMNS
    assert (merchants["kind"] == "merchant").all()
    assert merchants["place_id"].is_unique
    assert not set(merchants["place_id"]) & set(areas["place_id"])
    assert (merchants["parent_id"] == merchants["area_id"]).all()
    assert (
        merchants["area_id"]
        .isin(areas.loc[areas["kind"].isin(["road", "neighborhood", "landmark"]), "place_id"])
        .all()
    )
    assert merchants["everyday_name"].dtype == bool
    assert merchants["price"].dtype == np.int64


def test_all_topics_with_realistic_proportions(sh_merchants: pd.DataFrame) -> None:
    counts = sh_merchants["topic"].value_counts()
    assert set(counts.index) == set(TOPICS)
    assert (sh_merchants["topic"] == sh_merchants["category"].map(topic_for_category)).all()
    assert set(counts.index[:2]) == {"coffee", "food"}
    assert counts["tea_dessert"] > counts["stay"] > counts["other"]
    assert counts["nightlife"] > counts["beauty"]


def test_names_unique_per_city_and_shared_across_cities(merchants: pd.DataFrame) -> None:
    for _, group in merchants.groupby("city"):
        assert group["name"].str.casefold().is_unique
    hz = merchants[merchants["city"] == "杭州"]
    assert len(hz) > 0
    shared = set(hz["name"]) & set(merchants.loc[merchants["city"] == "上海", "name"])
    assert len(shared) >= 2


def test_aliases_in_chinese_english_and_pinyin(sh_merchants: pd.DataFrame) -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    has_aliases = sh_merchants["aliases"] != ""
    assert has_aliases.mean() > 0.95
    english_named = sh_merchants[~sh_merchants["name"].str.contains(cjk)]
    chinese_named = sh_merchants[sh_merchants["name"].str.contains(cjk)]
    assert len(english_named) >= 40 and len(chinese_named) >= 200
    assert english_named["aliases"].str.contains(cjk).mean() > 0.9  # a Chinese form
    assert (chinese_named["name_en"] != "").all()
    assert (chinese_named["name_pinyin"].str.fullmatch(r"[a-z' ]+")).all()


def test_deterministic_for_a_seed(areas: pd.DataFrame) -> None:
    a = generate_merchants(areas, np.random.default_rng(3))
    b = generate_merchants(areas, np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, b)
    c = generate_merchants(areas, np.random.default_rng(4))
    assert not a["name"].equals(c["name"])


def test_chains_have_branches(sh_merchants: pd.DataFrame) -> None:
    chains = sh_merchants[sh_merchants["chain"] != ""]
    sizes = chains.groupby("chain").size()
    assert (sizes >= 3).sum() >= 5
    for row in chains.itertuples():
        assert row.branch.endswith("店")
        assert row.name == f"{row.chain}({row.branch})"
        aliases = row.aliases.split("|")
        assert row.chain in aliases
        assert any(a.isascii() and " " in a for a in aliases)  # English and pinyin forms
    for _, group in chains.groupby("chain"):
        assert group["area_id"].is_unique  # one branch per area
    assert (sh_merchants.loc[sh_merchants["chain"] == "", "branch"] == "").all()


def test_everyday_names_flagged(sh_merchants: pd.DataFrame) -> None:
    everyday = sh_merchants[sh_merchants["everyday_name"]]
    assert len(everyday) >= 7
    assert {"小院", "日常", "回家", "朋友", "周末", "Common", "Daily"} <= set(everyday["name"])
    assert (everyday["chain"] == "").all()


def test_cafes_cluster_in_the_former_french_concession(sh_merchants: pd.DataFrame) -> None:
    def share(topic: str) -> float:
        return float(
            sh_merchants.loc[sh_merchants["topic"] == topic, "area_id"]
            .isin(FORMER_FRENCH_CONCESSION)
            .mean()
        )

    assert share("coffee") >= 0.5
    assert share("coffee") > share("culture") + 0.15
    assert share("coffee") > share("outdoor") + 0.3


def test_bars_boutiques_museums_and_dessert_where_they_really_are(areas: pd.DataFrame) -> None:
    # a bigger world, so that every category is numerous enough to measure
    big = generate_merchants(areas, np.random.default_rng(5), n=2000)
    sh = big[big["city"] == "上海"]

    def lift(mask: pd.Series, places: set[str]) -> float:
        """How much more often merchants of the mask sit on these places than all do."""
        return float(
            sh.loc[mask, "area_id"].isin(places).mean() / sh["area_id"].isin(places).mean()
        )

    bars = {"sh-r-julu", "sh-r-yongkang", "sh-r-fumin", "sh-n-jufuchang"}
    museums = {
        "sh-n-westbund",
        "sh-l-long-museum",
        "sh-l-westbund-museum",
        "sh-n-bund",
        "sh-n-rockbund",
        "sh-l-psa",
        "sh-l-museum-of-art-pudong",
        "sh-l-m50",
    }
    sweet = {"sh-n-xintiandi", "sh-l-raffles-city", "sh-l-raffles-changning", "sh-l-kerry-centre"}
    assert lift(sh["topic"] == "nightlife", bars) > 2
    assert lift(sh["category"].isin(["boutique", "vintage"]), {"sh-r-anfu", "sh-r-changle"}) > 2
    assert lift(sh["category"].isin(["museum", "gallery"]), museums) > 2
    assert lift(sh["category"] == "dessert", sweet) > 1.5
    district = areas.set_index("place_id")["parent_id"]
    west = sh["area_id"].map(district).isin(["sh-jingan", "sh-xuhui"])
    assert west[sh["category"] == "brunch"].mean() > 1.1 * west[sh["topic"] == "food"].mean()
    assert sh.loc[sh["topic"] == "coffee", "area_id"].isin(FORMER_FRENCH_CONCESSION).mean() > 0.55
    outer = ~sh["area_id"].map(district).isin(CENTRAL)
    assert outer.mean() > 0.05


def test_merchants_sit_near_their_area_inside_the_city(
    merchants: pd.DataFrame, areas: pd.DataFrame, boundary
) -> None:
    where = areas.set_index("place_id")[["lat", "lon"]]
    for row in merchants.itertuples():
        a = where.loc[row.area_id]
        assert _metres(row.lat, row.lon, a["lat"], a["lon"]) < 200, row.name
    sh = merchants[merchants["city"] == "上海"]
    assert all(
        boundary.contains(Point(lon, lat)) for lat, lon in zip(sh["lat"], sh["lon"], strict=True)
    )


def test_latent_columns_in_range(merchants: pd.DataFrame) -> None:
    assert merchants["quality"].between(0, 1).all()
    assert (merchants["popularity"] > 0).all()
    assert merchants["popularity"].mean() == pytest.approx(1.0, abs=0.01)
    assert (merchants["price"] > 0).all()
    price = merchants.groupby("category")["price"].median()
    assert 25 <= price["coffee"] <= 60
    assert price["bubble_tea"] < price["coffee"] < price["restaurant"] < price["hotel"]
    assert price["hotel"] >= 500


def test_other_sizes_and_bad_sizes(areas: pd.DataFrame) -> None:
    small = generate_merchants(areas, np.random.default_rng(1), n=60)
    assert len(small) == 60 and set(small["topic"]) == set(TOPICS)
    with pytest.raises(ValueError, match="at least 10"):
        generate_merchants(areas, np.random.default_rng(1), n=5)
    with pytest.raises(ValueError, match="columns"):
        generate_merchants(areas.drop(columns="lat"), np.random.default_rng(1))


def test_generation_is_fast(areas: pd.DataFrame) -> None:
    generate_merchants(areas, np.random.default_rng(0))  # warm the data-file caches
    started = time.perf_counter()
    generate_merchants(areas, np.random.default_rng(11), n=480)
    assert time.perf_counter() - started < 1.0


# ---------------------------------------------------------------- a real city's merchants

REAL = pd.DataFrame(
    {
        "place_id": ["c", "r1", "r2", "m1", "m2", "m3", "m4", "m5"],
        "name": [
            "Helsinki",
            "Mannerheimintie",
            "Far Road",
            "Robert's Coffee",
            "Robert's Coffee (Kamppi)",
            "巴斯咖啡",
            "Nook Bar",
            "Lonely Sauna",
        ],
        "aliases": ["", "", "", "", "", "Bathe Coffee|Bathe", None, ""],
        "kind": [
            "city",
            "road",
            "road",
            "merchant",
            "merchant",
            "merchant",
            "merchant",
            "merchant",
        ],
        "category": ["", "", "", "coffee", "coffee", "coffee", "bar", "laundry"],
        "city": ["Helsinki"] * 8,
        "parent_id": ["", "c", "c", "c", "c", "c", "c", "c"],
        "lat": [60.17, 60.170, 60.30, 60.1702, 60.1690, 60.1710, 60.1705, 60.50],
        "lon": [24.94, 24.940, 24.60, 24.9405, 24.9390, 24.9410, 24.9399, 25.50],
    }
)


def test_merchants_from_places_adds_the_latent_columns() -> None:
    m = merchants_from_places(REAL, np.random.default_rng(0))
    assert tuple(m.columns) == MERCHANT_COLUMNS
    assert m["place_id"].tolist() == ["m1", "m2", "m3", "m4", "m5"]
    assert m["topic"].tolist() == ["coffee", "coffee", "coffee", "nightlife", "other"]
    assert m["chain"].tolist() == ["Robert's Coffee", "Robert's Coffee", "", "", ""]
    assert (m["branch"] == "").all() and not m["everyday_name"].any()
    assert m["area_id"].tolist() == ["r1", "r1", "r1", "r1", "c"]  # the far one keeps its parent
    assert m["name_en"].tolist()[2:4] == ["Bathe Coffee", "Nook Bar"]
    assert (
        m["quality"].between(0, 1).all() and (m["popularity"] > 0).all() and (m["price"] > 0).all()
    )
    pd.testing.assert_frame_equal(m, merchants_from_places(REAL, np.random.default_rng(0)))


def test_merchants_from_places_needs_the_columns() -> None:
    with pytest.raises(ValueError, match="kind"):
        merchants_from_places(REAL.drop(columns="kind"), np.random.default_rng(0))


# ---------------------------------------------------------------- topics


def test_topics_are_specs() -> None:
    assert TOPICS == (
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
    assert set(CATEGORY_TOPICS.values()) <= set(TOPICS)


@pytest.mark.parametrize(
    ("category", "topic"),
    [
        ("coffee", "coffee"),
        ("bakery", "tea_dessert"),
        ("dessert", "tea_dessert"),
        ("tea", "tea_dessert"),
        ("bubble_tea", "tea_dessert"),
        ("restaurant", "food"),
        ("fast_food", "food"),
        ("brunch", "food"),
        ("bar", "nightlife"),
        ("pub", "nightlife"),
        ("nightclub", "nightlife"),
        ("livehouse", "nightlife"),
        ("hotel", "stay"),
        ("guest_house", "stay"),
        ("hostel", "stay"),
        ("shop", "shopping"),
        ("clothes", "shopping"),
        ("vintage", "shopping"),
        ("market", "shopping"),
        ("boutique", "shopping"),
        ("beauty", "beauty"),
        ("hairdresser", "beauty"),
        ("nails", "beauty"),
        ("museum", "culture"),
        ("gallery", "culture"),
        ("books", "culture"),
        ("theatre", "culture"),
        ("cinema", "culture"),
        ("park", "outdoor"),
        ("garden", "outdoor"),
        ("viewpoint", "outdoor"),
        ("咖啡", "coffee"),
        ("民宿", "stay"),
        (" Amenity=Cafe ", "coffee"),
        ("Guest House", "stay"),
        ("laundry", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_topic_for_category(category: str | None, topic: str) -> None:
    assert topic_for_category(category) == topic
