"""Databases made by each released schema version open, migrate atomically and keep every
annotation exact; a failed migration leaves the file as it was, byte for byte.

The fixtures (tests/fixtures/schema-v*.db) are committed files made by make_schema_fixtures.py
beside them; the newer-schema refusal is tested in tests/core/test_store.py."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from durability_kit import REPO, annotation_rows, assert_sound, connect

from annotations import schema
from annotations.backup import backup
from annotations.model import ANNOTATION_COLUMNS
from annotations.store import Store, StoreError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_spec = importlib.util.spec_from_file_location("make_schema_fixtures", FIXTURES / "make_schema_fixtures.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)

VERSIONS = pytest.mark.parametrize("version", maker.VERSIONS, ids=lambda v: f"v{v}")


def test_every_released_version_has_a_fixture() -> None:
    assert maker.VERSIONS == tuple(range(1, schema.SCHEMA_VERSION + 1)), (
        "a new schema version needs its fixture: add it to VERSIONS in make_schema_fixtures.py and run it")
    for version in maker.VERSIONS:
        assert (FIXTURES / f"schema-v{version}.db").is_file()


def _copy(version: int, tmp_path: Path) -> Path:
    path = tmp_path / f"v{version}.db"
    shutil.copyfile(FIXTURES / f"schema-v{version}.db", path)
    return path


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of penmark's own tables, read by a plain connection."""
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("articles", "tags", "annotations", "events")}
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@VERSIONS
def test_fixture_is_what_its_script_makes(version: int, tmp_path: Path) -> None:
    """The committed file holds exactly the rows the script describes (at its own version)."""
    fixture = FIXTURES / f"schema-v{version}.db"
    assert _user_version(fixture) == version
    made = tmp_path / "made.db"
    maker.build(made, version)
    assert _dump(fixture) == _dump(made)
    conn = connect(fixture)
    try:
        assert annotation_rows(conn) == maker.expected_annotations()
    finally:
        conn.close()


@VERSIONS
def test_old_database_migrates_and_keeps_every_annotation_exact(version: int, tmp_path: Path) -> None:
    path = _copy(version, tmp_path)
    before = _dump(path)
    store = Store.open(path, annotator="alice")
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        notes = {note.id: note for note in store.annotations(include_deleted=True)}
        expected = maker.expected_annotations()
        assert {i: {c: getattr(n, c) for c in ANNOTATION_COLUMNS} for i, n in notes.items()} == expected
        texts = maker.texts()
        for note in notes.values():  # offsets still slice the canonical text to the quote
            assert texts[note.article_id][note.start:note.end] == note.quote
            assert store.article(note.article_id).text == texts[note.article_id]
        assert store.mismatches() == []
        # The facts a reader would check by eye.
        by_key = {key: notes[maker.annotation_id(key)] for key in maker.ANNOTATIONS}
        assert (by_key["a2"].tag, by_key["a2"].note, by_key["a2"].version) == ("quote", "exact words ✅", 3)
        assert by_key["a3"].quote == "Crowds 👨‍👩‍👧‍👦 cheered" and by_key["a4"].quote == "👋🏽"
        assert by_key["a5"].quote == "café" and by_key["a5"].deleted is not None
        assert by_key["a7"].note == "line one\nline two"
        assert "\r" not in texts["wire"] and by_key["a1"].start == len("Seoul, Tuesday.\n")
    finally:
        store.close()
    assert _dump(path) == before  # migrating added indexes and settings, and changed no row
    conn = connect(path)
    try:
        assert_sound(conn)  # both search indexes agree with their tables (v1 and v2 had no articles index)
        assert conn.execute("SELECT v FROM annotations_fts_config WHERE k = 'automerge'").fetchone()[0] == 0
        rows = lambda sql, *args: [tuple(row) for row in conn.execute(sql, args)]
        assert rows("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'doctrine'") == rows(
            "SELECT seq FROM articles WHERE id = 'plain'")
        assert rows("SELECT rowid FROM annotations_fts WHERE annotations_fts MATCH 'spokesman'") == rows(
            "SELECT seq FROM annotations WHERE id = ?", maker.annotation_id("a2"))
    finally:
        conn.close()


