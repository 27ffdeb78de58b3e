"""Exporting the imported tables in every format, and reading them back."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest

from loopmap.export import ExportError, export_table
from loopmap.importer import import_file, import_files
from loopmap.store import Workspace


@pytest.fixture
def full(ws: Workspace, city_files: dict) -> Workspace:
    import_files(ws, list(city_files.values()))
    return ws


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".geojson", ".parquet"])
@pytest.mark.parametrize("what", ["places", "notes", "events"])
def test_export_reimports_unchanged(
    full: Workspace, tmp_path: Path, what: str, suffix: str
) -> None:
    out = tmp_path / f"{what}{suffix}"
    n = export_table(full, what, out)
    assert n == full.counts()[what]
    report = import_file(full, out, kind=what)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (0, 0, n, 0)


def test_places_geojson_and_geoparquet_have_geometry(full: Workspace, tmp_path: Path) -> None:
    export_table(full, "places", tmp_path / "p.geojson")
    doc = json.loads((tmp_path / "p.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    bathe = next(f for f in doc["features"] if f["properties"]["place_id"] == "m-bathe")
    assert bathe["geometry"] == {"type": "Point", "coordinates": [121.439, 31.205]}
    assert bathe["properties"]["aliases"] == "Bathe|巴斯咖啡"
    export_table(full, "places", tmp_path / "p.parquet")
    assert b"geo" in pq.read_schema(tmp_path / "p.parquet").metadata
    gdf = gpd.read_parquet(tmp_path / "p.parquet")
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 5


def test_notes_geometry_is_wgs84(full: Workspace, tmp_path: Path) -> None:
    export_table(full, "notes", tmp_path / "n.parquet")
    gdf = gpd.read_parquet(tmp_path / "n.parquet").set_index("note_id")
    n1 = gdf.loc["n1"]
    # the device location was GCJ-02: the geometry is shifted back by a few hundred metres
    assert n1["lat"] == 31.203 and n1["coord_sys"] == "gcj02"
    assert 0.001 < abs(n1.geometry.x - 121.443) < 0.01
    assert gdf.loc["n2"].geometry is None
    assert list(gdf.loc["n1", "tags"]) == ["上海咖啡"]


def test_csv_columns_follow_spec(full: Workspace, tmp_path: Path) -> None:
    export_table(full, "events", tmp_path / "e.csv")
    frame = pd.read_csv(tmp_path / "e.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["event_id", "ts", "user_id", "kind", "note_id", "merchant_id"]
    assert frame.loc[frame.event_id == "e3", "merchant_id"].item() == "m-bathe"


def test_export_errors(full: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="choose one of places, notes, events"):
        export_table(full, "nothing", tmp_path / "r.csv")
    with pytest.raises(ExportError, match="cannot tell the format"):
        export_table(full, "places", tmp_path / "p.xlsx")
    assert not (tmp_path / "r.csv").exists()
