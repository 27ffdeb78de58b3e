"""Evaluate geocoding on the labelled dev set, next to cpca.

Prints primary-place accuracy, mention precision/recall/F1 and district accuracy of
loopmap's geocoder on tests/data/geo_dev (hand-written notes with gold labels), how well
its confidence is calibrated, and, on the same notes, cpca's district-level accuracy and
the throughput of both. Run from the repository root:

    .venv/bin/python bench/eval_geo.py [--dev tests/data/geo_dev] [--no-cpca]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.evaluate import score_geocodes
from geo.gazetteer import Gazetteer
from geo.geocode import geocode_notes


def load_dev(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    places = pd.read_csv(folder / "places.csv", dtype=str, keep_default_na=False)
    places["lat"] = places["lat"].astype(float)
    places["lon"] = places["lon"].astype(float)
    places = places.replace({"parent_id": {"": None}})
    notes = pd.read_json(folder / "notes.jsonl", lines=True, dtype=False)
    for col in ("title", "poi_id", "city", "coord_sys", "lat", "lon"):
        if col not in notes:
            notes[col] = None
    notes["tags"] = [t if isinstance(t, list) else [] for t in notes.get("tags", [[]] * len(notes))]
    notes["coord_sys"] = notes["coord_sys"].fillna("wgs84")
    notes = notes.astype(object).where(notes.notna(), None)
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines() if line]
    return places, notes, gold


def _cpca_districts(texts: list[str], places: pd.DataFrame) -> tuple[list[str], float]:
    import cpca

    started = time.perf_counter()
    found = cpca.transform(texts)
    seconds = time.perf_counter() - started
    districts = places[places["kind"] == "district"]
    by_name: dict[tuple[str, str], str] = {}
    for row in districts.itertuples():
        for name in [row.name, *str(row.aliases).split("|")]:
            if name:
                by_name[(str(row.city), name)] = row.place_id
    cities = places[places["kind"] == "city"]
    city_names = {}
    for row in cities.itertuples():
        for name in [row.name, *str(row.aliases).split("|")]:
            city_names[name] = row.name
            city_names[name + "市"] = row.name
    out = []
    for province, city, area in zip(found["省"], found["市"], found["区"], strict=True):
        if pd.isna(area):
            out.append("")
            continue
        # Municipalities come back as 省 上海市, 市 市辖区.
        city = province if pd.isna(city) or city == "市辖区" else city
        city = city_names.get(str(city), str(city))
        out.append(by_name.get((city, str(area)), ""))
    return out, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dev", type=Path, default=Path("tests/data/geo_dev"))
    ap.add_argument("--no-cpca", action="store_true", help="skip the cpca comparison")
    ap.add_argument(
        "--repeat",
        type=int,
        default=50,
        help="throughput is timed over the dev notes repeated this many times",
    )
    args = ap.parse_args()
    places, notes, gold = load_dev(args.dev)
    started = time.perf_counter()
    gazetteer = Gazetteer.from_places(places)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    result = geocode_notes(notes, gazetteer)
    seconds = time.perf_counter() - started
    scores = score_geocodes(result, gold, places)
    print(f"dev set: {len(notes)} notes, {len(places)} places ({args.dev})")
    print(
        f"loopmap: gazetteer {load_s * 1000:.0f} ms, geocoding {len(notes) / seconds:,.0f} notes/s"
    )
    for key, value in scores.as_dict().items():
        print(f"  {key:20s} {value:.3f}" if isinstance(value, float) else f"  {key:20s} {value}")

    gold_by_id = {g["note_id"]: g for g in gold}
    correct = np.array(
        [
            (p or "") == gold_by_id[n]["primary_place_id"]
            for n, p in zip(result["note_id"], result["place_id"], strict=True)
        ]
    )
    conf = result["confidence"].to_numpy(dtype=float)
    print("calibration (confidence bucket: notes, mean confidence, accuracy):")
    for lo, hi in ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.01)):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            mean_conf, accuracy = conf[sel].mean(), correct[sel].mean()
            print(f"  [{lo:.2f}, {min(hi, 1):.2f}) {sel.sum():4d}  {mean_conf:.3f}  {accuracy:.3f}")
    brier = float(np.mean((conf - correct) ** 2))
    print(f"  Brier score {brier:.3f}")

    if args.no_cpca:
        return
    texts = [f"{t or ''}\n{x}" for t, x in zip(notes["title"], notes["text"], strict=True)]
    cpca_districts, cpca_s = _cpca_districts(texts, places)
    pairs = [
        (d, gold_by_id[n]["district_id"])
        for n, d in zip(notes["note_id"], cpca_districts, strict=True)
    ]
    known = [(d, g) for d, g in pairs if g]
    accuracy = float(np.mean([d == g for d, g in known])) if known else 0.0
    ours = scores.district_accuracy
    print(f"cpca:    district accuracy {accuracy:.3f} on {len(known)} notes")
    print(f"loopmap: district accuracy {ours:.3f} on {scores.district_notes} notes")
    # Throughput on a larger batch (the dev notes repeated), so set-up costs do not dominate.
    many = pd.concat([notes] * args.repeat, ignore_index=True)
    many["note_id"] = [f"r{i}" for i in range(len(many))]
    started = time.perf_counter()
    geocode_notes(many, gazetteer)
    ours_rate = len(many) / (time.perf_counter() - started)
    _, cpca_s = _cpca_districts(texts * args.repeat, places)
    print(
        f"throughput on {len(many):,} notes: loopmap {ours_rate:,.0f} notes/s "
        f"(mentions, resolution, precision, confidence), cpca {len(many) / cpca_s:,.0f} notes/s "
        "(province/city/district only)"
    )


if __name__ == "__main__":
    main()
