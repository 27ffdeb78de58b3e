"""Campaign shortlists: rank the selected merchants and work out what the shortlist offers.

Pure functions over the frames :mod:`topics.campaign` reads from a workspace and filters:
the selected notes, the topic's hotspots and the events on the notes, all within a
:class:`Window` of note creation times. They rank the merchants into a shortlist (each with
the reason for its rank), place them in hotspots, pick representative notes, and work out
the walking route through the best hotspot, the expected reach and the lift.

Walking distances are great-circle distances multiplied by :data:`STREET_FACTOR` (1.3), a
common detour factor for city street networks; no street graph is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo.resolve import haversine_km

__all__ = [
    "STREET_FACTOR",
    "Window",
    "best_hotspot",
    "describe_lift",
    "expected_reach",
    "in_window",
    "measure_lift",
    "merchant_hotspots",
    "merchant_records",
    "representative_notes",
    "shortlist_merchants",
    "shortlisted_hotspots",
    "walking_route",
]

#: Walking distance = great-circle distance x this factor (street-network detours).
STREET_FACTOR: Final = 1.3
_INTERACTIONS: Final = ("like", "comment", "collect", "forward")
_REACH_KINDS: Final = ("view", "like", "collect")
_NOTES_PER_MERCHANT: Final = 3


@dataclass(frozen=True, slots=True)
class Window:
    """A window of time in UTC; ``None`` leaves that end open.

    Attributes
    ----------
    since
        The first instant in the window.
    until
        The first instant after the window (the end is exclusive).
    """

    since: datetime | None
    until: datetime | None  # exclusive

    def label(self) -> str:
        """The window as text, ``"<since> .. <until> (end exclusive)"``."""
        a = self.since.isoformat() if self.since else "the first note"
        b = self.until.isoformat() if self.until else "the last note"
        return f"{a} .. {b} (end exclusive)"


def in_window(times: pd.Series, window: Window) -> pd.Series:
    """A boolean mask of the ``times`` (UTC timestamps) that fall in ``window``."""
    keep = pd.Series(True, index=times.index)
    if window.since is not None:
        keep &= times >= pd.Timestamp(window.since)
    if window.until is not None:
        keep &= times < pd.Timestamp(window.until)
    return keep


# ---------------------------------------------------------------------------- ranking


def merchant_hotspots(hotspots: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Each merchant's hotspot (the one with the most notes when it belongs to several).

    Parameters
    ----------
    hotspots
        The topic's hotspots (``hotspot_id``, ``name``, ``n_notes``, ``members``).

    Returns
    -------
    dict
        merchant id -> ``{"hotspot_id", "name", "n"}`` (``n`` is the hotspot's notes).
    """
    out: dict[str, dict[str, Any]] = {}
    for row in hotspots.sort_values("n_notes", ascending=False, kind="stable").itertuples():
        for member in row.members:
            out.setdefault(
                str(member), {"hotspot_id": row.hotspot_id, "name": row.name, "n": row.n_notes}
            )
    return out


