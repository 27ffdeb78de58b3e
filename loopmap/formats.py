"""The input formats of SPEC.md: columns, and the validation of one record.

Each ``validate_*`` function takes one raw record (a mapping read from CSV, JSON
Lines, GeoJSON properties or a Parquet row) and returns the normalised row that
the workspace stores, or raises :class:`RowError` naming the field and the
reason. They are pure and know nothing about files or the database; the
importer adds the file and line, and the checks that need the workspace (an
event's note must exist, a visit's merchant must be a merchant).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import orjson

__all__ = [
    "COLUMNS",
    "COORD_SYSTEMS",
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "KINDS",
    "NOTE_COLUMNS",
    "PLACE_COLUMNS",
    "PLACE_KINDS",
    "REQUIRED",
    "VALIDATORS",
    "RowError",
    "detect_kind",
    "parse_timestamp",
    "read_places",
    "validate_event",
    "validate_note",
    "validate_place",
]

PLACE_COLUMNS: Final = (
    "place_id",
    "name",
    "aliases",
    "kind",
    "category",
    "city",
    "parent_id",
    "lat",
    "lon",
)
NOTE_COLUMNS: Final = (
    "note_id",
    "user_id",
    "created_at",
    "text",
    "title",
    "tags",
    "poi_id",
    "lat",
    "lon",
    "coord_sys",
    "city",
)
EVENT_COLUMNS: Final = ("event_id", "ts", "user_id", "kind", "note_id", "merchant_id")

#: The three kinds of input, and their columns in SPEC.md's order.
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "places": PLACE_COLUMNS,
    "notes": NOTE_COLUMNS,
    "events": EVENT_COLUMNS,
}
KINDS: Final = tuple(COLUMNS)

#: Fields every record of a kind must carry.
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "places": ("place_id", "name", "kind", "lat", "lon"),
    "notes": ("note_id", "user_id", "created_at", "text"),
    "events": ("event_id", "ts", "user_id", "kind"),
}

PLACE_KINDS: Final = ("city", "district", "neighborhood", "road", "landmark", "merchant")
EVENT_KINDS: Final = ("view", "like", "comment", "collect", "forward", "visit")
COORD_SYSTEMS: Final = ("wgs84", "gcj02", "bd09")
_COORD_ALIASES: Final = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
}
_MAX_ID_CHARS: Final = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RowError(ValueError):
    """One record breaks a rule of the input format; the message says which and why."""


# --- field helpers -----------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is str:
        return not value or value.isspace()
    return isinstance(value, float) and math.isnan(value)


def _text(record: Mapping[str, Any], field: str, *, required: bool = False) -> str | None:
    value = record.get(field)
    if _is_missing(value):
        if required:
            raise RowError(f"{field} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"{field} must be a string, not {type(value).__name__}")
    return str(value).strip()


def _identifier(record: Mapping[str, Any], field: str, *, required: bool = False) -> str | None:
    value = _text(record, field, required=required)
    if value is not None:
        if len(value) > _MAX_ID_CHARS:
            raise RowError(f"{field} is {len(value)} characters long (at most {_MAX_ID_CHARS})")
        if _CONTROL.search(value):
            raise RowError(f"{field} {value!r} contains control characters")
    return value


def _number(record: Mapping[str, Any], field: str) -> float | None:
    value = record.get(field)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise RowError(f"{field} must be a number, not {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise RowError(f"{field} {value!r} is not a number") from None
    if not isinstance(value, int | float):
        raise RowError(f"{field} must be a number, not {type(value).__name__}")
    value = float(value)
    if math.isnan(value):
        raise RowError(f"{field} is NaN")
    if math.isinf(value):
        raise RowError(f"{field} is infinite")
    return value


def _coordinates(
    record: Mapping[str, Any], *, required: bool
) -> tuple[float, float] | tuple[None, None]:
    lat, lon = _number(record, "lat"), _number(record, "lon")
    if lat is None or lon is None:
        if required:
            missing = [f for f, v in (("lat", lat), ("lon", lon)) if v is None]
            raise RowError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
            )
        if (lat is None) != (lon is None):
            given, absent = ("lat", "lon") if lon is None else ("lon", "lat")
            raise RowError(f"{given} is given without {absent}: give both or neither")
        return None, None
    if not -90.0 <= lat <= 90.0:
        raise RowError(f"lat {lat:g} is out of range (-90..90)")
    if not -180.0 <= lon <= 180.0:
        raise RowError(f"lon {lon:g} is out of range (-180..180)")
    return lat, lon


def parse_timestamp(value: Any, field: str = "ts") -> str:
    """Normalise an ISO-8601 timestamp to UTC, as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.

    Parameters
    ----------
    value
        The raw value; a timestamp without an offset is taken as UTC.
    field
        The field name, for the error message.

    Returns
    -------
    str
        The timestamp in UTC, which sorts correctly as text.

    Raises
    ------
    RowError
        When the value is missing or not an ISO-8601 timestamp.
    """
    if _is_missing(value):
        raise RowError(f"{field} is missing")
    if not isinstance(value, str):
        raise RowError(f"{field} must be an ISO-8601 string, not {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(f"{field} {value!r} is not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _split_aliases(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, list | tuple):
        parts = value
    elif isinstance(value, str):
        parts = value.split("|")
    else:
        raise RowError(f"aliases must be a '|'-separated string, not {type(value).__name__}")
    out: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise RowError("aliases must all be strings")
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return "|".join(out)


def _tags(value: Any) -> list[str]:
    if _is_missing(value):
        return []
    if isinstance(value, str):
        # CSV cells: a JSON list, or tags separated by '|' or ','.
        text = value.strip()
        if text.startswith("["):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise RowError(f"tags {text[:40]!r} is not a JSON list") from None
        else:
            value = [t for part in text.split("|") for t in part.split(",")]
    if not isinstance(value, list | tuple):
        raise RowError(f"tags must be a list of strings, not {type(value).__name__}")
    out: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise RowError(f"tags must be a list of strings; found {tag!r}")
        tag = tag.strip().lstrip("#").strip()
        if tag and tag not in out:
            out.append(tag)
    return out


# --- records ----------------------------------------------------------------------


def validate_place(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one place record and return it normalised.

    Parameters
    ----------
    record
        A mapping with SPEC.md's places columns; extra keys are ignored.

    Returns
    -------
    dict
        ``place_id, name, aliases, kind, category, city, parent_id, lat, lon``;
        aliases is a ``|``-joined string, kind and category are lower case, empty
        optional fields are ``None``.

    Raises
    ------
    RowError
        When a rule of the format is broken.
    """
    place_id = _identifier(record, "place_id", required=True)
    name = _text(record, "name", required=True)
    kind = (_text(record, "kind", required=True) or "").lower()
    if kind not in PLACE_KINDS:
        raise RowError(f"kind {kind!r} is not one of {', '.join(PLACE_KINDS)}")
    lat, lon = _coordinates(record, required=True)
    parent_id = _identifier(record, "parent_id")
    if parent_id is not None and parent_id == place_id:
        raise RowError(f"parent_id {parent_id!r} is the place itself")
    category = _text(record, "category")
    return {
        "place_id": place_id,
        "name": name,
        "aliases": _split_aliases(record.get("aliases")),
        "kind": kind,
        "category": category.lower() if category else None,
        "city": _text(record, "city"),
        "parent_id": parent_id,
        "lat": lat,
        "lon": lon,
    }


