"""Local copies of the scripts and stylesheets a topic map needs: no CDN anywhere.

Map pages must work with no internet access (SPEC.md): map tiles are the only outside
request. loopmap's own map script (``topics/static/topic_layers.js``) ships in the package;
Leaflet and Leaflet.markercluster come from the installed ``xstatic-leaflet`` and
``xstatic-leaflet-markercluster`` packages (their ``BASE_DIR``); :func:`map_assets` lists the
files, :func:`copy_map_assets` copies them into a folder (a campaign's ``static/``), and
:func:`localize_map` points a :class:`folium.Map` at them instead of folium's CDN defaults.

folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) are only needed by
features the topic maps do not use (``folium.Icon``, ``folium.Popup`` styling), so they are
dropped rather than shipped.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import folium

__all__ = [
    "AssetError",
    "MapAsset",
    "asset_url",
    "copy_map_assets",
    "localize_map",
    "map_assets",
]

logger = logging.getLogger(__name__)


class AssetError(RuntimeError):
    """A static asset package is missing; the message names the package to install."""


@dataclass(frozen=True, slots=True)
class MapAsset:
    """One file a map page loads or references.

    Attributes
    ----------
    name
        The file's path relative to the static folder (``leaflet.js``, ``images/layers.png``).
    source
        The installed file to copy from.
    kind
        ``"js"``, ``"css"`` or ``"file"`` (an image referenced by a stylesheet).
    """

    name: str
    source: Path
    kind: str


#: (xstatic module, distribution to install, [(file in BASE_DIR, name in static/, kind)]).
_PACKAGES: Final[tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...]] = (
    (
        "xstatic.pkg.leaflet",
        "xstatic-leaflet",
        (
            ("leaflet.js", "leaflet.js", "js"),
            ("leaflet.css", "leaflet.css", "css"),
            ("images/layers.png", "images/layers.png", "file"),
            ("images/layers-2x.png", "images/layers-2x.png", "file"),
            ("images/marker-icon.png", "images/marker-icon.png", "file"),
            ("images/marker-icon-2x.png", "images/marker-icon-2x.png", "file"),
            ("images/marker-shadow.png", "images/marker-shadow.png", "file"),
        ),
    ),
    (
        "xstatic.pkg.leaflet_markercluster",
        "xstatic-leaflet-markercluster",
        (
            ("leaflet.markercluster.js", "leaflet.markercluster.js", "js"),
            ("MarkerCluster.css", "MarkerCluster.css", "css"),
            ("MarkerCluster.Default.css", "MarkerCluster.Default.css", "css"),
        ),
    ),
)


#: loopmap's own scripts (in ``topics/static``), loaded after Leaflet and its plugins.
_OWN: Final = ("topic_layers.js",)
_OWN_DIR: Final = Path(__file__).resolve().parent / "static"


def map_assets() -> list[MapAsset]:
    """List the local files a topic map needs, in load order.

    Returns
    -------
    list of MapAsset
        Scripts, stylesheets and the images the stylesheets reference.

    Raises
    ------
    AssetError
        When an xstatic package is not installed or lacks a file.
    """
    assets: list[MapAsset] = []
    for module_name, dist, files in _PACKAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            msg = f"{module_name} is not installed; install it with: pip install {dist}"
            raise AssetError(msg) from exc
        base = Path(module.BASE_DIR)
        for rel, name, kind in files:
            source = base / rel
            if not source.is_file():
                msg = f"{source} is missing from {dist}; reinstall it: pip install -I {dist}"
                raise AssetError(msg)
            assets.append(MapAsset(name=name, source=source, kind=kind))
    for name in _OWN:
        source = _OWN_DIR / name
        if not source.is_file():  # pragma: no cover - a broken install
            msg = f"{source} is missing: reinstall loopmap"
            raise AssetError(msg)
        assets.append(MapAsset(name=name, source=source, kind="js"))
    return assets


def asset_url(prefix: str, name: str) -> str:
    """Join a URL prefix (``static/``, ``/static/maps/``) and an asset name."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return f"{prefix}{name}"


def copy_map_assets(dest: str | os.PathLike[str]) -> list[Path]:
    """Copy every file of :func:`map_assets` into ``dest`` (created when missing).

    Parameters
    ----------
    dest
        The static folder; sub-folders such as ``images/`` are created as needed.

    Returns
    -------
    list of Path
        The files written.
    """
    root = Path(dest)
    written: list[Path] = []
    for asset in map_assets():
        target = root / asset.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset.source, target)
        written.append(target)
    logger.debug("copied %d map assets into %s", len(written), root)
    return written


def _versioned(prefix: str, asset: MapAsset) -> str:
    """The URL of an asset; loopmap's own scripts carry their content hash (cache busting)."""
    url = asset_url(prefix, asset.name)
    if asset.source.parent != _OWN_DIR:
        return url
    return f"{url}?v={_digest(asset.source)}"


@lru_cache(maxsize=8)
def _digest(path: Path) -> str:
    """A file's short content hash, read once per process (every page render asks)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def localize_map(m: folium.Map, *, asset_prefix: str = "static/") -> folium.Map:
    """Point a map's scripts and stylesheets at local copies; drop folium's unused CDN ones.

    Only this map instance changes (instance attributes shadow folium's class defaults).

    Parameters
    ----------
    m
        The map, changed in place and returned.
    asset_prefix
        Where the page finds the files of :func:`map_assets` (``static/`` for a folder
        opened from disk, ``/static/maps/`` under a web app).

    Returns
    -------
    folium.Map
        ``m``.
    """
    assets = map_assets()
    m.default_js = [(a.name, _versioned(asset_prefix, a)) for a in assets if a.kind == "js"]
    m.default_css = [(a.name, asset_url(asset_prefix, a.name)) for a in assets if a.kind == "css"]
    return m
