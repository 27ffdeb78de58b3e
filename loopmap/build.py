"""``loopmap build``: compute the derived tables from the imported inputs.

Stages, each incremental:

1. **geocodes** — every note whose content changed since it was last geocoded, or that
   was geocoded against an older gazetteer (``meta.places_rev`` moves whenever a place is
   added or changed), is geocoded again with :func:`geo.geocode.geocode_notes`. A build
   stopped half-way keeps the chunks it committed; the next one carries on.
2. **topics** — when notes or places changed, the topic model is trained again from weak
   signals (hashtags, seed keywords, the category of the merchant each note resolved to)
   on a sample of the notes, saved in the workspace, and every note is classified.
3. **hotspots** — recomputed when geocodes, topics or places changed, per topic, with
   :func:`geo.hotspots.hotspots_from_points`; the previous hotspots are passed in so
   that hotspot ids stay stable between builds.
4. **ranking** — when events, notes or places changed, every merchant's loop metrics,
   manufactured-loop flags and score (:func:`loop.rank.rank_merchants`), overall and per
   topic.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import orjson
import pandas as pd
import shapely
from tqdm import tqdm

from loop.rank import RANKING_COLUMNS
from loopmap.formats import NOTE_COLUMNS, PLACE_COLUMNS
from loopmap.store import Workspace, connect

__all__ = [
    "BuildReport",
    "build",
    "explain_note",
    "hotspots_table",
    "note_topics",
    "place_priors",
    "places_frame",
    "store_geocodes",
    "store_topics",
    "workspace_themes",
]

log = logging.getLogger(__name__)

#: Notes geocoded and written per transaction.
GEOCODE_CHUNK: Final = 50_000
#: The topic model is trained on at most this many notes (a deterministic sample).
TOPIC_TRAIN_NOTES: Final = 150_000
#: Notes classified and written per transaction.
TOPIC_CHUNK: Final = 100_000

_STALE_WHERE: Final = "g.note_id IS NULL OR g.note_hash != n.row_hash OR g.places_rev != :rev"


@dataclass
class BuildReport:
    """What a build did."""

    notes: int = 0
    geocoded: int = 0
    located: int = 0
    topics: int | None = None
    hotspots: int | None = None
    ranked: int | None = None
    flagged: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [
            f"geocodes: {self.geocoded:,} of {self.notes:,} notes geocoded "
            f"({self.notes - self.geocoded:,} unchanged), {self.located:,} located in all "
            f"[{self.seconds.get('geocodes', 0):.1f} s]"
        ]
        if self.topics is None:
            out.append("topics: unchanged")
        else:
            out.append(
                f"topics: model trained, {self.topics:,} notes classified "
                f"[{self.seconds.get('topics', 0):.1f} s]"
            )
        if self.hotspots is None:
            out.append("hotspots: unchanged")
        else:
            out.append(f"hotspots: {self.hotspots:,} [{self.seconds.get('hotspots', 0):.1f} s]")
        if self.ranked is None:
            out.append("ranking: unchanged")
        else:
            out.append(
                f"ranking: {self.ranked:,} merchants ranked, {self.flagged:,} flagged "
                f"[{self.seconds.get('ranking', 0):.1f} s]"
            )
        return out


def places_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """The workspace's places in SPEC.md's columns (the gazetteer's input)."""
    cols = ", ".join(PLACE_COLUMNS)
    rows = conn.execute(f"SELECT {cols} FROM places ORDER BY place_id").fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(PLACE_COLUMNS))


def place_priors(conn: sqlite3.Connection) -> pd.Series:
    """How often each place is tagged as a note's poi_id: a popularity prior."""
    rows = conn.execute(
        "SELECT poi_id, count(*) FROM notes WHERE poi_id IS NOT NULL GROUP BY poi_id"
    ).fetchall()
    return pd.Series({r[0]: r[1] for r in rows}, dtype=float)


