"""Helpers for the durability tests: child writer processes, and reading a database as a stranger.

A module of its own (not conftest.py) so the tests can import it by a name no other folder uses."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations.model import ANNOTATION_COLUMNS
from annotations.store import Store

REPO = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("writer.py")

# Three small articles the writers annotate: plain prose, emoji and accents, and CRLF text (the
# store keeps it with LF; every offset refers to that canonical text).
ARTICLES = {
    "prose": "The minister said on Tuesday that the tests would continue. Critics called it a provocation "
             "and demanded sanctions. Analysts were divided: some saw a bluff, others a new doctrine. "
             "Officials declined to comment further, citing the ongoing review of the programme.",
    "emoji": "The family 👨‍👩‍👧‍👦 waved at the parade; a reporter 👋🏽 asked the naïve question at the café "
             "(written cafe\u0301 in the wire copy). Flags 🇰🇷 and 🇯🇵 lined the route, and the crowd cheered.",
    "crlf": "Line one of a wire story.\r\nLine two continues the report.\r\n\r\nA second paragraph "
            "after a blank line.\r\nIt ends here.\r\n",
}


def make_corpus(path: Path) -> Store:
    """A store at ``path`` holding ``ARTICLES`` (returned open; the caller closes it)."""
    store = Store.open(path, annotator="setup")
    for name, text in ARTICLES.items():
        store.add_article(text, name.title(), id=name)
    return store


def spawn(*args: str, out: Path, err: Path) -> subprocess.Popen:
    """Run writer.py with ``args``, its stdout and stderr going to files (a pipe could fill up and
    stall the child; a file keeps whatever was flushed before a SIGKILL)."""
    with out.open("wb") as stdout, err.open("wb") as stderr:
        return subprocess.Popen([sys.executable, str(WRITER), *args], cwd=REPO, stdout=stdout, stderr=stderr)


def wait_for_line(proc: subprocess.Popen, out: Path, err: Path, line: str, timeout: float = 20) -> None:
    """Block until the child printed ``line`` (a whole line); fail with its stderr if it died."""
    deadline = time.monotonic() + timeout
    wanted = line.encode() + b"\n"
    while True:
        data = out.read_bytes()
        if data.startswith(wanted) or b"\n" + wanted in data:
            return
        if proc.poll() is not None:
            pytest.fail(f"writer exited {proc.returncode} before {line!r}:\n{err.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"writer did not print {line!r} within {timeout} s")
        time.sleep(0.001)


def kill(proc: subprocess.Popen, err: Path) -> bool:
    """SIGKILL the child: True if that stopped it, False if it had already finished its work
    (exit status 0); a child that failed on its own fails the test."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode in (0, -signal.SIGKILL), f"writer exited {proc.returncode}:\n{err.read_text()}"
    return proc.returncode != 0


def connect(path: Path) -> sqlite3.Connection:
    """A plain connection of a process that is not penmark (the tests' second opinion)."""
    conn = sqlite3.connect(path, timeout=20)
    conn.row_factory = sqlite3.Row
    return conn


def annotation_rows(conn: sqlite3.Connection) -> dict[str, dict]:
    columns = ", ".join(f'"{c}"' for c in ANNOTATION_COLUMNS)
    return {row["id"]: dict(row) for row in conn.execute(f"SELECT {columns} FROM annotations")}


def assert_sound(conn: sqlite3.Connection) -> None:
    """SQLite's own checks, and both search indexes agree with their tables."""
    assert [tuple(r) for r in conn.execute("PRAGMA integrity_check")] == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in ("annotations_fts", "articles_fts"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")  # raises if not


def parse_log(text: str) -> tuple[list[dict], dict | None]:
    """What a writer acknowledged, in order, and the intent it was killed in (if any). A line
    cut off by the kill (no newline yet) was never acknowledged and is ignored."""
    lines = text.split("\n")[:-1]
    assert lines and lines[0] == "ready", text[:200]
    acks: list[dict] = []
    pending = None
    for line in lines[1:]:
        record = json.loads(line)
        if "intent" in record:
            assert pending is None, line
            pending = record
        else:
            assert pending is not None and record["ack"] == pending["intent"], line
            acks.append(record["state"])
            pending = None
    return acks, pending


def env_without_penmark(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PENMARK_")}
    env.update(PENMARK_ANNOTATOR="durability", HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    return env
