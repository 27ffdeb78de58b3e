"""Choose the topic classifier's text representation with figures, then time the chosen one.

Part 1 vectorises the same notes with each candidate, each in a fresh forked process, and
prints notes/s (extrapolated to 1,000,000 notes), the process's extra peak memory, features
per note, and the quality of the same classifier (averaged SGD, logistic loss) trained on
each representation from the same weak labels: accuracy against the sample city's
intended topics on held-out notes (truth.csv, used only to score) and macro-F1 on the
labelled dev set when present. Candidates:

- ``tfidf-char12``: scikit-learn TfidfVectorizer, character 1-2-grams;
- ``hashing-char12``: HashingVectorizer, character 1-2-grams (scikit-learn's analyzer);
- ``hashing-cheap``: HashingVectorizer with a cheap callable analyzer (chars + bigrams);
- ``aho-vocab``: a fixed vocabulary — the taxonomy's keywords plus the 20,000 char and
  word n-grams most informative (chi2 against the weak labels) on a sample — counted
  with one ahocorasick-rs automaton pass per batch (overlapping matches -> CSR in numpy);
- ``numpy-hash`` (chosen): :mod:`topics.text_features`, n-grams hashed with whole-array
  numpy operations;
- ``numpy-hash x2``: the same over two processes.

Part 2 times the chosen pipeline: ``train_topic_model`` on a 200,000-note sample, and
``classify_notes`` (vectorise + predict) on every note of the sample city, in one process
and in two; and compares the calibration (expected calibration error against truth.csv)
of the raw SGD probabilities with sigmoid calibration. Run from the repository root:

    .venv/bin/python bench/bench_topics.py [--sample /tmp/s1m] [--notes 1000000]

The sample city is generated into ``--sample`` when that folder has no notes.jsonl
(1,000,000 notes take about two minutes).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ahocorasick_rs
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.feature_selection import chi2
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).parent))
from eval_topics import read_notes, sample_city

from topics.classify import (
    TopicClassifier,
    classify_notes,
    train_topic_model,
    training_set,
)
from topics.taxonomy import load_taxonomy
from topics.text_features import note_documents

_WORD = re.compile(r"[a-z0-9]+")


def cheap_analyzer(doc: str) -> list[str]:
    text = doc.lower()
    return [*text, *map(str.__add__, text, text[1:])]


def _hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _measure(fn: Callable[[list[str]], sp.csr_matrix], docs: list[str]) -> tuple[float, int, float]:
    """Run ``fn(docs)`` in a fresh (spawned) process: (seconds, nnz, extra peak MB).

    A fresh process, because a forked one reuses its parent's freed heap and hides growth.
    """
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_timed, (fn, docs))


def _timed(fn: Callable[[list[str]], sp.csr_matrix], docs: list[str]) -> tuple[float, int, float]:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to the current RSS
    before = _hwm_kib()
    t0 = time.perf_counter()
    matrix = fn(docs)
    seconds = time.perf_counter() - t0
    return seconds, int(matrix.nnz), (_hwm_kib() - before) / 1024


class AhoVocabulary:
    """A fixed n-gram vocabulary counted with one Aho-Corasick automaton pass per batch."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = patterns
        self.automaton = ahocorasick_rs.AhoCorasick(patterns)

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        return (AhoVocabulary, (self.patterns,))

    def transform(self, docs: list[str], batch: int = 5000) -> sp.csr_matrix:
        parts = []
        for begin in range(0, len(docs), batch):
            chunk = [d.lower().replace("\x00", " ") for d in docs[begin : begin + batch]]
            hay = "\x00".join(chunk)
            found = self.automaton.find_matches_as_indexes(hay, overlapping=True)
            hits = np.asarray(found, dtype=np.int64).reshape(-1, 3)
            offsets = np.cumsum([0, *[len(c) + 1 for c in chunk]])
            rows = np.searchsorted(offsets, hits[:, 1], side="right") - 1
            data = np.ones(rows.size)
            shape = (len(chunk), len(self.patterns))
            parts.append(sp.csr_matrix((data, (rows, hits[:, 0])), shape=shape))
        return sp.vstack(parts, format="csr")


