"""Fitting and checking the confidence of geocodes on labelled notes.

The confidence (:mod:`geo.confidence`) is a logistic function of a few features of each
decision. Its coefficients are fitted here, offline, and pasted into :mod:`geo.confidence` as
constants, so that geocoding reads nothing at import and evaluation on held-out notes stays
honest. Run from the repository root:

    .venv/bin/python -m geo.calibration [--dev tests/data/geo_dev] [--sample data/sample]

It geocodes the labelled dev set (gold.jsonl: ``primary_place_id`` per note) and the sample
city (truth.csv), splits the dev set in two halves by a hash of the note id
(:func:`in_fit_half`), and fits in two stages (:func:`fit_confidence`): the feature weights on
the dev set's first half pooled with the sample city (2,100 notes: enough to learn that an
ambiguous name or a small margin lowers the odds), then their scale and offset on the dev
set's first half alone (the sample city's generated notes are far easier than real ones:
99 % come out right, against 96 % on the dev set, and weights fitted on them alone are
overconfident). It prints the coefficients and the calibration (reliability table and Brier
score) of the fitted and of the shipped confidence on the dev set's second half, which no
stage ever sees.

Labels of the sample city (:func:`sample_gold`): a note is about the merchant its truth names
when the text names that merchant (by name, alias, branch or chain) or the note carries a
poi_id; otherwise about the place its text names (truth's ``place_id``), which is "" when it
names none. The sample's truth does not record city-level mentions, so notes placed at a city
whose truth is "" are left out of the fit (their label is unknown).
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.confidence import COEFFICIENTS, FEATURES, INTERCEPT
from geo.gazetteer import Gazetteer
from geo.geocode import geocode_with_features

__all__ = [
    "fit_confidence",
    "in_fit_half",
    "reliability",
    "sample_gold",
]

#: Truth mention kinds that name the merchant itself.
_NAMES_MERCHANT = frozenset({"name", "alias", "branch", "chain"})


def in_fit_half(note_id: str) -> bool:
    """Whether a labelled note belongs to the half the confidence is fitted on."""
    return zlib.crc32(note_id.encode("utf-8")) % 2 == 0


def sample_gold(notes: pd.DataFrame, truth: pd.DataFrame) -> dict[str, str]:
    """The primary place of each sample-city note, from the generator's truth.csv.

    Parameters
    ----------
    notes
        The sample's notes (note_id, poi_id).
    truth
        truth.csv, read with ``dtype=str, keep_default_na=False``.

    Returns
    -------
    ``{note_id: place_id or ""}`` (see the module docstring).
    """
    rows = truth[truth["record"] == "note"].set_index("id")
    poi = dict(zip(notes["note_id"], notes.get("poi_id", pd.Series(dtype=object)), strict=False))
    out: dict[str, str] = {}
    for note_id, row in rows.iterrows():
        tagged = isinstance(poi.get(note_id), str) and bool(poi.get(note_id))
        named = row["mention"] in _NAMES_MERCHANT
        out[str(note_id)] = row["merchant_id"] if (named or tagged) else row["place_id"]
    return out


def fit_confidence(
    pool: NDArray[np.float64],
    pool_correct: NDArray[np.bool_],
    target: NDArray[np.float64],
    target_correct: NDArray[np.bool_],
    *,
    c: float = 1.0,
) -> tuple[NDArray[np.float64], float]:
    """Fit the confidence in two stages; return (coefficients, intercept).

    1. The feature weights: an L2-regularised logistic regression of correctness on the
       features of a large pool of labelled notes.
    2. The calibration: Platt scaling of that score on the target notes (notes like the ones
       the confidence will be used on), so that the probabilities match their accuracy.

    The result is one logistic function of the features again.

    Parameters
    ----------
    pool, pool_correct
        Features (columns :data:`geo.confidence.FEATURES`) and correctness of the pool.
    target, target_correct
        The same for the target notes.
    c
        Inverse regularisation strength of stage 1.
    """
    from sklearn.linear_model import LogisticRegression

    weights = LogisticRegression(C=c, max_iter=5000).fit(pool, pool_correct.astype(int))
    score = target @ weights.coef_[0] + weights.intercept_[0]
    platt = LogisticRegression(C=1e6, max_iter=5000).fit(score[:, None], target_correct.astype(int))
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return a * weights.coef_[0].astype(np.float64), a * float(weights.intercept_[0]) + b


def reliability(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], edges: Iterable[float]
) -> pd.DataFrame:
    """Notes, mean confidence and accuracy per confidence bucket."""
    edges = list(edges)
    bucket = np.clip(np.digitize(confidence, edges[1:-1]), 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        hit = bucket == b
        if hit.any():
            rows.append(
                {
                    "bucket": f"[{edges[b]:.2f}, {edges[b + 1]:.2f})",
                    "notes": int(hit.sum()),
                    "confidence": float(confidence[hit].mean()),
                    "accuracy": float(correct[hit].mean()),
                }
            )
    return pd.DataFrame(rows)


def _labelled(
    notes: pd.DataFrame, places: pd.DataFrame, gold: Mapping[str, str]
) -> tuple[pd.DataFrame, NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_]]:
    """Geocode labelled notes: (geocodes, features, correct, label known)."""
    geocodes, features = geocode_with_features(notes, Gazetteer.from_places(places))
    expected = geocodes["note_id"].map(gold).fillna("")
    correct = (geocodes["place_id"] == expected).to_numpy()
    known = np.ones(len(geocodes), dtype=bool)
    return geocodes, features, correct, known


def _load_dev(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    places = pd.read_csv(folder / "places.csv")
    notes = pd.read_json(folder / "notes.jsonl", lines=True, dtype=False)
    with (folder / "gold.jsonl").open(encoding="utf-8") as f:
        gold = {g["note_id"]: g["primary_place_id"] for g in map(json.loads, f) if g}
    return notes, places, gold


def _print_calibration(name: str, confidence: NDArray[np.float64], correct: Any) -> None:
    table = reliability(confidence, correct, [0.0, 0.5, 0.7, 0.85, 0.95, 1.0])
    brier = float(np.mean((confidence - correct) ** 2))
    print(f"{name}: Brier {brier:.3f}, accuracy {correct.mean():.3f}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dev", type=Path, default=Path("tests/data/geo_dev"))
    ap.add_argument("--sample", type=Path, default=Path("data/sample"))
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    args = ap.parse_args()

    notes, places, gold = _load_dev(args.dev)
    dev, x_dev, ok_dev, _ = _labelled(notes, places, gold)
    fit = dev["note_id"].map(in_fit_half).to_numpy(dtype=bool)
    s_notes = pd.read_json(args.sample / "notes.jsonl", lines=True, dtype=False)
    truth = pd.read_csv(args.sample / "truth.csv", dtype=str, keep_default_na=False)
    s_gold = sample_gold(s_notes, truth)
    sample, x_s, ok_s, _ = _labelled(s_notes, pd.read_csv(args.sample / "places.csv"), s_gold)
    known = ~((sample["precision"] == "city") & (sample["note_id"].map(s_gold) == "")).to_numpy()

    pool = np.concatenate([x_dev[fit], x_s[known]])
    pool_ok = np.concatenate([ok_dev[fit], ok_s[known]])
    coef, intercept = fit_confidence(pool, pool_ok, x_dev[fit], ok_dev[fit], c=args.c)
    print(f"weights fitted on {len(pool_ok)} notes ({int(fit.sum())} dev, the rest sample city);")
    print(f"calibrated on the {int(fit.sum())} dev notes of the fit half")
    print("COEFFICIENTS = [")
    for name, value in zip(FEATURES, coef, strict=True):
        print(f"    {value:.3f},  # {name}")
    print(f"]\nINTERCEPT = {intercept:.3f}")
    held = ~fit
    for name, (w, b) in {"fitted": (coef, intercept), "shipped": (COEFFICIENTS, INTERCEPT)}.items():
        z = x_dev[held] @ w + b
        _print_calibration(f"held-out dev half, {name}", 1 / (1 + np.exp(-z)), ok_dev[held])
    z = x_s[known] @ COEFFICIENTS + INTERCEPT
    _print_calibration("sample city, shipped", 1 / (1 + np.exp(-z)), ok_s[known])


if __name__ == "__main__":
    main()
