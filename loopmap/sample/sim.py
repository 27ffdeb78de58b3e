"""The day-by-day simulation of the loop: share -> interact -> visit -> share.

Each simulated day: people walk into merchants (in proportion to popularity and
quality, on the topic's busy days and hours) and the hype campaigns' fake
visitors check in; the day's notes are posted (visitors' own notes, paid notes,
and notes about wishes, roads, districts or nothing in particular, up to the
day's share of ``n_notes``); each note is exposed, reacted to and forwarded, and
its interactions lead to visits in the following hours to weeks, which may lead
to new notes, which are exposed in turn. Events in the future wait in per-day
buckets; a day's notes and events are written when the day is done, so memory
holds a rolling window of days, not the world.
"""

from __future__ import annotations

import logging
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from loopmap.sample import rhythm
from loopmap.sample.authoring import (
    AREA,
    DISTRICT,
    NONE,
    PAID,
    SHARE,
    WISH,
    NoteBatch,
    author_notes,
    surface_forms,
)
from loopmap.sample.exposure import (
    COLLECT,
    COMMENT,
    FORWARD,
    LIKE,
    VIEW,
    VISIT,
    EventChunk,
    NoteView,
    distance_km,
    react,
    second_wave,
    share_probability,
    views_for_notes,
    visit_probability,
)
from loopmap.sample.hype import HypePlan
from loopmap.sample.users import ROLE_NAMES, Users, sample_in_regions
from loopmap.sample.world import Places
from loopmap.sample.writer import SampleWriter

__all__ = ["Simulation"]

logger = logging.getLogger(__name__)

_I64 = np.int64
#: Walk-in visits per note of the day's budget (before the weekly rhythm).
_WALKINS_PER_NOTE = 0.8
#: Chance an interaction of each kind leads to a visit, before quality and distance.
_VISIT_BASE = {LIKE: 0.13, COMMENT: 0.2, COLLECT: 0.42, FORWARD: 0.1}
_ORGANIC_KINDS = np.array([WISH, AREA, DISTRICT, NONE])
_ORGANIC_P = np.array([0.4, 0.3, 0.1, 0.2])


