"""The ``loopmap`` command line: a thin layer over the library.

Every command takes ``--db PATH`` (default ``./loopmap.db``, or ``$LOOPMAP_DB``).
Library errors become :class:`click.ClickException` (exit status 1, a one-line
message); a run that rejected input rows exits with status 1 after importing
the good ones.
"""

from __future__ import annotations

import csv
import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from loopmap._errors import InputFileError, LoopmapError
from loopmap.formats import KINDS
from loopmap.settings import DEFAULT_DB

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status when some input rows were rejected (the good rows were still imported).
EXIT_REJECTED = 1
#: Exit status after Ctrl-C, as shells report it.
EXIT_INTERRUPTED = 130


def _check_tiles(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from topics.tiles import tile_provider

    try:
        tile_provider(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def tiles_option(func: F) -> F:
    """Add the ``--tiles`` option of the commands that serve maps."""
    return click.option(
        "--tiles",
        default="osm",
        envvar="LOOPMAP_TILES",
        show_default=True,
        show_envvar=True,
        callback=_check_tiles,
        help="Base map: osm, amap (AutoNavi, GCJ-02), none, or a tile URL template "
        "(https://host/{z}/{x}/{y}.png, add |gcj02 for a GCJ-02 server).",
    )(func)


def db_option(func: F) -> F:
    """Add the ``--db`` option every command takes."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_DB,
        envvar="LOOPMAP_DB",
        show_default=True,
        show_envvar=True,
        help="The workspace: a SQLite database holding inputs and derived tables.",
    )(func)


def _open(db: Path) -> Any:
    from loopmap.store import Workspace

    try:
        return Workspace(db)
    except LoopmapError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="loopmap")
def cli(verbose: int) -> None:
    """loopmap: local discovery maps from lifestyle notes.

    Import places, notes and events into a workspace, build the derived tables,
    and serve the maps.

    \b
    Example:
      loopmap demo                      # the sample city, served on 127.0.0.1:5000
      loopmap import places.csv notes.jsonl events.csv
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--kind", type=click.Choice(KINDS), help="What every file holds (default: told by its columns)."
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every rejected row (file, position, reason) to this CSV.",
)
@click.option("--show", default=50, show_default=True, help="Rejected rows printed to stderr.")
@db_option
def import_cmd(
    files: tuple[Path, ...], kind: str | None, rejects: Path | None, show: int, db: Path
) -> None:
    """Import places, notes and events (CSV, JSON Lines, GeoJSON, Parquet, .osm.pbf).

    Places are imported first, then notes, then events, whatever the order of
    FILES. Ids are keys: importing the same rows again changes nothing. Rejected
    rows are reported with file, line and reason; the good rows are kept, and
    the exit status is 1 when any row (or file) was rejected.

    \b
    Example:
      loopmap import data/sample/places.csv data/sample/notes.jsonl data/sample/events.csv
      loopmap import city.osm.pbf
    """
    from loopmap.importer import ImportInterrupted, Rejection, import_files, workspace_warnings

    shown = 0
    problems = 0
    reject_file = rejects.open("w", newline="", encoding="utf-8") if rejects else None
    writer = csv.writer(reject_file) if reject_file else None
    if writer:
        writer.writerow(["file", "unit", "line", "reason"])

    def on_reject(rejection: Rejection) -> None:
        nonlocal shown, problems
        problems += 1
        if writer:
            writer.writerow([rejection.source, rejection.unit, rejection.line, rejection.reason])
        if shown < show:
            click.echo(f"rejected: {rejection}", err=True)
            shown += 1

    def on_file_error(exc: InputFileError) -> None:
        nonlocal problems
        problems += 1
        click.echo(f"error: {exc}", err=True)

    ws = _open(db)
    try:
        reports = import_files(
            ws, files, kind=kind, on_reject=on_reject, on_file_error=on_file_error, progress=True
        )
    except ImportInterrupted as exc:
        click.echo(exc.report.summary() + " (interrupted)", err=True)
        click.echo(
            "Interrupted: the rows above are committed; run the same command again to finish.",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if reject_file:
            reject_file.close()
    for report in reports:
        click.echo(report.summary())
    rejected = sum(r.rejected for r in reports)
    if rejected > shown:
        hint = (
            f"; all of them are in {rejects}"
            if rejects
            else "; use --rejects FILE to list them all"
        )
        click.echo(f"... {rejected - shown:,} more rejected row(s) not shown{hint}", err=True)
    for warning in workspace_warnings(ws):
        click.echo(f"warning: {warning}", err=True)
    counts = ws.counts()
    ws.close()
    click.echo(
        f"workspace {db}: {counts['places']:,} places, {counts['notes']:,} notes, "
        f"{counts['events']:,} events"
    )
    if problems:
        sys.exit(EXIT_REJECTED)


@cli.command("build")
@click.option("--full", is_flag=True, help="Recompute everything, not only what changed.")
@click.option(
    "--taxonomy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file of topics merged into the default ones; kept for later builds.",
)
@click.option(
    "--attribution-days",
    type=float,
    help="Visits are attributed to notes seen this many days before (default 14).",
)
@click.option(
    "--reshare-days",
    type=float,
    help="A note within this many days after a visit is a reshare (default 30).",
)
@db_option
def build_cmd(
    full: bool,
    taxonomy: Path | None,
    attribution_days: float | None,
    reshare_days: float | None,
    db: Path,
) -> None:
    """Geocode notes, classify topics, find hotspots and rank merchants; incremental.

    Only notes that are new or changed since the last build are geocoded again, and
    all of them when the places (the gazetteer) changed. The topic model is trained
    again whenever notes or places changed.

    \b
    Example:
      loopmap build
      loopmap build --taxonomy my_topics.toml
    """
    _build(
        db,
        full=full,
        taxonomy=taxonomy,
        attribution_days=attribution_days,
        reshare_days=reshare_days,
    )


def _build(
    db: Path,
    *,
    full: bool = False,
    taxonomy: Path | None = None,
    attribution_days: float | None = None,
    reshare_days: float | None = None,
    indent: str = "",
) -> None:
    from loopmap.build import build

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import something first")
    ws = _open(db)
    try:
        report = build(
            ws,
            full=full,
            progress=True,
            taxonomy=taxonomy,
            attribution_days=attribution_days,
            reshare_days=reshare_days,
        )
    except (LoopmapError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ws.close()
    for line in report.lines():
        click.echo(indent + line)


@cli.command("themes")
@click.option(
    "-n",
    "n_themes",
    default=12,
    show_default=True,
    type=click.IntRange(2, 50),
    help="How many themes to look for.",
)
@click.option("--seed", default=0, show_default=True, help="Same seed, same themes.")
@db_option
def themes_cmd(n_themes: int, seed: int, db: Path) -> None:
    """List emerging themes in the notes, new-looking ones (not in the taxonomy) first.

    Each theme shows its top terms, how many notes, the nearest existing topic and where it
    happens; a theme worth adopting becomes a topic through `loopmap build --taxonomy FILE`.

    \b
    Example:
      loopmap themes -n 15
    """
    from loopmap.build import workspace_themes

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import and build first")
    ws = _open(db)
    try:
        if not ws.conn.execute("SELECT count(*) FROM notes").fetchone()[0]:
            raise click.ClickException("the workspace has no notes")
        themes = workspace_themes(ws, n_themes=n_themes, random_state=seed)
    finally:
        ws.close()
    for row in themes.itertuples(index=False):
        mark = "NEW " if row.new else "    "
        label = cast(str, row.label)
        near = cast("str | None", row.nearest_topic) or "-"
        top_places = cast("Iterable[tuple[str, int]]", row.top_places)
        terms = cast("Iterable[str]", row.terms)
        examples = cast("Iterable[str]", row.example_note_ids)
        places = ", ".join(f"{name} ({n})" for name, n in list(top_places)[:3])
        click.echo(
            f"{mark}{label:<28} {row.n_notes:>7,} notes  nearest {near:<12} "
            f"overlap {row.overlap:.2f}  {places}"
        )
        click.echo(f"      terms: {', '.join(list(terms)[:10])}")
        click.echo(f"      e.g.: {', '.join(list(examples)[:3])}")


def _pad(text: str, width: int) -> str:
    """Cut and pad to a terminal width, counting CJK characters as two columns."""
    import unicodedata

    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > width:
            break
        out += char
        used += w
    return out + " " * (width - used)


@cli.command("rank")
@click.option("--topic", help="Rank within one topic.")
@click.option("--city", help="Only merchants in this city.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1), help="Rows to show.")
@db_option
def rank_cmd(topic: str | None, city: str | None, top: int, db: Path) -> None:
    """Print the top of the merchant ranking: score, loop counts, flags.

    \b
    Example:
      loopmap rank --topic coffee --top 10
    """
    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import and build first")
    ws = _open(db)
    try:
        sql = (
            "SELECT r.rank, r.topic_rank, r.name, r.topic, r.score, r.shares, r.interactions, "
            "r.visits, r.attributed_visits, r.reshares, r.flagged, r.reasons "
            "FROM ranking r JOIN places p ON p.place_id = r.merchant_id WHERE 1"
        )
        params: list[Any] = []
        if topic:
            sql += " AND r.topic = ?"
            params.append(topic)
        if city:
            sql += " AND p.city = ?"
            params.append(city)
        sql += " ORDER BY " + ("r.topic_rank" if topic else "r.rank") + " LIMIT ?"
        rows = ws.conn.execute(sql, [*params, top]).fetchall()
    finally:
        ws.close()
    if not rows:
        raise click.ClickException("no ranked merchants match; run `loopmap build` first?")
    click.echo(
        f"{'#':>4}  {_pad('merchant', 28)} {'topic':<12} {'score':>7} {'notes':>6} "
        f"{'inter.':>7} {'visits':>6} {'attr.':>6} {'reshr':>5}  flag"
    )
    for r in rows:
        place = r["topic_rank"] if topic else r["rank"]
        flag = f"FLAGGED {r['reasons'][:60]}" if r["flagged"] else ""
        click.echo(
            f"{place:>4}  {_pad(r['name'], 28)} {r['topic']:<12} {r['score']:>7.2f} "
            f"{r['shares']:>6} {r['interactions']:>7} {r['visits']:>6} "
            f"{r['attributed_visits']:>6.1f} {r['reshares']:>5}  {flag}"
        )


@cli.command("report")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report: .html (interactive, works offline), .md or .csv.",
)
@click.option("--topic", help="Only this topic's merchants.")
@click.option("--city", help="Only merchants in this city.")
@click.option("--merchant", help="One merchant's view: what drives its loop, what holds it back.")
@click.option(
    "--top",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help="Merchants with a section of their own.",
)
@db_option
def report_cmd(
    out: Path, topic: str | None, city: str | None, merchant: str | None, top: int, db: Path
) -> None:
    """Write the merchant loop report: funnels, score parts, flags, time to visit.

    \b
    Example:
      loopmap report --out loop.html --topic coffee
      loopmap report --out sh-m0042.md --merchant sh-m0042
      loopmap report --out ranking.csv
    """
    from loop.report import ReportError, write_report

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import and build first")
    _open(db).close()
    try:
        result = write_report(db, out, topic=topic, city=city, merchant=merchant, top=top)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"wrote {result['path']} ({result['format']}): {result['merchants']:,} merchants, "
        f"{result['flagged']:,} flagged"
    )


@cli.command("explain")
@click.argument("note_id")
@db_option
def explain_cmd(note_id: str, db: Path) -> None:
    """Show how a note was geocoded: its mentions, the place chosen and why.

    \b
    Example:
      loopmap explain n0000042
    """
    from loopmap.build import explain_note

    ws = _open(db)
    try:
        found = explain_note(ws, note_id)
    finally:
        ws.close()
    if found is None:
        raise click.ClickException(f"no note {note_id!r} in {db}")
    note, geocode, place = found["note"], found["geocode"], found["place"]
    click.echo(f"note {note_id} by {note['user_id']} at {note['created_at']}")
    if note["title"]:
        click.echo(f"  title: {note['title']}")
    click.echo(f"  text:  {note['text']}")
    if geocode is None:
        click.echo("not geocoded yet: run `loopmap build`")
        return
    where = "no place"
    if place:
        where = f"{place['name']} ({geocode['place_id']}, {place['kind']})"
    click.echo(
        f"geocode: {where}, precision {geocode['precision']}, "
        f"confidence {geocode['confidence']:.2f}"
    )
    for m in geocode["mentions"]:
        click.echo(f"  mention {m['text']!r} [{m['start']}:{m['end']}] -> {m['place_id']}")
    for reason in geocode["reasons"]:
        click.echo(f"  because {reason}")


@cli.command("export")
@click.argument("what")
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; the format follows the suffix (.csv, .jsonl, .geojson, .parquet).",
)
@click.option("--topic", help="For the ranking: one topic's merchants, ranked within it.")
@db_option
def export_cmd(what: str, out: Path, topic: str | None, db: Path) -> None:
    """Write a table: places, notes, events (as imported) or a derived table
    (geocodes, topics, hotspots, ranking).

    \b
    Example:
      loopmap export places -o places.geojson
      loopmap export ranking --topic coffee -o coffee-ranking.csv
    """
    from loopmap.export import export_table

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import something first")
    ws = _open(db)
    try:
        n = export_table(ws, what, out, topic=topic)
    except LoopmapError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ws.close()
    click.echo(f"wrote {n:,} {what} rows to {out}")


@cli.command("campaign")
@click.option("--topic", required=True, help="The topic id (coffee, food, ... or your own).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html, merchants.csv, campaign.json, brief.md.",
)
@click.option("--city", help="Only merchants in this city (as places name it).")
@click.option("--near", help="LAT,LON: only merchants within --radius-km of this point.")
@click.option("--radius-km", type=click.FloatRange(min=0, min_open=True), help="Radius for --near.")
@click.option(
    "--top", default=10, show_default=True, type=click.IntRange(1), help="Merchants to shortlist."
)
@click.option("--since", help="Only notes from this date (ISO-8601).")
@click.option("--until", help="Only notes up to this date (a bare date includes the whole day).")
@click.option(
    "--measure", is_flag=True, help="Also report the lift: the window against the one before."
)
@click.option("--force", is_flag=True, help="Write into an existing, non-empty --out folder.")
@db_option
def campaign_cmd(
    topic: str,
    out_dir: Path,
    city: str | None,
    near: str | None,
    radius_km: float | None,
    top: int,
    since: str | None,
    until: str | None,
    measure: bool,
    force: bool,
    db: Path,
) -> None:
    """Build a topic campaign: a map, a merchant shortlist, the hotspots and a brief.

    \b
    Example:
      loopmap campaign --topic coffee --city 上海 --top 10 --out coffee-map
      loopmap campaign --topic coffee --near 31.21,121.44 --radius-km 2 --out near-me
      loopmap campaign --topic coffee --since 2026-05-01 --until 2026-05-31 --measure --out may
    """
    from topics.campaign import CampaignError, build_campaign

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import and build first")
    _open(db).close()  # bring the schema up to date
    try:
        result = build_campaign(
            db,
            topic=topic,
            out_dir=out_dir,
            city=city,
            near=near,
            radius_km=radius_km,
            top=top,
            since=since,
            until=until,
            force=force,
            measure=measure,
        )
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result["summary"])
    if measure and result.get("lift_summary"):
        click.echo(result["lift_summary"])
    for path in result["files"]:
        click.echo(f"  wrote {path}")


