"""The topic taxonomy as data: topics, their seed keywords, hashtags and merchant categories.

The default taxonomy ships as ``topics/data/taxonomy.toml`` (SPEC.md's topics, whose ids are
stable). Users extend it with a TOML file of their own in the same shape, without touching
code: a ``[[topic]]`` table with a new ``id`` adds a topic (露营/camping, say), one with an
existing ``id`` adds keywords, hashtags and categories to that topic (or replaces them with
``replace = true``)::

    [[topic]]
    id = "camping"
    label = "露营"
    label_en = "Camping"
    keywords = ["露营", "帐篷", "天幕", "营地"]
    keywords_en = ["camping", "tent", "campsite"]
    hashtags = ["露营", "露营日记", "camping"]
    categories = ["camp_site", "camping"]

    [[topic]]
    id = "coffee"
    keywords = ["dirty咖啡", "挂耳咖啡"]

A keyword, hashtag or category that the user's file lists under one topic is removed from
the other topics (``露营`` above moves from ``outdoor`` to ``camping``), so one word never
votes for two topics.

:func:`load_taxonomy` reads the default and merges a user file; :class:`Taxonomy` is the
frozen result. New topics go before ``other``, which always stays last.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final

from topics.categories import OTHER, normalise_category
from topics.categories import topic_for_category as _default_topic_for_category

__all__ = ["Taxonomy", "TaxonomyError", "Topic", "load_taxonomy"]

logger = logging.getLogger(__name__)

_DEFAULT_RESOURCE: Final = "taxonomy.toml"
_ID_RE: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LIST_KEYS: Final = ("keywords", "keywords_en", "hashtags", "categories")
_TEXT_KEYS: Final = ("label", "label_en")
_KNOWN_KEYS: Final = frozenset({"id", "replace", *_LIST_KEYS, *_TEXT_KEYS})


class TaxonomyError(ValueError):
    """A taxonomy file is missing, malformed or invalid; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of the taxonomy.

    Attributes
    ----------
    id
        Stable id (``coffee``, ``tea_dessert``, ...).
    label, label_en
        Display labels in Chinese and English.
    keywords
        Seed words in Chinese (or any script), matched as substrings.
    keywords_en
        Seed words in English, matched as whole words, case-insensitively.
    hashtags
        Tags (without ``#``, case-folded) that mark a note as this topic.
    categories
        Merchant categories (normalised like :func:`topics.categories.topic_for_category`)
        that map to this topic.
    """

    id: str
    label: str
    label_en: str
    keywords: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def all_keywords(self) -> tuple[str, ...]:
        """Chinese then English keywords."""
        return self.keywords + self.keywords_en


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The topics in display order (``other`` last) and where they were read from.

    Attributes
    ----------
    topics
        The topics, in order.
    sources
        The files merged into it, default first.
    """

    topics: tuple[Topic, ...]
    sources: tuple[str, ...] = ()
    _by_id: dict[str, Topic] = field(init=False, repr=False, compare=False, hash=False)
    _by_category: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {t.id: t for t in self.topics})
        by_category: dict[str, str] = {}
        for topic in self.topics:
            for category in topic.categories:
                by_category[category] = topic.id
        object.__setattr__(self, "_by_category", by_category)

    @property
    def ids(self) -> tuple[str, ...]:
        """The topic ids, in order."""
        return tuple(t.id for t in self.topics)

    @property
    def keywords(self) -> dict[str, tuple[str, ...]]:
        """Topic id -> its seed keywords (Chinese then English)."""
        return {t.id: t.all_keywords for t in self.topics}

    @property
    def hashtags(self) -> dict[str, tuple[str, ...]]:
        """Topic id -> its hashtags."""
        return {t.id: t.hashtags for t in self.topics}

    @property
    def categories(self) -> dict[str, str]:
        """Merchant category -> topic id, for the categories the taxonomy names."""
        return dict(self._by_category)

    def __getitem__(self, topic_id: str) -> Topic:
        try:
            return self._by_id[topic_id]
        except KeyError:
            msg = f"unknown topic {topic_id!r}; the taxonomy has {', '.join(self.ids)}"
            raise KeyError(msg) from None

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self._by_id

    def __len__(self) -> int:
        return len(self.topics)

    def label(self, topic_id: str, lang: str = "zh") -> str:
        """The topic's label in ``"zh"`` or ``"en"``."""
        topic = self[topic_id]
        return topic.label_en if lang == "en" else topic.label

    def topic_for_category(self, category: str | None) -> str:
        """The topic of a merchant category.

        The taxonomy's own categories (including a user file's) win; anything else falls
        back to :func:`topics.categories.topic_for_category`, and to ``other`` when that
        answers a topic this taxonomy does not have.

        Examples
        --------
        >>> tax = load_taxonomy()
        >>> tax.topic_for_category("Cafe"), tax.topic_for_category("amenity=pub")
        ('coffee', 'nightlife')
        """
        if not isinstance(category, str) or not category.strip():
            return OTHER
        topic = self._by_category.get(normalise_category(category))
        if topic is None:
            topic = _default_topic_for_category(category)
        return topic if topic in self._by_id else OTHER


