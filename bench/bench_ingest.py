"""Benchmark the ingest API under concurrent clients, optionally killing the server mid-run.

Builds a fresh workspace from a sample city (``loopmap sample``): its places, plus the first
``--train`` notes imported and built so that a topic model exists and ingested notes are
classified as well as geocoded. Then starts ``loopmap serve --workers N`` on a free loopback
port with ``LOOPMAP_INGEST_TOKEN`` set, and has ``--clients`` threads POST the next
``--notes`` notes to ``/api/notes`` in batches of ``--batch``. A client retries a batch until
it gets a 200 (connection errors, timeouts and 5xx are retried; ingest is idempotent by
note_id). With ``--kill-every S`` the server is SIGKILLed every S seconds and started again
on the same port.

Afterwards the workspace is checked directly: every sent note is stored once with the text
that was sent, nothing else was added, every note has a geocode (and a topic, when a model
exists), and ``PRAGMA integrity_check`` is ok. Prints total time, notes/s, retries, kills,
p50/p99 request and batch latency, the servers' logged errors and the final counts; the exit
status is 1 when a check fails.

    .venv/bin/python bench/bench_ingest.py [--notes 100000] [--batch 500] [--clients 8]
        [--workers 8] [--kill-every 5] [--dir /tmp/bench-ingest]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

__all__ = [
    "Batch",
    "ClientStats",
    "Server",
    "check_workspace",
    "load_batches",
    "main",
    "make_workspace",
    "post_batches",
    "prepare_sample",
]

HOST: Final = "127.0.0.1"
TOKEN: Final = "bench-ingest-token"
#: Seconds a client waits before retrying a failed batch (doubled up to ``_BACKOFF_MAX``).
_BACKOFF: Final = 0.05
_BACKOFF_MAX: Final = 1.0


def _loopmap(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopmap", *args]


def prepare_sample(folder: Path, n_notes: int, seed: int) -> Path:
    """Write a sample city of ``n_notes`` notes into ``folder`` unless it is already there.

    Parameters
    ----------
    folder
        Where ``places.csv`` and ``notes.jsonl`` go.
    n_notes
        Notes in the sample.
    seed
        The sample's random seed.

    Returns
    -------
    Path
        The folder.
    """
    stamp = folder / "bench-sample.json"
    wanted = {"notes": n_notes, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        print(f"sample: reusing {folder}")
        return folder
    started = time.perf_counter()
    subprocess.run(
        _loopmap("sample", str(folder), "--notes", str(n_notes), "--seed", str(seed)),
        check=True,
        capture_output=True,
    )
    stamp.write_text(json.dumps(wanted))
    print(f"sample: wrote {n_notes:,} notes to {folder} in {time.perf_counter() - started:.1f} s")
    return folder


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def make_workspace(db: Path, sample: Path, train: int) -> None:
    """Create ``db`` afresh: the sample's places, and its first ``train`` notes built.

    Parameters
    ----------
    db
        The workspace file (replaced when it exists).
    sample
        A folder written by :func:`prepare_sample`.
    train
        Notes imported and built before the run, so that the workspace has a topic
        model; 0 imports the places only (ingested notes are then geocoded, not classified).
    """
    _remove_db(db)
    started = time.perf_counter()
    files = [str(sample / "places.csv")]
    if train:
        head = db.parent / f"{db.stem}-train.jsonl"
        with (sample / "notes.jsonl").open(encoding="utf-8") as src, head.open("w") as out:
            for _, line in zip(range(train), src, strict=False):
                out.write(line)
        files.append(str(head))
    subprocess.run(_loopmap("import", *files, "--db", str(db)), check=True, capture_output=True)
    if train:
        subprocess.run(_loopmap("build", "--db", str(db)), check=True, capture_output=True)
    print(
        f"workspace: {db} with the places and {train:,} built notes "
        f"in {time.perf_counter() - started:.1f} s"
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """One request body: the notes' ids and the JSON list, encoded."""

    ids: tuple[str, ...]
    body: bytes