def _geocode_rows(frame: pd.DataFrame, rev: str) -> list[tuple[Any, ...]]:
    lat = frame["lat"].astype(float)
    lon = frame["lon"].astype(float)
    return list(
        zip(
            frame["note_id"],
            [p or None for p in frame["place_id"]],
            frame["precision"],
            lat.astype(object).where(lat.notna(), None),
            lon.astype(object).where(lon.notna(), None),
            frame["confidence"].astype(float),
            [orjson.dumps(m).decode() for m in frame["mentions"]],
            [orjson.dumps(r).decode() for r in frame["reasons"]],
            frame["note_hash"],
            [rev] * len(frame),
            strict=True,
        )
    )


_UPSERT_GEOCODE: Final = (
    "INSERT INTO geocodes (note_id, place_id, precision, lat, lon, confidence, mentions, "
    "reasons, note_hash, places_rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(note_id) DO UPDATE SET place_id = excluded.place_id, "
    "precision = excluded.precision, lat = excluded.lat, lon = excluded.lon, "
    "confidence = excluded.confidence, mentions = excluded.mentions, "
    "reasons = excluded.reasons, note_hash = excluded.note_hash, places_rev = excluded.places_rev"
)


def store_geocodes(
    ws: Workspace, rows: list[Any], gazetteer: Any, *, priors: pd.Series, rev: str
) -> int:
    """Geocode one batch of notes and store their geocodes in one transaction.

    Parameters
    ----------
    ws
        The open workspace.
    rows
        Note rows: :data:`~loopmap.formats.NOTE_COLUMNS` (tags as JSON text), then the
        note's ``row_hash``.
    gazetteer
        A :class:`geo.gazetteer.Gazetteer` of the workspace's places.
    priors
        Popularity prior per place_id.
    rev
        The ``places_rev`` the gazetteer was built from.

    Returns
    -------
    int
        The number of notes geocoded.
    """
    from geo.geocode import geocode_notes

    frame = pd.DataFrame.from_records(rows, columns=[*NOTE_COLUMNS, "note_hash"])
    frame["tags"] = [orjson.loads(t) for t in frame["tags"]]
    result = geocode_notes(frame, gazetteer, priors=priors)
    result["note_hash"] = frame["note_hash"].to_numpy()
    with ws.transaction() as tx:
        tx.executemany(_UPSERT_GEOCODE, _geocode_rows(result, rev))
    return len(frame)


def store_topics(ws: Workspace, rows: list[Any], model: Any) -> int:
    """Classify one batch of notes (note_id, title, text, tags) and store their topics.

    Notes that already have a topic keep it. Returns the number of notes classified.
    """
    from topics.classify import classify_notes

    result = classify_notes(_notes_frame(rows), model)
    with ws.transaction() as tx:
        tx.executemany(
            "INSERT INTO topics(note_id, topic, score) VALUES (?, ?, ?) "
            "ON CONFLICT(note_id) DO NOTHING",
            list(result.itertuples(index=False, name=None)),
        )
    return len(result)


def _geocode_stage(ws: Workspace, report: BuildReport, *, full: bool, progress: bool) -> bool:
    """Geocode stale notes; return whether anything changed."""
    from geo.gazetteer import Gazetteer

    started = time.perf_counter()
    rev = ws.get_meta("places_rev", "0") or "0"
    conn = ws.conn
    report.notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    where = "1" if full else _STALE_WHERE
    from_clause = "FROM notes n LEFT JOIN geocodes g ON g.note_id = n.note_id"
    todo = conn.execute(f"SELECT count(*) {from_clause} WHERE {where}", {"rev": rev}).fetchone()[0]
    if todo:
        gazetteer = Gazetteer.from_places(places_frame(conn))
        priors = place_priors(conn)
        cols = ", ".join(f"n.{c}" for c in NOTE_COLUMNS)
        # A separate read-only connection reads a consistent snapshot while we write.
        reader = connect(ws.path, readonly=True)
        reader.row_factory = None  # plain tuples: faster into a DataFrame
        try:
            cursor = reader.execute(
                f"SELECT {cols}, n.row_hash {from_clause} WHERE {where}", {"rev": rev}
            )
            with tqdm(
                total=todo, unit="note", desc="geocode", disable=None if progress else True
            ) as bar:
                while batch := cursor.fetchmany(GEOCODE_CHUNK):
                    done = store_geocodes(ws, batch, gazetteer, priors=priors, rev=rev)
                    report.geocoded += done
                    bar.update(done)
        finally:
            reader.close()
    report.located = conn.execute("SELECT count(*) FROM geocodes WHERE lat IS NOT NULL").fetchone()[
        0
    ]
    report.seconds["geocodes"] = time.perf_counter() - started
    return bool(todo)


