"""Hotspot clustering, hulls, names and stable ids (geo.hotspots)."""

from __future__ import annotations

import logging
import math
import pickle
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from sklearn.base import clone
from sklearn.cluster import DBSCAN
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from geo.hotspots import (
    EARTH_RADIUS_M,
    HOTSPOT_COLUMNS,
    HotspotClusterer,
    hotspots_from_points,
)

# A local frame around a point of Xuhui, Shanghai: (x east, y north) in metres.
ORIGIN_LON, ORIGIN_LAT = 121.4405, 31.2095
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(ORIGIN_LAT))
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def lonlat(x: float, y: float) -> tuple[float, float]:
    return ORIGIN_LON + x / M_PER_DEG_LON, ORIGIN_LAT + y / M_PER_DEG_LAT


def place(pid, name, kind, parent, x, y, category=""):
    lon, lat = lonlat(x, y)
    return {
        "place_id": pid,
        "name": name,
        "aliases": "",
        "kind": kind,
        "category": category,
        "city": "上海",
        "parent_id": parent,
        "lat": lat,
        "lon": lon,
    }


# Two coffee streets 2 km apart: 武康路 (five shops over 300 m) and 永康路 (four over 180 m).
WUKANG_SHOPS = [(f"m-wk{i}", 75.0 * i, 0.0) for i in range(5)]
YONGKANG_SHOPS = [(f"m-yk{i}", 2000.0 + 60.0 * i, 1000.0) for i in range(4)]
PLACES = pd.DataFrame(
    [
        place("sh", "上海", "city", "", 0, 0),
        place("sh-xuhui", "徐汇区", "district", "sh", -500, -500),
        place("r-wukang", "武康路", "road", "sh-xuhui", 150, 10),
        place("r-anfu", "安福路", "road", "sh-xuhui", 150, 450),
        place("r-yongkang", "永康路", "road", "sh-xuhui", 2090, 1010),
        *(place(m, m, "merchant", "r-wukang", x, y, "coffee") for m, x, y in WUKANG_SHOPS),
        *(place(m, m, "merchant", "r-yongkang", x, y, "coffee") for m, x, y in YONGKANG_SHOPS),
    ]
)


def frame(rows: list[tuple[str, str, str, str, float, float]]) -> gpd.GeoDataFrame:
    """Points from (id, kind, place_id, topic, x, y) rows."""
    data = pd.DataFrame(rows, columns=["id", "kind", "place_id", "topic", "x", "y"])
    lon, lat = zip(*(lonlat(x, y) for x, y in zip(data["x"], data["y"], strict=True)), strict=True)
    return gpd.GeoDataFrame(
        data.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )


def city_rows() -> list[tuple[str, str, str, str, float, float]]:
    rows = []
    for shops, notes_per_shop in ((WUKANG_SHOPS, 4), (YONGKANG_SHOPS, 3)):
        for m, x, y in shops:
            rows.append((m, "merchant", m, "coffee", x, y))
            rows += [(f"n-{m}-{k}", "note", m, "coffee", x, y) for k in range(notes_per_shop)]
    # Device-located notes along 武康路 (no place), and noise far from everything.
    rows += [(f"n-dev{k}", "note", "", "coffee", 40.0 + 50 * k, 12.0) for k in range(4)]
    rows += [(f"n-noise{k}", "note", "", "coffee", -3000.0 + 1500 * k, 3000.0) for k in range(5)]
    # Bars on 武康路: another topic, clustered on its own.
    rows += [(f"n-bar{k}", "note", "r-wukang", "nightlife", 150.0 + 5 * k, 30.0) for k in range(7)]
    return rows


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return frame(city_rows())


def by_name(hotspots: gpd.GeoDataFrame) -> dict[str, pd.Series]:
    return {row["name"]: row for _, row in hotspots.iterrows()}


# --- hotspots_from_points ---------------------------------------------------------------------


