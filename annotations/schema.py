"""Opening a penmark database: pragmas, explicit schema versions, atomic migrations.

The schema version lives in ``PRAGMA user_version``. Each migration is a list of statements run in
one ``BEGIN IMMEDIATE`` transaction together with the version bump, so a failed migration leaves
the file as it was. A database from a newer penmark is refused before anything is written to it
(even switching to WAL would rewrite its header).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from .errors import PenmarkError

BUSY_TIMEOUT_MS = 10_000


def _external_fts(table: str, columns: tuple[str, str]) -> tuple[str, ...]:
    """An FTS5 index over ``columns`` of ``table`` (external content, keyed by ``seq``), and the
    triggers that keep it in step with every insert, delete and update of those columns."""
    fts, cols = f"{table}_fts", ", ".join(columns)
    new, old = (", ".join(f"{prefix}.{c}" for c in columns) for prefix in ("new", "old"))
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.seq, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.seq, {new});"
    return (
        f"""CREATE VIRTUAL TABLE {fts} USING fts5(
            {cols}, content='{table}', content_rowid='seq', columnsize=0,
            tokenize='unicode61 remove_diacritics 2'
        )""",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
    )


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: articles, tags, annotations, the append-only events log and the annotation search index.
    (
        """CREATE TABLE articles (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            source TEXT,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            meta TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in progress', 'done')),
            imported TEXT NOT NULL,
            length INTEGER NOT NULL
        )""",
        """CREATE TABLE tags (
            name TEXT PRIMARY KEY,
            key INTEGER UNIQUE CHECK (key BETWEEN 1 AND 9),
            colour TEXT NOT NULL,
            definition TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        )""",
        """CREATE TABLE annotations (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            article_id TEXT NOT NULL REFERENCES articles(id) ON UPDATE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            tag TEXT NOT NULL REFERENCES tags(name) ON UPDATE CASCADE,
            quote TEXT NOT NULL,
            prefix TEXT NOT NULL,
            suffix TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            annotator TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            deleted TEXT,
            anchor TEXT NOT NULL DEFAULT 'exact' CHECK (anchor IN ('exact', 'fuzzy', 'orphan')),
            CHECK (start >= 0 AND "end" > start)
        )""",
        "CREATE INDEX annotations_by_article ON annotations(article_id, start)",
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            annotator TEXT NOT NULL,
            action TEXT NOT NULL,
            annotation_id TEXT NOT NULL,
            before TEXT,
            after TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('do', 'undo', 'redo')),
            target INTEGER REFERENCES events(seq),
            depth INTEGER NOT NULL
        )""",
        "CREATE INDEX events_by_annotator ON events(annotator, seq)",
        "CREATE INDEX events_by_annotation ON events(annotation_id, seq)",
        # The log is append-only: the database itself refuses edits and deletions of events.
        """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
        """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
           BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
        # External-content FTS5 over quotes and notes, kept in sync by triggers.
        *_external_fts("annotations", ("quote", "note")),
    ),
    # 2: the search index merges its segments only when asked (see maintenance.py): merging
    # during a save stalled one save in ~60 by 20-40 ms on a million annotations.
    ("INSERT INTO annotations_fts(annotations_fts, rank) VALUES ('automerge', 0)",),
    # 3: a search index over article titles and text, to find passages not yet annotated.
    (
        *_external_fts("articles", ("title", "text")),
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    ),
    # 4: re-importing a file finds its earlier version by source (see Store.insert_article).
    ("CREATE INDEX articles_by_source ON articles(source)",),
    # 5: adjudication decisions (see adjudicate.py): how one pair's disagreement on an article,
    # named by the annotations in it, was settled, and which gold annotations that added.
    (
        """CREATE TABLE decisions (
            seq INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON UPDATE CASCADE,
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            disagreement TEXT NOT NULL,
            choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'both', 'neither', 'agreed')),
            gold TEXT NOT NULL DEFAULT '[]',
            decided TEXT NOT NULL,
            UNIQUE (article_id, a, b, disagreement)
        )""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)

def _fts_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        statement for statements in MIGRATIONS for statement in statements
        if statement.startswith(f"CREATE TRIGGER {table}_fts_")
    )


def rebuild_fts_after(conn: sqlite3.Connection, write: Callable[[], None],
                      tables: tuple[str, ...] = ("annotations",)) -> None:
    """Run a bulk ``write`` (inside the caller's transaction) without the per-row index triggers
    of ``tables``, then rebuild their search indexes once: five times cheaper than a trigger per row."""
    triggers = [statement for table in tables for statement in _fts_triggers(table)]
    for statement in triggers:
        conn.execute(f"DROP TRIGGER {statement.split()[2]}")
    write()
    for table in tables:
        conn.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
    for statement in triggers:
        conn.execute(statement)


class StoreError(PenmarkError):
    """The database cannot be opened or a change to it was refused."""


def connect(path: str | Path, *, autocheckpoint: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and migrate a penmark database; return its connection.

    The connection is in autocommit mode: the store opens every transaction itself with
    ``BEGIN IMMEDIATE``. With ``autocheckpoint=False`` commits never run a WAL checkpoint, so an
    interface thread never stalls on one; the caller checkpoints from elsewhere.
    """
    name = str(path)
    if name != ":memory:":
        parent = Path(name).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"{name}: folder {parent} does not exist")
        file = Path(name).expanduser()
        if file.is_dir():
            raise StoreError(f"{name}: is a folder, not a database file")
        if file.exists() and not file.is_file():
            raise StoreError(f"{name}: is not a regular file (a device or pipe), not a database file")
    try:
        conn = sqlite3.connect(
            name, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error as err:
        raise StoreError(f"{name}: {_open_failure(name, err)}") from None
    try:
        _prepare(conn, name, autocheckpoint)
    except BaseException:
        conn.close()
        raise
    return conn


def _open_failure(name: str, err: sqlite3.Error) -> str:
    """Why SQLite could not open ``name``, in words a user can act on (SQLite only says
    "unable to open database file")."""
    import os

    file = Path(name).expanduser()
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        return "permission denied (penmark needs to read and write it)"
    if not file.exists() and not os.access(file.resolve().parent, os.W_OK | os.X_OK):
        return f"cannot create it: permission denied in folder {file.resolve().parent}"
    return f"cannot open database ({err})"


def _prepare(conn: sqlite3.Connection, name: str, autocheckpoint: bool) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{name}: not a penmark database ({err})") from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{name}: made by a newer penmark (schema {version}; this one knows up to "
            f"{SCHEMA_VERSION}); upgrade penmark to open it"
        )
    if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        # Tables but no schema version: another program's database, or a penmark that is creating
        # it this instant. Read again once any writer is done (a lock taken, nothing written).
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("ROLLBACK")
        if version == 0:
            raise StoreError(f"{name}: an SQLite database of another program, not penmark's")
    _wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    if version < SCHEMA_VERSION:
        migrate(conn, name)


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. The switch needs the file to itself and SQLite does not wait for that with
    the busy timeout, so a second penmark starting on a new file retries for as long."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def migrate(conn: sqlite3.Connection, name: str, migrations: tuple[tuple[str, ...], ...] = MIGRATIONS) -> None:
    """Apply the missing migrations in one transaction; on any error the file is left as it was."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated between our check and our lock.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for statements in migrations[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(migrations)}")
        conn.execute("COMMIT")
    except sqlite3.Error as err:
        conn.execute("ROLLBACK")
        raise StoreError(f"{name}: migration failed, database left unchanged ({err})") from None
