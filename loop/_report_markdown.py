"""The merchant loop report as Markdown.

:func:`render_markdown` turns the report's figures (a :class:`loop._report_data.Context`) into
one Markdown document: an overview with the filters and the attribution rules, the ranking
table, then per chosen merchant its funnel, score parts and conversions against the topic
median, a time-to-visit summary and histogram table, its flags and the plain-language reading
of :func:`loop._report_text.explain`. Every piece of data is escaped for a table cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loop._report_data import PART_LABELS, RATES, Context, Visits
from loop._report_text import (
    RANK_HEADER,
    explain,
    filters_text,
    funnel,
    num,
    ranking_rows,
    rules,
    signed,
)

__all__ = ["render_markdown"]


def render_markdown(ctx: Context) -> str:
    """The whole report as one Markdown document.

    Parameters
    ----------
    ctx
        The report's figures, from :func:`loop._report_data.gather`.

    Returns
    -------
    str
        The document, ending with a newline.
    """
    r, cfg = ctx.ranking, ctx.config
    single = ctx.filters.get("merchant") is not None
    title = (
        f"Merchant loop report: {_md(ctx.chosen.iloc[0]['name'])}"
        if single
        else "Merchant loop report"
    )
    lines = [f"# {title}", "", "## Overview", ""]
    lines += [
        f"- Filters: {_md(filters_text(ctx.filters))}",
        f"- Merchants: {len(r)}",
        f"- Flagged: {int(r['flagged'].sum())}",
        "",
        "Attribution rules: " + rules(cfg),
        "",
        "## Ranking",
        "",
    ]
    lines += _md_table(RANK_HEADER, ranking_rows(ctx.chosen))
    lines += ["", "## Merchants", ""]
    for _, row in ctx.chosen.iterrows():
        lines += _md_merchant(row, ctx)
    return "\n".join(lines) + "\n"


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
    return out


def _md_merchant(row: pd.Series, ctx: Context) -> list[str]:
    mid, topic = row["merchant_id"], row["topic"]
    vis = ctx.visits.get(mid, Visits(np.array([]), int(row["visits"])))
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
    lines += _md_table(["stage", "count"], [[s, f"{v:g}"] for s, v in funnel(row)])
    lines += ["", "#### Score parts", ""]
    med = ctx.medians.loc[topic]
    lines += _md_table(
        ["part", "meaning", "value", f"{_md(topic)} median"],
        [
            [k[5:], PART_LABELS.get(k[5:], k[5:]), signed(row[k]), signed(med[k])]
            for k in row.index
            if k.startswith("part_")
        ],
    )
    lines += ["", "#### Conversions", ""]
    lines += _md_table(
        ["measure", "value", f"{_md(topic)} median"],
        [[label, num(row[c]), num(med[c])] for c, label in RATES],
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
    lines += [f"- {_md(s)}" for s in explain(row, ctx)]
    lines.append("")
    return lines


def _histogram_text(hours: np.ndarray, window_days: float) -> list[tuple[str, int]]:
    edges = [0, 1, 6, 24, 72, 168, window_days * 24]
    labels = ["< 1 h", "1–6 h", "6–24 h", "1–3 days", "3–7 days", f"7–{window_days:g} days"]
    counts, _ = np.histogram(hours, bins=edges)
    return list(zip(labels, (int(c) for c in counts), strict=True))
