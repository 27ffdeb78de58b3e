"""Emerging themes: topics the notes talk about that the taxonomy does not have yet.

:func:`emerging_themes` runs a non-negative matrix factorisation (NMF) over the TF-IDF of
the notes' terms — Chinese character bigrams (露营, 帐篷, 天幕) and English words — fitted on a
sample, then assigns every note to its strongest theme. For each theme it reports its top
terms, how many notes it has, example notes, which taxonomy topic it is closest to and how
far the taxonomy already covers it, and, given geocodes, where it happens. Themes that look
new (little overlap with the taxonomy's keywords) come first: they are candidates for a new
topic in the user's taxonomy file.

Overlap is measured two ways and the larger is reported: the share of the theme's term
weight carried by terms that are, contain or are contained in a taxonomy keyword, and the
share of the theme's notes that contain a keyword of its nearest topic.
"""

from __future__ import annotations

import itertools
import logging
import re
import warnings
from collections import Counter
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

from topics.keywords import keyword_counts
from topics.script import to_simplified
from topics.taxonomy import Taxonomy
from topics.text_features import note_documents

__all__ = ["THEME_COLUMNS", "emerging_themes", "theme_terms"]

logger = logging.getLogger(__name__)

#: Columns of :func:`emerging_themes`' result.
THEME_COLUMNS: Final = (
    "theme",
    "label",
    "terms",
    "n_notes",
    "share",
    "example_note_ids",
    "nearest_topic",
    "overlap",
    "new",
    "top_places",
    "top_districts",
)

NEW_BELOW: Final = 0.5  # a theme whose overlap is under this looks new
_TOKEN: Final = re.compile(r"[\u3400-\u9fff]+|[a-z][a-z0-9'’-]+")
_TAG: Final = re.compile(r"#\S+")
_STOP_EN: Final = ENGLISH_STOP_WORDS | frozenset(
    {
        *("it's", "i'm", "i've", "here's", "don't", "didn't", "can't", "really", "just"),
        *("got", "like", "love", "went", "going", "come", "lately", "usually", "mostly"),
        *("anyone", "best", "want", "long", "around", "little", "now", "time", "day", "place"),
    }
)
#: Characters that make a bigram a fragment of grammar, not a term (的续, 了我, 就找).
_FUNCTION_CHARS: Final = frozenset("的了我你他她它是就都很有一个在也着到和还要吗吧呢啊这那么些")


def theme_terms(text: str) -> list[str]:
    """The terms a theme is made of: Chinese character bigrams and English words.

    Hashtags are dropped (they repeat the body and make themes echo tag spam); text is
    lower-cased and folded to simplified script.

    Examples
    --------
    >>> theme_terms("周末去露营 Camping trip!")
    ['周末', '末去', '去露', '露营', 'camping', 'trip']
    >>> theme_terms("我的咖啡")
    ['咖啡']
    """
    text = to_simplified(_TAG.sub(" ", text.lower()))
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if token[0] < "\u3400":
            if token not in _STOP_EN and len(token) > 2:
                out.append(token)
        elif len(token) == 1:
            continue
        else:
            out.extend(
                a + b
                for a, b in itertools.pairwise(token)
                if a not in _FUNCTION_CHARS and b not in _FUNCTION_CHARS
            )
    return out