def test_two_coffee_streets_and_noise(points: gpd.GeoDataFrame) -> None:
    hotspots = hotspots_from_points(points, PLACES)
    assert list(hotspots.columns) == list(HOTSPOT_COLUMNS)
    assert hotspots.crs == "EPSG:4326"
    coffee = by_name(hotspots[hotspots["topic"] == "coffee"])
    assert set(coffee) == {"武康路 · coffee", "永康路 · coffee"}
    wukang, yongkang = coffee["武康路 · coffee"], coffee["永康路 · coffee"]
    assert (wukang["n_notes"], wukang["n_merchants"]) == (5 * 4 + 4, 5)
    assert (yongkang["n_notes"], yongkang["n_merchants"]) == (4 * 3, 4)
    assert not any(m.startswith("n-noise") for m in [*wukang["members"], *yongkang["members"]])
    assert wukang["city"] == "上海"
    assert wukang["hotspot_id"].startswith("coffee-")
    # The centre is the members' mean: 武康路's shops and notes sit around x = 150 m, y = 2 m.
    x = (wukang["lon"] - ORIGIN_LON) * M_PER_DEG_LON
    y = (wukang["lat"] - ORIGIN_LAT) * M_PER_DEG_LAT
    assert abs(x - 150) < 10
    assert abs(y) < 10


def test_topics_are_clustered_separately(points: gpd.GeoDataFrame) -> None:
    hotspots = hotspots_from_points(points, PLACES)
    assert sorted(hotspots["topic"]) == ["coffee", "coffee", "nightlife"]
    bars = hotspots[hotspots["topic"] == "nightlife"].iloc[0]
    assert bars["name"] == "武康路 · nightlife"
    assert (bars["n_notes"], bars["n_merchants"]) == (7, 0)
    assert all(m.startswith("n-bar") for m in bars["members"])
    assert len(set(hotspots["hotspot_id"])) == len(hotspots)


def test_hulls_are_valid_polygons_containing_their_members(points: gpd.GeoDataFrame) -> None:
    hotspots = hotspots_from_points(points, PLACES)
    where = dict(zip(points["id"], points.geometry, strict=True))
    for _, h in hotspots.iterrows():
        assert isinstance(h.geometry, shapely.Polygon)
        assert h.geometry.is_valid
        assert not h.geometry.is_empty
        assert all(h.geometry.contains(where[m]) for m in h["members"])
    # The bars stand at one spot (distinct points 5 m apart): still a proper polygon, the
    # buffer's size (about 60 m across).
    bars = hotspots[hotspots["topic"] == "nightlife"].geometry.to_crs(32651).iloc[0]
    assert 50 < bars.bounds[3] - bars.bounds[1] < 80


def test_inputs_are_not_mutated(points: gpd.GeoDataFrame) -> None:
    before_points, before_places = points.copy(), PLACES.copy()
    first = hotspots_from_points(points, PLACES)
    before_previous = first.copy()
    hotspots_from_points(points, PLACES, previous=first)
    assert_geodataframe_equal(points, before_points)
    pd.testing.assert_frame_equal(PLACES, before_places)
    assert_geodataframe_equal(first, before_previous)


