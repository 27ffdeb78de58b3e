"""Figures for the sample city's note text: throughput, repeated sentences, distinct titles.

Run with ``python bench/bench_sample_text.py [N]``. Plans are drawn from a small made-up world
(merchants with Zipf-like popularity, so popular merchants get many notes, as in the simulator).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter

import numpy as np

from loopmap.sample.text import NotePlan, compose_note

SPLIT = re.compile(r"[。！？!?\n]")
SPLIT_STRICT = re.compile(r"[。！？!?\n]|\.\s")

TOPICS = {
    "coffee": ["coffee", "cafe"],
    "tea_dessert": ["bakery", "dessert", "tea", "ice_cream"],
    "food": ["restaurant", "noodle", "brunch", "japanese", "hotpot", None],
    "nightlife": ["bar", "pub", "livehouse"],
    "stay": ["hotel", "guest_house"],
    "shopping": ["clothes", "vintage", "shop", "market"],
    "beauty": ["nails", "hairdresser", "beauty"],
    "culture": ["museum", "gallery", "bookstore", "theatre"],
    "outdoor": ["park", "garden"],
    "other": [None, "escape_room"],
}
HEADS = [
    "半岛", "南风", "小满", "野火", "白塔", "青橙", "木心", "山茶",
    "海盐", "拾光", "慢岛", "北窗", "梧桐", "回声", "鹿角", "晴天",
]  # fmt: skip
TAILS = {
    "coffee": "咖啡",
    "tea_dessert": "甜品",
    "food": "小馆",
    "nightlife": "酒馆",
    "stay": "酒店",
    "shopping": "古着",
    "beauty": "美甲",
    "culture": "美术馆",
    "outdoor": "公园",
    "other": "工作室",
}
AREAS = ["武康路", "安福路", "新天地", "愚园路", "长乐路", "衡山路", "Anfu Road", "Wukang Road"]
DISTRICTS = ["徐汇", "静安区", "黄浦", "长宁区", "Xuhui", "Jing'an"]
CITIES = ["上海", "魔都", "Shanghai"]


def make_world(rng: np.random.Generator, n: int = 400) -> list[dict]:
    world = []
    topics = list(TOPICS)
    for i in range(n):
        topic = topics[i % len(topics)]
        name = HEADS[int(rng.integers(len(HEADS)))] + TAILS[topic]
        if rng.random() < 0.2:
            name += f"({AREAS[int(rng.integers(6))]}店)"
        world.append(
            {
                "topic": topic,
                "name": f"{name}{i}" if rng.random() < 0.5 else name,
                "en": f"{['Bathe', 'Lola', 'Sumerian', 'Sober', 'Bird'][i % 5]} {i}",
            }
        )
    return world


def make_plans(n: int, seed: int = 7) -> list[NotePlan]:
    rng = np.random.default_rng(seed)
    world = make_world(rng)
    weights = 1.0 / np.arange(1, len(world) + 1) ** 0.9
    weights /= weights.sum()
    plans = []
    for _ in range(n):
        w = world[int(rng.choice(len(world), p=weights))]
        lang = "en" if rng.random() < 0.12 else "zh"
        named = rng.random() < 0.8
        merchant = (
            (w["en"] if lang == "en" and rng.random() < 0.7 else w["name"]) if named else None
        )
        area = AREAS[int(rng.integers(len(AREAS)))] if rng.random() < 0.6 else None
        plans.append(
            NotePlan(
                lang=lang,
                topic=w["topic"],
                category=TOPICS[w["topic"]][int(rng.integers(len(TOPICS[w["topic"]])))],
                merchant=merchant,
                area=area,
                district=DISTRICTS[int(rng.integers(len(DISTRICTS)))]
                if rng.random() < 0.3
                else None,
                city=CITIES[int(rng.integers(len(CITIES)))] if rng.random() < 0.4 else None,
                rating=float(rng.beta(4, 2)),
                price=int(rng.integers(15, 400)) if rng.random() < 0.7 else None,
                visited=bool(rng.random() < 0.8),
                paid=bool(rng.random() < 0.06),
                length=str(rng.choice(["short", "medium", "long"], p=[0.25, 0.5, 0.25])),
            )
        )
    return plans


def repeated_rate(notes: list[tuple[str, str, list[str]]], split: re.Pattern[str]) -> float:
    per_note = [
        {s.strip() for s in split.split(t + "\n" + x) if len(s.strip()) > 8} for t, x, _ in notes
    ]
    counts = Counter(s for sents in per_note for s in sents)
    total = sum(len(s) for s in per_note)
    shared = sum(1 for sents in per_note for s in sents if counts[s] > 1)
    return shared / total


def main(n: int = 20000) -> None:
    plans = make_plans(n)
    rng = np.random.default_rng(0)
    t0, c0 = time.perf_counter(), time.process_time()
    notes = [compose_note(p, rng) for p in plans]
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"notes/s: {n / dt:,.0f} wall, {n / dc:,.0f} per CPU-second ({n} notes in {dt:.2f}s)")
    sample = notes[:1000]
    print(
        f"repeated-sentence rate (1,000 notes, split 。！？!?\\n, len>8): "
        f"{repeated_rate(sample, SPLIT):.2%}"
    )
    print(
        f"repeated-sentence rate, also splitting on '. ': {repeated_rate(sample, SPLIT_STRICT):.2%}"
    )
    print(f"distinct titles: {len({t for t, _, _ in sample})} / 1000")
    for lang in ("zh", "en"):
        sub = [nt for nt, p in zip(notes[:5000], plans[:5000], strict=True) if p.lang == lang]
        print(f"  {lang}: {len(sub)} notes, repeated rate {repeated_rate(sub[:1000], SPLIT):.2%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
