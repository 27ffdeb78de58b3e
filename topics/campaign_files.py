"""Campaign files: write a chosen topic campaign into its output folder.

:func:`write_campaign_folder` takes the campaign :mod:`topics.campaign` chose and writes:

- ``index.html`` — the campaign map (:func:`topics.maps.build_topic_map`), opening from disk
  with no network: Leaflet is copied into ``static/`` beside it;
- ``merchants.csv`` — the shortlist (:data:`MERCHANT_COLUMNS`);
- ``campaign.json`` — criteria, merchants with scores, hotspots, representative notes;
- ``brief.md`` — the pitch, hotspots, merchants, a walking route and the expected reach;
- ``lift.csv`` — when the campaign was measured: each merchant's window against the one
  before (:data:`LIFT_COLUMNS`).

User text (merchant and hotspot names) is escaped for Markdown in the brief; the map page
escapes it itself.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from topics.assets import copy_map_assets
from topics.maps import build_topic_map
from topics.taxonomy import Taxonomy

__all__ = ["LIFT_COLUMNS", "MERCHANT_COLUMNS", "write_campaign_folder"]

#: Columns of merchants.csv.
MERCHANT_COLUMNS: Final = (
    "rank",
    "merchant_id",
    "name",
    "lat",
    "lon",
    "notes_in_window",
    "share_of_topic_notes",
    "hotspot",
    "why",
)
#: Columns of lift.csv.
LIFT_COLUMNS: Final = (
    "merchant_id",
    "name",
    "notes",
    "notes_before",
    "notes_lift",
    "interactions",
    "interactions_before",
    "interactions_lift",
    "visits",
    "visits_before",
    "visits_lift",
)
_OUTPUTS: Final = ("index.html", "merchants.csv", "campaign.json", "brief.md")


def write_campaign_folder(
    out: Path,
    campaign: dict[str, Any],
    *,
    short: pd.DataFrame,
    notes: pd.DataFrame,
    hotspots: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    tiles: str | None,
    title: str,
) -> list[Path]:
    """Write a campaign's files into ``out`` (created if missing), overwriting them.

    Parameters
    ----------
    out
        The output folder.
    campaign
        The campaign as ``campaign.json`` holds it: ``criteria``, ``merchants``,
        ``hotspots``, ``route`` (or ``None``), ``reach`` and, when measured, ``lift`` and
        ``lift_summary``.
    short
        The shortlist, one row per merchant in rank order, with :data:`MERCHANT_COLUMNS`.
    notes
        The selected notes (``merchant_id``, note ``lat``/``lon``, merchant ``m_lat``/``m_lon``
        and what the map shows of a note); only the shortlisted merchants' are drawn.
    hotspots
        The topic's hotspots; only those in ``campaign["hotspots"]`` are drawn.
    taxonomy
        The topic taxonomy, for the map's labels and colours.
    tiles
        The map's tiles.
    title
        The map page's title.

    Returns
    -------
    list of Path
        The files written: ``index.html``, ``merchants.csv``, ``campaign.json``,
        ``brief.md`` and, when measured, ``lift.csv``.
    """
    out.mkdir(parents=True, exist_ok=True)
    copy_map_assets(out / "static")
    _write_map(
        out / "index.html",
        campaign,
        short=short,
        notes=notes,
        hotspots=hotspots,
        taxonomy=taxonomy,
        tiles=tiles,
        title=title,
    )
    records = cast(list[dict[str, Any]], short[list(MERCHANT_COLUMNS)].to_dict("records"))
    _write_csv(out / "merchants.csv", MERCHANT_COLUMNS, records)
    extra: list[Path] = []
    if "lift" in campaign:
        _write_csv(out / "lift.csv", LIFT_COLUMNS, campaign["lift"])
        extra.append(out / "lift.csv")
    (out / "campaign.json").write_text(
        json.dumps(campaign, ensure_ascii=False, indent=2, default=_json_default) + "\n",
        encoding="utf-8",
    )
    (out / "brief.md").write_text(_brief(campaign, short), encoding="utf-8")
    return [out / name for name in _OUTPUTS] + extra


def _write_map(
    path: Path,
    campaign: dict[str, Any],
    *,
    short: pd.DataFrame,
    notes: pd.DataFrame,
    hotspots: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    tiles: str | None,
    title: str,
) -> None:
    """The map page: the shortlisted merchants, their notes and their hotspots."""
    map_notes = notes[notes["merchant_id"].isin(short["merchant_id"])].rename(
        columns={"lat": "note_lat", "lon": "note_lon"}
    )
    map_notes = map_notes.assign(
        lat=map_notes["note_lat"].fillna(map_notes["m_lat"]),
        lon=map_notes["note_lon"].fillna(map_notes["m_lon"]),
    )
    shown = hotspots[hotspots["hotspot_id"].isin([h["hotspot_id"] for h in campaign["hotspots"]])]
    m = build_topic_map(
        campaign["criteria"]["topic"],
        map_notes,
        short.rename(columns={"notes_in_window": "n_notes"}),
        shown,
        taxonomy=taxonomy,
        tiles=tiles,
        asset_prefix="static/",
        title=title,
    )
    path.write_text(m.get_root().render(), encoding="utf-8")


def _write_csv(path: Path, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    msg = f"not JSON serialisable: {type(value).__name__}"
    raise TypeError(msg)


def _md(text: Any) -> str:
    """Markdown-inert text: no markup, links or HTML from names."""
    out = str(text).replace("\\", "\\\\").replace("\n", " ")
    for ch in "`*_[]<>|#!":
        out = out.replace(ch, "\\" + ch)
    return out


def _brief(campaign: dict[str, Any], short: pd.DataFrame) -> str:
    """brief.md: the pitch, hotspots, merchants, the walking route and the expected reach."""
    criteria = campaign["criteria"]
    label = criteria["topic_label"]
    hotspots = campaign["hotspots"]
    route = campaign["route"]
    reach = campaign["reach"]
    lift_summary = campaign.get("lift_summary")
    area = criteria["city"] or (
        f"{criteria['radius_km']:g} km around {criteria['near'][0]},{criteria['near'][1]}"
        if criteria["near"]
        else "all cities"
    )
    lead = short.iloc[0]
    lines = [
        f"# {_md(label)} campaign — {_md(area)}",
        "",
        "## The pitch",
        "",
        f"A {_md(label)} map of the {len(short)} merchants people write about most in "
        f"{_md(area)} ({criteria['window']}). {_md(lead['name'])} leads with "
        f"{lead['notes_in_window']} notes; together the shortlist holds "
        f"{short['share_of_topic_notes'].sum():.0%} of the selected {_md(label)} merchant notes. "
        f"Their notes reached {reach['unique_users']} unique users (views, likes and collects "
        "in the window): the audience a campaign on these merchants can expect to reach again.",
        "",
        "## Hotspots",
        "",
    ]
    if hotspots:
        lines += [
            f"- {_md(h['name'])}: {h['shortlisted']} shortlisted "
            f"merchant{'s' if h['shortlisted'] != 1 else ''}, "
            f"{h['notes_in_window']} notes in the window"
            for h in hotspots
        ]
    else:
        lines.append("- none of the shortlisted merchants lies in a hotspot")
    lines += [
        "",
        "## Merchants",
        "",
        "| rank | merchant | notes | share | hotspot | reach |",
        "|---:|---|---:|---:|---|---:|",
    ]
    for row in short.itertuples():
        lines.append(
            f"| {row.rank} | {_md(row.name)} | {row.notes_in_window} | "
            f"{row.share_of_topic_notes:.1%} | {_md(row.hotspot or '—')} | "
            f"{reach['by_merchant'].get(row.merchant_id, 0)} |"
        )
    lines += ["", "## Suggested walking route", ""]
    if route is None or not route["stops"]:
        lines.append("No shortlisted merchant lies in a hotspot, so no route is suggested.")
    else:
        lines.append(
            f"Through the merchants of the best hotspot, {_md(route['hotspot'])}. Walking "
            f"distances are straight-line distances x {route['street_factor']} (a "
            "street-network detour factor), not measured on streets."
        )
        lines.append("")
        for i, stop in enumerate(route["stops"], start=1):
            leg = "start" if i == 1 else f"{stop['leg_m']} m from the previous stop"
            lines.append(f"{i}. {_md(stop['name'])} — {leg}")
        lines += ["", f"Total: {route['total_m']} m."]
    lines += [
        "",
        "## Expected reach",
        "",
        f"{reach['unique_users']} unique users viewed, liked or collected the shortlisted "
        "merchants' notes in the window.",
    ]
    if lift_summary:
        lines += ["", "## Lift", "", lift_summary]
    return "\n".join(lines) + "\n"
