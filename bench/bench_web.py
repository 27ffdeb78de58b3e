"""Benchmark the web application on a workspace of N notes.

Prints three sets of figures:

1. the workspace (built with ``loopmap demo --no-serve``, or reused when the file exists);
2. page weight and time until merchants show in headless Chromium for ``/map/coffee``,
   against a plain ``folium.Map`` with 10,000 ``folium.Marker`` objects (the same notes'
   points, local assets) opened from disk;
3. a bounded load test of ``GET /api/merchants?topic=coffee&limit=20``: 32 client threads
   with keep-alive connections, a fixed number of requests and a time cap, against
   ``loopmap serve --workers 2`` (two gunicorn processes) on 127.0.0.1; requests/s and
   p50/p99 latency; before it, the time of the map's first load of 20 viewports.

Everything stays on the loopback interface; the browser resolves no other host.

    .venv/bin/python bench/bench_web.py [--notes 100000] [--dir /tmp/bw] [--db /tmp/bw.db]
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

__all__ = [
    "browser",
    "ensure_workspace",
    "folium_baseline",
    "load_test",
    "main",
    "page_weight",
    "serve",
    "time_to_markers",
    "viewport_timings",
]

CHROMIUM: Final = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER: Final = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOST: Final = "127.0.0.1"
#: Marker test the browser polls for.
MARKERS_JS: Final = "document.querySelectorAll('.leaflet-marker-icon').length > 0"
#: Installed before any page script: records ``performance.now()`` when markers appear.
_WATCH_JS: Final = f"""
(() => {{
  const check = () => {{
    if (window.__markersAt === undefined && {MARKERS_JS}) {{
      window.__markersAt = performance.now();
      return true;
    }}
    return window.__markersAt !== undefined;
  }};
  const loop = () => {{ if (!check()) requestAnimationFrame(loop); }};
  new MutationObserver((_, obs) => {{ if (check()) obs.disconnect(); }})
    .observe(document, {{childList: true, subtree: true}});
  requestAnimationFrame(loop);
}})();
"""
_ASSET_REF: Final = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)=["']([^"']+)["']""")


