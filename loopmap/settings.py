"""Defaults for loopmap, as typed module globals.

Entry points (the CLI, the web app factory) read ``LOOPMAP_*`` environment
variables and pass explicit values down; library code takes these as defaults.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_DB",
    "MAX_RECORD_BYTES",
    "PROGRESS_MIN_BYTES",
]

#: Workspace used when neither ``--db`` nor ``$LOOPMAP_DB`` is given.
DEFAULT_DB: Final[str] = "loopmap.db"

#: Rows validated and written per transaction during an import. An interrupted
#: import keeps every committed chunk; re-running it completes the rest.
CHUNK_ROWS: Final[int] = 20_000

#: A single input record (one JSON line, one CSV row) larger than this is rejected.
MAX_RECORD_BYTES: Final[int] = 1 << 20

#: Input files at least this large show a progress bar (when stderr is a terminal).
PROGRESS_MIN_BYTES: Final[int] = 8 << 20
