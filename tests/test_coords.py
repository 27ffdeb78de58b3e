"""WGS-84 / GCJ-02 / BD-09 conversions and the area where GCJ-02 applies (geo.coords)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo.coords import (
    COORD_SYSTEMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

EARTH_RADIUS_M = 6_371_008.8
FUNCTIONS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (scalars or arrays)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def china_grid(step: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 points on a regular grid over China, kept where GCJ-02 applies."""
    lon, lat = np.meshgrid(np.arange(73.0, 135.0, step), np.arange(18.0, 54.0, step))
    lon, lat = lon.ravel(), lat.ravel()
    inside = in_china(lon, lat)
    return lon[inside], lat[inside]


# --- published reference pairs ----------------------------------------------------------------

# wandergis/coordtransform, README.md and test/app.js: every function applied to (116.404, 39.915)
# near Tiananmen, Beijing.
TIANANMEN = (116.404, 39.915)
COORDTRANSFORM_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)
COORDTRANSFORM_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)

# googollee/eviltransform, python/test.py (also go/transform_test.go): WGS-84 and GCJ-02 of the
# same point, written there as (lat, lng); here as (lon, lat).
EVILTRANSFORM_PAIRS = {
    "shanghai": ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    "shenzhen": ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    "beijing": ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
}

# hujiulong/gcoord, README.md: transform([116.403988, 39.914266], WGS84, BD09) and
# transform([123, 45], GCJ02, WGS84).
GCOORD_WGS84 = (116.403988, 39.914266)
GCOORD_WGS84_TO_BD09 = (116.41661560068297, 39.92196580126834)
GCOORD_GCJ02 = (123.0, 45.0)
GCOORD_GCJ02_TO_WGS84 = (122.99395597, 44.99804071)


def test_wgs84_to_gcj02_matches_coordtransform():
    assert wgs84_to_gcj02(*TIANANMEN) == pytest.approx(COORDTRANSFORM_WGS84_TO_GCJ02, abs=1e-9)


def test_gcj02_to_bd09_matches_coordtransform():
    assert gcj02_to_bd09(*TIANANMEN) == pytest.approx(COORDTRANSFORM_GCJ02_TO_BD09, abs=1e-9)


def test_bd09_to_gcj02_matches_coordtransform_within_its_closed_form_error():
    # coordtransform uses the closed-form BD-09 inverse, which is off by up to 0.22 m; ours is
    # refined to the exact inverse, so the two agree to that error only.
    got = bd09_to_gcj02(*TIANANMEN)
    assert haversine_m(*got, *COORDTRANSFORM_BD09_TO_GCJ02) < 0.25
    assert gcj02_to_bd09(*got) == pytest.approx(TIANANMEN, abs=1e-9)


def test_gcj02_to_wgs84_matches_coordtransform_within_its_one_step_error():
    # coordtransform inverts GCJ-02 with a single step (metre-level); ours iterates to < 1 mm.
    got = gcj02_to_wgs84(*TIANANMEN)
    assert haversine_m(*got, *COORDTRANSFORM_GCJ02_TO_WGS84) < 1.0
    assert wgs84_to_gcj02(*got) == pytest.approx(TIANANMEN, abs=1e-9)


@pytest.mark.parametrize("city", sorted(EVILTRANSFORM_PAIRS))
def test_matches_eviltransform_pairs(city):
    wgs, gcj = EVILTRANSFORM_PAIRS[city]
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.001


def test_matches_gcoord_examples():
    assert wgs84_to_bd09(*GCOORD_WGS84) == pytest.approx(GCOORD_WGS84_TO_BD09, abs=1e-9)
    # gcoord's own inverse stops about 2 cm short of the exact one.
    got = gcj02_to_wgs84(*GCOORD_GCJ02)
    assert haversine_m(*got, *GCOORD_GCJ02_TO_WGS84) < 0.05


# --- accuracy -------------------------------------------------------------------------------


def test_wgs84_gcj02_round_trip_under_a_millimetre_across_china():
    lon, lat = china_grid()
    assert lon.size > 20_000
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.001


def test_wgs84_bd09_round_trip_under_a_millimetre_across_china():
    lon, lat = china_grid()
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.001


def test_gcj02_bd09_round_trip_under_a_millimetre_across_china():
    lon, lat = china_grid()  # taken as GCJ-02 points this time
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.001


