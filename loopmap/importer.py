"""Import places, notes and events into a workspace.

Rows are validated (:mod:`loopmap.formats`), checked against the workspace (an
event's note must exist, a visit's merchant must be a merchant), and upserted by
id in chunks of :data:`~loopmap.settings.CHUNK_ROWS`, one transaction each. A
row whose content is already stored is counted as unchanged and not written, so
importing the same file twice changes nothing; an import stopped half-way keeps
the chunks it committed and running it again completes it.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Final

import orjson
from tqdm import tqdm

from loopmap._errors import InputFileError
from loopmap.formats import COLUMNS, KINDS, VALIDATORS, RowError
from loopmap.readers import Record, file_format, read_records, sniff_kind
from loopmap.settings import CHUNK_ROWS, PROGRESS_MIN_BYTES
from loopmap.store import Workspace

__all__ = [
    "ImportInterrupted",
    "ImportReport",
    "Rejection",
    "import_file",
    "import_files",
    "import_rows",
    "make_ingest",
    "workspace_warnings",
]

log = logging.getLogger(__name__)

_ID: Final = {"places": "place_id", "notes": "note_id", "events": "event_id"}
_KEEP_REJECTIONS: Final = 10_000
_ORDER: Final = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported, and why."""

    source: str
    line: int
    unit: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source} {self.unit} {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did to one file's rows."""

    source: str
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    interrupted: bool = False

    @property
    def rows(self) -> int:
        """Rows read (kept or rejected)."""
        return self.added + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        """One line: how many rows were added, updated, unchanged and rejected."""
        return (
            f"{self.source}: {self.rows:,} {self.kind} — {self.added:,} added, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts as a plain mapping."""
        return {
            "source": self.source,
            "kind": self.kind,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class ImportInterrupted(KeyboardInterrupt):
    """An import was stopped; ``report`` holds what was committed before."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.source)
        self.report = report


RejectCallback = Callable[[Rejection], None]
#: Called after each committed chunk with the ids of the rows it kept (added, updated or
#: unchanged).
KeptCallback = Callable[[list[str]], None]


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _stored_values(kind: str, row: dict[str, Any]) -> list[Any]:
    values = [row[c] for c in COLUMNS[kind]]
    if kind == "notes":
        i = COLUMNS["notes"].index("tags")
        values[i] = orjson.dumps(values[i]).decode()
    return values


def _row_hash(values: list[Any]) -> str:
    return hashlib.blake2b(orjson.dumps(values), digest_size=12).hexdigest()


class _Importer:
    """Validates and writes one stream of records of one kind."""

    def __init__(
        self,
        ws: Workspace,
        kind: str,
        report: ImportReport,
        on_reject: RejectCallback | None,
        on_kept: KeptCallback | None = None,
    ) -> None:
        self.ws = ws
        self.kind = kind
        self.report = report
        self.on_reject = on_reject
        self.on_kept = on_kept
        self.validate = VALIDATORS[kind]
        self.id_field = _ID[kind]
        self.columns = COLUMNS[kind]
        self.seen: dict[str, int] = {}
        cols = ", ".join((*self.columns, "row_hash", "updated_at"))
        marks = ", ".join("?" * (len(self.columns) + 2))
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in (*self.columns, "row_hash", "updated_at")
        )
        self.upsert_sql = (
            f"INSERT INTO {kind} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT({self.id_field}) DO UPDATE SET {updates}"
        )
        self.existing_sql = (
            f"SELECT t.{self.id_field}, t.row_hash FROM json_each(?) j "
            f"JOIN {kind} t ON t.{self.id_field} = j.value"
        )

    def reject(self, rec: Record, reason: str) -> None:
        rejection = Rejection(self.report.source, rec.line, rec.unit, reason)
        self.report.rejected += 1
        if len(self.report.rejections) < _KEEP_REJECTIONS:
            self.report.rejections.append(rejection)
        if self.on_reject is not None:
            self.on_reject(rejection)

    def _validated(self, chunk: list[Record]) -> list[tuple[Record, dict[str, Any]]]:
        good: list[tuple[Record, dict[str, Any]]] = []
        for rec in chunk:
            if rec.error is not None or rec.data is None:
                self.reject(rec, rec.error or "empty record")
                continue
            try:
                row = self.validate(rec.data)
            except RowError as exc:
                raw_id = rec.data.get(self.id_field)
                prefix = f"{self.id_field} {raw_id!r}: " if isinstance(raw_id, str | int) else ""
                self.reject(rec, f"{prefix}{exc}")
                continue
            key = row[self.id_field]
            first = self.seen.get(key)
            if first is not None:
                where = f"{rec.unit} {first}"
                self.reject(rec, f"duplicate {self.id_field} {key!r} (first seen at {where})")
                continue
            self.seen[key] = rec.line
            good.append((rec, row))
        return good

    def _check_references(
        self, good: list[tuple[Record, dict[str, Any]]]
    ) -> list[tuple[Record, dict[str, Any]]]:
        if self.kind != "events" or not good:
            return good
        conn = self.ws.conn
        note_ids = sorted({row["note_id"] for _, row in good if row["note_id"] is not None})
        missing_notes = {
            r[0]
            for r in conn.execute(
                "SELECT j.value FROM json_each(?) j LEFT JOIN notes n ON n.note_id = j.value "
                "WHERE n.note_id IS NULL",
                (orjson.dumps(note_ids).decode(),),
            )
        }
        merchant_ids = sorted({row["merchant_id"] for _, row in good if row["kind"] == "visit"})
        kinds = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT j.value, p.kind FROM json_each(?) j "
                "LEFT JOIN places p ON p.place_id = j.value",
                (orjson.dumps(merchant_ids).decode(),),
            )
        }
        kept: list[tuple[Record, dict[str, Any]]] = []
        for rec, row in good:
            prefix = f"event_id {row['event_id']!r}: "
            if row["note_id"] is not None and row["note_id"] in missing_notes:
                reason = (
                    f"note_id {row['note_id']!r} is not in the workspace (import the notes first)"
                )
                self.reject(rec, prefix + reason)
            elif row["kind"] == "visit" and kinds.get(row["merchant_id"]) != "merchant":
                place_kind = kinds.get(row["merchant_id"])
                if place_kind is None:
                    reason = f"merchant_id {row['merchant_id']!r} is not a place in the workspace"
                else:
                    reason = f"merchant_id {row['merchant_id']!r} is a {place_kind}, not a merchant"
                self.reject(rec, prefix + reason)
            else:
                kept.append((rec, row))
        return kept

    def write_chunk(self, chunk: list[Record]) -> None:
        good = self._validated(chunk)
        now = _now()
        with self.ws.transaction() as conn:
            good = self._check_references(good)
            if not good:
                return
            prepared = []
            for _, row in good:
                values = _stored_values(self.kind, row)
                prepared.append((row[self.id_field], values, _row_hash(values)))
            ids = orjson.dumps([p[0] for p in prepared]).decode()
            existing = dict(conn.execute(self.existing_sql, (ids,)).fetchall())
            writes = []
            added = updated = unchanged = 0
            for key, values, digest in prepared:
                old = existing.get(key)
                if old == digest:
                    unchanged += 1
                    continue
                if old is None:
                    added += 1
                else:
                    updated += 1
                writes.append((*values, digest, now))
            if writes:
                conn.executemany(self.upsert_sql, writes)
            if self.kind == "places" and writes:
                rev = int(self.ws.get_meta("places_rev", "0") or 0) + 1
                self.ws.set_meta("places_rev", str(rev))
        self.report.added += added
        self.report.updated += updated
        self.report.unchanged += unchanged
        if self.on_kept is not None:
            self.on_kept([p[0] for p in prepared])


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def _run(
    ws: Workspace,
    kind: str,
    records: Iterable[Record],
    report: ImportReport,
    on_reject: RejectCallback | None,
    chunk_rows: int,
    on_kept: KeptCallback | None = None,
) -> ImportReport:
    importer = _Importer(ws, kind, report, on_reject, on_kept)
    log_id = ws.conn.execute(
        "INSERT INTO imports(path, kind, started_at) VALUES (?, ?, ?)",
        (report.source, kind, _now()),
    ).lastrowid
    # Rows are plain dicts and tuples without reference cycles: the cyclic garbage
    # collector only costs time here (about a fifth of a large import).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for chunk in _chunks(records, chunk_rows):
            importer.write_chunk(chunk)
    except KeyboardInterrupt:
        report.interrupted = True
        raise ImportInterrupted(report) from None
    finally:
        if gc_was_enabled:
            gc.enable()
        ws.conn.execute(
            "UPDATE imports SET finished_at = ?, added = ?, updated = ?, unchanged = ?, "
            "rejected = ? WHERE import_id = ?",
            (
                None if report.interrupted else _now(),
                report.added,
                report.updated,
                report.unchanged,
                report.rejected,
                log_id,
            ),
        )
    return report


def import_file(
    ws: Workspace,
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    on_reject: RejectCallback | None = None,
    progress: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import one file of places, notes or events into a workspace.

    Parameters
    ----------
    ws
        The open workspace.
    path
        CSV, JSON Lines, GeoJSON, (Geo)Parquet or an OSM extract (``.osm.pbf``).
    kind
        ``places``, ``notes`` or ``events``; told from the columns when omitted.
    on_reject
        Called with each rejected row as it is found.
    progress
        Show a progress bar on stderr for large files (when stderr is a terminal).
    chunk_rows
        Rows per transaction.

    Returns
    -------
    ImportReport
        Counts of added, updated, unchanged and rejected rows, and the first
        rejections.

    Raises
    ------
    InputFileError
        When the file as a whole cannot be read; nothing is imported from it.
    ImportInterrupted
        On Ctrl-C; the chunks committed before stay, and importing again completes it.
    """
    p = Path(path)
    fmt = file_format(p)
    if not p.is_file():
        raise InputFileError(f"{p}: no such file")
    kind = kind or sniff_kind(p, fmt)
    if kind not in KINDS:
        raise InputFileError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    report = ImportReport(source=str(path), kind=kind)
    size = p.stat().st_size
    show = progress and size >= PROGRESS_MIN_BYTES and fmt in ("csv", "jsonl")
    with tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=p.name,
        disable=None if show else True,
        leave=False,
    ) as bar:

        def advance(position: int) -> None:
            bar.update(position - bar.n)

        records = read_records(p, kind=kind, on_progress=advance if show else None)
        return _run(ws, kind, records, report, on_reject, chunk_rows)


def import_files(
    ws: Workspace,
    paths: Iterable[str | os.PathLike[str]],
    *,
    kind: str | None = None,
    on_reject: RejectCallback | None = None,
    on_file_error: Callable[[InputFileError], None] | None = None,
    progress: bool = False,
) -> list[ImportReport]:
    """Import several files: places first, then notes, then events.

    Parameters
    ----------
    ws
        The open workspace.
    paths
        The files; their order on the command line does not matter.
    kind
        Force one kind for every file.
    on_reject
        Called with each rejected row.
    on_file_error
        Called when a whole file cannot be read; the others are still imported.
        When omitted, the error is raised.
    progress
        Show progress bars for large files.

    Returns
    -------
    list of ImportReport
        One per file that could be read, in the order imported.
    """
    planned: list[tuple[int, str, Path]] = []
    for path in paths:
        p = Path(path)
        try:
            file_kind = kind or sniff_kind(p)
        except InputFileError as exc:
            if on_file_error is None:
                raise
            on_file_error(exc)
            continue
        planned.append((_ORDER.get(file_kind, 99), file_kind, p))
    planned.sort(key=lambda item: item[0])
    reports = []
    for _, file_kind, p in planned:
        try:
            reports.append(
                import_file(ws, p, kind=file_kind, on_reject=on_reject, progress=progress)
            )
        except InputFileError as exc:
            if on_file_error is None:
                raise
            on_file_error(exc)
    return reports


def import_rows(
    ws: Workspace,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str = "request",
    on_reject: RejectCallback | None = None,
    on_kept: KeptCallback | None = None,
) -> ImportReport:
    """Import rows that are already parsed (the ingest API), with the same rules as files.

    Parameters
    ----------
    ws
        The open workspace.
    kind
        ``places``, ``notes`` or ``events``.
    rows
        Mappings with the kind's fields; positions in the report count from 1.
    source
        How the rejections name the input.
    on_reject
        Called with each rejected row.
    on_kept
        Called after each committed chunk with the ids of its rows that are stored,
        whether added, updated or unchanged (a row sent again after a lost answer is kept
        as unchanged).

    Returns
    -------
    ImportReport
    """
    if kind not in KINDS:
        raise InputFileError(f"kind {kind!r} is not one of {', '.join(KINDS)}")

    def records() -> Iterator[Record]:
        for i, row in enumerate(rows, start=1):
            if isinstance(row, Mapping):
                yield Record(i, dict(row), None, "item")
            else:
                yield Record(i, None, f"expected a JSON object, got {type(row).__name__}", "item")

    report = ImportReport(source=source, kind=kind)
    return _run(ws, kind, records(), report, on_reject, CHUNK_ROWS, on_kept)


def workspace_warnings(ws: Workspace) -> list[str]:
    """Problems that do not reject a row but that a user should hear about.

    Returns
    -------
    list of str
        E.g. places whose parent_id names no place, notes tagged with an unknown poi_id.
    """
    conn = ws.conn
    out = []
    dangling = conn.execute(
        "SELECT count(*), min(p.parent_id) FROM places p LEFT JOIN places q "
        "ON q.place_id = p.parent_id WHERE p.parent_id IS NOT NULL AND q.place_id IS NULL"
    ).fetchone()
    if dangling[0]:
        out.append(
            f"{dangling[0]:,} place(s) have a parent_id that is not a place "
            f"(e.g. {dangling[1]!r}); they are kept without a parent"
        )
    unknown_poi = conn.execute(
        "SELECT count(*), min(n.poi_id) FROM notes n LEFT JOIN places p ON p.place_id = n.poi_id "
        "WHERE n.poi_id IS NOT NULL AND p.place_id IS NULL"
    ).fetchone()
    if unknown_poi[0]:
        out.append(
            f"{unknown_poi[0]:,} note(s) are tagged with a poi_id that is not a place "
            f"(e.g. {unknown_poi[1]!r}); the tag is ignored until that place is imported"
        )
    return out


def make_ingest(db: str | os.PathLike[str]) -> Callable[[str, list[Any]], dict[str, Any]]:
    """The web app's ingest function for one workspace: ``ingest(kind, rows) -> dict``.

    Each call opens the workspace, imports the rows with :func:`import_rows` (the same
    rules, ids as keys, transactions) and closes it. Then the request's stored notes that
    have no geocode yet are geocoded and classified at once
    (:func:`loopmap.live.geocode_new_notes`), so the web app shows them without a restart;
    hotspots and the ranking follow with the next ``loopmap build``. Unchanged notes count
    too: when a server stops between storing a batch and geocoding it, the client's retry
    finds the notes stored and geocodes them. Only the request's own notes are looked at,
    so concurrent requests do not geocode each other's notes twice.

    Returns
    -------
    callable
        ``ingest("notes" | "events", rows)`` returning added, updated, unchanged, rejected
        and the rejections as ``{"item": position, "reason": text}``.
    """

    def ingest(kind: str, rows: list[Any]) -> dict[str, Any]:
        kept: list[str] = []
        with Workspace(db) as ws:
            report = import_rows(ws, kind, rows, source=f"POST /api/{kind}", on_kept=kept.extend)
        if kind == "notes" and kept:
            from loopmap.live import geocode_new_notes

            try:
                geocode_new_notes(db, note_ids=kept)
            except Exception:  # the notes are stored; the next build geocodes them
                log.exception("geocoding the ingested notes failed")
        return {
            **{k: v for k, v in report.as_dict().items() if k not in ("source", "kind")},
            "rejections": [{"item": r.line, "reason": r.reason} for r in report.rejections],
        }

    return ingest
