"""The merchant loop report: the ranking and each merchant's loop as CSV, Markdown or HTML.

:func:`write_report` reads a built workspace (the SQLite file ``loopmap build`` fills) through a
read-only connection and writes one file; the format follows the suffix of ``out``:

``.csv``
    SPEC.md's ranking columns, one row per merchant that passes the filters.
``.md``
    A text report: overview, the ranking table, then per merchant its funnel, score parts,
    conversions, time-to-visit summary, flags, nearby merchants and a plain-language reading.
``.html``
    The same as a self-contained interactive page: plotly charts with plotly.js inlined once,
    no external script, stylesheet, font or tile, so it opens from disk with no network.

The map of each merchant is a plain plotly scatter in lon/lat (merchant, nearby merchants,
nearby geocoded notes), not a tiled map: tiles need the network and a folium page would need
Leaflet inlined next to plotly; a scatter with an equal-distance aspect ratio is enough to see
where a merchant sits among its neighbours, and it works offline.

Time to visit
    For each visit to a merchant, the hours from the visitor's first exposure (an event of
    ``LoopConfig.exposure_kinds`` on a note geocoded to the merchant, not by the visitor's own
    note) within the ``attribution_days`` window before the visit, to the visit. Visits with no
    such exposure are counted apart (they did not come from the merchant's notes).
"""

from __future__ import annotations

import csv
import html
import json
import logging
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loop._frames import to_seconds
from loop.config import LoopConfig
from loop.rank import RANKING_COLUMNS

__all__ = ["ReportError", "write_report"]

logger = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".csv": "csv", ".md": "md", ".html": "html", ".htm": "html"}
"""Output suffix -> format."""

PART_LABELS: dict[str, str] = {
    "visit_rate": "interact-to-visit rate",
    "share_rate": "visit-to-share rate",
    "volume": "loop volume (attributed visits + reshares)",
    "trusted": "interactions from trusted accounts",
    "flag": "flag penalty",
}
"""Plain-language names of the score parts (see :mod:`loop.rank`)."""

_RATES: tuple[tuple[str, str], ...] = (
    ("interact_to_visit", "interact-to-visit rate"),
    ("visit_to_share", "visit-to-share rate"),
    ("loop_gain", "loop gain"),
    ("attributed_share", "share of visits that came from your notes"),
)
_NEARBY = 12
_MAX_NOTES_ON_MAP = 400
_PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False}


class ReportError(ValueError):
    """The report cannot be written (bad suffix, unknown topic or merchant, unbuilt workspace)."""


@dataclass(frozen=True)
class _Visits:
    """Time-to-visit data of one merchant."""

    hours: np.ndarray
    visits: int

    @property
    def unexposed(self) -> int:
        return self.visits - int(self.hours.size)


def write_report(
    db_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    topic: str | None = None,
    city: str | None = None,
    merchant: str | None = None,
    top: int = 20,
) -> dict[str, Any]:
    """Write the merchant loop report.

    Parameters
    ----------
    db_path
        A workspace built by ``loopmap build``; opened read-only.
    out
        Output file; its suffix picks the format (``.csv``, ``.md``, ``.html``).
    topic
        Only merchants of this topic.
    city
        Only merchants of this city (the places' ``city`` column).
    merchant
        One merchant id: the merchant-facing view (CSV: that one row).
    top
        How many merchants the ranking table and the per-merchant sections show (the CSV
        holds every merchant that passes the filters).

    Returns
    -------
    dict
        ``rows`` (merchants written: CSV rows, or merchant sections), ``merchants`` (merchants
        that pass the filters), ``flagged`` (of those), ``path`` and ``format``.

    Raises
    ------
    ReportError
        Unknown suffix, missing workspace, no ranking yet, unknown topic, city or merchant.
    """
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        got = out.suffix or "(no suffix)"
        msg = f"unknown report format {got!r} for {out}: use .html, .md or .csv"
        raise ReportError(msg)
    if top < 1:
        msg = f"top must be at least 1, got {top}"
        raise ReportError(msg)
    config = LoopConfig()
    conn = _connect(db_path)
    try:
        ranking = _filtered(_load_ranking(conn), topic=topic, city=city)
        if merchant is not None:
            chosen = ranking[ranking["merchant_id"] == merchant]
            if chosen.empty:
                msg = _unknown_merchant(conn, merchant, topic=topic, city=city)
                raise ReportError(msg)
        else:
            chosen = ranking.head(top)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            _write_csv(chosen if merchant is not None else ranking, out)
            rows = len(chosen) if merchant is not None else len(ranking)
        else:
            ctx = _Context(
                ranking=ranking,
                chosen=chosen,
                medians=_topic_medians(ranking),
                visits=_hours_to_visit(conn, list(chosen["merchant_id"]), config),
                config=config,
                filters={"topic": topic, "city": city, "merchant": merchant, "top": top},
            )
            text = _markdown(ctx) if fmt == "md" else _html(ctx, conn)
            out.write_text(text, encoding="utf-8")
            rows = len(chosen)
    finally:
        conn.close()
    logger.info("wrote %s report %s (%d merchants)", fmt, out, rows)
    return {
        "rows": int(rows),
        "merchants": len(ranking),
        "flagged": int(ranking["flagged"].sum()),
        "path": str(out),
        "format": fmt,
    }


