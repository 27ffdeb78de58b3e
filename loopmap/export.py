"""Export workspace tables to CSV, JSON Lines, GeoJSON or (Geo)Parquet.

Each exportable table is a function from the workspace to a DataFrame in the
table's documented columns (:data:`TABLES`); the writer picks the format from
the output's suffix. Tables with a location become GeoDataFrames in EPSG:4326,
so GeoJSON and GeoParquet carry real geometries.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd

from loop.rank import RANKING_COLUMNS as _LOOP_RANKING_COLUMNS
from loopmap._errors import LoopmapError
from loopmap.formats import EVENT_COLUMNS, NOTE_COLUMNS, PLACE_COLUMNS
from loopmap.store import Workspace

__all__ = [
    "EXPORT_FORMATS",
    "GEOCODE_COLUMNS",
    "HOTSPOT_COLUMNS",
    "RANKING_COLUMNS",
    "TABLES",
    "ExportError",
    "export_table",
    "table_frame",
]

EXPORT_FORMATS: Final = (".csv", ".jsonl", ".geojson", ".parquet")


class ExportError(LoopmapError, ValueError):
    """A table cannot be exported as asked."""


def _query(ws: Workspace, sql: str, columns: tuple[str, ...]) -> pd.DataFrame:
    rows = ws.conn.execute(sql).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def _points(frame: pd.DataFrame, lon: pd.Series, lat: pd.Series) -> gpd.GeoDataFrame:
    has = lon.notna() & lat.notna()
    geometry = gpd.GeoSeries([None] * len(frame), index=frame.index, crs="EPSG:4326")
    if has.any():
        geometry[has] = gpd.points_from_xy(lon[has], lat[has], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def places_frame(ws: Workspace) -> gpd.GeoDataFrame:
    """The places as imported, in SPEC.md's columns, with Point geometries."""
    cols = ", ".join(PLACE_COLUMNS)
    frame = _query(ws, f"SELECT {cols} FROM places ORDER BY place_id", PLACE_COLUMNS)
    return _points(frame, frame["lon"], frame["lat"])


def notes_frame(ws: Workspace) -> gpd.GeoDataFrame:
    """The notes as imported; the geometry is the device location converted to WGS-84."""
    from geo.coords import to_wgs84

    cols = ", ".join(NOTE_COLUMNS)
    frame = _query(ws, f"SELECT {cols} FROM notes ORDER BY note_id", NOTE_COLUMNS)
    frame["tags"] = [orjson.loads(t) for t in frame["tags"]]
    lon = frame["lon"].astype(float).to_numpy()
    lat = frame["lat"].astype(float).to_numpy()
    wlon, wlat = to_wgs84(lon, lat, frame["coord_sys"].to_numpy(dtype=object))
    return _points(
        frame,
        pd.Series(np.asarray(wlon), index=frame.index),
        pd.Series(np.asarray(wlat), index=frame.index),
    )


def events_frame(ws: Workspace) -> pd.DataFrame:
    """The events as imported, in SPEC.md's columns."""
    cols = ", ".join(EVENT_COLUMNS)
    return _query(ws, f"SELECT {cols} FROM events ORDER BY ts, event_id", EVENT_COLUMNS)


GEOCODE_COLUMNS: Final = (
    "note_id",
    "place_id",
    "precision",
    "lat",
    "lon",
    "confidence",
    "mentions",
)
HOTSPOT_COLUMNS: Final = ("hotspot_id", "topic", "name", "n_notes", "n_merchants", "lat", "lon")


def geocodes_frame(ws: Workspace) -> gpd.GeoDataFrame:
    """One row per geocoded note (SPEC.md's geocodes columns), with Point geometries."""
    sql = (
        "SELECT note_id, coalesce(place_id, ''), precision, lat, lon, confidence, mentions "
        "FROM geocodes ORDER BY note_id"
    )
    frame = _query(ws, sql, GEOCODE_COLUMNS)
    frame["mentions"] = [orjson.loads(m) for m in frame["mentions"]]
    return _points(frame, frame["lon"], frame["lat"])


def hotspots_frame(ws: Workspace) -> gpd.GeoDataFrame:
    """The hotspots (SPEC.md's columns) with their hull polygons."""
    from loopmap.build import hotspots_table

    table = hotspots_table(ws.conn)
    return table[[*HOTSPOT_COLUMNS, "geometry"]]


def topics_frame(ws: Workspace) -> pd.DataFrame:
    """Each note's topic and the model's probability for it (SPEC.md's topics columns)."""
    sql = "SELECT note_id, topic, score FROM topics ORDER BY note_id"
    return _query(ws, sql, ("note_id", "topic", "score"))


#: The ranking as ``loopmap rank`` and the report show it (:data:`loop.rank.RANKING_COLUMNS`).
RANKING_COLUMNS: Final = tuple(_LOOP_RANKING_COLUMNS)


