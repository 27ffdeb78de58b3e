"""Exceptions raised by loopmap.

Each subclasses a builtin so callers can catch broadly, and each message names
what went wrong and how to fix it.
"""

from __future__ import annotations

__all__ = ["InputFileError", "LoopmapError", "WorkspaceError"]


class LoopmapError(Exception):
    """Base class of loopmap's own errors."""


class InputFileError(LoopmapError, ValueError):
    """A whole input file cannot be read (missing, unknown format, missing columns)."""


class WorkspaceError(LoopmapError, RuntimeError):
    """The workspace database cannot be opened or is from an incompatible version."""
