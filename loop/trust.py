"""User trust: a TrustRank-style personalised PageRank seeded on established users.

The graph has three kinds of node -- users, notes (about a merchant) and merchants -- and
directed, aggregated, weighted edges along which endorsement flows:

* user -> note, for the user's interactions with it (like 1, comment 2, collect 1.5, forward 1;
  a view weighs 0: it is exposure, not endorsement; summed per pair, then ``log1p``-damped
  so a hundred likes are not a hundred votes);
* note -> author (a note earns its author the trust of its audience);
* note -> merchant and user -> merchant (visits, ``log1p`` of the count).

The walk restarts on *seed* users: established accounts that were active on several distinct
days, engaged with several merchants and wrote notes that drew an audience of other users.
Trust reaches a user only through endorsements that start at seeds, so throwaway accounts --
which nobody established interacts with -- get almost none. Users who never write keep a
small behavioural floor (activity spread over days and merchants) so lurkers are not zeroed.

The final trust is in [0, 1]: ``max(ppr / median seed ppr, 0.5 * spread)`` clipped to 1.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from loop._frames import KIND_CODE, Prepared, pair_key, prepare
from loop.config import LoopConfig

__all__ = ["KIND_WEIGHT", "personalised_pagerank", "trust_from_prepared", "user_trust"]

logger = logging.getLogger(__name__)

KIND_WEIGHT: dict[str, float] = {
    "view": 0.0,
    "like": 1.0,
    "comment": 2.0,
    "collect": 1.5,
    "forward": 1.0,
}


def user_trust(
    notes: pd.DataFrame,
    events: pd.DataFrame,
    note_merchant: pd.DataFrame | pd.Series,
    *,
    config: LoopConfig | None = None,
) -> pd.DataFrame:
    """Trust of every user.

    Parameters
    ----------
    notes, events, note_merchant
        As for :func:`loop.metrics.loop_metrics`.
    config
        Seed thresholds and walk settings.

    Returns
    -------
    pandas.DataFrame
        user_id, trust (0..1), ppr (raw walk score), seed (bool), active_days, merchants.
    """
    prep = prepare(notes, events, note_merchant)
    return trust_from_prepared(prep, config=config or LoopConfig())


def trust_from_prepared(prep: Prepared, *, config: LoopConfig) -> pd.DataFrame:
    """:func:`user_trust` over prepared arrays (rows in user-code order)."""
    n_u, n_m = len(prep.users), len(prep.merchants)
    n_n = int(prep.notes["note"].to_numpy().max(initial=-1)) + 1
    inter, visits, notes = prep.inter, prep.visits, prep.notes
    day = 86_400

    # activity spread: distinct days and merchants per user
    act_u = np.concatenate([inter["u"].to_numpy(), visits["u"].to_numpy(), notes["u"].to_numpy()])
    act_m = np.concatenate([inter["m"].to_numpy(), visits["m"].to_numpy(), notes["m"].to_numpy()])
    act_d = np.concatenate([inter["t"].to_numpy(), visits["t"].to_numpy(), notes["t"].to_numpy()])
    act_d = act_d // day
    days = _distinct_count(act_u, act_d, n_u)
    merch = _distinct_count(act_u, act_m, n_u)

    # audience: distinct other users acting on each author's notes
    author = np.full(n_n, -1, dtype=np.int64)
    author[notes["note"].to_numpy()] = notes["u"].to_numpy()
    i_author = author[inter["note"].to_numpy()]
    other = i_author != inter["u"].to_numpy()
    audience = _distinct_count(i_author[other], inter["u"].to_numpy()[other], n_u)
    seed = (
        (days >= config.seed_min_days)
        & (merch >= config.seed_min_merchants)
        & (audience >= config.seed_min_audience)
    )
    if not seed.any():
        seed = (days >= config.seed_min_days) & (merch >= config.seed_min_merchants)
    if not seed.any():
        seed = np.ones(n_u, dtype=bool)

    # graph: users [0, n_u), notes [n_u, n_u + n_n), merchants after
    w_kind = np.zeros(max(KIND_CODE.values()) + 1)
    for k, w in KIND_WEIGHT.items():
        w_kind[KIND_CODE[k]] = w
    iu, inote = inter["u"].to_numpy()[other], inter["note"].to_numpy()[other]
    iw = w_kind[inter["kind"].to_numpy()[other]]
    un = pd.DataFrame({"k": pair_key(iu, inote, n_n), "w": iw}).groupby("k")["w"].sum()
    un_key = un.index.to_numpy()
    vm = pd.Series(1.0, index=pair_key(visits["u"].to_numpy(), visits["m"].to_numpy(), n_m))
    vm = vm.groupby(level=0).sum()
    note_codes = notes["note"].to_numpy()
    src = np.concatenate(
        [un_key // n_n, n_u + note_codes, n_u + note_codes, vm.index.to_numpy() // n_m]
    )
    dst = np.concatenate(
        [
            n_u + un_key % n_n,
            notes["u"].to_numpy(),
            n_u + n_n + notes["m"].to_numpy(),
            n_u + n_n + vm.index.to_numpy() % n_m,
        ]
    )
    wts = np.concatenate(
        [
            np.log1p(un.to_numpy()),
            np.full(len(notes), 3.0),
            np.full(len(notes), 1.0),
            np.log1p(vm.to_numpy()),
        ]
    )
    n = n_u + n_n + n_m
    adj = sp.csr_matrix((wts, (src, dst)), shape=(n, n))
    restart = np.zeros(n)
    restart[:n_u][seed] = 1.0
    ppr = personalised_pagerank(
        adj, restart, damping=config.trust_damping, iterations=config.trust_iterations
    )[:n_u]
    ref = float(np.median(ppr[seed])) or 1.0
    spread = np.minimum(1, days / (2 * config.seed_min_days)) * np.minimum(
        1, merch / (2 * config.seed_min_merchants)
    )
    trust = np.clip(np.maximum(ppr / ref, 0.5 * spread), 0.0, 1.0)
    logger.debug("trust: %d users, %d seeds", n_u, int(seed.sum()))
    return pd.DataFrame(
        {
            "user_id": prep.users.to_numpy(),
            "trust": trust,
            "ppr": ppr,
            "seed": seed,
            "active_days": days,
            "merchants": merch,
        }
    )


def personalised_pagerank(
    adj: sp.csr_matrix, restart: np.ndarray, *, damping: float = 0.85, iterations: int = 30
) -> np.ndarray:
    """Personalised PageRank by power iteration over a weighted sparse adjacency matrix.

    Parameters
    ----------
    adj
        n x n, ``adj[i, j]`` the weight of edge i -> j (duplicates summed).
    restart
        Non-negative restart weights (normalised here); dangling nodes also restart.
    damping
        Probability of following an edge.
    iterations
        Power-iteration steps.

    Returns
    -------
    numpy.ndarray
        Stationary scores summing to 1.
    """
    out_w = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_w, out=np.zeros_like(out_w), where=out_w > 0)
    trans = sp.diags(inv) @ adj
    trans_t = trans.T.tocsr()
    s = restart / restart.sum()
    dangling = out_w == 0
    r = s.copy()
    for _ in range(iterations):
        r = damping * (trans_t @ r) + (damping * r[dangling].sum() + 1 - damping) * s
    return r


def _distinct_count(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    ok = keys >= 0
    nv = int(values.max(initial=0)) + 1
    uniq = np.unique(pair_key(keys[ok], values[ok] - values[ok].min(initial=0), nv))
    return np.bincount(uniq // nv, minlength=n)
