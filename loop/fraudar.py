"""FRAUDAR-style greedy densest-subgraph peeling over a sparse user x merchant matrix.

Hooi et al. (KDD 2016): fraudsters add *camouflage* edges to popular, honest columns so that
their rows look ordinary. FRAUDAR weights each edge by ``1 / log(column degree + c)`` -- edges
into popular columns count little, and camouflage cannot raise the density of the fraudulent
block -- then peels nodes greedily: repeatedly remove the row or column whose weighted degree
inside the remaining subgraph is smallest, and keep the prefix with the highest average
density ``f(S) / |S|``. The peeling uses a heap with lazy deletion, so one pass costs
``O(nnz log n)``.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["DenseBlock", "column_weighted", "dense_blocks", "fraudar"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DenseBlock:
    """A dense block: row and column indices and its average density."""

    rows: np.ndarray
    cols: np.ndarray
    density: float
    mass: float


def column_weighted(matrix: sp.spmatrix, *, c: float = 5.0) -> sp.csr_matrix:
    """Weight each entry by ``1 / log(column degree + c)`` (degree = non-zeros in the column)."""
    m = sp.csr_matrix(matrix, dtype=float)
    deg = np.diff(m.tocsc().indptr)
    return m @ sp.diags(1.0 / np.log(deg + c))


def fraudar(matrix: sp.spmatrix) -> DenseBlock:
    """The densest block found by greedy peeling.

    Parameters
    ----------
    matrix
        Non-negative weights, rows x columns (apply :func:`column_weighted` first for
        camouflage resistance).

    Returns
    -------
    DenseBlock
        Rows and columns of the block whose ``mass / (rows + cols)`` is highest along the
        peeling order.
    """
    csr = sp.csr_matrix(matrix, dtype=float)
    csr.eliminate_zeros()
    csc = csr.tocsc()
    n_r, n_c = csr.shape
    pri = np.concatenate([np.asarray(csr.sum(axis=1)).ravel(), np.asarray(csr.sum(axis=0)).ravel()])
    alive = np.ones(n_r + n_c, dtype=bool)
    heap = [(float(p), i) for i, p in enumerate(pri)]
    heapq.heapify(heap)
    mass = float(csr.sum())
    size = n_r + n_c
    best, best_k = mass / max(size, 1), 0
    order = np.empty(n_r + n_c, dtype=np.int64)
    k = 0
    r_ptr, r_idx, r_val = csr.indptr, csr.indices, csr.data
    c_ptr, c_idx, c_val = csc.indptr, csc.indices, csc.data
    while heap:
        p, i = heapq.heappop(heap)
        if not alive[i] or p != pri[i]:
            continue
        alive[i] = False
        order[k] = i
        k += 1
        mass -= pri[i]
        size -= 1
        if i < n_r:
            lo, hi = r_ptr[i], r_ptr[i + 1]
            nbr, val = r_idx[lo:hi] + n_r, r_val[lo:hi]
        else:
            j = i - n_r
            nbr, val = c_idx[c_ptr[j] : c_ptr[j + 1]], c_val[c_ptr[j] : c_ptr[j + 1]]
        live = alive[nbr]
        for q, v in zip(nbr[live].tolist(), val[live].tolist(), strict=True):
            pri[q] -= v
            heapq.heappush(heap, (float(pri[q]), q))
        if size > 0 and mass / size > best:
            best, best_k = mass / size, k
    keep = np.ones(n_r + n_c, dtype=bool)
    keep[order[:best_k]] = False
    idx = np.flatnonzero(keep)
    rows, cols = idx[idx < n_r], idx[idx >= n_r] - n_r
    block_mass = float(csr[rows][:, cols].sum()) if rows.size and cols.size else 0.0
    return DenseBlock(rows, cols, best, block_mass)


def dense_blocks(matrix: sp.spmatrix, *, n_blocks: int = 5) -> list[DenseBlock]:
    """Several dense blocks: peel, remove the block's rows, repeat.

    Parameters
    ----------
    matrix
        Weighted rows x columns matrix.
    n_blocks
        At most this many blocks.

    Returns
    -------
    list of DenseBlock
        In the order found (densest first, as a rule).
    """
    m = sp.csr_matrix(matrix, dtype=float)
    out: list[DenseBlock] = []
    for _ in range(n_blocks):
        if m.nnz == 0:
            break
        block = fraudar(m)
        if block.rows.size == 0 or block.cols.size == 0:
            break
        out.append(block)
        mask = np.ones(m.shape[0])
        mask[block.rows] = 0.0
        m = sp.diags(mask) @ m
        m.eliminate_zeros()
    logger.debug("found %d dense blocks", len(out))
    return out
