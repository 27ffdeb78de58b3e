"""Commands that serve the maps: ``serve`` and ``demo`` (sample, import, build, serve)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from loopmap._errors import LoopmapError
from loopmap.cli._common import db_option, open_workspace, tiles_option
from loopmap.cli.analysis import run_build

__all__ = ["demo_cmd", "run_serve", "serve_cmd"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (gunicorn).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker process.",
)
@click.option("--dev", is_flag=True, help="Flask's development server with debug and reload.")
@tiles_option
@db_option
def serve_cmd(
    host: str, port: int, workers: int, threads: int, dev: bool, tiles: str, db: Path
) -> None:
    """Serve the web application (gunicorn; --dev for Flask's development server).

    \b
    Example:
      loopmap serve --port 8000
      loopmap serve --tiles amap     # AutoNavi tiles in GCJ-02, points shifted to match
      loopmap serve --tiles none     # no base map: district outlines only
    """
    run_serve(db, host=host, port=port, workers=workers, threads=threads, dev=dev, tiles=tiles)


def run_serve(
    db: Path,
    *,
    host: str,
    port: int,
    workers: int,
    dev: bool,
    tiles: str = "osm",
    threads: int = 4,
) -> None:
    """Serve the workspace ``db`` until interrupted; ``serve`` and ``demo`` end here.

    Parameters
    ----------
    db
        The workspace; it must exist, and is migrated before the app reads it.
    host, port
        Where to listen; checked first, so a taken port is a one-line error.
    workers
        Worker processes (gunicorn).
    dev
        Flask's development server with debug and reload instead.
    tiles
        The base map (see ``--tiles``).
    threads
        Threads per worker process.

    Raises
    ------
    click.ClickException
        No workspace at ``db``, or nothing can listen on ``host:port``.
    """
    import socket

    from loopmap.importer import make_ingest
    from loopmap.server import run_server
    from web import create_app

    if not db.exists():
        raise click.ClickException(
            f"{db}: no such workspace; run `loopmap import` or `loopmap demo` first"
        )
    open_workspace(db).close()  # migrate before the app reads it
    try:  # fail clearly when the port is taken or the address is not this machine's
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        msg = f"cannot serve on {host}:{port} ({exc.strerror or exc}); try another --port"
        raise click.ClickException(msg) from None
    token = os.environ.get("LOOPMAP_INGEST_TOKEN") or None
    app = create_app(
        {
            "DB_PATH": str(db.resolve()),
            "INGEST_TOKEN": token,
            "INGEST": make_ingest(db.resolve()),
            "TILES": tiles,
        }
    )
    url = f"http://{host}:{port}/"
    click.echo(f"loopmap serving {db} at {url} (Ctrl-C to stop)")
    if token is None:
        click.echo("ingest (POST /api/notes, /api/events) is off: set LOOPMAP_INGEST_TOKEN")
    if dev:
        app.run(host=host, port=port, debug=True)
        return
    run_server(app, host=host, port=port, workers=workers, threads=threads)


@click.command("demo")
@click.option(
    "--dir",
    "out_dir",
    default="demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the sample city's files go.",
)
@click.option("--notes", "n_notes", default=20_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the workspace and stop.")
@tiles_option
@db_option
def demo_cmd(
    out_dir: Path,
    n_notes: int,
    seed: int,
    host: str,
    port: int,
    no_serve: bool,
    tiles: str,
    db: Path,
) -> None:
    """Sample city -> import -> build -> serve, in one command.

    Generates the Shanghai sample city into --dir (reused when it is already
    there with the same options), imports it into the workspace and serves it.

    \b
    Example:
      loopmap demo                 # then open http://127.0.0.1:5000/
      loopmap demo --notes 2000 --no-serve
    """
    from loopmap.demo import demo_sample_files, demo_sample_is_current, write_demo_sample
    from loopmap.importer import import_files

    files = demo_sample_files(out_dir)
    if demo_sample_is_current(out_dir, n_notes=n_notes, seed=seed):
        click.echo(f"[1/4] sample city already in {out_dir}")
    else:
        click.echo(f"[1/4] generating the sample city ({n_notes:,} notes) into {out_dir} ...")
        try:
            write_demo_sample(out_dir, n_notes=n_notes, seed=seed, progress=True)
        except (LoopmapError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"[2/4] importing into {db} ...")
    ws = open_workspace(db)
    try:
        reports = import_files(ws, files, progress=True)
    finally:
        ws.close()
    for report in reports:
        click.echo("      " + report.summary())
    click.echo(f"[3/4] building {db} ...")
    run_build(db, indent="      ")
    if no_serve:
        click.echo("[4/4] done; serve it with: loopmap serve")
        return
    click.echo("[4/4] serving")
    run_serve(db, host=host, port=port, workers=2, dev=False, tiles=tiles)