@cli.command("serve")
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
    _serve(db, host=host, port=port, workers=workers, threads=threads, dev=dev, tiles=tiles)


def _serve(
    db: Path,
    *,
    host: str,
    port: int,
    workers: int,
    dev: bool,
    tiles: str = "osm",
    threads: int = 4,
) -> None:
    import socket

    from loopmap.importer import make_ingest
    from loopmap.server import run_server
    from web import create_app

    if not db.exists():
        raise click.ClickException(
            f"{db}: no such workspace; run `loopmap import` or `loopmap demo` first"
        )
    _open(db).close()  # migrate before the app reads it
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


@cli.command("sample")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--city", default="shanghai", show_default=True, help="Built-in city geography.")
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use a real city's places: an .osm.pbf extract or a places file.",
)
@click.option(
    "--notes",
    "n_notes",
    default=20_000,
    show_default=True,
    type=click.IntRange(1),
    help="How many notes to generate.",
)
@click.option(
    "--seed", default=0, show_default=True, help="Random seed: the same seed gives the same files."
)
def sample_cmd(out_dir: Path, city: str, places: Path | None, n_notes: int, seed: int) -> None:
    """Write a sample city: places.csv, notes.jsonl, events.csv and truth.csv.

    \b
    Example:
      loopmap sample demo --notes 2000 --seed 7
      loopmap sample helsinki --places Helsinki.osm.pbf
    """
    counts = _sample(out_dir, city=city, places=places, n_notes=n_notes, seed=seed)
    click.echo(
        f"wrote {out_dir}: {counts.get('places', 0):,} places, {counts.get('notes', 0):,} notes, "
        f"{counts.get('events', 0):,} events"
    )


