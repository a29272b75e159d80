"""`penmark backup`: a consistent, verified copy taken while another process writes; it never
replaces a file unasked and says in one line why it could not write."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from durability_kit import (
    REPO,
    annotation_rows,
    assert_sound,
    connect,
    env_without_penmark,
    kill,
    parse_log,
    spawn,
    wait_for_line,
)

from annotations import schema
from annotations.backup import BackupError, backup
from annotations.store import Store


def penmark(db: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", "--db", str(db), *args], cwd=REPO,
                          env=env_without_penmark(home), capture_output=True, text=True, timeout=60, check=False)


def acknowledged(out: Path) -> dict[str, dict]:
    """Each annotation's newest acknowledged state so far."""
    return {state["id"]: state for state in parse_log(out.read_text(encoding="utf-8"))[0]}


def assert_valid_copy(copy: Path, saved: dict[str, dict]) -> dict[str, dict]:
    """``copy`` is a sound penmark database of one moment that holds every state in ``saved``
    (or a later one of it); returns its annotations."""
    assert not Path(f"{copy}-wal").exists() and not Path(f"{copy}-journal").exists()
    conn = connect(copy)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert_sound(conn)
        rows = annotation_rows(conn)
        # One moment, not a mix of two: each annotation has exactly one logged event per version.
        logged = dict(conn.execute("SELECT annotation_id, count(*) FROM events GROUP BY annotation_id").fetchall())
    finally:
        conn.close()
    assert {note_id: row["version"] for note_id, row in rows.items()} == logged
    missing = sorted(set(saved) - set(rows))
    assert not missing, f"acknowledged before the backup began, missing from it: {missing}"
    for note_id, state in saved.items():
        assert rows[note_id]["version"] >= state["version"]
        if rows[note_id]["version"] == state["version"]:
            assert rows[note_id] == state
    store = Store.open(copy)  # penmark itself opens it
    try:
        assert store.mismatches() == []
        assert {note.id for note in store.annotations(include_deleted=True)} == set(rows)
    finally:
        store.close()
    return rows


def test_backup_while_another_process_writes(corpus_db: Path, tmp_path: Path) -> None:
    out, err = tmp_path / "writer.out", tmp_path / "writer.err"
    writer = spawn("ops", str(corpus_db), "11", "busy", "--app", out=out, err=err)
    copies = tmp_path / "copies"
    copies.mkdir()
    try:
        wait_for_line(writer, out, err, "ready")
        while len(acknowledged(out)) < 10:
            time.sleep(0.005)
        before = acknowledged(out)
        done = penmark(corpus_db, tmp_path / "home", "backup", str(copies / "cli.db"))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"backed up {corpus_db} to {copies / 'cli.db'}: ") and done.stderr == ""
        taken = [("cli.db", before)]
        for n in range(4):  # and a few more through the core, back to back
            saved = acknowledged(out)
            backup(corpus_db, copies / f"core{n}.db")
            taken.append((f"core{n}.db", saved))
        assert len(acknowledged(out)) > len(before), "the writer was not writing during the backups"
    finally:
        assert kill(writer, err)
    assert sorted(p.name for p in copies.iterdir()) == sorted(name for name, _ in taken)  # no part files
    counts = [len(assert_valid_copy(copies / name, saved)) for name, saved in taken]
    assert counts[0] >= len(before) and counts == sorted(counts)


def test_backup_refuses_to_replace_a_file_without_force(corpus_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    target.write_bytes(b"last week's backup")
    home = tmp_path / "home"
    done = penmark(corpus_db, home, "backup", str(target))
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == f"penmark: {target}: already exists (use --force to replace it)\n"
    assert target.read_bytes() == b"last week's backup"

    done = penmark(corpus_db, home, "backup", str(target), "--force")
    assert done.returncode == 0, done.stderr
    assert "3 articles" in done.stdout
    assert_valid_copy(target, {})
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _can_write(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.fixture
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can create files in: read-only permissions, and for root (whom permissions
    do not stop) the immutable attribute as well."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = _can_write(folder)
    if immutable:
        subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True)
    try:
        assert not _can_write(folder)
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True, capture_output=True)
        folder.chmod(0o755)


