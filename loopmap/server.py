"""Run the web application under a production WSGI server.

On Linux and macOS this is gunicorn: ``workers`` processes (the app is Python, so
processes, not threads, use more than one core), each with ``threads`` threads of the
``gthread`` worker, which keeps connections alive. Measured on two cores (``bench/
bench_web.py``), this serves ``/api/merchants`` about five times faster than waitress
with the same two workers. Each worker asks the kernel to kill it when the server
process dies (Linux ``PR_SET_PDEATHSIG``), so a killed server leaves no orphan holding
its port and can be restarted at once. Elsewhere (Windows) waitress serves, with
``workers * threads`` threads in one process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from typing import Any

from flask import Flask

__all__ = ["run_server"]

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


def _die_with_parent(server: Any, worker: Any) -> None:
    """gunicorn ``post_fork`` hook: the worker gets SIGKILL when the server process dies."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:  # pragma: no cover
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != worker.ppid:  # the server died before the hook ran
        os._exit(1)


def run_server(app: Flask, *, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Serve ``app`` until interrupted.

    Parameters
    ----------
    app
        The WSGI application.
    host, port
        Where to listen.
    workers
        Worker processes (gunicorn).
    threads
        Threads per worker process.
    """
    if os.name != "posix":  # pragma: no cover - gunicorn needs fork
        from waitress import serve

        serve(app, host=host, port=port, threads=workers * threads, ident="loopmap")
        return
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "keepalive": 5,
                "timeout": 120,
                "graceful_timeout": 10,
                "post_fork": _die_with_parent,
                "proc_name": "loopmap",
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    _Server().run()
