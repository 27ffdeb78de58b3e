"""Loop metrics per merchant: share -> interact -> visit -> share, with explicit attribution.

Attribution rules (all windows in :class:`~loop.config.LoopConfig`):

Share
    A note about a merchant (the note -> merchant mapping comes from geocoding). ``shares``
    counts them.
Interaction
    A like, comment, collect or forward on a note about the merchant (``interactions``); views
    are counted apart (``views``). An author acting on their own note is not counted.
Attributed visit
    A visit by user *u* to merchant *m* at time *t* is attributed when *u* was exposed to a note
    about *m* -- any event in ``exposure_kinds``, views included by default, because a view is
    how a note reaches a future visitor -- within ``attribution_days`` (default 14) before *t*.
    The credit of an attributed visit is split evenly among the distinct notes that exposed the
    visitor in that window (so a note's credit is fractional).
Reshare
    A note about *m* by a user who visited *m* within ``reshare_days`` (default 30) before
    writing it: the visitor's own share closes the loop.
Conversions
    ``interact_to_visit`` = converted users / exposed users (distinct visitors with an
    attributed visit over distinct non-author users exposed to the merchant's notes);
    ``visit_to_share`` = reshares / visits.
Loop gain
    The branching factor of the share -> share process: reshares whose visit was attributed
    to the merchant's notes, per share. Above 1 the loop sustains itself; below 1 it needs
    outside notes.
Local visits
    A visitor is local when the centre of all their visits (the mean position of the merchants
    they visited) lies within ``local_km`` of the merchant; ``local_visit_share`` is the share
    of the merchant's visits made by locals (needs merchant coordinates).

Every join is a sorted join over integer keys (``numpy.searchsorted`` range joins and
``pandas.merge_asof``); nothing loops over events in Python.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from loop._frames import KIND_CODE, Prepared, pair_key, prepare
from loop.config import LoopConfig

__all__ = ["attribute_visits", "find_reshares", "loop_metrics", "metrics_from_prepared"]

logger = logging.getLogger(__name__)

DAY = 86_400
_ENGAGED = [KIND_CODE[k] for k in ("like", "comment", "collect", "forward")]


def loop_metrics(
    notes: pd.DataFrame,
    events: pd.DataFrame,
    note_merchant: pd.DataFrame | pd.Series,
    *,
    merchants: pd.DataFrame | None = None,
    config: LoopConfig | None = None,
) -> pd.DataFrame:
    """Loop metrics per merchant.

    Parameters
    ----------
    notes
        note_id, user_id, created_at.
    events
        event_id, ts, user_id, kind, note_id, merchant_id.
    note_merchant
        note_id -> merchant_id (Series or two-column frame).
    merchants
        Optional merchants table (merchant_id or place_id, lat, lon): fixes the rows (every
        merchant, also those with no activity) and enables ``local_visit_share``.
    config
        Attribution windows; defaults to ``LoopConfig()``.

    Returns
    -------
    pandas.DataFrame
        One row per merchant: merchant_id, shares, views, interactions, exposed_users, visits,
        attributed_visits, converted_users, reshares, attributed_reshares, interact_to_visit,
        visit_to_share, loop_gain, median_hours_to_visit, local_visit_share.
    """
    config = config or LoopConfig()
    ids = None if merchants is None else pd.Index(_merchant_ids(merchants).astype(str))
    prep = prepare(notes, events, note_merchant, merchants=ids)
    return metrics_from_prepared(prep, merchants=merchants, config=config)


def metrics_from_prepared(
    prep: Prepared,
    *,
    merchants: pd.DataFrame | None = None,
    config: LoopConfig,
    drop_users: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`loop_metrics` over already prepared arrays.

    Parameters
    ----------
    prep
        From :func:`loop._frames.prepare`.
    merchants
        Optional merchants table with lat, lon (for ``local_visit_share``).
    config
        Attribution windows.
    drop_users
        Optional boolean mask over user codes: their events and notes are ignored (used to
        discount manufactured activity).

    Returns
    -------
    pandas.DataFrame
        See :func:`loop_metrics`.
    """
    n_m = len(prep.merchants)
    notes, inter, visits = prep.notes, prep.inter, prep.visits
    if drop_users is not None:
        notes = notes[~drop_users[notes["u"].to_numpy()]]
        inter = inter[~drop_users[inter["u"].to_numpy()]]
        visits = visits[~drop_users[visits["u"].to_numpy()]].copy()
        visits["row"] = np.arange(len(visits), dtype=np.int64)
    # an author acting on their own note is neither exposure nor interaction
    author = np.full(int(prep.notes["note"].to_numpy().max(initial=-1)) + 1, -1, dtype=np.int64)
    author[prep.notes["note"].to_numpy()] = prep.notes["u"].to_numpy()
    inter = inter[author[inter["note"].to_numpy()] != inter["u"].to_numpy()]

    out = pd.DataFrame({"merchant_id": prep.merchants.to_numpy()})
    m_inter = inter["m"].to_numpy()
    kinds = inter["kind"].to_numpy()
    out["shares"] = np.bincount(notes["m"].to_numpy(), minlength=n_m)
    out["views"] = np.bincount(m_inter[kinds == KIND_CODE["view"]], minlength=n_m)
    out["interactions"] = np.bincount(m_inter[np.isin(kinds, _ENGAGED)], minlength=n_m)

    exposure_codes = [KIND_CODE[k] for k in config.exposure_kinds if k in KIND_CODE]
    expo = inter[np.isin(kinds, exposure_codes)]
    exposed = np.unique(pair_key(expo["u"].to_numpy(), expo["m"].to_numpy(), n_m))
    out["exposed_users"] = np.bincount(exposed % n_m, minlength=n_m)

    att = attribute_visits(expo, visits, window_s=int(config.attribution_days * DAY))
    v_m = visits["m"].to_numpy()
    out["visits"] = np.bincount(v_m, minlength=n_m)
    out["attributed_visits"] = np.bincount(v_m[att["attributed"]], minlength=n_m)
    conv = np.unique(
        pair_key(visits["u"].to_numpy()[att["attributed"]], v_m[att["attributed"]], n_m)
    )
    out["converted_users"] = np.bincount(conv % n_m, minlength=n_m)

    res = find_reshares(notes, visits, window_s=int(config.reshare_days * DAY))
    res_m = notes["m"].to_numpy()[res >= 0]
    out["reshares"] = np.bincount(res_m, minlength=n_m)
    src_attr = att["attributed"][res[res >= 0]]
    out["attributed_reshares"] = np.bincount(res_m[src_attr], minlength=n_m)

    with np.errstate(divide="ignore", invalid="ignore"):
        out["interact_to_visit"] = np.where(
            out["exposed_users"] > 0, out["converted_users"] / out["exposed_users"], 0.0
        )
        out["visit_to_share"] = np.where(
            out["visits"] > 0, np.minimum(out["reshares"] / out["visits"], 1.0), 0.0
        )
        out["loop_gain"] = np.where(
            out["shares"] > 0, out["attributed_reshares"] / out["shares"], 0.0
        )
    hours = pd.Series(att["hours_to_visit"][att["attributed"]])
    med = hours.groupby(v_m[att["attributed"]]).median()
    out["median_hours_to_visit"] = med.reindex(range(n_m)).to_numpy()
    out["local_visit_share"] = _local_share(prep, visits, merchants, config)
    return out


