"""Confidence of a note's geocode: a calibrated probability that its place is right.

``confidence`` estimates the probability that the row's place_id is the note's primary place
(for ``device`` and ``none`` rows, that the note names no place of the gazetteer). It is a
logistic function of a few features of the decision (:data:`FEATURES`), with coefficients
fitted on labelled notes and shipped here as constants, so nothing is read at import.

How the constants were fitted: ``python -m geo.calibration`` (see :mod:`geo.calibration`)
learns the feature weights on half of the labelled dev set (tests/data/geo_dev, the notes
whose id hashes to an even number) pooled with the sample city, scales them to the dev half
alone (Platt scaling), and reports the calibration on the other half of the dev set, which no
stage sees: Brier score 0.037 (0.038 for a constant at the base rate), notes with confidence
0.85-0.95 were 92 % right, those above 0.95 98 %. Refit whenever the geocoder's decisions
change.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from geo.gazetteer import KINDS, Gazetteer
from geo.name_forms import CHAIN
from geo.resolve import NoteContext, Resolution

__all__ = [
    "COEFFICIENTS",
    "FEATURES",
    "INTERCEPT",
    "confidence_features",
    "confidence_from_features",
]

#: The features, in column order.
FEATURES: Final = (
    "poi_id",  # the primary place is the note's poi_id
    "poi_named",  # ... and the text names it too
    "merchant",  # a merchant or landmark named in the text
    "area",  # a road or neighbourhood named in the text
    "district",  # a district named in the text
    "city",  # a city named in the text
    "device",  # no place named, a device location
    "none",  # nothing
    "log_candidates",  # log of the number of candidates of the deciding name
    "margin",  # score margin over the runner-up, capped at 5, / 5 (1 when unambiguous)
    "log_count",  # log(1 + mentions of the primary place)
    "in_title",  # the primary place is named in the title
    "everyday",  # the deciding name is an everyday word
    "chain",  # the deciding name is a chain name shared by branches
    "device_near",  # the device location is within 1 km of the place
    "device_far",  # the device location is more than 5 km from the place
    "n_places",  # log(1 + distinct places named)
)

#: Fitted coefficients, one per feature (see the module docstring).
COEFFICIENTS: Final = np.array(
    [
        0.669,  # poi_id
        0.271,  # poi_named
        0.454,  # merchant
        -0.314,  # area
        -0.126,  # district
        -1.367,  # city
        0.635,  # device
        0.235,  # none
        -0.560,  # log_candidates
        0.674,  # margin
        0.119,  # log_count
        0.470,  # in_title
        0.054,  # everyday
        0.000,  # chain
        0.576,  # device_near
        -0.292,  # device_far
        -0.046,  # n_places
    ]
)
#: Fitted intercept.
INTERCEPT: Final = 2.545


def confidence_from_features(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probabilities in [0, 1] from a (notes x :data:`FEATURES`) matrix."""
    z = features @ COEFFICIENTS + INTERCEPT
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def confidence_features(
    res: Resolution, context: NoteContext, gaz: Gazetteer, dev_km: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The confidence features (:data:`FEATURES`) of every note.

    Parameters
    ----------
    res
        The decisions (:func:`geo.resolve.resolve_mentions`).
    context
        The notes' context.
    gaz
        The gazetteer.
    dev_km
        Distance from each note's device location to its primary place (NaN when none).
    """
    n = len(context.poi)
    x = np.zeros((n, len(FEATURES)))
    col = {name: i for i, name in enumerate(FEATURES)}
    primary, group = res.primary, res.primary_group
    has = primary >= 0
    from_poi = has & (context.poi >= 0)
    kind = np.full(n, -1, dtype=np.int64)
    kind[has] = gaz.kind_[primary[has]]
    named = has & ~from_poi
    g = np.maximum(group, 0)
    has_group = group >= 0
    x[:, col["poi_id"]] = from_poi
    x[:, col["poi_named"]] = from_poi & has_group
    x[:, col["merchant"]] = named & (kind >= KINDS.index("landmark"))
    x[:, col["area"]] = named & (
        (kind == KINDS.index("road")) | (kind == KINDS.index("neighborhood"))
    )
    x[:, col["district"]] = named & (kind == KINDS.index("district"))
    x[:, col["city"]] = named & (kind == KINDS.index("city"))
    x[:, col["device"]] = ~has & np.isfinite(context.lat)
    x[:, col["none"]] = ~has & ~np.isfinite(context.lat)

    def of_group(values: NDArray[Any], default: float) -> NDArray[np.float64]:
        """A group attribute for each note's primary group (default when there is none)."""
        if not len(values):
            return np.full(n, default)
        return np.where(has_group, values[g], default).astype(np.float64)

    cands = of_group(res.g_candidates, 1.0)
    x[:, col["log_candidates"]] = np.log(np.maximum(cands, 1))
    margin = np.where(cands > 1, np.minimum(of_group(res.g_margin, 5.0), 5.0) / 5.0, 1.0)
    x[:, col["margin"]] = np.where(has, margin, 0.0)
    x[:, col["log_count"]] = np.log1p(of_group(res.g_count, 0.0))
    x[:, col["in_title"]] = of_group(res.g_in_title, 0.0)
    x[:, col["everyday"]] = of_group(np.isfinite(res.g_everyday), 0.0)
    chain = np.zeros(len(res.g_pattern), dtype=bool)
    if len(res.g_pattern):
        lo = gaz.pattern_ptr_[res.g_pattern]
        chain = (gaz.pattern_form_[lo] == CHAIN) & (gaz.pattern_ptr_[res.g_pattern + 1] - lo > 1)
    x[:, col["chain"]] = of_group(chain, 0.0)
    x[:, col["device_near"]] = dev_km <= 1.0
    x[:, col["device_far"]] = dev_km > 5.0
    places = np.bincount(res.g_note[res.g_place >= 0], minlength=n)
    x[:, col["n_places"]] = np.log1p(places)
    return x
