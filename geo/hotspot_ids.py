"""Stable hotspot ids: matching a build's clusters with the previous build's hotspots.

A new cluster keeps the id of the previous build's hotspot of its topic that it overlaps:
hull IoU or member Jaccard at least :data:`MATCH_THRESHOLD`, best match first, one to one.
Any other cluster gets ``"{topic}-{geohash}"``, the geohash being its centre's cell at
:data:`CELL_PRECISION` characters (about 0.6 km north-south by 1.0 km east-west in
Shanghai), with ``-2``, ``-3``... when that id is taken. So ids depend neither on row order
nor on cluster numbering, and survive small changes in the data. Used by
:func:`geo.hotspots.hotspots_from_points`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely

from geo._hotspot import _Cluster

__all__ = ["CELL_PRECISION", "MATCH_THRESHOLD"]

#: Hull IoU or member Jaccard at which a new cluster inherits a previous hotspot's id.
MATCH_THRESHOLD: Final = 0.3
#: Geohash characters in a new hotspot id (6: cells of 0.61 km by 1.22 km x cos(latitude)).
CELL_PRECISION: Final = 6

_GEOHASH_ALPHABET: Final = "0123456789bcdefghjkmnpqrstuvwxyz"


def _geohash(lon: float, lat: float, precision: int) -> str:
    """The standard geohash of a point (base 32, longitude bit first)."""
    lo = [-180.0, -90.0]
    hi = [180.0, 90.0]
    value = [lon, lat]
    chars: list[str] = []
    bits, n_bits, axis = 0, 0, 0
    while len(chars) < precision:
        mid = (lo[axis] + hi[axis]) / 2
        if value[axis] >= mid:
            bits, lo[axis] = bits * 2 + 1, mid
        else:
            bits, hi[axis] = bits * 2, mid
        axis, n_bits = 1 - axis, n_bits + 1
        if n_bits == 5:
            chars.append(_GEOHASH_ALPHABET[bits])
            bits = n_bits = 0
    return "".join(chars)


def _members_of(value: Any) -> set[str]:
    """A previous hotspot's members: a list-like, or a JSON list as text."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return set()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return set()
    if isinstance(value, Iterable):
        return {str(v) for v in value}
    return set()


def _match_previous(clusters: Sequence[_Cluster], previous: gpd.GeoDataFrame) -> dict[int, str]:
    """Index of each new cluster -> the id of the previous hotspot it continues."""
    if not len(clusters) or not len(previous):
        return {}
    scores: dict[tuple[int, int], float] = defaultdict(float)
    prev_geoms = np.asarray(previous.geometry.values, dtype=object)
    has_geom = np.array([g is not None and not g.is_empty for g in prev_geoms], dtype=bool)
    if has_geom.any():
        geom_rows = np.flatnonzero(has_geom)
        fixed = shapely.make_valid(prev_geoms[geom_rows])
        tree = shapely.STRtree(fixed)
        new_i, hit = tree.query([c.hull for c in clusters], predicate="intersects")
        for i, k in zip(new_i.tolist(), hit.tolist(), strict=True):
            # IoU does not change under affine maps, and at a hotspot's scale degrees are an
            # affine image of metres, so it is computed in degrees directly.
            inter = shapely.intersection(clusters[i].hull, fixed[k]).area
            union = shapely.union(clusters[i].hull, fixed[k]).area
            if union > 0:
                j = int(geom_rows[k])
                scores[i, j] = max(scores[i, j], inter / union)
    if "members" in previous.columns:
        prev_members = [_members_of(v) for v in previous["members"].tolist()]
        owners: dict[str, list[int]] = defaultdict(list)
        for j, ms in enumerate(prev_members):
            for m in ms:
                owners[m].append(j)
        for i, c in enumerate(clusters):
            shared = Counter(j for m in c.members for j in owners.get(m, ()))
            for j, n in shared.items():
                jaccard = n / (len(c.members) + len(prev_members[j]) - n)
                scores[i, j] = max(scores[i, j], jaccard)
    prev_ids = previous["hotspot_id"].astype(str).tolist()
    ranked = sorted(
        ((s, i, j) for (i, j), s in scores.items() if s >= MATCH_THRESHOLD),
        key=lambda t: (-t[0], clusters[t[1]].sort_key, prev_ids[t[2]]),
    )
    taken_new: set[int] = set()
    taken_prev: set[int] = set()
    matched: dict[int, str] = {}
    for _, i, j in ranked:
        if i not in taken_new and j not in taken_prev:
            taken_new.add(i)
            taken_prev.add(j)
            matched[i] = prev_ids[j]
    return matched


def _assign_ids(
    clusters: Sequence[_Cluster], previous: gpd.GeoDataFrame | None, used: set[str]
) -> None:
    """Give each cluster of one topic its id; ``used`` holds every id already taken."""
    matched = _match_previous(clusters, previous) if previous is not None else {}
    for i, hotspot_id in matched.items():
        clusters[i].hotspot_id = hotspot_id
    used.update(matched.values())
    fresh = sorted((c for c in clusters if not c.hotspot_id), key=lambda c: c.sort_key)
    for c in fresh:
        slug = re.sub(r"\s+", "_", c.topic.strip())
        base = f"{slug}-{_geohash(c.lon, c.lat, CELL_PRECISION)}"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        c.hotspot_id = candidate
        used.add(candidate)
