"""Topic maps: hotspots, merchants coloured by rank, note heat, a legend and a merchant search.

:func:`build_topic_map` is a pure function from frames to a :class:`folium.Map`; the web
application and the campaign builder both render it.

Safety. folium's ``Popup``/``Tooltip`` paste text into JavaScript template literals and
``GeoJsonPopup``/``GeoJsonTooltip`` into ``innerHTML``, so none of them is used here. All
user-supplied data (merchant and hotspot names, note text) reaches the page once, as JSON in
a ``<script type="application/json">`` block, with ``<``, ``>``, ``&``, U+2028 and U+2029
written as ``\\uXXXX`` escapes, so no text can close the block or start markup. The page's
script builds every popup, tooltip and label with ``textContent``, which never parses HTML;
the only text placed in markup directly (the page title) goes through :func:`html.escape`.

No CDN: :func:`topics.assets.localize_map` points the page at local Leaflet and
Leaflet.markercluster files; the note heat is aggregated to a grid here, in Python, and drawn
as translucent rectangles, so no heat-map plugin is needed.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from topics.assets import localize_map
from topics.tiles import PROVIDERS, TileProvider, display_points, tile_provider

__all__ = [
    "RANK_COLORS",
    "WORDS",
    "build_topic_map",
    "heat_cells",
    "json_for_script",
    "rank_color",
    "shift_cells",
    "to_display",
]

logger = logging.getLogger(__name__)

#: (highest rank in the bucket, colour, legend label); ranks beyond the last bucket are grey.
RANK_COLORS: Final[tuple[tuple[int, str, str], ...]] = (
    (1, "#b10026", "#1"),
    (3, "#e31a1c", "#2-3"),
    (10, "#fd8d3c", "#4-10"),
    (25, "#feb24c", "#11-25"),
)
_OTHER_RANK_COLOR: Final = "#8c8c8c"
_HEAT_COLOR: Final = "#f03b20"
_HOTSPOT_COLOR: Final = "#3949ab"
_EARTH_M_PER_DEG: Final = 111_320.0
_SNIPPET_CHARS: Final = 140
_SNIPPETS_PER_MERCHANT: Final = 3
_PERMANENT_LABELS_MAX: Final = 15

_MERCHANT_COLUMNS: Final = ("merchant_id", "name", "lat", "lon", "n_notes", "rank")


def rank_color(rank: int | None) -> str:
    """The marker colour for a merchant's rank (1 = best)."""
    if rank is None or rank < 1:
        return _OTHER_RANK_COLOR
    for upto, color, _ in RANK_COLORS:
        if rank <= upto:
            return color
    return _OTHER_RANK_COLOR