# --------------------------------------------------------------------------- loading


def _connect(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    path = Path(db_path)
    if not path.is_file():
        msg = f"no workspace at {path}: import your files and run `loopmap build` first"
        raise ReportError(msg)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _load_ranking(conn: sqlite3.Connection) -> pd.DataFrame:
    has = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ranking'"
    ).fetchone()[0]
    n = conn.execute("SELECT count(*) FROM ranking").fetchone()[0] if has else 0
    if not n:
        msg = "the workspace has no merchant ranking yet: run `loopmap build` first"
        raise ReportError(msg)
    df = pd.read_sql_query(
        "SELECT r.*, p.city AS city, p.lat AS lat, p.lon AS lon FROM ranking r "
        "LEFT JOIN places p ON p.place_id = r.merchant_id ORDER BY r.rank, r.merchant_id",
        conn,
    )
    parts = [json.loads(p or "{}") for p in df["parts"]]
    df["parts"] = parts
    names = list(PART_LABELS) + sorted({k for p in parts for k in p} - set(PART_LABELS))
    for name in names:
        df[f"part_{name}"] = [float(p.get(name, 0.0)) for p in parts]
    for col in ("interact_to_visit", "visit_to_share", "loop_gain"):
        df[col] = df[col].fillna(0.0).astype(float)
    df["attributed_share"] = np.where(
        df["visits"] > 0, df["attributed_visits"] / df["visits"].clip(lower=1), 0.0
    )
    df["reasons"] = df["reasons"].fillna("").astype(str)
    df["name"] = df["name"].fillna("").astype(str)
    df["city"] = df["city"].fillna("").astype(str)
    return df


def _filtered(df: pd.DataFrame, *, topic: str | None, city: str | None) -> pd.DataFrame:
    if topic is not None:
        present = sorted(df["topic"].unique())
        if topic not in present:
            msg = f"unknown topic {topic!r}: the ranking has {', '.join(present)}"
            raise ReportError(msg)
        df = df[df["topic"] == topic]
    if city is not None:
        present = sorted(c for c in df["city"].unique() if c)
        if city not in present:
            where = f" of topic {topic!r}" if topic else ""
            msg = (
                f"no ranked merchants{where} in city {city!r}: cities present: {', '.join(present)}"
            )
            raise ReportError(msg)
        df = df[df["city"] == city]
    return df.reset_index(drop=True)


def _unknown_merchant(
    conn: sqlite3.Connection, merchant: str, *, topic: str | None, city: str | None
) -> str:
    known = conn.execute("SELECT 1 FROM ranking WHERE merchant_id = ?", (merchant,)).fetchone()
    if known and (topic or city):
        return (
            f"merchant {merchant!r} is not in the ranking filtered by "
            f"topic={topic!r}, city={city!r}"
        )
    return (
        f"unknown merchant id {merchant!r}: it is not in the ranking "
        "(use a place_id of kind merchant; see `loopmap export ranking`)"
    )