def _sample(
    out_dir: Path, *, city: str, places: Path | None, n_notes: int, seed: int
) -> dict[str, int]:
    from loopmap.sample import write_sample

    try:
        return write_sample(
            out_dir, city=city, places=places, n_notes=n_notes, seed=seed, progress=True
        )
    except (LoopmapError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("demo")
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
    import json

    from loopmap.importer import import_files

    params = {"city": "shanghai", "notes": n_notes, "seed": seed}
    manifest = out_dir / "sample.json"
    files = [out_dir / "places.csv", out_dir / "notes.jsonl", out_dir / "events.csv"]
    fresh = manifest.exists() and all(f.exists() for f in files)
    if fresh and json.loads(manifest.read_text(encoding="utf-8")) == params:
        click.echo(f"[1/4] sample city already in {out_dir}")
    else:
        click.echo(f"[1/4] generating the sample city ({n_notes:,} notes) into {out_dir} ...")
        _sample(out_dir, city="shanghai", places=None, n_notes=n_notes, seed=seed)
        manifest.write_text(json.dumps(params), encoding="utf-8")
    click.echo(f"[2/4] importing into {db} ...")
    ws = _open(db)
    try:
        reports = import_files(ws, files, progress=True)
    finally:
        ws.close()
    for report in reports:
        click.echo("      " + report.summary())
    click.echo(f"[3/4] building {db} ...")
    _build(db, indent="      ")
    if no_serve:
        click.echo("[4/4] done; serve it with: loopmap serve")
        return
    click.echo("[4/4] serving")
    _serve(db, host=host, port=port, workers=2, dev=False, tiles=tiles)


def main() -> None:
    """Run the command line (the ``loopmap`` console script)."""
    cli(prog_name="loopmap")