def test_round_trip_where_the_offset_has_a_kink():
    # sqrt(|lon - 105|) in the formula makes the offset non-smooth along 105 E.
    lat = np.linspace(22.0, 40.0, 200)
    for lon in (105.0, 105.0 + 1e-9, 105.0 - 1e-7):
        lons = np.full_like(lat, lon)
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lons, lat))
        assert haversine_m(lons, lat, *back).max() < 0.001


def test_round_trip_for_mainland_points_next_to_hong_kong():
    # Shenzhen points within a kilometre of the border, some offset into Hong Kong.
    lon, lat = np.meshgrid(np.arange(114.00, 114.25, 0.002), np.arange(22.49, 22.58, 0.002))
    lon, lat = lon.ravel(), lat.ravel()
    mainland = in_china(lon, lat)
    lon, lat = lon[mainland], lat[mainland]
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert not in_china(gcj_lon, gcj_lat).all()
    back = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert haversine_m(lon, lat, *back).max() < 0.001


def test_round_trip_on_the_edge_of_the_area():
    # Grid points that fall on a straight edge of the area: the point recovered by the inverse
    # may lie a rounding error outside, and must still count as inside.
    lon = np.array([106.64999999999809, 124.29999999999708])
    lat = np.array([22.15000000000006, 39.950000000000315])
    assert in_china(lon, lat).all()
    for forward, inverse in [(wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)]:
        back = inverse(*forward(lon, lat))
        assert haversine_m(lon, lat, *back).max() < 0.001


def test_offset_in_shanghai_is_a_few_hundred_metres():
    people_square = (121.4737, 31.2304)
    gcj_offset = haversine_m(*people_square, *wgs84_to_gcj02(*people_square))
    bd_offset = haversine_m(*people_square, *wgs84_to_bd09(*people_square))
    assert 400 < gcj_offset < 600
    assert 900 < bd_offset < 1_300


def test_offset_is_bounded_everywhere_in_china():
    lon, lat = china_grid(0.5)
    offset = haversine_m(lon, lat, *wgs84_to_gcj02(lon, lat))
    assert offset.min() > 10
    assert offset.max() < 800


# --- where GCJ-02 applies -----------------------------------------------------------------------

MAINLAND = {
    "Shanghai": (121.4737, 31.2304),
    "Beijing": (116.4074, 39.9042),
    "Shenzhen Futian": (114.0579, 22.5431),
    "Shenzhen Luohu": (114.1310, 22.5480),
    "Zhuhai Xiangzhou": (113.5767, 22.2707),
    "Zhuhai Hengqin": (113.5180, 22.1300),
    "Xiamen": (118.0894, 24.4798),
    "Fuzhou": (119.2965, 26.0745),
    "Sanya": (109.5119, 18.2528),
    "Urumqi": (87.6168, 43.8256),
    "Kashgar": (75.9897, 39.4704),
    "Lhasa": (91.1409, 29.6456),
    "Harbin": (126.5350, 45.8038),
    "Dandong": (124.3947, 40.1289),
    "Ruili": (97.8510, 24.0129),
}
# Places that use WGS-84 on most maps: outside China, and Taiwan, Hong Kong, Macau, Kinmen,
# Matsu (see the module docstring of geo.coords).
ELSEWHERE = {
    "Helsinki": (24.9384, 60.1699),
    "Tokyo": (139.6917, 35.6895),
    "Seoul": (126.9780, 37.5665),
    "Pyongyang": (125.7625, 39.0392),
    "Sinuiju": (124.4000, 40.1000),
    "Blagoveshchensk": (127.5277, 50.2906),
    "Ulaanbaatar": (106.9057, 47.8864),
    "Hanoi": (105.8342, 21.0278),
    "Lao Cai": (103.9756, 22.4856),
    "Kathmandu": (85.3240, 27.7172),
    "Taipei": (121.5654, 25.0330),
    "Kaohsiung": (120.3014, 22.6273),
    "Penghu Magong": (119.5664, 23.5655),
    "Hong Kong Tsim Sha Tsui": (114.1722, 22.2988),
    "Hong Kong Central": (114.1588, 22.2819),
    "Hong Kong Sheung Shui": (114.1280, 22.5010),
    "Hong Kong airport": (113.9150, 22.3080),
    "Macau Senado Square": (113.5397, 22.1935),
    "Macau Taipa": (113.5553, 22.1565),
    "Kinmen Jincheng": (118.3186, 24.4322),
    "Matsu Nangan": (119.9497, 26.1598),
    "Paracel Islands": (112.3395, 16.8339),
}