def aho_vocabulary(docs: list[str], labels: np.ndarray, taxonomy, k: int = 20_000) -> AhoVocabulary:
    def terms(doc: str) -> list[str]:
        text = doc.lower()
        return [*text, *map(str.__add__, text, text[1:]), *_WORD.findall(text)]

    counter = CountVectorizer(analyzer=terms, min_df=3)
    counts = counter.fit_transform(docs)
    scores, _ = chi2(counts, labels)
    best = np.argsort(-np.nan_to_num(scores))[:k]
    vocab = {str(t) for t in counter.get_feature_names_out()[best] if str(t).strip()}
    vocab |= {w.casefold() for t in taxonomy.topics for w in t.all_keywords}
    return AhoVocabulary(sorted(vocab))


def numpy_hash_matrix(model: TopicClassifier, docs: list[str]) -> sp.csr_matrix:
    return model.transform(docs)


def _parallel_transform(model: TopicClassifier, docs: list[str], processes: int = 2) -> int:
    chunks = [docs[i : i + 25_000] for i in range(0, len(docs), 25_000)]
    with mp.get_context("fork").Pool(processes) as pool:
        return sum(pool.map(_chunk_nnz, [(model, c) for c in chunks]))


def _chunk_nnz(args: tuple[TopicClassifier, list[str]]) -> int:
    model, chunk = args
    return int(model.transform(chunk).nnz)


def _parallel_classify(notes: pd.DataFrame, model: TopicClassifier, processes: int = 2) -> int:
    chunks = [notes.iloc[i : i + 50_000] for i in range(0, len(notes), 50_000)]
    with mp.get_context("fork").Pool(processes) as pool:
        return sum(len(r) for r in pool.starmap(classify_notes, [(c, model) for c in chunks]))