def _taxonomy(ws: Workspace) -> Any:
    """The workspace's taxonomy: the default, merged with the user's file if one was given."""
    from topics.taxonomy import load_taxonomy

    text = ws.get_meta("taxonomy_toml")
    if not text:
        return load_taxonomy()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (ws.get_meta("taxonomy_name") or "taxonomy.toml")
        path.write_text(text, encoding="utf-8")
        return load_taxonomy(path)


def _merchant_topics(conn: sqlite3.Connection, taxonomy: Any) -> pd.Series:
    """note_id -> topic of the merchant the note resolved to."""
    rows = conn.execute(
        "SELECT g.note_id, p.category FROM geocodes g JOIN places p ON p.place_id = g.place_id "
        "WHERE p.kind = 'merchant'"
    ).fetchall()
    return pd.Series({r[0]: taxonomy.topic_for_category(r[1]) for r in rows}, dtype=object)


def _notes_frame(rows: list[Any]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(
        [tuple(r) for r in rows], columns=["note_id", "title", "text", "tags"]
    )
    frame["tags"] = [orjson.loads(t) for t in frame["tags"]]
    return frame


def _topic_stage(
    ws: Workspace, report: BuildReport, taxonomy: Any, *, changed: bool, progress: bool
) -> bool:
    """Train the topic model and classify every note; return whether it ran."""
    from topics.classify import model_to_bytes, train_topic_model

    conn = ws.conn
    stamp = f"{ws.get_meta('places_rev', '0')}:{ws.get_meta('taxonomy_rev', '0')}"
    classified = conn.execute("SELECT count(*) FROM topics").fetchone()[0]
    if not changed and classified == report.notes and ws.get_meta("topics_stamp") == stamp:
        return False
    started = time.perf_counter()
    step = max(1, report.notes // TOPIC_TRAIN_NOTES)
    sample = _notes_frame(
        conn.execute(
            "SELECT note_id, title, text, tags FROM notes WHERE rowid % ? = 0", (step,)
        ).fetchall()
    )
    with ws.transaction() as tx:
        tx.execute("DELETE FROM topics")
    if len(sample):
        model = train_topic_model(sample, taxonomy, merchant_topic=_merchant_topics(conn, taxonomy))
        info = {"trained_on": len(sample), "topics": list(taxonomy.ids)}
        with ws.transaction() as tx:
            tx.execute(
                "INSERT INTO models(name, data, trained_at, info) VALUES ('topics', ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET data = excluded.data, "
                "trained_at = excluded.trained_at, info = excluded.info",
                (
                    model_to_bytes(model),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    orjson.dumps(info).decode(),
                ),
            )
        reader = connect(ws.path, readonly=True)
        reader.row_factory = None
        try:
            cursor = reader.execute("SELECT note_id, title, text, tags FROM notes")
            with tqdm(
                total=report.notes, unit="note", desc="topics", disable=None if progress else True
            ) as bar:
                while batch := cursor.fetchmany(TOPIC_CHUNK):
                    bar.update(store_topics(ws, batch, model))
        finally:
            reader.close()
    ws.set_meta("topics_stamp", stamp)
    report.topics = conn.execute("SELECT count(*) FROM topics").fetchone()[0]
    report.seconds["topics"] = time.perf_counter() - started
    return True


def note_topics(conn: sqlite3.Connection) -> pd.DataFrame:
    """Each located note's topic: note_id, place_id, lat, lon, topic.

    Notes are located by their geocode at ``poi`` or ``device`` precision (a real point,
    not the centre of a road or district); their topic comes from the topic model.
    """
    rows = conn.execute(
        "SELECT g.note_id, coalesce(g.place_id, ''), g.lat, g.lon, t.topic FROM geocodes g "
        "JOIN topics t ON t.note_id = g.note_id "
        "WHERE g.precision IN ('poi', 'device') AND g.lat IS NOT NULL"
    ).fetchall()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["note_id", "place_id", "lat", "lon", "topic"]
    )


def _hotspot_points(
    conn: sqlite3.Connection, places: pd.DataFrame, taxonomy: Any
) -> gpd.GeoDataFrame:
    notes = note_topics(conn)
    merchants = places[places["kind"] == "merchant"]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": notes["note_id"],
                    "kind": "note",
                    "place_id": notes["place_id"],
                    "topic": notes["topic"],
                    "lon": notes["lon"],
                    "lat": notes["lat"],
                }
            ),
            pd.DataFrame(
                {
                    "id": merchants["place_id"],
                    "kind": "merchant",
                    "place_id": merchants["place_id"],
                    "topic": [taxonomy.topic_for_category(c) for c in merchants["category"]],
                    "lon": merchants["lon"],
                    "lat": merchants["lat"],
                }
            ),
        ],
        ignore_index=True,
    )
    frame = frame[frame["topic"] != "other"]
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs="EPSG:4326",
    )