def attribute_visits(
    exposures: pd.DataFrame, visits: pd.DataFrame, *, window_s: int
) -> dict[str, np.ndarray]:
    """Attribute each visit to the notes that exposed its visitor within the window before it.

    A range join: exposures sorted by (user-merchant pair, time); each visit looks up the slice
    of its pair's exposures in ``[t - window, t)`` with two binary searches.

    Parameters
    ----------
    exposures
        u, m, note, t of exposure events.
    visits
        u, m, t of visits (positional order is kept).
    window_s
        Attribution window in seconds.

    Returns
    -------
    dict
        ``attributed`` (bool per visit), ``hours_to_visit`` (from the last exposure; NaN when
        unattributed), ``pair_visit``, ``pair_note``, ``pair_credit`` (each attributed visit's
        credit split evenly over its distinct exposing notes).
    """
    n_v = len(visits)
    e_u, e_m = exposures["u"].to_numpy(), exposures["m"].to_numpy()
    n_m = int(max(e_m.max(initial=-1), visits["m"].max() if n_v else -1)) + 1
    e_key = pair_key(e_u, e_m, n_m)
    codes, uniq = pd.factorize(e_key)
    v_code = pd.Index(uniq).get_indexer(
        pair_key(visits["u"].to_numpy(), visits["m"].to_numpy(), n_m)
    )
    e_t = exposures["t"].to_numpy(dtype=np.int64)
    v_t = visits["t"].to_numpy(dtype=np.int64)
    t0 = min(e_t.min(initial=0), v_t.min(initial=0)) - window_s - 1
    span = max(e_t.max(initial=0), v_t.max(initial=0)) - t0 + 1
    comp = codes.astype(np.int64) * span + (e_t - t0)
    order = np.argsort(comp, kind="stable")
    comp = comp[order]
    has = v_code >= 0
    base = v_code.astype(np.int64) * span
    lo = np.searchsorted(comp, base + (v_t - window_s - t0), side="left")
    hi = np.searchsorted(comp, base + (v_t - t0), side="left")
    n_in = np.where(has, hi - lo, 0)
    attributed = n_in > 0
    last = np.full(n_v, np.nan)
    last[attributed] = (v_t[attributed] - e_t[order[hi[attributed] - 1]]) / 3600.0

    rep = np.repeat(np.arange(n_v), n_in)
    start = np.repeat(np.cumsum(n_in) - n_in, n_in)
    pos = lo[rep] + (np.arange(rep.size) - start)
    note = exposures["note"].to_numpy()[order[pos]]
    pairs = pd.DataFrame({"v": rep, "note": note}).drop_duplicates()
    n_notes = np.bincount(pairs["v"].to_numpy(), minlength=n_v)
    credit = 1.0 / n_notes[pairs["v"].to_numpy()]
    return {
        "attributed": attributed,
        "hours_to_visit": last,
        "pair_visit": pairs["v"].to_numpy(),
        "pair_note": pairs["note"].to_numpy(),
        "pair_credit": credit,
    }


