"""Manufactured-loop detection: which merchants buy their loop, and why we think so.

Account profile (per user, over all their activity): first activity, number of events, the
merchant most of it concerns and that share. An account is *single-purpose* for merchant *m*
when at least ``single_purpose_share`` of its (at least ``single_purpose_min_events``) events
concern *m*, and *fresh* at an event within ``fresh_days`` of its first activity.

Detectors (each a vectorised group-by over merchants; each flag carries its figures):

``sybil_likes``
    likes/collects on the merchant's notes from fresh single-purpose accounts;
``paid_notes``
    notes about the merchant by single-purpose authors who never visited it (only for
    merchants with recorded visits: without any, "never visited" says nothing);
``fake_visits``
    visits with no prior exposure by fresh single-purpose accounts, clustered in time (another
    such visit to the merchant within two hours);
``forward_ring``
    forwards of the merchant's notes by a ring of single-purpose accounts that forward the
    same notes;
``dense_block``
    FRAUDAR peeling (:mod:`loop.fraudar`) of the column-weighted user x merchant matrix of
    low-trust accounts; a block of mostly single-purpose accounts flags its merchants (not
    run without interaction events, where trust is unmeasured rather than low).

A scheme flags a merchant when at least ``min_suspect_accounts`` accounts take part and their
activity is at least ``min_suspect_share`` of the merchant's activity of that kind.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp

from loop._frames import KIND_CODE, Prepared, prepare
from loop.config import LoopConfig
from loop.fraudar import column_weighted, dense_blocks
from loop.metrics import DAY, attribute_visits
from loop.trust import trust_from_prepared

__all__ = ["account_profile", "detect_from_prepared", "detect_manufactured"]

logger = logging.getLogger(__name__)


def detect_manufactured(
    notes: pd.DataFrame,
    events: pd.DataFrame,
    note_merchant: pd.DataFrame | pd.Series,
    *,
    config: LoopConfig | None = None,
) -> pd.DataFrame:
    """Flag merchants whose loop looks manufactured.

    Parameters
    ----------
    notes, events, note_merchant
        As for :func:`loop.metrics.loop_metrics`.
    config
        Thresholds.

    Returns
    -------
    pandas.DataFrame
        merchant_id, flagged (0/1), reasons (``; ``-joined, each with its figures), and
        suspect_accounts (count).
    """
    config = config or LoopConfig()
    prep = prepare(notes, events, note_merchant)
    trust = trust_from_prepared(prep, config=config)["trust"].to_numpy()
    flags, _ = detect_from_prepared(prep, trust, config=config)
    return flags


def account_profile(prep: Prepared) -> pd.DataFrame:
    """Per user code: first_t, n_events, top_m (main merchant), top_share."""
    n_u = len(prep.users)
    u = np.concatenate([prep.inter["u"], prep.visits["u"], prep.notes["u"]])
    m = np.concatenate([prep.inter["m"], prep.visits["m"], prep.notes["m"]])
    t = np.concatenate([prep.inter["t"], prep.visits["t"], prep.notes["t"]])
    first = np.full(n_u, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, u, t)
    n = np.bincount(u, minlength=n_u)
    pair = pd.DataFrame({"u": u, "m": m}).value_counts().reset_index(name="c")
    pair = pair.sort_values(["u", "c"], ascending=[True, False]).drop_duplicates("u")
    top_m = np.full(n_u, -1, dtype=np.int64)
    top_c = np.zeros(n_u)
    top_m[pair["u"].to_numpy()] = pair["m"].to_numpy()
    top_c[pair["u"].to_numpy()] = pair["c"].to_numpy()
    share = np.divide(top_c, n, out=np.zeros(n_u), where=n > 0)
    return pd.DataFrame({"first_t": first, "n_events": n, "top_m": top_m, "top_share": share})


def detect_from_prepared(
    prep: Prepared, trust: np.ndarray, *, config: LoopConfig
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`detect_manufactured` over prepared arrays.

    Returns
    -------
    tuple
        The flags frame, and a boolean mask over user codes: the accounts behind the flags.
    """
    n_m, n_u = len(prep.merchants), len(prep.users)
    prof = account_profile(prep)
    single = (prof["n_events"].to_numpy() >= config.single_purpose_min_events) & (
        prof["top_share"].to_numpy() >= config.single_purpose_share
    )
    top_m, first = prof["top_m"].to_numpy(), prof["first_t"].to_numpy()
    fresh_s = int(config.fresh_days * DAY)
    reasons: list[list[str]] = [[] for _ in range(n_m)]
    suspects = np.zeros(n_u, dtype=bool)

    def flag(
        scheme: str,
        m_ev: np.ndarray,
        u_ev: np.ndarray,
        total: np.ndarray,
        what: str,
        min_accounts: int = config.min_suspect_accounts,
    ) -> None:
        n_ev = np.bincount(m_ev, minlength=n_m)
        acc = pd.Series(u_ev).groupby(m_ev).nunique().reindex(range(n_m), fill_value=0).to_numpy()
        share = np.divide(n_ev, total, out=np.zeros(n_m), where=total > 0)
        hit = (acc >= min_accounts) & (share >= config.min_suspect_share)
        for j in np.flatnonzero(hit):
            reasons[j].append(
                f"{scheme}: {n_ev[j]} {what} from {acc[j]} suspect accounts "
                f"({share[j]:.0%} of the merchant's)"
            )
        suspects[u_ev[hit[m_ev]]] = True

    inter = prep.inter
    iu, im, it, ik = (inter[c].to_numpy() for c in ("u", "m", "t", "kind"))
    own = single[iu] & (top_m[iu] == im) & (it - first[iu] <= fresh_s)
    lc = np.isin(ik, [KIND_CODE["like"], KIND_CODE["collect"]])
    flag(
        "sybil_likes",
        im[lc & own],
        iu[lc & own],
        np.bincount(im[lc], minlength=n_m),
        "likes/collects",
    )
    fw = ik == KIND_CODE["forward"]
    ring = fw & single[iu] & (top_m[iu] == im)
    flag("forward_ring", im[ring], iu[ring], np.bincount(im[fw], minlength=n_m), "forwards")

    notes, visits = prep.notes, prep.visits
    nu, nmc = notes["u"].to_numpy(), notes["m"].to_numpy()
    visited = np.zeros(0, dtype=np.int64)
    if len(visits):
        visited = np.unique(visits["u"].to_numpy() * np.int64(n_m) + visits["m"].to_numpy())
    never = ~np.isin(nu * np.int64(n_m) + nmc, visited)
    # "never visited" means something only where visits are recorded at all: a merchant
    # with none (or a workspace without visit events) gives no contrast
    has_visits = np.bincount(visits["m"].to_numpy(), minlength=n_m) > 0
    devoted = prof["top_share"].to_numpy() >= config.single_purpose_share
    paid = never & has_visits[nmc] & devoted[nu] & (top_m[nu] == nmc)
    n_paid = np.bincount(nmc[paid], minlength=n_m)
    paid &= n_paid[nmc] >= config.min_paid_notes
    flag(
        "paid_notes",
        nmc[paid],
        nu[paid],
        np.bincount(nmc, minlength=n_m),
        "notes by devoted authors who never visited,",
        min_accounts=2,
    )

    vu, vm, vt = (visits[c].to_numpy() for c in ("u", "m", "t"))
    expo_codes = [KIND_CODE[k] for k in config.exposure_kinds if k in KIND_CODE]
    expo = inter[np.isin(ik, expo_codes)]
    att = attribute_visits(expo, visits, window_s=int(config.attribution_days * DAY))
    cold = ~att["attributed"] & single[vu] & (top_m[vu] == vm) & (vt - first[vu] <= fresh_s)
    order = np.lexsort((vt[cold], vm[cold]))
    cm, ct = vm[cold][order], vt[cold][order]
    near = np.zeros(cm.size, dtype=bool)
    same = cm[1:] == cm[:-1]
    close = same & (ct[1:] - ct[:-1] <= 2 * 3600)
    near[1:] |= close
    near[:-1] |= close
    flag(
        "fake_visits",
        cm[near],
        vu[cold][order][near],
        np.bincount(vm, minlength=n_m),
        "clustered unexposed visits",
    )

    _dense(prep, trust, single, top_m, reasons, suspects, config)
    flagged = np.array([bool(r) for r in reasons])
    out = pd.DataFrame(
        {
            "merchant_id": prep.merchants.to_numpy(),
            "flagged": flagged.astype(int),
            "reasons": ["; ".join(r) for r in reasons],
        }
    )
    s_m = top_m[suspects]
    out["suspect_accounts"] = np.bincount(s_m[s_m >= 0], minlength=n_m)
    logger.info("flagged %d of %d merchants", int(flagged.sum()), n_m)
    return out, suspects