@pytest.mark.parametrize("name", sorted(MAINLAND))
def test_in_china_mainland(name):
    assert in_china(*MAINLAND[name]) is True


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_not_in_china(name):
    assert in_china(*ELSEWHERE[name]) is False


# Senado Square read as BD-09 is the one point here within an offset's reach of the mainland
# (see test_inverse_near_the_border).
IDENTITY_CASES = [
    pytest.param(convert, name, id=f"{convert.__name__}-{name}")
    for convert in FUNCTIONS
    for name in sorted(ELSEWHERE)
    if (convert, name) != (bd09_to_wgs84, "Macau Senado Square")
]


@pytest.mark.parametrize(("convert", "name"), IDENTITY_CASES)
def test_identity_outside_china(convert, name):
    lon, lat = ELSEWHERE[name]
    assert convert(lon, lat) == (lon, lat)


def test_inverse_near_the_border():
    # The documented trade-off: an inverse removes the offset when the point it recovers is in
    # the area, even if the point given is not. Senado Square, read as BD-09, comes from a
    # point in Zhuhai 1.3 km away, so it is moved there; the forward direction leaves it alone.
    senado = ELSEWHERE["Macau Senado Square"]
    assert wgs84_to_bd09(*senado) == senado
    moved = bd09_to_wgs84(*senado)
    assert in_china(*moved)
    assert 1_000 < haversine_m(*senado, *moved) < 1_500
    assert wgs84_to_bd09(*moved) == pytest.approx(senado, abs=1e-9)


@pytest.mark.parametrize("convert", FUNCTIONS, ids=lambda f: f.__name__)
def test_conversions_move_mainland_points(convert):
    lon, lat = MAINLAND["Shanghai"]
    assert 300 < haversine_m(lon, lat, *convert(lon, lat)) < 1_500


def test_in_china_arrays():
    names = sorted(MAINLAND) + sorted(ELSEWHERE)
    points = {**MAINLAND, **ELSEWHERE}
    lon = np.array([points[n][0] for n in names])
    lat = np.array([points[n][1] for n in names])
    got = in_china(lon, lat)
    assert isinstance(got, np.ndarray)
    assert got.dtype == bool
    assert got.tolist() == [n in MAINLAND for n in names]


# --- shapes, types and odd values ---------------------------------------------------------------


@pytest.mark.parametrize("convert", FUNCTIONS, ids=lambda f: f.__name__)
def test_scalars_give_floats(convert):
    lon, lat = convert(121.4737, 31.2304)
    assert type(lon) is float
    assert type(lat) is float
    lon, lat = convert(np.float32(121.4737), np.int64(31))
    assert type(lon) is float
    assert type(lat) is float


@pytest.mark.parametrize("convert", FUNCTIONS, ids=lambda f: f.__name__)
def test_arrays_keep_their_shape_and_match_scalars(convert):
    lon = np.array([[121.4737, 114.0579, 24.9384], [116.4074, 118.0894, 114.1722]])
    lat = np.array([[31.2304, 22.5431, 60.1699], [39.9042, 24.4798, 22.2988]])
    got_lon, got_lat = convert(lon, lat)
    assert isinstance(got_lon, np.ndarray)
    assert got_lon.shape == got_lat.shape == (2, 3)
    assert got_lon.dtype == got_lat.dtype == np.float64
    for i in range(2):
        for j in range(3):
            assert (got_lon[i, j], got_lat[i, j]) == convert(lon[i, j], lat[i, j])


def test_lists_and_broadcasting():
    lon, lat = wgs84_to_gcj02([121.4737, 121.5], 31.2304)
    assert isinstance(lon, np.ndarray)
    assert lon.shape == lat.shape == (2,)
    assert (lon[0], lat[0]) == wgs84_to_gcj02(121.4737, 31.2304)


def test_empty_arrays():
    lon, lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert lon.shape == lat.shape == (0,)
    assert in_china([], []).shape == (0,)


def test_inputs_are_not_modified():
    lon = np.array([121.4737, 116.4074])
    lat = np.array([31.2304, 39.9042])
    for convert in FUNCTIONS:
        convert(lon, lat)
    to_wgs84(lon, lat, np.array(["gcj02", "bd09"]))
    assert lon.tolist() == [121.4737, 116.4074]
    assert lat.tolist() == [31.2304, 39.9042]


