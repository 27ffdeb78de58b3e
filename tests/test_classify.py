"""Weak labels, the topic classifier's estimator contract, generalisation, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks

from topics.classify import (
    TopicClassifier,
    classify_notes,
    model_from_bytes,
    model_to_bytes,
    train_topic_model,
)
from topics.keywords import keyword_counts
from topics.taxonomy import load_taxonomy
from topics.text_features import hashed_ngrams, note_documents
from topics.weak_labels import weak_labels

# Per topic: seed keywords of the default taxonomy, and context words that are no seed.
CORPUS = {
    "coffee": (["咖啡", "拿铁", "手冲"], ["醇厚", "油脂", "回甘", "酸度", "豆仓", "萃取"]),
    "nightlife": (["酒吧", "鸡尾酒", "精酿"], ["微光", "调制", "冰球", "深夜", "吧台", "烈度"]),
    "beauty": (["美甲", "美睫", "染发"], ["甲面", "款式", "显白", "卸掉", "持久", "手型"]),
    "outdoor": (["公园", "骑行", "徒步"], ["草木", "湖面", "山路", "晨风", "鸟鸣", "绿荫"]),
}
FILLER = ["今天", "周末", "和朋友", "感觉", "推荐", "下次"]


def make_notes(
    n_per_topic: int, *, seeds: bool, seed: int = 0, corpus: dict | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Notes of each topic: a seed (when ``seeds``), three context words and filler."""
    rng = np.random.default_rng(seed)
    rows, topics = [], []
    for topic, (seed_words, context) in (corpus or CORPUS).items():
        for i in range(n_per_topic):
            words = [str(w) for w in rng.choice(context, size=3, replace=False)]
            words += [str(rng.choice(FILLER))]
            if seeds:
                words.insert(int(rng.integers(0, 4)), str(rng.choice(seed_words)))
            rows.append(
                {
                    "note_id": f"{topic}-{seed}-{i}",
                    "title": "",
                    "text": "，".join(words),
                    "tags": [],
                }
            )
            topics.append(topic)
    return pd.DataFrame(rows), topics


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def trained(taxonomy) -> TopicClassifier:
    notes, _ = make_notes(40, seeds=True)
    return train_topic_model(notes, taxonomy, min_df=1)


# -- weak labels --------------------------------------------------------------------------


def test_weak_labels_rules(taxonomy) -> None:
    notes = pd.DataFrame(
        {
            "note_id": ["kw", "tag", "merchant", "tie", "none", "contra", "title"],
            "title": ["", "", "", "", "", "", "拿铁"],
            "text": [
                "喝了一杯拿铁",
                "今天",
                "喝了拿铁",
                "咖啡和酒吧",
                "今天好累",
                "酒吧 精酿",
                "酒吧",
            ],
            "tags": [[], ["咖啡探店"], [], [], None, [], []],
        }
    )
    merchant = pd.Series({"merchant": "coffee", "contra": "coffee", "unknown": "food"})
    result = weak_labels(notes, taxonomy, merchant_topic=merchant).set_index("note_id")
    assert list(result.columns) == ["topic", "weight", "source", "evidence"]
    assert result.loc["kw", ["topic", "source"]].tolist() == ["coffee", "keyword"]
    assert result.loc["kw", "weight"] == pytest.approx(0.45)  # one uncontested keyword
    assert result.loc["tag", ["topic", "source"]].tolist() == ["coffee", "hashtag"]
    assert result.loc["merchant", ["topic", "source", "weight"]].tolist() == [
        "coffee",
        "merchant",
        1.0,
    ]
    assert result.loc["tie", ["topic", "source", "weight"]].tolist() == ["", "conflict", 0.0]
    assert result.loc["none", ["topic", "source"]].tolist() == ["", "none"]
    # the merchant wins over text that speaks only of another topic, with less trust
    assert result.loc["contra", ["topic", "weight"]].tolist() == ["coffee", 0.6]
    assert "merchant=coffee" in result.loc["contra", "evidence"]
    # a title keyword counts twice: 拿铁 (title+body) beats 酒吧 (body)
    assert result.loc["title", "topic"] == "coffee"


