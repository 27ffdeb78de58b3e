"""The loop as a networkx graph: users, notes and merchants, with timed edges.

``share -> interact -> visit -> share``: a user *authors* a note, the note *mentions* a
merchant (from geocoding), users *interact* with the note (view, like, comment, collect,
forward), users *visit* the merchant, and a visitor may author a note about it in turn.

:func:`graph_from_events` builds that graph for inspection, explanation and small
analyses (a merchant's ego graph, the paths that close its loop). Ranking at scale does
not walk this graph: :mod:`loop.metrics` and :mod:`loop.trust` aggregate the same edges
into sparse matrices first, which is what keeps 10 million events tractable.
"""

from __future__ import annotations

from typing import Final

import networkx as nx
import pandas as pd

__all__ = ["EDGE_KINDS", "graph_from_events", "loop_paths", "node"]

#: Edge kinds: authoring, mention, the five interactions, and the visit.
EDGE_KINDS: Final = ("share", "mention", "view", "like", "comment", "collect", "forward", "visit")


def node(kind: str, ident: str) -> str:
    """The graph's name for a user, note or merchant: ``"user:u1"``, ``"note:n1"``, ..."""
    return f"{kind}:{ident}"


def graph_from_events(
    notes: pd.DataFrame, events: pd.DataFrame, note_merchant: pd.DataFrame | pd.Series
) -> nx.MultiDiGraph:
    """Build the loop graph.

    Parameters
    ----------
    notes
        note_id, user_id, created_at.
    events
        ts, user_id, kind, note_id, merchant_id (SPEC.md's events).
    note_merchant
        note_id -> merchant_id (a Series, or a frame with those two columns).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``user:…``, ``note:…``, ``merchant:…`` with a ``kind`` attribute; edges
        user -share-> note, note -mention-> merchant, user -view/like/…-> note and
        user -visit-> merchant, each with ``kind`` and ``ts`` (the ISO timestamp).
    """
    if isinstance(note_merchant, pd.DataFrame):
        note_merchant = note_merchant.set_index("note_id")["merchant_id"]
    G = nx.MultiDiGraph()
    for n in notes.itertuples(index=False):
        user, note = node("user", str(n.user_id)), node("note", str(n.note_id))
        G.add_node(user, kind="user")
        G.add_node(note, kind="note")
        G.add_edge(user, note, kind="share", ts=str(n.created_at))
    for note_id, merchant_id in note_merchant.items():
        note, merchant = node("note", str(note_id)), node("merchant", str(merchant_id))
        if note in G:
            G.add_node(merchant, kind="merchant")
            G.add_edge(note, merchant, kind="mention")
    for e in events.itertuples(index=False):
        user = node("user", str(e.user_id))
        G.add_node(user, kind="user")
        if e.kind == "visit":
            target = node("merchant", str(e.merchant_id))
            G.add_node(target, kind="merchant")
        else:
            target = node("note", str(e.note_id))
            G.add_node(target, kind="note")
        G.add_edge(user, target, kind=str(e.kind), ts=str(e.ts))
    return G


def loop_paths(G: nx.MultiDiGraph, merchant_id: str) -> list[tuple[str, str, str, str]]:
    """The closed loops of one merchant: (note, visitor, visit time, the visitor's new note).

    A loop closes when a user who interacted with a note about the merchant later visits
    it and then shares a note about it themselves (times compared as ISO strings, which
    sort correctly for one time zone, as loopmap stores them in UTC).
    """
    merchant = node("merchant", merchant_id)
    if merchant not in G:
        return []
    notes = [u for u, _, d in G.in_edges(merchant, data=True) if d["kind"] == "mention"]
    about = set(notes)
    out = []
    for note in notes:
        for user, _, d in G.in_edges(note, data=True):
            if d["kind"] in ("share", "mention"):
                continue
            seen = d["ts"]
            visits = [
                v["ts"]
                for _, target, v in G.out_edges(user, data=True)
                if target == merchant and v["kind"] == "visit" and v["ts"] >= seen
            ]
            if not visits:
                continue
            visit = min(visits)
            for _, new, s in G.out_edges(user, data=True):
                if s["kind"] == "share" and new in about and s["ts"] >= visit and new != note:
                    out.append((note, user, visit, new))
    return sorted(set(out))