def shortlist_merchants(
    sel: pd.DataFrame,
    *,
    top: int,
    hotspot_of: dict[str, dict[str, Any]],
    scope: str,
    loop: dict[str, tuple[float, int]] | None = None,
) -> pd.DataFrame:
    """The ``top`` merchants of the selected notes, each with its rank and why.

    Parameters
    ----------
    sel
        The selected notes (``note_id``, ``merchant_id``, ``name``, ``m_lat``, ``m_lon``,
        ``city``).
    top
        How many merchants to keep.
    hotspot_of
        Each merchant's hotspot, from :func:`merchant_hotspots`.
    scope
        Where the selection was made (``"in 上海"``, ``"overall"``), for the why.
    loop
        merchant id -> (loop score, flagged) from the workspace's ranking. When given,
        merchants rank by loop score (then notes) and flagged ones are left out; otherwise
        by notes in the window, ties by name.

    Returns
    -------
    pandas.DataFrame
        One row per merchant in rank order: ``rank``, ``merchant_id``, ``name``, ``lat``,
        ``lon``, ``city``, ``notes_in_window``, ``share_of_topic_notes``, ``hotspot_id``,
        ``hotspot``, ``why`` (and ``loop_score`` with a ranking).
    """
    grouped = (
        sel.groupby("merchant_id", as_index=False)
        .agg(name=("name", "first"), lat=("m_lat", "first"), lon=("m_lon", "first"),
             city=("city", "first"), notes_in_window=("note_id", "nunique"))
    )  # fmt: skip
    total = int(sel["note_id"].nunique())
    n_merchants = len(grouped)
    if loop:
        # Ranked by the loop (how well notes turn into visits and new notes), and merchants
        # whose loop looks manufactured are left out of a campaign.
        grouped["loop_score"] = [loop.get(m, (float("nan"), 0))[0] for m in grouped.merchant_id]
        flagged = [bool(loop.get(m, (0.0, 0))[1]) for m in grouped.merchant_id]
        grouped = grouped[~pd.Series(flagged, index=grouped.index)]
        order = ["loop_score", "notes_in_window", "name", "merchant_id"]
        grouped = grouped.sort_values(
            order, ascending=[False, False, True, True], kind="stable", na_position="last"
        ).head(top)
        basis = "by loop score"
    else:
        grouped = grouped.sort_values(
            ["notes_in_window", "name", "merchant_id"], ascending=[False, True, True], kind="stable"
        ).head(top)
        basis = "by notes in the window"
    grouped.insert(0, "rank", range(1, len(grouped) + 1))
    grouped["share_of_topic_notes"] = (grouped["notes_in_window"] / total).round(4)
    grouped["hotspot_id"] = [hotspot_of.get(m, {}).get("hotspot_id") for m in grouped.merchant_id]
    grouped["hotspot"] = [hotspot_of.get(m, {}).get("name") for m in grouped.merchant_id]
    whys = []
    for row in grouped.itertuples():
        loop_part = f" (loop score {row.loop_score:.2f})" if loop else ""
        why = (
            f"#{row.rank} of {n_merchants} merchants {scope} {basis}{loop_part}: "
            f"{row.notes_in_window} notes in the window, "
            f"{row.share_of_topic_notes:.1%} of the selection"
        )
        hotspot = cast("str | None", row.hotspot)
        if hotspot:
            why += f"; in hotspot {hotspot}"
        whys.append(why)
    grouped["why"] = whys
    return grouped.reset_index(drop=True)


def representative_notes(sel: pd.DataFrame, merchant_ids: Sequence[str]) -> dict[str, list]:
    """Up to three notes per merchant, the most confidently geocoded first, then newest.

    Returns
    -------
    dict
        merchant id -> note records (``note_id``, ``created_at``, ``confidence``, ``title``,
        ``text``), for every id in ``merchant_ids``.
    """
    chosen = sel[sel["merchant_id"].isin(merchant_ids)].sort_values(
        ["confidence", "created_at"], ascending=[False, False], kind="stable"
    )
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in merchant_ids}
    for row in chosen.itertuples():
        bucket = out[cast(str, row.merchant_id)]
        if len(bucket) < _NOTES_PER_MERCHANT:
            bucket.append(
                {
                    "note_id": row.note_id,
                    "created_at": row.created_at,
                    "confidence": round(float(cast(float, row.confidence)), 4),
                    "title": row.title if isinstance(row.title, str) else None,
                    "text": row.text,
                }
            )
    return out


def shortlisted_hotspots(
    short: pd.DataFrame, hotspots: gpd.GeoDataFrame, *, best_id: str | None
) -> list[dict[str, Any]]:
    """The hotspots holding shortlisted merchants, most shortlisted (then notes) first.

    Parameters
    ----------
    short
        The shortlist, from :func:`shortlist_merchants`.
    hotspots
        The topic's hotspots.
    best_id
        The hotspot the walking route goes through (:func:`best_hotspot`), marked ``best``.

    Returns
    -------
    list of dict
        ``hotspot_id``, ``name``, ``lat``, ``lon``, ``n_notes``, ``shortlisted``,
        ``notes_in_window``, ``merchants`` and ``best``.
    """
    rows = []
    for hid, group in short[short["hotspot_id"].notna()].groupby("hotspot_id", sort=False):
        h = hotspots[hotspots["hotspot_id"] == hid].iloc[0]
        rows.append(
            {
                "hotspot_id": hid,
                "name": h["name"],
                "lat": h["lat"],
                "lon": h["lon"],
                "n_notes": int(h["n_notes"]),
                "shortlisted": len(group),
                "notes_in_window": int(group["notes_in_window"].sum()),
                "merchants": list(group["merchant_id"]),
                "best": hid == best_id,
            }
        )
    rows.sort(key=lambda r: (-r["shortlisted"], -r["notes_in_window"], r["name"]))
    return rows