def test_weak_labels_weights_grow_with_evidence(taxonomy) -> None:
    notes = pd.DataFrame(
        {"note_id": ["a", "b", "c"], "text": ["拿铁", "拿铁 手冲 咖啡", "拿铁 手冲 咖啡 酒吧"]}
    )
    weight = weak_labels(notes, taxonomy)["weight"].to_numpy()
    assert weight[0] < weight[1] and weight[2] < weight[1]


def test_weak_labels_other_merchant_is_trusted_less(taxonomy) -> None:
    notes = pd.DataFrame({"note_id": ["a"], "text": ["今天"]})
    result = weak_labels(notes, taxonomy, merchant_topic=pd.Series({"a": "other"}))
    assert result.loc[0, ["topic", "weight"]].tolist() == ["other", 0.5]


def test_weak_labels_need_note_id(taxonomy) -> None:
    with pytest.raises(KeyError, match="note_id"):
        weak_labels(pd.DataFrame({"text": ["x"]}), taxonomy)


# -- features ------------------------------------------------------------------------------


def test_note_documents_and_hashed_ngrams() -> None:
    notes = pd.DataFrame(
        {
            "title": ["标题", None],
            "text": ["正文 #咖啡", "Flat white!"],
            "tags": [["咖啡", "新"], None],
        }
    )
    docs = note_documents(notes)
    assert docs == ["标题\n正文 #咖啡\n#新", "Flat white!"]
    rows, buckets = hashed_ngrams(docs, n_bits=16)
    assert rows.shape == buckets.shape and buckets.max() < 2**16
    again = hashed_ngrams(["Flat white!"], n_bits=16)[1]
    assert sorted(again.tolist()) == sorted(buckets[rows == 1].tolist())  # per-doc, stable
    # "flat", "white", "flat white"; case-insensitive
    assert len(again) == 3 and sorted(hashed_ngrams(["FLAT WHITE"], n_bits=16)[1]) == sorted(again)
    trad = hashed_ngrams(["咖啡廳"], n_bits=16)[1]
    assert sorted(trad.tolist()) == sorted(hashed_ngrams(["咖啡厅"], n_bits=16)[1].tolist())


# -- the estimator contract ------------------------------------------------------------------


