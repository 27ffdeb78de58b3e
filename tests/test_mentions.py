"""Mention extraction: boundaries, overlaps, words, cues, numbers, offsets."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.cues import CUES, ordinary_word, visit_cue
from geo.gazetteer import Gazetteer
from geo.mentions import Mentions, find_mentions

COLUMNS = ["place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon"]
ROWS = [
    ["sh", "上海", "Shanghai|沪", "city", None, "上海", None, 31.23, 121.47],
    ["xh", "徐汇区", "", "district", None, "上海", "sh", 31.19, 121.43],
    ["wk", "武康路", "Wukang Road", "road", None, "上海", "xh", 31.21, 121.43],
    ["af", "安福路", "Anfu Road", "road", None, "上海", "xh", 31.216, 121.437],
    ["fm", "富民路", "", "road", None, "上海", "sh", 31.223, 121.447],
    ["rm", "人民广场", "", "neighborhood", None, "上海", "sh", 31.232, 121.469],
    ["bund", "The Bund", "外滩", "neighborhood", None, "上海", "sh", 31.24, 121.49],
    ["jas", "静安寺", "", "landmark", None, "上海", "sh", 31.225, 121.44],
    ["m1", "半岛咖啡(武康路店)", "", "merchant", "coffee", "上海", "wk", 31.212, 121.433],
    ["m2", "日常", "", "merchant", "coffee", "上海", "fm", 31.222, 121.448],
    ["m3", "小院", "", "merchant", "restaurant", "上海", "wk", 31.211, 121.432],
    ["m4", "Common", "", "merchant", "coffee", "上海", "fm", 31.223, 121.447],
    ["m5", "Nook Bar", "Nook", "merchant", "bar", "上海", "af", 31.216, 121.438],
    ["m6", "好的", "", "merchant", "restaurant", "上海", "af", 31.216, 121.436],
    ["m7", "周末", "", "merchant", "bar", "上海", "fm", 31.223, 121.448],
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_places(pd.DataFrame(ROWS, columns=COLUMNS))


def found(gaz: Gazetteer, text: str, title: str = "") -> list[tuple[str, str, int]]:
    """(text as written, pattern, cue) for each mention kept in one note."""
    haystack = title + "\n" + text
    m = find_mentions([haystack], gaz)
    return [
        (haystack[s:e], gaz.patterns[p], int(c))
        for s, e, p, c in zip(m.start, m.end, m.pattern, m.cue, strict=True)
    ]


def texts(gaz: Gazetteer, text: str) -> list[str]:
    return [t for t, _, _ in found(gaz, text)]


def test_offsets_are_into_title_newline_text(gaz: Gazetteer) -> None:
    m = find_mentions(["周末\n去武康路", "\n安福路", "没有地名"], gaz)
    assert isinstance(m, Mentions)
    rows = list(zip(m.note.tolist(), m.start.tolist(), m.end.tolist(), strict=True))
    assert (0, 4, 7) in rows  # 武康路 after "周末\n去"
    assert (1, 1, 4) in rows  # no title: the text starts at offset 1
    assert all(n != 2 for n, _, _ in rows)


def test_latin_names_need_word_boundaries(gaz: Gazetteer) -> None:
    assert texts(gaz, "Nook Bar was fun") == ["Nook Bar"]
    assert texts(gaz, "a few nooks and crannies, the Nookbarber") == []
    assert texts(gaz, "walked the bundle of Wukang Roads") == []
    assert texts(gaz, "去Wukang Road散步") == ["Wukang Road"]  # CJK next to Latin is a boundary


def test_leftmost_longest(gaz: Gazetteer) -> None:
    assert texts(gaz, "徐汇区的半岛咖啡(武康路店)") == ["徐汇区", "半岛咖啡(武康路店)"]
    assert texts(gaz, "The Bund at night") == ["The Bund"]


def test_a_name_inside_a_longer_word_is_dropped(gaz: Gazetteer) -> None:
    assert texts(gaz, "记录日常生活") == []
    assert texts(gaz, "上海人民广场") == ["上海", "人民广场"]


def test_a_two_character_name_across_a_word_edge_is_dropped(gaz: Gazetteer) -> None:
    assert texts(gaz, "酸甜刚好的最戳我") == []  # 刚好 + 的, not 好的
    assert texts(gaz, "好的餐厅") == ["好的"]


def test_single_characters_and_short_latin_never_match(gaz: Gazetteer) -> None:
    assert texts(gaz, "沪上生活 sh") == []


def test_traditional_and_full_width(gaz: Gazetteer) -> None:
    assert texts(gaz, "靜安寺和ＷＵＫＡＮＧ ＲＯＡＤ") == ["靜安寺", "ＷＵＫＡＮＧ ＲＯＡＤ"]


def test_hashtags_are_text(gaz: Gazetteer) -> None:
    assert texts(gaz, "#武康路 #上海citywalk") == ["武康路", "上海"]
    assert texts(gaz, "#shanghaieats #wukangroad") == ["shanghai", "wukangroad"]


def test_house_numbers(gaz: Gazetteer) -> None:
    m = find_mentions(["\n武康路123号", "\nNo. 88 Anfu Road", "\n武康路上"], gaz)
    assert sorted(m.numbers.values()) == ["123号", "No. 88"]
    assert len(m) == 3  # still road mentions


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("📍小院 推开铁门", "📍, @ or an address label before it"),
        ("地址：小院", "📍, @ or an address label before it"),
        ("#日常 #咖啡", "a hashtag equal to it"),
        ("「小院」真好", "brackets or quotes around it"),
        ("终于去了小院", "a visit verb before it"),
        ("小院咖啡很好喝", "a category word after it"),
        ("巨鹿路上的COMMON", "written in capitals"),
        ("富民路的日常", "next to another place name (富民路的日常, Common on Julu Road)"),
    ],
)
def test_everyday_cues(gaz: Gazetteer, text: str, cue: str) -> None:
    got = [c for _, pattern, c in found(gaz, text) if pattern in ("小院", "日常", "common")]
    assert got and CUES[got[0]][0] == cue


def test_everyday_words_without_a_cue(gaz: Gazetteer) -> None:
    cues = {p: c for _, p, c in found(gaz, "分享一下我的日常，这个周末")}
    assert cues == {"日常": -1, "周末": -1}
    assert found(gaz, "my daily common sense")[0][2] == -1  # lower case: no cue
    assert {p: c for _, p, c in found(gaz, "安福路 武康路")} == {"安福路": 0, "武康路": 0}


@pytest.mark.parametrize(
    ("text", "start", "end", "word"),
    [
        ("这个周末去玩", 2, 4, True),
        ("#日常碎片", 1, 3, True),
        ("我的日常", 2, 4, True),
        ("my daily coffee", 3, 8, True),
        ("Daily Bakery", 0, 5, False),
        ("#日常 ", 1, 3, False),
        ("在周末喝酒", 1, 3, False),
    ],
)
def test_ordinary_word(text: str, start: int, end: int, word: bool) -> None:
    assert ordinary_word(text, start, end) is word


def test_visit_cue() -> None:
    text = "本来想去蓝窗咖啡，结果排队太长，转身去了白鸽咖啡"
    assert visit_cue(text, 4, 8) == -1
    assert visit_cue(text, 20, 24) == 1
    text = "Skipped Café Engel and went to Fratello instead"
    assert visit_cue(text, 8, 18) == -1
    assert visit_cue(text, 31, 39) == 1
    assert visit_cue("好喝的拿铁", 0, 2) == 0
