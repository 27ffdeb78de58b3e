"""Density-based clustering of points in metres, with the scikit-learn estimator API.

:class:`HotspotClusterer` runs DBSCAN (or HDBSCAN) over great-circle distances: points are
placed on the unit sphere and compared by chord length, which orders pairs exactly as the
haversine distance does, so ``eps_m`` is a true distance in metres. Used by
:mod:`geo.hotspots`.
"""

from __future__ import annotations

import inspect
import logging
import math
from numbers import Integral, Real
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.utils.validation import _check_sample_weight

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - scikit-learn 1.4 and 1.5

    def _validate_data(estimator: Any, X: Any, **kwargs: Any) -> Any:
        return estimator._validate_data(X, **kwargs)


__all__ = ["EARTH_RADIUS_M", "HotspotClusterer"]

log = logging.getLogger(__name__)

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M: Final = 6_371_008.8

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --- the estimator ----------------------------------------------------------------------------


class HotspotClusterer(ClusterMixin, BaseEstimator):
    """Density-based clustering of WGS-84 points, with distances in metres.

    Points are placed on a sphere of radius :data:`EARTH_RADIUS_M` and clustered by the
    straight-line (chord) distance between them, which orders pairs exactly as the
    great-circle (haversine) distance does; ``eps_m`` is converted accordingly. So the result
    is DBSCAN with a haversine metric, anywhere on Earth, at the speed of a 3-D k-d tree.

    Parameters
    ----------
    eps_m
        Neighbourhood radius in metres: points closer than this are neighbours. With
        ``algorithm="hdbscan"``, clusters closer than this are not split further
        (``cluster_selection_epsilon``).
    min_samples
        Points (or total sample weight) within ``eps_m`` of a point, itself included, for it
        to be a core point of a cluster. With HDBSCAN also the smallest cluster size (at
        least 2).
    algorithm
        ``"dbscan"`` (scikit-learn's DBSCAN) or ``"hdbscan"`` (scikit-learn's HDBSCAN, which
        finds clusters of varying density but supports no ``sample_weight`` and is much
        slower on large inputs).
    snap_m
        DBSCAN only. 0 (the default) clusters exactly; above 0, points in the same cube of
        ``snap_m`` metres are merged into one point at their mean, weighted by their count,
        before clustering. This bounds memory and time on dense data, at the cost of moving
        points by at most ``snap_m * sqrt(3)``. Identical points are always merged (exactly).

    Attributes
    ----------
    labels_
        The cluster of each point, numbered 0, 1, ... in order of first appearance; -1 for
        noise.
    n_clusters_
        The number of clusters found.
    n_features_in_
        Always 2 (lon, lat).

    Examples
    --------
    >>> X = [[121.4540, 31.2119], [121.4541, 31.2120], [121.4542, 31.2119], [121.47, 31.23]]
    >>> HotspotClusterer(eps_m=50, min_samples=3).fit_predict(X).tolist()
    [0, 0, 0, -1]
    """

    def __init__(
        self,
        eps_m: float = 150.0,
        min_samples: int = 6,
        algorithm: str = "dbscan",
        snap_m: float = 0.0,
    ) -> None:
        self.eps_m = eps_m
        self.min_samples = min_samples
        self.algorithm = algorithm
        self.snap_m = snap_m

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> HotspotClusterer:
        """Cluster points given as longitude, latitude in degrees.

        Parameters
        ----------
        X
            Array-like of shape (n_samples, 2): longitude, latitude (EPSG:4326), degrees.
        y
            Ignored.
        sample_weight
            Weight of each point (DBSCAN only): a point is a core point when the weights
            within ``eps_m`` of it sum to at least ``min_samples``.

        Returns
        -------
        HotspotClusterer
            The fitted estimator.
        """
        self._check_params()
        X = _validate_data(self, X, dtype=np.float64, ensure_min_samples=1)
        if X.shape[1] != 2:
            msg = (
                f"X has {X.shape[1]} feature(s), but HotspotClusterer expects 2: "
                "longitude and latitude in degrees (EPSG:4326), in that order"
            )
            raise ValueError(msg)
        _check_lonlat(X[:, 0], X[:, 1])
        weights = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        xyz = _lonlat_to_xyz(X[:, 0], X[:, 1])
        if self.algorithm == "dbscan":
            labels = self._dbscan(xyz, weights)
        else:
            if weights is not None:
                msg = "sample_weight is only supported with algorithm='dbscan'"
                raise ValueError(msg)
            labels = self._hdbscan(xyz)
        self.labels_ = _relabel_by_first_appearance(labels)
        self.n_clusters_ = int(self.labels_.max() + 1) if len(self.labels_) else 0
        return self

    def _check_params(self) -> None:
        eps, min_samples, snap = self.eps_m, self.min_samples, self.snap_m
        if isinstance(eps, bool) or not isinstance(eps, Real) or not 0 < eps < math.inf:
            msg = f"eps_m must be a positive number of metres, such as 150.0; got {eps!r}"
            raise ValueError(msg)
        if self.algorithm not in ("dbscan", "hdbscan"):
            msg = f"algorithm must be 'dbscan' or 'hdbscan'; got {self.algorithm!r}"
            raise ValueError(msg)
        least = 2 if self.algorithm == "hdbscan" else 1
        if isinstance(min_samples, bool) or not isinstance(min_samples, Integral):
            msg = f"min_samples must be an integer count, such as 6; got {min_samples!r}"
            raise ValueError(msg)
        if min_samples < least:
            msg = f"min_samples must be at least {least} with {self.algorithm}; got {min_samples}"
            raise ValueError(msg)
        if isinstance(snap, bool) or not isinstance(snap, Real) or not 0 <= snap < eps:
            msg = f"snap_m must be a number of metres from 0 to below eps_m ({eps}); got {snap!r}"
            raise ValueError(msg)

    def _dbscan(self, xyz: FloatArray, weights: FloatArray | None) -> IntArray:
        reps, inverse, rep_weights = _merge_close(xyz, float(self.snap_m), weights)
        model = DBSCAN(
            eps=_chord(float(self.eps_m)), min_samples=int(self.min_samples), algorithm="kd_tree"
        )
        labels = model.fit(reps, sample_weight=rep_weights).labels_
        return np.asarray(labels, dtype=np.int64)[inverse]

    def _hdbscan(self, xyz: FloatArray) -> IntArray:
        min_size = max(2, int(self.min_samples))
        if len(xyz) < max(min_size, int(self.min_samples)):
            return np.full(len(xyz), -1, dtype=np.int64)
        params = {"min_cluster_size": min_size, "min_samples": int(self.min_samples)}
        try:
            model = HDBSCAN(
                cluster_selection_epsilon=_chord(float(self.eps_m)), **params, **_HDBSCAN_COPY
            ).fit(xyz)
        except TypeError as err:
            # scikit-learn#33219: with NumPy 2, HDBSCAN's epsilon search can fail converting a
            # size-1 array to a scalar. Cluster without the epsilon rather than not at all.
            if "0-dimensional" not in str(err):
                raise
            log.warning(
                "HDBSCAN failed with cluster_selection_epsilon (scikit-learn#33219); "
                "clustering without it, so eps_m=%s does not merge nearby clusters",
                self.eps_m,
            )
            model = HDBSCAN(**params, **_HDBSCAN_COPY).fit(xyz)
        return np.asarray(model.labels_, dtype=np.int64)


