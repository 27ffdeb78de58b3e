"""What the command modules share: the ``--db`` and ``--tiles`` options, exit statuses, and
opening the workspace with library errors turned into :class:`click.ClickException`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from loopmap._errors import LoopmapError
from loopmap.settings import DEFAULT_DB

if TYPE_CHECKING:
    from loopmap.store import Workspace

__all__ = ["EXIT_INTERRUPTED", "EXIT_REJECTED", "db_option", "open_workspace", "tiles_option"]

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


def open_workspace(db: Path) -> Workspace:
    """Open (and migrate) the workspace at ``db``.

    Parameters
    ----------
    db
        The workspace's SQLite file; created when missing.

    Returns
    -------
    Workspace
        The open workspace; the caller closes it.

    Raises
    ------
    click.ClickException
        When the library cannot open it (a folder, a missing parent folder, not a workspace).
    """
    from loopmap.store import Workspace

    try:
        return Workspace(db)
    except LoopmapError as exc:
        raise click.ClickException(str(exc)) from None
