"""Benchmark the sample city generator: wall time, notes/s, events/s and peak memory.

Usage::

    python bench/bench_sample.py            # 20,000 notes
    python bench/bench_sample.py --million  # also 1,000,000 notes (several minutes)
    python bench/bench_sample.py --notes 100000 --out /tmp/sample

Each size runs in a fresh subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "run_once"]


def run_once(n_notes: int, out_dir: Path, seed: int = 0) -> dict[str, float]:
    """Generate one sample city in this process and measure it.

    Parameters
    ----------
    n_notes
        Notes to generate.
    out_dir
        Where the files go.
    seed
        Random seed.

    Returns
    -------
    dict
        notes, events, places, seconds, notes_per_s, events_per_s, peak_rss_mb, bytes.
    """
    from loopmap.sample import write_sample

    started = time.perf_counter()
    counts = write_sample(out_dir, n_notes=n_notes, seed=seed)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    return {
        **{k: float(v) for k, v in counts.items()},
        "seconds": round(seconds, 2),
        "notes_per_s": round(counts["notes"] / seconds),
        "events_per_s": round(counts["events"] / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "bytes": float(size),
    }


def _in_subprocess(n_notes: int, out_dir: Path) -> dict[str, float]:
    code = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
        "from bench_sample import run_once;"
        "print(json.dumps(run_once(int(sys.argv[1]), Path(sys.argv[2]))))"
    )
    here = str(Path(__file__).resolve().parent)
    done = subprocess.run(
        [sys.executable, "-c", code, str(n_notes), str(out_dir), here],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, action="append", help="a size to run (repeatable)")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 notes")
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temp folder)")
    args = parser.parse_args(argv)
    sizes = args.notes or [20_000]
    if args.million:
        sizes.append(1_000_000)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = (args.out or Path(tmp)) / f"sample_{n}"
            r = _in_subprocess(n, out)
        print(
            f"notes={int(r['notes']):>9,}  events={int(r['events']):>11,}  "
            f"time={r['seconds']:>7.1f}s  notes/s={int(r['notes_per_s']):>8,}  "
            f"events/s={int(r['events_per_s']):>9,}  peak_rss={r['peak_rss_mb']:>7.1f} MB  "
            f"files={r['bytes'] / 1e6:,.0f} MB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
