"""Manufactured hype: the few merchants that buy their loop, and how.

A hype-buying merchant (about 4% of merchants, usually of middling or low
quality) runs one campaign window with one or more schemes:

``sybil_likes``
    fresh single-purpose accounts like and collect the merchant's notes in tight
    bursts shortly after each note appears;
``paid_notes``
    hired accounts post glossy notes about the merchant with no visit behind them;
``fake_visits``
    fresh accounts check in at the merchant in clusters, never having seen a note;
``forward_ring``
    a ring of accounts forwards each of the merchant's notes in quick succession.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loopmap.sample import rhythm
from loopmap.sample.world import Places

__all__ = ["SCHEMES", "HypePlan", "plan_hype"]

SCHEMES = ("sybil_likes", "paid_notes", "fake_visits", "forward_ring")
_ROLE = {"sybil_likes": 1, "paid_notes": 2, "fake_visits": 3, "forward_ring": 4}


@dataclass
class HypePlan:
    """Every hype campaign of a world, and the fake accounts it needs.

    Attributes
    ----------
    schemes
        Merchant index -> the schemes it buys.
    window
        Merchant index -> (first day, day after the last) of its campaign.
    accounts
        (merchant index, scheme) -> indices of its fake accounts *among the fake
        accounts* (add ``n_real`` for user indices).
    fake_role, fake_target, fake_first_day
        Per fake account: role code, merchant served, creation day.
    paid_day, paid_merchant, paid_author, paid_time
        The paid notes, author as a fake-account index.
    visit_time, visit_user, visit_merchant
        The fake visits, user as a fake-account index.
    sybil_from, sybil_to, ring_from, ring_to
        Per merchant, the window in which its notes get sybil bursts / ring
        forwards (local seconds; empty window when none).
    """

    schemes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    window: dict[int, tuple[int, int]] = field(default_factory=dict)
    accounts: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    fake_role: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    fake_target: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fake_first_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_merchant: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_author: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    visit_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    visit_user: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    visit_merchant: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sybil_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sybil_to: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ring_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ring_to: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def manufactured(self, merchant: int) -> str:
        """The schemes a merchant buys, ``|``-joined ("" for an honest merchant)."""
        return "|".join(self.schemes.get(merchant, ()))


def _choose_merchants(places: Places, rng: np.random.Generator) -> np.ndarray:
    m = places.n_merchants
    n = max(3, round(0.04 * m)) if m >= 20 else 1
    cand = np.flatnonzero(places.m_main)
    if cand.size == 0:
        cand = np.arange(m)
    n = min(n, cand.size)
    w = (1.15 - places.m_quality[cand]) ** 2 * places.m_popularity[cand] ** 0.3
    return np.sort(rng.choice(cand, size=n, replace=False, p=w / w.sum()))


def plan_hype(places: Places, rng: np.random.Generator, *, n_notes: int, n_days: int) -> HypePlan:
    """Choose the hype-buying merchants and plan their campaigns.

    Parameters
    ----------
    places
        The city.
    rng
        Random generator.
    n_notes
        World size (scales the number of paid notes).
    n_days
        Days simulated.

    Returns
    -------
    HypePlan
    """
    plan = HypePlan()
    chosen = _choose_merchants(places, rng)
    roles: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    firsts: list[np.ndarray] = []
    n_fake = 0
    paid: list[tuple[np.ndarray, ...]] = []
    visits: list[tuple[np.ndarray, ...]] = []
    scale = max(1, round((n_notes / 20_000) ** 0.5))
    m_all = places.n_merchants
    plan.sybil_from = np.zeros(m_all, dtype=np.int64)
    plan.sybil_to = np.zeros(m_all, dtype=np.int64)
    plan.ring_from = np.zeros(m_all, dtype=np.int64)
    plan.ring_to = np.zeros(m_all, dtype=np.int64)

    for i, m in enumerate(chosen.tolist()):
        use = {SCHEMES[i % 4]} | {s for s in SCHEMES if rng.random() < 0.3}
        if use & {"sybil_likes", "forward_ring"} and "paid_notes" not in use and rng.random() < 0.6:
            use.add("paid_notes")
        schemes = tuple(s for s in SCHEMES if s in use)
        lo = int(rng.integers(int(0.15 * n_days), max(int(0.6 * n_days), int(0.15 * n_days) + 1)))
        hi = min(n_days, lo + int(rng.integers(10, 31)))
        plan.schemes[m] = schemes
        plan.window[m] = (lo, hi)
        t_lo = rhythm.START + lo * rhythm.DAY
        t_hi = rhythm.START + hi * rhythm.DAY
        topic = places.topics[int(places.m_topic[m])]
        for scheme in schemes:
            k = {
                "sybil_likes": int(rng.integers(12, 40)),
                "paid_notes": int(rng.integers(2, 6)),
                "fake_visits": int(rng.integers(10, 30)),
                "forward_ring": int(rng.integers(5, 12)),
            }[scheme]
            idx = np.arange(n_fake, n_fake + k)
            n_fake += k
            plan.accounts[(m, scheme)] = idx
            roles.append(np.full(k, _ROLE[scheme], dtype=np.int8))
            targets.append(np.full(k, m, dtype=np.int64))
            age = {
                "sybil_likes": (0, 6),
                "paid_notes": (20, 600),
                "fake_visits": (0, 6),
                "forward_ring": (0, 12),
            }
            a, b = age[scheme]
            firsts.append(lo - rng.integers(a, b, size=k))
            if scheme == "sybil_likes":
                plan.sybil_from[m], plan.sybil_to[m] = t_lo, t_hi
            elif scheme == "forward_ring":
                plan.ring_from[m], plan.ring_to[m] = t_lo, t_hi
            elif scheme == "paid_notes":
                n_paid = int(rng.integers(4, 13)) * scale
                days = np.sort(rng.integers(lo, hi, size=n_paid))
                times = np.concatenate([rhythm.post_times(rng, int(d), 1) for d in days])
                paid.append((days, np.full(n_paid, m), idx[rng.integers(0, k, size=n_paid)], times))
            else:
                n_bursts = int(rng.integers(3, 7))
                for d in np.sort(
                    rng.choice(np.arange(lo, hi), size=min(n_bursts, hi - lo), replace=False)
                ):
                    centre = rhythm.visit_times(rng, int(d), topic, 1)[0]
                    who = idx[rng.random(k) < 0.75]
                    ts = centre + rng.integers(0, 90 * 60, size=who.size)
                    ts = np.minimum(ts, rhythm.START + (int(d) + 1) * rhythm.DAY - 1)
                    visits.append((ts, who, np.full(who.size, m)))

    if roles:
        plan.fake_role = np.concatenate(roles)
        plan.fake_target = np.concatenate(targets)
        plan.fake_first_day = np.concatenate(firsts)
    if paid:
        plan.paid_day, plan.paid_merchant, plan.paid_author, plan.paid_time = (
            np.concatenate(parts).astype(np.int64) for parts in zip(*paid, strict=True)
        )
    if visits:
        plan.visit_time, plan.visit_user, plan.visit_merchant = (
            np.concatenate(parts).astype(np.int64) for parts in zip(*visits, strict=True)
        )
    return plan
