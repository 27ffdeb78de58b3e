"""The demo's sample city: generated once for a set of options, then reused.

``loopmap demo`` writes the Shanghai sample city into a folder together with a manifest,
``sample.json``, of the options that made it. The city is generated again only when a file
or the manifest is missing or the options changed, so running the demo twice imports the
same files (and changes nothing the second time).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["DEMO_CITY", "demo_sample_files", "demo_sample_is_current", "write_demo_sample"]

#: The built-in city the demo generates.
DEMO_CITY = "shanghai"
#: The manifest of the options the folder's sample city was made with.
MANIFEST_NAME = "sample.json"


def _params(n_notes: int, seed: int) -> dict[str, object]:
    return {"city": DEMO_CITY, "notes": n_notes, "seed": seed}


def demo_sample_files(out_dir: str | os.PathLike[str]) -> list[Path]:
    """The demo's input files in ``out_dir``, in import order.

    Parameters
    ----------
    out_dir
        The demo's folder.

    Returns
    -------
    list of Path
        ``places.csv``, ``notes.jsonl`` and ``events.csv`` (``truth.csv`` is not imported).
    """
    folder = Path(out_dir)
    return [folder / "places.csv", folder / "notes.jsonl", folder / "events.csv"]


def demo_sample_is_current(out_dir: str | os.PathLike[str], *, n_notes: int, seed: int) -> bool:
    """Whether ``out_dir`` already holds the sample city these options would generate.

    Parameters
    ----------
    out_dir
        The demo's folder.
    n_notes, seed
        The options of :func:`write_demo_sample`.

    Returns
    -------
    bool
        True when every input file and the manifest exist and the manifest records the same
        options; False too when the manifest cannot be read (the sample is made again).
    """
    manifest = Path(out_dir) / MANIFEST_NAME
    if not (manifest.exists() and all(f.exists() for f in demo_sample_files(out_dir))):
        return False
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return bool(recorded == _params(n_notes, seed))


def write_demo_sample(
    out_dir: str | os.PathLike[str], *, n_notes: int, seed: int, progress: bool = False
) -> dict[str, int]:
    """Generate the demo's sample city into ``out_dir`` and record its options.

    Parameters
    ----------
    out_dir
        The demo's folder (created if needed; existing files are replaced).
    n_notes
        How many notes to generate.
    seed
        Random seed: the same seed gives the same files.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    dict
        ``{"places": ..., "notes": ..., "events": ...}`` row counts.

    Raises
    ------
    LoopmapError or ValueError
        As :func:`loopmap.sample.write_sample` raises them; the manifest is then not written,
        so the next run generates the city again.
    """
    from loopmap.sample import write_sample

    counts = write_sample(
        out_dir, city=DEMO_CITY, places=None, n_notes=n_notes, seed=seed, progress=progress
    )
    manifest = Path(out_dir) / MANIFEST_NAME
    manifest.write_text(json.dumps(_params(n_notes, seed)), encoding="utf-8")
    return counts