def validate_note(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one note record and return it normalised.

    Parameters
    ----------
    record
        A mapping with SPEC.md's notes fields; extra keys are ignored.

    Returns
    -------
    dict
        SPEC.md's note fields; ``created_at`` in UTC, ``tags`` a list without
        ``#``, ``coord_sys`` one of :data:`COORD_SYSTEMS`.

    Raises
    ------
    RowError
        When a rule of the format is broken.
    """
    note_id = _identifier(record, "note_id", required=True)
    user_id = _identifier(record, "user_id", required=True)
    created_at = parse_timestamp(record.get("created_at"), "created_at")
    if "text" not in record:
        raise RowError("text is missing (it may be empty when title is set)")
    text = record["text"]
    if text is None or (isinstance(text, float) and math.isnan(text)):
        text = ""
    if not isinstance(text, str):
        raise RowError(f"text must be a string, not {type(text).__name__}")
    title = record.get("title")
    if _is_missing(title):
        title = None
    elif not isinstance(title, str):
        raise RowError(f"title must be a string, not {type(title).__name__}")
    if not text.strip() and title is None:
        raise RowError("text is empty and there is no title")
    lat, lon = _coordinates(record, required=False)
    coord_sys = _text(record, "coord_sys")
    if coord_sys is None:
        coord_sys = "wgs84"
    else:
        normalised = _COORD_ALIASES.get(coord_sys.lower())
        if normalised is None:
            raise RowError(f"coord_sys {coord_sys!r} is not one of {', '.join(COORD_SYSTEMS)}")
        coord_sys = normalised
    return {
        "note_id": note_id,
        "user_id": user_id,
        "created_at": created_at,
        "text": text,
        "title": title,
        "tags": _tags(record.get("tags")),
        "poi_id": _identifier(record, "poi_id"),
        "lat": lat,
        "lon": lon,
        "coord_sys": coord_sys,
        "city": _text(record, "city"),
    }


def validate_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one event record and return it normalised.

    Parameters
    ----------
    record
        A mapping with SPEC.md's events fields; extra keys are ignored.

    Returns
    -------
    dict
        ``event_id, ts, user_id, kind, note_id, merchant_id`` with ``ts`` in UTC.

    Raises
    ------
    RowError
        When a rule of the format is broken. Whether the note or merchant exists
        is checked by the importer, which knows the workspace.
    """
    event_id = _identifier(record, "event_id", required=True)
    ts = parse_timestamp(record.get("ts"), "ts")
    user_id = _identifier(record, "user_id", required=True)
    kind = (_text(record, "kind", required=True) or "").lower()
    if kind not in EVENT_KINDS:
        raise RowError(f"kind {kind!r} is not one of {', '.join(EVENT_KINDS)}")
    note_id = _identifier(record, "note_id")
    merchant_id = _identifier(record, "merchant_id")
    if kind == "visit" and merchant_id is None:
        raise RowError("a visit needs merchant_id")
    if kind != "visit" and note_id is None:
        raise RowError(f"a {kind} needs note_id")
    return {
        "event_id": event_id,
        "ts": ts,
        "user_id": user_id,
        "kind": kind,
        "note_id": note_id,
        "merchant_id": merchant_id,
    }


VALIDATORS: Final[dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "places": validate_place,
    "notes": validate_note,
    "events": validate_event,
}


def detect_kind(columns: set[str] | frozenset[str]) -> str | None:
    """Tell places, notes and events apart by their columns.

    Parameters
    ----------
    columns
        The column names (CSV header, JSON keys, GeoJSON properties).

    Returns
    -------
    str or None
        ``"events"`` when there is an ``event_id``, ``"notes"`` when there is a
        ``note_id`` with ``created_at`` or ``text``, ``"places"`` when there is a
        ``place_id``; ``None`` when none of these fit.
    """
    if "event_id" in columns:
        return "events"
    if "note_id" in columns and ({"created_at", "text"} & columns):
        return "notes"
    if "place_id" in columns:
        return "places"
    return None


def read_places(path: str | os.PathLike[str]) -> Any:
    """Read the valid rows of a places file (CSV, GeoJSON, GeoParquet or OSM extract).

    Parameters
    ----------
    path
        The file. Rows that break the format are skipped with a logged warning;
        use ``loopmap import`` to see every reason.

    Returns
    -------
    pandas.DataFrame
        The valid places in :data:`PLACE_COLUMNS`.
    """
    import logging

    import pandas as pd

    from loopmap.readers import read_records

    log = logging.getLogger(__name__)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rec in read_records(path, kind="places"):
        if rec.error is None and rec.data is not None:
            try:
                row = validate_place(rec.data)
            except RowError as exc:
                rec.error = str(exc)
            else:
                if row["place_id"] in seen:
                    rec.error = f"duplicate place_id {row['place_id']!r}"
                else:
                    seen.add(row["place_id"])
                    rows.append(row)
                    continue
        log.warning("%s: %s %d: %s", path, rec.unit, rec.line, rec.error)
    return pd.DataFrame(rows, columns=list(PLACE_COLUMNS))
