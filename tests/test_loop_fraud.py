"""Trust of a sybil clique, a burst of fresh likes, FRAUDAR on a planted block."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from loop.config import LoopConfig
from loop.fraud import detect_manufactured
from loop.fraudar import column_weighted, fraudar
from loop.trust import user_trust

T0 = pd.Timestamp("2025-03-01", tz="UTC")


def _iso(seconds: np.ndarray) -> list[str]:
    return [(T0 + pd.Timedelta(seconds=int(s))).strftime("%Y-%m-%dT%H:%M:%SZ") for s in seconds]


def _honest_world(rng: np.random.Generator) -> tuple[list[dict], list[dict], dict[str, str]]:
    """30 established users writing about 10 merchants over 40 days and liking each other."""
    notes, events, nm = [], [], {}
    for i in range(120):
        nid, m = f"n{i}", f"m{i % 10}"
        t = int(rng.integers(0, 40 * 86_400))
        notes.append({"note_id": nid, "user_id": f"u{i % 30}", "created_at": t})
        nm[nid] = m
        for v in rng.choice(30, size=6, replace=False):
            if f"u{v}" != f"u{i % 30}":
                events.append(
                    {
                        "user_id": f"u{v}",
                        "kind": "like",
                        "note_id": nid,
                        "merchant_id": None,
                        "ts": t + int(rng.integers(60, 86_400)),
                    }
                )
    return notes, events, nm


def _frames(notes: list[dict], events: list[dict], nm: dict[str, str]):
    n = pd.DataFrame(notes)
    n["created_at"] = _iso(n["created_at"].to_numpy())
    e = pd.DataFrame(events).sort_values("ts")
    e["ts"] = _iso(e["ts"].to_numpy())
    e["event_id"] = [f"e{i}" for i in range(len(e))]
    m = pd.DataFrame({"note_id": list(nm), "merchant_id": list(nm.values())})
    return n, e, m


def test_sybil_clique_has_low_trust() -> None:
    rng = np.random.default_rng(1)
    notes, events, nm = _honest_world(rng)
    # a clique of 8 fresh accounts that only like each other's notes about one merchant
    for k in range(8):
        nid = f"s{k}"
        notes.append({"note_id": nid, "user_id": f"sy{k}", "created_at": 39 * 86_400})
        nm[nid] = "m9"
        for j in range(8):
            if j != k:
                events.append(
                    {
                        "user_id": f"sy{j}",
                        "kind": "like",
                        "note_id": nid,
                        "merchant_id": None,
                        "ts": 39 * 86_400 + 60 * j,
                    }
                )
    trust = user_trust(*_frames(notes, events, nm)).set_index("user_id")["trust"]
    sybil = trust[trust.index.str.startswith("sy")]
    honest = trust[trust.index.str.match(r"u\d+$")]
    assert sybil.max() < 0.2
    assert honest.median() > 0.8


def test_burst_of_fresh_likes_flags_the_merchant_with_a_reason() -> None:
    rng = np.random.default_rng(2)
    notes, events, nm = _honest_world(rng)
    target = [n["note_id"] for n in notes if nm[n["note_id"]] == "m3"]
    base = 38 * 86_400
    for k in range(12):
        for nid in target:
            for kind in ("like", "collect"):
                events.append(
                    {
                        "user_id": f"fresh{k}",
                        "kind": kind,
                        "note_id": nid,
                        "merchant_id": None,
                        "ts": base + int(rng.integers(0, 3600)),
                    }
                )
    flags = detect_manufactured(*_frames(notes, events, nm)).set_index("merchant_id")
    assert flags.loc["m3", "flagged"] == 1
    assert "sybil_likes" in flags.loc["m3", "reasons"]
    assert "12 suspect accounts" in flags.loc["m3", "reasons"]
    assert flags.drop(index="m3")["flagged"].sum() == 0


def test_fraudar_finds_a_planted_block_hidden_in_camouflage() -> None:
    rng = np.random.default_rng(0)
    n_r, n_c = 2000, 300
    pop = rng.pareto(1.5, n_c) + 1
    rows = rng.integers(0, n_r, 8000)
    cols = rng.choice(n_c, 8000, p=pop / pop.sum())
    br, bc = np.arange(1000, 1030), np.arange(200, 210)
    r, c = np.meshgrid(br, bc)
    top = np.argsort(-pop)[:20]
    rows = np.r_[rows, r.ravel(), np.repeat(br, 10)]
    cols = np.r_[cols, c.ravel(), rng.choice(top, br.size * 10)]
    a = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n_r, n_c))
    a.data[:] = 1.0
    block = fraudar(column_weighted(a))
    assert set(block.rows.tolist()) == set(br.tolist())
    assert set(bc.tolist()) <= set(block.cols.tolist())


def test_config_is_frozen() -> None:
    cfg = LoopConfig()
    try:
        cfg.attribution_days = 3  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("LoopConfig should be frozen")


def test_paid_notes_need_recorded_visits_to_contrast_with() -> None:
    rng = np.random.default_rng(3)
    notes, events, nm = _honest_world(rng)
    for m in ("m3", "m4"):  # six devoted authors post about each, none of them visits
        for k in range(6):
            nid = f"paid-{m}-{k}"
            notes.append({"note_id": nid, "user_id": f"paid-{m}-{k}", "created_at": 30 * 86_400})
            nm[nid] = m
    for v in range(8):  # only m3 has (honest) visits on record
        events.append(
            {
                "user_id": f"u{v}",
                "kind": "visit",
                "note_id": None,
                "merchant_id": "m3",
                "ts": 20 * 86_400 + v * 3600,
            }
        )
    flags = detect_manufactured(*_frames(notes, events, nm)).set_index("merchant_id")
    assert flags.loc["m3", "flagged"] == 1
    assert "paid_notes: 6 notes by devoted authors who never visited" in flags.loc["m3", "reasons"]
    assert "paid_notes" not in (flags.loc["m4", "reasons"] or "")
    assert flags.loc["m4", "flagged"] == 0


def test_without_interactions_no_account_counts_as_low_trust(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import loop.fraud

    rng = np.random.default_rng(4)
    notes, _, nm = _honest_world(rng)
    for k in range(12):  # a dense block of devoted authors, all posting about m5
        for j in range(6):
            nid = f"blk-{k}-{j}"
            notes.append({"note_id": nid, "user_id": f"blk{k}", "created_at": 35 * 86_400})
            nm[nid] = "m5"
    n, _, links = _frames(notes, [{"user_id": "u0", "kind": "like", "ts": 0}], nm)
    no_events = pd.DataFrame(
        columns=["event_id", "user_id", "kind", "note_id", "merchant_id", "ts"]
    )
    real = loop.fraud.trust_from_prepared

    def untrusted(prep: Any, **kwargs: Any) -> pd.DataFrame:  # what a trust model with no
        frame = real(prep, **kwargs)  # interactions to learn from can give at scale
        frame["trust"] = 0.0
        return frame

    monkeypatch.setattr(loop.fraud, "trust_from_prepared", untrusted)
    flags = detect_manufactured(n, no_events, links)
    assert flags["flagged"].sum() == 0, flags.loc[flags["flagged"] == 1, "reasons"].tolist()
