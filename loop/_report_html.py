"""The merchant loop report as a self-contained interactive HTML page.

:func:`render_html` turns the report's figures (a :class:`loop._report_data.Context`) into one
page: plotly charts with plotly.js inlined once, no external script, stylesheet, font or tile,
so it opens from disk with no network. Per chosen merchant: its key figures, flags, a loop
funnel, its score parts against the topic median, a time-to-visit histogram, a map and the
plain-language reading of :func:`loop._report_text.explain`. All data is HTML-escaped.

The map of each merchant is a plain plotly scatter in lon/lat (merchant, nearby merchants,
nearby geocoded notes), not a tiled map: tiles need the network and a folium page would need
Leaflet inlined next to plotly; a scatter with an equal-distance aspect ratio is enough to see
where a merchant sits among its neighbours, and it works offline.
"""

from __future__ import annotations

import html
import math
from typing import Any, cast

import numpy as np
import pandas as pd

from loop._report_data import PART_LABELS, Context, Surroundings, Visits
from loop._report_text import RANK_HEADER, explain, filters_text, funnel, num, ranking_rows, rules

__all__ = ["render_html"]

_PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False}

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


def render_html(ctx: Context) -> str:
    """The whole report as one HTML page that works offline.

    Parameters
    ----------
    ctx
        The report's figures, from :func:`loop._report_data.gather` with ``maps=True``.

    Returns
    -------
    str
        The page, ending with a newline.
    """
    e = html.escape
    r = ctx.ranking
    single = ctx.filters.get("merchant") is not None
    title = (
        f"Merchant loop report: {ctx.chosen.iloc[0]['name']}" if single else "Merchant loop report"
    )
    rows = []
    for rec, (_, row) in zip(ranking_rows(ctx.chosen), ctx.chosen.iterrows(), strict=True):
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
    head = "".join(f"<th>{e(h)}</th>" for h in RANK_HEADER)
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
        f"<div>filters<b>{e(filters_text(ctx.filters))}</b></div>",
        f"<div>merchants<b>{len(r)}</b></div>",
        f"<div>flagged<b>{int(r['flagged'].sum())}</b></div></div>",
        f'<p class="muted"><b>Attribution rules.</b> {e(rules(ctx.config))}</p></section>',
        '<section id="ranking"><h2>Ranking</h2>',
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>",
        '<section id="merchants"><h2>Merchants</h2>',
    ]
    for i, (_, row) in enumerate(ctx.chosen.iterrows()):
        body.append(_html_merchant(i, row, ctx))
    body += ["</section>", "</body></html>"]
    return "\n".join(body) + "\n"


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


def _html_merchant(i: int, row: pd.Series, ctx: Context) -> str:
    import plotly.graph_objects as go

    e = html.escape
    mid, topic = str(row["merchant_id"]), str(row["topic"])
    # one row of the medians (indexed by unique topics), so a Series, never a frame
    med = cast("pd.Series[float]", ctx.medians.loc[topic])
    vis = ctx.visits.get(mid, Visits(np.array([]), int(row["visits"])))

    stages = funnel(row)
    funnel_fig = go.Figure(
        go.Funnel(
            y=[s for s, _ in stages],
            x=[v for _, v in stages],
            textinfo="value",
            marker={"color": "#457b9d"},
        )
    )
    _layout(funnel_fig, "Loop funnel", margin={"l": 110, "r": 20, "t": 40, "b": 30})

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
        _fig_html(funnel_fig, f"m{i}-funnel"),
        _fig_html(parts, f"m{i}-parts"),
        _fig_html(hist, f"m{i}-hours"),
        _fig_html(_map_figure(row, ctx.surroundings.get(mid)), f"m{i}-map"),
    ]
    kpis = [
        ("rank", f"{row['rank']} (topic {row['topic_rank']})"),
        ("score", f"{row['score']:.2f}"),
        ("loop gain", num(row["loop_gain"])),
        (
            "interact→visit",
            f"{num(row['interact_to_visit'])} (median {num(med['interact_to_visit'])})",
        ),
        (
            "visit→share",
            f"{num(row['visit_to_share'])} (median {num(med['visit_to_share'])})",
        ),
        ("from notes", f"{row['attributed_share']:.0%} of visits"),
    ]
    flags = (
        f'<p class="flag">Flagged: {e(row["reasons"] or "the loop looks manufactured")}</p>'
        if row["flagged"]
        else "<p>Not flagged.</p>"
    )
    reading = "".join(f"<li>{e(s)}</li>" for s in explain(row, ctx))
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


def _map_figure(row: pd.Series, around: Surroundings | None) -> Any:
    """The merchant, its nearest merchants and the geocoded notes around them, in lon/lat."""
    import plotly.graph_objects as go

    e = html.escape
    fig = go.Figure()
    if around is None:
        return _layout(fig, "Map: the merchant has no coordinates")
    near, notes = around.near, around.notes
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