@VERSIONS
def test_undo_walks_an_old_event_log(version: int, tmp_path: Path) -> None:
    """The events a version wrote still drive undo and redo after the migration."""
    path = _copy(version, tmp_path)
    a2 = maker.annotation_id("a2")
    with _opened(path, "alice") as store:
        undone = store.undo()  # alice's newest change: the note on a2
        assert (undone.id, undone.note, undone.tag, undone.version) == (a2, "", "quote", 4)
        assert store.undo().tag == "claim"  # then the retag
        assert store.redo().tag == "quote"
    with _opened(path, "bob") as store:
        restored = store.undo()  # bob's newest: the deletion of a5
        assert restored.id == maker.annotation_id("a5") and restored.deleted is None


@contextmanager
def _opened(path: Path, annotator: str) -> Iterator[Store]:
    store = Store.open(path, annotator=annotator)
    try:
        yield store
    finally:
        store.close()


# The migrations up to the current schema and one more, whose last statement fails: from an old
# version every later step runs (and succeeds) before the failure undoes them all.
FAILING = (*schema.MIGRATIONS, ("CREATE TABLE later_notes (x)", "INSERT INTO no_such_table VALUES (1)"))


@VERSIONS
def test_failed_migration_leaves_the_file_untouched(version: int, tmp_path: Path) -> None:
    path = _copy(version, tmp_path)
    original = path.read_bytes()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(StoreError, match="migration failed, database left unchanged"):
            schema.migrate(conn, str(path), FAILING)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'later_notes'").fetchone()[0] == 0
    finally:
        conn.close()
    assert path.read_bytes() == original
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()


@VERSIONS
def test_store_open_with_a_failing_migration_is_refused_untouched(version: int, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole open path: a future penmark whose next migration fails leaves the file as it was
    and readable by the penmark that made it."""
    path = _copy(version, tmp_path)
    original = path.read_bytes()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(FAILING))
    monkeypatch.setattr(schema, "migrate", functools.partial(schema.migrate, migrations=FAILING))
    with pytest.raises(StoreError, match="no such table: no_such_table"):
        Store.open(path)
    assert path.read_bytes() == original
    assert not Path(f"{path}-wal").exists()
    monkeypatch.undo()
    store = Store.open(path)  # and this penmark opens (and migrates) it as before
    try:
        assert {note.id for note in store.annotations(include_deleted=True)} == set(maker.expected_annotations())
    finally:
        store.close()


OPEN_AT = """
import sys, time
from annotations.store import Store
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
Store.open(sys.argv[1]).close()
"""


def test_three_processes_opening_an_old_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = _copy(1, tmp_path)
    start = str(time.time() + 0.5)
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, str(path), start], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err  # the second and third find it migrated under the lock
    assert _user_version(path) == schema.SCHEMA_VERSION
    assert _dump(path) == _dump(FIXTURES / "schema-v1.db")
    conn = connect(path)
    try:
        assert_sound(conn)
        assert conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'minister'").fetchone()[0] == 1
    finally:
        conn.close()


@VERSIONS
def test_backup_of_an_old_database_is_not_migrated(version: int, tmp_path: Path) -> None:
    """A backup is what one takes before an upgrade: the copy and the source stay at their version."""
    path = _copy(version, tmp_path)
    original = path.read_bytes()
    report = backup(path, tmp_path / "copy.db")
    assert report.schema_version == version and _user_version(tmp_path / "copy.db") == version
    assert (report.articles, report.annotations) == (3, 6)
    assert path.read_bytes() == original
    assert _dump(tmp_path / "copy.db") == _dump(path)
