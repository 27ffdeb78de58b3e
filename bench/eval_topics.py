"""Evaluate the weakly trained topic classifier on the labelled dev set.

Trains :func:`topics.classify.train_topic_model` on unlabelled notes only — a generated
sample city, whose merchants' categories stand in for geocoding (truth.csv's merchant_id
joined to places.csv's category), plus, with ``--transductive``, the dev notes' own text
(weak labels from their tags and keywords; never their gold topics) — then prints accuracy,
macro-F1, per-topic precision/recall/F1 and accuracy per ``case`` on
tests/data/topic_dev, next to the seed-keyword baseline (weak labels alone, ``other`` when
a note has no signal). Gold labels are read only to score. Run from the repository root:

    .venv/bin/python bench/eval_topics.py [--sample /tmp/s50k] [--notes 50000] [--transductive]

The sample city is generated into ``--sample`` when that folder has no notes.jsonl.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from topics.classify import TopicClassifier, classify_notes, train_topic_model
from topics.taxonomy import Taxonomy, load_taxonomy
from topics.weak_labels import weak_labels


def read_notes(path: Path) -> pd.DataFrame:
    notes = pd.read_json(path, lines=True, dtype=False)
    for column in ("title", "text"):
        if column not in notes:
            notes[column] = ""
        notes[column] = notes[column].where(notes[column].notna(), "")
    if "tags" not in notes:
        notes["tags"] = None
    notes["note_id"] = notes["note_id"].astype(str)
    return notes


def sample_city(folder: Path, n_notes: int, taxonomy: Taxonomy) -> tuple[pd.DataFrame, pd.Series]:
    """The sample city's notes and note_id -> topic of the merchant the note is about."""
    if not (folder / "notes.jsonl").exists():
        cli = Path(sys.executable).with_name("loopmap")
        subprocess.run([str(cli), "sample", str(folder), "--notes", str(n_notes)], check=True)
    notes = read_notes(folder / "notes.jsonl")
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    places = pd.read_csv(folder / "places.csv", dtype=str, keep_default_na=False)
    category = places.set_index("place_id")["category"]
    rows = truth[(truth["record"] == "note") & (truth["merchant_id"] != "")]
    merchant_topic = pd.Series(
        [taxonomy.topic_for_category(category.get(m)) for m in rows["merchant_id"]],
        index=rows["id"].to_numpy(),
    )
    return notes, merchant_topic


def report(name: str, gold: pd.DataFrame, predicted: np.ndarray, topics: list[str]) -> float:
    truth = gold["topic"].to_numpy()
    macro = f1_score(truth, predicted, labels=topics, average="macro", zero_division=0)
    print(f"\n== {name}: accuracy {accuracy_score(truth, predicted):.3f}, macro-F1 {macro:.3f}")
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=topics, zero_division=0)
    print(f"{'topic':<12} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}")
    for row in zip(topics, p, r, f, s, strict=True):
        print(f"{row[0]:<12} {row[1]:6.3f} {row[2]:6.3f} {row[3]:6.3f} {row[4]:4d}")
    ok = pd.Series(truth == predicted, index=gold.index)
    by_case = ok.groupby(gold["case"]).agg(["mean", "size"]).sort_values("size", ascending=False)
    grouped = by_case[by_case["size"] >= 4]
    rest = ok[~gold["case"].isin(grouped.index)]
    print(
        "accuracy per case: " + ", ".join(f"{c} {m:.2f} ({n})" for c, m, n in grouped.itertuples())
    )
    print(f"  other ambiguous/rare cases together: {rest.mean():.2f} ({rest.size})")
    return float(macro)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dev", type=Path, default=Path("tests/data/topic_dev"))
    ap.add_argument("--sample", type=Path, default=Path("/tmp/s50k"))
    ap.add_argument("--notes", type=int, default=50_000)
    ap.add_argument("--transductive", action="store_true", help="also train on the dev text")
    ap.add_argument("--no-merchants", action="store_true", help="train without merchant topics")
    ap.add_argument("--errors", type=int, default=0, help="print this many misclassified notes")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    taxonomy = load_taxonomy()
    topics = list(taxonomy.ids)
    dev = read_notes(args.dev / "notes.jsonl")
    gold = pd.read_json(args.dev / "gold.jsonl", lines=True, dtype=False).set_index("note_id")
    gold = gold.loc[dev["note_id"]]

    baseline = weak_labels(dev, taxonomy)["topic"].replace("", "other").to_numpy()
    report("seed keywords + hashtags only (no signal -> other)", gold, baseline, topics)

    notes, merchant_topic = sample_city(args.sample, args.notes, taxonomy)
    if args.no_merchants:
        merchant_topic = None
    if args.transductive:
        notes = pd.concat([notes, dev[["note_id", "title", "text", "tags"]]], ignore_index=True)
    started = time.perf_counter()
    model: TopicClassifier = train_topic_model(notes, taxonomy, merchant_topic=merchant_topic)
    seconds = time.perf_counter() - started
    merchants = "with" if merchant_topic is not None else "without"
    extra = ", with the dev text" if args.transductive else ""
    print(
        f"\ntrained on {len(notes):,} unlabelled notes ({merchants} merchant topics{extra}) "
        f"in {seconds:.1f} s; {model.n_features_:,} features"
    )
    result = classify_notes(dev, model)
    predicted = result["topic"].to_numpy()
    report("weakly trained classifier", gold, predicted, topics)
    scores = result["score"].to_numpy()
    correct = predicted == gold["topic"].to_numpy()
    bins = np.clip((scores * 5).astype(int), 0, 4)
    print(
        "calibration (score bin: mean score / accuracy / n): "
        + ", ".join(
            f"{scores[bins == b].mean():.2f}/{correct[bins == b].mean():.2f}/{(bins == b).sum()}"
            for b in range(5)
            if (bins == b).any()
        )
    )
    if args.errors:
        wrong = dev[~correct].head(args.errors)
        for row in wrong.itertuples():
            g = gold.loc[row.note_id]
            print(
                f"{row.note_id} gold={g['topic']} ({g['case']}) got={predicted[row.Index]}: "
                f"{row.title} | {row.text[:80]!r}"
            )


if __name__ == "__main__":
    main()
