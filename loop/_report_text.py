"""The merchant loop report in plain words, shared by its Markdown and HTML renderers.

Number formats, the attribution rules as one paragraph, the ranking table's header and cells,
a merchant's loop funnel and :func:`explain`: the sentences that read a merchant's conversions
and score parts against its topic's median (what drives its loop, what holds it back, why it
is flagged). Nothing here escapes text; each renderer escapes for its own format.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from loop._report_data import PART_LABELS, RATES, Context
from loop.config import LoopConfig

__all__ = [
    "RANK_HEADER",
    "explain",
    "filters_text",
    "funnel",
    "num",
    "ranking_rows",
    "rules",
    "signed",
]

RANK_HEADER: list[str] = [
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
"""Column names of the ranking table; :func:`ranking_rows` gives its cells."""


def num(x: float) -> str:
    """A rate or count for reading: two decimals, three below 0.1, ``n/a`` for a gap."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.2f}" if abs(x) >= 0.1 or x == 0 else f"{x:.3f}"


def signed(x: float) -> str:
    """A score part with its sign and two decimals (never ``-0.00``)."""
    return f"{float(x) + 0.0:+.2f}".replace("-0.00", "+0.00")


def rules(config: LoopConfig) -> str:
    """The attribution rules and the score, as one paragraph."""
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


def filters_text(filters: dict[str, Any]) -> str:
    """The filters the report was asked for, as ``key=value`` pairs (``none`` without)."""
    shown = [f"{k}={v}" for k, v in filters.items() if v is not None and k != "top"]
    if filters.get("merchant") is None:
        shown.append(f"top={filters['top']}")
    return ", ".join(shown) if shown else "none"


def ranking_rows(df: pd.DataFrame) -> list[list[object]]:
    """The cells of the ranking table, one list per merchant, in :data:`RANK_HEADER` order."""
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
            num(r["interact_to_visit"]),
            num(r["visit_to_share"]),
            num(r["loop_gain"]),
            "FLAGGED" if r["flagged"] else "",
        ]
        for _, r in df.iterrows()
    ]


def funnel(row: pd.Series) -> list[tuple[str, float]]:
    """The stages of a merchant's loop with their counts, notes first."""
    return [
        ("notes", float(row["shares"])),
        ("interactions", float(row["interactions"])),
        ("visits", float(row["visits"])),
        ("attributed visits", float(row["attributed_visits"])),
        ("reshares", float(row["reshares"])),
    ]


def explain(row: pd.Series, ctx: Context) -> list[str]:
    """Plain-language sentences: what drives this merchant's loop and what holds it back.

    Parameters
    ----------
    row
        One merchant of ``ctx.chosen``.
    ctx
        The report's figures (the topic medians, the time to visit, the loop rules).

    Returns
    -------
    list of str
        One sentence each, unescaped: the conversions against the topic median, where the
        visits came from, the time to visit, the loop gain, the score as a sum of parts, the
        parts above and below the median, and the flag.
    """
    topic = row["topic"]
    med = ctx.medians.loc[topic]
    lines: list[str] = []
    for col, label in RATES:
        v, m = float(row[col]), float(med[col])
        where = "above" if v > m else "below" if v < m else "at"
        lines.append(f"Your {label} {num(v)} is {where} the {topic} median {num(m)}.")
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
        f"Loop gain {num(gain)}: "
        + (
            "each note brings at least one new note through a visit; the loop sustains itself."
            if gain >= 1
            else "each note brings fewer than one new note through a visit; the loop needs "
            "outside notes to keep turning."
        )
    )
    parts = {k[5:]: float(row[k]) for k in row.index if k.startswith("part_")}
    expr = " ".join(f"{signed(v)} ({k})" for k, v in parts.items())
    lines.append(f"Score {row['score']:.2f} = {expr}.")
    deltas = {k: v - float(med[f"part_{k}"]) for k, v in parts.items() if k != "flag"}
    drives = sorted((k for k, d in deltas.items() if d > 0), key=lambda k: -deltas[k])
    holds = sorted((k for k, d in deltas.items() if d < 0), key=lambda k: deltas[k])
    if drives:
        lines.append(
            "What drives your loop: "
            + "; ".join(
                f"{PART_LABELS.get(k, k)} {signed(parts[k])} "
                f"(the {topic} median is {signed(float(med[f'part_{k}']))})"
                for k in drives
            )
            + "."
        )
    if holds:
        lines.append(
            "What holds it back: "
            + "; ".join(
                f"{PART_LABELS.get(k, k)} {signed(parts[k])} "
                f"(the {topic} median is {signed(float(med[f'part_{k}']))})"
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