def hotspots_table(conn: sqlite3.Connection) -> gpd.GeoDataFrame:
    """The stored hotspots as a GeoDataFrame (hull polygons, EPSG:4326)."""
    rows = conn.execute(
        "SELECT hotspot_id, topic, name, n_notes, n_merchants, lat, lon, city, hull_wkt, members "
        "FROM hotspots ORDER BY topic, hotspot_id"
    ).fetchall()
    cols = ["hotspot_id", "topic", "name", "n_notes", "n_merchants", "lat", "lon", "city"]
    frame = pd.DataFrame([tuple(r)[:8] for r in rows], columns=cols)
    frame["members"] = [orjson.loads(r[9]) for r in rows]
    geometry: list[shapely.Geometry | None] = (
        list(shapely.from_wkt([r[8] for r in rows])) if rows else []
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _hotspot_stage(ws: Workspace, report: BuildReport, taxonomy: Any, *, changed: bool) -> None:
    from geo.hotspots import hotspots_from_points

    rev = ws.get_meta("places_rev", "0") or "0"
    if not changed and ws.get_meta("hotspots_places_rev") == rev:
        return
    started = time.perf_counter()
    conn = ws.conn
    places = places_frame(conn)
    points = _hotspot_points(conn, places, taxonomy)
    previous = hotspots_table(conn)
    hotspots = hotspots_from_points(points, places, previous=previous if len(previous) else None)
    rows = [
        (
            h.hotspot_id,
            h.topic,
            h.name,
            int(h.n_notes),
            int(h.n_merchants),
            float(h.lat),
            float(h.lon),
            h.city or None,
            h.geometry.wkt,
            orjson.dumps([str(m) for m in h.members]).decode(),
        )
        for h in hotspots.itertuples(index=False)
    ]
    with ws.transaction() as tx:
        tx.execute("DELETE FROM hotspots")
        tx.executemany("INSERT INTO hotspots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        ws.set_meta("hotspots_places_rev", rev)
    report.hotspots = len(rows)
    report.seconds["hotspots"] = time.perf_counter() - started


def build(
    ws: Workspace,
    *,
    full: bool = False,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
    taxonomy: str | Path | None = None,
    attribution_days: float | None = None,
    reshare_days: float | None = None,
) -> BuildReport:
    """Bring the derived tables up to date with the imported inputs.

    Parameters
    ----------
    ws
        The open workspace.
    full
        Recompute everything, not only what changed.
    progress
        Show progress bars on stderr (on a terminal).
    on_stage
        Called with each stage's name as it starts.
    taxonomy
        A user taxonomy file (TOML) merged into the default topics; it is kept in the
        workspace, so later builds use it without being told again.
    attribution_days, reshare_days
        The loop's attribution windows (default 14 and 30 days): a visit is attributed to
        notes its visitor saw within ``attribution_days`` before it; a reshare is a note
        within ``reshare_days`` after a visit. Kept in the workspace for later builds.

    Returns
    -------
    BuildReport
        What was recomputed, with timings.
    """
    if taxonomy is not None:
        _store_taxonomy(ws, Path(taxonomy))
    for key, value in (("attribution_days", attribution_days), ("reshare_days", reshare_days)):
        if value is not None:
            if not 0 < value <= 365:
                raise ValueError(f"{key.replace('_', ' ')} must be in (0, 365], not {value}")
            with ws.transaction():
                ws.set_meta(key, repr(float(value)))
    report = BuildReport()
    if on_stage:
        on_stage("geocodes")
    changed = _geocode_stage(ws, report, full=full, progress=progress)
    if on_stage:
        on_stage("topics")
    taxonomy = _taxonomy(ws)
    changed = (
        _topic_stage(ws, report, taxonomy, changed=changed or full, progress=progress) or changed
    )
    if on_stage:
        on_stage("hotspots")
    _hotspot_stage(ws, report, taxonomy, changed=changed or full)
    if on_stage:
        on_stage("ranking")
    _ranking_stage(ws, report, taxonomy, changed=changed or full)
    return report


#: The ``ranking`` table's columns: the ranking's own, with the rank within the topic
#: after the overall rank (``parts`` and ``reasons`` are written beside them).
_RANKING_COLUMNS: Final = (
    *RANKING_COLUMNS[: RANKING_COLUMNS.index("rank") + 1],
    "topic_rank",
    *RANKING_COLUMNS[RANKING_COLUMNS.index("rank") + 1 :],
)


def _ranking_stage(ws: Workspace, report: BuildReport, taxonomy: Any, *, changed: bool) -> None:
    """Rank merchants by their loop when anything changed since the last ranking."""
    from loop.config import LoopConfig
    from loop.rank import rank_merchants

    conn = ws.conn
    config = LoopConfig(
        attribution_days=float(ws.get_meta("attribution_days", "14") or 14),
        reshare_days=float(ws.get_meta("reshare_days", "30") or 30),
    )
    stamp = ":".join(
        str(x)
        for x in (
            ws.get_meta("places_rev", "0"),
            ws.get_meta("taxonomy_rev", "0"),
            config.attribution_days,
            config.reshare_days,
            conn.execute("SELECT count(*), max(updated_at) FROM events").fetchone()[0:2],
            conn.execute("SELECT count(*), max(updated_at) FROM notes").fetchone()[0:2],
        )
    )
    if not changed and ws.get_meta("ranking_stamp") == stamp:
        return
    started = time.perf_counter()
    merchants = pd.DataFrame.from_records(
        [
            tuple(r)
            for r in conn.execute(
                "SELECT place_id, name, category, lat, lon FROM places WHERE kind = 'merchant'"
            )
        ],
        columns=["merchant_id", "name", "category", "lat", "lon"],
    )
    merchants["topic"] = [taxonomy.topic_for_category(c) for c in merchants["category"]]
    rows: list[tuple[Any, ...]] = []
    if len(merchants):
        notes = pd.DataFrame.from_records(
            [tuple(r) for r in conn.execute("SELECT note_id, user_id, created_at FROM notes")],
            columns=["note_id", "user_id", "created_at"],
        )
        events = pd.DataFrame.from_records(
            [
                tuple(r)
                for r in conn.execute(
                    "SELECT event_id, ts, user_id, kind, note_id, merchant_id FROM events"
                )
            ],
            columns=["event_id", "ts", "user_id", "kind", "note_id", "merchant_id"],
        )
        note_merchant = pd.DataFrame.from_records(
            [
                tuple(r)
                for r in conn.execute(
                    "SELECT g.note_id, g.place_id FROM geocodes g JOIN places p "
                    "ON p.place_id = g.place_id WHERE p.kind = 'merchant'"
                )
            ],
            columns=["note_id", "merchant_id"],
        )
        ranking = rank_merchants(notes, events, note_merchant, merchants, config=config)
        part_cols = [c for c in ranking.columns if c.startswith("part_")]
        for r in ranking.to_dict("records"):
            values = [r[c] for c in _RANKING_COLUMNS]
            values = [None if isinstance(v, float) and v != v else v for v in values]
            parts = {c.removeprefix("part_"): round(float(r[c]), 4) for c in part_cols}
            rows.append((*values, orjson.dumps(parts).decode(), str(r.get("reasons") or "")))
    marks = ", ".join("?" * (len(_RANKING_COLUMNS) + 2))
    with ws.transaction() as tx:
        tx.execute("DELETE FROM ranking")
        tx.executemany(f"INSERT INTO ranking VALUES ({marks})", rows)
        ws.set_meta("ranking_stamp", stamp)
    report.ranked = len(rows)
    report.flagged = sum(1 for r in rows if r[_RANKING_COLUMNS.index("flagged")])
    report.seconds["ranking"] = time.perf_counter() - started


def _store_taxonomy(ws: Workspace, path: Path) -> None:
    """Validate a user taxonomy file and keep it in the workspace for later builds."""
    from topics.taxonomy import load_taxonomy

    load_taxonomy(path)  # raises TaxonomyError with the file and key on a bad file
    text = path.read_text(encoding="utf-8")
    if text == ws.get_meta("taxonomy_toml"):
        return
    with ws.transaction():
        ws.set_meta("taxonomy_toml", text)
        ws.set_meta("taxonomy_name", path.name)
        ws.set_meta("taxonomy_rev", str(int(ws.get_meta("taxonomy_rev", "0") or 0) + 1))


def explain_note(ws: Workspace, note_id: str) -> dict[str, Any] | None:
    """A note, its geocode and every reason behind it; ``None`` for an unknown note.

    Returns
    -------
    dict or None
        ``note`` (the stored note), ``geocode`` (place_id, precision, lat, lon,
        confidence, mentions, reasons; ``None`` before the first build) and ``place``
        (the chosen place's row, when there is one).
    """
    note = ws.conn.execute("SELECT * FROM notes WHERE note_id = ?", (note_id,)).fetchone()
    if note is None:
        return None
    row = ws.conn.execute("SELECT * FROM geocodes WHERE note_id = ?", (note_id,)).fetchone()
    geocode = None
    place = None
    if row is not None:
        geocode = dict(row)
        geocode["mentions"] = orjson.loads(geocode["mentions"])
        geocode["reasons"] = orjson.loads(geocode["reasons"])
        if geocode["place_id"]:
            found = ws.conn.execute(
                "SELECT * FROM places WHERE place_id = ?", (geocode["place_id"],)
            ).fetchone()
            place = dict(found) if found else None
    return {"note": dict(note), "geocode": geocode, "place": place}


def workspace_themes(ws: Workspace, *, n_themes: int = 12, random_state: int = 0) -> pd.DataFrame:
    """Themes in the workspace's notes that the taxonomy may lack (NMF over TF-IDF).

    Returns
    -------
    pandas.DataFrame
        :func:`topics.themes.emerging_themes`'s table, new-looking themes first.
    """
    from topics.themes import emerging_themes

    conn = ws.conn
    notes = _notes_frame(conn.execute("SELECT note_id, title, text, tags FROM notes").fetchall())
    geocodes = pd.DataFrame.from_records(
        [
            tuple(r)
            for r in conn.execute(
                "SELECT note_id, place_id FROM geocodes WHERE place_id IS NOT NULL"
            )
        ],
        columns=["note_id", "place_id"],
    )
    return emerging_themes(
        notes,
        _taxonomy(ws),
        n_themes=n_themes,
        random_state=random_state,
        places=places_frame(conn),
        geocodes=geocodes,
    )
