"""Background upkeep for a database an interface writes to: WAL checkpoints and search-index merges.

Both used to happen inside a save: SQLite's automatic checkpoint copies the WAL into the database
every 1,000 pages, and FTS5 merges index segments every few commits; on a million annotations
either stalled a save by 20-400 ms. The app's store commits with both turned off, and this
thread does the work instead, on a connection of its own:

* a passive checkpoint (never blocks a writer) after ``checkpoint_every`` commits, or once the
  interface has been idle for ``idle`` seconds;
* small steps of FTS5 merging, only while idle, each its own short transaction, skipped when a
  save holds the write lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from . import schema

MERGE_PAGES = 64  # index pages merged per step: a few milliseconds of work


class Maintenance:
    def __init__(
        self, path: str | Path, *, interval: float = 0.5, idle: float = 2.0, checkpoint_every: int = 200
    ) -> None:
        self.path = Path(path)
        self.interval = interval
        self.idle = idle
        self.checkpoint_every = checkpoint_every
        self._lock = threading.Lock()
        self._commits = 0
        self._last_commit = time.monotonic()
        self._merged = False  # True once a merge step found nothing left to do
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="penmark-maintenance", daemon=True)
        self.checkpoints = 0  # for tests and curiosity
        self.merge_steps = 0

    def start(self) -> Maintenance:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def committed(self) -> None:
        """Called by the store after each of its commits."""
        with self._lock:
            self._commits += 1
            self._last_commit = time.monotonic()
            self._merged = False

    def _run(self) -> None:
        conn = schema.connect(self.path, autocheckpoint=False)
        conn.execute("PRAGMA busy_timeout = 0")  # never queue behind a save: try again later
        try:
            while not self._stop.wait(self.interval):
                self.step(conn)
        finally:
            conn.close()

    def step(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            commits, idle = self._commits, time.monotonic() - self._last_commit >= self.idle
            merge = idle and not self._merged
        if commits >= self.checkpoint_every or (commits and idle):
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy:
                with self._lock:
                    self._commits -= commits
                self.checkpoints += 1
        if merge:
            self._merge_step(conn)

    def _merge_step(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # a save holds the lock: it goes first
            return
        try:
            before = conn.total_changes
            conn.execute("INSERT INTO annotations_fts(annotations_fts, rank) VALUES ('merge', ?)", (MERGE_PAGES,))
            conn.execute("COMMIT")
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            raise
        self.merge_steps += 1
        with self._lock:
            if conn.total_changes - before <= 1:  # the command's own row: nothing left to merge
                self._merged = True
            else:
                self._commits += 1  # its pages are in the WAL now: checkpoint them too
