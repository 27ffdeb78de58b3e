"""Attribution and reshare windows, on hand-made event tables."""

from __future__ import annotations

import pandas as pd
import pytest

from loop.config import LoopConfig
from loop.metrics import loop_metrics


def _t(day: float) -> str:
    return (pd.Timestamp("2025-03-01", tz="UTC") + pd.Timedelta(days=day)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def _world(view_day: float, visit_day: float, note2_day: float) -> tuple[pd.DataFrame, ...]:
    notes = pd.DataFrame(
        {
            "note_id": ["n1", "n2"],
            "user_id": ["author", "visitor"],
            "created_at": [_t(0), _t(note2_day)],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["e1", "e2", "e3"],
            "ts": [_t(view_day), _t(view_day + 0.01), _t(visit_day)],
            "user_id": ["visitor", "visitor", "visitor"],
            "kind": ["view", "like", "visit"],
            "note_id": ["n1", "n1", None],
            "merchant_id": [None, None, "m1"],
        }
    )
    nm = pd.DataFrame({"note_id": ["n1", "n2"], "merchant_id": ["m1", "m1"]})
    return notes, events, nm


def test_visit_within_window_is_attributed_and_reshare_counts() -> None:
    notes, events, nm = _world(view_day=1, visit_day=10, note2_day=20)
    row = loop_metrics(notes, events, nm).set_index("merchant_id").loc["m1"]
    assert row["shares"] == 2
    assert row["interactions"] == 1
    assert row["views"] == 1
    assert row["visits"] == 1
    assert row["attributed_visits"] == 1
    assert row["interact_to_visit"] == 1.0
    assert row["reshares"] == 1
    assert row["visit_to_share"] == 1.0
    assert row["loop_gain"] == pytest.approx(0.5)
    assert row["median_hours_to_visit"] == pytest.approx((9 - 0.01) * 24, rel=1e-3)


def test_visit_outside_attribution_window_is_not_attributed() -> None:
    notes, events, nm = _world(view_day=1, visit_day=16, note2_day=20)
    row = loop_metrics(notes, events, nm).set_index("merchant_id").loc["m1"]
    assert row["attributed_visits"] == 0
    assert row["reshares"] == 1
    assert row["loop_gain"] == 0.0
    wider = loop_metrics(notes, events, nm, config=LoopConfig(attribution_days=20))
    assert wider.set_index("merchant_id").loc["m1", "attributed_visits"] == 1


def test_exposure_after_the_visit_does_not_count() -> None:
    notes, events, nm = _world(view_day=11, visit_day=10, note2_day=20)
    row = loop_metrics(notes, events, nm).set_index("merchant_id").loc["m1"]
    assert row["attributed_visits"] == 0


def test_reshare_window() -> None:
    notes, events, nm = _world(view_day=1, visit_day=10, note2_day=41)
    row = loop_metrics(notes, events, nm).set_index("merchant_id").loc["m1"]
    assert row["reshares"] == 0
    wide = loop_metrics(notes, events, nm, config=LoopConfig(reshare_days=32))
    assert wide.set_index("merchant_id").loc["m1", "reshares"] == 1


def test_note_before_visit_is_not_a_reshare() -> None:
    notes, events, nm = _world(view_day=1, visit_day=10, note2_day=5)
    row = loop_metrics(notes, events, nm).set_index("merchant_id").loc["m1"]
    assert row["reshares"] == 0


def test_views_can_be_excluded_from_exposure() -> None:
    notes, events, nm = _world(view_day=1, visit_day=10, note2_day=20)
    events = events[events["kind"] != "like"]
    cfg = LoopConfig(exposure_kinds=("like", "comment", "collect", "forward"))
    assert loop_metrics(notes, events, nm, config=cfg)["attributed_visits"].sum() == 0
    assert loop_metrics(notes, events, nm)["attributed_visits"].sum() == 1