def find_reshares(notes: pd.DataFrame, visits: pd.DataFrame, *, window_s: int) -> np.ndarray:
    """For each note, the visit (position) that makes it a reshare, or -1.

    A note by *u* about *m* is a reshare when *u* visited *m* within ``window_s`` before
    writing it; the latest such visit is its source.

    Parameters
    ----------
    notes
        u, m, t per note.
    visits
        u, m, t, row per visit.
    window_s
        Reshare window in seconds.

    Returns
    -------
    numpy.ndarray
        int64 per note (in ``notes`` order).
    """
    n_m = (
        int(max(notes["m"].to_numpy().max(initial=-1), visits["m"].to_numpy().max(initial=-1))) + 1
    )
    left = pd.DataFrame(
        {
            "key": pair_key(notes["u"].to_numpy(), notes["m"].to_numpy(), n_m),
            "t": notes["t"].to_numpy(dtype=np.int64),
            "pos": np.arange(len(notes)),
        }
    ).sort_values("t", kind="stable")
    right = pd.DataFrame(
        {
            "key": pair_key(visits["u"].to_numpy(), visits["m"].to_numpy(), n_m),
            "t": visits["t"].to_numpy(dtype=np.int64),
            "row": visits["row"].to_numpy(),
        }
    ).sort_values("t", kind="stable")
    joined = pd.merge_asof(left, right, on="t", by="key", direction="backward", tolerance=window_s)
    out = np.full(len(notes), -1, dtype=np.int64)
    ok = joined["row"].notna().to_numpy()
    out[joined["pos"].to_numpy()[ok]] = joined["row"].to_numpy()[ok].astype(np.int64)
    return out


def _merchant_ids(merchants: pd.DataFrame) -> pd.Series:
    col = "merchant_id" if "merchant_id" in merchants.columns else "place_id"
    return merchants[col].astype(str)


def _local_share(
    prep: Prepared, visits: pd.DataFrame, merchants: pd.DataFrame | None, config: LoopConfig
) -> np.ndarray:
    n_m = len(prep.merchants)
    if merchants is None or not {"lat", "lon"} <= set(merchants.columns) or not len(visits):
        return np.full(n_m, np.nan)
    pos = pd.DataFrame(
        {"lat": merchants["lat"].to_numpy(float), "lon": merchants["lon"].to_numpy(float)},
        index=_merchant_ids(merchants).to_numpy(),
    )
    pos = pos[~pos.index.duplicated()].reindex(prep.merchants)
    lat, lon = pos["lat"].to_numpy(), pos["lon"].to_numpy()
    u, m = visits["u"].to_numpy(), visits["m"].to_numpy()
    ok = ~np.isnan(lat[m])
    n_u = len(prep.users)
    cnt = np.bincount(u[ok], minlength=n_u)
    with np.errstate(invalid="ignore", divide="ignore"):
        c_lat = np.bincount(u[ok], weights=lat[m[ok]], minlength=n_u) / cnt
        c_lon = np.bincount(u[ok], weights=lon[m[ok]], minlength=n_u) / cnt
    km = _haversine_km(c_lat[u], c_lon[u], lat[m], lon[m])
    local = ok & (km <= config.local_km)
    tot = np.bincount(m[ok], minlength=n_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, np.bincount(m[local], minlength=n_m) / tot, np.nan)


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