def json_for_script(obj: Any) -> str:
    """Serialise ``obj`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, so replacing them with ``\\u003c``,
    ``\\u003e`` and ``\\u0026`` keeps the JSON equal while making ``</script>``, ``<!--`` and
    markup impossible; U+2028/U+2029 are escaped for older JavaScript parsers.

    Parameters
    ----------
    obj
        JSON-serialisable data (NaN is not allowed: pass None).

    Returns
    -------
    str
        The JSON text.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def heat_cells(notes: pd.DataFrame, *, cell_m: float = 250.0) -> list[list[float]]:
    """Aggregate note locations to a square grid for the heat layer.

    Parameters
    ----------
    notes
        Frame with ``lat`` and ``lon`` (rows without a location are ignored).
    cell_m
        Cell size in metres (at the notes' mean latitude).

    Returns
    -------
    list of [south, west, north, east, count, opacity]
        One entry per non-empty cell, densest first; opacity grows with the count.
    """
    if notes.empty or not {"lat", "lon"} <= set(notes.columns):
        return []
    pts = notes[["lat", "lon"]].apply(pd.to_numeric, errors="coerce").dropna()
    if pts.empty:
        return []
    dlat = cell_m / _EARTH_M_PER_DEG
    dlon = cell_m / (_EARTH_M_PER_DEG * max(math.cos(math.radians(pts["lat"].mean())), 0.01))
    keys = pd.DataFrame(
        {"i": (pts["lat"] // dlat).astype(int), "j": (pts["lon"] // dlon).astype(int)}
    )
    counts = keys.value_counts().sort_values(ascending=False)
    top = int(counts.iloc[0])
    cells: list[list[float]] = []
    for key, count in counts.items():
        i, j = cast(tuple[int, int], key)
        opacity = 0.12 + 0.58 * math.sqrt(int(count) / top)
        cells.append(
            [
                round(i * dlat, 6),
                round(j * dlon, 6),
                round((i + 1) * dlat, 6),
                round((j + 1) * dlon, 6),
                int(count),
                round(opacity, 3),
            ]
        )
    return cells


def _clean(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA become None, numpy scalars become Python ones."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value


def _snippet(title: Any, text: Any) -> str:
    parts = [str(p).strip() for p in (_clean(title), _clean(text)) if p]
    joined = " · ".join(p for p in parts if p).replace("\n", " ")
    if len(joined) > _SNIPPET_CHARS:
        joined = joined[: _SNIPPET_CHARS - 1].rstrip() + "…"
    return joined


def _snippets_by_merchant(notes: pd.DataFrame) -> dict[str, list[str]]:
    if notes.empty or "merchant_id" not in notes.columns:
        return {}
    frame = notes[notes["merchant_id"].notna()]
    if "confidence" in frame.columns:
        frame = frame.sort_values("confidence", ascending=False, kind="stable")
    out: dict[str, list[str]] = {}
    for row in frame.itertuples(index=False):
        mid = str(row.merchant_id)
        bucket = out.setdefault(mid, [])
        if len(bucket) < _SNIPPETS_PER_MERCHANT:
            text = _snippet(getattr(row, "title", None), getattr(row, "text", None))
            if text:
                bucket.append(text)
    return out


def _rings(geom: BaseGeometry | None) -> list[list[list[float]]]:
    """Polygon exteriors as [[lat, lon], ...] rings (Leaflet's order)."""
    if geom is None or geom.is_empty:
        return []
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for poly in polys:
        exterior = getattr(poly, "exterior", None)
        if exterior is None:
            continue
        rings.append([[round(y, 6), round(x, 6)] for x, y in exterior.coords])
    return rings


def _merchant_records(
    merchants: pd.DataFrame, snippets: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    missing = [c for c in _MERCHANT_COLUMNS if c not in merchants.columns]
    if missing:
        msg = f"merchants lacks columns {missing}; it needs {list(_MERCHANT_COLUMNS)}"
        raise ValueError(msg)
    records = []
    frame = merchants.dropna(subset=["lat", "lon"]).sort_values(["rank", "name"], kind="stable")
    for row in frame.to_dict("records"):
        rank = _clean(row["rank"])
        rank = int(rank) if rank is not None else None
        mid = str(row["merchant_id"])
        records.append(
            {
                "id": mid,
                "name": str(_clean(row["name"]) or mid),
                "lat": round(float(row["lat"]), 6),
                "lon": round(float(row["lon"]), 6),
                "n_notes": int(_clean(row["n_notes"]) or 0),
                "rank": rank,
                "color": rank_color(rank),
                "hotspot": _clean(row.get("hotspot")),
                "why": _clean(row.get("why")),
                "notes": list(snippets.get(mid, [])),
            }
        )
    return records


def _hotspot_records(hotspots: gpd.GeoDataFrame, topic: str) -> list[dict[str, Any]]:
    if hotspots is None or hotspots.empty:
        return []
    frame = hotspots
    if "topic" in frame.columns:
        frame = frame[frame["topic"] == topic]
    records = []
    for name, n_notes, geom in zip(
        frame["name"] if "name" in frame.columns else [""] * len(frame),
        frame["n_notes"] if "n_notes" in frame.columns else [0] * len(frame),
        frame.geometry,
        strict=True,
    ):
        rings = _rings(geom)
        if not rings:
            continue
        records.append(
            {"name": str(_clean(name) or ""), "n_notes": int(_clean(n_notes) or 0), "rings": rings}
        )
    return records


def _bounds(data: Mapping[str, Any]) -> list[list[float]] | None:
    lats: list[float] = []
    lons: list[float] = []
    for m in data["merchants"]:
        lats.append(m["lat"])
        lons.append(m["lon"])
    for h in data["hotspots"]:
        for ring in h["rings"]:
            lats.extend(p[0] for p in ring)
            lons.extend(p[1] for p in ring)
    if not lats:
        for c in data["heat"]:
            lats.extend((c[0], c[2]))
            lons.extend((c[1], c[3]))
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


_STYLE: Final = """
<style>
.lm-rank{background:none;border:none}
.lm-rank span{display:block;width:24px;height:24px;border-radius:12px;border:2px solid #fff;
 box-shadow:0 0 3px rgba(0,0,0,.5);color:#fff;font:bold 11px/24px sans-serif;text-align:center}
.lm-box{background:rgba(255,255,255,.95);padding:6px 8px;border-radius:4px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.4 sans-serif;max-width:240px}
.lm-box h4{margin:0 0 4px;font-size:13px}
.lm-box i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:middle;
 border-radius:6px}
.lm-search input{width:190px;padding:3px;font-size:13px}
.lm-popup ul{margin:4px 0 0;padding-left:16px}
.lm-popup li{margin-bottom:3px}
.lm-label{font:11px sans-serif}
.lm-time input[type=range]{width:200px;display:block}
.lm-time button{margin-top:3px;font-size:12px}
.lm-count{color:#555}
.leaflet-tooltip.lm-district-tip{background:none;border:none;box-shadow:none;padding:0;
 color:#333;font:bold 11px sans-serif;text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}
.leaflet-tooltip.lm-district-tip:before{display:none}
.lm-small .lm-district-tip{display:none}
</style>
"""


class _TopicLayers(MacroElement):
    """Draws hotspots, heat, merchants, a legend, a search box and a time slider.

    Everything starts from one JSON block. With ``data.api`` set (the web app), the heat and
    the merchants are reloaded from the API for the viewport and zoom whenever the map
    moves, the time slider reloads the heat for its window, popups fetch their notes, and
    district outlines are fetched once.
    """

    _template = Template(
        """
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.data_id }}">{{ this.data_json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
loopmapTopicLayers(
  {{ this._parent.get_name() }},
  JSON.parse(document.getElementById("{{ this.data_id }}").textContent),
  {
    heat: {{ this.heat_layer }},
    hotspots: {{ this.hotspot_layer }},
    merchants: {{ this.merchant_layer }},
    districts: {{ this.district_layer }}
  }
);
{% endmacro %}
"""
    )

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        heat_layer: folium.FeatureGroup,
        hotspot_layer: folium.FeatureGroup,
        merchant_layer: folium.FeatureGroup,
        district_layer: folium.FeatureGroup | None = None,
    ) -> None:
        super().__init__()
        self._name = "TopicLayers"
        self.data_id = f"{self.get_name()}_data"
        self.data_json = json_for_script(data)
        self.heat_layer = heat_layer.get_name()
        self.hotspot_layer = hotspot_layer.get_name()
        self.merchant_layer = merchant_layer.get_name()
        self.district_layer = (
            district_layer.get_name() if district_layer is not None else "L.layerGroup()"
        )


def _shift_pairs(provider: TileProvider, pairs: list[list[float]]) -> list[list[float]]:
    """``[lat, lon]`` pairs moved into the provider's datum, rounded to 6 places."""
    if not pairs or provider.datum == "wgs84":
        return pairs
    lon, lat = display_points(provider, [p[1] for p in pairs], [p[0] for p in pairs])
    return [[round(float(y), 6), round(float(x), 6)] for x, y in zip(lon, lat, strict=True)]


def to_display(data: dict[str, Any], provider: TileProvider) -> dict[str, Any]:
    """A map's data block with every coordinate in the provider's datum (in place).

    Parameters
    ----------
    data
        ``merchants`` (``lat``/``lon``), ``hotspots`` (``rings``) and ``heat`` cells
        (``[south, west, north, east, ...]``), all WGS-84.
    provider
        The base map; for GCJ-02 tiles the points are shifted so they sit on its streets.

    Returns
    -------
    dict
        ``data``.
    """
    if provider.datum == "wgs84":
        return data
    moved = _shift_pairs(provider, [[m["lat"], m["lon"]] for m in data["merchants"]])
    for m, (lat, lon) in zip(data["merchants"], moved, strict=True):
        m["lat"], m["lon"] = lat, lon
    for h in data["hotspots"]:
        h["rings"] = [_shift_pairs(provider, ring) for ring in h["rings"]]
    data["heat"] = shift_cells(data["heat"], provider)
    return data


def shift_cells(cells: list[list[float]], provider: TileProvider) -> list[list[float]]:
    """Heat cells ``[south, west, north, east, ...]`` with corners in the provider's datum."""
    if not cells or provider.datum == "wgs84":
        return cells
    corners = _shift_pairs(provider, [[c[0], c[1]] for c in cells] + [[c[2], c[3]] for c in cells])
    n = len(cells)
    return [[*corners[k], *corners[n + k], *cell[4:]] for k, cell in enumerate(cells)]


#: The map's own words (English); pass ``labels`` to :func:`build_topic_map` for others.
#: ``{n}`` and ``{m}`` are filled in.
WORDS: Final[dict[str, str]] = {
    "searchPlaceholder": "Search merchants",
    "noMatch": "no merchant matches",
    "timeTitle": "Note dates",
    "timeFrom": "from",
    "timeTo": "to",
    "timeAll": "all dates",
    "note": "{n} note",
    "notes": "{n} notes",
    "hotspot": "Hotspot: {n}",
    "all": "{n} merchants",
    "some": "{n} of {m} merchants",
    "allInView": "{n} merchants in view",
    "someInView": "{n} of {m} merchants in view",
    "legendRank": "merchant rank {n}",
    "legendOther": "other merchants",
    "legendHotspot": "hotspot",
    "legendHeat": "note heat (darker = more notes)",
    "layerHeat": "Note heat",
    "layerHotspots": "Hotspots",
    "layerMerchants": "Merchants",
    "layerDistricts": "Districts",
}
_DATA_WORDS: Final = ("searchPlaceholder", "noMatch", "timeTitle", "timeFrom", "timeTo", "timeAll")
_SCRIPT_WORDS: Final = ("note", "notes", "hotspot", "all", "some", "allInView", "someInView")


def _layer_name(text: str) -> str:
    """A layer control label: folium writes it into markup and a script, so it is escaped."""
    return html.escape(text)


def _provider(tiles: str | TileProvider | None) -> TileProvider:
    if tiles is None:
        return PROVIDERS["none"]
    if isinstance(tiles, str) and tiles.lower() == "openstreetmap":
        return PROVIDERS["osm"]
    return tile_provider(tiles)


def _add_tiles(m: folium.Map, provider: TileProvider) -> None:
    if provider.url is None:
        return
    if provider.name == "osm":
        folium.TileLayer("OpenStreetMap", control=False).add_to(m)
        return
    folium.TileLayer(
        provider.url,
        attr=html.escape(provider.attribution),
        name=provider.name,
        subdomains=provider.subdomains or "abc",
        max_zoom=provider.max_zoom,
        control=False,
    ).add_to(m)


def build_topic_map(
    topic: str,
    notes: pd.DataFrame,
    merchants: pd.DataFrame,
    hotspots: gpd.GeoDataFrame,
    *,
    taxonomy: Any = None,
    tiles: str | TileProvider | None = "osm",
    asset_prefix: str = "static/",
    title: str | None = None,
    heat_cell_m: float = 250.0,
    api: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    controls: bool = True,
) -> folium.Map:
    """Build a topic map: hotspots, merchants by rank, note heat, layer control, legend, search.

    Parameters
    ----------
    topic
        The topic id; hotspots of other topics (by their ``topic`` column) are left out.
    notes
        The topic's notes: ``lat``, ``lon`` for the heat layer; optional ``merchant_id``,
        ``title``, ``text`` and ``confidence`` give each merchant's popup its top-confidence
        note snippets.
    merchants
        ``merchant_id``, ``name``, ``lat``, ``lon``, ``n_notes``, ``rank`` (1 = best; by note
        count until a loop ranking exists); optional ``hotspot`` and ``why`` are shown too.
    hotspots
        Hotspots with ``name``, ``n_notes`` and hull polygons as geometry (EPSG:4326).
    taxonomy
        A :class:`topics.taxonomy.Taxonomy` for the topic's labels; without it the id is shown.
    tiles
        The base map (the only outside request): a :mod:`topics.tiles` provider or its name
        (``"osm"``, ``"amap"`` in GCJ-02, a URL template), or None for none. For GCJ-02
        tiles every point is shifted to GCJ-02 for display.
    asset_prefix
        Where the page loads Leaflet and Leaflet.markercluster from (see
        :mod:`topics.assets`).
    title
        The legend's and page's title; defaults to the topic's label.
    heat_cell_m
        The heat grid's cell size in metres.
    api
        For a page served with the JSON API: ``merchants``, ``heat``, ``notes`` and
        ``districts`` URLs, ``merchantPage`` (a merchant id is appended), ``pageQuery``,
        ``params`` sent with every request, ``viewLimit``, ``days`` (first and last note
        day, for the time slider) and ``since``/``until``. The map then loads its heat and
        merchants for each viewport and zoom, shows a time slider and district outlines.
        None (the default) draws only what is embedded: a page that opens from disk.
    labels
        The map's own words in another language: any keys of :data:`WORDS`.
    controls
        Whether to draw the search box, the time slider and the legend (False for a small
        map, which keeps only the layer switch).

    Returns
    -------
    folium.Map
        A map whose HTML (``m.get_root().render()``) loads no script or stylesheet from the
        internet and carries user text only as escaped JSON.
    """
    if title is None:
        title = topic
        if taxonomy is not None and topic in taxonomy:
            zh, en = taxonomy.label(topic), taxonomy.label(topic, "en")
            title = zh if zh == en else f"{zh} {en}"
    snippets = _snippets_by_merchant(notes)
    data: dict[str, Any] = {
        "title": str(title),
        "merchants": _merchant_records(merchants, snippets),
        "hotspots": _hotspot_records(hotspots, topic),
        "heat": heat_cells(notes, cell_m=heat_cell_m),
        "heatColor": _HEAT_COLOR,
        "hotspotColor": _HOTSPOT_COLOR,
        "districtLabelZoom": 9,
        "controls": controls,
        "api": dict(api) if api is not None else None,
    }
    data.update({k: v for k, v in {**WORDS, **(labels or {})}.items() if k in _DATA_WORDS})
    provider = _provider(tiles)
    data["maxZoom"] = provider.max_zoom
    to_display(data, provider)
    data["permanentLabels"] = len(data["hotspots"]) <= _PERMANENT_LABELS_MAX
    words = {**WORDS, **(labels or {})}
    data["words"] = {k: words[k] for k in _SCRIPT_WORDS}
    data["legend"] = [
        *(
            [color, words["legendRank"].replace("{n}", label), False]
            for _, color, label in RANK_COLORS
        ),
        [_OTHER_RANK_COLOR, words["legendOther"], False],
        [_HOTSPOT_COLOR, words["legendHotspot"], True],
        [_HEAT_COLOR, words["legendHeat"], True],
    ]

    m = folium.Map(location=[0, 0], zoom_start=2, tiles=None, control_scale=True)
    _add_tiles(m, provider)
    localize_map(m, asset_prefix=asset_prefix)
    root = cast(Figure, m.get_root())  # a Map's root is its Figure
    root.header.add_child(Element(f"<title>{html.escape(str(title))}</title>"), name="lm_title")
    root.header.add_child(Element(_STYLE), name="lm_style")

    heat_layer = folium.FeatureGroup(name=_layer_name(words["layerHeat"]), show=True)
    heat_layer.add_to(m)
    hotspot_layer = folium.FeatureGroup(name=_layer_name(words["layerHotspots"]))
    hotspot_layer.add_to(m)
    merchant_layer = folium.FeatureGroup(name=_layer_name(words["layerMerchants"]))
    merchant_layer.add_to(m)
    district_layer: folium.FeatureGroup | None = None
    if api is not None:
        district_layer = folium.FeatureGroup(name=_layer_name(words["layerDistricts"]))
        district_layer.add_to(m)
    m.add_child(
        _TopicLayers(
            data,
            heat_layer=heat_layer,
            hotspot_layer=hotspot_layer,
            merchant_layer=merchant_layer,
            district_layer=district_layer,
        )
    )
    folium.LayerControl(collapsed=False).add_to(m)
    bounds = _bounds(data)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(20, 20), max_zoom=17)
    logger.debug(
        "topic map %s: %d merchants, %d hotspots, %d heat cells",
        topic,
        len(data["merchants"]),
        len(data["hotspots"]),
        len(data["heat"]),
    )
    return m