def _topic_medians(ranking: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ranking.columns if c.startswith("part_")]
    cols += [c for c, _ in _RATES] + ["score"]
    return ranking.groupby("topic")[cols].median()


def _hours_to_visit(
    conn: sqlite3.Connection, ids: list[str], config: LoopConfig
) -> dict[str, _Visits]:
    """Hours from the visitor's first exposure (within the window) to each visit."""
    if not ids:
        return {}
    id_json = json.dumps(ids)
    kinds = json.dumps(list(config.exposure_kinds))
    expo = pd.read_sql_query(
        "SELECT e.user_id AS u, g.place_id AS m, e.ts AS ts FROM events e "
        "JOIN geocodes g ON g.note_id = e.note_id JOIN notes n ON n.note_id = e.note_id "
        "WHERE e.kind IN (SELECT value FROM json_each(?)) "
        "AND g.place_id IN (SELECT value FROM json_each(?)) AND e.user_id <> n.user_id",
        conn,
        params=(kinds, id_json),
    )
    visits = pd.read_sql_query(
        "SELECT user_id AS u, merchant_id AS m, ts FROM events WHERE kind = 'visit' "
        "AND merchant_id IN (SELECT value FROM json_each(?))",
        conn,
        params=(id_json,),
    )
    window = int(config.attribution_days * 86_400)
    bad = np.iinfo(np.int64).min
    visits["t"] = to_seconds(visits["ts"])
    expo["t"] = to_seconds(expo["ts"])
    visits = visits[visits["t"] != bad]
    expo = expo[expo["t"] != bad]
    left = pd.DataFrame(
        {"key": visits["u"] + "\x1f" + visits["m"], "lo": visits["t"] - window, "vt": visits["t"]}
    ).sort_values("lo", kind="stable")
    right = pd.DataFrame({"key": expo["u"] + "\x1f" + expo["m"], "lo": expo["t"]})
    right = right.sort_values("lo", kind="stable")
    right["et"] = right["lo"]
    joined = pd.merge_asof(left, right, on="lo", by="key", direction="forward")
    ok = joined["et"].notna() & (joined["et"] < joined["vt"])
    joined = joined[ok]
    hours = (joined["vt"] - joined["et"]) / 3600.0
    m_of = joined["key"].str.split("\x1f").str[1]
    counts = visits.groupby("m").size()
    return {
        m: _Visits(
            hours=np.sort(hours[m_of == m].to_numpy(dtype=float)), visits=int(counts.get(m, 0))
        )
        for m in ids
    }


def _nearby(conn: sqlite3.Connection, row: pd.Series, ranking_all: pd.DataFrame) -> pd.DataFrame:
    """The merchants nearest to ``row`` (same city when known), with distance in km."""
    places = pd.read_sql_query(
        "SELECT place_id AS merchant_id, name, city, lat, lon FROM places WHERE kind = 'merchant'",
        conn,
    )
    if row["city"]:
        places = places[places["city"] == row["city"]]
    places = places[places["merchant_id"] != row["merchant_id"]].copy()
    if places.empty or pd.isna(row["lat"]):
        return places.assign(km=[], rank=[], score=[], flagged=[])
    places["km"] = _haversine_km(row["lat"], row["lon"], places["lat"], places["lon"])
    places = places.nsmallest(_NEARBY, "km")
    info = ranking_all.set_index("merchant_id")[["rank", "score", "flagged"]]
    return places.join(info, on="merchant_id").reset_index(drop=True)


def _haversine_km(lat1: float, lon1: float, lat2: pd.Series, lon2: pd.Series) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2.to_numpy(float))
    dphi, dlmb = p2 - p1, np.radians(lon2.to_numpy(float) - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class _Context:
    ranking: pd.DataFrame
    chosen: pd.DataFrame
    medians: pd.DataFrame
    visits: dict[str, _Visits]
    config: LoopConfig
    filters: dict[str, Any]


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.2f}" if abs(x) >= 0.1 or x == 0 else f"{x:.3f}"


