"""Smoothing, parts summing to the score, flagged merchants out of the top 10, a small world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loop.config import LoopConfig
from loop.evaluate import flag_precision_recall, ndcg_at_k, spearman, top_k_count
from loop.rank import RANKING_COLUMNS, rank_merchants, score_parts


def test_three_events_do_not_beat_three_thousand() -> None:
    m = pd.DataFrame(
        {
            "topic": ["coffee"] * 3,
            "exposed_users": [3, 3000, 30_000],
            "converted_users": [3, 600, 3000],
            "visits": [3, 600, 3000],
            "reshares": [3, 300, 300],
            "attributed_visits": [3, 600, 3000],
            "trusted_interactions": [0.0, 0.0, 0.0],
            "flagged": [0, 0, 0],
        }
    )
    score = score_parts(m, config=LoopConfig()).sum(axis=1)
    assert score[1] > score[0]
    # the tiny merchant sits near its topic prior, not at its raw 100% rate
    r_tiny = score_parts(m, config=LoopConfig(w_volume=0, w_trusted=0))["part_visit_rate"][0]
    assert r_tiny < np.log(1.0 / (3603 / 33003))


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    from loopmap.sample import write_sample

    d = tmp_path_factory.mktemp("w")
    write_sample(d, n_notes=2000, seed=11)
    notes = pd.read_json(d / "notes.jsonl", lines=True, dtype={"note_id": str, "user_id": str})
    events = pd.read_csv(d / "events.csv", dtype=str)
    truth = pd.read_csv(d / "truth.csv", dtype=str, keep_default_na=False)
    places = pd.read_csv(d / "places.csv", dtype={"place_id": str})
    tn = truth[truth["record"] == "note"]
    nm = tn[tn["merchant_id"] != ""].rename(columns={"id": "note_id"})[["note_id", "merchant_id"]]
    merchants = places[places["kind"] == "merchant"]
    ranking = rank_merchants(notes, events, nm, merchants)
    tm = truth[truth["record"] == "merchant"].set_index("id")[["quality", "fraud"]].astype(float)
    return ranking.join(tm, on="merchant_id"), merchants


def test_ranking_columns_and_parts_sum_to_score(small_world) -> None:
    ranking, merchants = small_world
    assert list(ranking.columns[: len(RANKING_COLUMNS)]) == RANKING_COLUMNS
    parts = ranking.filter(like="part_").sum(axis=1)
    np.testing.assert_allclose(parts, ranking["score"])
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    assert len(ranking) == len(merchants)
    assert (ranking.groupby("topic")["topic_rank"].min() == 1).all()


def test_flagged_merchants_are_not_in_the_top_10(small_world) -> None:
    ranking, _ = small_world
    assert ranking.head(10)["flagged"].sum() == 0
    assert ranking["flagged"].sum() >= 1
    precision, recall = flag_precision_recall(ranking["flagged"], ranking["fraud"])
    assert precision >= 0.75
    assert recall >= 0.5


def test_small_world_quality_beats_interaction_baseline(small_world) -> None:
    ranking, _ = small_world
    rho = spearman(ranking["score"], ranking["quality"])
    base = spearman(ranking["interactions"], ranking["quality"])
    ndcg = ndcg_at_k(ranking["score"], ranking["quality"])
    assert rho > base + 0.1  # baseline measured 0.40
    assert rho > 0.55  # measured 0.64 (seed 11)
    assert ndcg > 0.88  # measured 0.93
    assert ndcg > ndcg_at_k(ranking["interactions"], ranking["quality"])
    assert top_k_count(ranking["score"], ranking["fraud"]) == 0
