"""One hotspot while a build assembles it.

:mod:`geo.hotspots` fills in a :class:`_Cluster` per DBSCAN cluster (members, counts, centre,
hull and naming candidates); :mod:`geo.hotspot_ids` then sets its ``hotspot_id`` and
:mod:`geo.hotspot_names` its ``name``, before it becomes a row of the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

__all__: list[str] = []


@dataclass
class _Cluster:
    """One cluster of one topic: what it holds, where it is, and what may name it."""

    topic: str
    members: list[str]
    n_notes: int
    n_merchants: int
    lon: float
    lat: float
    hull: shapely.Polygon
    city: str
    places: list[str]  # naming candidates, best first
    fallback: str  # "" or the name to use when no place qualifies
    sort_key: str  # fine geohash of the centre: a stable order between clusters
    hotspot_id: str = ""
    name: str = ""
