"""The ingest API under concurrent clients and a server killed mid-run, as `loopmap serve` runs.

The end-to-end tests start real ``loopmap serve`` subprocesses on 127.0.0.1 and take a few
seconds each; set ``LOOPMAP_SKIP_SLOW=1`` to skip them. The servers are killed in the
fixture's teardown whatever happens.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import pytest
from conftest import NOTES

import loopmap.live
from loopmap.importer import import_files, import_rows, make_ingest
from loopmap.live import clear_caches, geocode_new_notes
from loopmap.store import Workspace

ROOT: Final = Path(__file__).resolve().parents[1]
SAMPLE: Final = ROOT / "data" / "sample"
HOST: Final = "127.0.0.1"
TOKEN: Final = "concurrency-token"
#: No single test waits longer than this for its clients.
DEADLINE: Final = 60.0

slow = pytest.mark.skipif(
    os.environ.get("LOOPMAP_SKIP_SLOW") == "1", reason="LOOPMAP_SKIP_SLOW=1: no server tests"
)


def _sample_notes(n: int) -> list[dict[str, Any]]:
    with (SAMPLE / "notes.jsonl").open(encoding="utf-8") as f:
        notes = [json.loads(line) for _, line in zip(range(n), f, strict=False)]
    assert len(notes) == n
    return notes


def _one(db: Path, sql: str) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def places_db(tmp_path: Path) -> Path:
    """A workspace holding the sample city's places and nothing else."""
    db = tmp_path / "ingest.db"
    with Workspace(db) as ws:
        import_files(ws, [SAMPLE / "places.csv"])
    return db


class _Server:
    """One ``loopmap serve`` subprocess on a fixed loopback port; killable and restartable."""

    def __init__(self, db: Path, log: Path, workers: int) -> None:
        self.db = db
        self.workers = workers
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = int(s.getsockname()[1])
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] = log.open("ab")
        self.log_path = log

    def start(self) -> None:
        env = {**os.environ, "LOOPMAP_INGEST_TOKEN": TOKEN}
        deadline = time.monotonic() + 30
        while True:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "loopmap", "serve", "--db", str(self.db)),
                    *("--host", HOST, "--port", str(self.port), "--workers", str(self.workers)),
                ],
                cwd=ROOT,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            while self.proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=2):
                        return
                except OSError:
                    time.sleep(0.05)
            self.stop()
            if time.monotonic() >= deadline:
                pytest.fail(f"loopmap serve did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.2)  # the port right after a kill: try again

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def logged_errors(self) -> list[str]:
        """Lines of the servers' output that report an error (tracebacks, failed geocoding)."""
        self.log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if "Traceback" in line or "failed" in line]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., _Server]]:
    """Start servers on a workspace; every one is stopped (or killed) at teardown."""
    started: list[_Server] = []

    def start(db: Path, workers: int = 4) -> _Server:
        server = _Server(db, tmp_path / f"serve-{len(started)}.log", workers)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()
        server.log.close()


