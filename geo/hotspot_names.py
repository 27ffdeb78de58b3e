"""Hotspot names: the road, neighbourhood or district people would call a hotspot by.

A hotspot is named after the road, neighbourhood or landmark most of its members resolved
to (a merchant's parent is usually its road), else the nearest such place within
:data:`NAME_RADIUS_M` of its centre, else the district its members resolved to or the
nearest one within :data:`DISTRICT_RADIUS_M`, else its city, else its coordinates, as
``"永康路 · coffee"``. Hotspots of one topic that would share a name are told apart by their
second place (``"永康路 / 嘉善路 · coffee"``) or a number (``"永康路 (2) · coffee"``), the
largest keeping the plain name. Used by :func:`geo.hotspots.hotspots_from_points`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo._hotspot import _Cluster
from geo.cluster import EARTH_RADIUS_M

__all__ = ["DISTRICT_RADIUS_M", "NAME_RADIUS_M"]

#: How far from a hotspot's centre a road, neighbourhood or landmark may lend it its name.
NAME_RADIUS_M: Final = 500.0
#: How far from a hotspot's centre a district may lend it its name.
DISTRICT_RADIUS_M: Final = 15_000.0

_NAMING_KINDS: Final = frozenset({"road", "neighborhood", "landmark"})
_KIND_RANK: Final = {"road": 0, "neighborhood": 1, "landmark": 2}
_MAX_PARENT_DEPTH: Final = 64

FloatArray = NDArray[np.float64]


# --- the gazetteer, as far as naming needs it -------------------------------------------------


@dataclass
class _Gazetteer:
    """Names, kinds, parents and positions of the places, for naming hotspots."""

    name: dict[str, str]
    kind: dict[str, str]
    parent: dict[str, str]
    city: dict[str, str]
    lonlat: dict[str, tuple[float, float]]
    naming_ids: list[str]
    naming_lonlat: FloatArray
    district_ids: list[str]
    district_lonlat: FloatArray
    _chains: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def from_places(cls, places: pd.DataFrame) -> _Gazetteer:
        missing = [c for c in ("place_id", "name", "kind") if c not in places.columns]
        if missing:
            msg = f"places lacks column(s) {missing}; give SPEC.md's places columns"
            raise ValueError(msg)
        frame = pd.DataFrame({"place_id": _clean_str(places["place_id"])})
        for col in ("name", "kind", "parent_id", "city"):
            frame[col] = _clean_str(places[col]) if col in places.columns else ""
        for col in ("lat", "lon"):
            values = places[col] if col in places.columns else np.nan
            frame[col] = pd.to_numeric(pd.Series(values, index=places.index), errors="coerce")
        frame = frame[frame["place_id"] != ""].drop_duplicates("place_id", keep="last")
        located = frame[frame["lat"].notna() & frame["lon"].notna()]
        lonlat = dict(
            zip(located["place_id"], zip(located["lon"], located["lat"], strict=True), strict=True)
        )

        def positions(kinds: Iterable[str]) -> tuple[list[str], FloatArray]:
            part = located[located["kind"].isin(list(kinds))].sort_values("place_id")
            return list(part["place_id"]), part[["lon", "lat"]].to_numpy(np.float64)

        naming_ids, naming_lonlat = positions(_NAMING_KINDS)
        district_ids, district_lonlat = positions(["district"])
        return cls(
            name=dict(zip(frame["place_id"], frame["name"], strict=True)),
            kind=dict(zip(frame["place_id"], frame["kind"], strict=True)),
            parent=dict(zip(frame["place_id"], frame["parent_id"], strict=True)),
            city=dict(zip(frame["place_id"], frame["city"], strict=True)),
            lonlat=lonlat,
            naming_ids=naming_ids,
            naming_lonlat=naming_lonlat,
            district_ids=district_ids,
            district_lonlat=district_lonlat,
        )

    def chain(self, place_id: str) -> tuple[str, str, str]:
        """The nearest road/neighbourhood/landmark, district and city up ``place_id``'s chain.

        The place itself counts; a place missing from the gazetteer (or ``""``) gives
        ``("", "", "")``; a cycle in parent_id ends the walk.
        """
        if place_id in self._chains:
            return self._chains[place_id]
        naming = district = city = ""
        seen: set[str] = set()
        current = place_id
        while current and current in self.kind and current not in seen:
            if len(seen) >= _MAX_PARENT_DEPTH:
                break
            seen.add(current)
            kind = self.kind[current]
            if not naming and kind in _NAMING_KINDS:
                naming = current
            elif not district and kind == "district":
                district = current
            if not city:
                city = self.city[current] or (self.name[current] if kind == "city" else "")
            current = self.parent[current]
        self._chains[place_id] = (naming, district, city)
        return naming, district, city

    def nearest(
        self, lon: float, lat: float, *, districts: bool, radius_m: float, exclude: str = ""
    ) -> list[str]:
        """Places (naming kinds, or districts) within ``radius_m`` of a point, nearest first."""
        ids, lonlat = (
            (self.district_ids, self.district_lonlat)
            if districts
            else (self.naming_ids, self.naming_lonlat)
        )
        if not ids:
            return []
        dist = _haversine_m(lon, lat, lonlat[:, 0], lonlat[:, 1])
        order = np.lexsort((np.arange(len(ids)), dist))
        return [ids[i] for i in order if dist[i] <= radius_m and ids[i] != exclude]


def _clean_str(values: pd.Series) -> pd.Series:
    """Strings with missing values as ``""``."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _haversine_m(lon: float, lat: float, lons: FloatArray, lats: FloatArray) -> FloatArray:
    lam1, phi1 = np.radians(lon), np.radians(lat)
    lam2, phi2 = np.radians(lons), np.radians(lats)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --- one cluster's candidates -----------------------------------------------------------------