def merchant_records(
    short: pd.DataFrame, *, reach: dict[str, Any], notes: dict[str, list]
) -> list[dict[str, Any]]:
    """The shortlist as records: each merchant's score, hotspot, why and notes.

    Parameters
    ----------
    short
        The shortlist, from :func:`shortlist_merchants`.
    reach
        The expected reach, from :func:`expected_reach` (its ``by_merchant`` part is used).
    notes
        Each merchant's representative notes, from :func:`representative_notes`.

    Returns
    -------
    list of dict
        One record per merchant in rank order, as ``campaign.json`` holds them.
    """
    records = []
    for row in short.itertuples():
        records.append(
            {
                "rank": row.rank,
                "merchant_id": row.merchant_id,
                "name": row.name,
                "lat": row.lat,
                "lon": row.lon,
                "city": row.city,
                "score": {
                    "notes_in_window": int(cast(int, row.notes_in_window)),
                    "share_of_topic_notes": float(cast(float, row.share_of_topic_notes)),
                    "reach": reach["by_merchant"].get(row.merchant_id, 0),
                },
                "hotspot_id": row.hotspot_id,
                "hotspot": row.hotspot,
                "why": row.why,
                "representative_notes": notes.get(cast(str, row.merchant_id), []),
            }
        )
    return records


# ---------------------------------------------------------------------------- route


def walking_route(points: pd.DataFrame) -> dict[str, Any]:
    """A short walking order through points (``merchant_id``, ``name``, ``lat``, ``lon``).

    Walking distance between two points is the great-circle distance times
    :data:`STREET_FACTOR`. The order is networkx's travelling-salesman approximation
    (Christofides) as an open path over the complete graph, so every point is visited once.

    Returns
    -------
    dict
        ``stops`` (ordered, each with ``leg_m``, the walk from the previous stop),
        ``total_m`` and ``street_factor``.
    """
    pts = points.reset_index(drop=True)
    ids = list(pts["merchant_id"])
    if len(ids) <= 2:
        order = ids
    else:
        G = nx.Graph()
        for i in range(len(pts)):
            for j in range(i + 1, len(pts)):
                G.add_edge(ids[i], ids[j], weight=_walk_m(pts.iloc[i], pts.iloc[j]))
        order = list(nx.approximation.traveling_salesman_problem(G, weight="weight", cycle=False))
    by_id = {r.merchant_id: r for r in pts.itertuples()}
    stops, total, prev = [], 0.0, None
    for mid in order:
        row = by_id[mid]
        leg = 0.0 if prev is None else _walk_m(prev, row)
        total += leg
        stops.append({"merchant_id": mid, "name": row.name, "leg_m": round(leg)})
        prev = row
    return {"stops": stops, "total_m": round(total), "street_factor": STREET_FACTOR}


def _walk_m(a: Any, b: Any) -> float:
    return float(haversine_km(a.lon, a.lat, b.lon, b.lat)) * 1000.0 * STREET_FACTOR


def best_hotspot(short: pd.DataFrame) -> tuple[str | None, pd.DataFrame]:
    """The hotspot holding the most shortlisted merchants (then notes); its merchants.

    Parameters
    ----------
    short
        The shortlist, with ``merchant_id``, ``notes_in_window``, ``hotspot_id`` and
        ``hotspot`` (the hotspot's name; ties are broken by it).

    Returns
    -------
    tuple
        The hotspot id and the shortlist's rows inside it, or ``None`` and no rows when no
        shortlisted merchant lies in a hotspot.
    """
    inside = short[short["hotspot_id"].notna()]
    if inside.empty:
        return None, short.iloc[0:0]
    stats = inside.groupby("hotspot_id").agg(
        n=("merchant_id", "size"), notes=("notes_in_window", "sum"), name=("hotspot", "first")
    )
    stats = stats.sort_values(["n", "notes", "name"], ascending=[False, False, True])
    best = str(stats.index[0])
    return best, inside[inside["hotspot_id"] == best]


