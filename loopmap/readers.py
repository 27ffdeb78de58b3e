"""Read input files record by record, without ever raising on a bad record.

A reader yields :class:`Record` objects: the record's position (line, feature
or row), the raw mapping, or the reason it could not be read. Problems with a
whole file (missing, unknown format, no header, missing columns) raise
:class:`~loopmap._errors.InputFileError`. Validation of the fields is
:mod:`loopmap.formats`'s job.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, cast

import orjson

from loopmap._errors import InputFileError
from loopmap.formats import KINDS, REQUIRED, detect_kind
from loopmap.settings import MAX_RECORD_BYTES

__all__ = ["FORMATS", "Record", "file_format", "read_records", "sniff_kind"]

#: Suffixes understood, and the format each one means.
FORMATS: Final[dict[str, str]] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".geojson": "geojson",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".pbf": "osm",
    ".osm": "osm",
}
_SURROGATE = re.compile("[\udc80-\udcff]")
_SNIFF_LINES: Final = 1000

ProgressCallback = Callable[[int], None]


@dataclass(slots=True)
class Record:
    """One record of an input file.

    Attributes
    ----------
    line
        Its position: the line of a CSV or JSON Lines file, the 1-based feature
        of a GeoJSON file, the 1-based row of a Parquet file or OSM extract.
    data
        The raw fields, or ``None`` when the record could not be read.
    error
        Why the record could not be read, or ``None``.
    unit
        What ``line`` counts: ``"line"``, ``"feature"`` or ``"row"``.
    """

    line: int
    data: dict[str, Any] | None
    error: str | None = None
    unit: str = "line"


def file_format(path: str | os.PathLike[str]) -> str:
    """Tell a file's format from its suffix (a trailing ``.gz`` is looked through).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        One of ``csv``, ``jsonl``, ``jsonarray`` (a ``.json`` file holding one
        array of records), ``geojson``, ``parquet``, ``osm``.

    Raises
    ------
    InputFileError
        For a suffix loopmap does not read.
    """
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        msg = f"{p}: cannot tell the format from the suffix; use one of {known}"
        raise InputFileError(msg)
    if fmt == "json":
        fmt = _json_flavour(p)
    return fmt


def _open_binary(path: Path) -> tuple[gzip.GzipFile | io.BufferedReader, io.BufferedReader]:
    """Open a file for reading bytes; return (stream, raw file for progress)."""
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be opened ({exc.strerror})") from None
    if path.suffix.lower() == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def _json_flavour(path: Path) -> str:
    """A ``.json`` file is GeoJSON, one JSON array of records, or JSON Lines."""
    stream, raw = _open_binary(path)
    try:
        head = stream.read(4096)
    finally:
        stream.close()
        raw.close()
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return "jsonarray"
    first = head.split(b"\n", 1)[0]
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        return "geojson" if head.lstrip().startswith(b"{") else "jsonl"
    is_geo = isinstance(obj, dict) and obj.get("type") in ("FeatureCollection", "Feature")
    return "geojson" if is_geo else "jsonl"


def _load_json(path: Path) -> Any:
    """Parse a whole JSON file, or raise InputFileError saying where it breaks."""
    stream, raw = _open_binary(path)
    with raw, stream:
        data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        msg = f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise InputFileError(msg) from None


def _read_json_array(path: Path) -> Iterator[Record]:
    items = _load_json(path)
    if not isinstance(items, list):
        raise InputFileError(f"{path}: expected a JSON array of records")
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield Record(number, item, None, "item")
        else:
            yield Record(number, None, f"expected a JSON object, got {type(item).__name__}", "item")


# --- JSON Lines --------------------------------------------------------------------


def _bounded_lines(
    stream: gzip.GzipFile | IO[bytes], limit: int
) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield (line number, line or None when longer than limit, length in bytes)."""
    number = 0
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            size = len(chunk)
            while True:  # skip the rest of the over-long line without holding it
                more = stream.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield number, None, size
        else:
            yield number, chunk, len(chunk)


def _parse_json_line(chunk: bytes, number: int) -> Record:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Record(
            number,
            None,
            f"not valid UTF-8 (byte 0x{chunk[exc.start]:02x} at column {exc.start + 1})",
        )
    text = text.rstrip("\r\n")
    if number == 1:
        text = text.lstrip("\ufeff")
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        try:  # the standard library reads NaN and Infinity, which validation then names
            obj = json.loads(text)
        except ValueError:
            cut = ", the line is cut short" if exc.pos >= len(text) - 1 else ""
            reason = f"not valid JSON{cut} ({exc.msg} at column {exc.colno})"
            return Record(number, None, reason)
    if not isinstance(obj, dict):
        return Record(number, None, f"expected a JSON object, got {type(obj).__name__}")
    return Record(number, obj)


