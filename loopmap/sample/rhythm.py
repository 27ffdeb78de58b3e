"""Daily and weekly rhythm of the sample city, and the timestamps it writes.

Times inside the simulator are ``int64`` seconds of *local wall-clock time*
counted from 1970-01-01 00:00 (as if local time were UTC); day ``k`` of the
simulation starts at ``START + k * DAY``. Only :func:`format_times` turns them
into ISO-8601 text, with the city's offset (``+08:00`` for Chinese cities) or,
for cities whose offset is only approximate, converted to UTC with ``Z``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DAY",
    "HOUR",
    "START",
    "align_to_rhythm",
    "day_of",
    "format_times",
    "hour_weights",
    "post_day_weights",
    "post_times",
    "simulation_days",
    "visit_day_weight",
    "visit_times",
    "wake_up",
    "weekday",
]

HOUR = 3_600
DAY = 86_400
#: The first simulated day, a Monday, as local seconds since 1970-01-01.
START = int(np.datetime64("2025-03-03T00:00:00", "s").astype(np.int64))

_FLAT = np.ones(24)

#: When people post notes: a little at lunch, most in the evening.
_POST = np.array(
    [3, 1.5, 0.8, 0.4, 0.3, 0.4, 1, 2, 3, 3.5, 4, 4.5, 6, 6, 4.5, 4, 4, 4.5, 5, 6, 7.5, 8.5, 8, 5.5]
)

#: When people go out, per topic (hour of the local day, 0..23).
# fmt: off
_VISIT = {
    "food": [
        0.3, 0.1, 0, 0, 0, 0, 0.2, 0.6, 1, 1, 1.5, 5,  # 00-11
        7, 5, 2, 1.2, 1.5, 4.5, 7, 6.5, 4, 2, 1, 0.6,  # 12-23
    ],
    "coffee": [
        0, 0, 0, 0, 0, 0, 0.3, 2, 4, 5, 5.5, 5,  # 00-11
        4, 4.5, 5, 5, 4.5, 3, 2, 1, 0.6, 0.2, 0, 0,  # 12-23
    ],
    "tea_dessert": [
        0, 0, 0, 0, 0, 0, 0, 0.3, 1, 1.5, 2.5, 3,  # 00-11
        3, 4, 5.5, 6, 5.5, 4.5, 3.5, 3.5, 3, 2, 1, 0.3,  # 12-23
    ],
    "nightlife": [
        4, 3, 1.5, 0.5, 0.1, 0, 0, 0, 0, 0, 0, 0,  # 00-11
        0, 0, 0, 0, 0.3, 0.8, 1.5, 3, 5, 7, 7.5, 6,  # 12-23
    ],
    "stay": [
        0.5, 0.2, 0, 0, 0, 0, 0, 0, 0.2, 0.5, 1, 1.5,  # 00-11
        2, 3, 5, 6, 6, 5.5, 5, 4, 3, 2, 1.5, 1,  # 12-23
    ],
    "shopping": [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 1.5, 3,  # 00-11
        3.5, 4.5, 5.5, 6, 6, 5.5, 5, 5, 4.5, 3, 1, 0.2,  # 12-23
    ],
    "beauty": [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0.8, 2.5, 3.5,  # 00-11
        3, 3.5, 4.5, 5, 5, 4.5, 4.5, 4.5, 3.5, 2, 0.5, 0,  # 12-23
    ],
    "culture": [
        0, 0, 0, 0, 0, 0, 0, 0, 0.2, 2, 4.5, 5,  # 00-11
        4, 4.5, 5.5, 5.5, 4.5, 2.5, 1, 1, 1, 0.4, 0, 0,  # 12-23
    ],
    "outdoor": [
        0.2, 0, 0, 0, 0, 0.5, 2, 3, 3.5, 4, 4.5, 4,  # 00-11
        3, 3.5, 4.5, 5, 5.5, 5, 4, 3.5, 2.5, 1.5, 0.8, 0.4,  # 12-23
    ],
}
# fmt: on

#: How busy each day of the week is (Monday = 0), per topic.
_WEEK = {
    "food": [0.85, 0.85, 0.9, 0.95, 1.15, 1.45, 1.35],
    "coffee": [1.0, 0.95, 0.95, 1.0, 1.05, 1.35, 1.3],
    "tea_dessert": [0.85, 0.85, 0.9, 0.9, 1.1, 1.5, 1.45],
    "nightlife": [0.45, 0.55, 0.7, 0.9, 1.7, 2.0, 0.9],
    "stay": [0.7, 0.7, 0.75, 0.85, 1.5, 1.6, 0.8],
    "shopping": [0.8, 0.8, 0.85, 0.9, 1.1, 1.65, 1.6],
    "beauty": [0.8, 0.85, 0.9, 0.95, 1.05, 1.45, 1.35],
    "culture": [0.5, 0.75, 0.8, 0.85, 1.0, 1.9, 1.85],
    "outdoor": [0.65, 0.65, 0.7, 0.75, 0.95, 2.0, 1.9],
}
_POST_WEEK = [0.93, 0.93, 0.95, 0.97, 1.02, 1.15, 1.15]


def simulation_days(n_notes: int) -> int:
    """How many days a world of ``n_notes`` notes spans (two weeks to a year)."""
    x = np.log10(max(n_notes, 1))
    return round(float(np.interp(x, [0.0, 3.0, 4.3, 6.0], [14.0, 60.0, 120.0, 365.0])))


def day_of(ts: np.ndarray) -> np.ndarray:
    """The simulation day of local times (may be negative or past the end)."""
    return (ts - START) // DAY


def weekday(day: np.ndarray | int) -> np.ndarray:
    """Day of the week (Monday = 0) of simulation days."""
    return (np.asarray(day) + 0) % 7  # START is a Monday


def hour_weights(topic: str | None, *, post: bool = False) -> np.ndarray:
    """Normalised 24-hour profile for visits to ``topic`` (or for posting notes)."""
    raw = _POST if post else np.asarray(_VISIT.get(topic or "", _FLAT), dtype=float)
    return raw / raw.sum()


def visit_day_weight(topic: str | None, day: np.ndarray | int) -> np.ndarray:
    """How busy simulation ``day`` is for ``topic`` visits (mean about 1)."""
    week = np.asarray(_WEEK.get(topic or "", [1.0] * 7))
    return week[weekday(day)]


def post_day_weights(n_days: int) -> np.ndarray:
    """Share of a world's notes posted on each day (weekly rhythm, slow growth)."""
    days = np.arange(n_days)
    growth = 1.0 + 0.25 * days / max(n_days - 1, 1)
    w = np.asarray(_POST_WEEK)[weekday(days)] * growth
    return w / w.sum()