# ---------------------------------------------------------------------------- reach, lift


def expected_reach(events: pd.DataFrame, sel: pd.DataFrame, short: pd.DataFrame) -> dict[str, Any]:
    """The unique users who viewed, liked or collected the shortlisted merchants' notes.

    Parameters
    ----------
    events
        Events (``user_id``, ``kind``, ``note_id``), already limited to the window.
    sel
        The selected notes (``note_id``, ``merchant_id``).
    short
        The shortlist (``merchant_id``).

    Returns
    -------
    dict
        ``kinds`` (the event kinds counted), ``unique_users`` and ``by_merchant``
        (merchant id -> unique users).
    """
    notes = sel[sel["merchant_id"].isin(short["merchant_id"])][["note_id", "merchant_id"]]
    seen = events[events["kind"].isin(_REACH_KINDS)].merge(notes, on="note_id", how="inner")
    seen = seen.rename(columns={"merchant_id_y": "merchant_id"})
    per = seen.groupby("merchant_id")["user_id"].nunique()
    return {
        "kinds": list(_REACH_KINDS),
        "unique_users": int(seen["user_id"].nunique()),
        "by_merchant": {m: int(per.get(m, 0)) for m in short["merchant_id"]},
    }


def measure_lift(
    topic_notes: pd.DataFrame, events: pd.DataFrame, short: pd.DataFrame, window: Window
) -> tuple[list[dict[str, Any]], Window, Window]:
    """Each shortlisted merchant's notes, interactions and visits against the window before.

    Parameters
    ----------
    topic_notes
        All the topic's merchant notes (``note_id``, ``merchant_id``, ``created``).
    events
        Events on those notes and visits to the shortlisted merchants (``kind``,
        ``note_id``, ``merchant_id``, ``when``).
    short
        The shortlist (``merchant_id``, ``name``).
    window
        The campaign window; an open end is closed at the first note or event (since) or
        just after the last one (until).

    Returns
    -------
    tuple
        The rows (one per merchant: each count, its ``_before`` count and its ``_lift``,
        ``None`` when there was none before), the window measured and the window before it
        of the same length.
    """
    start = window.since or min(topic_notes["created"].min(), events["when"].min()).to_pydatetime()
    stop = window.until
    if stop is None:
        last = max(topic_notes["created"].max(), events["when"].max())
        stop = last.to_pydatetime() + timedelta(seconds=1)
    current = Window(start, stop)
    before = Window(start - (stop - start), start)
    note_owner = topic_notes.set_index("note_id")["merchant_id"]
    ev = events.assign(owner=events["note_id"].map(note_owner))
    ev.loc[ev["kind"] == "visit", "owner"] = ev["merchant_id"]
    rows = []
    for m in short.itertuples():
        row: dict[str, Any] = {"merchant_id": m.merchant_id, "name": m.name}
        mine_notes = topic_notes[topic_notes["merchant_id"] == m.merchant_id]
        mine_ev = ev[ev["owner"] == m.merchant_id]
        for key, frame, col, kinds in (
            ("notes", mine_notes, "created", None),
            ("interactions", mine_ev, "when", _INTERACTIONS),
            ("visits", mine_ev, "when", ("visit",)),
        ):
            if kinds is not None:
                frame = frame[frame["kind"].isin(kinds)]
            now = int(in_window(frame[col], current).sum())
            then = int(in_window(frame[col], before).sum())
            row[key] = now
            row[f"{key}_before"] = then
            row[f"{key}_lift"] = round((now - then) / then, 4) if then else None
        rows.append(row)
    return rows, current, before


def describe_lift(rows: list[dict[str, Any]], current: Window, before: Window) -> str:
    """One line totalling :func:`measure_lift`'s rows: each count before -> now (change)."""

    def total(key: str) -> tuple[int, int]:
        return sum(r[key] for r in rows), sum(r[f"{key}_before"] for r in rows)

    parts = []
    for key in ("notes", "interactions", "visits"):
        now, then = total(key)
        change = f"{(now - then) / then:+.0%}" if then else "n/a (none before)"
        parts.append(f"{key} {then} -> {now} ({change})")
    return (
        f"lift for {len(rows)} merchants, {current.label()} against {before.label()}: "
        + "; ".join(parts)
    )