def _signed(x: float) -> str:
    return f"{float(x) + 0.0:+.2f}".replace("-0.00", "+0.00")


def _rules(config: LoopConfig) -> str:
    kinds = "/".join(config.exposure_kinds)
    return (
        f"A share is a note geocoded to the merchant; an interaction is a like, comment, "
        f"collect or forward on it (not by its author). A visit is attributed to the "
        f"merchant's notes when the visitor was exposed to one of them ({kinds}) within "
        f"{config.attribution_days:g} days before it. A reshare is a note about the merchant by "
        f"someone who visited it within {config.reshare_days:g} days before writing it. "
        f"Interact-to-visit = converted users / exposed users; visit-to-share = reshares / "
        f"visits; loop gain = reshares whose visit came from the merchant's notes, per share "
        f"(above 1 the loop sustains itself). The score is the sum of named parts, computed "
        f"without suspect accounts' activity; a flagged merchant loses "
        f"{config.flag_penalty:g} points."
    )


def _filters_text(filters: dict[str, Any]) -> str:
    shown = [f"{k}={v}" for k, v in filters.items() if v is not None and k != "top"]
    if filters.get("merchant") is None:
        shown.append(f"top={filters['top']}")
    return ", ".join(shown) if shown else "none"


def _explain(row: pd.Series, ctx: _Context) -> list[str]:
    """Plain-language sentences: what drives this merchant's loop and what holds it back."""
    topic = row["topic"]
    med = ctx.medians.loc[topic]
    lines: list[str] = []
    for col, label in _RATES:
        v, m = float(row[col]), float(med[col])
        where = "above" if v > m else "below" if v < m else "at"
        lines.append(f"Your {label} {_num(v)} is {where} the {topic} median {_num(m)}.")
    vis = ctx.visits.get(row["merchant_id"])
    share = float(row["attributed_share"])
    if row["visits"] and (share < 0.25 or share < float(med["attributed_share"])):
        lines.append(
            f"Few of your visitors came from your notes: {row['attributed_visits']:g} of "
            f"{row['visits']} visits followed an exposure to one of your notes within "
            f"{ctx.config.attribution_days:g} days ({row['attributed_share']:.0%}; the {topic} "
            f"median is {float(med['attributed_share']):.0%})."
        )
    elif not row["visits"]:
        lines.append("No visits were recorded yet: the loop has not reached the shop floor.")
    if vis is not None and vis.hours.size:
        lines.append(
            f"Visitors who came from your notes visited a median {np.median(vis.hours):.0f} "
            f"hours after first seeing one of them."
        )
    gain = float(row["loop_gain"])
    lines.append(
        f"Loop gain {_num(gain)}: "
        + (
            "each note brings at least one new note through a visit; the loop sustains itself."
            if gain >= 1
            else "each note brings fewer than one new note through a visit; the loop needs "
            "outside notes to keep turning."
        )
    )
    parts = {k[5:]: float(row[k]) for k in row.index if k.startswith("part_")}
    expr = " ".join(f"{_signed(v)} ({k})" for k, v in parts.items())
    lines.append(f"Score {row['score']:.2f} = {expr}.")
    deltas = {k: v - float(med[f"part_{k}"]) for k, v in parts.items() if k != "flag"}
    drives = sorted((k for k, d in deltas.items() if d > 0), key=lambda k: -deltas[k])
    holds = sorted((k for k, d in deltas.items() if d < 0), key=lambda k: deltas[k])
    if drives:
        lines.append(
            "What drives your loop: "
            + "; ".join(
                f"{PART_LABELS.get(k, k)} {_signed(parts[k])} "
                f"(the {topic} median is {_signed(float(med[f'part_{k}']))})"
                for k in drives
            )
            + "."
        )
    if holds:
        lines.append(
            "What holds it back: "
            + "; ".join(
                f"{PART_LABELS.get(k, k)} {_signed(parts[k])} "
                f"(the {topic} median is {_signed(float(med[f'part_{k}']))})"
                for k in holds
            )
            + "."
        )
    if row["flagged"]:
        lines.append(
            f"Flagged: {row['reasons'] or 'the loop looks manufactured'}. The flag costs "
            f"{-parts.get('flag', 0.0):.2f} points and the suspect accounts' activity is left "
            "out of every other part."
        )
    return lines


