"""Merchant ranking: an explainable score that is the sum of named parts.

``score = part_visit_rate + part_share_rate + part_volume + part_trusted + part_flag``

``part_visit_rate``
    ``w_visit_rate * log(r / p)``: *r* is the merchant's interact -> visit rate (converted over
    exposed users) smoothed toward its topic's pooled rate *p* with a beta prior of
    ``prior_strength`` pseudo-users, ``r = (converted + k p) / (exposed + k)``; a merchant with
    3 events sits near its topic's prior, one with 3,000 at its own rate.
``part_share_rate``
    ``w_share_rate * log(s / q)``: the visit -> share rate smoothed the same way toward its
    topic's pooled rate *q* (pseudo-count ``prior_strength`` visits).
``part_volume``
    ``w_volume * log1p(attributed visits + reshares)``: how much the loop turns, log-scaled.
``part_trusted``
    ``w_trusted * log1p(sum of the interacting users' trust)`` (:mod:`loop.trust`).
``part_flag``
    ``-flag_penalty`` for a merchant flagged by :mod:`loop.fraud`, else 0.

Every part except ``part_flag`` is computed after removing the suspect accounts' activity, so
a flagged merchant cannot climb on its fake activity. Ranks: ``rank`` overall, ``topic_rank``
within the merchant's topic (1 = best).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from loop._frames import KIND_CODE, prepare
from loop.config import LoopConfig
from loop.fraud import detect_from_prepared
from loop.metrics import _merchant_ids, metrics_from_prepared
from loop.trust import trust_from_prepared

__all__ = ["RANKING_COLUMNS", "rank_merchants", "score_parts"]

logger = logging.getLogger(__name__)

RANKING_COLUMNS = [
    "merchant_id",
    "name",
    "topic",
    "rank",
    "score",
    "shares",
    "interactions",
    "visits",
    "attributed_visits",
    "reshares",
    "interact_to_visit",
    "visit_to_share",
    "loop_gain",
    "flagged",
]


def rank_merchants(
    notes: pd.DataFrame,
    events: pd.DataFrame,
    note_merchant: pd.DataFrame | pd.Series,
    merchants: pd.DataFrame,
    *,
    config: LoopConfig | None = None,
) -> pd.DataFrame:
    """Rank merchants by how well their loop turns.

    Parameters
    ----------
    notes, events, note_merchant
        As for :func:`loop.metrics.loop_metrics`.
    merchants
        merchant_id (or place_id), name, and topic or category (mapped to a topic by
        :func:`topics.categories.topic_for_category`); lat, lon optional.
    config
        Rules and weights.

    Returns
    -------
    pandas.DataFrame
        SPEC.md's ranking columns (observed counts), then topic_rank, the ``part_*`` columns,
        reasons (why flagged), local_visit_share and median_hours_to_visit; sorted by rank.
    """
    config = config or LoopConfig()
    ids = pd.Index(_merchant_ids(merchants))
    prep = prepare(notes, events, note_merchant, merchants=ids)
    trust = trust_from_prepared(prep, config=config)["trust"].to_numpy()
    flags, suspects = detect_from_prepared(prep, trust, config=config)
    raw = metrics_from_prepared(prep, merchants=merchants, config=config)
    clean = metrics_from_prepared(prep, merchants=merchants, config=config, drop_users=suspects)
    inter = prep.inter
    engaged = np.isin(
        inter["kind"].to_numpy(), [KIND_CODE[k] for k in ("like", "comment", "collect", "forward")]
    )
    keep = engaged & ~suspects[inter["u"].to_numpy()]
    clean["trusted_interactions"] = np.bincount(
        inter["m"].to_numpy()[keep],
        weights=trust[inter["u"].to_numpy()[keep]],
        minlength=len(prep.merchants),
    )
    clean["flagged"] = flags["flagged"].to_numpy()
    clean["topic"] = _topics(merchants, ids)
    parts = score_parts(clean, config=config)

    out = raw.copy()
    info = merchants.assign(merchant_id=ids.to_numpy()).drop_duplicates("merchant_id")
    names = info.set_index("merchant_id")["name"] if "name" in info else pd.Series(dtype=str)
    out["name"] = names.reindex(out["merchant_id"]).fillna("").to_numpy()
    out["topic"] = clean["topic"].to_numpy()
    out["flagged"] = flags["flagged"].to_numpy()
    out["reasons"] = flags["reasons"].to_numpy()
    for col in parts.columns:
        out[col] = parts[col].to_numpy()
    out["score"] = parts.sum(axis=1).to_numpy()
    out = out.sort_values(["score", "merchant_id"], ascending=[False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out["topic_rank"] = out.groupby("topic").cumcount() + 1
    extra = ["topic_rank", *parts.columns, "reasons", "local_visit_share", "median_hours_to_visit"]
    return out[RANKING_COLUMNS + extra].reset_index(drop=True)


def score_parts(metrics: pd.DataFrame, *, config: LoopConfig) -> pd.DataFrame:
    """The named parts of each merchant's score.

    Parameters
    ----------
    metrics
        Per merchant: topic, exposed_users, converted_users, visits, reshares,
        attributed_visits, trusted_interactions, flagged.
    config
        Weights and prior strength.

    Returns
    -------
    pandas.DataFrame
        part_visit_rate, part_share_rate, part_volume, part_trusted, part_flag (same index).
    """
    k = config.prior_strength
    topic = metrics["topic"]
    g = metrics.groupby(topic)
    p = (g["converted_users"].transform("sum") + 1) / (g["exposed_users"].transform("sum") + 2)
    q = (g["reshares"].transform("sum") + 1) / (g["visits"].transform("sum") + 2)
    r = (metrics["converted_users"] + k * p) / (metrics["exposed_users"] + k)
    s = (np.minimum(metrics["reshares"], metrics["visits"]) + k * q) / (metrics["visits"] + k)
    volume = metrics["attributed_visits"] + metrics["reshares"]
    return pd.DataFrame(
        {
            "part_visit_rate": config.w_visit_rate * np.log(r / p),
            "part_share_rate": config.w_share_rate * np.log(s / q),
            "part_volume": config.w_volume * np.log1p(volume),
            "part_trusted": config.w_trusted * np.log1p(metrics["trusted_interactions"]),
            "part_flag": -config.flag_penalty * metrics["flagged"].astype(float),
        },
        index=metrics.index,
    )


def _topics(merchants: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    m = merchants.assign(merchant_id=ids.to_numpy()).drop_duplicates("merchant_id")
    if "topic" in m.columns:
        t = m["topic"].fillna("other").astype(str)
    elif "category" in m.columns:
        from topics.categories import topic_for_category

        t = m["category"].map(lambda c: topic_for_category(c if isinstance(c, str) else None))
    else:
        t = pd.Series("other", index=m.index)
    return t.set_axis(m["merchant_id"]).reindex(ids).fillna("other").to_numpy()
