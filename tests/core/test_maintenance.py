"""The app's background upkeep: WAL checkpoints and search-index merges off the saving thread."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotations.maintenance import Maintenance
from annotations.store import Store

TEXT = "Officials confirmed the missile test on Tuesday. Analysts doubted the claim. " * 20


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "maintenance did not get there in time"
        time.sleep(0.02)


@pytest.fixture
def app_store(db_path: Path) -> Iterator[tuple[Store, Maintenance]]:
    """A store opened as the app opens it, with its maintenance thread running fast."""
    store = Store.open(db_path, annotator="alice", autocheckpoint=False)
    maintenance = Maintenance(db_path, interval=0.02, idle=0.1, checkpoint_every=1000).start()
    store.commit_hooks.append(maintenance.committed)
    yield store, maintenance
    maintenance.stop()
    store.close()


def checkpointed_annotations(db_path: Path) -> int:
    """Annotations in the database file itself, ignoring the WAL: what checkpoints copied."""
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()


def test_saves_do_not_checkpoint_but_the_thread_does_when_idle(db_path: Path) -> None:
    store = Store.open(db_path, annotator="alice", autocheckpoint=False)
    store.checkpoint()
    article = store.add_article(TEXT, "Test").article.id
    maintenance = Maintenance(db_path, interval=0.02, idle=0.3, checkpoint_every=1000)
    store.commit_hooks.append(maintenance.committed)
    try:
        for n in range(5):
            store.create(article, n * 10, n * 10 + 8, "claim")
        assert checkpointed_annotations(db_path) == 0  # all five are still only in the WAL
        maintenance.start()
        wait_for(lambda: maintenance.checkpoints >= 1)
        assert checkpointed_annotations(db_path) == 5
    finally:
        maintenance.stop()
        store.close()


def test_a_busy_interface_is_checkpointed_every_so_many_commits(db_path: Path) -> None:
    store = Store.open(db_path, annotator="alice", autocheckpoint=False)
    article = store.add_article(TEXT, "Test").article.id
    maintenance = Maintenance(db_path, interval=0.02, idle=3600, checkpoint_every=10).start()
    store.commit_hooks.append(maintenance.committed)
    try:
        for n in range(10):
            store.create(article, n * 10, n * 10 + 8, "claim")
        wait_for(lambda: maintenance.checkpoints >= 1)  # never idle, yet checkpointed
    finally:
        maintenance.stop()
        store.close()


def test_saves_leave_index_merging_to_the_thread(app_store: tuple[Store, Maintenance], db_path: Path) -> None:
    store, maintenance = app_store
    automerge = store.conn.execute("SELECT v FROM annotations_fts_config WHERE k = 'automerge'").fetchone()
    assert automerge == (0,)
    article = store.add_article(TEXT, "Test").article.id
    for n in range(30):  # one index segment per save
        store.create(article, n * 10, n * 10 + 8, "claim", note=f"note{n}")
    wait_for(lambda: maintenance.merge_steps >= 1 and maintenance._merged)
    with store.transaction() as conn:  # raises if the index is inconsistent with the table
        conn.execute("INSERT INTO annotations_fts(annotations_fts, rank) VALUES ('integrity-check', 1)")
    found = store.conn.execute(
        "SELECT count(*) FROM annotations_fts WHERE annotations_fts MATCH 'note17'"
    ).fetchone()
    assert found == (1,)


def test_stop_closes_its_connection_and_the_store_closes_cleanly(app_store: tuple[Store, Maintenance]) -> None:
    store, maintenance = app_store
    store.add_article(TEXT, "Test")
    maintenance.stop()
    assert not maintenance._thread.is_alive()