def ranking_frame(ws: Workspace, topic: str | None = None) -> pd.DataFrame:
    """The merchant ranking in SPEC.md's columns, best first.

    With ``topic``, only that topic's merchants, and ``rank`` is the rank within it.
    """
    if topic is None:
        cols = ", ".join(RANKING_COLUMNS)
        return _query(ws, f"SELECT {cols} FROM ranking ORDER BY rank", RANKING_COLUMNS)
    cols = ", ".join("topic_rank" if c == "rank" else c for c in RANKING_COLUMNS)
    rows = ws.conn.execute(
        f"SELECT {cols} FROM ranking WHERE topic = ? ORDER BY topic_rank", (topic,)
    ).fetchall()
    if not rows:
        known = [r[0] for r in ws.conn.execute("SELECT DISTINCT topic FROM ranking ORDER BY 1")]
        msg = f"no ranked merchants in topic {topic!r}; topics ranked: {', '.join(known)}"
        raise ExportError(msg)
    return pd.DataFrame([tuple(r) for r in rows], columns=list(RANKING_COLUMNS))


#: Tables whose geometry is not a point: CSV carries it as WKT in a ``geometry`` column.
WKT_IN_CSV: Final = frozenset({"hotspots"})

#: What ``loopmap export`` can write. Derived tables join this mapping as they are built.
TABLES: Final[dict[str, Callable[[Workspace], pd.DataFrame]]] = {
    "places": places_frame,
    "notes": notes_frame,
    "events": events_frame,
    "geocodes": geocodes_frame,
    "topics": topics_frame,
    "hotspots": hotspots_frame,
    "ranking": ranking_frame,
}


def table_frame(ws: Workspace, what: str, *, topic: str | None = None) -> pd.DataFrame:
    """Return one exportable table as a (Geo)DataFrame.

    Raises
    ------
    ExportError
        When ``what`` is not an exportable table, or ``topic`` is given for a table
        other than ``ranking``.
    """
    if what not in TABLES:
        msg = f"cannot export {what!r}: choose one of {', '.join(TABLES)}"
        raise ExportError(msg)
    if topic is not None:
        if what != "ranking":
            raise ExportError(f"--topic applies to the ranking, not to {what}")
        return ranking_frame(ws, topic)
    return TABLES[what](ws)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the geometry and turn missing values into None."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame.astype(object).where(frame.notna(), None)


def _cell(value: object) -> object:
    return orjson.dumps(value).decode() if isinstance(value, list | dict) else value


def _write(frame: pd.DataFrame, path: Path, suffix: str, *, wkt: bool = False) -> None:
    if suffix == ".csv":
        plain = _plain(frame)
        if wkt and isinstance(frame, gpd.GeoDataFrame):
            plain["geometry"] = frame.geometry.to_wkt().to_numpy()
        for col in plain.columns:
            plain[col] = plain[col].map(_cell)
        plain.to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".jsonl":
        with path.open("wb") as f:
            for row in _plain(frame).to_dict("records"):
                f.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    elif suffix == ".geojson":
        gdf = (
            frame
            if isinstance(frame, gpd.GeoDataFrame)
            else gpd.GeoDataFrame(
                frame,
                geometry=gpd.GeoSeries([None] * len(frame), index=frame.index),
                crs="EPSG:4326",
            )
        )
        geometry = gdf.geometry.to_numpy()
        properties = _plain(gdf).to_dict("records")
        with path.open("wb") as f:
            f.write(b'{"type":"FeatureCollection","features":[\n')
            for i, (props, geom) in enumerate(zip(properties, geometry, strict=True)):
                feature = {
                    "type": "Feature",
                    "properties": props,
                    "geometry": None if geom is None else geom.__geo_interface__,
                }
                f.write(
                    (b",\n" if i else b"")
                    + orjson.dumps(feature, option=orjson.OPT_SERIALIZE_NUMPY)
                )
            f.write(b"\n]}\n")
    else:
        frame.to_parquet(path, index=False)


def export_table(
    ws: Workspace, what: str, out: str | os.PathLike[str], *, topic: str | None = None
) -> int:
    """Write one table to a file; the format follows the suffix.

    Parameters
    ----------
    ws
        The open workspace.
    what
        A name in :data:`TABLES`: ``places``, ``notes``, ``events`` (as imported),
        ``geocodes``, ``topics``, ``hotspots``, ``ranking`` (derived by ``loopmap build``).
    out
        The output file: ``.csv``, ``.jsonl``, ``.geojson`` or ``.parquet``
        (GeoParquet when the table has a geometry). Written atomically.
    topic
        For ``ranking``: only this topic's merchants, ranked within it.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    ExportError
        For an unknown table or suffix.
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        msg = f"{path}: cannot tell the format; use one of {', '.join(EXPORT_FORMATS)}"
        raise ExportError(msg)
    frame = table_frame(ws, what, topic=topic)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        _write(frame, tmp, suffix, wkt=what in WKT_IN_CSV)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(frame)
