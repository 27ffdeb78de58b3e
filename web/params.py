"""Query parameters shared by the pages and the API, each checked with a reason to show.

Every parser takes the raw value (None when absent) and returns the parsed one or raises
:class:`ParamError`; the app answers that with 400 and the reason, as HTML on pages and as
``{"error": reason}`` under ``/api``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Final

from web.filters import MapFilter

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_RADIUS_KM",
    "MAX_ZOOM",
    "ParamError",
    "bbox",
    "day",
    "limit",
    "map_filter",
    "near",
    "radius",
    "zoom",
]

DEFAULT_LIMIT: Final = 500
MAX_LIMIT: Final = 5000
#: The largest radius a map accepts, in km (half the Earth's circumference).
MAX_RADIUS_KM: Final = 20_038.0
MAX_ZOOM: Final = 22
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class ParamError(ValueError):
    """A query parameter the app refuses; the message says which and why."""


def bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``W,S,E,N`` in degrees, or None when absent."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        msg = f"bbox {value!r} is not W,S,E,N (four numbers, e.g. 121.4,31.1,121.5,31.3)"
        raise ParamError(msg)
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        msg = f"bbox {value!r} is not W,S,E,N numbers (e.g. 121.4,31.1,121.5,31.3)"
        raise ParamError(msg) from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        msg = f"bbox {value!r} holds a non-finite number"
        raise ParamError(msg)
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        msg = f"bbox {value!r} is out of range: longitudes -180..180, latitudes -90..90"
        raise ParamError(msg)
    if w > e or s > n:
        msg = f"bbox {value!r} has west > east or south > north"
        raise ParamError(msg)
    return w, s, e, n


def limit(value: str | None, *, default: int = DEFAULT_LIMIT) -> int:
    """A row limit in ``1..MAX_LIMIT`` (``default`` when absent)."""
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        msg = f"limit {value!r} is not a whole number"
        raise ParamError(msg) from None
    if not 1 <= n <= MAX_LIMIT:
        msg = f"limit {n} is out of range 1..{MAX_LIMIT}"
        raise ParamError(msg)
    return n


def zoom(value: str | None, *, default: int = 12) -> int:
    """A map zoom level in ``0..MAX_ZOOM`` (``default`` when absent)."""
    if value is None or value == "":
        return default
    try:
        z = int(float(value))
    except ValueError:
        msg = f"zoom {value!r} is not a number"
        raise ParamError(msg) from None
    if not 0 <= z <= MAX_ZOOM:
        msg = f"zoom {z} is out of range 0..{MAX_ZOOM}"
        raise ParamError(msg)
    return z


def near(value: str | None) -> tuple[float, float] | None:
    """``LAT,LON`` of a centre, or None when absent."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        msg = f"near {value!r} is not LAT,LON (for example 30.2480,120.1580)"
        raise ParamError(msg) from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        msg = f"near {value!r} is out of range: latitude -90..90, longitude -180..180"
        raise ParamError(msg)
    return lat, lon


def radius(value: str | None) -> float | None:
    """A radius in km, above 0 and at most :data:`MAX_RADIUS_KM`, or None when absent."""
    if value is None or value == "":
        return None
    try:
        r = float(value)
    except ValueError:
        msg = f"radius_km {value!r} is not a number"
        raise ParamError(msg) from None
    if not (math.isfinite(r) and 0 < r <= MAX_RADIUS_KM):
        msg = f"radius_km {value!r} is out of range: above 0, at most {MAX_RADIUS_KM:g}"
        raise ParamError(msg)
    return r


def day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` date, or None when absent."""
    if value is None or value == "":
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        msg = f"{name} {value!r} is not a date (YYYY-MM-DD)"
        raise ParamError(msg) from None


def map_filter(args: Mapping[str, str]) -> MapFilter:
    """A map's filters from its query: ``near`` + ``radius_km``, ``since``/``until``.

    Parameters
    ----------
    args
        The query parameters.

    Returns
    -------
    MapFilter
        Dates are whole days in UTC; ``until`` includes its day.
    """
    centre = near(args.get("near"))
    km = radius(args.get("radius_km"))
    if (centre is None) != (km is None):
        msg = "near and radius_km go together: give both or neither"
        raise ParamError(msg)
    since = day(args.get("since"), "since")
    until = day(args.get("until"), "until")
    if since is not None and until is not None and since > until:
        msg = f"since {since.isoformat()} is after until {until.isoformat()}"
        raise ParamError(msg)

    def moment(d: date | None, *, end: bool) -> datetime | None:
        if d is None:
            return None
        start = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start

    return MapFilter(
        near=centre,
        radius_km=km,
        since=moment(since, end=False),
        until=moment(until, end=True),
    )