def _dense(
    prep: Prepared,
    trust: np.ndarray,
    single: np.ndarray,
    top_m: np.ndarray,
    reasons: list[list[str]],
    suspects: np.ndarray,
    config: LoopConfig,
) -> None:
    n_u, n_m = len(prep.users), len(prep.merchants)
    if not len(prep.inter):  # no interactions: trust is unmeasured, not low
        return
    u = np.concatenate([prep.inter["u"], prep.visits["u"], prep.notes["u"]])
    m = np.concatenate([prep.inter["m"], prep.visits["m"], prep.notes["m"]])
    low = trust[u] < 0.3
    if not low.any():
        return
    counts = sp.csr_matrix((np.ones(int(low.sum())), (u[low], m[low])), shape=(n_u, n_m))
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    weighted = column_weighted(counts)
    typical = float(np.median(np.asarray(weighted.sum(axis=1)).ravel()[counts.getnnz(axis=1) > 0]))
    for block in dense_blocks(weighted, n_blocks=config.fraudar_blocks):
        rows = block.rows
        purpose = float(np.mean(single[rows])) if rows.size else 0.0
        if rows.size < config.min_suspect_accounts or purpose < 0.5:
            continue
        for j in block.cols:
            mine = rows[top_m[rows] == j]
            if mine.size < config.min_suspect_accounts:
                continue
            reasons[j].append(
                f"dense_block: {mine.size} low-trust accounts in a {rows.size}x"
                f"{block.cols.size} block, density {block.density:.2f} "
                f"(typical account {typical:.2f})"
            )
            suspects[mine] = True
