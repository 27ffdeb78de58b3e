"""Weak topic labels for notes, from the signals a note carries without any hand labelling.

Three signals, in decreasing order of trust:

1. **merchant** — the topic of the merchant the note resolves to (the caller's geocodes
   give note -> merchant -> category -> topic). A note about a cafe is a coffee note.
2. **hashtags** — a note's tags that are one of a topic's hashtags (``#咖啡探店``).
3. **keywords** — a topic's seed keywords in the title and text, counted with one
   Aho-Corasick pass (:mod:`topics.keywords`). A keyword in the title counts twice.

The rule, per note (constants below):

- the text evidence of a topic is ``3 x exact hashtags + 2 x title keywords + 1 x body
  keywords`` (hashtags written into the body count as body keywords too);
- with a merchant topic, the label is the merchant's topic. Its weight is 1.0 when the text
  evidence agrees (the merchant's topic has the most evidence, or there is none), 0.8 when
  the text mentions the merchant's topic but another one more, 0.6 when the text speaks
  only of other topics. A merchant whose topic is ``other`` (often an unknown category)
  gets half that weight;
- without a merchant topic, the topic with the most evidence wins if it beats the
  runner-up strictly; weight ``0.9 x margin x (1 - 0.5 ** evidence)`` where margin is
  ``(best - runner_up) / best``: one stray keyword gives 0.45, three uncontested ones 0.79,
  a near tie almost nothing. A tie leaves the note unlabelled (source ``conflict``);
- no signal at all leaves it unlabelled (topic ``""``, weight 0, source ``none``).
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from topics.categories import OTHER
from topics.keywords import keyword_counts
from topics.taxonomy import Taxonomy
from topics.text_features import note_documents

__all__ = ["WEAK_LABEL_COLUMNS", "weak_labels"]

logger = logging.getLogger(__name__)

#: Columns of :func:`weak_labels`' result.
WEAK_LABEL_COLUMNS: Final = ("note_id", "topic", "weight", "source", "evidence")

HASHTAG_WEIGHT: Final = 3.0
TITLE_WEIGHT: Final = 1.0  # on top of the body count: a title keyword counts twice
MERCHANT_AGREES: Final = 1.0
MERCHANT_MENTIONED: Final = 0.8
MERCHANT_CONTRADICTED: Final = 0.6
MERCHANT_OTHER_FACTOR: Final = 0.5
TEXT_MAX_WEIGHT: Final = 0.9


def weak_labels(
    notes: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    merchant_topic: pd.Series | None = None,
) -> pd.DataFrame:
    """Label notes with a topic from their merchant, hashtags and seed keywords.

    Parameters
    ----------
    notes
        Notes with ``note_id``, ``text`` and optionally ``title`` and ``tags`` (a list of
        strings per row). Not modified.
    taxonomy
        The topics, their keywords and hashtags.
    merchant_topic
        note_id -> topic of the merchant the note resolves to (from geocodes). Notes missing
        from it, or mapped to an empty value or a topic the taxonomy lacks, have no merchant
        signal.

    Returns
    -------
    pandas.DataFrame
        One row per note, in the input order: ``note_id``; ``topic`` (``""`` when there is
        no usable signal); ``weight`` in 0..1, how far to trust it; ``source``, the signal
        that decided (``merchant``, ``hashtag``, ``keyword``, ``conflict`` or ``none``);
        ``evidence``, the counts behind it (``merchant=coffee; coffee:5 food:1``).

    Raises
    ------
    KeyError
        If ``notes`` has no ``note_id`` column.

    Examples
    --------
    >>> from topics.taxonomy import load_taxonomy
    >>> notes = pd.DataFrame({"note_id": ["a"], "title": ["周末喝咖啡"], "text": ["拿铁很好喝"]})
    >>> weak_labels(notes, load_taxonomy())[["topic", "source"]].iloc[0].tolist()
    ['coffee', 'keyword']
    """
    if "note_id" not in notes.columns:
        msg = "weak_labels: notes need a 'note_id' column"
        raise KeyError(msg)
    ids = list(taxonomy.ids)
    note_ids = notes["note_id"].astype(str).to_numpy()
    docs = note_documents(notes)
    titles = notes["title"].tolist() if "title" in notes.columns else [""] * len(notes)
    evidence = keyword_counts(docs, taxonomy).astype(float)
    evidence += TITLE_WEIGHT * keyword_counts(titles, taxonomy)
    tag_counts = _hashtag_counts(notes, taxonomy)
    evidence += HASHTAG_WEIGHT * tag_counts
    merchant = _merchant_index(note_ids, merchant_topic, ids)

    topic_index, weight, source = _decide(evidence, tag_counts, merchant, ids.index(OTHER))
    topics = np.asarray([*ids, ""], dtype=object)[np.where(topic_index < 0, len(ids), topic_index)]
    result = pd.DataFrame(
        {
            "note_id": note_ids,
            "topic": topics,
            "weight": weight,
            "source": source,
            "evidence": _evidence_strings(evidence, merchant, ids),
        }
    )
    logger.info(
        "weak labels: %d of %d notes labelled (%s)",
        int((topic_index >= 0).sum()),
        len(notes),
        ", ".join(f"{k} {v}" for k, v in result["source"].value_counts().items()),
    )
    return result


def _hashtag_counts(notes: pd.DataFrame, taxonomy: Taxonomy) -> NDArray[np.float64]:
    """Per note and topic, how many of the note's tags are that topic's hashtags."""
    counts = np.zeros((len(notes), len(taxonomy)), dtype=float)
    if "tags" not in notes.columns:
        return counts
    owners: dict[str, list[int]] = {}
    for index, topic in enumerate(taxonomy.topics):
        for tag in topic.hashtags:
            owners.setdefault(tag, []).append(index)
    for row, tags in enumerate(notes["tags"].tolist()):
        if not isinstance(tags, list | tuple | np.ndarray):
            continue
        for tag in tags:
            if isinstance(tag, str):
                for index in owners.get(tag.lstrip("#").strip().casefold(), ()):
                    counts[row, index] += 1
    return counts


def _merchant_index(
    note_ids: NDArray[np.object_], merchant_topic: pd.Series | None, ids: list[str]
) -> NDArray[np.int64]:
    """Per note, the index of its merchant's topic, or -1."""
    if merchant_topic is None or merchant_topic.empty:
        return np.full(note_ids.size, -1, dtype=np.int64)
    mapped = merchant_topic.copy()
    mapped.index = mapped.index.astype(str)
    mapped = mapped[~mapped.index.duplicated(keep="last")]
    position = {topic: i for i, topic in enumerate(ids)}
    codes = mapped.map(lambda t: position.get(t, -1) if isinstance(t, str) else -1)
    return codes.reindex(note_ids).fillna(-1).to_numpy(dtype=np.int64)


