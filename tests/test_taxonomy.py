"""The taxonomy data file: defaults, user merges, validation errors, keyword matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from topics.categories import TOPICS
from topics.keywords import keyword_counts, keyword_spans
from topics.script import to_simplified
from topics.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

CAMPING = """
[[topic]]
id = "camping"
label = "露营"
label_en = "Camping"
keywords = ["露营", "帐篷", "天幕"]
keywords_en = ["camping", "tent"]
hashtags = ["露营日记", "#Camping"]
categories = ["Camp Site"]

[[topic]]
id = "coffee"
keywords = ["挂耳咖啡"]
hashtags = ["咖啡续命"]
"""


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_has_spec_topics_in_order() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.ids == TOPICS
    assert taxonomy.ids[-1] == "other"
    for topic in taxonomy.topics:
        assert topic.all_keywords, topic.id
        assert topic.label and topic.label_en
    assert "咖啡" in taxonomy.keywords["coffee"]
    assert taxonomy.label("coffee", "en") == "Coffee"
    assert "coffee" in taxonomy and "camping" not in taxonomy
    assert hash(taxonomy) == hash(load_taxonomy())  # frozen and hashable


def test_topic_for_category_uses_taxonomy_then_fallback() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.topic_for_category("Coffee Shop") == "coffee"
    assert taxonomy.topic_for_category("amenity=pub") == "nightlife"
    assert taxonomy.topic_for_category("hairdresser") == "beauty"  # from topics.categories
    assert taxonomy.topic_for_category("laundry") == "other"
    assert taxonomy.topic_for_category(None) == "other"


def test_user_file_adds_topic_before_other_and_extends_existing(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(write(tmp_path, CAMPING))
    assert taxonomy.ids[-2:] == ("camping", "other")
    camping = taxonomy["camping"]
    assert camping.label == "露营" and camping.keywords_en == ("camping", "tent")
    assert camping.hashtags == ("露营日记", "camping")
    assert "挂耳咖啡" in taxonomy.keywords["coffee"] and "咖啡" in taxonomy.keywords["coffee"]
    assert "咖啡续命" in taxonomy.hashtags["coffee"]
    # the user's category wins over topics.categories (camp_site -> outdoor there)
    assert taxonomy.topic_for_category("camp_site") == "camping"
    # a keyword the user gives to camping leaves outdoor
    assert "露营" not in taxonomy.keywords["outdoor"] and "公园" in taxonomy.keywords["outdoor"]
    assert taxonomy.sources[-1].endswith("user.toml")


def test_replace_lists(tmp_path: Path) -> None:
    text = '[[topic]]\nid = "stay"\nreplace = true\nkeywords = ["民宿"]\n'
    taxonomy = load_taxonomy(write(tmp_path, text))
    assert taxonomy["stay"].keywords == ("民宿",)
    assert taxonomy["stay"].keywords_en  # not listed, so kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[topic]\nid = 'x'", "not valid TOML"),
        ('[[topic]]\nid = "Camping"\nkeywords = ["露营"]', "'id' must be"),
        ('[[topic]]\nkeywords = ["露营"]', "'id' must be"),
        ('[[topic]]\nid = "camping"\n', "needs keywords"),
        ('[[topic]]\nid = "camping"\nkeywords = []', "needs keywords"),
        ('[[topic]]\nid = "camping"\nkeywords = "露营"', "'keywords' must be a list"),
        ('[[topic]]\nid = "camping"\nkeywords = [""]', "'keywords' has an empty entry"),
        ('[[topic]]\nid = "camping"\nkeywords = ["露营"]\ncolour = "red"', "unknown key 'colour'"),
        (
            '[[topic]]\nid = "a"\nkeywords = ["x"]\n[[topic]]\nid = "a"\nkeywords = ["y"]',
            "duplicate",
        ),
        ('[[topic]]\nid = "stay"\nreplace = true\nkeywords = []\nkeywords_en = []', "both empty"),
        ("[settings]\nx = 1", "unknown top-level key 'settings'"),
    ],
)
def test_validation_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError, match=expected) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot be read"):
        load_taxonomy(tmp_path / "nope.toml")


def test_other_must_exist() -> None:
    from topics.taxonomy import _validate

    with pytest.raises(TaxonomyError, match="no topic 'other'"):
        _validate([load_taxonomy()["coffee"]], "x.toml")
    assert isinstance(load_taxonomy(), Taxonomy)


def test_keyword_matching_rules() -> None:
    taxonomy = load_taxonomy()
    column = {t: i for i, t in enumerate(taxonomy.ids)}
    counts = keyword_counts(
        ["我爱咖啡馆 Cafes and a BAR", "barber shop", "咖啡廳的甜點", "", "citywalk去公园"],
        taxonomy,
    )
    assert counts[0, column["coffee"]] == 2  # 咖啡馆 once (longest), cafes (plural)
    assert counts[0, column["nightlife"]] == 1  # bar, case-insensitive
    assert counts[1, column["nightlife"]] == 0  # not inside barber
    assert counts[1, column["beauty"]] == 1
    assert counts[2, column["coffee"]] == 1 and counts[2, column["tea_dessert"]] == 1  # folded
    assert counts[3].sum() == 0
    assert counts[4, column["outdoor"]] == 2
    assert keyword_spans(["去露营吧"], taxonomy) == [[(1, 3)]]
    assert to_simplified("書店") == "书店"
