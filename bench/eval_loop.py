"""Evaluate the loop ranking on sample worlds against their truth, next to two baselines.

For each world: Spearman of score vs true quality, NDCG@10 (relevance = quality), flagged
precision/recall vs the truth's hype-buying merchants, and how many hype buyers reach the top
10 -- for the loop score, the interaction count and the note count.

Usage: ``python bench/eval_loop.py [--notes N] [SEED ...]`` (default 20000 notes, seeds 3 4 5).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from loop.evaluate import flag_precision_recall, ndcg_at_k, spearman, top_k_count
from loop.rank import rank_merchants
from loopmap.sample import write_sample


def evaluate_world(d: Path) -> list[dict[str, object]]:
    """Rank one written sample world and score the ranking and baselines."""
    notes = pd.read_json(d / "notes.jsonl", lines=True, dtype={"note_id": str, "user_id": str})
    events = pd.read_csv(d / "events.csv", dtype=str)
    truth = pd.read_csv(d / "truth.csv", dtype=str, keep_default_na=False)
    places = pd.read_csv(d / "places.csv", dtype={"place_id": str})
    tn = truth[truth["record"] == "note"]
    nm = tn[tn["merchant_id"] != ""].rename(columns={"id": "note_id"})[["note_id", "merchant_id"]]
    ranking = rank_merchants(notes, events, nm, places[places["kind"] == "merchant"])
    tm = truth[truth["record"] == "merchant"].set_index("id")[["quality", "fraud"]].astype(float)
    r = ranking.join(tm, on="merchant_id")
    p, rec = flag_precision_recall(r["flagged"], r["fraud"])
    rows = []
    for name, col in (
        ("loop score", "score"),
        ("interactions", "interactions"),
        ("notes", "shares"),
    ):
        rows.append(
            {
                "ranking": name,
                "spearman": spearman(r[col], r["quality"]),
                "ndcg@10": ndcg_at_k(r[col], r["quality"]),
                "hype in top10": top_k_count(r[col], r["fraud"]),
                "flag precision": p if col == "score" else float("nan"),
                "flag recall": rec if col == "score" else float("nan"),
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("seeds", nargs="*", type=int, default=[3, 4, 5])
    ap.add_argument("--notes", type=int, default=20_000)
    args = ap.parse_args()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            write_sample(tmp, n_notes=args.notes, seed=seed)
            table = pd.DataFrame(evaluate_world(Path(tmp)))
        print(f"\nworld seed={seed}, {args.notes:,} notes")
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
