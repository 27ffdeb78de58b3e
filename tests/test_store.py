"""The workspace database: WAL, versioned schema, migrations, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loopmap._errors import WorkspaceError
from loopmap.store import SCHEMA_VERSION, Workspace, _statements


def test_new_workspace_is_wal_and_current(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.db") as ws:
        assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.schema_version() == SCHEMA_VERSION
        assert ws.counts() == {"places": 0, "notes": 0, "events": 0}
        tables = {
            r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"places", "notes", "events", "meta", "imports"} <= tables


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.db") as ws:
        ws.set_meta("k", "v")
    with Workspace(tmp_path / "w.db") as ws:
        assert ws.get_meta("k") == "v"
        assert ws.get_meta("absent", "d") == "d"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    Workspace(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(WorkspaceError, match="newer than this loopmap understands"):
        Workspace(path)


def test_later_migrations_apply_to_old_workspaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopmap import store

    path = tmp_path / "w.db"
    Workspace(path).close()
    extra = "CREATE TABLE later (k TEXT PRIMARY KEY, v TEXT DEFAULT 'a;b');"
    monkeypatch.setattr(store, "MIGRATIONS", (*store.MIGRATIONS, extra))
    monkeypatch.setattr(store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Workspace(path) as ws:
        assert ws.schema_version() == SCHEMA_VERSION + 1
        ws.conn.execute("INSERT INTO later(k) VALUES ('x')")
        assert ws.conn.execute("SELECT v FROM later").fetchone()[0] == "a;b"


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    path.write_text("hello, not sqlite " * 100)
    with pytest.raises(WorkspaceError, match="not a loopmap workspace"):
        Workspace(path)
    with pytest.raises(WorkspaceError, match="is a directory"):
        Workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace(tmp_path / "nope" / "w.db")


def test_transaction_rolls_back(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.db") as ws:
        with pytest.raises(RuntimeError), ws.transaction():
            ws.set_meta("k", "v")
            raise RuntimeError
        assert ws.get_meta("k") is None


def test_statement_splitter_respects_strings() -> None:
    script = "CREATE TABLE a (x TEXT DEFAULT ';');\nCREATE TABLE b (y INT);\n"
    assert len(list(_statements(script))) == 2


def test_a_version_4_workspace_gains_the_heat_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopmap import store

    path = tmp_path / "w.db"
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", store.MIGRATIONS[:4])
        m.setattr(store, "SCHEMA_VERSION", 4)
        with Workspace(path) as ws:
            ws.conn.execute("INSERT INTO topics VALUES ('n1', 'coffee', 0.9)")
    with Workspace(path) as ws:
        assert ws.schema_version() == SCHEMA_VERSION
        names = {r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"topics_topic_note", "geocodes_note_point"} <= names
        assert "topics_topic" not in names
        plan = " ".join(
            str(r[-1])
            for r in ws.conn.execute(
                "EXPLAIN QUERY PLAN SELECT g.lat, g.lon FROM geocodes g "
                "JOIN topics t ON t.note_id = g.note_id WHERE t.topic = 'coffee' "
                "AND g.lat BETWEEN 31 AND 32"
            )
        )
        assert plan.count("COVERING INDEX") == 2, plan
        assert ws.conn.execute("SELECT count(*) FROM topics").fetchone()[0] == 1