def _name_candidates(
    resolved: Sequence[tuple[str, str, str]], lon: float, lat: float, gazetteer: _Gazetteer
) -> tuple[list[str], str, str]:
    """What may name one cluster, and its city.

    Parameters
    ----------
    resolved
        The (naming place, district, city) chain of each member that resolved to a place.
    lon, lat
        The cluster's centre.
    gazetteer
        The places.

    Returns
    -------
    tuple
        The candidate place_ids, best first (the places most members resolved to, then
        those near the centre, up to two; else one district); the fallback name (``""``,
        or the city or the centre's coordinates when no place qualifies); and the city
        (``""`` when unknown).
    """
    votes = Counter(naming for naming, _, _ in resolved if naming)
    cities = Counter(city for _, _, city in resolved if city)

    def distance(place_id: str) -> float:
        plon, plat = gazetteer.lonlat.get(place_id, (math.nan, math.nan))
        d = float(_haversine_m(lon, lat, np.array([plon]), np.array([plat]))[0])
        return d if math.isfinite(d) else math.inf

    places = sorted(
        votes,
        key=lambda p: (-votes[p], distance(p), _KIND_RANK.get(gazetteer.kind[p], 9), p),
    )
    for near in gazetteer.nearest(lon, lat, districts=False, radius_m=NAME_RADIUS_M):
        if len(places) >= 2:
            break
        if near not in places:
            places.append(near)
    fallback = ""
    if not places:
        districts = Counter(district for _, district, _ in resolved if district)
        ranked = sorted(districts, key=lambda p: (-districts[p], p)) or gazetteer.nearest(
            lon, lat, districts=True, radius_m=DISTRICT_RADIUS_M
        )
        if ranked:
            places = ranked[:1]
        elif cities:
            fallback = min(cities, key=lambda c: (-cities[c], c))
        else:
            fallback = f"{lat:.4f}, {lon:.4f}"
    if cities:
        city = min(cities, key=lambda c: (-cities[c], c))
    else:
        city = gazetteer.chain(places[0])[2] if places else ""
    return places, fallback, city


# --- names ------------------------------------------------------------------------------------


def _assign_names(clusters: Sequence[_Cluster], gazetteer: _Gazetteer) -> None:
    """Name the clusters of one topic, telling apart those that would share a name."""

    def place_name(place_id: str) -> str:
        return gazetteer.name.get(place_id) or place_id

    def base(c: _Cluster) -> str:
        return place_name(c.places[0]) if c.places else c.fallback

    groups: dict[str, list[_Cluster]] = defaultdict(list)
    for c in clusters:
        groups[base(c)].append(c)
    used = {f"{label} · {group[0].topic}" for label, group in groups.items()}
    for label, group in sorted(groups.items()):
        group.sort(key=lambda c: (-len(c.members), c.hotspot_id))
        group[0].name = f"{label} · {group[0].topic}"
        for c in group[1:]:
            name = ""
            if len(c.places) >= 2:
                name = f"{label} / {place_name(c.places[1])} · {c.topic}"
            n = 1
            while not name or name in used:
                n += 1
                name = f"{label} ({n}) · {c.topic}"
            c.name = name
            used.add(name)
