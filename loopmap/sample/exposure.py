"""The loop's online half: who sees a note, who reacts, and who goes to the merchant.

Everything here is vectorised over a batch of notes created on one simulated day.
A note is seen by some of its author's followers (who mostly live nearby) and by
people the feed finds for it (interested in its topic, or living near its
merchant); viewers like, collect, comment and forward it with probabilities
that depend on the note and on the viewer; forwards bring a second wave of
views; and viewers who interacted with a note about a merchant may visit it
hours to two weeks later, the more likely the better the merchant and the
closer they live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopmap.sample import rhythm
from loopmap.sample.users import Users, sample_in_regions
from loopmap.sample.world import Places

__all__ = [
    "KIND_CODES",
    "KIND_NAMES",
    "EventChunk",
    "NoteView",
    "distance_km",
    "react",
    "second_wave",
    "share_probability",
    "views_for_notes",
    "visit_probability",
]

KIND_NAMES = ("view", "like", "comment", "collect", "forward", "visit")
KIND_CODES = {k: i for i, k in enumerate(KIND_NAMES)}
VIEW, LIKE, COMMENT, COLLECT, FORWARD, VISIT = range(6)

_MAX_VIEWS = 3_000
_I64 = np.int64


@dataclass
class EventChunk:
    """Events as parallel arrays (times in local seconds; -1 for no note / merchant)."""

    ts: np.ndarray
    user: np.ndarray
    kind: np.ndarray
    note: np.ndarray
    merchant: np.ndarray

    @classmethod
    def build(
        cls,
        ts: np.ndarray,
        user: np.ndarray,
        kind: int | np.ndarray,
        note: np.ndarray | None = None,
        merchant: np.ndarray | None = None,
    ) -> EventChunk:
        """Assemble a chunk, filling the missing columns."""
        n = np.asarray(ts).size
        return cls(
            np.asarray(ts, dtype=_I64),
            np.asarray(user, dtype=_I64),
            np.broadcast_to(np.asarray(kind, dtype=np.int8), (n,)).copy(),
            np.full(n, -1, dtype=_I64) if note is None else np.asarray(note, dtype=_I64),
            np.full(n, -1, dtype=_I64) if merchant is None else np.asarray(merchant, dtype=_I64),
        )

    def __len__(self) -> int:
        return int(self.ts.size)


@dataclass
class NoteView:
    """The per-note facts exposure needs, for a batch of new notes."""

    note: np.ndarray  # global note index
    author: np.ndarray
    created: np.ndarray
    topic: np.ndarray
    merchant: np.ndarray  # -1 when the note is about no merchant
    rating: np.ndarray
    paid: np.ndarray


def distance_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Equirectangular distance in kilometres (good to a fraction of a percent in a city)."""
    mlat = np.radians((lat1 + lat2) / 2.0)
    dy = np.radians(lat2 - lat1)
    dx = np.radians(lon2 - lon1) * np.cos(mlat)
    return 6_371.0 * np.hypot(dx, dy)


