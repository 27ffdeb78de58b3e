"""The loop graph, and the sparse PageRank checked against networkx's."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from loop.graph import graph_from_events, loop_paths, node
from loop.trust import personalised_pagerank

NOTES = pd.DataFrame(
    {
        "note_id": ["n1", "n2", "n3"],
        "user_id": ["alice", "bob", "carol"],
        "created_at": ["2026-05-01T10:00:00Z", "2026-05-09T10:00:00Z", "2026-05-02T10:00:00Z"],
    }
)
EVENTS = pd.DataFrame(
    {
        "ts": ["2026-05-02T09:00:00Z", "2026-05-03T18:00:00Z", "2026-05-04T09:00:00Z"],
        "user_id": ["bob", "bob", "dave"],
        "kind": ["like", "visit", "view"],
        "note_id": ["n1", None, "n3"],
        "merchant_id": [None, "m1", None],
    }
)
NOTE_MERCHANT = pd.Series({"n1": "m1", "n2": "m1", "n3": "m2"})


def test_graph_has_the_loop_edges() -> None:
    G = graph_from_events(NOTES, EVENTS, NOTE_MERCHANT)
    assert G.nodes[node("merchant", "m1")]["kind"] == "merchant"
    kinds = sorted(d["kind"] for _, _, d in G.edges(data=True))
    assert kinds == [
        "like",
        "mention",
        "mention",
        "mention",
        "share",
        "share",
        "share",
        "view",
        "visit",
    ]
    # alice shares n1 -> bob likes it -> bob visits m1 -> bob shares n2 about m1
    assert loop_paths(G, "m1") == [("note:n1", "user:bob", "2026-05-03T18:00:00Z", "note:n2")]
    assert loop_paths(G, "m2") == []  # dave only looked
    assert loop_paths(G, "nowhere") == []


def test_sparse_pagerank_matches_networkx() -> None:
    rng = np.random.default_rng(0)
    n = 30
    edges = {
        (int(a), int(b)): float(w)
        for a, b, w in zip(
            rng.integers(0, n, 120), rng.integers(0, n, 120), rng.uniform(0.5, 3, 120), strict=True
        )
        if a != b
    }
    rows, cols = zip(*edges, strict=True)
    adj = sp.csr_matrix((list(edges.values()), (rows, cols)), shape=(n, n))
    restart = np.zeros(n)
    restart[[0, 3, 7]] = [2.0, 1.0, 1.0]
    ours = personalised_pagerank(adj, restart, iterations=200)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from((a, b, w) for (a, b), w in edges.items())
    theirs = nx.pagerank(
        G, alpha=0.85, personalization={i: restart[i] for i in range(n)}, tol=1e-12, max_iter=1000
    )
    np.testing.assert_allclose(ours, [theirs[i] for i in range(n)], atol=1e-8)