# HDBSCAN's ``copy`` default is changing; ask for a copy explicitly where the option exists.
_HDBSCAN_COPY: Final = (
    {"copy": True} if "copy" in inspect.signature(HDBSCAN.__init__).parameters else {}
)


def _check_lonlat(lon: FloatArray, lat: FloatArray) -> None:
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        row = int(np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))[0])
        msg = (
            f"row {row}: ({lon[row]}, {lat[row]}) is not a longitude, latitude in degrees; "
            "give X as lon, lat in EPSG:4326 (reproject with GeoDataFrame.to_crs(4326))"
        )
        raise ValueError(msg)


def _lonlat_to_xyz(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Points on the sphere of radius EARTH_RADIUS_M, metres."""
    lam, phi = np.radians(lon), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)]) * (
        EARTH_RADIUS_M
    )


def _chord(distance_m: float) -> float:
    """The straight-line length of a great-circle arc of ``distance_m`` metres."""
    angle = min(distance_m / EARTH_RADIUS_M, math.pi)
    return 2.0 * EARTH_RADIUS_M * math.sin(angle / 2.0)


def _merge_close(
    xyz: FloatArray, snap_m: float, weights: FloatArray | None
) -> tuple[FloatArray, IntArray, FloatArray | None]:
    """Merge identical points (or points sharing a ``snap_m`` cube) into weighted ones.

    Returns the representatives (sorted, so the result does not depend on row order), each
    point's representative, and the representatives' weights (None when nothing merged and
    no weights were given).
    """
    keys = np.floor(xyz / snap_m).astype(np.int64) if snap_m > 0 else xyz
    uniq, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse: IntArray = inv.reshape(-1).astype(np.int64)
    if len(uniq) == len(xyz) and weights is None:
        order = np.empty(len(xyz), dtype=np.int64)
        order[inverse] = np.arange(len(xyz))
        return xyz[order], inverse, None
    reps: FloatArray
    if snap_m > 0:
        reps = np.zeros((len(uniq), 3))
        for axis in range(3):
            reps[:, axis] = np.bincount(inverse, weights=xyz[:, axis], minlength=len(uniq))
        reps /= counts[:, None]
    else:
        reps = np.asarray(uniq, dtype=np.float64)  # keys is xyz here: already float64
    rep_weights = (
        counts.astype(np.float64)
        if weights is None
        # bincount with weights gives float64 (numpy's stub says intp)
        else np.asarray(np.bincount(inverse, weights=weights, minlength=len(uniq)), np.float64)
    )
    return reps, inverse, rep_weights


def _relabel_by_first_appearance(labels: IntArray) -> IntArray:
    out = np.full(len(labels), -1, dtype=np.int64)
    clustered = labels >= 0
    if not clustered.any():
        return out
    uniq, first = np.unique(labels[clustered], return_index=True)
    new_number = np.empty(len(uniq), dtype=np.int64)
    new_number[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    out[clustered] = new_number[np.searchsorted(uniq, labels[clustered])]
    return out
