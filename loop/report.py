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

This module is the entry point: it checks the request, picks the merchants and writes the file.
The work is done by private modules, one concern each:

:mod:`loop._report_data`
    Gathering the figures from the workspace (ranking, topic medians, time to visit, what each
    map shows) into one context; defines :class:`ReportError` and :data:`PART_LABELS`.
:mod:`loop._report_text`
    The figures in plain words: number formats, the attribution rules, the ranking table's
    cells and the sentences that explain a merchant's score parts and conversions.
:mod:`loop._report_markdown`
    Rendering the context as Markdown.
:mod:`loop._report_html`
    Rendering the context as an offline HTML page with plotly charts.
"""

from __future__ import annotations

import csv
import logging
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from loop._report_data import PART_LABELS as PART_LABELS
from loop._report_data import (
    ReportError,
    connect,
    filtered,
    gather,
    load_ranking,
    unknown_merchant,
)
from loop._report_html import render_html
from loop._report_markdown import render_markdown
from loop.config import LoopConfig
from loop.rank import RANKING_COLUMNS

__all__ = ["ReportError", "write_report"]

logger = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".csv": "csv", ".md": "md", ".html": "html", ".htm": "html"}
"""Output suffix -> format."""


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
    conn = connect(db_path)
    try:
        ranking = filtered(load_ranking(conn), topic=topic, city=city)
        if merchant is not None:
            chosen = ranking[ranking["merchant_id"] == merchant]
            if chosen.empty:
                msg = unknown_merchant(conn, merchant, topic=topic, city=city)
                raise ReportError(msg)
        else:
            chosen = ranking.head(top)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            _write_csv(chosen if merchant is not None else ranking, out)
            rows = len(chosen) if merchant is not None else len(ranking)
        else:
            ctx = gather(
                conn,
                ranking,
                chosen,
                config=config,
                filters={"topic": topic, "city": city, "merchant": merchant, "top": top},
                maps=fmt == "html",
            )
            text = render_markdown(ctx) if fmt == "md" else render_html(ctx)
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


def _write_csv(df: pd.DataFrame, out: Path) -> None:
    """SPEC.md's ranking columns of ``df``, one row per merchant; gaps are empty cells."""
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(RANKING_COLUMNS)
        for rec in df[RANKING_COLUMNS].itertuples(index=False):
            w.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in rec])
