"""Merge other annotators' penmark databases into this one.

The other file is opened read-only (``mode=ro``: never migrated, never written) and read inside
one read transaction, so a penmark writing to it meanwhile cannot give a mix of two states. (A
read-only connection to a database in WAL mode leaves empty ``-wal`` and ``-shm`` files beside it
when they were not there; the database file itself is not touched.) All that comes in is written
in one transaction here: a failure leaves this database as it was.

* **Articles** match by the SHA-256 of their text. A text new here comes in with its id, or, when
  that id holds another text here (two versions of one article), with the first 12 hex digits of
  its checksum (the whole checksum if those are taken too).
* **Annotations** match by id, and their histories (the ids of their events) decide. One whose
  newest event there is in its history here is already here (this side may be ahead). One whose
  newest event here is in its history there was changed there only: it is brought up to date and
  the new events come along. Otherwise (both changed it since they parted, or one side has no
  history of it) the same content (everything but bookkeeping and position, as
  ``store._same_content`` compares them) counts as present, and a different one is a
  **conflict**: the local version stays untouched and the incoming one is kept beside it under a
  deterministic id, ``conflict_id(original id, its content)`` (a UUID version 5), so merging the
  same databases in any order keeps the same versions, and a conflict copy met again (in the same
  file or in a database that was itself merged) is recognised as already present instead of kept
  twice.
* **Tags** the incoming annotations use and this database lacks are added (with the other
  database's colour, definition and key when that key is free here).
* **Events** of the annotations that come in are copied, those whose id is already here skipped:
  ``target`` is remapped to this database's ``seq`` and snapshots name the article's id here. A
  conflict copy gets the events that made it differ (the history both versions share stays with
  the original id), their snapshots naming the copy's id, so undo and redo act on the copy.
  Copied events continue each annotator's undo stack here: their ``depth`` is shifted by the annotator's depth
  here minus their depth in the other database just before the first copied event (no shift for an
  annotator with no history here), so an annotator's undo walks back through the incoming
  changes and then through their local ones.

Merging a file twice changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from .errors import PenmarkError
from .model import ANNOTATION_COLUMNS, Annotation, now
from .store import Store, _same_content
from .tags import DEFAULT_TAGS, Tag, validate
from .text import sha256

# Conflict copies get ids derived from this namespace (UUID version 5).
MERGE_NAMESPACE = uuid.UUID("6f1d0c52-3b8e-4a51-9d0e-5e2a4c1b7f30")

_ARTICLE_COLUMNS = ("id", "title", "source", "text", "sha256", "meta", "status", "imported")
_TAG_COLUMNS = ("name", "key", "colour", "definition", "position")
_EVENT_COLUMNS = ("seq", "id", "at", "annotator", "action", "annotation_id", "before", "after", "kind", "target",
                  "depth")
_NEEDED = {"articles": _ARTICLE_COLUMNS, "tags": _TAG_COLUMNS, "annotations": ANNOTATION_COLUMNS,
           "events": _EVENT_COLUMNS}
_COLUMNS_SQL = ", ".join(f'"{c}"' for c in ANNOTATION_COLUMNS)
_INSERT_ANNOTATION = (
    f"INSERT INTO annotations({_COLUMNS_SQL}) "
    f"VALUES ({', '.join('?' * len(ANNOTATION_COLUMNS))})"
)


class MergeError(PenmarkError):
    """A database that cannot be merged; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Conflict:
    annotation_id: str  # the id both databases use; the local version keeps it
    kept_as: str  # the id the incoming version was kept under
    article_id: str  # the article here
    deleted: bool  # the incoming version is a deleted one


@dataclass(slots=True)
class MergeReport:
    path: Path
    articles_added: int = 0
    articles_present: int = 0
    annotations_added: int = 0  # conflict copies included
    annotations_present: int = 0  # the same content already here (a conflict copy kept before included)
    annotations_updated: int = 0  # changed there only, since the version here: brought up to date
    conflicts: list[Conflict] = field(default_factory=list)
    events_added: int = 0
    tags_added: list[str] = field(default_factory=list)


