"""Time and memory of rank_merchants at 1M and 10M events.

Generates one sample world (20k notes, about 300k events) and replicates its users, notes and
events with shifted ids until the target event count is reached (the merchants are shared).

Usage: ``python bench/bench_loop.py [N_EVENTS ...]`` (default 1000000 10000000).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from loop.rank import rank_merchants
from loopmap.sample import write_sample


def _world(d: Path) -> tuple[pd.DataFrame, ...]:
    write_sample(d, n_notes=20_000, seed=3)
    notes = pd.read_json(d / "notes.jsonl", lines=True, dtype={"note_id": str, "user_id": str})
    notes = notes[["note_id", "user_id", "created_at"]]
    events = pd.read_csv(d / "events.csv", dtype=str)
    truth = pd.read_csv(d / "truth.csv", dtype=str, keep_default_na=False)
    places = pd.read_csv(d / "places.csv", dtype={"place_id": str})
    tn = truth[truth["record"] == "note"]
    nm = tn[tn["merchant_id"] != ""].rename(columns={"id": "note_id"})[["note_id", "merchant_id"]]
    return notes, events, nm, places[places["kind"] == "merchant"]


def _replicate(notes, events, nm, n_events: int):
    k = int(np.ceil(n_events / len(events)))
    parts_n, parts_e, parts_m = [], [], []
    for i in range(k):
        p = f"r{i}-"
        parts_n.append(notes.assign(note_id=p + notes["note_id"], user_id=p + notes["user_id"]))
        parts_e.append(
            events.assign(
                event_id=p + events["event_id"],
                user_id=p + events["user_id"],
                note_id=p + events["note_id"],
            )
        )
        parts_m.append(nm.assign(note_id=p + nm["note_id"]))
    e = pd.concat(parts_e, ignore_index=True).iloc[:n_events]
    return pd.concat(parts_n, ignore_index=True), e, pd.concat(parts_m, ignore_index=True)


def main(targets: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        notes, events, nm, merchants = _world(Path(tmp))
    for n in targets:
        nn, ee, mm = _replicate(notes, events, nm, n)
        t = time.perf_counter()
        ranking = rank_merchants(nn, ee, mm, merchants)
        dt = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(
            f"{len(ee):>11,} events {len(nn):>9,} notes: rank_merchants {dt:6.1f} s, "
            f"peak RSS {rss:.2f} GB, {int(ranking['flagged'].sum())} flagged"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
