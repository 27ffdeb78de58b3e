"""The people of the sample city: homes, activity, followers, tastes, and the fake accounts.

Real users live in an area of the main city, are active and followed on a heavy
tail, and like some topics more than others. Fake accounts (sybils, hired
posters, fake visitors, forwarding rings) are appended after the real users and
serve one merchant each. User ids are shuffled so that the index says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopmap.sample.world import Places

__all__ = [
    "ROLE_NAMES",
    "ROLE_REAL",
    "Users",
    "build_users",
    "jitter",
    "sample_in_regions",
    "user_count",
]

ROLE_REAL = 0
#: Role code -> the manufactured-loop scheme a fake account serves.
ROLE_NAMES = {0: "", 1: "sybil_likes", 2: "paid_notes", 3: "fake_visits", 4: "forward_ring"}

_TOPIC_PRIOR = {
    "coffee": 0.14,
    "tea_dessert": 0.12,
    "food": 0.24,
    "nightlife": 0.06,
    "stay": 0.04,
    "shopping": 0.08,
    "beauty": 0.05,
    "culture": 0.08,
    "outdoor": 0.1,
    "other": 0.05,
}
_EARTH_M_PER_DEG = 111_320.0


def user_count(n_notes: int) -> int:
    """How many real users a world of ``n_notes`` notes has."""
    return int(np.clip(n_notes // 2, 400, 500_000))


def jitter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, metres: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points moved by Gaussian noise of ``metres`` standard deviation per axis."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    dy = rng.normal(0.0, 1.0, lat.shape) * metres / _EARTH_M_PER_DEG
    dx = rng.normal(0.0, 1.0, lon.shape) * metres / (_EARTH_M_PER_DEG * np.cos(np.radians(lat)))
    return np.clip(lat + dy, -90, 90), np.clip(lon + dx, -180, 180)


@dataclass
class Users:
    """Users as arrays by index; real users first, then fake accounts.

    Attributes
    ----------
    n_real
        Real users are ``0 .. n_real - 1``.
    ids
        User id strings.
    home_area, region
        Area index of the home area and of the district (or neighbourhood) around
        it; -1 when the places have none.
    home_lat, home_lon
        Home point (WGS-84).
    activity
        Relative activity (mean about 1, heavy-tailed).
    followers
        Follower count (heavy-tailed).
    taste
        Topic preferences, rows sum to 1 (zeros for fake accounts).
    lang_en
        Writes in English.
    role, target
        Fake-account role (0 real, see :data:`ROLE_NAMES`) and merchant served.
    first_day
        The day the account was created (negative: before the simulation).
    order, pos
        Real users sorted by region; ``pos[u]`` is a user's place in that order.
        A user's followers are the ``followers[u]`` users after it in ``order``
        (so they mostly live nearby).
    region_start, region_end
        The slice of ``order`` living in each region (by area index).
    cw_activity, cw_topic
        Cumulative weights over real users for sampling by activity, and by
        activity times taste for each topic.
    """

    n_real: int
    ids: list[str]
    home_area: np.ndarray
    region: np.ndarray
    home_lat: np.ndarray
    home_lon: np.ndarray
    activity: np.ndarray
    followers: np.ndarray
    taste: np.ndarray
    lang_en: np.ndarray
    role: np.ndarray
    target: np.ndarray
    first_day: np.ndarray
    order: np.ndarray
    pos: np.ndarray
    region_start: np.ndarray
    region_end: np.ndarray
    cw_activity: np.ndarray
    cw_topic: np.ndarray

    @property
    def n(self) -> int:
        """All users, fake accounts included."""
        return len(self.ids)


def _homes(
    places: Places, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Home area, and home point, for ``n`` real users."""
    kinds = np.array(places.a_kind, dtype=object)
    cand = np.flatnonzero(places.a_main & np.isin(kinds, ["neighborhood", "road", "landmark"]))
    if cand.size == 0:
        cand = np.flatnonzero(places.a_main & (kinds == "district"))
    if cand.size:
        counts = np.bincount(places.m_area[places.m_area >= 0], minlength=places.n_areas)
        w = (1.0 + counts[cand]) ** 0.7
        area = cand[rng.choice(cand.size, size=n, p=w / w.sum())]
        lat, lon = jitter(rng, places.a_lat[area], places.a_lon[area], 700.0)
        return area, lat, lon
    # No areas at all: people live around the merchants.
    main = np.flatnonzero(places.m_main)
    pick = main[rng.integers(0, main.size, size=n)]
    lat, lon = jitter(rng, places.m_lat[pick], places.m_lon[pick], 900.0)
    return np.full(n, -1, dtype=np.int64), lat, lon