def test_deterministic_and_independent_of_row_order(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    again = hotspots_from_points(points, PLACES)
    shuffled = hotspots_from_points(points.sample(frac=1, random_state=3), PLACES)
    assert_geodataframe_equal(first, again)
    assert_geodataframe_equal(first, shuffled, check_less_precise=True)


def test_ids_survive_small_changes_without_previous(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    fewer = points[~points["id"].isin(["n-m-wk0-0", "n-m-yk3-1", "n-dev2"])]
    extra = frame(
        [
            ("n-new1", "note", "m-wk2", "coffee", 150, 0),
            ("n-new2", "note", "", "coffee", 2100, 1005),
        ]
    )
    changed = hotspots_from_points(pd.concat([fewer, extra], ignore_index=True), PLACES)
    assert dict(zip(changed["name"], changed["hotspot_id"], strict=True)) == dict(
        zip(first["name"], first["hotspot_id"], strict=True)
    )


def test_previous_ids_are_kept_when_clusters_grow(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    # Ids from an older scheme are kept as they are: matching is by overlap, not by name.
    legacy = first.assign(hotspot_id=[f"legacy-{i}" for i in range(len(first))])
    # 武康路 grows 120 m east: its centre moves (maybe to another cell), its hull still overlaps.
    grown = pd.concat(
        [
            points,
            frame([(f"n-east{k}", "note", "", "coffee", 330.0 + 15 * k, 0.0) for k in range(9)]),
        ],
        ignore_index=True,
    )
    again = hotspots_from_points(grown, PLACES, previous=legacy)
    assert dict(zip(again["name"], again["hotspot_id"], strict=True)) == dict(
        zip(legacy["name"], legacy["hotspot_id"], strict=True)
    )


def test_matching_by_members_alone_and_by_hull_alone(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    legacy = first.assign(hotspot_id=[f"legacy-{i}" for i in range(len(first))])
    far = shapely.Point(0, 0).buffer(0.001)
    members_only = legacy.set_geometry([far] * len(legacy), crs="EPSG:4326")
    assert list(hotspots_from_points(points, PLACES, previous=members_only)["hotspot_id"]) == list(
        legacy["hotspot_id"]
    )
    hull_only = legacy.drop(columns="members")
    assert list(hotspots_from_points(points, PLACES, previous=hull_only)["hotspot_id"]) == list(
        legacy["hotspot_id"]
    )
    # Members as stored in a database (a JSON list) work too.
    as_text = legacy.assign(members=legacy["members"].map(lambda m: str(m).replace("'", '"')))
    as_text = as_text.set_geometry([far] * len(legacy), crs="EPSG:4326")
    assert list(hotspots_from_points(points, PLACES, previous=as_text)["hotspot_id"]) == list(
        legacy["hotspot_id"]
    )


def test_a_moved_cluster_gets_a_new_id(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    ids = dict(zip(first["name"], first["hotspot_id"], strict=True))
    yongkang = {m for m, _, _ in YONGKANG_SHOPS}
    moved = points[~points["place_id"].isin(yongkang)]
    moved = pd.concat(
        [
            moved,
            frame([(f"n-moved{k}", "note", "", "coffee", 6000 + 40 * k, -4000) for k in range(12)]),
        ],
        ignore_index=True,
    )
    again = hotspots_from_points(moved, PLACES, previous=first)
    new_ids = dict(zip(again["name"], again["hotspot_id"], strict=True))
    assert new_ids["武康路 · coffee"] == ids["武康路 · coffee"]
    (moved_name,) = set(new_ids) - set(ids)
    assert new_ids[moved_name] not in set(ids.values())
    assert new_ids[moved_name].startswith("coffee-")


def test_a_split_cluster_keeps_its_id_once(points: gpd.GeoDataFrame) -> None:
    first = hotspots_from_points(points, PLACES)
    old = dict(zip(first["name"], first["hotspot_id"], strict=True))["武康路 · coffee"]
    # Without the middle shop and the device notes, and with the east end moved 60 m further
    # east, 武康路 falls apart into two clusters; both overlap the old one.
    rows = [
        (i, k, p, t, x + 60 if p in {"m-wk3", "m-wk4"} else x, y)
        for i, k, p, t, x, y in city_rows()
        if p != "m-wk2" and not i.startswith("n-dev")
    ]
    split = frame(rows)
    again = hotspots_from_points(split, PLACES, previous=first)
    coffee = again[again["topic"] == "coffee"]
    assert len(coffee) == 3
    assert list(coffee["hotspot_id"]).count(old) == 1
    assert coffee["hotspot_id"].is_unique


def test_same_place_names_are_told_apart() -> None:
    # Three clusters along one long road, 700 m apart; the middle one also has notes about 安福路.
    rows = []
    for i, x in enumerate((0.0, 700.0, 1400.0)):
        n = (12, 6, 7)[i]  # with the 安福路 notes, 12, 9 and 7: the largest keeps the name
        rows += [(f"n{i}-{k}", "note", "r-wukang", "coffee", x + 5 * k, -300.0) for k in range(n)]
    rows += [(f"n-anfu{k}", "note", "r-anfu", "coffee", 700.0, -300.0) for k in range(3)]
    hotspots = hotspots_from_points(frame(rows), PLACES)
    names = sorted(hotspots["name"])
    assert names == sorted(["武康路 · coffee", "武康路 / 安福路 · coffee", "武康路 (2) · coffee"])
    assert hotspots["name"].is_unique


def test_names_fall_back_to_nearby_places_then_the_district_then_coordinates() -> None:
    rows = [(f"a{k}", "note", "", "coffee", 100.0 + 5 * k, 400.0) for k in range(6)]  # near 安福路
    rows += [(f"b{k}", "note", "", "coffee", -2500.0 + 5 * k, -2500.0) for k in range(6)]
    hotspots = hotspots_from_points(frame(rows), PLACES)
    assert sorted(hotspots["name"]) == ["安福路 · coffee", "徐汇区 · coffee"]
    assert set(hotspots["city"]) == {"上海"}
    alone = hotspots_from_points(frame(rows[:6]), PLACES.iloc[0:0])
    (name,) = alone["name"]
    assert name.endswith(" · coffee")
    assert name.startswith("31.21")
    assert alone["city"].tolist() == [""]


def test_other_crs_and_id_columns(points: gpd.GeoDataFrame) -> None:
    expected = hotspots_from_points(points, PLACES)
    projected = hotspots_from_points(points.to_crs(3857), PLACES)
    assert projected.crs == "EPSG:4326"
    assert list(projected["hotspot_id"]) == list(expected["hotspot_id"])
    assert list(projected["members"]) == list(expected["members"])
    split_ids = points.assign(
        note_id=points["id"].where(points["kind"] == "note"),
        merchant_id=points["id"].where(points["kind"] == "merchant"),
    ).drop(columns="id")
    assert list(hotspots_from_points(split_ids, PLACES)["members"]) == list(expected["members"])
    with pytest.warns(UserWarning, match="no CRS"):
        bare = hotspots_from_points(points.set_crs(None, allow_override=True), PLACES)
    assert list(bare["hotspot_id"]) == list(expected["hotspot_id"])


def test_rows_without_location_are_left_out_and_logged(
    points: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    holes = points.copy()
    holes.loc[0, "geometry"] = None
    holes.loc[1, "geometry"] = shapely.Point()
    with caplog.at_level(logging.WARNING, logger="geo.hotspots"):
        hotspots = hotspots_from_points(holes, PLACES)
    assert "2 of" in caplog.text
    assert points["id"][0] not in {m for ms in hotspots["members"] for m in ms}


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [("a", "note", "", "coffee", 0.0, 0.0)] * 5,  # too few
        [(f"a{k}", "note", "", "coffee", 1000.0 * k, 0.0) for k in range(20)],  # all noise
    ],
    ids=["empty", "too-few", "all-noise"],
)
def test_nothing_to_find_gives_an_empty_frame(rows) -> None:
    points = (
        frame(rows)
        if rows
        else gpd.GeoDataFrame(
            {"id": [], "kind": [], "place_id": [], "topic": []}, geometry=[], crs="EPSG:4326"
        )
    )
    hotspots = hotspots_from_points(points, PLACES)
    assert hotspots.empty
    assert list(hotspots.columns) == list(HOTSPOT_COLUMNS)
    assert hotspots.crs == "EPSG:4326"
    assert hotspots_from_points(points, PLACES, previous=hotspots).empty


def test_bad_input_is_refused_clearly(points: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="eps_m"):
        hotspots_from_points(points, PLACES, eps_m=0)
    with pytest.raises(ValueError, match="min_samples"):
        hotspots_from_points(points, PLACES, min_samples=2.5)
    with pytest.raises(ValueError, match="topic"):
        hotspots_from_points(points.drop(columns="topic"), PLACES)
    with pytest.raises(ValueError, match="neither 'note' nor 'merchant'"):
        hotspots_from_points(points.assign(kind="shop"), PLACES)
    with pytest.raises(ValueError, match="not a Point"):
        discs = shapely.buffer(np.asarray(points.geometry.values), 0.001)
        hotspots_from_points(points.set_geometry(list(discs), crs="EPSG:4326"), PLACES)
    with pytest.raises(ValueError, match="kind"):
        hotspots_from_points(points, PLACES.drop(columns="kind"))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        hotspots_from_points(pd.DataFrame(points), PLACES)


def test_snapping_changes_nothing_at_street_scale(points: gpd.GeoDataFrame) -> None:
    snapped = hotspots_from_points(points, PLACES)
    exact = hotspots_from_points(points, PLACES, snap_m=0)
    assert list(exact["members"]) == list(snapped["members"])
    assert list(exact["hotspot_id"]) == list(snapped["hotspot_id"])


def test_sample_city_names_its_coffee_streets() -> None:
    places = pd.read_csv(SAMPLE / "places.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str, keep_default_na=False)
    kind = dict(zip(places["place_id"], places["kind"], strict=True))
    rows = [(r.id, "merchant", r.id, r.topic) for r in truth.itertuples() if r.record == "merchant"]
    for r in truth[truth["record"] == "note"].itertuples():
        pid = r.merchant_id or r.place_id
        if kind.get(pid) in {"merchant", "road", "neighborhood", "landmark"}:
            rows.append((r.id, "note", pid, r.topic))
    data = pd.DataFrame(rows, columns=["id", "kind", "place_id", "topic"])
    located = places.set_index("place_id").loc[data["place_id"]]
    points = gpd.GeoDataFrame(
        data,
        geometry=gpd.points_from_xy(located["lon"].astype(float), located["lat"].astype(float)),
        crs="EPSG:4326",
    )
    hotspots = hotspots_from_points(points, places)
    coffee = " ".join(hotspots.loc[hotspots["topic"] == "coffee", "name"])
    assert any(road in coffee for road in ("武康路", "安福路", "永康路", "永嘉路"))
    assert hotspots["hotspot_id"].is_unique
    assert set(hotspots["city"]) == {"上海"}
    assert hotspots.geometry.is_valid.all()


# --- HotspotClusterer -------------------------------------------------------------------------


def street_X(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three streets of 30 points (labels 0-2) and 10 scattered points (-1), lon/lat."""
    rng = np.random.default_rng(seed)
    xy, y = [], []
    for label, (x0, y0) in enumerate([(0, 0), (1500, 200), (-800, 1800)]):
        xy.append(np.column_stack([x0 + rng.uniform(0, 300, 30), y0 + rng.normal(0, 10, 30)]))
        y += [label] * 30
    xy.append(rng.uniform(-5000, 5000, (10, 2)) + np.array([0, 8000]))
    y += [-1] * 10
    xy = np.vstack(xy)
    return np.column_stack([lonlat(x, yy) for x, yy in xy]).T, np.array(y)


def test_clusterer_finds_streets_and_noise() -> None:
    X, truth = street_X()
    model = HotspotClusterer()
    assert model.fit(X) is model
    assert model.n_clusters_ == 3
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert (model.labels_[truth == -1] == -1).all()
    assert model.labels_.dtype == np.int64
    assert model.n_features_in_ == 2
    np.testing.assert_array_equal(HotspotClusterer().fit_predict(X), model.labels_)


def test_clusterer_matches_haversine_dbscan() -> None:
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(121.45, 0.01, 2000), rng.normal(31.22, 0.01, 2000)])
    ours = HotspotClusterer(eps_m=120, min_samples=5).fit(X)
    reference = DBSCAN(
        eps=120 / EARTH_RADIUS_M, min_samples=5, metric="haversine", algorithm="ball_tree"
    ).fit(np.radians(X[:, ::-1]))
    np.testing.assert_array_equal(ours.labels_ == -1, reference.labels_ == -1)
    assert adjusted_rand_score(ours.labels_, reference.labels_) > 0.99


def test_clusterer_params_and_clone() -> None:
    model = HotspotClusterer(eps_m=80, min_samples=4)
    assert model.get_params() == {
        "eps_m": 80,
        "min_samples": 4,
        "algorithm": "dbscan",
        "snap_m": 0.0,
    }
    assert model.set_params(min_samples=9) is model
    copy = clone(model)
    assert copy is not model
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "labels_")
    X, _ = street_X()
    assert pickle.loads(pickle.dumps(model.fit(X))).labels_.tolist() == model.labels_.tolist()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"eps_m": 0}, "eps_m"),
        ({"eps_m": -5.0}, "eps_m"),
        ({"eps_m": float("nan")}, "eps_m"),
        ({"eps_m": "150"}, "eps_m"),
        ({"min_samples": 0}, "min_samples"),
        ({"min_samples": 2.5}, "min_samples"),
        ({"min_samples": True}, "min_samples"),
        ({"min_samples": 1, "algorithm": "hdbscan"}, "at least 2"),
        ({"algorithm": "kmeans"}, "algorithm"),
        ({"snap_m": -1.0}, "snap_m"),
        ({"snap_m": 500.0}, "snap_m"),
    ],
)
def test_clusterer_validates_params_in_fit(params, match) -> None:
    model = HotspotClusterer(**params)  # __init__ only stores them
    X, _ = street_X()
    with pytest.raises(ValueError, match=match):
        model.fit(X)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        ([[121.4, 31.2, 0.0]], "3 feature"),
        ([[31.2, 121.4]], "not a longitude, latitude"),
        ([[121.4, math.nan]], "NaN"),
        ([[121.4, math.inf]], "infinity"),
        (np.empty((0, 2)), "0 sample"),
    ],
)
def test_clusterer_refuses_bad_X(X, match) -> None:
    with pytest.raises(ValueError, match=match):
        HotspotClusterer().fit(X)


def test_clusterer_sample_weight() -> None:
    X, _ = street_X()
    model = HotspotClusterer(min_samples=6)
    # Weight 2 is the same as the point twice.
    doubled = model.fit(np.vstack([X, X[:30]])).labels_
    weights = np.r_[np.full(30, 2.0), np.ones(len(X) - 30)]
    np.testing.assert_array_equal(model.fit(X, sample_weight=weights).labels_, doubled[: len(X)])
    # A lone point heavy enough is a cluster of its own; zero weights make nothing a core.
    heavy = np.r_[np.zeros(len(X) - 1), 6.0]
    assert model.fit(X, sample_weight=heavy).n_clusters_ == 1
    assert model.labels_[-1] == 0
    assert model.fit(X, sample_weight=np.r_[np.zeros(len(X) - 1), 1.0]).n_clusters_ == 0
    with pytest.raises(ValueError, match="non-zero"):
        model.fit(X, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="only supported with algorithm='dbscan'"):
        HotspotClusterer(algorithm="hdbscan").fit(X, sample_weight=np.ones(len(X)))


def test_clusterer_is_order_invariant_and_does_not_touch_X() -> None:
    X, _ = street_X()
    before = X.copy()
    labels = HotspotClusterer().fit(X).labels_
    np.testing.assert_array_equal(X, before)
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = HotspotClusterer().fit(X[order]).labels_
    assert adjusted_rand_score(labels[order], shuffled) == 1.0
    as_list = HotspotClusterer().fit(X.astype(np.float32).tolist()).labels_
    assert adjusted_rand_score(labels, as_list) == 1.0
    assert HotspotClusterer().fit(X[:1]).labels_.tolist() == [-1]


def test_clusterer_snap_and_hdbscan() -> None:
    X, truth = street_X()
    assert adjusted_rand_score(truth, HotspotClusterer(snap_m=5).fit(X).labels_) == 1.0
    hdb = HotspotClusterer(algorithm="hdbscan", min_samples=6).fit(X)
    assert hdb.n_clusters_ >= 3
    street = truth >= 0
    assert adjusted_rand_score(truth[street], hdb.labels_[street]) > 0.9
    assert HotspotClusterer(algorithm="hdbscan").fit(X[:3]).labels_.tolist() == [-1, -1, -1]
    # Blobs a degree apart, where scikit-learn#33219 can break HDBSCAN's epsilon search (the
    # clusterer then clusters without the epsilon): it still clusters.
    blobs, labels = make_blobs(n_samples=50, random_state=1)
    blobs = (blobs - blobs.mean(axis=0)) / blobs.std(axis=0)
    found = HotspotClusterer(eps_m=55_000, min_samples=5, algorithm="hdbscan").fit(blobs)
    assert adjusted_rand_score(labels, found.labels_) > 0.8


# --- scikit-learn's estimator checks ----------------------------------------------------------

# HotspotClusterer is defined on (longitude, latitude) in degrees only. These checks fit it on
# data it refuses on purpose; the properties they test are covered above on lon/lat data
# (pickling, order invariance, sample weights, not mutating X, NaN/inf, lists, one sample).
_NOT_LONLAT = "fits on X with n_features != 2; the estimator takes (lon, lat) only"
_OUT_OF_RANGE = "fits on X with values near 100 (latitude > 90); not degrees lon, lat"
_EXPECTED_FAILURES = {
    "check_all_zero_sample_weights_error": _NOT_LONLAT,
    "check_dict_unchanged": _NOT_LONLAT,
    "check_dont_overwrite_parameters": _NOT_LONLAT,
    "check_dtype_object": _NOT_LONLAT,
    "check_estimators_dtypes": _NOT_LONLAT,
    "check_estimators_nan_inf": _NOT_LONLAT,
    "check_estimators_pickle": _NOT_LONLAT,
    "check_f_contiguous_array_estimator": _NOT_LONLAT,
    "check_fit2d_1sample": _NOT_LONLAT,
    "check_fit2d_predict1d": _NOT_LONLAT,
    "check_fit_score_takes_y": _NOT_LONLAT,
    "check_methods_sample_order_invariance": _NOT_LONLAT,
    "check_methods_subset_invariance": _NOT_LONLAT,
    "check_n_features_in_after_fitting": _NOT_LONLAT,
    "check_pipeline_consistency": _NOT_LONLAT,
    "check_sample_weight_equivalence_on_dense_data": _NOT_LONLAT,
    "check_sample_weights_list": _NOT_LONLAT,
    "check_fit_check_is_fitted": _OUT_OF_RANGE,
    "check_fit_idempotent": _OUT_OF_RANGE,
    "check_n_features_in": _OUT_OF_RANGE,
    "check_positive_only_tag_during_fit": "fits on the 4-feature iris data",
}


def _expected_failures(estimator: HotspotClusterer) -> dict[str, str]:
    return _EXPECTED_FAILURES


# The checks' blobs are a few units apart; in degrees that is hundreds of kilometres, so the
# instance checked uses DBSCAN's default eps (0.5) in metres: 0.5 degree is about 55 km.
@parametrize_with_checks(
    [HotspotClusterer(eps_m=55_000, min_samples=5)], expected_failed_checks=_expected_failures
)
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)