def _group_sampler(
    keys: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items sorted by key, and the cumulative weights, for weighted draws within a key."""
    order = np.argsort(keys, kind="stable")
    return order, keys[order], np.cumsum(weights[order])


def _draw(
    rng: np.random.Generator, sampler: tuple[np.ndarray, np.ndarray, np.ndarray], keys: np.ndarray
) -> np.ndarray:
    """One weighted item per key (-1 where the key has no items)."""
    order, sorted_keys, cw = sampler
    lo = np.searchsorted(sorted_keys, keys, side="left")
    hi = np.searchsorted(sorted_keys, keys, side="right")
    ok = hi > lo
    out = np.full(keys.size, -1, dtype=_I64)
    if ok.any():
        base = np.where(lo[ok] > 0, cw[np.maximum(lo[ok] - 1, 0)], 0.0)
        top = cw[hi[ok] - 1]
        x = base + rng.random(ok.sum()) * (top - base)
        k = np.clip(np.searchsorted(cw, x, side="right"), lo[ok], hi[ok] - 1)
        out[ok] = order[k]
    return out


@dataclass
class _Buckets:
    """Future events and future notes, by simulation day."""

    events: dict[int, list[EventChunk]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[int, list[NoteBatch]] = field(default_factory=lambda: defaultdict(list))


class Simulation:
    """One run of the sample city's loop, writing as it goes.

    Parameters
    ----------
    places, users, hype
        The world.
    writer
        Where rows go.
    n_notes
        Exactly how many notes to write.
    rng, text_rng
        Random generators for the simulation and for note text.
    """

    def __init__(
        self,
        places: Places,
        users: Users,
        hype: HypePlan,
        writer: SampleWriter,
        *,
        n_notes: int,
        rng: np.random.Generator,
        text_rng: np.random.Generator,
    ) -> None:
        self.p = places
        self.u = users
        self.hype = hype
        self.w = writer
        self.rng = rng
        self.text_rng = text_rng
        self.n_notes = n_notes
        self.n_days = rhythm.simulation_days(n_notes)
        self.end = rhythm.START + self.n_days * rhythm.DAY
        self.targets = rng.multinomial(n_notes, rhythm.post_day_weights(self.n_days))
        self.buckets = _Buckets()
        self.next_note = 0
        self.seen = np.zeros(users.n, dtype=bool)
        self.forms = surface_forms(places)
        self._prepare()

    # --- set-up --------------------------------------------------------------------------------

    def _prepare(self) -> None:
        p, u = self.p, self.u
        n_regions = p.n_areas + 1
        wish_w = p.m_popularity * np.where(p.m_main, 1.0, 0.15) * (0.6 + 0.6 * p.m_quality)
        self.by_topic = _group_sampler(p.m_topic, wish_w)
        self.by_topic_region = _group_sampler(p.m_topic * n_regions + (p.m_region + 1), wish_w)
        self.any_merchant = _group_sampler(np.zeros(p.n_merchants, dtype=_I64), wish_w)
        kinds = np.array(p.a_kind, dtype=object)
        counts = np.bincount(p.m_area[p.m_area >= 0], minlength=p.n_areas)
        is_area = np.isin(kinds, ["neighborhood", "road", "landmark"])
        amb = np.array([f[0] in p.ambiguous for f in p.a_forms], dtype=bool)
        aw = (1.0 + counts) ** 0.5 * np.where(p.a_main, 1.0, 0.12) * np.where(amb, 3.0, 1.0)
        self.area_sampler = _group_sampler(np.where(is_area, 0, 1).astype(_I64), aw)
        self.districts = np.flatnonzero((kinds == "district") & p.a_main)
        walk_w = p.m_popularity * (0.3 + p.m_quality) * np.where(p.m_main, 1.0, 0.25)
        self.walk_w = walk_w / walk_w.sum()
        self.mean_target = self.n_notes / self.n_days
        self.cw_taste = np.cumsum(u.taste[: u.n_real], axis=1)
        self.home_district = np.where(
            u.home_area >= 0, p.a_district[np.maximum(u.home_area, 0)], -1
        )
        h = self.hype
        self.paid_by_day: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(0, dtype=_I64))
        for d in np.unique(h.paid_day):
            self.paid_by_day[int(d)] = np.flatnonzero(h.paid_day == d)
        self.sybil_merchants = {m for (m, s) in h.accounts if s == "sybil_likes"}
        self.ring_merchants = {m for (m, s) in h.accounts if s == "forward_ring"}
        if h.visit_time.size:
            keep = h.visit_time < self.end
            self._add_events(
                EventChunk.build(
                    h.visit_time[keep],
                    u.n_real + h.visit_user[keep],
                    VISIT,
                    None,
                    h.visit_merchant[keep],
                )
            )

    # --- buckets -------------------------------------------------------------------------------

    def _add_events(self, chunk: EventChunk) -> None:
        keep = chunk.ts < self.end
        if not keep.all():
            chunk = EventChunk(
                *(getattr(chunk, f)[keep] for f in ("ts", "user", "kind", "note", "merchant"))
            )
        if len(chunk) == 0:
            return
        days = rhythm.day_of(chunk.ts)
        for d in np.unique(days):
            sel = days == d
            self.buckets.events[int(d)].append(
                EventChunk(
                    *(getattr(chunk, f)[sel] for f in ("ts", "user", "kind", "note", "merchant"))
                )
            )

    def _add_notes(self, batch: NoteBatch) -> None:
        keep = batch.created < self.end
        batch = batch.take(np.flatnonzero(keep))
        days = rhythm.day_of(batch.created)
        for d in np.unique(days):
            self.buckets.notes[int(d)].append(batch.take(np.flatnonzero(days == d)))

    def _pop_notes(self, day: int) -> NoteBatch | None:
        parts = self.buckets.notes.pop(day, None)
        return NoteBatch.concat(parts) if parts else None

    # --- visits and the notes they lead to -----------------------------------------------------

    def _visits(
        self, ts: np.ndarray, user: np.ndarray, merchant: np.ndarray, *, walk_in: bool
    ) -> None:
        """Record visits by real users and schedule the notes some of them post."""
        keep = ts < self.end
        ts, user, merchant = ts[keep], user[keep], merchant[keep]
        if ts.size == 0:
            return
        self._add_events(EventChunk.build(ts, user, VISIT, None, merchant))
        rng = self.rng
        q = self.p.m_quality[merchant]
        p_share = share_probability(q) * (0.85 if walk_in else 1.0)
        hit = np.flatnonzero(rng.random(ts.size) < p_share)
        if hit.size == 0:
            return
        soon = rng.random(hit.size) < 0.55
        delay = np.where(
            soon,
            np.clip(np.exp(np.log(3_600) + 0.8 * rng.normal(size=hit.size)), 300, 3 * 3_600),
            np.clip(
                np.exp(np.log(20 * 3_600) + 0.9 * rng.normal(size=hit.size)),
                3 * 3_600,
                6 * rhythm.DAY,
            ),
        ).astype(_I64)
        m = merchant[hit]
        self._add_notes(
            NoteBatch(
                created=rhythm.wake_up(rng, ts[hit] + delay),
                author=user[hit],
                kind=np.full(hit.size, SHARE, dtype=_I64),
                merchant=m,
                area=np.full(hit.size, -1, dtype=_I64),
                topic=self.p.m_topic[m],
                visit_ts=ts[hit],
                rating=np.clip(self.p.m_quality[m] + rng.normal(0, 0.12, size=hit.size), 0.0, 1.0),
                visited=np.ones(hit.size, dtype=bool),
            )
        )

    def _walk_ins(self, day: int) -> None:
        p, rng = self.p, self.rng
        week = np.array([rhythm.visit_day_weight(t, day) for t in p.topics])[p.m_topic]
        lam = _WALKINS_PER_NOTE * self.mean_target * self.walk_w * week
        counts = rng.poisson(lam)
        merchant = np.repeat(np.arange(p.n_merchants), counts)
        if merchant.size == 0:
            return
        ts = np.empty(merchant.size, dtype=_I64)
        topic = p.m_topic[merchant]
        for t in np.unique(topic):
            sel = np.flatnonzero(topic == t)
            ts[sel] = rhythm.visit_times(rng, day, p.topics[int(t)], sel.size)
        user = sample_in_regions(self.u, rng, p.m_region[merchant], 0.6)
        order = np.argsort(ts, kind="stable")
        self._visits(ts[order], user[order], merchant[order], walk_in=True)

    # --- notes of the day ----------------------------------------------------------------------

    def _organic(self, n: int, day: int) -> NoteBatch:
        """Notes about wishes, roads, districts or nothing, by active real users."""
        p, u, rng = self.p, self.u, self.rng
        author = np.minimum(
            np.searchsorted(u.cw_activity, rng.random(n) * u.cw_activity[-1]), u.n_real - 1
        ).astype(_I64)
        kind = _ORGANIC_KINDS[(rng.random(n)[:, None] > np.cumsum(_ORGANIC_P)[:-1]).sum(axis=1)]
        topic = (rng.random(n)[:, None] > self.cw_taste[author]).sum(axis=1).astype(_I64)
        topic = np.minimum(topic, len(p.topics) - 1)
        merchant = np.full(n, -1, dtype=_I64)
        area = np.full(n, -1, dtype=_I64)
        wish = np.flatnonzero(kind == WISH)
        if wish.size:
            local = rng.random(wish.size) < 0.5
            keys = topic[wish] * (p.n_areas + 1) + (u.region[author[wish]] + 1)
            got = np.where(local, _draw(rng, self.by_topic_region, keys), -1)
            miss = got < 0
            got[miss] = _draw(rng, self.by_topic, topic[wish][miss])
            miss = got < 0
            got[miss] = _draw(rng, self.any_merchant, np.zeros(miss.sum(), dtype=_I64))
            merchant[wish] = got
            topic[wish] = p.m_topic[got]
        walk = np.flatnonzero(kind == AREA)
        if walk.size:
            area[walk] = _draw(rng, self.area_sampler, np.zeros(walk.size, dtype=_I64))
            roll = rng.random(walk.size)
            names = {t: i for i, t in enumerate(p.topics)}
            if "outdoor" in names:
                topic[walk[roll < 0.45]] = names["outdoor"]
            if "culture" in names:
                topic[walk[(roll >= 0.45) & (roll < 0.6)]] = names["culture"]
        dist = np.flatnonzero(kind == DISTRICT)
        if dist.size and self.districts.size:
            home = self.home_district[author[dist]]
            other = self.districts[rng.integers(0, self.districts.size, size=dist.size)]
            area[dist] = np.where((home >= 0) & (rng.random(dist.size) < 0.7), home, other)
        kind = np.where(((kind == AREA) | (kind == DISTRICT)) & (area < 0), NONE, kind)
        visited = np.select(
            [kind == AREA, kind == DISTRICT, kind == NONE],
            [rng.random(n) < 0.8, rng.random(n) < 0.5, rng.random(n) < 0.4],
            default=False,
        )
        rating = np.where(
            kind == WISH,
            np.clip(
                0.55 + 0.3 * p.m_quality[np.maximum(merchant, 0)] + rng.normal(0, 0.1, n), 0, 1
            ),
            rng.uniform(0.45, 1.0, n),
        )
        return NoteBatch(
            created=rhythm.post_times(rng, day, n),
            author=author,
            kind=kind.astype(_I64),
            merchant=merchant,
            area=area,
            topic=topic,
            visit_ts=np.full(n, -1, dtype=_I64),
            rating=rating,
            visited=visited.astype(bool),
        )

    def _paid(self, idx: np.ndarray) -> NoteBatch:
        h, p = self.hype, self.p
        n = idx.size
        m = h.paid_merchant[idx]
        return NoteBatch(
            created=h.paid_time[idx],
            author=self.u.n_real + h.paid_author[idx],
            kind=np.full(n, PAID, dtype=_I64),
            merchant=m,
            area=np.full(n, -1, dtype=_I64),
            topic=p.m_topic[m],
            visit_ts=np.full(n, -1, dtype=_I64),
            rating=self.rng.uniform(0.9, 1.0, n),
            visited=np.zeros(n, dtype=bool),
        )

    def _defer(self, batch: NoteBatch, day: int) -> None:
        """Move notes that did not fit into ``day`` to the same time the next day."""
        if len(batch):
            shift = (day + 1 - rhythm.day_of(batch.created)) * rhythm.DAY
            batch.created = batch.created + shift
            self._add_notes(batch)

    def _fit(self, batch: NoteBatch | None, room: int, day: int) -> NoteBatch | None:
        if batch is None or len(batch) == 0:
            return None
        order = np.argsort(batch.created, kind="stable")
        self._defer(batch.take(order[max(room, 0) :]), day)
        return batch.take(order[: max(room, 0)]) if room > 0 else None

    # --- one wave of notes ---------------------------------------------------------------------

    def _publish(self, batch: NoteBatch, out: list[tuple[int, bytes, list[object]]]) -> None:
        batch = batch.take(np.argsort(batch.created, kind="stable"))
        n = len(batch)
        first = self.next_note
        self.next_note += n
        index = np.arange(first, first + n, dtype=_I64)
        ids = [self.w.note_id(i) for i in index.tolist()]
        lines, truth = author_notes(
            batch, ids, self.w.times(batch.created), self.p, self.u, self.forms, self.text_rng
        )
        out.extend(zip(batch.created.tolist(), lines, truth, strict=True))
        self.seen[batch.author] = True
        nv = NoteView(
            note=index,
            author=batch.author,
            created=batch.created,
            topic=batch.topic,
            merchant=batch.merchant,
            rating=batch.rating,
            paid=batch.kind == PAID,
        )
        self._expose(nv)
        self._manufactured(nv)

    def _expose(self, nv: NoteView) -> None:
        p, u, rng = self.p, self.u, self.rng
        rows, viewers, ts = views_for_notes(nv, p, u, rng)
        seen_keys = nv.note[rows] * u.n + viewers
        all_rows, all_viewers, all_ts = [rows], [viewers], [ts]
        chunks, did, first, fwd = react(nv, rows, viewers, ts, p, u, rng)
        masks, firsts = [did], [first]
        fw_ts = self._forward_times(chunks)
        if fwd.any():
            r2, v2, t2 = second_wave(nv, rows[fwd], viewers[fwd], fw_ts, seen_keys, u, rng)
            c2, d2, f2, _ = react(nv, r2, v2, t2, p, u, rng)
            chunks += c2
            all_rows.append(r2)
            all_viewers.append(v2)
            all_ts.append(t2)
            masks.append(d2)
            firsts.append(f2)
        rows = np.concatenate(all_rows)
        viewers = np.concatenate(all_viewers)
        self._add_events(EventChunk.build(np.concatenate(all_ts), viewers, VIEW, nv.note[rows]))
        for c in chunks:
            self._add_events(c)
        did = np.concatenate(masks)
        first = np.concatenate(firsts)
        self._visits_after(nv, rows, viewers, did, first, chunks)

    @staticmethod
    def _forward_times(chunks: list[EventChunk]) -> np.ndarray:
        fw = [c for c in chunks if len(c) and int(c.kind[0]) == FORWARD]
        return fw[0].ts if fw else np.zeros(0, dtype=_I64)

    def _visits_after(
        self,
        nv: NoteView,
        rows: np.ndarray,
        viewers: np.ndarray,
        did: np.ndarray,
        first: np.ndarray,
        chunks: list[EventChunk],
    ) -> None:
        """Visits by viewers who interacted with a note about a merchant."""
        p, u, rng = self.p, self.u, self.rng
        cand = np.flatnonzero(did & (nv.merchant[rows] >= 0) & (viewers < u.n_real))
        if cand.size == 0:
            return
        key = nv.note[rows[cand]] * u.n + viewers[cand]
        stay = np.ones(cand.size)
        for c in chunks:
            if len(c) == 0:
                continue
            kind = int(c.kind[0])
            hit = np.isin(key, c.note * u.n + c.user)
            stay *= np.where(hit, 1.0 - _VISIT_BASE[kind], 1.0)
        m = nv.merchant[rows[cand]]
        v = viewers[cand]
        km = distance_km(u.home_lat[v], u.home_lon[v], p.m_lat[m], p.m_lon[m])
        prob = np.minimum((1.0 - stay) * visit_probability(p.m_quality[m], km), 0.95)
        go = np.flatnonzero(rng.random(cand.size) < prob)
        if go.size == 0:
            return
        delay = np.clip(
            np.exp(np.log(30 * 3_600) + 1.1 * rng.normal(size=go.size)), 3_600, 14 * rhythm.DAY
        )
        earliest = first[cand[go]] + delay.astype(_I64)
        ts = rhythm.align_to_rhythm(rng, earliest, p.m_topic[m[go]], p.topics)
        order = np.argsort(ts, kind="stable")
        self._visits(ts[order], v[go][order], m[go][order], walk_in=False)

    def _manufactured(self, nv: NoteView) -> None:
        """Sybil like bursts and forwarding rings on hype merchants' notes."""
        h, u, rng = self.hype, self.u, self.rng
        for j in np.flatnonzero(nv.merchant >= 0):
            m = int(nv.merchant[j])
            c = int(nv.created[j])
            note = int(nv.note[j])
            if m in self.sybil_merchants and h.sybil_from[m] <= c < h.sybil_to[m]:
                acc = u.n_real + h.accounts[(m, "sybil_likes")]
                acc = acc[rng.random(acc.size) < 0.85]
                start = c + int(rng.integers(300, 2 * 3_600))
                t_view = start + rng.integers(0, 15 * 60, size=acc.size)
                t_like = t_view + rng.integers(2, 40, size=acc.size)
                col = rng.random(acc.size) < 0.5
                t_col = t_like[col] + rng.integers(1, 20, size=col.sum())
                self._add_events(EventChunk.build(t_view, acc, VIEW, np.full(acc.size, note)))
                self._add_events(EventChunk.build(t_like, acc, LIKE, np.full(acc.size, note)))
                self._add_events(
                    EventChunk.build(t_col, acc[col], COLLECT, np.full(col.sum(), note))
                )
            if m in self.ring_merchants and h.ring_from[m] <= c < h.ring_to[m]:
                acc = rng.permutation(u.n_real + h.accounts[(m, "forward_ring")])
                t_view = (
                    c + int(rng.integers(60, 900)) + np.cumsum(rng.integers(20, 240, size=acc.size))
                )
                t_fwd = t_view + rng.integers(10, 60, size=acc.size)
                liked = rng.random(acc.size) < 0.6
                t_like = t_view[liked] + rng.integers(3, 9, size=liked.sum())
                self._add_events(EventChunk.build(t_view, acc, VIEW, np.full(acc.size, note)))
                self._add_events(
                    EventChunk.build(t_like, acc[liked], LIKE, np.full(liked.sum(), note))
                )
                self._add_events(EventChunk.build(t_fwd, acc, FORWARD, np.full(acc.size, note)))

    # --- the run -------------------------------------------------------------------------------

    def _day(self, day: int, budget: int) -> int:
        """Simulate one day; returns how many notes were posted."""
        self._walk_ins(day)
        last = day == self.n_days - 1
        paid_idx = self.paid_by_day.get(day, np.zeros(0, dtype=_I64))
        paid = self._fit(self._paid(paid_idx), budget, day) if paid_idx.size else None
        n_paid = len(paid) if paid is not None else 0
        reserve = 0 if last else round(0.06 * budget)
        shares = self._fit(self._pop_notes(day), budget - reserve - n_paid, day)
        n_shares = len(shares) if shares is not None else 0
        n_org = max(0, budget - reserve - n_paid - n_shares)
        parts = [b for b in (shares, paid) if b is not None]
        if n_org:
            parts.append(self._organic(n_org, day))
        out: list[tuple[int, bytes, list[object]]] = []
        posted = 0
        wave = NoteBatch.concat(parts) if parts else None
        while True:
            if wave is not None and len(wave):
                self._publish(wave, out)
                posted += len(wave)
            wave = self._fit(self._pop_notes(day), budget - posted, day)
            if wave is None and last and posted < budget:
                wave = self._organic(budget - posted, day)
            if wave is None:
                break
        out.sort(key=lambda r: r[0])
        self.w.write_notes([line for _, line, _ in out])
        self.w.write_truth([row for _, _, row in out])
        self._flush(day)
        return posted

    def _flush(self, day: int) -> None:
        parts = self.buckets.events.pop(day, [])
        if not parts:
            return
        chunk = EventChunk(
            *(
                np.concatenate([getattr(c, f) for c in parts])
                for f in ("ts", "user", "kind", "note", "merchant")
            )
        )
        order = np.argsort(chunk.ts, kind="stable")
        chunk = EventChunk(
            *(getattr(chunk, f)[order] for f in ("ts", "user", "kind", "note", "merchant"))
        )
        self.seen[chunk.user] = True
        self.w.write_events(chunk)

    def run(self, *, progress: bool = False) -> None:
        """Simulate every day, writing notes, events and note truth rows."""
        carry = 0
        bar = tqdm(
            total=self.n_days,
            unit="day",
            disable=None if progress else True,  # None: only on a terminal
            file=sys.stderr,
            desc="sample",
        )
        try:
            for day in range(self.n_days):
                budget = int(self.targets[day]) + carry
                posted = self._day(day, budget)
                carry = budget - posted
                bar.update(1)
                bar.set_postfix(notes=self.w.n_notes, events=self.w.n_events, refresh=False)
        finally:
            bar.close()
        logger.debug(
            "simulated %d days: %d notes, %d events", self.n_days, self.w.n_notes, self.w.n_events
        )

    def user_truth_rows(self) -> list[list[object]]:
        """Truth rows of every user who appears in the notes or events."""
        p, u = self.p, self.u
        rows: list[list[object]] = []
        fav = np.argmax(u.taste, axis=1)
        for i in np.flatnonzero(self.seen).tolist():
            role = int(u.role[i])
            area = int(u.home_area[i])
            target = int(u.target[i])
            rows.append(
                [
                    "user",
                    u.ids[i],
                    p.a_id[area] if area >= 0 and role == 0 else "",
                    p.m_id[target] if target >= 0 else "",
                    p.topics[int(fav[i])] if role == 0 else "",
                    "en" if u.lang_en[i] else "zh",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ROLE_NAMES[role],
                    int(role != 0),
                ]
            )
        rows.sort(key=lambda r: str(r[1]))
        return rows