def _post(port: int, body: bytes) -> tuple[int | None, dict[str, Any]]:
    """POST a body to /api/notes on a new connection: ``(status, json)``, None when unanswered."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/notes",
            body=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException):
        return None, {}
    finally:
        conn.close()
    try:
        return response.status, json.loads(payload)
    except ValueError:
        return response.status, {"body": payload[:200].decode("utf-8", "replace")}


def _post_until_ok(port: int, body: bytes, statuses: list[int | None]) -> dict[str, Any]:
    """POST until a 200, retrying unanswered requests and 5xx; every status goes to ``statuses``."""
    deadline = time.monotonic() + DEADLINE
    while True:
        status, result = _post(port, body)
        statuses.append(status)
        if status is not None and status < 500:
            assert status == 200, result
            return result
        assert time.monotonic() < deadline, f"no 200 within {DEADLINE} s: {statuses[-5:]}"
        time.sleep(0.05)


def _check_workspace(db: Path, notes: list[dict[str, Any]]) -> None:
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT note_id, text FROM notes"))
        assert stored == {n["note_id"]: n["text"] for n in notes}
        assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == len(notes)
        assert not conn.execute(
            "SELECT note_id FROM notes GROUP BY note_id HAVING count(*) > 1"
        ).fetchall()
        ungeocoded = conn.execute(
            "SELECT count(*) FROM notes n LEFT JOIN geocodes g ON g.note_id = n.note_id "
            "WHERE g.note_id IS NULL"
        ).fetchone()[0]
        assert ungeocoded == 0
        assert conn.execute("SELECT count(*) FROM geocodes").fetchone()[0] == len(notes)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


# --------------------------------------------------------------- real servers, real clients


@slow
def test_concurrent_clients_lose_and_duplicate_nothing_across_a_sigkill(
    places_db: Path, serve: Callable[..., _Server]
) -> None:
    notes = _sample_notes(2000)
    size = 50
    bodies = [
        json.dumps(notes[i : i + size], ensure_ascii=False).encode()
        for i in range(0, len(notes), size)
    ]
    server = serve(places_db)
    lock = threading.Lock()
    queue = list(bodies)
    results: list[dict[str, Any]] = []
    statuses: list[int | None] = []
    errors: list[BaseException] = []
    a_third = threading.Event()

    def client() -> None:
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                result = _post_until_ok(server.port, body, statuses)
                with lock:
                    results.append(result)
                    if len(results) >= len(bodies) // 3:
                        a_third.set()
        except BaseException as exc:
            errors.append(exc)
            a_third.set()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        assert a_third.wait(DEADLINE)
        server.kill()  # with the other clients' batches in flight
        killed_after = len(results)
        server.start()
    finally:
        for t in threads:
            t.join(DEADLINE)
    assert not errors, errors[0]
    assert killed_after < len(bodies), "the kill came after the last batch"
    server.stop()
    assert not server.logged_errors()

    assert len(results) == len(bodies)
    assert None in statuses, "no request failed: the kill did not hit the clients"
    assert not [s for s in statuses if s is not None and s >= 500]
    assert sum(r["added"] + r["unchanged"] for r in results) == len(notes)
    assert sum(r["updated"] + r["rejected"] for r in results) == 0
    _check_workspace(places_db, notes)


@slow
def test_identical_batches_at_once_store_each_note_once(
    places_db: Path, serve: Callable[..., _Server]
) -> None:
    notes = _sample_notes(600)
    size, clients = 100, 4
    bodies = [
        json.dumps(notes[i : i + size], ensure_ascii=False).encode()
        for i in range(0, len(notes), size)
    ]
    server = serve(places_db)
    barrier = threading.Barrier(clients, timeout=DEADLINE)
    answers: list[list[tuple[int | None, dict[str, Any]]]] = [[] for _ in bodies]
    errors: list[BaseException] = []

    def client() -> None:
        try:
            for i, body in enumerate(bodies):
                barrier.wait()  # every client sends the same batch at the same moment
                answer = _post(server.port, body)
                answers[i].append(answer)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    assert not errors, errors[0]
    server.stop()
    assert not server.logged_errors()

    for batch in answers:
        assert [status for status, _ in batch] == [200] * clients, batch
        # Exactly one request stored the batch; the others found it unchanged.
        assert sum(r["added"] for _, r in batch) == size
        assert sum(r["unchanged"] for _, r in batch) == size * (clients - 1)
        assert sum(r["updated"] + r["rejected"] for _, r in batch) == 0
    _check_workspace(places_db, notes)


# ------------------------------------------------------------------------ the fixes, in-process


def test_a_retry_geocodes_notes_stored_before_the_server_died(places_db: Path) -> None:
    notes = _sample_notes(30)
    with Workspace(places_db) as ws:  # stored, then the server was killed before geocoding
        import_rows(ws, "notes", notes, source="POST /api/notes")
    assert _one(places_db, "SELECT count(*) FROM geocodes") == 0
    result = make_ingest(places_db)("notes", notes)  # the client's retry
    assert (result["added"], result["unchanged"]) == (0, len(notes))
    assert _one(places_db, "SELECT count(*) FROM geocodes") == len(notes)


def test_an_edited_note_is_geocoded_again_at_once(places_db: Path) -> None:
    ingest = make_ingest(places_db)
    with sqlite3.connect(places_db) as conn:
        place, name = conn.execute(
            "SELECT place_id, name FROM places WHERE kind = 'merchant' "
            "AND city = '上海' ORDER BY place_id LIMIT 1"
        ).fetchone()
    note = {
        "note_id": "edit-1",
        "user_id": "u-edit",
        "created_at": "2025-05-01T10:00:00+08:00",
        "text": "今天随便走走，天气不错",
    }
    assert ingest("notes", [note])["added"] == 1
    first = _one(places_db, "SELECT coalesce(place_id, '-') FROM geocodes WHERE note_id = 'edit-1'")
    assert first != place
    edited = {**note, "text": f"今天去了{name}，拿铁很好喝", "poi_id": place}
    assert ingest("notes", [edited])["updated"] == 1
    row = (
        sqlite3.connect(places_db)
        .execute(
            "SELECT g.place_id, g.note_hash = n.row_hash FROM geocodes g "
            "JOIN notes n USING (note_id) WHERE note_id = 'edit-1'"
        )
        .fetchone()
    )
    assert row == (place, 1)
    assert _one(places_db, "SELECT count(*) FROM topics WHERE note_id = 'edit-1'") in (0, 1)


def test_import_rows_reports_the_ids_it_kept(ws: Workspace) -> None:
    kept: list[str] = []
    bad = {"note_id": "bad", "user_id": "u"}
    report = import_rows(ws, "notes", [NOTES[0], bad, NOTES[1]], on_kept=kept.extend)
    assert report.added == 2 and report.rejected == 1
    assert kept == ["n1", "n2"]
    import_rows(ws, "notes", [NOTES[1]], on_kept=kept.extend)
    assert kept == ["n1", "n2", "n2"]  # unchanged rows are kept too


def test_geocode_new_notes_can_be_limited_to_some_notes(places_db: Path) -> None:
    notes = _sample_notes(10)
    with Workspace(places_db) as ws:
        import_rows(ws, "notes", notes)
    ids = [n["note_id"] for n in notes]
    assert geocode_new_notes(places_db, note_ids=[ids[0], ids[1], ids[1], "no-such-note"]) == 2
    assert geocode_new_notes(places_db, note_ids=ids[:2]) == 0
    assert geocode_new_notes(places_db) == len(notes) - 2
    assert _one(places_db, "SELECT count(*) FROM geocodes") == len(notes)


def test_concurrent_requests_build_the_gazetteer_once(
    places_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.gazetteer import Gazetteer

    built: list[int] = []
    real = Gazetteer.from_places.__func__  # type: ignore[attr-defined]

    def slow_build(cls: type[Gazetteer], places: object) -> Gazetteer:
        built.append(1)
        time.sleep(0.2)  # long enough for every request to want it meanwhile
        return real(cls, places)

    monkeypatch.setattr(Gazetteer, "from_places", classmethod(slow_build))
    notes = _sample_notes(40)
    ingest = make_ingest(places_db)
    barrier = threading.Barrier(4, timeout=DEADLINE)
    results: list[dict[str, Any]] = []

    def request(part: list[dict[str, Any]]) -> None:
        barrier.wait()
        results.append(ingest("notes", part))

    threads = [threading.Thread(target=request, args=(notes[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    assert sum(r["added"] for r in results) == len(notes)
    assert len(built) == 1
    assert _one(places_db, "SELECT count(*) FROM geocodes") == len(notes)


def test_concurrent_requests_load_the_topic_model_once(
    places_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import topics.classify

    with Workspace(places_db) as ws:
        ws.conn.execute(
            "INSERT INTO models(name, data, trained_at) VALUES ('topics', x'00', '2026-01-01')"
        )
    loaded: list[object] = []

    def slow_load(data: bytes) -> object:
        time.sleep(0.2)
        loaded.append(object())
        return loaded[-1]

    monkeypatch.setattr(topics.classify, "model_from_bytes", slow_load)
    barrier = threading.Barrier(4, timeout=DEADLINE)
    models: list[object] = []

    def request() -> None:
        with Workspace(places_db) as ws:
            barrier.wait()
            models.append(loopmap.live._topic_model(ws))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    assert len(loaded) == 1
    assert models == [loaded[0]] * 4
