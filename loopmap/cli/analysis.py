"""Commands that build and read the derived tables: ``build``, ``themes``, ``rank``,
``report``, ``explain`` and ``campaign``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import click

from loopmap._errors import LoopmapError
from loopmap.cli._common import db_option, open_workspace

__all__ = [
    "build_cmd",
    "campaign_cmd",
    "explain_cmd",
    "rank_cmd",
    "report_cmd",
    "run_build",
    "themes_cmd",
]


@click.command("build")
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
    run_build(
        db,
        full=full,
        taxonomy=taxonomy,
        attribution_days=attribution_days,
        reshare_days=reshare_days,
    )


def run_build(
    db: Path,
    *,
    full: bool = False,
    taxonomy: Path | None = None,
    attribution_days: float | None = None,
    reshare_days: float | None = None,
    indent: str = "",
) -> None:
    """Build the workspace ``db`` and print the build report; ``build`` and ``demo`` use it.

    Parameters
    ----------
    db
        The workspace; it must exist.
    full, taxonomy, attribution_days, reshare_days
        As :func:`loopmap.build.build` takes them (the ``build`` command's options).
    indent
        Put before every line of the report.

    Raises
    ------
    click.ClickException
        No workspace at ``db``, or the library rejected the build.
    """
    from loopmap.build import build

    if not db.exists():
        raise click.ClickException(f"{db}: no such workspace; import something first")
    ws = open_workspace(db)
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


@click.command("themes")
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
    ws = open_workspace(db)
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


@click.command("rank")
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
    ws = open_workspace(db)
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


@click.command("report")
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
    open_workspace(db).close()
    try:
        result = write_report(db, out, topic=topic, city=city, merchant=merchant, top=top)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"wrote {result['path']} ({result['format']}): {result['merchants']:,} merchants, "
        f"{result['flagged']:,} flagged"
    )


@click.command("explain")
@click.argument("note_id")
@db_option
def explain_cmd(note_id: str, db: Path) -> None:
    """Show how a note was geocoded: its mentions, the place chosen and why.

    \b
    Example:
      loopmap explain n0000042
    """
    from loopmap.build import explain_note

    ws = open_workspace(db)
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


@click.command("campaign")
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
    open_workspace(db).close()  # bring the schema up to date
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