def ece(proba: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    confidence = proba.max(axis=1)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    return float(
        sum(
            abs(correct[which == b].mean() - confidence[which == b].mean()) * (which == b).mean()
            for b in range(bins)
            if (which == b).any()
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sample", type=Path, default=Path("/tmp/s1m"))
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--vectorise", type=int, default=50_000, help="notes per candidate")
    ap.add_argument("--dev", type=Path, default=Path("tests/data/topic_dev"))
    ap.add_argument("--representations-only", action="store_true", help="skip part 2")
    args = ap.parse_args()

    taxonomy = load_taxonomy()
    started = time.perf_counter()
    notes, merchant_topic = sample_city(args.sample, args.notes, taxonomy)
    truth = pd.read_csv(args.sample / "truth.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["record"] == "note"].set_index("id")["topic"]
    print(f"sample city: {len(notes):,} notes read in {time.perf_counter() - started:.1f} s")

    train_notes = notes.iloc[:50_000]
    held_out = notes.iloc[-20_000:]
    held_docs = note_documents(held_out)
    held_truth = truth.loc[held_out["note_id"]].to_numpy()
    dev = read_notes(args.dev / "notes.jsonl") if (args.dev / "notes.jsonl").exists() else None
    dev_docs = note_documents(dev) if dev is not None else []
    dev_gold = (
        pd.read_json(args.dev / "gold.jsonl", lines=True).set_index("note_id").loc[dev["note_id"]]
        if dev is not None
        else None
    )
    docs, y, w = training_set(train_notes, taxonomy, merchant_topic=merchant_topic)
    bench_docs = note_documents(notes.iloc[50_000 : 50_000 + args.vectorise])
    scale = 1_000_000 / len(bench_docs)

    reference = TopicClassifier(min_df=2)
    reference.fit(docs, y, sample_weight=w)
    aho = aho_vocabulary(docs[:20_000], y[:20_000], taxonomy)
    print(f"aho-vocab: {len(aho.patterns):,} patterns")

    candidates: dict[str, tuple[Callable[[list[str]], sp.csr_matrix], Callable | None]] = {}
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    hashing = HashingVectorizer(
        analyzer="char", ngram_range=(1, 2), n_features=2**20, alternate_sign=False, norm=None
    )
    cheap = HashingVectorizer(
        analyzer=cheap_analyzer, n_features=2**20, alternate_sign=False, norm=None
    )
    candidates["tfidf-char12"] = (tfidf.fit_transform, tfidf.transform)
    candidates["hashing-char12"] = (hashing.transform, None)
    candidates["hashing-cheap"] = (cheap.transform, None)
    candidates["aho-vocab"] = (aho.transform, None)
    candidates["numpy-hash"] = (reference.transform, None)

    print(
        f"\n{'representation':<16} {'notes/s':>9} {'1M notes':>9} {'+peak MB':>9} "
        f"{'(x1M)':>7} {'nnz/note':>8} {'held-out acc':>12} {'dev mF1':>8}"
    )
    for name, (fit_fn, transform_fn) in candidates.items():
        seconds, nnz, peak = _measure(fit_fn, bench_docs)
        quality = _quality(name, fit_fn, transform_fn or fit_fn, docs, y, w, held_docs, dev_docs)
        acc = float(np.mean(quality[0] == held_truth))
        dev_f1 = (
            f1_score(dev_gold["topic"], quality[1], average="macro") if dev is not None else np.nan
        )
        print(
            f"{name:<16} {len(bench_docs) / seconds:9,.0f} {seconds * scale:8.1f}s {peak:9.0f} "
            f"{peak * scale / 1024:6.1f}G {nnz / len(bench_docs):8.1f} {acc:12.3f} {dev_f1:8.3f}"
        )
    t0 = time.perf_counter()
    _parallel_transform(reference, bench_docs)
    seconds = time.perf_counter() - t0
    print(f"{'numpy-hash x2':<16} {len(bench_docs) / seconds:9,.0f} {seconds * scale:8.1f}s")

    if args.representations_only:
        return
    print("\n== the chosen pipeline")
    train_pool = notes.iloc[:250_000]
    t0 = time.perf_counter()
    model = train_topic_model(train_pool, taxonomy, merchant_topic=merchant_topic)
    print(
        f"train_topic_model: {len(train_pool):,} notes -> 200,000-note sample, "
        f"{model.n_features_:,} features: {time.perf_counter() - t0:.1f} s "
        "(weak labels, vectorising and fitting, two threads)"
    )
    t0 = time.perf_counter()
    result = classify_notes(notes, model)
    seconds = time.perf_counter() - t0
    rate = len(result) / seconds
    print(f"classify_notes, 1 process: {len(result):,} notes in {seconds:.1f} s ({rate:,.0f}/s)")
    t0 = time.perf_counter()
    n = _parallel_classify(notes, model)
    seconds = time.perf_counter() - t0
    print(
        f"classify_notes, 2 processes: {n:,} notes in {seconds:.1f} s ({n / seconds:,.0f} notes/s)"
    )
    outside = result.iloc[len(train_pool) :]
    correct = outside["topic"].to_numpy() == truth.loc[outside["note_id"]].to_numpy()
    print(
        f"accuracy against the sample city's intended topics on the {len(outside):,} notes "
        f"outside the training pool: {correct.mean():.3f}"
    )

    print("\n== calibration (expected calibration error on 20,000 held-out notes, vs truth.csv)")
    for calibration in ("none", "sigmoid", "isotonic"):
        candidate = TopicClassifier(calibration=calibration, n_jobs=-1)
        t0 = time.perf_counter()
        candidate.fit(docs, y, sample_weight=w)
        fit_s = time.perf_counter() - t0
        proba = candidate.predict_proba(held_docs)
        correct = candidate.classes_[proba.argmax(axis=1)] == held_truth
        print(
            f"{calibration:<9} ECE {ece(proba, correct):.3f}, accuracy {correct.mean():.3f}, "
            f"mean score {proba.max(axis=1).mean():.3f}, fit {fit_s:.1f} s on {len(docs):,} notes"
        )


def _quality(
    name: str,
    fit_fn: Callable,
    transform_fn: Callable,
    docs: list[str],
    y: np.ndarray,
    w: np.ndarray,
    held_docs: list[str],
    dev_docs: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Predictions of one SGD classifier trained on this representation."""
    train = fit_fn(docs)
    weigh = None
    if name != "tfidf-char12" and name != "numpy-hash":
        weigh = TfidfTransformer(sublinear_tf=True).fit(train)
        train = weigh.transform(train)

    def encode(texts: list[str]) -> sp.csr_matrix:
        matrix = transform_fn(texts)
        return weigh.transform(matrix) if weigh is not None else matrix

    model = SGDClassifier(
        loss="log_loss", alpha=1e-6, class_weight="balanced", max_iter=15, tol=None, average=True
    )
    model.set_params(random_state=0).fit(train, y, sample_weight=w)
    held = model.predict(encode(held_docs))
    dev = model.predict(encode(dev_docs)) if dev_docs else np.zeros(0)
    return held, dev


if __name__ == "__main__":
    main()