def emerging_themes(
    notes: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    n_themes: int = 12,
    random_state: int = 0,
    places: pd.DataFrame | None = None,
    geocodes: pd.DataFrame | None = None,
    sample_size: int = 20_000,
    n_terms: int = 10,
    n_examples: int = 5,
) -> pd.DataFrame:
    """Discover the themes of a set of notes and say which ones the taxonomy lacks.

    Parameters
    ----------
    notes
        Notes with ``note_id``, ``text`` and optionally ``title``, ``tags``. Not modified.
    taxonomy
        The current topics; themes are compared with their keywords.
    n_themes
        How many themes to find.
    random_state
        Seed for the sample and the factorisation: the same seed gives the same themes.
    places
        The gazetteer (``place_id``, ``name``, ``kind``, ``parent_id``), to name places and
        find districts.
    geocodes
        ``note_id``, ``place_id``: where each note is. With it, each theme lists its top
        places (and districts when ``places`` is given).
    sample_size
        The factorisation is fitted on at most this many notes; all notes are then assigned.
    n_terms, n_examples
        Top terms and example note ids reported per theme.

    Returns
    -------
    pandas.DataFrame
        One row per theme with at least one note, new-looking themes first (ascending
        ``overlap``, then by size): ``theme`` (number), ``label`` (its top three terms),
        ``terms``, ``n_notes``, ``share`` of all notes, ``example_note_ids``,
        ``nearest_topic`` (the taxonomy topic whose keywords its notes use most, ``""`` for
        none), ``overlap`` (0..1, see the module docstring), ``new`` (overlap below 0.5),
        ``top_places`` and ``top_districts`` (lists of ``(name, notes)``; empty without
        geocodes).
    """
    if n_themes < 1:
        msg = f"emerging_themes: n_themes must be at least 1, got {n_themes}"
        raise ValueError(msg)
    if notes.empty:
        return pd.DataFrame(columns=list(THEME_COLUMNS))
    docs = note_documents(notes)
    note_ids = notes["note_id"].astype(str).to_numpy()
    rng = np.random.default_rng(random_state)
    fit_rows = np.arange(len(docs))
    if len(docs) > sample_size:
        fit_rows = np.sort(rng.choice(len(docs), size=sample_size, replace=False))
    min_df = 3 if fit_rows.size >= 200 else 2
    counter = CountVectorizer(analyzer=theme_terms, min_df=min_df, max_df=0.3)
    try:
        counts = counter.fit_transform([docs[i] for i in fit_rows])
    except ValueError:  # no term survives min_df / max_df
        logger.info("emerging themes: too few repeated terms in %d notes", fit_rows.size)
        return pd.DataFrame(columns=list(THEME_COLUMNS))
    tfidf = TfidfTransformer(sublinear_tf=True)
    matrix = tfidf.fit_transform(counts)
    k = min(n_themes, matrix.shape[0], matrix.shape[1])
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        nmf.fit(matrix)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        logger.info("emerging themes: NMF stopped at max_iter=%d before tol", nmf.max_iter)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    weights = nmf.transform(tfidf.transform(counter.transform(docs)))
    assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    vocabulary = counter.get_feature_names_out()
    kw_counts = keyword_counts(docs, taxonomy)
    keywords = [to_simplified(w.casefold()) for t in taxonomy.topics for w in t.all_keywords]
    places_of = _places_by_note(geocodes, places)

    rows = []
    for theme in range(k):
        members = np.flatnonzero(assigned == theme)
        if members.size == 0:
            continue
        component = nmf.components_[theme]
        top = np.argsort(-component)[:n_terms]
        terms = [str(vocabulary[i]) for i in top]
        nearest, note_overlap = _nearest_topic(kw_counts[members], taxonomy)
        term_overlap = _term_overlap(terms, component[top], keywords)
        overlap = round(max(note_overlap, term_overlap), 3)
        order = members[np.argsort(-weights[members, theme], kind="stable")]
        top_places, top_districts = _where(note_ids[members], places_of)
        rows.append(
            {
                "theme": theme,
                "label": " / ".join(terms[:3]),
                "terms": terms,
                "n_notes": int(members.size),
                "share": round(members.size / len(docs), 4),
                "example_note_ids": note_ids[order[:n_examples]].tolist(),
                "nearest_topic": nearest,
                "overlap": overlap,
                "new": overlap < NEW_BELOW,
                "top_places": top_places,
                "top_districts": top_districts,
            }
        )
    result = pd.DataFrame(rows, columns=list(THEME_COLUMNS))
    result = result.sort_values(["overlap", "n_notes", "theme"], ascending=[True, False, True])
    logger.info(
        "emerging themes: %d themes over %d notes, %d look new",
        len(result),
        len(docs),
        int(result["new"].sum()),
    )
    return result.reset_index(drop=True)


def _nearest_topic(counts: NDArray[np.int64], taxonomy: Taxonomy) -> tuple[str, float]:
    """The topic whose keywords the notes use most, and the share of notes that use them."""
    totals = counts.sum(axis=0)
    if counts.size == 0 or totals.max() == 0:
        return "", 0.0
    best = int(totals.argmax())
    return taxonomy.ids[best], float((counts[:, best] > 0).mean())


def _term_overlap(terms: list[str], weights: NDArray[np.float64], keywords: list[str]) -> float:
    """Share of the terms' weight carried by terms that overlap a taxonomy keyword."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    covered = sum(
        float(w)
        for term, w in zip(terms, weights, strict=True)
        if any(term in kw or (len(kw) > 1 and kw in term) for kw in keywords)
    )
    return covered / total


def _places_by_note(
    geocodes: pd.DataFrame | None, places: pd.DataFrame | None
) -> dict[str, tuple[str, str]]:
    """note_id -> (place name, district name) from geocodes and the gazetteer."""
    if geocodes is None or geocodes.empty:
        return {}
    located = geocodes[geocodes["place_id"].notna() & (geocodes["place_id"].astype(str) != "")]
    names: dict[str, str] = {}
    parent: dict[str, str] = {}
    kind: dict[str, str] = {}
    if places is not None and not places.empty:
        ids = places["place_id"].astype(str).tolist()
        names = dict(zip(ids, places["name"].astype(str), strict=True))
        if "parent_id" in places.columns:
            parent = {
                p: str(q)
                for p, q in zip(ids, places["parent_id"], strict=True)
                if isinstance(q, str) and q
            }
        if "kind" in places.columns:
            kind = dict(zip(ids, places["kind"].astype(str), strict=True))
    out: dict[str, tuple[str, str]] = {}
    for note_id, place_id in zip(
        located["note_id"].astype(str), located["place_id"].astype(str), strict=True
    ):
        district, current, hops = "", place_id, 0
        while current and hops < 8:
            if kind.get(current) == "district":
                district = names.get(current, current)
                break
            current, hops = parent.get(current, ""), hops + 1
        out[note_id] = (names.get(place_id, place_id), district)
    return out


def _where(
    note_ids: NDArray[np.object_], places_of: dict[str, tuple[str, str]], top: int = 5
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    if not places_of:
        return [], []
    found = [places_of[n] for n in note_ids if n in places_of]
    place_counts = Counter(p for p, _ in found).most_common(top)
    district_counts = Counter(d for _, d in found if d).most_common(top)
    return place_counts, district_counts
