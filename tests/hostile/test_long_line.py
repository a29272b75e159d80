"""A single 10 MB line: it imports whole, and the reader opens it and moves without hanging.

The reader runs headless (Pilot) in a child process, so a hang is cut off at a deadline instead
of stalling the suite: a render that never returns would block the test's own event loop.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations.importer import import_paths
from annotations.store import Store

REPO = Path(__file__).resolve().parents[2]
SIZE = 10_000_000
SENTENCE = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
OPEN_SECONDS = 8  # from starting Python to the reader on screen (about 3 s would be expected)
KEY_SECONDS = 3  # per key press, drawn

READER = r"""
import asyncio, json, sys, time
started = time.monotonic()
from annotations.store import Store
from tui.app import PenmarkApp

def say(**fields):
    print(json.dumps(fields), flush=True)

async def main(db, article):
    store = Store.open(db, annotator="long")
    app = PenmarkApp(store, open_ids=[article])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.screen.pane.view
        say(stage="opened", screen=type(app.screen).__name__, length=view.index.length, row=view.cursor_location[0],
            seconds=round(time.monotonic() - started, 2))
        for key in sys.argv[3:]:
            begun = time.monotonic()
            await pilot.press(key)
            await pilot.pause()
            say(stage=key, offset=view.cursor_offset, seconds=round(time.monotonic() - begun, 2))
    store.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


class Child:
    """A Python child whose JSON lines are read against deadlines; killed when done with."""

    def __init__(self, code: str, *args: str, tmp: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PENMARK_", "TEXTUAL"))}
        env.update(HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "data"))
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pending = b""

    def next(self, seconds: float) -> dict | None:
        """The next line the child prints within ``seconds``, or None."""
        deadline = time.monotonic() + seconds
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        return self.proc.stderr.read().decode(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def long_line(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A 10 MB file of one line imported into a database: (database, article id, text)."""
    folder = tmp_path_factory.mktemp("long")
    text = (SENTENCE * (SIZE // len(SENTENCE) + 1))[:SIZE]
    path = folder / "one-line.txt"
    path.write_text(text, encoding="utf-8")
    db = folder / "long.db"
    store = Store.open(db, annotator="long")
    try:
        report = import_paths(store, [path])
        assert report.ok, report.refused
        article = report.added[0].id
    finally:
        store.close()
    return db, article, text


def test_a_10_mb_line_imports_whole(long_line: tuple[Path, str, str]) -> None:
    db, article, text = long_line
    store = Store.open(db, annotator="long")
    try:
        stored = store.article(article)
        assert stored.text == text and len(stored.text) == SIZE and "\n" not in stored.text
        assert len(stored.title) <= 160 and stored.title.startswith("Lorem ipsum dolor sit amet")
    finally:
        store.close()


def test_the_reader_opens_a_10_mb_line_and_the_cursor_moves(long_line: tuple[Path, str, str], tmp_path: Path) -> None:
    db, article, text = long_line
    keys = ["down", "down", "pagedown", "end", "right", "v", "w", "1"]
    child = Child(READER, str(db), article, *keys, tmp=tmp_path)
    seen: list[dict] = []
    try:
        opened = child.next(OPEN_SECONDS)
        assert opened is not None, f"the reader did not show a 10 MB line within {OPEN_SECONDS} s"
        assert (opened["screen"], opened["length"], opened["row"]) == ("ReaderScreen", SIZE, 0)
        for key in keys:
            moved = child.next(KEY_SECONDS)
            assert moved is not None, f"{key!r} took over {KEY_SECONDS} s after {seen}"
            seen.append(moved)
        assert child.proc.wait(timeout=10) == 0
    finally:
        errors = child.stop()
    assert "Traceback" not in errors, errors
    offsets = [step["offset"] for step in seen]
    assert 0 < offsets[0] < offsets[1] < offsets[2] <= offsets[3] < offsets[4] < SIZE, seen
    # v, w, 1: a word from the cursor on, tagged and saved with exact offsets.
    store = Store.open(db, annotator="long")
    try:
        (note,) = store.annotations(article)
        assert note.tag == "claim" and note.start >= offsets[4] and text[note.start : note.end] == note.quote
    finally:
        store.close()


def test_the_sentence_under_the_cursor_in_a_10_mb_paragraph(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from annotations.segment import sentence_at\n"
        f"text = ({SENTENCE!r} * {SIZE // len(SENTENCE) + 1})[:{SIZE}]\n"
        "print(json.dumps(sentence_at(text, 1_000_000)), flush=True)\n"
    )
    child = Child(code, tmp=tmp_path)
    try:
        span = child.next(3)
    finally:
        child.stop()
    assert span is not None, "no sentence within 3 s"
    start, end = span
    assert start <= 1_000_000 < end and end - start < 200