def load_batches(
    notes_file: Path, *, skip: int, n: int, size: int
) -> tuple[list[Batch], dict[str, str]]:
    """Read ``n`` notes after the first ``skip`` and cut them into batches of ``size``.

    Parameters
    ----------
    notes_file
        JSON Lines notes.
    skip
        Lines skipped first (the notes already in the workspace).
    n
        Notes to send.
    size
        Notes per batch.

    Returns
    -------
    tuple
        The batches, and each sent note's text by note_id.
    """
    notes: list[dict[str, Any]] = []
    with notes_file.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i < skip:
                continue
            if len(notes) == n:
                break
            notes.append(json.loads(line))
    if len(notes) < n:
        msg = f"{notes_file} has only {len(notes):,} notes after the first {skip:,}"
        raise SystemExit(msg)
    batches = [
        Batch(
            tuple(note["note_id"] for note in notes[i : i + size]),
            json.dumps(notes[i : i + size], ensure_ascii=False).encode(),
        )
        for i in range(0, n, size)
    ]
    return batches, {note["note_id"]: note["text"] for note in notes}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """``loopmap serve`` as a subprocess on one loopback port, which can be killed and restarted.

    Parameters
    ----------
    db
        The workspace file.
    workers
        ``--workers`` (worker processes).
    log
        File the servers' stdout and stderr are appended to.
    token
        The ingest token.
    port
        The port (a free one when omitted); kept across restarts.
    """

    def __init__(
        self, db: Path, *, workers: int, log: Path, token: str = TOKEN, port: int | None = None
    ) -> None:
        self.db = db
        self.workers = workers
        self.log = log
        self.token = token
        self.port = port or _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.peak_rss = 0
        self._log_file: IO[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until ``/healthz`` answers.

        Raises
        ------
        RuntimeError
            When the server exits or does not answer within ``timeout`` seconds.
        """
        if self._log_file is None:
            self._log_file = self.log.open("ab")
        env = {**os.environ, "LOOPMAP_INGEST_TOKEN": self.token}
        args = _loopmap("serve", "--db", str(self.db), "--host", HOST, "--port", str(self.port))
        deadline = time.monotonic() + timeout
        while True:
            self.proc = subprocess.Popen(
                [*args, "--workers", str(self.workers)],
                env=env,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
            )
            self.starts += 1
            if self._wait_ready(deadline):
                return
            # The port may be briefly unavailable right after a kill: try again.
            if self.proc.poll() is None or time.monotonic() > deadline:
                self.stop()
                msg = f"loopmap serve did not answer on {self.base} (log: {self.log})"
                raise RuntimeError(msg)
            time.sleep(0.2)

    def _wait_ready(self, deadline: float) -> bool:
        assert self.proc is not None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                if self.proc.poll() is not None:
                    return False
                time.sleep(0.05)
        return False

    def _note_rss(self) -> None:
        """Keep the largest sum of peak resident sizes (``VmHWM``) of the server's processes.

        The server process and its worker processes (gunicorn forks them): the sum of
        each one's own peak, an upper bound of the peak they reached together.
        """
        if self.proc is None:
            return
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        total = 0
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        self.peak_rss = max(self.peak_rss, total)

    def kill(self) -> None:
        """SIGKILL the server and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self._note_rss()
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and close the log."""
        if self.proc is not None and self.proc.poll() is None:
            self._note_rss()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@dataclass
class ClientStats:
    """What the clients saw, summed over all of them."""

    requests: int = 0
    retries: int = 0
    connection_errors: int = 0
    timeouts: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)
    request_latencies: list[float] = field(default_factory=list)
    batch_latencies: list[float] = field(default_factory=list)
    failed_batches: int = 0

    def merge(self, other: ClientStats) -> None:
        """Add another client's figures to these."""
        for name in (
            "requests",
            "retries",
            "connection_errors",
            "timeouts",
            "added",
            "updated",
            "unchanged",
            "rejected",
            "failed_batches",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.rejections.extend(other.rejections[:20])
        self.request_latencies.extend(other.request_latencies)
        self.batch_latencies.extend(other.batch_latencies)


def _post_until_ok(
    port: int,
    token: str,
    batch: Batch,
    stats: ClientStats,
    conn: list[http.client.HTTPConnection | None],
    *,
    timeout: float,
    give_up: float,
    abort: threading.Event,
) -> None:
    """POST one batch, retrying until a 200 or a 4xx (``conn`` holds the reused connection)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    backoff = _BACKOFF
    first = time.perf_counter()
    while True:
        if conn[0] is None:
            conn[0] = http.client.HTTPConnection(HOST, port, timeout=timeout)
        started = time.perf_counter()
        stats.requests += 1
        try:
            conn[0].request("POST", "/api/notes", body=batch.body, headers=headers)
            response = conn[0].getresponse()
            payload = response.read()
        except TimeoutError:
            stats.timeouts += 1
            status = None
        except (OSError, http.client.HTTPException):
            stats.connection_errors += 1
            status = None
        else:
            status = response.status
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if status == 200 or 400 <= status < 500:
                stats.request_latencies.append(time.perf_counter() - started)
                if response.will_close:
                    conn[0].close()
                    conn[0] = None
                try:
                    result = json.loads(payload)
                except ValueError:
                    result = {"error": payload[:200].decode("utf-8", "replace")}
                if status in (401, 403):
                    msg = f"ingest refused the token: {status} {result}"
                    raise RuntimeError(msg)
                for key in ("added", "updated", "unchanged", "rejected"):
                    setattr(stats, key, getattr(stats, key) + int(result.get(key, 0)))
                if status != 200:
                    stats.failed_batches += 1
                    stats.rejections.extend(str(r) for r in result.get("rejections", [result])[:5])
                stats.batch_latencies.append(time.perf_counter() - first)
                return
        # Not answered, or a 5xx: the batch may or may not be stored; send it again.
        conn[0].close()
        conn[0] = None
        if abort.is_set():
            msg = "the server could not be restarted"
            raise RuntimeError(msg)
        if time.perf_counter() - first > give_up:
            stats.failed_batches += 1
            stats.rejections.append(f"gave up on a batch after {give_up:.0f} s")
            return
        stats.retries += 1
        time.sleep(backoff)
        backoff = min(2 * backoff, _BACKOFF_MAX)


def post_batches(
    server: Server,
    batches: list[Batch],
    *,
    clients: int,
    kill_every: float = 0.0,
    timeout: float = 120.0,
    give_up: float = 600.0,
) -> tuple[ClientStats, float]:
    """POST every batch from ``clients`` threads; SIGKILL and restart the server meanwhile.

    Parameters
    ----------
    server
        A started :class:`Server`.
    batches
        The bodies to send, each once successfully.
    clients
        Client threads, each with one keep-alive connection.
    kill_every
        Seconds between kills (0: never).
    timeout
        Socket timeout of one request, seconds.
    give_up
        A client stops retrying a batch after this many seconds.

    Returns
    -------
    tuple
        The summed :class:`ClientStats` and the wall time in seconds.
    """
    lock = threading.Lock()
    queue = list(reversed(batches))
    done = threading.Event()
    abort = threading.Event()
    results: list[ClientStats] = []
    failures: list[BaseException] = []

    def take() -> Batch | None:
        with lock:
            return queue.pop() if queue else None

    def client() -> None:
        stats = ClientStats()
        conn: list[http.client.HTTPConnection | None] = [None]
        try:
            while (batch := take()) is not None:
                _post_until_ok(
                    server.port,
                    server.token,
                    batch,
                    stats,
                    conn,
                    timeout=timeout,
                    give_up=give_up,
                    abort=abort,
                )
        except BaseException as exc:
            failures.append(exc)
        finally:
            if conn[0] is not None:
                conn[0].close()
            with lock:
                results.append(stats)

    def killer() -> None:
        try:
            while not done.wait(kill_every):
                server.kill()
                server.start()
        except BaseException as exc:
            failures.append(exc)
            abort.set()

    threads = [threading.Thread(target=client, name=f"client-{i}") for i in range(clients)]
    chaos = threading.Thread(target=killer, name="killer") if kill_every > 0 else None
    started = time.perf_counter()
    for t in threads:
        t.start()
    if chaos is not None:
        chaos.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    done.set()
    if chaos is not None:
        chaos.join()
    if failures:
        raise failures[0]
    total = ClientStats()
    for stats in results:
        total.merge(stats)
    return total, seconds


def check_workspace(db: Path, sent: dict[str, str], before: int) -> dict[str, Any]:
    """Check the workspace after a run.

    Parameters
    ----------
    db
        The workspace file (no server running).
    sent
        Each sent note's text by note_id.
    before
        Notes in the workspace before the run.

    Returns
    -------
    dict
        ``notes``, ``expected``, ``missing``, ``duplicates``, ``changed`` (stored text
        differs from the sent text), ``extra`` (notes neither there before nor sent),
        ``not_geocoded``, ``geocoded_stale``, ``located``, ``topics``, ``not_classified``,
        ``integrity``, ``imports_unfinished``, ``examples`` (a few ids per problem).
    """
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT note_id, text FROM notes"))
        notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT note_id FROM notes GROUP BY note_id HAVING count(*) > 1)"
        ).fetchone()[0]
        ungeocoded = [
            r[0]
            for r in conn.execute(
                "SELECT n.note_id FROM notes n LEFT JOIN geocodes g ON g.note_id = n.note_id "
                "WHERE g.note_id IS NULL"
            )
        ]
        stale = conn.execute(
            "SELECT count(*) FROM notes n JOIN geocodes g ON g.note_id = n.note_id "
            "WHERE g.note_hash != n.row_hash"
        ).fetchone()[0]
        located = conn.execute("SELECT count(*) FROM geocodes WHERE lat IS NOT NULL").fetchone()[0]
        has_model = conn.execute("SELECT count(*) FROM models WHERE name = 'topics'").fetchone()[0]
        topics = conn.execute("SELECT count(*) FROM topics").fetchone()[0]
        unclassified = conn.execute(
            "SELECT count(*) FROM notes n LEFT JOIN topics t ON t.note_id = n.note_id "
            "WHERE t.note_id IS NULL"
        ).fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        unfinished = conn.execute(
            "SELECT count(*) FROM imports WHERE finished_at IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    missing = [i for i in sent if i not in stored]
    changed = [i for i, text in sent.items() if i in stored and stored[i] != text]
    extra = len(stored) - before - (len(sent) - len(missing))
    return {
        "notes": notes,
        "expected": before + len(sent),
        "missing": len(missing),
        "duplicates": duplicates,
        "changed": len(changed),
        "extra": extra,
        "not_geocoded": len(ungeocoded),
        "geocoded_stale": stale,
        "located": located,
        "topics": topics,
        "not_classified": unclassified if has_model else None,
        "integrity": integrity,
        "imports_unfinished": unfinished,
        "examples": {
            "missing": missing[:5],
            "changed": changed[:5],
            "not_geocoded": ungeocoded[:5],
        },
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _log_errors(log: Path) -> dict[str, int]:
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    return {
        needle: text.count(needle)
        for needle in ("Traceback", "database is locked", "geocoding the ingested notes failed")
    }


def main() -> None:
    """Run the benchmark from the command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--notes", type=int, default=100_000, help="notes to POST")
    ap.add_argument("--batch", type=int, default=500, help="notes per request")
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    ap.add_argument("--workers", type=int, default=2, help="loopmap serve --workers")
    ap.add_argument(
        "--kill-every", type=float, default=0.0, help="SIGKILL + restart every S s (0: never)"
    )
    ap.add_argument(
        "--train", type=int, default=2000, help="notes imported and built first (topic model)"
    )
    ap.add_argument("--seed", type=int, default=0, help="sample city seed")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench-ingest"))
    ap.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, s")
    args = ap.parse_args()
    if args.notes < 1 or args.batch < 1 or args.clients < 1 or args.train < 0:
        ap.error("--notes, --batch and --clients must be positive, --train not negative")

    args.dir.mkdir(parents=True, exist_ok=True)
    sample = prepare_sample(args.dir / "sample", args.train + args.notes, args.seed)
    db = args.dir / "ingest.db"
    make_workspace(db, sample, args.train)
    batches, sent = load_batches(
        sample / "notes.jsonl", skip=args.train, n=args.notes, size=args.batch
    )
    log = args.dir / "serve.log"
    log.unlink(missing_ok=True)
    server = Server(db, workers=args.workers, log=log)
    kills = "off" if not args.kill_every else f"every {args.kill_every:g} s"
    print(
        f"run: {args.notes:,} notes in {len(batches):,} batches of {args.batch}, "
        f"{args.clients} clients, serve --workers {args.workers}, SIGKILL {kills}"
    )
    server.start()
    try:
        stats, seconds = post_batches(
            server, batches, clients=args.clients, kill_every=args.kill_every, timeout=args.timeout
        )
    finally:
        server.stop()
    errors = _log_errors(log)
    check = check_workspace(db, sent, before=args.train)

    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(stats.statuses.items()))
    print(f"time: {seconds:.1f} s, {args.notes / seconds:,.0f} notes/s")
    print(
        f"requests: {stats.requests:,} ({statuses}); retries {stats.retries:,} "
        f"({stats.connection_errors:,} connection errors, {stats.timeouts:,} timeouts, "
        f"{sum(v for k, v in stats.statuses.items() if k >= 500):,} 5xx); "
        f"kills {server.kills}, server starts {server.starts}; "
        f"server peak RSS {server.peak_rss / 2**20:,.0f} MiB"
    )
    print(
        f"latency: request p50 {_pct(stats.request_latencies, 0.5):.0f} ms, "
        f"p99 {_pct(stats.request_latencies, 0.99):.0f} ms; "
        f"batch incl. retries p50 {_pct(stats.batch_latencies, 0.5):.0f} ms, "
        f"p99 {_pct(stats.batch_latencies, 0.99):.0f} ms"
    )
    print(
        f"responses: {stats.added:,} added, {stats.updated:,} updated, "
        f"{stats.unchanged:,} unchanged (sent again after a lost answer), "
        f"{stats.rejected:,} rejected, {stats.failed_batches} failed batches"
    )
    for line in stats.rejections[:5]:
        print(f"  rejected: {line}")
    print("server log: " + ", ".join(f"{v} x {k!r}" for k, v in errors.items()))
    classified = (
        "no topic model"
        if check["not_classified"] is None
        else f"{check['topics']:,} with a topic, {check['not_classified']:,} without"
    )
    print(
        f"workspace: {check['notes']:,} notes (expected {check['expected']:,}), "
        f"{check['missing']:,} missing, {check['duplicates']:,} duplicate ids, "
        f"{check['changed']:,} with other text, {check['extra']:,} unexpected; "
        f"{check['notes'] - check['not_geocoded']:,} geocoded ({check['located']:,} located), "
        f"{check['not_geocoded']:,} not geocoded, {check['geocoded_stale']:,} stale; "
        f"{classified}; integrity_check {check['integrity']}; "
        f"{check['imports_unfinished']} import log rows left unfinished by kills"
    )
    problems = [k for k, v in check["examples"].items() if v]
    for name in problems:
        print(f"  {name}: e.g. {', '.join(check['examples'][name])}")
    if check["not_geocoded"]:
        print(
            "  notes without a geocode were stored but not geocoded (the server was killed "
            "between the commit and the geocoding); the next ingest or `loopmap build` "
            "geocodes them"
        )
    ok = (
        check["notes"] == check["expected"]
        and not check["missing"]
        and not check["duplicates"]
        and not check["changed"]
        and not check["extra"]
        and not check["not_geocoded"]
        and check["integrity"] == "ok"
        and not stats.failed_batches
    )
    print("result: " + ("OK" if ok else "FAILED"))
    if not ok:
        shutil.copy(log, args.dir / "serve-failed.log")
        sys.exit(1)


if __name__ == "__main__":
    main()
