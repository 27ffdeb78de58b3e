"""Emerging themes: a planted theme the taxonomy lacks comes out first, with its places."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topics.taxonomy import load_taxonomy
from topics.themes import THEME_COLUMNS, emerging_themes, theme_terms

KNOWN = {
    "coffee": "咖啡 拿铁 手冲 咖啡馆 燕麦拿铁 咖啡豆",
    "food": "火锅 烧烤 小笼 生煎 餐厅 晚饭",
    "outdoor": "公园 骑行 徒步 草坪 江边 散步",
}
PLANTED = "汉服 妆造 发簪 旗袍 古风 写真"  # a hanfu-photoshoot trend: no taxonomy keyword
FILLER = ["今天", "周末", "朋友", "推荐", "下次", "打卡"]


def corpus(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    places = pd.DataFrame(
        {
            "place_id": ["d1", "d2", "p1", "p2"],
            "name": ["徐汇区", "静安区", "汉服馆", "某咖啡"],
            "kind": ["district", "district", "merchant", "merchant"],
            "parent_id": [None, None, "d1", "d2"],
        }
    )
    rows, geocodes = [], []
    themes = {**KNOWN, "planted": PLANTED}
    for theme, words in themes.items():
        vocab = words.split()
        for i in range(60):
            picked = [str(w) for w in rng.choice(vocab, size=3, replace=False)]
            text = "，".join([*picked, str(rng.choice(FILLER))])
            note_id = f"{theme}-{i}"
            rows.append({"note_id": note_id, "title": "", "text": text})
            if theme == "planted":
                geocodes.append({"note_id": note_id, "place_id": "p1"})
            elif theme == "coffee" and i % 2:
                geocodes.append({"note_id": note_id, "place_id": "p2"})
    return pd.DataFrame(rows), places, pd.DataFrame(geocodes)


def test_planted_theme_is_found_first_and_located() -> None:
    notes, places, geocodes = corpus()
    themes = emerging_themes(
        notes, load_taxonomy(), n_themes=4, places=places, geocodes=geocodes, random_state=0
    )
    assert list(themes.columns) == list(THEME_COLUMNS)
    first = themes.iloc[0]
    assert first["new"] and first["overlap"] < 0.5
    assert {"汉服", "旗袍", "写真"} & set(first["terms"])
    assert first["n_notes"] >= 50
    assert all(n.startswith("planted-") for n in first["example_note_ids"])
    assert first["top_places"][0][0] == "汉服馆" and first["top_districts"][0][0] == "徐汇区"
    known = themes.iloc[1:]
    assert set(known["nearest_topic"]) == set(KNOWN)
    assert not known["new"].any()


def test_themes_are_deterministic_and_input_is_untouched() -> None:
    notes, _, _ = corpus(seed=1)
    before = notes.copy(deep=True)
    first = emerging_themes(notes, load_taxonomy(), n_themes=4, random_state=3)
    second = emerging_themes(notes, load_taxonomy(), n_themes=4, random_state=3)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(notes, before)
    assert first["top_places"].map(len).eq(0).all()  # no geocodes, no places


def test_edge_cases() -> None:
    taxonomy = load_taxonomy()
    empty = pd.DataFrame({"note_id": [], "text": []})
    assert emerging_themes(empty, taxonomy).empty
    tiny = pd.DataFrame({"note_id": ["a"], "text": ["一"]})
    assert emerging_themes(tiny, taxonomy).empty
    with pytest.raises(ValueError, match="n_themes"):
        emerging_themes(tiny, taxonomy, n_themes=0)
    assert theme_terms("我的咖啡 #打卡 the Camping") == ["咖啡", "camping"]
