"""The sample city: a simulated world of places, notes and loop events, with its truth.

:func:`write_sample` writes four files into a folder:

``places.csv``, ``notes.jsonl``, ``events.csv``
    SPEC.md's input formats (UTF-8). Timestamps are ISO-8601 with ``+08:00`` for
    Chinese cities, or in UTC with ``Z`` elsewhere. Notes are sorted by
    ``created_at``, events by ``ts``.

``truth.csv``
    What the generator knows and the files do not say. One CSV with a ``record``
    column telling three kinds of rows apart; columns a kind does not use are
    empty. Merchant rows come first, then note rows (in ``notes.jsonl`` order),
    then user rows (sorted by id).

    ============  =============================================================
    column        meaning
    ============  =============================================================
    record        ``merchant``, ``note`` or ``user``
    id            the merchant's place_id, the note_id or the user_id
    place_id      note: the place its text names as its subject -- the merchant
                  (mention name/alias/branch/chain), the road, neighbourhood or
                  landmark (mention road), the district (mention district), or
                  the area of an area/district note; "" when it names none.
                  merchant: the area (road/neighbourhood/landmark/district) it
                  sits on. user: a real user's home area ("" for fake accounts)
    merchant_id   note: the merchant the note is about ("" for notes about an
                  area or nothing), also when the text names it only by road or
                  district or not at all. merchant: itself. user: the merchant a
                  fake account serves
    topic         note: its topic; merchant: its topic; user: favourite topic
    lang          ``zh`` or ``en`` (note language; user's writing language)
    mention       note: how its text names the place -- ``name``, ``alias``,
                  ``branch`` (a branch's own name), ``chain`` (the chain's name
                  only), ``road`` (only the road/neighbourhood/landmark),
                  ``district`` (only the district) or ``none``
    surface       note: the exact text naming ``place_id`` (it occurs verbatim in
                  title + "\\n" + text); "" when mention is ``none``
    paid          note: 1 for a paid note (glossy, by a hired account, no visit)
    visited       note: 1 when the author was at the place; for notes about a
                  merchant, exactly when a visit by the author to that merchant
                  precedes the note in events.csv
    quality       merchant: latent quality, 0..1 (drives interact->visit and
                  visit->share conversion)
    popularity    merchant: latent popularity (mean 1; drives walk-ins and notes)
    manufactured  merchant: the hype schemes it buys, ``|``-joined from
                  ``sybil_likes``, ``paid_notes``, ``fake_visits``,
                  ``forward_ring`` ("" for an honest merchant). user: the scheme a
                  fake account serves
    fraud         1 for a merchant that buys hype, a fake account, or a note by a
                  fake account; else 0
    ============  =============================================================

Same seed, same files, byte for byte.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import numpy as np

from loopmap.sample.hype import plan_hype
from loopmap.sample.rhythm import simulation_days
from loopmap.sample.sim import Simulation
from loopmap.sample.users import build_users, user_count
from loopmap.sample.world import SampleError, build_places
from loopmap.sample.writer import TRUTH_COLUMNS, SampleWriter

__all__ = ["TRUTH_COLUMNS", "SampleError", "write_sample"]

logger = logging.getLogger(__name__)


def _check(n_notes: Any, seed: Any) -> None:
    if isinstance(n_notes, bool) or not isinstance(n_notes, int | np.integer):
        msg = f"n_notes must be an integer, not {type(n_notes).__name__}"
        raise SampleError(msg)
    if n_notes < 1:
        msg = f"n_notes must be at least 1, got {n_notes}"
        raise SampleError(msg)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        msg = f"seed must be a non-negative integer, got {seed!r}"
        raise SampleError(msg)


def _merchant_rows(places: Any, plan: Any) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for m in range(places.n_merchants):
        area = int(places.m_area[m])
        scheme = plan.manufactured(m)
        rows.append(
            [
                "merchant",
                places.m_id[m],
                places.a_id[area] if area >= 0 else "",
                places.m_id[m],
                places.topics[int(places.m_topic[m])],
                "",
                "",
                "",
                "",
                "",
                f"{places.m_quality[m]:.4f}",
                f"{places.m_popularity[m]:.4f}",
                scheme,
                int(bool(scheme)),
            ]
        )
    return rows


def write_sample(
    out_dir: str | os.PathLike[str],
    *,
    city: str = "shanghai",
    places: str | os.PathLike[str] | None = None,
    n_notes: int = 20_000,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, int]:
    """Simulate a sample city and write its places, notes, events and truth.

    Parameters
    ----------
    out_dir
        Folder for ``places.csv``, ``notes.jsonl``, ``events.csv`` and
        ``truth.csv`` (created if needed; existing files are replaced).
    city
        A city with a built-in geography (``"shanghai"``), used when ``places``
        is None.
    places
        Use a real city instead: an ``.osm.pbf`` extract or a places file
        (CSV, GeoJSON, GeoParquet). Its merchants get latent qualities; its
        roads and neighbourhoods are what notes mention; its city name is the
        most common ``city`` among the merchants.
    n_notes
        Exactly how many notes to write (the events follow from them: about 15
        per note). Days simulated grow with it, from two weeks to a year.
    seed
        Random seed; the same seed gives byte-identical files.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    dict
        ``{"places": ..., "notes": ..., "events": ...}`` row counts.

    Raises
    ------
    SampleError
        (a ValueError) for a city with no built-in geography and no ``places``,
        ``n_notes`` < 1, a negative seed, or a places file that is missing or
        has no merchants.

    Examples
    --------
    >>> write_sample("sample", n_notes=2_000, seed=1)  # doctest: +SKIP
    {'places': 237, 'notes': 2000, 'events': 31384}
    """
    _check(n_notes, seed)
    n_notes = int(n_notes)
    started = time.perf_counter()
    seeds = np.random.SeedSequence(int(seed)).spawn(5)
    rng_places, rng_hype, rng_users, rng_sim, rng_text = (np.random.default_rng(s) for s in seeds)

    world = build_places(city, places, rng_places, n_notes=n_notes)
    plan = plan_hype(world, rng_hype, n_notes=n_notes, n_days=simulation_days(n_notes))
    users = build_users(
        world, rng_users, user_count(n_notes), plan.fake_role, plan.fake_target, plan.fake_first_day
    )
    width = max(7, len(str(n_notes)))
    writer = SampleWriter(
        out_dir,
        user_ids=users.ids,
        merchant_ids=world.m_id,
        note_width=width,
        utc_offset=world.utc_offset,
        use_z=world.use_z,
    )
    try:
        n_places = writer.write_places(world.frame)
        writer.write_truth(_merchant_rows(world, plan))
        sim = Simulation(
            world, users, plan, writer, n_notes=n_notes, rng=rng_sim, text_rng=rng_text
        )
        sim.run(progress=progress)
        writer.write_truth(sim.user_truth_rows())
    finally:
        writer.close()
    counts = {"places": n_places, "notes": writer.n_notes, "events": writer.n_events}
    logger.info(
        "sample city %s: %d places, %d notes, %d events in %.1f s",
        world.city,
        n_places,
        writer.n_notes,
        writer.n_events,
        time.perf_counter() - started,
    )
    return counts
