"""Pure evaluation metrics for a merchant ranking against known quality and fraud."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

__all__ = ["flag_precision_recall", "ndcg_at_k", "spearman", "top_k_count"]


def spearman(score: np.ndarray | pd.Series, truth: np.ndarray | pd.Series) -> float:
    """Spearman rank correlation of a score with the true quality."""
    return float(spearmanr(np.asarray(score, float), np.asarray(truth, float))[0])


def ndcg_at_k(
    score: np.ndarray | pd.Series, relevance: np.ndarray | pd.Series, k: int = 10
) -> float:
    """NDCG@k of the order by ``score`` (descending) with graded ``relevance``.

    Ties in ``score`` are broken by position (stable order).
    """
    s, rel = np.asarray(score, float), np.asarray(relevance, float)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    top = np.argsort(-s, kind="stable")[:k]
    ideal = np.sort(rel)[::-1][:k]
    idcg = float((ideal * disc[: ideal.size]).sum())
    return float((rel[top] * disc[: top.size]).sum()) / idcg if idcg > 0 else 0.0


def flag_precision_recall(
    flagged: np.ndarray | pd.Series, fraud: np.ndarray | pd.Series
) -> tuple[float, float]:
    """Precision and recall of the flags against true fraud (0/1 arrays)."""
    f, t = np.asarray(flagged).astype(bool), np.asarray(fraud).astype(bool)
    tp = float((f & t).sum())
    return (tp / f.sum() if f.any() else 1.0, tp / t.sum() if t.any() else 1.0)


def top_k_count(score: np.ndarray | pd.Series, mask: np.ndarray | pd.Series, k: int = 10) -> int:
    """How many of the top ``k`` by score have ``mask`` set (e.g. hype-buying merchants)."""
    top = np.argsort(-np.asarray(score, float), kind="stable")[:k]
    return int(np.asarray(mask).astype(bool)[top].sum())
