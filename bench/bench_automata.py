"""Benchmark: which multi-pattern automaton finds place names fastest.

Every candidate gets the same job the mention extractor has: find every (overlapping)
occurrence of every name of a 50,000-name gazetteer in 100,000 sample-city notes and hand
back (note, start, end, pattern) as numpy arrays, character offsets included. Each candidate
runs in a fresh process, which reports its build time, its search throughput (best of three)
and how much memory the automaton added. Candidates:

- ahocorasick-rs 1.0 (Rust ``aho-corasick``): the ``str`` API called once per note; and the
  ``bytes`` API called once per batch of notes joined by a separator, on UTF-8 (byte offsets
  turned into character offsets with one cumulative sum) or UTF-16 (offsets / 2), each with
  its contiguous NFA, non-contiguous NFA and DFA;
- pyahocorasick 2.3 (C): ``Automaton.iter`` once per note, and once over the joined notes.

Notes come from ``loopmap sample`` (generated into ``--dir`` when missing); the gazetteer is
that city's places plus invented merchants up to ``--names`` names (bench_geocode.py's
generator). Run from the repository root:

    .venv/bin/python bench/bench_automata.py [--dir /tmp/s100k] [--notes 100000]
        [--names 50000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_geocode import ensure_sample, synthetic_places

SEPARATOR = "\uffff"
CANDIDATES = (
    "rs-str-per-note",
    "rs-utf8-batch-contiguous",
    "rs-utf8-batch-noncontiguous",
    "rs-utf8-batch-dfa",
    "rs-utf16-batch-contiguous",
    "py-per-note",
    "py-batch",
)


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def load(folder: Path, n_notes: int, n_names: int) -> tuple[list[str], list[str]]:
    """(haystacks, normalised name patterns)."""
    from geo.gazetteer import Gazetteer

    places = synthetic_places(n_names, base=pd.read_csv(folder / "places.csv"))
    patterns = Gazetteer.from_places(places).patterns
    haystacks = []
    with (folder / "notes.jsonl").open("rb") as f:
        for line in itertools.islice(f, n_notes):
            note = orjson.loads(line)
            haystacks.append((note.get("title") or "") + "\n" + note["text"])
    return haystacks, patterns


def run(candidate: str, folder: Path, n_notes: int, n_names: int) -> dict[str, float]:
    """Build and search with one candidate; returns its figures."""
    from geo.normalize import normalize_many

    haystacks, patterns = load(folder, n_notes, n_names)
    texts = normalize_many(haystacks)  # the automaton sees normalised text
    before = current_rss_mb()
    started = time.perf_counter()
    search = _prepare(candidate, patterns)
    build = time.perf_counter() - started
    memory = current_rss_mb() - before
    best = np.inf
    n_matches = 0
    for _ in range(3):
        started = time.perf_counter()
        note, _, _, _ = search(texts)
        best = min(best, time.perf_counter() - started)
        n_matches = len(note)
    return {
        "patterns": len(patterns),
        "build_s": build,
        "notes_per_s": len(texts) / best,
        "matches": n_matches,
        "memory_mb": memory,
    }


def _prepare(candidate: str, patterns: list[str]):  # type: ignore[no-untyped-def]
    """Build the automaton; return a function texts -> (note, start, end, pattern) arrays."""
    import ahocorasick
    import ahocorasick_rs as ar

    impl = {
        "contiguous": ar.Implementation.ContiguousNFA,
        "noncontiguous": ar.Implementation.NoncontiguousNFA,
        "dfa": ar.Implementation.DFA,
    }
    if candidate == "rs-str-per-note":
        automaton = ar.AhoCorasick(patterns)

        def per_note(texts):  # type: ignore[no-untyped-def]
            found = [automaton.find_matches_as_indexes(t, overlapping=True) for t in texts]
            counts = np.fromiter(map(len, found), np.int64, len(found))
            flat = np.fromiter(
                itertools.chain.from_iterable(itertools.chain.from_iterable(found)),
                np.int64,
                3 * int(counts.sum()),
            )
            note = np.repeat(np.arange(len(texts)), counts)
            return note, flat[1::3], flat[2::3], flat[0::3]

        return per_note
    if candidate.startswith("rs-utf8") or candidate.startswith("rs-utf16"):
        utf16 = candidate.startswith("rs-utf16")
        encoding = "utf-16-le" if utf16 else "utf-8"
        encoded = [p.encode(encoding) for p in patterns]
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        automaton = ar.BytesAhoCorasick(
            [encoded[i] for i in order], implementation=impl[candidate.rsplit("-", 1)[1]]
        )
        remap = np.asarray(order)

        def batch(texts):  # type: ignore[no-untyped-def]
            joined = SEPARATOR.join(texts)
            lengths = np.fromiter(map(len, texts), np.int64, len(texts))
            offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
            haystack = joined.encode(encoding)
            found = automaton.find_matches_as_indexes(haystack, overlapping=True)
            flat = np.fromiter(itertools.chain.from_iterable(found), np.int64, 3 * len(found))
            if utf16:
                aligned = (flat[1::3] & 1) == 0
                start, end = flat[1::3][aligned] >> 1, flat[2::3][aligned] >> 1
                pattern = remap[flat[0::3][aligned]]
            else:
                char_at = np.cumsum(
                    (np.frombuffer(haystack, np.uint8) & 0xC0) != 0x80, dtype=np.int32
                )
                start = char_at[flat[1::3]].astype(np.int64) - 1
                end = char_at[flat[2::3] - 1].astype(np.int64)
                pattern = remap[flat[0::3]]
            note = np.searchsorted(offsets, start, side="right") - 1
            return note, start - offsets[note], end - offsets[note], pattern

        return batch
    automaton = ahocorasick.Automaton()
    for i, p in enumerate(patterns):
        automaton.add_word(p, (i, len(p)))
    automaton.make_automaton()
    if candidate == "py-per-note":

        def py_per_note(texts):  # type: ignore[no-untyped-def]
            rows = [
                (n, e + 1 - length, e + 1, i)
                for n, t in enumerate(texts)
                for e, (i, length) in automaton.iter(t)
            ]
            a = np.array(rows, dtype=np.int64).reshape(-1, 4)
            return a[:, 0], a[:, 1], a[:, 2], a[:, 3]

        return py_per_note

    def py_batch(texts):  # type: ignore[no-untyped-def]
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
        flat = np.fromiter(
            (
                x
                for e, (i, length) in automaton.iter(SEPARATOR.join(texts))
                for x in (e + 1 - length, i)
            ),
            np.int64,
        )
        start, pattern = flat[0::2], flat[1::2]
        end = start + np.fromiter(map(len, (patterns[i] for i in pattern)), np.int64)
        note = np.searchsorted(offsets, start, side="right") - 1
        return note, start - offsets[note], end - offsets[note], pattern

    return py_batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/s100k"))
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--names", type=int, default=50_000)
    ap.add_argument("--one", choices=CANDIDATES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.dir, args.notes, args.names)))
        return
    ensure_sample(args.dir, args.notes)
    print(f"{args.notes:,} notes of {args.dir}, gazetteer of {args.names:,} names")
    print(f"{'candidate':30s} {'patterns':>9s} {'build':>8s} {'notes/s':>10s} {'memory':>9s}")
    for candidate in CANDIDATES:
        out = subprocess.run(
            [
                *(sys.executable, __file__, "--one", candidate, "--dir", str(args.dir)),
                *("--notes", str(args.notes), "--names", str(args.names)),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{candidate:30s} {r['patterns']:>9,} {r['build_s']:>7.2f}s "
            f"{r['notes_per_s']:>10,.0f} {r['memory_mb']:>7.0f}MB  ({r['matches']:,} matches)"
        )


if __name__ == "__main__":
    main()