def ensure_workspace(db: Path, folder: Path, notes: int) -> None:
    """Build the demo workspace of ``notes`` notes unless ``db`` already exists.

    Parameters
    ----------
    db
        The workspace file.
    folder
        Where the sample city's files go.
    notes
        How many notes the sample city has.
    """
    if db.exists():
        print(f"workspace: reusing {db}")
    else:
        started = time.perf_counter()
        subprocess.run(
            [
                *(sys.executable, "-m", "loopmap", "demo", "--dir", str(folder)),
                *("--notes", str(notes), "--no-serve", "--db", str(db)),
            ],
            check=True,
            capture_output=True,
        )
        print(f"workspace: built {db} in {time.perf_counter() - started:.1f} s")
    with sqlite3.connect(db) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("places", "notes", "events", "hotspots")
        }
    print("workspace: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db: Path, workers: int = 2) -> Iterator[str]:
    """Run ``loopmap serve`` on a free loopback port; yield its base URL; stop it after.

    Parameters
    ----------
    db
        The workspace file.
    workers
        Waitress threads.

    Yields
    ------
    str
        ``http://127.0.0.1:PORT``.
    """
    port = _free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "loopmap", "serve", "--db", str(db), "--host", HOST),
            *("--port", str(port), "--workers", str(workers)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    msg = f"loopmap serve did not answer on {base}"
                    raise RuntimeError(msg) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def browser() -> Iterator[Any]:
    """Headless Chromium that resolves no host but the loopback one.

    Yields
    ------
    selenium.webdriver.Chrome
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _WATCH_JS})
        yield driver
    finally:
        driver.quit()


def time_to_markers(driver: Any, url: str, cap: float = 120.0) -> float:
    """Seconds from navigation start until the first Leaflet marker icon is in the page.

    Parameters
    ----------
    driver
        A driver from :func:`browser`.
    url
        The page.
    cap
        Give up after this many seconds.

    Returns
    -------
    float
        Seconds (``nan`` when no marker showed within ``cap``).
    """
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        at = driver.execute_script("return window.__markersAt;")
        if at is None and driver.execute_script(f"return {MARKERS_JS};"):
            at = driver.execute_script("return performance.now();")
        if at is not None:
            return float(at) / 1000
        time.sleep(0.02)
    return float("nan")


def page_weight(document: bytes, fetch: Any) -> tuple[int, int]:
    """Bytes of a document and of the document plus the scripts and stylesheets it loads.

    Parameters
    ----------
    document
        The HTML.
    fetch
        ``fetch(ref) -> bytes | None`` for a ``src``/``href`` value; ``None`` skips it
        (an outside URL, which the benchmark does not load).

    Returns
    -------
    tuple of int
        ``(document bytes, document + assets bytes)``.
    """
    total = len(document)
    for ref in dict.fromkeys(_ASSET_REF.findall(document.decode("utf-8", "replace"))):
        body = fetch(ref)
        total += len(body) if body is not None else 0
    return len(document), total


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return bytes(r.read())


def folium_baseline(db: Path, folder: Path, topic: str = "coffee", n: int = 10_000) -> Path:
    """Write a plain folium map of ``n`` markers (the topic's geocoded notes) with local assets.

    Parameters
    ----------
    db
        The workspace file.
    folder
        Where ``index.html`` and its ``static/`` folder go.
    topic
        Notes of this topic are plotted (topped up with other notes when too few).
    n
        Markers.

    Returns
    -------
    Path
        The HTML file.
    """
    import folium

    from topics.assets import copy_map_assets, localize_map

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT g.lat, g.lon FROM geocodes g JOIN topics t ON t.note_id = g.note_id "
            "WHERE t.topic = ? AND g.lat IS NOT NULL ORDER BY g.note_id LIMIT ?",
            (topic, n),
        ).fetchall()
        if len(rows) < n:
            rows += conn.execute(
                "SELECT lat, lon FROM geocodes WHERE lat IS NOT NULL ORDER BY note_id LIMIT ?",
                (n - len(rows),),
            ).fetchall()
    lat = statistics.fmean(r[0] for r in rows)
    lon = statistics.fmean(r[1] for r in rows)
    m = localize_map(folium.Map(location=[lat, lon], zoom_start=12), asset_prefix="static/")
    for la, lo in rows:
        folium.Marker([la, lo]).add_to(m)
    folder.mkdir(parents=True, exist_ok=True)
    copy_map_assets(folder / "static")
    out = folder / "index.html"
    m.save(str(out))
    print(f"folium baseline: {len(rows):,} markers written to {out}")
    return out


def _read_local(folder: Path) -> Any:
    def fetch(ref: str) -> bytes | None:
        if "://" in ref or ref.startswith("//"):
            return None
        path = folder / ref
        return path.read_bytes() if path.is_file() else None

    return fetch


def viewport_timings(base: str, n: int = 20) -> None:
    """Print how long the map's first load of a viewport takes (nothing cached).

    ``n`` distinct viewports around central Shanghai at zooms 11-16: ``/api/heat`` and
    ``/api/merchants?bbox=`` as the map asks for them after a pan or zoom.
    """
    heat: list[float] = []
    merchants: list[float] = []
    sizes: list[int] = []
    for k in range(n):
        zoom = 11 + k % 6
        half = 0.3 / 2 ** (zoom - 11)
        lat, lon = 31.22 + 0.003 * k, 121.45 - 0.002 * k
        bbox = f"{lon - half:.5f},{lat - half / 2:.5f},{lon + half:.5f},{lat + half / 2:.5f}"
        for kind, into in (("heat", heat), ("merchants", merchants)):
            url = f"{base}/api/{kind}?topic=coffee&bbox={bbox}&zoom={zoom}&limit=300"
            started = time.perf_counter()
            body = _get(url)
            into.append(time.perf_counter() - started)
            sizes.append(len(body))
    print(
        f"viewport loads ({n} views, zoom 11-16, uncached): /api/heat median "
        f"{statistics.median(heat) * 1000:.0f} ms, max {max(heat) * 1000:.0f} ms; "
        f"/api/merchants median {statistics.median(merchants) * 1000:.0f} ms, "
        f"max {max(merchants) * 1000:.0f} ms; answers {min(sizes) / 1024:.1f}-"
        f"{max(sizes) / 1024:.1f} KiB"
    )


def load_test(
    base: str, path: str, *, clients: int = 32, requests: int = 5000, cap: float = 60.0
) -> dict[str, float]:
    """GET ``path`` ``requests`` times from ``clients`` keep-alive threads, within ``cap`` s.

    Parameters
    ----------
    base
        ``http://host:port``.
    path
        The request path with its query.
    clients
        Concurrent client threads, one connection each.
    requests
        Requests in all.
    cap
        Seconds after which the clients stop, done or not.

    Returns
    -------
    dict
        ``done``, ``errors``, ``seconds``, ``rps``, ``p50_ms``, ``p99_ms``, ``max_ms``.
    """
    host, port = base.removeprefix("http://").split(":")
    lock = threading.Lock()
    left = [requests]
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + cap

    def take() -> bool:
        with lock:
            if left[0] <= 0 or time.monotonic() > deadline:
                return False
            left[0] -= 1
            return True

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine: list[float] = []
        bad = 0
        while take():
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=cap + 60)
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        if not latencies:
            return float("nan")
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "done": len(latencies),
        "errors": errors[0],
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
    }


def main() -> None:
    """Run the benchmark from the command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bw"))
    ap.add_argument("--db", type=Path, default=Path("/tmp/bw.db"))
    ap.add_argument("--markers", type=int, default=10_000, help="folium baseline markers")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--cap", type=float, default=60.0, help="load test time cap, seconds")
    ap.add_argument("--runs", type=int, default=3, help="browser loads per page (best kept)")
    args = ap.parse_args()

    ensure_workspace(args.db, args.dir, args.notes)
    baseline = folium_baseline(args.db, args.dir.parent / f"{args.dir.name}-folium", n=args.markers)

    with serve(args.db, workers=2) as base:
        url = f"{base}/map/coffee"
        doc, total = page_weight(
            _get(url), lambda ref: _get(base + ref) if ref.startswith("/") else None
        )
        print(
            f"/map/coffee: document {doc / 1024:,.0f} KiB, "
            f"with scripts/styles {total / 1024:,.0f} KiB"
        )
        fdoc, ftotal = page_weight(baseline.read_bytes(), _read_local(baseline.parent))
        print(
            f"folium {args.markers:,} markers: document {fdoc / 1024:,.0f} KiB, "
            f"with scripts/styles {ftotal / 1024:,.0f} KiB"
        )
        with browser() as driver:
            for label, target in (
                ("/map/coffee", url),
                (f"folium {args.markers:,} markers", baseline.as_uri()),
            ):
                times = [time_to_markers(driver, target) for _ in range(args.runs)]
                print(
                    f"{label}: merchants/markers show after {min(times):.2f} s "
                    f"(best of {args.runs}; all: {', '.join(f'{t:.2f}' for t in times)})"
                )

        viewport_timings(base)
        path = "/api/merchants?topic=coffee&limit=20"
        load_test(base, path, clients=4, requests=200, cap=10)  # warm-up
        r = load_test(base, path, clients=args.clients, requests=args.requests, cap=args.cap)
        print(
            f"GET {path} (serve --workers 2, {args.clients} clients): "
            f"{r['done']:,} requests in {r['seconds']:.1f} s, {r['rps']:,.0f} req/s, "
            f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
            f"{r['errors']} errors"
        )
    print("server stopped")


if __name__ == "__main__":
    main()
