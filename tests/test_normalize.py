"""Length-preserving normalisation for matching place names."""

from __future__ import annotations

import pytest

from geo.normalize import (
    PIN_CODE,
    SEPARATOR_CODE,
    matching_codes,
    normalize,
    normalize_many,
    to_matching,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３（）", "abc123()"),
        ("武康路\u3000半岛咖啡", "武康路 半岛咖啡"),
        ("Bathe COFFEE", "bathe coffee"),
        ("Café Engel", "cafe engel"),
        ("臺北咖啡館", "台北咖啡馆"),
        ("靜安寺", "静安寺"),
        ("南鑼鼓巷", "南锣鼓巷"),
        ("上生・新所 上生•新所", "上生·新所 上生·新所"),
        ("『小院』【探店】", "「小院」[探店]"),
        ("Jing’an", "jing'an"),
        ("半岛咖啡（武康路店）", "半岛咖啡(武康路店)"),
        ("ＣＯＭＭＯＮ", "common"),
    ],
)
def test_folds(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    ["📍武康路😀🥐", "İstanbul ß ﬁ", "乾隆 瞭解 著名", "a\u200db\ufe0f", "", "\U00020000x"],
)
def test_length_is_preserved(text: str) -> None:
    assert len(normalize(text)) == len(text)
    assert len(matching_codes(text)) == len(text)


def test_emoji_untouched() -> None:
    assert normalize("好喝😭🔥📍") == "好喝😭🔥📍"


def test_one_to_one_case_folding_only() -> None:
    # İ lowers to two characters in Python; its base letter is used instead.
    assert normalize("İ") == "i"
    assert normalize("ẞ") == "ß"


def test_character_level_chinese_is_consistent() -> None:
    # Phrase-level OpenCC keeps 乾隆; one character at a time gives 干. Names and texts are
    # folded the same way, so they still match.
    assert normalize("乾隆") == normalize("干隆")


def test_normalize_many_matches_normalize() -> None:
    texts = ["ＡＢＣ", "臺北", "📍小院", "x\x00y", ""]
    assert normalize_many(texts) == [normalize(t) for t in texts]


def test_matching_codes() -> None:
    codes = matching_codes("📍小院😀" + chr(SEPARATOR_CODE))
    assert codes[0] == PIN_CODE
    assert codes[1] == ord("小")
    assert codes[3] != PIN_CODE
    assert codes[4] == SEPARATOR_CODE
    assert to_matching("ＡＢ") == "ab".encode("utf-16-le")