@pytest.mark.parametrize("convert", FUNCTIONS, ids=lambda f: f.__name__)
def test_nan_propagates_silently(convert):
    # pytest runs with warnings as errors, so any numpy warning would fail here.
    lon = np.array([np.nan, 121.4737, 121.4737, np.nan, np.inf])
    lat = np.array([31.2304, np.nan, 31.2304, np.nan, 31.2304])
    got_lon, got_lat = convert(lon, lat)
    assert np.isnan(got_lon[[0, 3]]).all()
    assert np.isnan(got_lat[[1, 3]]).all()
    assert (got_lon[2], got_lat[2]) == convert(121.4737, 31.2304)
    assert (got_lon[4], got_lat[4]) == (np.inf, 31.2304)
    scalar = convert(math.nan, math.nan)
    assert all(type(v) is float and math.isnan(v) for v in scalar)


def test_in_china_nan_is_false():
    assert in_china(math.nan, 31.0) is False
    assert in_china([math.nan, 121.4737], [31.2304, math.nan]).tolist() == [False, False]


# --- to_wgs84 / from_wgs84 ----------------------------------------------------------------------


def test_coord_systems():
    assert COORD_SYSTEMS == ("wgs84", "gcj02", "bd09")


@pytest.mark.parametrize(
    ("coord_sys", "convert"),
    [("wgs84", None), ("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)],
)
def test_to_wgs84_with_one_system(coord_sys, convert):
    lon, lat = 121.4737, 31.2304
    expected = (lon, lat) if convert is None else convert(lon, lat)
    assert to_wgs84(lon, lat, coord_sys) == expected


@pytest.mark.parametrize(
    ("coord_sys", "convert"),
    [("wgs84", None), ("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)],
)
def test_from_wgs84_with_one_system(coord_sys, convert):
    lon, lat = 121.4737, 31.2304
    expected = (lon, lat) if convert is None else convert(lon, lat)
    assert from_wgs84(lon, lat, coord_sys) == expected


def test_to_wgs84_with_mixed_rows():
    wgs_lon = np.array([121.4737, 114.0579, 116.4074, 24.9384, 118.0894, 114.1722])
    wgs_lat = np.array([31.2304, 22.5431, 39.9042, 60.1699, 24.4798, 22.2988])
    systems = np.array(["gcj02", "bd09", "wgs84", "gcj02", "bd09", "bd09"])
    lon, lat = from_wgs84(wgs_lon, wgs_lat, systems)
    for i, coord_sys in enumerate(systems):
        assert (lon[i], lat[i]) == from_wgs84(wgs_lon[i], wgs_lat[i], str(coord_sys))
    back_lon, back_lat = to_wgs84(lon, lat, list(systems))
    assert haversine_m(wgs_lon, wgs_lat, back_lon, back_lat).max() < 0.001
    for i, coord_sys in enumerate(systems):
        assert (back_lon[i], back_lat[i]) == to_wgs84(lon[i], lat[i], str(coord_sys))


@pytest.mark.parametrize("bad", ["GCJ02", "gcj-02", "", "wgs 84"])
def test_unknown_coord_sys_is_named(bad):
    with pytest.raises(ValueError, match=f"unknown coord_sys {bad!r}"):
        to_wgs84(121.4737, 31.2304, bad)
    with pytest.raises(ValueError, match=f"unknown coord_sys {bad!r}"):
        from_wgs84(121.4737, 31.2304, bad)


def test_unknown_coord_sys_in_rows_names_value_and_row():
    lon = [121.4737, 121.4737, 121.4737, 121.4737]
    lat = [31.2304, 31.2304, 31.2304, 31.2304]
    with pytest.raises(ValueError, match=r"unknown coord_sys None at row 2 \(2 rows in all\)"):
        to_wgs84(lon, lat, ["wgs84", "gcj02", None, "baidu"])


def test_coord_sys_rows_must_match_points():
    with pytest.raises(ValueError, match="coord_sys has shape"):
        to_wgs84([121.4737, 121.4737], [31.2304, 31.2304], ["gcj02"])
    with pytest.raises(ValueError, match="coord_sys has shape"):
        from_wgs84(121.4737, 31.2304, ["gcj02"])