def _read_jsonl(path: Path, on_progress: ProgressCallback | None) -> Iterator[Record]:
    stream, raw = _open_binary(path)
    with raw, stream:
        for number, chunk, size in _bounded_lines(stream, MAX_RECORD_BYTES):
            if on_progress is not None and number % 4096 == 0:
                on_progress(raw.tell())
            if chunk is None:
                yield Record(
                    number, None, f"line is {size:,} bytes long (at most {MAX_RECORD_BYTES:,})"
                )
                continue
            if not chunk.strip():
                continue
            yield _parse_json_line(chunk, number)
        if on_progress is not None:
            on_progress(raw.tell())


# --- CSV ---------------------------------------------------------------------------


def _csv_rows(path: Path) -> tuple[IO[bytes], IO[str], Any]:
    stream, raw = _open_binary(path)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(MAX_RECORD_BYTES)
    return raw, text, csv.reader(text)


def _csv_header(path: Path, reader: Any) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{path}: the file is empty (a CSV file needs a header row)") from None
    except csv.Error as exc:
        raise InputFileError(f"{path}: the header row cannot be read ({exc})") from None
    names = [h.strip().lower() for h in header]
    if any(_SURROGATE.search(h) for h in names):
        raise InputFileError(f"{path}: the header row is not valid UTF-8")
    dupes = sorted({h for h in names if names.count(h) > 1})
    if dupes:
        raise InputFileError(f"{path}: the header repeats column(s) {', '.join(dupes)}")
    return names


def _read_csv(path: Path, on_progress: ProgressCallback | None) -> Iterator[Record]:
    raw, text, reader = _csv_rows(path)
    with raw, text:
        header = _csv_header(path, reader)
        width = len(header)
        previous_end = reader.line_num
        count = 0
        while True:
            start = previous_end + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                previous_end = reader.line_num
                yield Record(start, None, f"CSV row cannot be read ({exc})")
                continue
            previous_end = reader.line_num
            count += 1
            if on_progress is not None and count % 4096 == 0:
                on_progress(raw.tell())
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if _SURROGATE.search("\x1f".join(row)):
                yield Record(start, None, "not valid UTF-8")
                continue
            if len(row) != width:
                yield Record(start, None, f"has {len(row)} fields, the header has {width}")
                continue
            yield Record(start, dict(zip(header, row, strict=True)))
        if on_progress is not None:
            on_progress(raw.tell())


# --- GeoJSON, Parquet, OSM ------------------------------------------------------------


def _load_geojson(path: Path) -> dict[str, Any]:
    obj = _load_json(path)
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = {"type": "FeatureCollection", "features": [obj]}
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise InputFileError(f"{path}: not a GeoJSON FeatureCollection")
    if not isinstance(obj.get("features"), list):
        raise InputFileError(f"{path}: the FeatureCollection has no features list")
    crs = obj.get("crs")
    if crs and "4326" not in json.dumps(crs) and "CRS84" not in json.dumps(crs):
        raise InputFileError(f"{path}: coordinates must be WGS-84 (EPSG:4326), the file says {crs}")
    return obj


def _feature_record(number: int, feature: Any) -> Record:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Record(number, None, "not a GeoJSON Feature", "feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        return Record(number, None, "properties is not an object", "feature")
    data = dict(props)
    geometry = feature.get("geometry")
    # lat/lon properties win over the geometry: a note's are in its own coord_sys.
    if geometry is not None and (data.get("lat") is None or data.get("lon") is None):
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            gtype = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            return Record(
                number, None, f"geometry is {gtype}; places must be Point features", "feature"
            )
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            return Record(number, None, "Point geometry has no coordinates", "feature")
        data["lon"], data["lat"] = coords[0], coords[1]
    return Record(number, data, None, "feature")


def _read_geojson(path: Path) -> Iterator[Record]:
    obj = _load_geojson(path)
    for number, feature in enumerate(obj["features"], start=1):
        yield _feature_record(number, feature)


def _python(value: Any) -> Any:
    """Parquet list cells arrive as numpy arrays: make them lists."""
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, str) else value