def _hours(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """Seconds into the day drawn from an hourly profile."""
    hours = rng.choice(24, size=n, p=weights)
    return hours * HOUR + rng.integers(0, HOUR, size=n)


def post_times(rng: np.random.Generator, day: int, n: int) -> np.ndarray:
    """``n`` posting times on simulation ``day``."""
    return START + day * DAY + _hours(rng, hour_weights(None, post=True), n)


def visit_times(rng: np.random.Generator, day: int, topic: str, n: int) -> np.ndarray:
    """``n`` visit times on simulation ``day`` for a merchant of ``topic``."""
    return START + day * DAY + _hours(rng, hour_weights(topic), n)


def align_to_rhythm(
    rng: np.random.Generator, earliest: np.ndarray, topics: np.ndarray, topic_names: list[str]
) -> np.ndarray:
    """Move candidate visit times onto the topic's opening hours and busy days.

    Parameters
    ----------
    rng
        Random generator.
    earliest
        Candidate times (local seconds); the result is never before them.
    topics
        Topic index of each visit into ``topic_names``.
    topic_names
        The topic ids.

    Returns
    -------
    numpy.ndarray
        Visit times: the candidate's day (or a busier day up to a week later,
        for topics with strong weekends) at an hour drawn from the topic's profile.
    """
    out = np.empty_like(earliest)
    day = day_of(earliest)
    for t in np.unique(topics):
        sel = np.flatnonzero(topics == t)
        name = topic_names[int(t)]
        d = day[sel].copy()
        week = np.asarray(_WEEK.get(name, [1.0] * 7))
        # Visits drift towards busy days: a quiet-day candidate may wait for the weekend.
        keep = rng.random(sel.size) < week[weekday(d)] / week.max()
        to_sat = (5 - weekday(d)) % 7
        d = np.where(keep, d, d + to_sat)
        ts = START + d * DAY + _hours(rng, hour_weights(name), sel.size)
        early = ts < earliest[sel]
        ts[early] += DAY
        out[sel] = ts
    return out


def wake_up(rng: np.random.Generator, ts: np.ndarray) -> np.ndarray:
    """Push most app activity that would fall between 02:00 and 07:00 to the morning."""
    sec = (ts - START) % DAY
    night = (sec >= 2 * HOUR) & (sec < 7 * HOUR) & (rng.random(ts.size) < 0.85)
    shift = 7 * HOUR - sec + rng.integers(0, 2 * HOUR, size=ts.size)
    return np.where(night, ts + shift, ts)


def format_times(ts: np.ndarray, *, utc_offset_hours: int, use_z: bool) -> list[str]:
    """ISO-8601 text for local times.

    Parameters
    ----------
    ts
        Local seconds.
    utc_offset_hours
        The city's offset from UTC.
    use_z
        Write UTC with ``Z`` (for cities whose offset is approximate) instead of
        local time with the offset.

    Returns
    -------
    list of str
        E.g. ``2025-03-03T12:00:00+08:00`` or ``2025-03-03T04:00:00Z``.
    """
    ts = np.asarray(ts, dtype=np.int64)
    if use_z:
        text = np.datetime_as_string((ts - utc_offset_hours * HOUR).astype("datetime64[s]"))
        return [s + "Z" for s in text.tolist()]
    sign = "+" if utc_offset_hours >= 0 else "-"
    suffix = f"{sign}{abs(utc_offset_hours):02d}:00"
    text = np.datetime_as_string(ts.astype("datetime64[s]"))
    return [s + suffix for s in text.tolist()]
