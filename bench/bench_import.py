"""Benchmark: import N notes (default 1,000,000) into a fresh workspace.

Prints the time to write the input file, the import time, rows/s and the peak
resident memory of the importing process. Run from the repository root:

    .venv/bin/python bench/bench_import.py [--notes 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "咖啡",
    "拿铁",
    "武康路",
    "周末",
    "打卡",
    "氛围感",
    "出片",
    "brunch",
    "vibe",
    "推荐",
    "人均",
    "🔥",
]


def write_notes(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            note = {
                "note_id": f"n{i}",
                "user_id": f"u{rng.randrange(50_000)}",
                "created_at": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
                f"T{rng.randint(10, 23)}:{rng.randint(10, 59)}:00+08:00",
                "title": "".join(rng.choices(WORDS, k=3)),
                "text": " ".join(rng.choices(WORDS, k=rng.randint(10, 40))),
                "tags": rng.sample(WORDS, 2),
            }
            if rng.random() < 0.35:
                note.update(
                    lat=31.2 + rng.random() / 10, lon=121.4 + rng.random() / 10, coord_sys="gcj02"
                )
            f.write(json.dumps(note, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep the input and workspace in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="loopmap-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    notes = folder / "notes.jsonl"
    db = folder / "bench.db"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    write_notes(notes, args.notes)
    print(
        f"input: {args.notes:,} notes, {notes.stat().st_size / 1e6:,.0f} MB written in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    for label in ("first import", "re-import (unchanged)"):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "loopmap", "import", "--db", str(db), str(notes)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"{label}: {elapsed:.1f} s, {args.notes / elapsed:,.0f} notes/s, "
            f"peak RSS {peak_mb:,.0f} MB, workspace {db.stat().st_size / 1e6:,.0f} MB"
        )


if __name__ == "__main__":
    main()