def _read_parquet(path: Path) -> Iterator[Record]:
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    if b"geo" in meta:
        import geopandas as gpd

        gdf = gpd.read_parquet(path)
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        geoms = gdf.geometry
    else:
        frame, geoms = pd.read_parquet(path), None
    frame = frame.astype(object).where(frame.notna(), None)
    # lat/lon columns win over the geometry: a note's are in its own coord_sys.
    use_geometry = geoms is not None and not {"lat", "lon"} <= set(frame.columns)
    for i, data in enumerate(frame.to_dict("records"), start=1):
        if use_geometry:
            geom = geoms.iloc[i - 1]
            if geom is not None and not geom.is_empty:
                if geom.geom_type != "Point":
                    reason = f"geometry is {geom.geom_type}; places must be Points"
                    yield Record(i, None, reason, "row")
                    continue
                data["lon"], data["lat"] = geom.x, geom.y
        yield Record(i, {str(k): _python(v) for k, v in data.items()}, None, "row")


def _read_osm(path: Path) -> Iterator[Record]:
    from geo.osm import places_from_osm

    frame = places_from_osm(path)
    records = cast(list[dict[str, Any]], frame.to_dict("records"))  # column names are str
    for i, data in enumerate(records, start=1):
        yield Record(i, data, None, "row")


# --- kind ----------------------------------------------------------------------------


def _columns_of(path: Path, fmt: str) -> set[str]:
    if fmt == "csv":
        raw, text, reader = _csv_rows(path)
        with raw, text:
            return set(_csv_header(path, reader))
    if fmt == "jsonl":
        stream, raw = _open_binary(path)
        with raw, stream:
            for number, chunk, _ in _bounded_lines(stream, MAX_RECORD_BYTES):
                if number > _SNIFF_LINES:
                    break
                if chunk and chunk.strip():
                    rec = _parse_json_line(chunk, number)
                    if rec.data is not None:
                        return set(rec.data)
        return set()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return set(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for unreadable files
            raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    if fmt == "jsonarray":
        items = _load_json(path)
        first = (
            next((i for i in items if isinstance(i, dict)), {}) if isinstance(items, list) else {}
        )
        return set(first)
    if fmt == "geojson":
        features = _load_geojson(path)["features"]
        props = (
            features[0].get("properties") if features and isinstance(features[0], dict) else None
        )
        return set(props or {}) | {"lat", "lon"}
    return set()


def sniff_kind(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Tell whether a file holds places, notes or events.

    Parameters
    ----------
    path
        The file.
    fmt
        Its format, when already known (see :func:`file_format`).

    Returns
    -------
    str
        ``"places"``, ``"notes"`` or ``"events"``.

    Raises
    ------
    InputFileError
        When the columns fit none of them.
    """
    p = Path(path)
    fmt = fmt or file_format(p)
    if fmt == "osm":
        return "places"
    columns = _columns_of(p, fmt)
    kind = detect_kind(frozenset(columns))
    if kind is None:
        shown = ", ".join(sorted(columns)[:12]) or "none"
        msg = (
            f"{p}: cannot tell places, notes or events apart from the columns ({shown}); "
            "expected place_id, note_id or event_id, or pass --kind"
        )
        raise InputFileError(msg)
    return kind


def read_records(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> Iterator[Record]:
    """Yield the records of an input file, each with its position or its error.

    Parameters
    ----------
    path
        A CSV, JSON Lines, GeoJSON, (Geo)Parquet file or an OSM extract; ``.gz``
        compressed CSV and JSON Lines are read too.
    kind
        ``places``, ``notes`` or ``events``: when given, a CSV or Parquet file
        missing one of the kind's required columns is refused as a whole.
    on_progress
        Called now and then with the number of bytes read so far.

    Yields
    ------
    Record
        One per record, in file order; blank lines are skipped.

    Raises
    ------
    InputFileError
        When the file as a whole cannot be read.
    """
    p = Path(path)
    fmt = file_format(p)
    if not p.exists():
        raise InputFileError(f"{p}: no such file")
    if kind is not None and kind not in KINDS:
        raise InputFileError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind is not None and fmt in ("csv", "parquet"):
        columns = _columns_of(p, fmt)
        missing = [c for c in REQUIRED[kind] if c not in columns]
        if kind == "places" and fmt == "parquet" and "geometry" in columns:
            missing = [c for c in missing if c not in ("lat", "lon")]
        if missing:
            msg = (
                f"{p}: missing required column(s) {', '.join(missing)} for {kind}; "
                f"found {', '.join(sorted(columns)) or 'none'}"
            )
            raise InputFileError(msg)
    if fmt == "csv":
        yield from _read_csv(p, on_progress)
    elif fmt == "jsonl":
        yield from _read_jsonl(p, on_progress)
    elif fmt == "jsonarray":
        yield from _read_json_array(p)
    elif fmt == "geojson":
        yield from _read_geojson(p)
    elif fmt == "parquet":
        yield from _read_parquet(p)
    else:
        yield from _read_osm(p)
