"""Base-map tile providers: where tiles come from and which datum their map is drawn in.

Map tiles are the one outside request a loopmap page makes, so the provider is a setting.
OpenStreetMap (WGS-84) is the default; in mainland China AutoNavi's tiles (高德, drawn in
GCJ-02) load where OpenStreetMap's may not, and every point a page draws on them is shifted
to GCJ-02 (:func:`display_points`) so cafes sit on their streets. ``none`` draws no base map:
district outlines, hotspots and the heat still give orientation.

A provider is named (:data:`PROVIDERS`) or given as a URL template
(``https://tiles.example.com/{z}/{x}/{y}.png``), optionally followed by ``|gcj02`` when that
server draws in GCJ-02.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

__all__ = [
    "DEFAULT_TILES",
    "PROVIDERS",
    "TileProvider",
    "display_geometry",
    "display_points",
    "from_display",
    "tile_provider",
]

Datum = Literal["wgs84", "gcj02"]


@dataclass(frozen=True, slots=True)
class TileProvider:
    """One base map.

    Attributes
    ----------
    name
        A short id (``osm``, ``amap``, ``none`` or ``custom``).
    url
        Leaflet's URL template (``{s}``, ``{z}``, ``{x}``, ``{y}``), or None for no tiles.
    attribution
        The credit line the map shows (plain text).
    datum
        ``"wgs84"`` or ``"gcj02"``: the datum the tiles are drawn in.
    subdomains
        The values of ``{s}``.
    max_zoom
        The deepest zoom the server has.
    """

    name: str
    url: str | None
    attribution: str
    datum: Datum = "wgs84"
    subdomains: str = "abc"
    max_zoom: int = 19

    @property
    def hosts(self) -> tuple[str, ...]:
        """The origins tiles load from, as a Content-Security-Policy lists them."""
        if self.url is None:
            return ()
        parts = urlsplit(self.url)
        host = parts.netloc
        if "{s}" in host:
            return tuple(f"{parts.scheme}://{host.replace('{s}', s)}" for s in self.subdomains)
        return (f"{parts.scheme}://{host}",)


#: The named providers.
PROVIDERS: Final[dict[str, TileProvider]] = {
    "osm": TileProvider(
        name="osm",
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attribution="© OpenStreetMap contributors",
        subdomains="",
    ),
    "amap": TileProvider(
        name="amap",
        url=(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
            "&style=8&x={x}&y={y}&z={z}"
        ),
        attribution="© AutoNavi 高德地图",
        datum="gcj02",
        subdomains="1234",
        max_zoom=18,
    ),
    "none": TileProvider(name="none", url=None, attribution=""),
}
#: The provider used when none is configured.
DEFAULT_TILES: Final = "osm"


def tile_provider(spec: str | TileProvider | None) -> TileProvider:
    """The provider a setting names.

    Parameters
    ----------
    spec
        A name from :data:`PROVIDERS`, an ``https://`` URL template with ``{z}``, ``{x}`` and
        ``{y}`` (append ``|gcj02`` for a GCJ-02 server), a :class:`TileProvider`, or None for
        the default.

    Returns
    -------
    TileProvider

    Raises
    ------
    ValueError
        When the setting is neither a known name nor a usable URL template.
    """
    if isinstance(spec, TileProvider):
        return spec
    if spec is None or not spec.strip():
        return PROVIDERS[DEFAULT_TILES]
    text = spec.strip()
    if text.lower() in PROVIDERS:
        return PROVIDERS[text.lower()]
    url, _, datum = text.partition("|")
    datum = datum.strip().lower() or "wgs84"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        known = ", ".join(PROVIDERS)
        msg = f"tiles {spec!r} is neither a provider ({known}) nor an http(s) URL template"
        raise ValueError(msg)
    missing = [k for k in ("{z}", "{x}", "{y}") if k not in url]
    if missing:
        msg = f"tiles URL {url!r} lacks {', '.join(missing)}"
        raise ValueError(msg)
    if any(c in url for c in "\"'<> "):
        msg = f"tiles URL {url!r} holds a quote, space or angle bracket"
        raise ValueError(msg)
    if datum not in ("wgs84", "gcj02"):
        msg = f"tiles datum {datum!r} is not wgs84 or gcj02"
        raise ValueError(msg)
    return TileProvider(
        name="custom",
        url=url,
        attribution=parts.netloc,
        datum="gcj02" if datum == "gcj02" else "wgs84",
        subdomains="abc" if "{s}" in url else "",
    )


def display_points(
    provider: TileProvider, lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS-84 points as the provider's tiles draw them (GCJ-02 in China for GCJ-02 tiles).

    Parameters
    ----------
    provider
        The base map.
    lon, lat
        WGS-84 longitudes and latitudes.

    Returns
    -------
    (lon, lat)
        Arrays in the provider's datum (unchanged for WGS-84 tiles and outside China).
    """
    return _convert(provider, lon, lat, wgs84_to_gcj02)


def display_geometry(provider: TileProvider, geometry: BaseGeometry) -> BaseGeometry:
    """A WGS-84 geometry as the provider's tiles draw it (see :func:`display_points`).

    Parameters
    ----------
    provider
        The base map.
    geometry
        Any shapely geometry in WGS-84.

    Returns
    -------
    shapely geometry
        The same geometry, its every vertex moved into the provider's datum.
    """
    if provider.datum == "wgs84":
        return geometry

    def move(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = display_points(provider, coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def from_display(
    provider: TileProvider, lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points read off the provider's map (a viewport corner) back in WGS-84.

    Parameters
    ----------
    provider
        The base map.
    lon, lat
        Longitudes and latitudes in the provider's datum.

    Returns
    -------
    (lon, lat)
        WGS-84 arrays.
    """
    return _convert(provider, lon, lat, gcj02_to_wgs84)


def _convert(
    provider: TileProvider, lon: ArrayLike, lat: ArrayLike, convert: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if provider.datum != "gcj02" or x.size == 0:
        return x, y
    cx, cy = convert(x, y)
    return np.asarray(cx, dtype=float), np.asarray(cy, dtype=float)