def build_users(
    places: Places,
    rng: np.random.Generator,
    n_real: int,
    fake_role: np.ndarray,
    fake_target: np.ndarray,
    fake_first_day: np.ndarray,
) -> Users:
    """Create the real users and append the fake accounts.

    Parameters
    ----------
    places
        The city.
    rng
        Random generator.
    n_real
        Number of real users.
    fake_role, fake_target, fake_first_day
        Role code, merchant index and creation day of each fake account.

    Returns
    -------
    Users
    """
    n_fake = int(fake_role.size)
    n = n_real + n_fake
    n_topics = len(places.topics)

    area, lat, lon = _homes(places, rng, n_real)
    region = np.where(area >= 0, places.a_region[np.maximum(area, 0)], -1)
    z1 = rng.normal(size=n_real)
    z2 = rng.normal(size=n_real)
    activity = np.exp(0.9 * z1)
    activity /= activity.mean()
    followers = np.floor(np.exp(2.8 + 1.5 * (0.6 * z1 + 0.8 * z2))).astype(np.int64)
    followers = np.minimum(followers, max(n_real - 1, 1))
    prior = np.array([_TOPIC_PRIOR.get(t, 0.05) for t in places.topics])
    taste = rng.gamma(np.tile(prior / prior.sum() * 3.0, (n_real, 1))).astype(np.float32)
    taste /= np.maximum(taste.sum(axis=1, keepdims=True), 1e-9)
    p_en = 0.125 if places.china else 0.65
    lang_en = rng.random(n_real) < p_en
    first_day = -rng.integers(30, 2_000, size=n_real)

    # Fake accounts: homes anywhere in the city, few followers (hired posters have bought some).
    f_area, f_lat, f_lon = _homes(places, rng, n_fake)
    f_region = np.where(f_area >= 0, places.a_region[np.maximum(f_area, 0)], -1)
    f_followers = np.where(
        fake_role == 2, rng.integers(300, 3_000, size=n_fake), rng.integers(0, 12, size=n_fake)
    )
    f_followers = np.minimum(f_followers, max(n_real - 1, 1))

    order = np.lexsort((rng.random(n_real), region))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n_real)
    pos[n_real:] = rng.integers(0, n_real, size=n_fake)
    reg_sorted = region[order]
    keys = np.arange(places.n_areas)
    region_start = np.searchsorted(reg_sorted, keys, side="left")
    region_end = np.searchsorted(reg_sorted, keys, side="right")

    cw_activity = np.cumsum(activity)
    cw_topic = np.cumsum(taste.T.astype(np.float64) * activity[None, :], axis=1)

    width = max(6, len(str(n)))
    shuffled = rng.permutation(n)
    ids = [f"u{k:0{width}d}" for k in shuffled.tolist()]

    return Users(
        n_real=n_real,
        ids=ids,
        home_area=np.concatenate([area, f_area]),
        region=np.concatenate([region, f_region]),
        home_lat=np.concatenate([lat, f_lat]),
        home_lon=np.concatenate([lon, f_lon]),
        activity=np.concatenate([activity, np.full(n_fake, 0.2)]),
        followers=np.concatenate([followers, f_followers]),
        taste=np.vstack([taste, np.zeros((n_fake, n_topics), dtype=np.float32)]),
        lang_en=np.concatenate([lang_en, rng.random(n_fake) < p_en]),
        role=np.concatenate([np.zeros(n_real, dtype=np.int8), fake_role.astype(np.int8)]),
        target=np.concatenate([np.full(n_real, -1, dtype=np.int64), fake_target.astype(np.int64)]),
        first_day=np.concatenate([first_day, fake_first_day.astype(np.int64)]),
        order=order,
        pos=pos,
        region_start=region_start,
        region_end=region_end,
        cw_activity=cw_activity,
        cw_topic=cw_topic,
    )


def sample_in_regions(
    users: Users, rng: np.random.Generator, regions: np.ndarray, p_local: float
) -> np.ndarray:
    """One real user per entry: from ``regions`` with probability ``p_local``, else anyone.

    Parameters
    ----------
    users
        The users.
    rng
        Random generator.
    regions
        Area index of a region per draw (-1: no region, always anyone).
    p_local
        Chance of drawing a resident of the region.

    Returns
    -------
    numpy.ndarray
        User indices, weighted by activity outside the region and uniform inside it.
    """
    n = regions.size
    out = np.searchsorted(users.cw_activity, rng.random(n) * users.cw_activity[-1])
    out = np.minimum(out, users.n_real - 1)
    ok = regions >= 0
    start = np.where(ok, users.region_start[np.maximum(regions, 0)], 0)
    end = np.where(ok, users.region_end[np.maximum(regions, 0)], 0)
    local = ok & (end > start) & (rng.random(n) < p_local)
    if local.any():
        k = start[local] + (rng.random(local.sum()) * (end[local] - start[local])).astype(np.int64)
        out[local] = users.order[k]
    return out