def test_estimator_api(trained: TopicClassifier) -> None:
    params = trained.get_params()
    assert params["n_bits"] == 20 and params["min_df"] == 1
    copy = clone(trained)
    assert not hasattr(copy, "classes_") and copy.get_params() == params
    assert copy.set_params(alpha=1e-5) is copy and copy.alpha == 1e-5
    notes, topics = make_notes(10, seeds=True, seed=1)
    assert copy.fit(notes, topics) is copy
    assert list(copy.classes_) == sorted(CORPUS)
    proba = copy.predict_proba(notes)
    assert proba.shape == (len(notes), 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(copy.predict(notes)) <= set(copy.classes_)
    assert copy.transform(notes).shape == (len(notes), copy.n_features_)


def test_sklearn_checks_that_apply_to_text_input() -> None:
    # check_estimator feeds numeric arrays; these checks are about parameters, not data
    name, estimator = "TopicClassifier", TopicClassifier()
    estimator_checks.check_no_attributes_set_in_init(name, estimator)
    estimator_checks.check_parameters_default_constructible(name, estimator)
    estimator_checks.check_get_params_invariance(name, estimator)
    estimator_checks.check_set_params(name, estimator)
    estimator_checks.check_estimator_cloneable(name, estimator)
    estimator_checks.check_estimator_repr(name, estimator)
    estimator_checks.check_do_not_raise_errors_in_init_or_set_params(name, estimator)


def test_fit_is_deterministic_and_does_not_mutate_input() -> None:
    notes, topics = make_notes(10, seeds=True, seed=2)
    before = notes.copy(deep=True)
    first = TopicClassifier(min_df=1).fit(notes, topics).predict_proba(notes)
    second = TopicClassifier(min_df=1).fit(notes, topics).predict_proba(notes)
    np.testing.assert_array_equal(first, second)
    pd.testing.assert_frame_equal(notes, before)


def test_fit_validation() -> None:
    with pytest.raises(ValueError, match="has 2 rows but y has 1"):
        TopicClassifier().fit(["a", "b"], ["coffee"])
    with pytest.raises(ValueError, match="no labelled rows"):
        TopicClassifier().fit(["a", "b"], ["", ""])
    with pytest.raises(ValueError, match="two different topics"):
        TopicClassifier().fit(["a", "b"], ["coffee", "coffee"])
    with pytest.raises(ValueError, match="estimator must be one of"):
        TopicClassifier(estimator="forest").fit(["a", "b"], ["coffee", "food"])
    with pytest.raises(ValueError, match="sample_weight"):
        TopicClassifier().fit(["a", "b"], ["coffee", "food"], sample_weight=[1.0, -1.0])


@pytest.mark.parametrize("estimator", ["logistic", "complement_nb"])
def test_alternative_estimators_fit(estimator: str) -> None:
    notes, topics = make_notes(8, seeds=True, seed=3)
    model = TopicClassifier(estimator=estimator, min_df=1, calibration="sigmoid")
    proba = model.fit(notes, topics).predict_proba(notes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# -- generalisation, the end-to-end path, persistence ------------------------------------------


def test_generalises_beyond_seed_keywords(taxonomy, trained: TopicClassifier) -> None:
    held_out, topics = make_notes(15, seeds=False, seed=7)
    assert keyword_counts(note_documents(held_out), taxonomy).sum() == 0  # truly seedless
    assert (weak_labels(held_out, taxonomy)["topic"] == "").all()
    accuracy = float(np.mean(trained.predict(held_out) == np.asarray(topics)))
    assert accuracy >= 0.9


def test_user_topic_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "camping.toml"
    path.write_text(
        '[[topic]]\nid = "camping"\nlabel = "露营"\nlabel_en = "Camping"\n'
        'keywords = ["露营", "帐篷", "天幕"]\nkeywords_en = ["camping"]\n',
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(path)
    corpus = {
        **CORPUS,
        "camping": (["露营", "帐篷", "天幕"], ["篝火", "星空", "睡袋", "防潮垫", "炉头", "营灯"]),
    }
    notes, _ = make_notes(40, seeds=True, corpus=corpus)
    labels = weak_labels(notes, taxonomy)
    assert (labels["topic"] == "camping").sum() == 40
    model = train_topic_model(notes, taxonomy, min_df=1)
    assert "camping" in model.classes_
    note = pd.DataFrame({"note_id": ["x"], "text": ["带上睡袋和防潮垫，晚上围着篝火看星空"]})
    assert weak_labels(note, taxonomy).loc[0, "topic"] == ""
    result = classify_notes(note, model)
    assert result.loc[0, "topic"] == "camping"


def test_classify_notes_and_model_bytes(trained: TopicClassifier) -> None:
    notes, topics = make_notes(5, seeds=True, seed=9)
    result = classify_notes(notes, trained)
    assert list(result.columns) == ["note_id", "topic", "score"]
    assert result["note_id"].tolist() == notes["note_id"].tolist()
    assert result["score"].between(0, 1).all()
    assert (result["topic"] == np.asarray(topics)).mean() >= 0.9
    data = model_to_bytes(trained)
    restored = model_from_bytes(data)
    pd.testing.assert_frame_equal(classify_notes(notes, restored), result)
    with pytest.raises(ValueError, match="not a loopmap topic model"):
        model_from_bytes(b"garbage")
    assert classify_notes(notes.iloc[:0], trained).empty