def test_backup_into_an_unwritable_folder_says_why(corpus_db: Path, tmp_path: Path, locked_folder: Path) -> None:
    target = locked_folder / "backup.db"
    done = penmark(corpus_db, tmp_path / "home", "backup", str(target))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"penmark: {target}: cannot write in folder {locked_folder} (")
    assert "ermission denied" in lines[0] or "not permitted" in lines[0] or "ead-only" in lines[0]
    assert list(locked_folder.iterdir()) == []


@pytest.mark.parametrize("case", ["missing folder", "the database itself", "a folder", "no database", "not penmark"])
def test_backup_refusals_name_the_path_and_reason(corpus_db: Path, tmp_path: Path, case: str) -> None:
    source, target = corpus_db, tmp_path / "copy.db"
    if case == "missing folder":
        target, reason = tmp_path / "no" / "copy.db", f"folder {tmp_path / 'no'} does not exist"
    elif case == "the database itself":
        target, reason = corpus_db, "is the database itself"
    elif case == "a folder":
        target, reason = tmp_path, "is a folder"
    elif case == "no database":
        source, reason = tmp_path / "none.db", "no database there"
    else:
        source, reason = tmp_path / "notes.txt", "not a penmark database"
        source.write_text("not a database " * 100)
    before = corpus_db.read_bytes()
    with pytest.raises(BackupError) as refused:
        backup(source, target, force=True)
    message = str(refused.value)
    assert "\n" not in message and reason in message
    assert message.startswith(f"{target if case not in ('no database', 'not penmark') else source}: ")
    assert corpus_db.read_bytes() == before
    assert not (tmp_path / "none.db").exists()  # never creates a database where there was none
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_backup_keeps_the_original_permissions(corpus_db: Path, tmp_path: Path) -> None:
    corpus_db.chmod(0o640)
    report = backup(corpus_db, tmp_path / "copy.db")
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o640
    assert (report.articles, report.annotations, report.schema_version) == (3, 0, schema.SCHEMA_VERSION)


def test_backup_module_does_not_load_the_interface() -> None:
    probe = "import annotations.backup, json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=True)
    loaded = set(json.loads(done.stdout))
    assert "annotations" in loaded and loaded.isdisjoint({"textual", "rich", "tui"})


def test_a_backup_restores(corpus_db: Path, tmp_path: Path) -> None:
    """Copied back in place of a lost database, the backup is the database as it was."""
    store = Store.open(corpus_db, annotator="restorer")
    kept = store.create("emoji", 4, 18, "quote", note="a family emoji 👨‍👩‍👧‍👦")
    store.close()
    backup(corpus_db, tmp_path / "copy.db")
    for name in (corpus_db, Path(f"{corpus_db}-wal"), Path(f"{corpus_db}-shm")):
        name.unlink(missing_ok=True)
    os.replace(tmp_path / "copy.db", corpus_db)
    store = Store.open(corpus_db)
    try:
        assert store.annotation(kept.id) == kept
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()
    conn = sqlite3.connect(corpus_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_a_copy_that_fails_its_integrity_check_is_not_put_in_place(corpus_db: Path, tmp_path: Path) -> None:
    """A damaged database (here an index that no longer matches its table) is copied page for
    page, the check finds the damage, and nothing lands at the target."""
    store = Store.open(corpus_db)
    store.create("prose", 0, 12, "claim")
    store.close()
    conn = sqlite3.connect(corpus_db, isolation_level=None)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX annotations_by_article ON annotations(tag, start)' "
                     "WHERE name = 'annotations_by_article'")
    finally:
        conn.close()
    target = tmp_path / "copy.db"
    with pytest.raises(BackupError) as refused:
        backup(corpus_db, target)
    assert str(refused.value).startswith(f"{target}: the copy of {corpus_db} failed its integrity check (row ")
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