def visit_probability(quality: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Quality and distance factor of the chance to visit after interacting."""
    return (0.12 + 1.8 * quality**2) * (0.04 + 0.96 * np.exp(-km / 5.0))


def share_probability(quality: np.ndarray) -> np.ndarray:
    """The chance a visitor posts their own note about the merchant."""
    return 0.03 + 0.45 * quality**1.5


def _lognormal_delay(
    rng: np.random.Generator, n: int, median_s: float, sigma: float, lo: float, hi: float
) -> np.ndarray:
    return np.clip(np.exp(np.log(median_s) + sigma * rng.normal(size=n)), lo, hi).astype(_I64)


def _followers_of(users: Users, rng: np.random.Generator, who: np.ndarray) -> np.ndarray:
    """One random follower of each user in ``who`` (which must have followers)."""
    k = (rng.random(who.size) * users.followers[who]).astype(_I64)
    return users.order[(users.pos[who] + 1 + k) % users.n_real]


def _dedupe(
    note: np.ndarray, viewer: np.ndarray, n_users: int, exclude: np.ndarray | None = None
) -> np.ndarray:
    """Indices of the first (note, viewer) pair of each kind, not in ``exclude`` keys."""
    key = note * n_users + viewer
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    if exclude is not None and exclude.size:
        first = first[~np.isin(key[first], exclude)]
    return first


def views_for_notes(
    nv: NoteView, places: Places, users: Users, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-wave views of a batch of notes.

    Returns
    -------
    (row, viewer, ts)
        Row into ``nv`` of each view, the viewer, and when (after the note).
    """
    n = nv.note.size
    followers = users.followers[nv.author]
    boost = np.where(nv.paid, 2.5, 1.0)
    n_fol = np.minimum(followers, rng.poisson(0.1 * followers**0.9))
    viral = np.exp(rng.normal(0.0, 0.9, size=n))
    n_disc = rng.poisson(2.6 * viral * (0.6 + 0.8 * nv.rating) * boost)
    cap = min(_MAX_VIEWS, max(users.n_real - 1, 1))
    n_fol = np.minimum(n_fol, cap)
    n_disc = np.minimum(n_disc, cap - n_fol)

    rows_f = np.repeat(np.arange(n), n_fol)
    viewers_f = _followers_of(users, rng, nv.author[rows_f]) if rows_f.size else rows_f

    rows_d = np.repeat(np.arange(n), n_disc)
    viewers_d = np.empty(rows_d.size, dtype=_I64)
    merch = nv.merchant[rows_d]
    local = (merch >= 0) & (rng.random(rows_d.size) < 0.35)
    if local.any():
        viewers_d[local] = sample_in_regions(users, rng, places.m_region[merch[local]], 1.0)
    topic_d = nv.topic[rows_d]
    for t in np.unique(topic_d[~local]):
        sel = np.flatnonzero(~local & (topic_d == t))
        cw = users.cw_topic[int(t)]
        viewers_d[sel] = np.minimum(
            np.searchsorted(cw, rng.random(sel.size) * cw[-1]), users.n_real - 1
        )

    rows = np.concatenate([rows_f, rows_d])
    viewers = np.concatenate([viewers_f, viewers_d]).astype(_I64)
    keep = viewers != nv.author[rows]
    rows, viewers = rows[keep], viewers[keep]
    first = _dedupe(nv.note[rows], viewers, users.n)
    rows, viewers = rows[first], viewers[first]
    delay = _lognormal_delay(rng, rows.size, 3 * 3_600, 1.4, 30, 14 * rhythm.DAY)
    ts = rhythm.wake_up(rng, nv.created[rows] + delay)
    return rows, viewers, ts


def react(
    nv: NoteView,
    rows: np.ndarray,
    viewers: np.ndarray,
    view_ts: np.ndarray,
    places: Places,
    users: Users,
    rng: np.random.Generator,
) -> tuple[list[EventChunk], np.ndarray, np.ndarray, np.ndarray]:
    """What viewers do after seeing a note.

    Parameters
    ----------
    nv
        The notes.
    rows, viewers, view_ts
        The views (row into ``nv``, viewer, time).
    places, users, rng
        The world and the random generator.

    Returns
    -------
    (chunks, interact_mask, interact_ts, forward_mask)
        Like/comment/collect/forward events; which views led to at least one
        interaction and the time of the first; which views were forwarded.
    """
    n = rows.size
    topic = nv.topic[rows]
    interest = np.clip(users.taste[viewers, topic].astype(float) * len(places.topics), 0.0, 4.0)
    rating = nv.rating[rows]
    paid = nv.paid[rows]
    merch = nv.merchant[rows]
    qual = np.where(merch >= 0, places.m_quality[np.maximum(merch, 0)], 0.6)
    real = viewers < users.n_real
    p = {
        LIKE: 0.085 * (0.4 + rating) * (0.45 + 0.55 * interest) * np.where(paid, 0.7, 1.0),
        COLLECT: 0.04 * (0.3 + 1.1 * qual) * (0.35 + 0.65 * interest) * np.where(paid, 0.5, 1.0),
        COMMENT: 0.016 * (0.5 + 0.8 * rating) * (0.5 + 0.5 * interest),
        FORWARD: 0.011 * (0.4 + 0.8 * rating) * (0.5 + 0.5 * interest),
    }
    chunks: list[EventChunk] = []
    first = np.full(n, np.iinfo(_I64).max, dtype=_I64)
    did = np.zeros(n, dtype=bool)
    forwarded = np.zeros(n, dtype=bool)
    for kind, prob in p.items():
        hit = (rng.random(n) < np.minimum(prob, 0.9)) & real
        idx = np.flatnonzero(hit)
        ts = view_ts[idx] + 1 + _lognormal_delay(rng, idx.size, 40, 1.2, 1, 3_600)
        chunks.append(EventChunk.build(ts, viewers[idx], kind, nv.note[rows[idx]]))
        first[idx] = np.minimum(first[idx], ts)
        did |= hit
        if kind == FORWARD:
            forwarded = hit
    return chunks, did, first, forwarded


def second_wave(
    nv: NoteView,
    rows: np.ndarray,
    forwarders: np.ndarray,
    fwd_ts: np.ndarray,
    seen_keys: np.ndarray,
    users: Users,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views brought by forwards: some of each forwarder's followers.

    Returns
    -------
    (row, viewer, ts)
        New views, none repeating a (note, viewer) pair in ``seen_keys``.
    """
    f = users.followers[forwarders]
    k = np.minimum(f, rng.poisson(1.0 + 0.08 * f**0.8))
    rep = np.repeat(np.arange(forwarders.size), k)
    if rep.size == 0:
        empty = np.zeros(0, dtype=_I64)
        return empty, empty, empty
    viewers = _followers_of(users, rng, forwarders[rep])
    r = rows[rep]
    keep = viewers != nv.author[r]
    r, viewers, rep = r[keep], viewers[keep], rep[keep]
    first = _dedupe(nv.note[r], viewers, users.n, seen_keys)
    r, viewers, rep = r[first], viewers[first], rep[first]
    ts = rhythm.wake_up(
        rng, fwd_ts[rep] + _lognormal_delay(rng, r.size, 2 * 3_600, 1.2, 20, 7 * rhythm.DAY)
    )
    return r, viewers, ts
