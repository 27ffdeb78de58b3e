"""The sample city's output files, written as the simulation goes.

``places.csv``, ``notes.jsonl`` and ``events.csv`` follow SPEC.md; ``truth.csv``
is described in :mod:`loopmap.sample`. Notes arrive one simulated day at a time
and events one day at a time, each already sorted by time, so every file is
written in order without holding more than a day of rows.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

import numpy as np

from loopmap.sample.exposure import KIND_NAMES, EventChunk
from loopmap.sample.rhythm import format_times

__all__ = ["EVENT_HEADER", "TRUTH_COLUMNS", "SampleWriter"]

TRUTH_COLUMNS = (
    "record",
    "id",
    "place_id",
    "merchant_id",
    "topic",
    "lang",
    "mention",
    "surface",
    "paid",
    "visited",
    "quality",
    "popularity",
    "manufactured",
    "fraud",
)
EVENT_HEADER = "event_id,ts,user_id,kind,note_id,merchant_id\n"


def _csv_cell(value: str) -> str:
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


class SampleWriter:
    """Open output files of one sample city and append to them.

    Parameters
    ----------
    out_dir
        The folder (created if needed).
    user_ids, merchant_ids
        Id strings by index.
    note_width
        Digits in note ids.
    utc_offset, use_z
        How timestamps are written (see :func:`loopmap.sample.rhythm.format_times`).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        user_ids: list[str],
        merchant_ids: list[str],
        note_width: int,
        utc_offset: int,
        use_z: bool,
    ) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._users = [_csv_cell(u) for u in user_ids]
        self._merchants = [_csv_cell(m) for m in merchant_ids]
        self.note_width = note_width
        self.utc_offset = utc_offset
        self.use_z = use_z
        self.n_events = 0
        self.n_notes = 0
        self._notes: IO[bytes] = open(self.dir / "notes.jsonl", "wb")  # noqa: SIM115
        self._events: IO[str] = open(self.dir / "events.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._truth_f: IO[str] = open(self.dir / "truth.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._events.write(EVENT_HEADER)
        self._truth = csv.writer(self._truth_f, lineterminator="\n")
        self._truth.writerow(TRUTH_COLUMNS)

    def note_id(self, index: int) -> str:
        """The id of the note with global index ``index``."""
        return f"n{index:0{self.note_width}d}"

    def times(self, ts: np.ndarray) -> list[str]:
        """ISO-8601 text for local times."""
        return format_times(ts, utc_offset_hours=self.utc_offset, use_z=self.use_z)

    def write_places(self, frame: Any) -> int:
        """Write ``places.csv`` (SPEC.md columns, coordinates to 7 decimals)."""
        out = frame.copy()
        out["lat"] = out["lat"].astype(float).round(7)
        out["lon"] = out["lon"].astype(float).round(7)
        out.to_csv(self.dir / "places.csv", index=False, encoding="utf-8", lineterminator="\n")
        return len(out)

    def write_notes(self, lines: list[bytes]) -> None:
        """Append JSON lines (already sorted by ``created_at``)."""
        self._notes.writelines(lines)
        self.n_notes += len(lines)

    def write_truth(self, rows: list[list[Any]]) -> None:
        """Append truth rows."""
        self._truth.writerows(rows)

    def write_events(self, chunk: EventChunk) -> None:
        """Append events (already sorted by time), numbering them."""
        n = len(chunk)
        if n == 0:
            return
        ts = self.times(chunk.ts)
        users = self._users
        merchants = self._merchants
        w = self.note_width
        start = self.n_events
        lines = [
            f"e{start + i:09d},{t},{users[u]},{KIND_NAMES[k]},"
            + (f"n{nt:0{w}d}," if nt >= 0 else ",")
            + (merchants[m] if m >= 0 else "")
            + "\n"
            for i, (t, u, k, nt, m) in enumerate(
                zip(
                    ts,
                    chunk.user.tolist(),
                    chunk.kind.tolist(),
                    chunk.note.tolist(),
                    chunk.merchant.tolist(),
                    strict=True,
                )
            )
        ]
        self._events.writelines(lines)
        self.n_events += n

    def close(self) -> None:
        """Close every file."""
        for f in (self._notes, self._events, self._truth_f):
            f.close()
