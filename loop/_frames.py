"""Plumbing shared by the loop modules: timestamps, id codes, the prepared event tables.

Everything here is vectorised: timestamps become int64 seconds since the epoch (UTC), ids become
dense int codes, and the events are split once into interactions, visits and notes keyed by
merchant so that every metric is a sorted join over integer arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["INTERACTION_KINDS", "Prepared", "prepare", "to_seconds"]

logger = logging.getLogger(__name__)

INTERACTION_KINDS: tuple[str, ...] = ("like", "comment", "collect", "forward")
"""Engaged interaction kinds (a view is exposure, not engagement)."""

_KINDS = ("view", *INTERACTION_KINDS, "visit")
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(_KINDS)}


def to_seconds(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 seconds since 1970-01-01 UTC.

    Parameters
    ----------
    values
        ISO-8601 strings (an offset is honoured; none means UTC), datetimes, or numbers already
        in epoch seconds.

    Returns
    -------
    numpy.ndarray
        int64 seconds; unparseable values become the minimum int64 and are logged.
    """
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values):
        return values.to_numpy(dtype=np.int64)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        ts = pd.to_datetime(values, utc=True)
    else:
        ts = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    bad = int(ts.isna().sum())
    if bad:
        logger.warning("%d timestamps could not be parsed; their rows are ignored", bad)
    out = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64) // 1_000_000_000
    out[ts.isna().to_numpy()] = np.iinfo(np.int64).min
    return out


@dataclass(frozen=True)
class Prepared:
    """Events and notes as integer arrays keyed by dense codes.

    Attributes
    ----------
    merchants
        Merchant ids; ``m`` codes index into it.
    users
        User ids; ``u`` codes index into it.
    notes
        Notes about a known merchant: columns ``note`` (code), ``u`` (author), ``m``, ``t``.
    inter
        Events on notes about a merchant: ``u``, ``note``, ``m``, ``t``, ``kind`` (code).
    visits
        Visit events: ``u``, ``m``, ``t``, ``row`` (position in the visit table).
    t_end
        The last timestamp seen (seconds).
    """

    merchants: pd.Index
    users: pd.Index
    notes: pd.DataFrame
    inter: pd.DataFrame
    visits: pd.DataFrame
    t_end: int


def prepare(
    notes: pd.DataFrame,
    events: pd.DataFrame,
    note_merchant: pd.DataFrame | pd.Series,
    *,
    merchants: pd.Index | None = None,
) -> Prepared:
    """Code ids, parse timestamps and split events into interactions and visits.

    Parameters
    ----------
    notes
        note_id, user_id, created_at.
    events
        event_id, ts, user_id, kind, note_id, merchant_id.
    note_merchant
        A Series note_id -> merchant_id, or a frame with those two columns; notes missing from
        it (or mapped to an empty id) are about no merchant.
    merchants
        Merchant ids to keep (and their order); default: every merchant seen.

    Returns
    -------
    Prepared
    """
    nm = _note_merchant_series(note_merchant)
    kind = events["kind"].astype(str).str.lower()
    is_visit = (kind == "visit").to_numpy()
    if merchants is None:
        seen = pd.concat(
            [nm, events.loc[is_visit, "merchant_id"].dropna().astype(str)], ignore_index=True
        )
        merchants = pd.Index(np.sort(seen.unique()))
    merchants = pd.Index(merchants.astype(str))
    users = pd.Index(
        pd.unique(pd.concat([notes["user_id"], events["user_id"]], ignore_index=True).astype(str))
    )

    note_ids = notes["note_id"].astype(str)
    n_m = merchants.get_indexer(pd.Index(nm.reindex(note_ids.to_numpy()).to_numpy()))
    note_tab = pd.DataFrame(
        {
            "note": np.arange(len(notes), dtype=np.int64),
            "u": users.get_indexer(pd.Index(notes["user_id"].astype(str))),
            "m": n_m,
            "t": to_seconds(notes["created_at"]),
        }
    )
    note_index = pd.Index(note_ids.to_numpy())

    t_all = to_seconds(events["ts"])
    u_all = users.get_indexer(pd.Index(events["user_id"].astype(str)))
    codes = kind.map(KIND_CODE).fillna(-1).to_numpy(dtype=np.int8)

    ev_note = note_index.get_indexer(pd.Index(events.loc[~is_visit, "note_id"].astype(str)))
    inter = pd.DataFrame(
        {"u": u_all[~is_visit], "note": ev_note, "t": t_all[~is_visit], "kind": codes[~is_visit]}
    )
    inter = inter[(inter["note"] >= 0) & (inter["kind"] >= 0)]
    inter["m"] = n_m[inter["note"].to_numpy()]
    inter = inter[inter["m"] >= 0].reset_index(drop=True)

    visits = pd.DataFrame(
        {
            "u": u_all[is_visit],
            "m": merchants.get_indexer(pd.Index(events.loc[is_visit, "merchant_id"].astype(str))),
            "t": t_all[is_visit],
        }
    )
    visits = visits[visits["m"] >= 0].reset_index(drop=True)
    visits["row"] = np.arange(len(visits), dtype=np.int64)
    note_tab = note_tab[note_tab["m"] >= 0].reset_index(drop=True)
    t_end = int(max(t_all.max(initial=0), note_tab["t"].max() if len(note_tab) else 0))
    logger.debug(
        "prepared %d notes about merchants, %d note events, %d visits",
        len(note_tab),
        len(inter),
        len(visits),
    )
    return Prepared(merchants, users, note_tab, inter, visits, t_end)


def _note_merchant_series(note_merchant: pd.DataFrame | pd.Series) -> pd.Series:
    if isinstance(note_merchant, pd.DataFrame):
        s = pd.Series(
            note_merchant["merchant_id"].to_numpy(),
            index=note_merchant["note_id"].astype(str).to_numpy(),
        )
    else:
        s = note_merchant.copy()
        s.index = s.index.astype(str)
    s = s.dropna().astype(str)
    s = s[s != ""]
    return s[~s.index.duplicated(keep="first")]


def pair_key(a: np.ndarray, b: np.ndarray, nb: int) -> np.ndarray:
    """A unique int64 key for the pair (a, b) with 0 <= b < nb."""
    return a.astype(np.int64) * np.int64(max(nb, 1)) + b.astype(np.int64)
