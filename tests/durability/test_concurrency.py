"""Four processes writing one database at once, and the command line reading it meanwhile: nobody
sees "database is locked" (BEGIN IMMEDIATE and a busy timeout queue them), nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from itertools import pairwise
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
from annotations.store import Store

WRITERS = 4
CREATES = 40  # each writer's; with its edits about 70 saves each


def test_four_writers_at_once_lose_nothing(corpus_db: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    logs = [(tmp_path / f"w{n}.out", tmp_path / f"w{n}.err") for n in range(WRITERS)]
    procs = [
        spawn("ops", str(corpus_db), str(n), f"writer-{n}", "--creates", str(CREATES), "--go", str(go), "--pause", "6",
              *(["--app"] if n % 2 else []), out=out, err=err)
        for n, (out, err) in enumerate(logs)
    ]
    for proc, (out, err) in zip(procs, logs, strict=True):
        wait_for_line(proc, out, err, "ready")
    go.touch()  # all four start saving at the same moment
    for proc in procs:
        proc.wait(timeout=60)

    expected: dict[str, dict] = {}
    changes = 0
    for n, (proc, (out, err)) in enumerate(zip(procs, logs, strict=True)):
        errors = err.read_text()
        assert "locked" not in errors and "busy" not in errors, errors
        assert proc.returncode == 0, errors
        acks, pending = parse_log(out.read_text(encoding="utf-8"))
        assert pending is None
        assert sum(state["version"] == 1 for state in acks) == CREATES
        assert {state["annotator"] for state in acks} == {f"writer-{n}"}
        changes += len(acks)
        for state in acks:
            expected[state["id"]] = state

    conn = connect(corpus_db)
    try:
        assert_sound(conn)
        rows = annotation_rows(conn)
        assert len(rows) == WRITERS * CREATES
        assert rows == expected  # every row present, each exactly as its last save left it
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == changes
        per_writer = dict(conn.execute("SELECT annotator, count(*) FROM annotations GROUP BY annotator").fetchall())
        assert per_writer == {f"writer-{n}": CREATES for n in range(WRITERS)}
        # They really wrote at the same time: their saves interleave in the log (one after the
        # other would switch writers only three times).
        order = [row[0] for row in conn.execute("SELECT annotator FROM events ORDER BY seq")]
        switches = sum(a != b for a, b in pairwise(order))
        assert switches > WRITERS - 1, f"the writers took turns instead of writing at once ({switches} switches)"
    finally:
        conn.close()


def _penmark(db: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", "--db", str(db), *args], cwd=REPO,
                          env=env_without_penmark(home), capture_output=True, text=True, timeout=60, check=False)


def test_cli_reads_and_exports_while_another_process_writes(corpus_db: Path, tmp_path: Path) -> None:
    out, err = tmp_path / "writer.out", tmp_path / "writer.err"
    writer = spawn("ops", str(corpus_db), "7", "busy-annotator", "--app", out=out, err=err)
    try:
        wait_for_line(writer, out, err, "ready")
        while len(parse_log(out.read_text(encoding="utf-8"))[0]) < 10:  # some saves to export
            time.sleep(0.005)
        home = tmp_path / "home"
        listed = _penmark(corpus_db, home, "list", "--json")
        assert listed.returncode == 0 and listed.stderr == "", listed.stderr
        assert sorted(json.loads(line)["id"] for line in listed.stdout.splitlines()) == ["crlf", "emoji", "prose"]

        stats = _penmark(corpus_db, home, "stats", "--json")
        assert stats.returncode == 0 and stats.stderr == "", stats.stderr
        assert json.loads(stats.stdout)["articles"] == 3

        before, _ = parse_log(out.read_text(encoding="utf-8"))  # acknowledged before the export began
        target = tmp_path / "export.jsonl"
        exported = _penmark(corpus_db, home, "export", "--format", "jsonl", "-o", str(target))
        assert exported.returncode == 0, exported.stderr
        assert exported.stderr.startswith("penmark: exported ") and "locked" not in exported.stderr
        during, _ = parse_log(out.read_text(encoding="utf-8"))
        assert len(during) > len(before), "the writer was not writing during the export"
    finally:
        assert kill(writer, err)

    acks, pending = parse_log(out.read_text(encoding="utf-8"))
    deleted_since = {s["id"] for s in acks[len(before):] if s["deleted"]}
    if pending and pending["intent"] == "delete":
        deleted_since.add(pending["id"])
    latest = {state["id"]: state for state in before}  # each one's newest state as the export began
    live_before = {note_id for note_id, state in latest.items() if not state["deleted"]}
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    texts = {record["id"]: record["text"] for record in records}
    notes = {note["id"]: (record["id"], note) for record in records for note in record["annotations"]}
    for article_id, note in notes.values():  # a consistent snapshot: every span intact
        assert texts[article_id][note["start"]:note["end"]] == note["quote"]
    missing = set(live_before) - deleted_since - set(notes)
    assert not missing, f"annotations saved before the export began are not in it: {sorted(missing)}"
    conn = connect(corpus_db)
    try:
        rows = annotation_rows(conn)
    finally:
        conn.close()
    assert set(notes) <= set(rows)


def test_two_processes_creating_one_database_at_once_both_open_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving that happens when two terminals start penmark on a new database together,
    made certain: the other process migrates the file between this one's two reads."""
    path = tmp_path / "new.db"
    real_connect = sqlite3.connect
    raced = []

    class Interleaved(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if sql.startswith("SELECT count(*) FROM sqlite_master") and not raced:
                raced.append(True)
                Store.open(path, annotator="other terminal").close()
            return super().execute(sql, *args)

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        return real_connect(*args, **kwargs, **({} if raced else {"factory": Interleaved}))

    monkeypatch.setattr(sqlite3, "connect", connect)
    store = Store.open(path, annotator="this terminal")
    try:
        assert raced and store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    finally:
        store.close()
