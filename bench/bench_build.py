"""Benchmark ``loopmap build`` (geocodes + hotspots) on a sample city of N notes.

Generates the sample city (or reuses DIR when it already holds one), imports its places
and notes into a fresh workspace, then times a full build, a no-op rebuild and an
incremental rebuild after a gazetteer change, printing notes/s and peak memory of each.

    .venv/bin/python bench/bench_build.py [--notes 1000000] [--dir /tmp/loopmap-s1m]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path


def run(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "loopmap", *args], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    folder = args.dir or Path(f"/tmp/loopmap-bench-build-{args.notes}")
    if not (folder / "notes.jsonl").exists():
        seconds, _ = run("sample", str(folder), "--notes", str(args.notes), "--seed", "0")
        print(f"sample: {args.notes:,} notes in {seconds:.1f} s")
    db = folder / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    seconds, _ = run(
        "import", "--db", str(db), str(folder / "places.csv"), str(folder / "notes.jsonl")
    )
    print(f"import places + notes: {seconds:.1f} s")
    for label in ("full build", "rebuild, nothing changed"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        seconds, out = run("build", "--db", str(db))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"{label}: {seconds:.1f} s, {args.notes / seconds:,.0f} notes/s, "
            f"peak RSS {max(peak, before) / 1024:,.0f} MB"
        )
        for line in out.splitlines():
            print("   ", line)


if __name__ == "__main__":
    main()