def _decide(
    evidence: NDArray[np.float64],
    tag_counts: NDArray[np.float64],
    merchant: NDArray[np.int64],
    other: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.object_]]:
    """Apply the module docstring's rule to every note at once."""
    n = evidence.shape[0]
    rows = np.arange(n)
    best = evidence.argmax(axis=1) if evidence.shape[1] else np.zeros(n, dtype=np.int64)
    ordered = np.sort(evidence, axis=1)
    top = ordered[:, -1] if evidence.shape[1] else np.zeros(n)
    runner = ordered[:, -2] if evidence.shape[1] > 1 else np.zeros(n)

    topic = np.full(n, -1, dtype=np.int64)
    weight = np.zeros(n, dtype=np.float64)
    source = np.full(n, "none", dtype=object)

    text_wins = top > runner
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(top > 0, (top - runner) / top, 0.0)
    text_weight = TEXT_MAX_WEIGHT * margin * (1.0 - 0.5**top)
    topic[text_wins] = best[text_wins]
    weight[text_wins] = text_weight[text_wins]
    by_tag = text_wins & (tag_counts[rows, best] > 0)
    source[text_wins] = "keyword"
    source[by_tag] = "hashtag"
    source[(top > 0) & ~text_wins] = "conflict"

    has = merchant >= 0
    if has.any():
        m = np.where(has, merchant, 0)
        own = evidence[rows, m]
        agree = (top == 0) | (own >= top)
        mentioned = ~agree & (own > 0)
        w = np.where(
            agree, MERCHANT_AGREES, np.where(mentioned, MERCHANT_MENTIONED, MERCHANT_CONTRADICTED)
        )
        w = np.where(m == other, w * MERCHANT_OTHER_FACTOR, w)
        topic[has] = m[has]
        weight[has] = w[has]
        source[has] = "merchant"
    return topic, np.round(weight, 4), source


def _evidence_strings(
    evidence: NDArray[np.float64], merchant: NDArray[np.int64], ids: list[str]
) -> list[str]:
    """``"merchant=coffee; coffee:5 food:1"`` per note."""
    out: list[str] = []
    nonzero_rows, nonzero_cols = np.nonzero(evidence)
    parts: list[list[str]] = [[] for _ in range(evidence.shape[0])]
    for row, col in zip(nonzero_rows.tolist(), nonzero_cols.tolist(), strict=True):
        parts[row].append(f"{ids[col]}:{evidence[row, col]:g}")
    for row, items in enumerate(parts):
        text = " ".join(items)
        if merchant[row] >= 0:
            text = (
                f"merchant={ids[merchant[row]]}; {text}"
                if text
                else f"merchant={ids[merchant[row]]}"
            )
        out.append(text)
    return out
