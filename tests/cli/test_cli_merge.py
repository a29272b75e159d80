"""`penmark merge OTHER.db ...` end to end in a subprocess."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from test_cli import Penmark  # tests/cli is on sys.path (rootdir-relative imports)

from annotations.schema import SCHEMA_VERSION
from annotations.store import Store

TEXT = "The minister said the tests would continue. Critics called it a provocation."
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def penmark(tmp_path: Path) -> Penmark:
    return Penmark(tmp_path / "p.db", tmp_path / "home")


def _annotate(path: Path, annotator: str, start: int, end: int, tag: str, note: str = "") -> str:
    store = Store.open(path, annotator=annotator)
    try:
        article = store.add_article(TEXT, "Wire", id="wire").article.id
        return store.create(article, start, end, tag, note).id
    finally:
        store.close()


def test_merge_reports_each_file_and_conflicts(penmark: Penmark, tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice.db", tmp_path / "bob.db"
    shared = _annotate(alice, "alice", 4, 12, "claim")
    shutil.copyfile(alice, bob)
    store = Store.open(alice, annotator="alice")
    store.set_note(shared, "alice's")  # both change the shared annotation: a conflict
    store.close()
    store = Store.open(bob, annotator="bob")
    store.retag(shared, "opinion")
    store.create("wire", 44, 51, "quote")
    store.close()

    done = penmark("merge", str(alice), str(bob))
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == f"{alice}: 1 article added, 1 annotation added, 0 updated, 0 already present, 0 conflicts, 2 events added"
    assert lines[1] == f"{bob}: 0 articles added, 2 annotations added, 0 updated, 0 already present, 1 conflict, 2 events added"
    assert lines[2].startswith(f"{bob}: conflict: annotation {shared} differs here; kept theirs as ")
    assert len(lines) == 3
    assert sorted(r["annotations"] for r in penmark.listed()) == [{"claim": 1, "opinion": 1, "quote": 1}]

    again = penmark("merge", str(bob))
    assert again.stdout.strip() == (f"{bob}: 0 articles added, 0 annotations added, 0 updated, 2 already present, "
                                    "0 conflicts, 0 events added")


def test_a_change_made_in_the_other_database_only_is_an_update(penmark: Penmark, tmp_path: Path) -> None:
    bob = tmp_path / "bob.db"
    shared = _annotate(bob, "bob", 4, 12, "claim")
    penmark("merge", str(bob))
    store = Store.open(bob, annotator="bob")
    store.retag(shared, "opinion")
    store.close()
    done = penmark("merge", str(bob))
    assert done.stdout.strip() == (f"{bob}: 0 articles added, 0 annotations added, 1 updated, 0 already present, "
                                   "0 conflicts, 1 event added")
    assert [r["annotations"] for r in penmark.listed()] == [{"opinion": 1}]


def test_a_refused_file_is_one_line_and_the_others_still_merge(penmark: Penmark, tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    _annotate(good, "bob", 4, 12, "claim")
    newer = tmp_path / "newer.db"
    shutil.copyfile(FIXTURES / "schema-v1.db", newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database " * 100)

    done = penmark("merge", str(tmp_path / "missing.db"), str(newer), str(text), str(good), check=1)
    lines = done.stderr.splitlines()
    assert lines == [
        f"penmark: {tmp_path / 'missing.db'}: no such file",
        (f"penmark: {newer}: made by a newer penmark (schema {SCHEMA_VERSION + 1}; this one knows up to "
         f"{SCHEMA_VERSION}); upgrade penmark to merge it"),
        f"penmark: {text}: not a penmark database (file is not a database)",
    ]
    assert done.stdout.startswith(f"{good}: 1 article added, 1 annotation added")
    assert [r["annotations"] for r in penmark.listed()] == [{"claim": 1}]
