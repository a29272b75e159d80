"""The annotation store: every change is one committed transaction, recorded in an event log.

Undo and redo walk the events table, so they survive a restart. Each annotator has an undo stack
of their own; its state is derivable from the log because every event stores the stack ``depth``
after it:

* a change (``do``) pushes: depth + 1, and clears what could be redone;
* ``undo`` reverts the newest ``do``/``redo`` event whose depth equals the current depth;
* ``redo`` re-applies what the newest ``undo`` at the current depth reverted, unless a ``do`` came
  after that undo.

Deletion is soft (a ``deleted`` time), so every deletion can be undone.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import schema
from .errors import PenmarkError
from .model import ANCHORS, ANNOTATION_COLUMNS, STATUSES, Annotation, Article, ArticleSummary, new_id, now
from .tags import DEFAULT_TAGS, Tag, TagSetError, validate
from .text import canonicalize, context, sha256, splits_grapheme

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .reanchor import Placement

StoreError = schema.StoreError
REANCHOR_ACTOR = "(re-anchoring)"  # who the event log says moved annotations to a new text version

_ANNOTATION_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in ANNOTATION_COLUMNS) + " FROM annotations"
_ARTICLE_SELECT = "SELECT id, title, source, text, sha256, meta, status, imported FROM articles"


class SpanError(PenmarkError):
    """A span the store refuses: empty, out of range, splitting a grapheme, or an unknown tag."""


class StaleEditError(PenmarkError):
    """The annotation changed (in another window or process) since the editor last read it."""


class NotFoundError(PenmarkError):
    """No such article or annotation."""


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article about to be imported: canonical text plus what the source said about it."""

    text: str
    title: str
    source: str | None = None
    id: str | None = None
    meta: dict[str, Any] | None = None
    status: str = "new"
    imported: str | None = None  # when it was first imported, if it comes from another database


@dataclass(frozen=True, slots=True)
class Added:
    article: ArticleSummary
    created: bool  # False: the same text was already there, or it replaced an earlier version
    # When it replaced an earlier version (same id or source): its annotations per anchor.
    reanchored: dict[str, int] | None = None