def load_taxonomy(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Read the default taxonomy and merge a user's file into it.

    Parameters
    ----------
    path
        A TOML file of ``[[topic]]`` tables (see the module docstring), or None for the
        default alone.

    Returns
    -------
    Taxonomy
        Default topics in their order, the user's new topics after them, ``other`` last.

    Raises
    ------
    TaxonomyError
        When the file cannot be read or parsed, or a topic is invalid: a bad or duplicate
        ``id``, an unknown key, a list that is not a list of strings, a new topic without
        keywords, or a taxonomy without ``other``. The message names the file and the key.
    """
    default_text = resources.files("topics").joinpath("data", _DEFAULT_RESOURCE).read_text("utf-8")
    default_name = f"topics/data/{_DEFAULT_RESOURCE}"
    topics = _topics_from_text(default_text, default_name, base=None)
    sources = [default_name]
    if path is not None:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"taxonomy file {file}: cannot be read ({exc})"
            raise TaxonomyError(msg) from exc
        topics = _topics_from_text(text, str(file), base=topics)
        sources.append(str(file))
    _validate(topics, sources[-1])
    logger.debug("taxonomy: %d topics from %s", len(topics), ", ".join(sources))
    return Taxonomy(topics=tuple(topics), sources=tuple(sources))


def _topics_from_text(text: str, name: str, *, base: list[Topic] | None) -> list[Topic]:
    """Parse one file's ``[[topic]]`` tables and merge them into ``base`` (a copy)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"taxonomy file {name}: not valid TOML ({exc})"
        raise TaxonomyError(msg) from exc
    unknown = sorted(set(data) - {"topic"})
    if unknown:
        msg = f"taxonomy file {name}: unknown top-level key {unknown[0]!r}; use [[topic]] tables"
        raise TaxonomyError(msg)
    tables = data.get("topic", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        msg = f"taxonomy file {name}: 'topic' must be an array of tables ([[topic]])"
        raise TaxonomyError(msg)
    merged = list(base or [])
    index = {t.id: i for i, t in enumerate(merged)}
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        where = f"taxonomy file {name}: [[topic]] #{number}"
        topic_id = _topic_id(table, where)
        where = f"taxonomy file {name}: topic {topic_id!r}"
        if topic_id in seen:
            msg = f"{where}: duplicate id (each topic appears once per file)"
            raise TaxonomyError(msg)
        seen.add(topic_id)
        unknown_keys = sorted(set(table) - _KNOWN_KEYS)
        if unknown_keys:
            known = ", ".join(sorted(_KNOWN_KEYS))
            msg = f"{where}: unknown key {unknown_keys[0]!r} (known: {known})"
            raise TaxonomyError(msg)
        values = {key: _string_list(table, key, where) for key in _LIST_KEYS if key in table}
        labels = {key: _string(table, key, where) for key in _TEXT_KEYS if key in table}
        if topic_id in index:
            old = merged[index[topic_id]]
            merged[index[topic_id]] = _extend(old, values, labels, bool(table.get("replace")))
            continue
        if not values.get("keywords") and not values.get("keywords_en"):
            msg = f"{where}: a new topic needs keywords (a non-empty 'keywords' or 'keywords_en')"
            raise TaxonomyError(msg)
        label = labels.get("label") or labels.get("label_en") or topic_id
        topic = Topic(
            id=topic_id,
            label=label,
            label_en=labels.get("label_en") or label,
            **{key: values.get(key, ()) for key in _LIST_KEYS},
        )
        at = index.get(OTHER, len(merged))
        merged.insert(at, topic)
        index = {t.id: i for i, t in enumerate(merged)}
    if base is not None:
        merged = _move_claimed(merged, tables)
    return merged


def _move_claimed(topics: list[Topic], tables: list[dict[str, Any]]) -> list[Topic]:
    """A keyword, hashtag or category a user file lists under a topic leaves the others.

    A user topic 露营/camping that lists ``露营`` takes the word from ``outdoor``, so one
    word never votes for two topics.
    """
    owners: dict[tuple[str, str], set[str]] = {}
    for table in tables:
        for key in _LIST_KEYS:
            group = "keywords" if key.startswith("keywords") else key
            for item in _string_list(table, key, "") if key in table else ():
                owners.setdefault((group, item.casefold()), set()).add(table["id"])
    out: list[Topic] = []
    for topic in topics:
        # Values are tuple[str, ...]; Any because replace() checks ** against every field.
        changes: dict[str, Any] = {}
        for key in _LIST_KEYS:
            group = "keywords" if key.startswith("keywords") else key
            items: tuple[str, ...] = getattr(topic, key)
            kept = tuple(
                i for i in items if topic.id in owners.get((group, i.casefold()), {topic.id})
            )
            if kept != items:
                changes[key] = kept
                moved = sorted(set(items) - set(kept))
                logger.info("taxonomy: %s %s moved out of %r", key, moved, topic.id)
        out.append(replace(topic, **changes) if changes else topic)
    return out


def _topic_id(table: dict[str, Any], where: str) -> str:
    topic_id = table.get("id")
    if not isinstance(topic_id, str) or not _ID_RE.match(topic_id):
        msg = (
            f"{where}: 'id' must be lower-case letters, digits and '_', starting with a letter "
            f"(got {topic_id!r})"
        )
        raise TaxonomyError(msg)
    return topic_id


def _string(table: dict[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: {key!r} must be a non-empty string (got {value!r})"
        raise TaxonomyError(msg)
    return value.strip()


def _string_list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"{where}: {key!r} must be a list of strings (got {value!r})"
        raise TaxonomyError(msg)
    out: list[str] = []
    for item in value:
        text = item.strip()
        if key == "hashtags":
            text = text.lstrip("#").strip().casefold()
        elif key == "categories":
            text = normalise_category(text)
        elif key == "keywords_en":
            text = text.casefold()
        if not text:
            msg = f"{where}: {key!r} has an empty entry"
            raise TaxonomyError(msg)
        if text not in out:
            out.append(text)
    return tuple(out)


def _extend(
    old: Topic, values: dict[str, tuple[str, ...]], labels: dict[str, str], replace_lists: bool
) -> Topic:
    """``old`` with a user table's labels and lists merged in (appended, or replacing)."""
    changes: dict[str, Any] = dict(labels)
    for key, items in values.items():
        current: tuple[str, ...] = getattr(old, key)
        changes[key] = (
            items if replace_lists else current + tuple(i for i in items if i not in current)
        )
    return replace(old, **changes)


def _validate(topics: list[Topic], name: str) -> None:
    """Whole-taxonomy rules: ``other`` present and last, every topic with keywords."""
    ids = [t.id for t in topics]
    if OTHER not in ids:
        msg = f"taxonomy file {name}: the taxonomy has no topic {OTHER!r}; it must always exist"
        raise TaxonomyError(msg)
    for topic in topics:
        if not topic.all_keywords:
            msg = (
                f"taxonomy file {name}: topic {topic.id!r}: 'keywords' and 'keywords_en' are "
                "both empty; give a topic at least one keyword"
            )
            raise TaxonomyError(msg)
