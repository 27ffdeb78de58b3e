"""Commands that move data in and out of the workspace: ``import``, ``export`` and ``sample``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from loopmap._errors import InputFileError, LoopmapError
from loopmap.cli._common import EXIT_INTERRUPTED, EXIT_REJECTED, db_option, open_workspace
from loopmap.formats import KINDS

__all__ = ["export_cmd", "import_cmd", "sample_cmd"]


@click.command("import")
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

    ws = open_workspace(db)
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


@click.command("export")
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
    ws = open_workspace(db)
    try:
        n = export_table(ws, what, out, topic=topic)
    except LoopmapError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ws.close()
    click.echo(f"wrote {n:,} {what} rows to {out}")


@click.command("sample")
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
    from loopmap.sample import write_sample

    try:
        counts = write_sample(
            out_dir, city=city, places=places, n_notes=n_notes, seed=seed, progress=True
        )
    except (LoopmapError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"wrote {out_dir}: {counts.get('places', 0):,} places, {counts.get('notes', 0):,} notes, "
        f"{counts.get('events', 0):,} events"
    )