def _histogram_text(hours: np.ndarray, window_days: float) -> list[tuple[str, int]]:
    edges = [0, 1, 6, 24, 72, 168, window_days * 24]
    labels = ["< 1 h", "1–6 h", "6–24 h", "1–3 days", "3–7 days", f"7–{window_days:g} days"]
    counts, _ = np.histogram(hours, bins=edges)
    return list(zip(labels, (int(c) for c in counts), strict=True))


# --------------------------------------------------------------------------- csv, markdown


def _write_csv(df: pd.DataFrame, out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(RANKING_COLUMNS)
        for rec in df[RANKING_COLUMNS].itertuples(index=False):
            w.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in rec])


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
    return out


def _ranking_rows(df: pd.DataFrame) -> list[list[object]]:
    return [
        [
            r["rank"],
            r["topic_rank"],
            r["merchant_id"],
            r["name"],
            r["topic"],
            f"{r['score']:.2f}",
            r["shares"],
            r["interactions"],
            r["visits"],
            f"{r['attributed_visits']:g}",
            r["reshares"],
            _num(r["interact_to_visit"]),
            _num(r["visit_to_share"]),
            _num(r["loop_gain"]),
            "FLAGGED" if r["flagged"] else "",
        ]
        for _, r in df.iterrows()
    ]


_RANK_HEADER = [
    "rank",
    "topic rank",
    "merchant_id",
    "name",
    "topic",
    "score",
    "shares",
    "interactions",
    "visits",
    "attributed visits",
    "reshares",
    "interact→visit",
    "visit→share",
    "loop gain",
    "flag",
]


def _markdown(ctx: _Context) -> str:
    r, cfg = ctx.ranking, ctx.config
    single = ctx.filters.get("merchant") is not None
    title = (
        f"Merchant loop report: {_md(ctx.chosen.iloc[0]['name'])}"
        if single
        else "Merchant loop report"
    )
    lines = [f"# {title}", "", "## Overview", ""]
    lines += [
        f"- Filters: {_md(_filters_text(ctx.filters))}",
        f"- Merchants: {len(r)}",
        f"- Flagged: {int(r['flagged'].sum())}",
        "",
        "Attribution rules: " + _rules(cfg),
        "",
        "## Ranking",
        "",
    ]
    lines += _md_table(_RANK_HEADER, _ranking_rows(ctx.chosen))
    lines += ["", "## Merchants", ""]
    for _, row in ctx.chosen.iterrows():
        lines += _md_merchant(row, ctx)
    return "\n".join(lines) + "\n"


