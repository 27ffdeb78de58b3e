"""``loopmap serve`` under load on 127.0.0.1, and its worker processes dying with it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ingest_concurrency import HOST, _Server
from test_web_api import build_hostile_workspace

PATHS = (
    "/api/merchants?topic=coffee&limit=20",
    "/api/heat?topic=coffee&zoom=13&bbox=121.40,31.18,121.50,31.26",
    "/api/merchants?topic=coffee&bbox=121.40,31.18,121.50,31.26&limit=300",
    "/api/notes?topic=coffee&limit=50",
    "/map/coffee",
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_workspace(tmp_path_factory.mktemp("load"))


@pytest.fixture
def server(workspace: Path, tmp_path: Path) -> Iterator[_Server]:
    srv = _Server(workspace, tmp_path / "serve.log", workers=2)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()
        srv.log.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_32_clients_get_every_answer_right(server: _Server) -> None:
    """A bounded load: 32 keep-alive clients, 20 requests each over five routes."""
    expected: dict[str, bytes] = {}
    for path in PATHS[:-1]:  # the page carries a per-request nonce: compared by status only
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        conn.request("GET", path)
        expected[path] = conn.getresponse().read()
        conn.close()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        mine: Counter[str] = Counter()
        for i in range(20):
            path = PATHS[(k + i) % len(PATHS)]
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                mine[f"status {response.status}"] += 1
            elif path in expected and body != expected[path]:
                mine["different body"] += 1
            else:
                mine["ok"] += 1
        conn.close()
        with lock:
            outcomes.update(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert dict(outcomes) == {"ok": 32 * 20}
    assert server.logged_errors() == []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_killed_server_takes_its_workers_and_port_with_it(server: _Server) -> None:
    assert server.proc is not None
    deadline = time.monotonic() + 10
    while len(workers := _children(server.proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    killed = time.monotonic()
    while any(_alive(w) for w in workers) and time.monotonic() < killed + 5:
        time.sleep(0.01)
    gone_after = time.monotonic() - killed
    assert not any(_alive(w) for w in workers)
    # at once, by the kernel (PR_SET_PDEATHSIG), not when a worker next checks on its parent
    # (gunicorn's workers do that about once a second)
    assert gone_after < 0.5
    with socket.create_server((HOST, server.port)):  # the port is free again
        pass
    server.start()  # and a new server answers on it
    conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    conn.close()
