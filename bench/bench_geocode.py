"""Benchmark: gazetteer build at 1,000,000 names, and geocoding 1,000,000 notes.

Prints, for each part, the wall time, the throughput and the peak resident memory:

1. **gazetteer**: :meth:`geo.gazetteer.Gazetteer.from_places` on a synthetic city with
   ``--names`` names (333,334 merchants with a Chinese name, an English and a pinyin alias,
   a tenth of them chain branches ``X(Y店)``, on top of the Shanghai sample's places);
2. **geocoding**: :func:`geo.geocode.geocode_notes` over the notes of a generated sample city
   (``loopmap sample DIR --notes N``; generated when DIR does not hold one), read from
   notes.jsonl in batches of ``--batch`` notes, the way a build pipeline feeds it. Only the
   time inside ``geocode_notes`` counts for notes/s (reading JSON is reported apart), on one
   core; memory is the process's peak RSS (gazetteer + one batch and its output).

Run from the repository root:

    .venv/bin/python bench/bench_geocode.py [--dir /tmp/s1m] [--notes 1000000]
        [--names 1000000] [--batch 100000] [--skip-gazetteer] [--skip-notes]
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from geo.gazetteer import Gazetteer
from geo.geocode import geocode_notes

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = ROOT / "loopmap" / "sample" / "data" / "merchant_vocabulary.csv"
SAMPLE_PLACES = ROOT / "data" / "sample" / "places.csv"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_places(n_names: int, seed: int = 0, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """A city's places plus invented merchants: ``n_names`` names and aliases in all.

    ``base`` is the city (default: the Shanghai sample's places).

    Merchant names are built like the sample generator's (prefix + prefix + kind, in Chinese,
    English and pinyin), so they have realistic lengths and shapes; one in ten is a branch of
    a chain, ``X(Y店)``. Each merchant hangs from a random road or neighbourhood.
    """
    rng = np.random.default_rng(seed)
    vocab = pd.read_csv(VOCABULARY, dtype=str, keep_default_na=False)
    pre = vocab[vocab["role"] == "prefix"].reset_index(drop=True)
    suf = vocab[vocab["role"] == "suffix"].reset_index(drop=True)
    base = pd.read_csv(SAMPLE_PLACES) if base is None else base
    areas = base[base["kind"].isin(["road", "neighborhood", "landmark"])].reset_index(drop=True)
    n_base = len(base) + int(base["aliases"].fillna("").str.count(r"\|").sum())
    n_merchants = max(0, (n_names - n_base) // 3)
    combos = len(pre) * len(pre) * len(suf)
    picks = rng.choice(combos, size=min(n_merchants, combos), replace=False)
    a, rest = np.divmod(picks, len(pre) * len(suf))
    b, c = np.divmod(rest, len(suf))
    zh = pre["zh"].to_numpy()[a] + pre["zh"].to_numpy()[b] + suf["zh"].to_numpy()[c]
    en = pre["en"].to_numpy()[a] + " " + pre["en"].to_numpy()[b] + " " + suf["en"].to_numpy()[c]
    py = (
        pre["pinyin"].to_numpy()[a]
        + pre["pinyin"].to_numpy()[b]
        + " "
        + suf["pinyin"].to_numpy()[c]
    )
    parent = rng.integers(len(areas), size=len(zh))
    area_names = areas["name"].to_numpy()[parent]
    branch = rng.random(len(zh)) < 0.1
    names = np.where(branch, zh + "(" + area_names + "店)", zh)
    merchants = pd.DataFrame(
        {
            "place_id": [f"x{i:07d}" for i in range(len(zh))],
            "name": names,
            "aliases": en + "|" + pd.Series(py).str.title().to_numpy(),
            "kind": "merchant",
            "category": "",
            "city": "上海",
            "parent_id": areas["place_id"].to_numpy()[parent],
            "lat": areas["lat"].to_numpy()[parent] + rng.normal(0, 0.002, len(zh)),
            "lon": areas["lon"].to_numpy()[parent] + rng.normal(0, 0.002, len(zh)),
        }
    )
    return pd.concat([base, merchants], ignore_index=True)


def count_names(places: pd.DataFrame) -> int:
    """Names plus aliases."""
    return (
        len(places)
        + int(places["aliases"].fillna("").str.count(r"\|").sum())
        + int((places["aliases"].fillna("") != "").sum())
    )


def bench_gazetteer(n_names: int) -> None:
    places = synthetic_places(n_names)
    n = count_names(places)
    gc.collect()
    before = peak_rss_mb()
    started = time.perf_counter()
    gazetteer = Gazetteer.from_places(places)
    seconds = time.perf_counter() - started
    print(
        f"gazetteer: {len(places):,} places, {n:,} names and aliases -> "
        f"{gazetteer.n_names:,} name forms + {len(gazetteer.patterns) - gazetteer.n_names:,} "
        f"blocker words in {seconds:.2f} s (peak RSS {peak_rss_mb():,.0f} MB, "
        f"{before:,.0f} MB before)"
    )


def ensure_sample(folder: Path, n_notes: int) -> None:
    if (folder / "notes.jsonl").is_file() and (folder / "places.csv").is_file():
        return
    print(f"generating {n_notes:,} notes in {folder} (loopmap sample) ...", flush=True)
    loopmap = Path(sys.executable).parent / "loopmap"
    subprocess.run(
        [str(loopmap), "sample", str(folder), "--notes", str(n_notes), "--seed", "5"],
        check=True,
    )


def batches(path: Path, size: int, limit: int):  # type: ignore[no-untyped-def]
    """DataFrames of ``size`` notes read from a JSON Lines file, up to ``limit`` notes."""
    rows: list[dict[str, object]] = []
    seen = 0
    with path.open("rb") as f:
        for line in f:
            rows.append(orjson.loads(line))
            seen += 1
            if len(rows) == size or seen == limit:
                yield pd.DataFrame(rows)
                rows = []
            if seen == limit:
                return
    if rows:
        yield pd.DataFrame(rows)


def bench_notes(folder: Path, n_notes: int, batch: int) -> None:
    ensure_sample(folder, n_notes)
    places = pd.read_csv(folder / "places.csv")
    gazetteer = Gazetteer.from_places(places)
    geocode_notes(next(batches(folder / "notes.jsonl", 1000, 1000)), gazetteer)  # warm up
    reading = geocoding = cpu = 0.0
    n = placed = n_mentions = 0
    started = time.perf_counter()
    for notes in batches(folder / "notes.jsonl", batch, n_notes):
        reading += time.perf_counter() - started
        t, c = time.perf_counter(), time.process_time()
        out = geocode_notes(notes, gazetteer)
        geocoding += time.perf_counter() - t
        cpu += time.process_time() - c
        n += len(out)
        placed += int((out["place_id"] != "").sum())
        n_mentions += int(out["mentions"].map(len).sum())
        del notes, out
        started = time.perf_counter()
    print(
        f"geocoding: {n:,} notes ({len(places):,} places) in {geocoding:.1f} s = "
        f"{n / geocoding:,.0f} notes/s on one core (CPU time {cpu:.1f} s = {n / cpu:,.0f} "
        f"notes/s; reading JSON {reading:.1f} s apart); "
        f"{placed / n:.1%} placed, {n_mentions / n:.2f} mentions per note; "
        f"peak RSS {peak_rss_mb():,.0f} MB (batches of {batch:,})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/s1m"))
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--skip-gazetteer", action="store_true")
    ap.add_argument("--skip-notes", action="store_true")
    args = ap.parse_args()
    if not args.skip_notes:
        bench_notes(args.dir, args.notes, args.batch)
    if not args.skip_gazetteer:
        bench_gazetteer(args.names)


if __name__ == "__main__":
    main()
