"""The loop's settings: attribution windows, smoothing, trust and detection thresholds."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LoopConfig"]


@dataclass(frozen=True)
class LoopConfig:
    """Every rule the loop modules apply, with its default.

    Attributes
    ----------
    attribution_days
        A visit is attributed to the notes about the merchant its visitor was exposed to within
        this many days before it.
    exposure_kinds
        Event kinds that count as exposure for attribution (views included by default: a view
        is how a note reaches a visitor; likes etc. are also exposures).
    reshare_days
        A note about a merchant by someone who visited it within this many days before is a
        reshare (the visitor's own note closes the loop).
    local_km
        A visitor is local to a merchant when the centre of their visits lies within this
        distance of it.
    prior_strength
        Pseudo-count of the beta prior that pulls each conversion rate toward its topic's
        pooled rate (3 events barely move it, 3,000 events override it).
    trust_damping
        Probability that the trust walk follows an edge rather than jumping back to a seed.
    trust_iterations
        Power-iteration steps of the trust walk.
    seed_min_days, seed_min_merchants, seed_min_audience
        An established (seed) user was active on at least this many distinct days, engaged
        with at least this many merchants, and authored notes that drew at least this many
        distinct other users.
    fresh_days
        An account is fresh for this many days after its first activity.
    single_purpose_share
        An account is single-purpose when at least this share of its activity concerns one
        merchant (and it has at least ``single_purpose_min_events`` events).
    single_purpose_min_events
        See ``single_purpose_share``.
    min_suspect_accounts
        A scheme flags a merchant only when at least this many suspect accounts take part.
    min_suspect_share
        ...and their activity is at least this share of the merchant's activity of that kind.
    min_paid_notes
        Paid notes flag a merchant only when at least this many are found.
    fraudar_blocks
        How many dense blocks the greedy peeling extracts from the user-merchant matrix.
    flag_penalty
        Score points subtracted from a flagged merchant (its fake activity is also removed).
    w_visit_rate, w_share_rate, w_volume, w_trusted
        Weights of the score parts (see :mod:`loop.rank`); chosen on sample worlds with seeds
        3 and 4.
    """

    attribution_days: float = 14.0
    exposure_kinds: tuple[str, ...] = ("view", "like", "comment", "collect", "forward")
    reshare_days: float = 30.0
    local_km: float = 3.0
    prior_strength: float = 20.0
    trust_damping: float = 0.85
    trust_iterations: int = 30
    seed_min_days: int = 3
    seed_min_merchants: int = 3
    seed_min_audience: int = 2
    fresh_days: float = 10.0
    single_purpose_share: float = 0.8
    single_purpose_min_events: int = 3
    min_suspect_accounts: int = 5
    min_suspect_share: float = 0.15
    min_paid_notes: int = 4
    fraudar_blocks: int = 10
    flag_penalty: float = 3.0
    w_visit_rate: float = 0.5
    w_share_rate: float = 0.9
    w_volume: float = 0.125
    w_trusted: float = 0.02
