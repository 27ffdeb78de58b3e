"""The command line: every command has help, exit statuses, --db and $LOOPMAP_DB."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loopmap.cli import cli


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    if command not in ("sample",):
        assert "--db" in result.output


def test_import_ok_then_unchanged(invoke: Callable[..., Any], city_files: dict) -> None:
    files = [str(p) for p in city_files.values()]
    first = invoke("import", *files)
    assert first.exit_code == 0, first.output
    assert "5 places — 5 added, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    second = invoke("import", *files)
    assert second.exit_code == 0
    assert "4 events — 0 added, 0 updated, 4 unchanged, 0 rejected" in second.stdout
    assert "workspace" in second.stdout and "5 places, 3 notes, 4 events" in second.stdout


def test_import_with_rejections_exits_1(
    invoke: Callable[..., Any], city_files: dict, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"note_id": "z", "user_id": "u", "created_at": "nope", "text": "x"}\n{"note_id": \n'
    )
    rejects = tmp_path / "rejects.csv"
    result = invoke("import", str(city_files["places"]), str(bad), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert (
        f"rejected: {bad} line 1: note_id 'z': created_at 'nope' is not an ISO-8601 timestamp"
        in result.stderr
    )
    assert f"rejected: {bad} line 2: not valid JSON" in result.stderr
    assert "2 notes — 0 added, 0 updated, 0 unchanged, 2 rejected" in result.stdout
    assert rejects.read_text().splitlines()[0] == "file,unit,line,reason"
    assert len(rejects.read_text().splitlines()) == 3
    assert "Traceback" not in result.output


def test_unreadable_file_is_reported_others_imported(
    invoke: Callable[..., Any], city_files: dict, tmp_path: Path
) -> None:
    result = invoke("import", str(tmp_path / "missing.csv"), str(city_files["places"]))
    assert result.exit_code == 1
    assert "missing.csv: no such file" in result.stderr
    assert "5 added" in result.stdout


def test_db_from_environment(
    runner: CliRunner, city_files: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("LOOPMAP_DB", str(db))
    result = runner.invoke(cli, ["import", str(city_files["places"])])
    assert result.exit_code == 0
    assert db.exists()


def test_export_command(invoke: Callable[..., Any], city_files: dict, tmp_path: Path) -> None:
    invoke("import", *[str(p) for p in city_files.values()])
    out = tmp_path / "out" / "places.geojson"
    result = invoke("export", "places", "-o", str(out))
    assert result.exit_code == 0 and "wrote 5 places rows" in result.stdout
    assert out.exists()
    bad = invoke("export", "nothing", "-o", str(tmp_path / "x.csv"))
    assert bad.exit_code == 1 and "choose one of" in bad.output


def test_export_without_workspace(invoke: Callable[..., Any], tmp_path: Path) -> None:
    result = invoke("export", "places", "-o", str(tmp_path / "p.csv"), db=tmp_path / "none.db")
    assert result.exit_code == 1 and "no such workspace" in result.output


def test_bad_workspace_path(invoke: Callable[..., Any], city_files: dict, tmp_path: Path) -> None:
    result = invoke("import", str(city_files["places"]), db=tmp_path / "no" / "dir" / "w.db")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loopmap", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "import" in result.stdout


def test_sample_and_demo_commands(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "city"
    result = runner.invoke(cli, ["sample", str(out), "--notes", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "places.csv",
        "notes.jsonl",
        "events.csv",
        "truth.csv",
    }
    bad = runner.invoke(cli, ["sample", str(tmp_path / "x"), "--city", "atlantis"])
    assert bad.exit_code == 1 and "atlantis" in bad.output
    db = tmp_path / "demo.db"
    args = [
        "demo",
        "--dir",
        str(tmp_path / "demo"),
        "--notes",
        "300",
        "--no-serve",
        "--db",
        str(db),
    ]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "300 notes — 300 added" in first.output and "0 rejected" in first.output
    second = runner.invoke(cli, args)
    assert "sample city already in" in second.output
    assert "300 notes — 0 added, 0 updated, 300 unchanged, 0 rejected" in second.output
    (tmp_path / "demo" / "sample.json").write_text("{not json", encoding="utf-8")
    third = runner.invoke(cli, args)  # a damaged manifest: the sample is made again
    assert third.exit_code == 0, third.output
    assert "sample city already in" not in third.output and "generating" in third.output


def test_shipped_sample_imports_cleanly(invoke: Callable[..., Any]) -> None:
    sample = Path(__file__).parent.parent / "data" / "sample"
    files = [str(sample / f) for f in ("places.csv", "notes.jsonl", "events.csv")]
    result = invoke("import", *files)
    assert result.exit_code == 0, result.output
    assert "2,000 notes — 2,000 added" in result.stdout


def test_build_and_campaign_commands(invoke: Callable[..., Any], tmp_path: Path) -> None:
    sample = Path(__file__).parent.parent / "data" / "sample"
    invoke("import", *[str(sample / f) for f in ("places.csv", "notes.jsonl", "events.csv")])
    built = invoke("build")
    assert built.exit_code == 0, built.output
    assert "geocodes: 2,000 of 2,000 notes geocoded" in built.output
    out = tmp_path / "coffee"
    result = invoke(
        "campaign", "--topic", "coffee", "--city", "上海", "--top", "5", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "index.html",
        "merchants.csv",
        "campaign.json",
        "brief.md",
    }
    again = invoke("campaign", "--topic", "coffee", "--out", str(out))
    assert again.exit_code == 1 and "--force" in again.output
    unknown = invoke("campaign", "--topic", "karaoke", "--out", str(tmp_path / "k"))
    assert unknown.exit_code == 1 and "unknown topic 'karaoke'" in unknown.output
    ranked = invoke("rank", "--topic", "coffee", "--top", "3")
    assert ranked.exit_code == 0, ranked.output
    assert len(ranked.output.strip().splitlines()) == 4  # header + 3 merchants
    report = invoke("report", "--out", str(tmp_path / "loop.md"), "--topic", "coffee", "--top", "3")
    assert report.exit_code == 0, report.output
    assert (tmp_path / "loop.md").read_text(encoding="utf-8").count("coffee") > 3
    bad_report = invoke("report", "--out", str(tmp_path / "loop.pdf"))
    assert bad_report.exit_code == 1 and ".html, .md or .csv" in bad_report.output
    themes = invoke("themes", "-n", "5")
    assert themes.exit_code == 0, themes.output
    assert themes.output.count("terms:") >= 3 and "notes  nearest" in themes.output


def test_serve_on_a_taken_port_is_a_clear_error(
    invoke: Callable[..., Any], city_files: dict
) -> None:
    import socket

    invoke("import", str(city_files["places"]))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