def _md_merchant(row: pd.Series, ctx: _Context) -> list[str]:
    mid, topic = row["merchant_id"], row["topic"]
    vis = ctx.visits.get(mid, _Visits(np.array([]), int(row["visits"])))
    lines = [
        f"### {row['rank']}. {_md(row['name'])} ({_md(mid)})",
        "",
        f"Topic {_md(topic)} (rank {row['topic_rank']} in topic), "
        f"city {_md(row['city'] or 'n/a')}, "
        f"score {row['score']:.2f}" + (", **flagged**" if row["flagged"] else "") + ".",
        "",
        "#### Loop funnel",
        "",
    ]
    lines += _md_table(["stage", "count"], [[s, f"{v:g}"] for s, v in _funnel(row)])
    lines += ["", "#### Score parts", ""]
    med = ctx.medians.loc[topic]
    lines += _md_table(
        ["part", "meaning", "value", f"{_md(topic)} median"],
        [
            [k[5:], PART_LABELS.get(k[5:], k[5:]), _signed(row[k]), _signed(med[k])]
            for k in row.index
            if k.startswith("part_")
        ],
    )
    lines += ["", "#### Conversions", ""]
    lines += _md_table(
        ["measure", "value", f"{_md(topic)} median"],
        [[label, _num(row[c]), _num(med[c])] for c, label in _RATES],
    )
    lines += ["", "#### Time to visit", ""]
    if vis.hours.size:
        q1, q2, q3 = np.percentile(vis.hours, [25, 50, 75])
        lines.append(
            f"{vis.hours.size} of {vis.visits} visits followed an exposure to the merchant's notes "
            f"within {ctx.config.attribution_days:g} days; hours from first exposure to visit: "
            f"median {q2:.1f}, quartiles {q1:.1f}–{q3:.1f}. {vis.unexposed} visits had no such "
            "exposure."
        )
        lines.append("")
        lines += _md_table(
            ["hours after first exposure", "visits"],
            [[a, b] for a, b in _histogram_text(vis.hours, ctx.config.attribution_days)],
        )
    else:
        lines.append(
            f"None of its {vis.visits} visits followed an exposure to its notes within "
            f"{ctx.config.attribution_days:g} days."
        )
    lines += ["", "#### Flags", ""]
    lines.append(
        "Flagged: " + _md(row["reasons"] or "the loop looks manufactured")
        if row["flagged"]
        else "Not flagged."
    )
    lines += ["", "#### Reading", ""]
    lines += [f"- {_md(s)}" for s in _explain(row, ctx)]
    lines.append("")
    return lines


def _funnel(row: pd.Series) -> list[tuple[str, float]]:
    return [
        ("notes", float(row["shares"])),
        ("interactions", float(row["interactions"])),
        ("visits", float(row["visits"])),
        ("attributed visits", float(row["attributed_visits"])),
        ("reshares", float(row["reshares"])),
    ]


