"""What a map keeps: notes and merchants near a point, notes created in a time window.

:class:`MapFilter` is parsed from a page's or the API's query (:func:`web.params.map_filter`)
and applied in SQL (:meth:`MapFilter.sql`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import pandas as pd

__all__ = ["MapFilter"]

_KM_PER_DEG: Final = 111.195


@dataclass(frozen=True, slots=True)
class MapFilter:
    """What a topic map keeps: merchants and notes near a point, notes created in a window.

    Attributes
    ----------
    near
        ``(lat, lon)`` of the centre (None: anywhere).
    radius_km
        The radius around ``near`` in km (set together with ``near``).
    since
        The first moment notes may be created at, timezone-aware (None: open).
    until
        The moment notes must be created before, timezone-aware (None: open).
    """

    near: tuple[float, float] | None = None
    radius_km: float | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def spatial(self) -> bool:
        """Whether a distance filter is set."""
        return self.near is not None and self.radius_km is not None

    @property
    def timed(self) -> bool:
        """Whether a creation window is set."""
        return self.since is not None or self.until is not None

    def sql(
        self, lat: str = "g.lat", lon: str = "g.lon", created: str | None = "n.created_at"
    ) -> tuple[list[str], list[Any]]:
        """The filters as SQL conditions on the given columns, with their parameters.

        The distance is equirectangular around the centre (within 0.5% of the great-circle
        distance for radii up to a few hundred km); creation times are the workspace's UTC
        ISO-8601 text, compared as text against the window's bounds.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if self.spatial and self.near is not None and self.radius_km is not None:
            lat0, lon0 = self.near
            kx = _KM_PER_DEG * math.cos(math.radians(lat0))
            clauses.append(
                f"(({lat} - ?) * {_KM_PER_DEG}) * (({lat} - ?) * {_KM_PER_DEG}) "
                f"+ (({lon} - ?) * ?) * (({lon} - ?) * ?) <= ?"
            )
            params += [lat0, lat0, lon0, kx, lon0, kx, self.radius_km**2]
        if created is not None and self.since is not None:
            clauses.append(f"{created} >= ?")
            params.append(_utc_text(self.since))
        if created is not None and self.until is not None:
            clauses.append(f"{created} < ?")
            params.append(_utc_text(self.until))
        return clauses, params


def _utc_text(moment: datetime) -> str:
    """A moment as the workspace writes creation times, without the ``Z``.

    Every stored time that starts with this text is at or after it, so ``>=`` and ``<``
    on text are ``>=`` and ``<`` on time.
    """
    return pd.Timestamp(moment).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")