class Store:
    """All reads and writes of a penmark database. Thread-safe; one connection per Store."""

    def __init__(
        self, db: Database | sqlite3.Connection, *, annotator: str = "anonymous", path: Path | None = None
    ) -> None:
        self.conn: sqlite3.Connection = db if isinstance(db, sqlite3.Connection) else db.conn
        self._db = None if isinstance(db, sqlite3.Connection) else db
        self.annotator = annotator
        self.path = path
        self._lock = threading.RLock()
        self._texts: dict[str, tuple[str, str]] = {}  # article id -> (sha256, text)
        self.commit_hooks: list[Callable[[], None]] = []  # called after each commit
        if not self.tags():
            self.set_tags(DEFAULT_TAGS)

    @property
    def db(self) -> Database:
        """The database as sqlite-utils sees it, for table-level work (bulk import and export).

        Made on first use: importing sqlite-utils costs 100-200 ms, which the app's first screen
        does not need to pay.
        """
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

    @classmethod
    def open(cls, path: str | Path, *, annotator: str = "anonymous", autocheckpoint: bool = True) -> Store:
        """Open or create the database at ``path`` (``":memory:"`` for a throwaway one)."""
        conn = schema.connect(path, autocheckpoint=autocheckpoint)
        real = None if str(path) == ":memory:" else Path(path)
        return cls(conn, annotator=annotator, path=real)

    @classmethod
    def memory(cls, *, annotator: str = "tester") -> Store:
        return cls.open(":memory:", annotator=annotator)

    def close(self) -> None:
        with self._lock:
            if self.path is not None:
                self.checkpoint()
            self.conn.close()

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE so a read-then-write cannot fail
        half way with SQLITE_BUSY_SNAPSHOT when another process wrote in between."""
        with self._lock:
            if self.conn.in_transaction:  # within another one on this connection: a part of it
                with self._savepoint():
                    yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        for hook in self.commit_hooks:
            hook()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A transaction inside the caller's (another Store on this connection may have opened
        it, as adjudication does to write a decision and its gold annotations at once)."""
        self.conn.execute("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO nested")
            self.conn.execute("RELEASE nested")
            raise
        self.conn.execute("RELEASE nested")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads by other modules (search, export), one thread at a time."""
        with self._lock:
            yield self.conn

    def checkpoint(self) -> None:
        """Fold the WAL back into the database file without blocking other connections."""
        if self.path is not None:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def data_version(self) -> int:
        """Changes when another connection commits: poll it to refresh a screen."""
        with self._lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # --- tags -------------------------------------------------------------------------------

    def tags(self) -> tuple[Tag, ...]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT name, key, colour, definition FROM tags ORDER BY position"
            ).fetchall()
        return tuple(Tag(*row) for row in rows)

    def set_tags(self, tags: Sequence[Tag]) -> None:
        """Replace the tag set. Tags still used by live annotations cannot be dropped."""
        tags = validate(tuple(tags))
        names = {tag.name for tag in tags}
        with self.transaction() as conn:
            used = {r[0] for r in conn.execute("SELECT DISTINCT tag FROM annotations")}
            missing = sorted(used - names)
            if missing:
                raise TagSetError(f"tag set drops tags still in use: {', '.join(missing)}")
            conn.execute("UPDATE tags SET key = NULL")
            conn.executemany(
                """INSERT INTO tags(name, key, colour, definition, position) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET key = excluded.key, colour = excluded.colour,
                   definition = excluded.definition, position = excluded.position""",
                [(t.name, t.key, t.colour, t.definition, i) for i, t in enumerate(tags)],
            )
            conn.execute(
                f"DELETE FROM tags WHERE name NOT IN ({','.join('?' * len(names))})", tuple(names)
            )

    def _check_tag(self, conn: sqlite3.Connection, tag: str) -> None:
        if conn.execute("SELECT 1 FROM tags WHERE name = ?", (tag,)).fetchone() is None:
            known = ", ".join(r[0] for r in conn.execute("SELECT name FROM tags ORDER BY position"))
            raise SpanError(f"unknown tag {tag!r} (the tag set has: {known})")

    # --- articles ---------------------------------------------------------------------------

    def add_articles(self, items: Iterable[NewArticle]) -> list[Added]:
        """Import articles in one transaction. Text already present is not duplicated; a new
        version of an article (the same id or source, another text) replaces it, and its
        annotations are carried over (see reanchor.py)."""
        stamp = now()
        with self.transaction() as conn:
            written = [self.insert_article(conn, item, stamp, replace_changed=True) for item in items]
            return [Added(self._summary(conn, article_id), created, moved) for article_id, created, moved in written]

    def insert_article(self, conn: sqlite3.Connection, item: NewArticle, stamp: str, *, free_id: bool = False,
                       replace_changed: bool = False) -> tuple[str, bool, dict[str, int] | None]:
        """Write one article inside the caller's transaction: (its id, whether it is new, and
        with ``replace_changed`` the re-anchoring counts when it replaced an earlier version).
        The same text already stored is not duplicated. An id already holding another text is
        an error, or with ``free_id`` gives way to one made from the text's checksum."""
        text = canonicalize(item.text)
        digest = sha256(text)
        existing = conn.execute("SELECT id FROM articles WHERE sha256 = ?", (digest,)).fetchone()
        if existing:
            return existing[0], False, None
        if replace_changed:
            earlier = conn.execute(
                "SELECT id FROM articles WHERE id = ?" if item.id else "SELECT id FROM articles WHERE source = ?",
                (item.id or item.source,),
            ).fetchone()
            if earlier:
                return earlier[0], False, self._replace_text(conn, earlier[0], text, item.title)
        article_id = item.id or digest[:12]
        if conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            if not free_id:
                raise StoreError(f"article id {article_id!r} already holds a different text")
            article_id = digest[:12]
        conn.execute(
            """INSERT INTO articles(id, title, source, text, sha256, meta, status, imported, length)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article_id, item.title, item.source, text, digest,
             json.dumps(item.meta or {}, ensure_ascii=False), item.status, item.imported or stamp, len(text)),
        )
        return article_id, True, None

    def _replace_text(self, conn: sqlite3.Connection, article_id: str, text: str, title: str) -> dict[str, int]:
        """Put a new version of an article's text in place and carry its annotations over (the
        deleted too, so an undo puts them back in the right place): each moved one is a logged
        change by ``REANCHOR_ACTOR``, which no annotator's undo reverts. Returns how many live
        annotations ended exact, fuzzy and orphaned."""
        from .reanchor import reanchor  # rapidfuzz's alignment: only when a text changes

        old = self._text(conn, article_id)
        notes = [Annotation(*row) for row in conn.execute(_ANNOTATION_SELECT + " WHERE article_id = ?", (article_id,))]
        conn.execute("UPDATE articles SET text = ?, sha256 = ?, length = ?, title = ? WHERE id = ?",
                     (text, sha256(text), len(text), title, article_id))
        counts = dict.fromkeys(ANCHORS, 0)
        for note, placed in reanchor(notes, old, text):
            if note.deleted is None:
                counts[placed.anchor] += 1
            moved = _placed(note, text, placed)
            if moved != note:
                moved = replace(moved, version=note.version + 1, updated=now())
                self._write(conn, moved)
                self._log(conn, "reanchor", note.id, note, moved, "do", actor=REANCHOR_ACTOR)
        return counts

    def add_article(self, text: str, title: str, **fields: Any) -> Added:
        return self.add_articles([NewArticle(text, title, **fields)])[0]

    def article(self, article_id: str) -> Article:
        with self._lock:
            row = self.conn.execute(_ARTICLE_SELECT + " WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return Article(*row[:5], json.loads(row[5]), *row[6:])

    def articles(self) -> list[ArticleSummary]:
        """Every article with its annotation counts per tag, in import order."""
        with self._lock:
            return self._summaries(self.conn, None)

    def _summary(self, conn: sqlite3.Connection, article_id: str) -> ArticleSummary:
        return self._summaries(conn, article_id)[0]

    def _summaries(self, conn: sqlite3.Connection, article_id: str | None) -> list[ArticleSummary]:
        where, args = ("WHERE id = ?", (article_id,)) if article_id else ("", ())
        rows = conn.execute(
            f"SELECT id, title, source, length, status FROM articles {where} ORDER BY seq", args
        ).fetchall()
        counts: dict[str, dict[str, int]] = {row[0]: {} for row in rows}
        live = "deleted IS NULL" + (" AND article_id = ?" if article_id else "")
        for aid, tag, count in conn.execute(
            f"SELECT article_id, tag, count(*) FROM annotations WHERE {live} GROUP BY article_id, tag",
            args,
        ):
            counts[aid][tag] = count
        return [ArticleSummary(*row, counts=counts[row[0]]) for row in rows]

    def set_status(self, article_id: str, status: str) -> None:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
        with self.transaction() as conn:
            if conn.execute("UPDATE articles SET status = ? WHERE id = ?", (status, article_id)).rowcount == 0:
                raise NotFoundError(f"no article with id {article_id!r}")

    def checksum(self, article_id: str) -> str:
        """The SHA-256 of the article's text as stored now: cheap, to notice a new version."""
        with self._lock:
            row = self.conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return str(row[0])

    def _text(self, conn: sqlite3.Connection, article_id: str, expected: str | None = None) -> str:
        """The article's text, cached by checksum (a 10 MB article is not re-read per save).
        With ``expected`` (the checksum of the text the caller's offsets refer to), a text that
        has changed since (a new version imported elsewhere) is refused rather than misread."""
        row = conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        if expected is not None and row[0] != expected:
            raise StaleEditError("the article's text changed (a new version came in) since it was shown; "
                                 "it is shown again now: select the passage again")
        cached = self._texts.get(article_id)
        if cached and cached[0] == row[0]:
            return cached[1]
        text = conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        if len(self._texts) > 8:
            self._texts.clear()
        self._texts[article_id] = (row[0], text)
        return text

    # --- annotations: reads ---------------------------------------------------------------

    def annotations(self, article_id: str | None = None, *, include_deleted: bool = False) -> list[Annotation]:
        """Annotations of one article (or all), in text order."""
        clauses, args = [], []
        if article_id is not None:
            clauses.append("article_id = ?")
            args.append(article_id)
        if not include_deleted:
            clauses.append("deleted IS NULL")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self.conn.execute(
                f'{_ANNOTATION_SELECT}{where} ORDER BY article_id, start, "end", seq', args
            ).fetchall()
        return [Annotation(*row) for row in rows]

    def annotation(self, annotation_id: str) -> Annotation:
        with self._lock:
            return self._get(self.conn, annotation_id)

    def _get(self, conn: sqlite3.Connection, annotation_id: str) -> Annotation:
        row = conn.execute(_ANNOTATION_SELECT + " WHERE id = ?", (annotation_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no annotation with id {annotation_id!r}")
        return Annotation(*row)

    def mismatches(self) -> list[tuple[Annotation, str]]:
        """Live annotations whose offsets no longer slice their article to their quote."""
        found = []
        for note in self.annotations():
            with self._lock:
                text = self._text(self.conn, note.article_id)
            if note.anchor != "orphan" and not note.intact(text):
                found.append((note, text[note.start : note.end]))
        return found

    # --- annotations: changes ---------------------------------------------------------------

    def create(self, article_id: str, start: int, end: int, tag: str, note: str = "", *,
               text_sha256: str | None = None) -> Annotation:
        """Annotate ``text[start:end]`` of an article with ``tag``; committed before it returns.
        ``text_sha256``: the checksum of the text the offsets were taken from (see ``_text``)."""
        with self.transaction() as conn:
            text = self._text(conn, article_id, text_sha256)
            check_span(text, start, end)
            self._check_tag(conn, tag)
            prefix, quote, suffix = context(text, start, end)
            stamp = now()
            created = Annotation(
                id=new_id(), article_id=article_id, start=start, end=end, tag=tag,
                quote=quote, prefix=prefix, suffix=suffix, note=note, annotator=self.annotator,
                created=stamp, updated=stamp,
            )
            conn.execute(
                f"INSERT INTO annotations({', '.join(repr(c) for c in ANNOTATION_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(ANNOTATION_COLUMNS))})",
                _row(created),
            )
            self._log(conn, "create", created.id, None, created, "do")
            return created

    def retag(self, annotation_id: str, tag: str, *, expected_version: int | None = None) -> Annotation:
        def change(conn: sqlite3.Connection, old: Annotation) -> Annotation:
            self._check_tag(conn, tag)
            return replace(old, tag=tag)

        return self._change("retag", annotation_id, change, expected_version)

    def set_note(self, annotation_id: str, note: str, *, expected_version: int | None = None) -> Annotation:
        return self._change("note", annotation_id, lambda _c, old: replace(old, note=note), expected_version)

    def resize(self, annotation_id: str, start: int, end: int, *, expected_version: int | None = None,
               text_sha256: str | None = None) -> Annotation:
        def change(conn: sqlite3.Connection, old: Annotation) -> Annotation:
            text = self._text(conn, old.article_id, text_sha256)
            check_span(text, start, end)
            prefix, quote, suffix = context(text, start, end)
            return replace(old, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix, anchor="exact")

        return self._change("resize", annotation_id, change, expected_version)

    def accept(self, annotation_id: str, *, expected_version: int | None = None) -> Annotation:
        """Confirm a fuzzy re-anchoring: the annotation is exact where it now stands."""
        def change(conn: sqlite3.Connection, old: Annotation) -> Annotation:
            if old.anchor == "orphan":
                raise SpanError("an orphaned annotation has no place to accept: move it to one")
            if not old.intact(self._text(conn, old.article_id)):
                raise SpanError(f"annotation {annotation_id} no longer matches its text")
            return replace(old, anchor="exact")

        return self._change("accept", annotation_id, change, expected_version)

    def delete(self, annotation_id: str, *, expected_version: int | None = None) -> Annotation:
        return self._change("delete", annotation_id, lambda _c, old: replace(old, deleted=now()), expected_version)

    def _change(
        self,
        action: str,
        annotation_id: str,
        change: Callable[[sqlite3.Connection, Annotation], Annotation],
        expected_version: int | None,
    ) -> Annotation:
        with self.transaction() as conn:
            old = self._get(conn, annotation_id)
            if old.deleted is not None:
                raise NotFoundError(f"annotation {annotation_id} was deleted")
            if expected_version is not None and old.version != expected_version:
                raise StaleEditError(
                    f"annotation …{annotation_id[-8:]} was changed elsewhere (version {old.version}, "
                    f"you edited version {expected_version}); reload and try again"
                )
            new = replace(change(conn, old), version=old.version + 1, updated=now())
            self._write(conn, new)
            self._log(conn, action, annotation_id, old, new, "do")
            return new

    def _write(self, conn: sqlite3.Connection, state: Annotation) -> None:
        columns = [c for c in ANNOTATION_COLUMNS if c != "id"]
        conn.execute(
            f"UPDATE annotations SET {', '.join(f'{c!r} = ?' for c in columns)} WHERE id = ?",
            (*(getattr(state, c) for c in columns), state.id),
        )

    # --- the event log, undo and redo ------------------------------------------------------

    def _depth(self, conn: sqlite3.Connection, actor: str | None = None) -> int:
        row = conn.execute(
            "SELECT depth FROM events WHERE annotator = ? ORDER BY seq DESC LIMIT 1", (actor or self.annotator,)
        ).fetchone()
        return row[0] if row else 0

    def _log(
        self,
        conn: sqlite3.Connection,
        action: str,
        annotation_id: str,
        before: Annotation | None,
        after: Annotation | None,
        kind: str,
        target: int | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        actor = actor or self.annotator
        depth = self._depth(conn, actor) + (-1 if kind == "undo" else 1)
        conn.execute(
            """INSERT INTO events(id, at, annotator, action, annotation_id, before, after, kind, target, depth)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (new_id(), now(), actor, action, annotation_id,
             _snapshot(before), _snapshot(after), kind, target, depth),
        )

    def undo(self) -> Annotation | None:
        """Revert this annotator's newest change still in effect; None when there is none."""
        with self.transaction() as conn:
            depth = self._depth(conn)
            event = conn.execute(
                """SELECT seq, action, annotation_id, before, after FROM events
                   WHERE annotator = ? AND kind IN ('do', 'redo') AND depth = ?
                   ORDER BY seq DESC LIMIT 1""",
                (self.annotator, depth),
            ).fetchone()
            if depth == 0 or event is None:
                return None
            seq, action, annotation_id, before, after = event
            return self._revert_to(conn, "undo", seq, action, annotation_id, expected=after, state=before)

    def redo(self) -> Annotation | None:
        """Re-apply what the newest undo reverted, unless a new change came since."""
        with self.transaction() as conn:
            depth = self._depth(conn)
            undo = conn.execute(
                """SELECT seq, target, after FROM events
                   WHERE annotator = ? AND kind = 'undo' AND depth = ? ORDER BY seq DESC LIMIT 1""",
                (self.annotator, depth),
            ).fetchone()
            if undo is None or conn.execute(
                "SELECT 1 FROM events WHERE annotator = ? AND kind = 'do' AND seq > ? LIMIT 1",
                (self.annotator, undo[0]),
            ).fetchone():
                return None
            seq, action, annotation_id, after = conn.execute(
                "SELECT seq, action, annotation_id, after FROM events WHERE seq = ?", (undo[1],)
            ).fetchone()
            return self._revert_to(conn, "redo", seq, action, annotation_id, expected=undo[2], state=after)

    def _revert_to(
        self,
        conn: sqlite3.Connection,
        kind: str,
        target: int,
        action: str,
        annotation_id: str,
        *,
        expected: str | None,
        state: str | None,
    ) -> Annotation:
        current = self._get(conn, annotation_id)
        # Undo and redo only apply to the state the reverted event left; if someone changed the
        # annotation since (another window, another annotator), refuse rather than clobber it.
        # A new version of the text may have changed its quote since (a fuzzy re-anchoring):
        # that is where it stands, not a change of what it says, so the quote is not compared.
        reanchored = conn.execute(
            "SELECT 1 FROM events WHERE annotation_id = ? AND action = 'reanchor' AND seq > ? LIMIT 1",
            (annotation_id, target),
        ).fetchone() is not None
        if expected is not None and not _same_content(current, Annotation(**json.loads(expected)),
                                                      where_only=reanchored):
            raise StaleEditError(
                f"cannot {kind} the {action} of annotation …{annotation_id[-8:]}: it was changed since"
            )
        if state is None:  # before a create: the annotation did not exist, so it is deleted
            new = replace(current, deleted=now())
        else:
            new = self._restored(conn, Annotation(**json.loads(state)), current)
        new = replace(new, version=current.version + 1, updated=now())
        self._write(conn, new)
        self._log(conn, action, annotation_id, current, new, kind, target)
        return new

    def _restored(self, conn: sqlite3.Connection, state: Annotation, current: Annotation) -> Annotation:
        """``state`` as undo or redo puts it back: where the same passage stands now (the text
        may have a new version since), or placed afresh if the passage differs and its old
        offsets no longer fit."""
        if state.quote == current.quote and current.anchor != "orphan":
            return replace(state, **{name: getattr(current, name) for name in _POSITION})
        text = self._text(conn, state.article_id)
        if state.deleted is None and state.anchor != "orphan" and not state.intact(text):
            from .reanchor import relocate

            return _placed(state, text, relocate(state, text))
        return state

    def history(self, annotation_id: str) -> list[dict[str, Any]]:
        """Every event of one annotation, oldest first."""
        with self._lock:
            cursor = self.conn.execute(
                """SELECT seq, at, annotator, action, kind, before, after FROM events
                   WHERE annotation_id = ? ORDER BY seq""",
                (annotation_id,),
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

    # --- numbers ---------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self._lock:
            one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
            by_tag = dict(
                self.conn.execute(
                    "SELECT tag, count(*) FROM annotations WHERE deleted IS NULL GROUP BY tag ORDER BY tag"
                ).fetchall()
            )
            by_annotator = dict(
                self.conn.execute(
                    "SELECT annotator, count(*) FROM annotations WHERE deleted IS NULL "
                    "GROUP BY annotator ORDER BY annotator"
                ).fetchall()
            )
            by_status = dict(self.conn.execute("SELECT status, count(*) FROM articles GROUP BY status").fetchall())
            return {
                "database": str(self.path) if self.path else ":memory:",
                "articles": one("SELECT count(*) FROM articles"),
                "articles_by_status": {s: by_status.get(s, 0) for s in STATUSES},
                "annotations": one("SELECT count(*) FROM annotations WHERE deleted IS NULL"),
                "deleted_annotations": one("SELECT count(*) FROM annotations WHERE deleted IS NOT NULL"),
                "annotations_by_tag": {t.name: by_tag.get(t.name, 0) for t in self.tags()},
                "annotations_by_annotator": by_annotator,
                "events": one("SELECT count(*) FROM events"),
                "schema_version": schema.SCHEMA_VERSION,
            }


def check_span(text: str, start: int, end: int) -> None:
    """Refuse a span that is not integers, is empty, runs outside ``text`` or splits a character."""
    if not (isinstance(start, int) and isinstance(end, int)):
        raise SpanError("span offsets must be integers")
    if start >= end:
        raise SpanError(f"span {start}-{end} is empty")
    if start < 0 or end > len(text):
        raise SpanError(f"span {start}-{end} is outside the article (0-{len(text)})")
    if splits_grapheme(text, start, end):
        raise SpanError(f"span {start}-{end} splits a character (grapheme cluster)")


_BOOKKEEPING = {"version", "updated", "deleted"}
# Where an annotation stands rather than what it says: re-anchoring moves these (and only these)
# when a new version of the text comes in, which must not make an undo refuse.
_POSITION = {"start", "end", "prefix", "suffix", "anchor"}


def _same_content(a: Annotation, b: Annotation, *, where_only: bool = False) -> bool:
    """Equal but for bookkeeping (versions and times move on with every undo and redo) and
    for where it stands in the text (see ``_POSITION``; with ``where_only``, its quote too)."""
    ignored = _BOOKKEEPING | _POSITION | ({"quote"} if where_only else set())
    return (a.deleted is None) == (b.deleted is None) and all(
        getattr(a, c) == getattr(b, c) for c in ANNOTATION_COLUMNS if c not in ignored
    )


def _placed(note: Annotation, text: str, placed: Placement) -> Annotation:
    """``note`` where re-anchoring put it: the quote and context as they stand there (an orphan
    keeps its old quote)."""
    if placed.anchor == "orphan":
        return replace(note, start=placed.start, end=placed.end, anchor="orphan")
    prefix, quote, suffix = context(text, placed.start, placed.end)
    return replace(note, start=placed.start, end=placed.end, quote=quote, prefix=prefix, suffix=suffix,
                   anchor=placed.anchor)


def _row(note: Annotation) -> tuple[Any, ...]:
    return tuple(getattr(note, c) for c in ANNOTATION_COLUMNS)


def _snapshot(note: Annotation | None) -> str | None:
    if note is None:
        return None
    return json.dumps(dict(zip(ANNOTATION_COLUMNS, _row(note), strict=True)), ensure_ascii=False)
