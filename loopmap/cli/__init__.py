"""The ``loopmap`` command line: a thin layer over the library.

Every command takes ``--db PATH`` (default ``./loopmap.db``, or ``$LOOPMAP_DB``).
Library errors become :class:`click.ClickException` (exit status 1, a one-line
message); a run that rejected input rows exits with status 1 after importing
the good ones.

This package holds the group (:data:`cli`) and :func:`main`; the commands live in
modules by area and are added to the group here:

- :mod:`loopmap.cli.inputs`: ``import``, ``export``, ``sample``;
- :mod:`loopmap.cli.analysis`: ``build``, ``themes``, ``rank``, ``report``, ``explain``,
  ``campaign``;
- :mod:`loopmap.cli.web`: ``serve``, ``demo``.

The options they share (``--db``, ``--tiles``) are in :mod:`loopmap.cli._common`.
"""

from __future__ import annotations

import logging
import sys

import click

from loopmap.cli._common import EXIT_INTERRUPTED, EXIT_REJECTED, db_option, tiles_option
from loopmap.cli.analysis import (
    build_cmd,
    campaign_cmd,
    explain_cmd,
    rank_cmd,
    report_cmd,
    themes_cmd,
)
from loopmap.cli.inputs import export_cmd, import_cmd, sample_cmd
from loopmap.cli.web import demo_cmd, serve_cmd

__all__ = ["EXIT_INTERRUPTED", "EXIT_REJECTED", "cli", "db_option", "main", "tiles_option"]


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


# In the order the single-module command line defined them (``--help`` sorts them anyway).
for _command in (
    import_cmd,
    build_cmd,
    themes_cmd,
    rank_cmd,
    report_cmd,
    explain_cmd,
    export_cmd,
    campaign_cmd,
    serve_cmd,
    sample_cmd,
    demo_cmd,
):
    cli.add_command(_command)


def main() -> None:
    """Run the command line (the ``loopmap`` console script)."""
    cli(prog_name="loopmap")