def conflict_id(annotation_id: str, content: Iterable[Any]) -> str:
    """The id a conflicting version of ``annotation_id`` is kept under: the same for the same
    version whatever the database it comes from or the order of merging."""
    return str(uuid.uuid5(MERGE_NAMESPACE, json.dumps([annotation_id, *content], ensure_ascii=False)))


def merge(store: Store, path: str | Path) -> MergeReport:
    """Bring the database at ``path`` into ``store``'s, in one transaction."""
    path = Path(path)
    other = open_other(path)
    try:
        other.execute("BEGIN")  # one snapshot of the other file, even if a penmark writes to it
        try:
            with store.transaction() as conn:
                merger = _Merger(conn, other, path)
                if merger.bulk():
                    schema.rebuild_fts_after(conn, merger.run, ("annotations", "articles"))
                else:
                    merger.run()
                return merger.report
        finally:
            if other.in_transaction:
                other.execute("ROLLBACK")
    except sqlite3.Error as error:
        raise MergeError(f"{path}: merge failed, nothing written ({error})") from None
    finally:
        other.close()


def open_other(path: Path) -> sqlite3.Connection:
    """A read-only connection to another penmark database, its schema checked."""
    if not path.exists():
        raise MergeError(f"{path}: no such file")
    if not path.is_file():
        raise MergeError(f"{path}: not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               timeout=schema.BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise MergeError(f"{path}: cannot open ({error})") from None
    try:
        _check_schema(conn, path)
    except sqlite3.OperationalError as error:  # unreadable, locked past the timeout
        conn.close()
        raise MergeError(f"{path}: cannot open ({error})") from None
    except sqlite3.DatabaseError as error:
        conn.close()
        raise MergeError(f"{path}: not a penmark database ({error})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("PRAGMA query_only = ON")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > schema.SCHEMA_VERSION:
        raise MergeError(f"{path}: made by a newer penmark (schema {version}; this one knows up to "
                         f"{schema.SCHEMA_VERSION}); upgrade penmark to merge it")
    if version == 0:
        raise MergeError(f"{path}: not a penmark database (no schema version)")
    for table, columns in _NEEDED.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in columns if c not in have]
        if missing:
            raise MergeError(f"{path}: not a penmark database (table {table} lacks {', '.join(missing)})"
                             if have else f"{path}: not a penmark database (no {table} table)")


class _Merger:
    def __init__(self, conn: sqlite3.Connection, other: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.other = other
        self.path = path
        self.report = MergeReport(path)
        self.articles: dict[str, tuple[str, str]] = {}  # other article id -> (id here, sha256)
        self.renamed: dict[str, str] = {}  # other annotation id -> conflict copy id here
        self.coming: set[str] = set()  # other annotation ids whose events come in

    def bulk(self) -> bool:
        """Whether to write without the per-row search-index triggers (rebuilding them once):
        when more comes in than is here."""
        count = "SELECT count(*) FROM annotations"
        return self.other.execute(count).fetchone()[0] > self.conn.execute(count).fetchone()[0]

    def run(self) -> None:
        self._articles()
        self._annotations()
        self._events()

    # --- articles ---------------------------------------------------------------------------

    def _articles(self) -> None:
        stamp = now()
        query = f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles ORDER BY seq"
        for article_id, title, source, text, _digest, meta, status, imported in self.other.execute(query):
            digest = sha256(text)
            row = self.conn.execute("SELECT id FROM articles WHERE sha256 = ?", (digest,)).fetchone()
            if row is not None:
                self.articles[article_id] = (row[0], digest)
                self.report.articles_present += 1
                continue
            local_id = next(candidate for candidate in (article_id, digest[:12], digest)
                            if not self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (candidate,)).fetchone())
            self.conn.execute(
                """INSERT INTO articles(id, title, source, text, sha256, meta, status, imported, length)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (local_id, title, source, text, digest, meta, status, imported or stamp, len(text)),
            )
            self.articles[article_id] = (local_id, digest)
            self.report.articles_added += 1

    # --- annotations ------------------------------------------------------------------------

    def _annotations(self) -> None:
        self.tags = {name for (name,) in self.conn.execute("SELECT name FROM tags")}
        query = f"SELECT {_COLUMNS_SQL} FROM annotations ORDER BY seq"
        for row in self.other.execute(query).fetchall():
            note = Annotation(*row)
            if note.article_id not in self.articles:
                raise MergeError(f"{self.path}: annotation {note.id} is on article {note.article_id!r}, "
                                 "which that database lacks")
            local_article, digest = self.articles[note.article_id]
            incoming = Annotation(*row[:1], local_article, *row[2:])
            self._annotation(incoming, digest)

    def _annotation(self, incoming: Annotation, digest: str) -> None:
        local = self._get(incoming.id)
        if local is None:
            if _derived(incoming.id) and self._copy_of_present(incoming, digest):
                self.report.annotations_present += 1
                return
            self._insert(incoming)
            self.coming.add(incoming.id)
            return
        mine, theirs = self._history(self.conn, incoming.id), self._history(self.other, incoming.id)
        if theirs and theirs[-1] in mine:
            self.report.annotations_present += 1  # nothing there that is not here already
            return
        if mine and mine[-1] in theirs:  # changed there only, after the version here: take it
            self._update(incoming)
            self.coming.add(incoming.id)
            return
        if _same_content(local, incoming):  # both changed it, alike
            self.report.annotations_present += 1
            return
        # A conflict: keep the incoming version beside the local one, under an id derived from it
        # (again from that id if it too holds another version here).
        copy_id = incoming.id
        while True:
            copy_id = conflict_id(copy_id, _content(incoming, digest))
            there = self._get(copy_id)
            if there is None:
                break
            if _same_content(there, Annotation(copy_id, *_row(incoming)[1:])):
                self.report.annotations_present += 1  # kept at an earlier merge
                return
        self._insert(Annotation(copy_id, *_row(incoming)[1:]))
        self.renamed[incoming.id] = copy_id
        self.coming.add(incoming.id)
        self.report.conflicts.append(Conflict(incoming.id, copy_id, incoming.article_id, incoming.deleted is not None))

    def _copy_of_present(self, incoming: Annotation, digest: str) -> bool:
        """Whether ``incoming`` is a conflict copy (made at another merge) of a version that is
        here under its original id."""
        content = _content(incoming, digest)
        for (candidate,) in self.conn.execute(
            "SELECT id FROM annotations WHERE article_id = ? AND quote = ? AND tag = ? AND annotator = ? "
            "AND created = ?",
            (incoming.article_id, incoming.quote, incoming.tag, incoming.annotator, incoming.created),
        ).fetchall():
            local = self._get(candidate)
            if local is not None and _same_content(local, Annotation(candidate, *_row(incoming)[1:])) \
                    and conflict_id(candidate, content) == incoming.id:
                return True
        return False

    @staticmethod
    def _history(conn: sqlite3.Connection, annotation_id: str) -> list[str]:
        """The ids of an annotation's events in a database, oldest first."""
        return [row[0] for row in conn.execute("SELECT id FROM events WHERE annotation_id = ? ORDER BY seq",
                                               (annotation_id,))]

    def _update(self, note: Annotation) -> None:
        self._tag(note.tag)
        columns = [c for c in ANNOTATION_COLUMNS if c != "id"]
        self.conn.execute(f"UPDATE annotations SET {', '.join(f'{c!r} = ?' for c in columns)} WHERE id = ?",
                          (*(getattr(note, c) for c in columns), note.id))
        self.report.annotations_updated += 1

    def _insert(self, note: Annotation) -> None:
        self._tag(note.tag)
        self.conn.execute(_INSERT_ANNOTATION, _row(note))
        self.report.annotations_added += 1

    def _get(self, annotation_id: str) -> Annotation | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS_SQL} FROM annotations WHERE id = ?", (annotation_id,)
        ).fetchone()
        return None if row is None else Annotation(*row)

    def _tag(self, name: str) -> None:
        """Add a tag the other database uses and this one lacks: its colour and definition there,
        its key there if free here (else the first free one, else none)."""
        if name in self.tags:
            return
        theirs = self.other.execute("SELECT key, colour, definition FROM tags WHERE name = ?", (name,)).fetchone()
        position, keys = self.conn.execute("SELECT count(*), json_group_array(key) FROM tags").fetchone()
        taken = {k for k in json.loads(keys) if k is not None}
        key, colour, definition = theirs or (None, DEFAULT_TAGS[position % len(DEFAULT_TAGS)].colour, "")
        if key in taken or not isinstance(key, int):
            key = next((k for k in range(1, 10) if k not in taken), None)
        tag = Tag(name, key, colour, definition or "")
        try:
            validate([tag], f"{self.path}: tag {name!r}")
        except PenmarkError as error:
            raise MergeError(str(error)) from None
        self.conn.execute("INSERT INTO tags(name, key, colour, definition, position) VALUES (?, ?, ?, ?, ?)",
                          (tag.name, tag.key, tag.colour, tag.definition, position))
        self.tags.add(name)
        self.report.tags_added.append(name)

    # --- events -----------------------------------------------------------------------------

    def _events(self) -> None:
        if not self.coming:
            return
        rows = self.other.execute(f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events ORDER BY seq").fetchall()
        ids = {row[0]: row[1] for row in rows}  # other seq -> other event id
        last_depth: dict[str, int] = {}  # per annotator, their depth in the other database so far
        shift: dict[str, int] = {}
        for seq, event_id, at, annotator, action, annotation_id, before, after, kind, target, depth in rows:
            if annotation_id not in self.coming:
                last_depth[annotator] = depth
                continue
            copy_id = self.renamed.get(annotation_id)
            if self.conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone():
                last_depth[annotator] = depth
                continue
            if annotator not in shift:
                here = self.conn.execute(
                    "SELECT depth FROM events WHERE annotator = ? ORDER BY seq DESC LIMIT 1", (annotator,)
                ).fetchone()
                # Continue the annotator's stack here from where it stood in the other database.
                shift[annotator] = here[0] - last_depth.get(annotator, 0) if here else 0
            target_here = None
            if target is not None and target in ids:
                found = self.conn.execute("SELECT seq FROM events WHERE id = ?", (ids[target],)).fetchone()
                target_here = found[0] if found else None
            self.conn.execute(
                """INSERT INTO events(id, at, annotator, action, annotation_id, before, after, kind, target, depth)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (event_id, at, annotator, action, copy_id or annotation_id,
                 self._snapshot(before, copy_id), self._snapshot(after, copy_id), kind, target_here,
                 depth + shift[annotator]),
            )
            last_depth[annotator] = depth
            self.report.events_added += 1

    def _snapshot(self, text: str | None, copy_id: str | None) -> str | None:
        """An event's before or after state as it reads here: the article's id here, and a
        conflict copy's own id (undo and redo write the state back by it)."""
        if text is None:
            return None
        state = json.loads(text)
        article = self.articles.get(state.get("article_id"))
        changed = False
        if article is not None and article[0] != state["article_id"]:
            state["article_id"], changed = article[0], True
        if copy_id is not None and state.get("id") != copy_id:
            state["id"], changed = copy_id, True
        return json.dumps(state, ensure_ascii=False) if changed else text


def _content(note: Annotation, digest: str) -> tuple[Any, ...]:
    """What a conflict compares (see ``store._same_content``), with the article named by its
    text's checksum, which is the same in every database."""
    return (digest, note.tag, note.quote, note.note, note.annotator, note.created, note.deleted is not None)


def _derived(annotation_id: str) -> bool:
    """Whether an id could be a conflict copy's (a UUID version 5)."""
    return len(annotation_id) == 36 and annotation_id[14] == "5"


def _row(note: Annotation) -> tuple[Any, ...]:
    return tuple(getattr(note, c) for c in ANNOTATION_COLUMNS)