# --------------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
padding:1rem 1.5rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{border-bottom:1px solid #eee;padding:.25rem .4rem;text-align:right}
th:nth-child(3),td:nth-child(3),th:nth-child(4),td:nth-child(4),th:nth-child(5),
td:nth-child(5){text-align:left}
tr.flagged td{background:#fff1f0}.flag{color:#b42318;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,560px);gap:.5rem}
.kpi{display:flex;flex-wrap:wrap;gap:1rem;margin:.5rem 0}
.kpi div{background:#f6f7f9;border-radius:6px;padding:.4rem .7rem}
.kpi b{display:block;font-size:1.1rem}
section.merchant{border-top:2px solid #ccc;margin-top:2rem}
.muted{color:#666;font-size:.9rem}
"""


def _plotly_js() -> str:
    """plotly.js, to inline once; its CDN defaults (topojson for geo traces and map icons,
    both unused here) are pointed away so the page holds no external reference."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("https://cdn", "offline-cdn")


def _fig_html(fig: Any, div_id: str) -> str:
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            config=_PLOTLY_CONFIG,
            div_id=div_id,
            default_width="560px",
            default_height="320px",
        )
    )


def _layout(fig: Any, title: str, **kw: Any) -> Any:
    fig.update_layout(
        title={"text": html.escape(title), "font": {"size": 14}},
        template="none",  # light and quick: the built-in templates weigh ~10 kB per figure
        font={"family": "system-ui, sans-serif", "size": 11},
        colorway=["#457b9d", "#2a9d8f", "#e76f51", "#f4a261"],
        height=320,
        width=560,
        **({"margin": {"l": 50, "r": 20, "t": 40, "b": 40}} | kw),
    )
    return fig


def _html(ctx: _Context, conn: sqlite3.Connection) -> str:
    e = html.escape
    r = ctx.ranking
    single = ctx.filters.get("merchant") is not None
    title = (
        f"Merchant loop report: {ctx.chosen.iloc[0]['name']}" if single else "Merchant loop report"
    )
    rows = []
    for rec, (_, row) in zip(_ranking_rows(ctx.chosen), ctx.chosen.iterrows(), strict=True):
        cls = ' class="flagged"' if row["flagged"] else ""
        cells = "".join(f"<td>{e(str(c))}</td>" for c in rec[:-1])
        flag = (
            f'<td class="flag" title="{e(row["reasons"])}">flagged</td>'
            if row["flagged"]
            else "<td></td>"
        )
        link = f'<a href="#m-{e(str(row["merchant_id"]))}">'
        cells = cells.replace(
            f"<td>{e(str(row['name']))}</td>", f"<td>{link}{e(str(row['name']))}</a></td>", 1
        )
        rows.append(f"<tr{cls}>{cells}{flag}</tr>")
    head = "".join(f"<th>{e(h)}</th>" for h in _RANK_HEADER)
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{_plotly_js()}</script>',
        "</head><body>",
        f"<h1>{e(title)}</h1>",
        '<section id="overview"><h2>Overview</h2>',
        '<div class="kpi">',
        f"<div>filters<b>{e(_filters_text(ctx.filters))}</b></div>",
        f"<div>merchants<b>{len(r)}</b></div>",
        f"<div>flagged<b>{int(r['flagged'].sum())}</b></div></div>",
        f'<p class="muted"><b>Attribution rules.</b> {e(_rules(ctx.config))}</p></section>',
        '<section id="ranking"><h2>Ranking</h2>',
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>",
        '<section id="merchants"><h2>Merchants</h2>',
    ]
    ranking_all = pd.read_sql_query("SELECT merchant_id, rank, score, flagged FROM ranking", conn)
    for i, (_, row) in enumerate(ctx.chosen.iterrows()):
        body.append(_html_merchant(i, row, ctx, conn, ranking_all))
    body += ["</section>", "</body></html>"]
    return "\n".join(body) + "\n"


def _html_merchant(
    i: int, row: pd.Series, ctx: _Context, conn: sqlite3.Connection, ranking_all: pd.DataFrame
) -> str:
    import plotly.graph_objects as go

    e = html.escape
    mid, topic = str(row["merchant_id"]), str(row["topic"])
    med = ctx.medians.loc[topic]
    vis = ctx.visits.get(mid, _Visits(np.array([]), int(row["visits"])))

    stages = _funnel(row)
    funnel = go.Figure(
        go.Funnel(
            y=[s for s, _ in stages],
            x=[v for _, v in stages],
            textinfo="value",
            marker={"color": "#457b9d"},
        )
    )
    _layout(funnel, "Loop funnel", margin={"l": 110, "r": 20, "t": 40, "b": 30})

    keys = [k for k in row.index if k.startswith("part_")]
    vals = [float(row[k]) for k in keys]
    parts = go.Figure(
        [
            go.Bar(
                x=[k[5:] for k in keys],
                y=vals,
                name="this merchant",
                marker_color=["#2a9d8f" if v >= 0 else "#e76f51" for v in vals],
                hovertext=[PART_LABELS.get(k[5:], k[5:]) for k in keys],
            ),
            go.Scatter(
                x=[k[5:] for k in keys],
                y=[float(med[k]) for k in keys],
                mode="markers",
                name=f"{e(topic)} median",
                marker={"symbol": "line-ew-open", "size": 22, "color": "#333"},
            ),
        ]
    )
    _layout(parts, f"Score {row['score']:.2f} = sum of parts", showlegend=True)

    window_h = ctx.config.attribution_days * 24
    hist = go.Figure(
        go.Histogram(
            x=vis.hours,
            xbins={"start": 0, "end": window_h, "size": 12},
            marker_color="#457b9d",
            hovertemplate="%{x} h: %{y} visits<extra></extra>",
        )
    )
    _layout(
        hist,
        f"Hours from first exposure to visit ({vis.hours.size} of {vis.visits} visits)",
        xaxis={"title": {"text": "hours"}, "range": [0, window_h]},
        yaxis={"title": {"text": "visits"}},
        bargap=0.05,
    )

    figs = [
        _fig_html(funnel, f"m{i}-funnel"),
        _fig_html(parts, f"m{i}-parts"),
        _fig_html(hist, f"m{i}-hours"),
        _fig_html(_map_figure(row, conn, ranking_all), f"m{i}-map"),
    ]
    kpis = [
        ("rank", f"{row['rank']} (topic {row['topic_rank']})"),
        ("score", f"{row['score']:.2f}"),
        ("loop gain", _num(row["loop_gain"])),
        (
            "interact→visit",
            f"{_num(row['interact_to_visit'])} (median {_num(med['interact_to_visit'])})",
        ),
        ("visit→share", f"{_num(row['visit_to_share'])} (median {_num(med['visit_to_share'])})"),
        ("from notes", f"{row['attributed_share']:.0%} of visits"),
    ]
    flags = (
        f'<p class="flag">Flagged: {e(row["reasons"] or "the loop looks manufactured")}</p>'
        if row["flagged"]
        else "<p>Not flagged.</p>"
    )
    reading = "".join(f"<li>{e(s)}</li>" for s in _explain(row, ctx))
    return "\n".join(
        [
            f'<section class="merchant" id="m-{e(mid)}">',
            f'<h3>{row["rank"]}. {e(str(row["name"]))} <span class="muted">{e(mid)} · '
            f"{e(topic)} · {e(str(row['city'] or 'n/a'))}</span></h3>",
            '<div class="kpi">'
            + "".join(f"<div>{e(k)}<b>{e(v)}</b></div>" for k, v in kpis)
            + "</div>",
            flags,
            f'<div class="grid">{"".join(figs)}</div>',
            f"<h4>Reading</h4><ul>{reading}</ul>",
            "</section>",
        ]
    )


def _map_figure(row: pd.Series, conn: sqlite3.Connection, ranking_all: pd.DataFrame) -> Any:
    """The merchant, its nearest merchants and the geocoded notes around them, in lon/lat."""
    import plotly.graph_objects as go

    e = html.escape
    fig = go.Figure()
    if pd.isna(row["lat"]) or pd.isna(row["lon"]):
        return _layout(fig, "Map: the merchant has no coordinates")
    near = _nearby(conn, row, ranking_all)
    lats = [float(row["lat"]), *near["lat"].astype(float)]
    lons = [float(row["lon"]), *near["lon"].astype(float)]
    pad = 0.002
    s, n, w, east = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    notes = pd.read_sql_query(
        "SELECT g.lat, g.lon, g.precision, p.name AS place FROM geocodes g "
        "LEFT JOIN places p ON p.place_id = g.place_id "
        "WHERE g.lat BETWEEN ? AND ? AND g.lon BETWEEN ? AND ? ORDER BY g.note_id LIMIT ?",
        conn,
        params=(s, n, w, east, _MAX_NOTES_ON_MAP),
    )
    if len(notes):
        fig.add_trace(
            go.Scatter(
                x=notes["lon"],
                y=notes["lat"],
                mode="markers",
                name="notes",
                marker={"size": 5, "color": "rgba(120,120,120,0.35)"},
                hovertext=[
                    f"note ({e(str(p))}): {e(str(pl or ''))}"
                    for p, pl in zip(notes["precision"], notes["place"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    if len(near):
        fig.add_trace(
            go.Scatter(
                x=near["lon"],
                y=near["lat"],
                mode="markers",
                name="nearby merchants",
                marker={
                    "size": 10,
                    "color": ["#e76f51" if f == 1 else "#457b9d" for f in near["flagged"]],
                },
                hovertext=[
                    f"{e(str(nm))}<br>rank {'' if pd.isna(rk) else int(rk)} · {km:.2f} km"
                    for nm, rk, km in zip(near["name"], near["rank"], near["km"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[row["lon"]],
            y=[row["lat"]],
            mode="markers",
            name="this merchant",
            marker={"size": 16, "symbol": "star", "color": "#f4a261", "line": {"width": 1}},
            hovertext=[e(str(row["name"]))],
            hoverinfo="text",
        )
    )
    ratio = 1.0 / max(math.cos(math.radians(float(row["lat"]))), 0.1)
    return _layout(
        fig,
        "Map (lon/lat; grey: notes, blue: merchants, red: flagged)",
        xaxis={"title": {"text": "lon"}, "showgrid": False},
        yaxis={"title": {"text": "lat"}, "scaleanchor": "x", "scaleratio": ratio},
        showlegend=False,
    )
