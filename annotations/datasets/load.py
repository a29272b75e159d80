"""Import a dataset file: its articles and their annotations, checked, in one transaction.

Offsets in the file are code points of the text as the file gives it; when penmark's canonical
form differs (CRLF, NFD, a BOM), each offset is carried over to the canonical text and the span
must still cover what the file says it covers. Anything wrong (a span out of range or splitting
a character, a quote that does not match, a malformed line) stops the import with the file, the
place and the reason, and nothing is written.

A bulk import into a small database writes without the per-row search-index triggers and builds
the indexes once at the end: five times cheaper than a trigger per row.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson

from .. import schema
from ..errors import PenmarkError
from ..model import ANCHORS, ANNOTATION_COLUMNS, STATUSES, new_id, now
from ..store import NewArticle, Store, check_span
from ..tags import DEFAULT_TAGS, Tag, fold_tag, validate
from ..text import canonicalize, context, derive_title, sha256
from . import brat, doccano, jsonl, labelstudio, prodigy, w3c
from .incoming import DatasetError, IncomingArticle, IncomingSpan

READERS: dict[str, Callable[[Path], Iterator[IncomingArticle]]] = {
    "jsonl": jsonl.read, "doccano": doccano.read, "spacy": prodigy.read,
    "labelstudio": labelstudio.read, "w3c": w3c.read, "brat": brat.read,
}
_INSERT = (
    f"INSERT INTO annotations({', '.join(repr(c) for c in ANNOTATION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ANNOTATION_COLUMNS))})"
)
_BULK_BYTES_PER_ANNOTATION = 200  # a rough size of one annotation in a dataset file


@dataclass(slots=True)
class LoadReport:
    articles_added: int = 0
    articles_present: int = 0
    annotations_added: int = 0
    annotations_present: int = 0  # the same id, or span, tag and annotator (any, if the file names none), here
    tags_added: list[str] = field(default_factory=list)
    tags_kept: list[str] = field(default_factory=list)  # defined otherwise in the file; this database's kept


def import_dataset(store: Store, format: str, path: str | Path, *, annotator: str | None = None) -> LoadReport:
    """Import ``path`` in ``format``; annotations without an annotator in the file get ``annotator``
    (default: the store's)."""
    if format not in READERS:
        raise DatasetError(f"unknown import format {format!r} (one of: {', '.join(READERS)})")
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    try:
        with store.transaction() as conn:
            loader = _Loader(store, conn, annotator or store.annotator)
            stored = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
            size = sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
            if stored * _BULK_BYTES_PER_ANNOTATION < size:
                schema.rebuild_fts_after(conn, lambda: loader.load(READERS[format](path)), ("annotations", "articles"))
            else:
                loader.load(READERS[format](path))
            return loader.report
    except PenmarkError as err:
        raise DatasetError(f"{path}: {err}") from None
    except sqlite3.IntegrityError as err:
        raise DatasetError(f"{path}: refused by the database ({err})") from None
    except OSError as err:
        raise DatasetError(f"{path}: cannot be read ({err.strerror or err})") from None


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value: str | None) -> str | None:
    """Keep a file's annotation id only if it is a UUID: tools' short region ids are not unique."""
    if value is None:
        return None
    if _CANONICAL_UUID.fullmatch(value):  # penmark's own form: no need to parse it
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class _Loader:
    def __init__(self, store: Store, conn: sqlite3.Connection, annotator: str) -> None:
        self.store = store
        self.conn = conn
        self.annotator = annotator
        self.report = LoadReport()
        self.stamp = now()
        self.had_annotations = conn.execute("SELECT 1 FROM annotations LIMIT 1").fetchone() is not None
        self.tags = {name: name for (name,) in conn.execute("SELECT name FROM tags")}
        self.folded = {fold_tag(name): name for name in self.tags}
        self.defined: set[str] = set()  # tag definitions from the file already seen (folded names)

    def load(self, articles: Iterator[IncomingArticle]) -> None:
        for article in articles:
            self.article(article)

    def article(self, item: IncomingArticle) -> None:
        """One article and its spans. A span the file gives a UUID is already here if that id is;
        one without is already here if a live annotation has its span, tag and annotator (so
        two annotations alike but for their ids both survive a lossless round trip). A span the
        file names no annotator for (doccano, brat) is already here if a live annotation by
        anyone has its span and tag: re-importing an export must not copy it to the importer."""
        for tag in item.tags:
            self._define(tag, f"{item.where} tag {tag.name!r}")
        article_id, text, carry = self._article(item)
        alike: set[tuple[int, int, str, str]] = set()
        if self.had_annotations:
            alike.update(self.conn.execute(
                'SELECT start, "end", tag, annotator FROM annotations WHERE article_id = ? AND deleted IS NULL',
                (article_id,),
            ))
        by_anyone = {key[:3] for key in alike}
        rows = []
        for span in item.spans:
            given = _uuid(span.id)
            row = self._row(span, given or new_id(), article_id, text, carry)
            key = (row[2], row[3], row[4], row[9])
            if given is not None:
                present = self.had_annotations and self.conn.execute(
                    "SELECT 1 FROM annotations WHERE id = ?", (given,)).fetchone() is not None
            elif span.annotator is None:
                present = key[:3] in by_anyone
            else:
                present = key in alike
            if present:
                self.report.annotations_present += 1
                continue
            alike.add(key)
            by_anyone.add(key[:3])
            rows.append(row)
        self.conn.executemany(_INSERT, rows)
        self.report.annotations_added += len(rows)

    def _article(self, item: IncomingArticle) -> tuple[str, str, Callable[[int], int]]:
        """The stored article's id and text, and how the file's offsets carry over to that text."""
        if item.text is None:  # the file names a stored text by its checksum
            row = self.conn.execute("SELECT id, text FROM articles WHERE sha256 = ?", (item.sha256,)).fetchone()
            if row is None:
                raise DatasetError(f"{item.where}: no article here has that text (sha256 {item.sha256}); "
                                   "import the article first")
            return row[0], row[1], int
        if not item.text.strip():
            raise DatasetError(f"{item.where}: the text is empty")
        text = canonicalize(item.text)
        if item.sha256 is not None and item.sha256 != sha256(text):
            raise DatasetError(f"{item.where}: \"sha256\" does not match the text")
        if item.status is not None and item.status not in STATUSES:
            raise DatasetError(f"{item.where}: unknown status {item.status!r}")
        title = canonicalize(item.title).strip() if item.title and item.title.strip() else derive_title(text)
        article = NewArticle(text, title, source=item.source, id=item.id, meta=item.meta,
                             status=item.status or "new", imported=item.imported)
        article_id, created, _moved = self.store.insert_article(self.conn, article, self.stamp, free_id=True)
        if created:
            self.report.articles_added += 1
        else:
            self.report.articles_present += 1
            text = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        return article_id, text, _carry(item.text) if text != item.text else int

    def _row(self, span: IncomingSpan, note_id: str, article_id: str, text: str, carry: Callable[[int], int]) -> tuple:
        start, end = carry(span.start), carry(span.end)
        try:
            check_span(text, start, end)
        except PenmarkError as err:
            raise DatasetError(f"{span.where}: {err}") from None
        prefix, quote, suffix = context(text, start, end)
        if span.quote is not None and canonicalize(span.quote) != quote:
            raise DatasetError(f"{span.where}: the text at {span.start}-{span.end} is {quote!r}, "
                               f"not {span.quote!r} as the file says")
        if span.anchor is not None and span.anchor not in ANCHORS[:2]:
            raise DatasetError(f"{span.where}: anchor must be \"exact\" or \"fuzzy\"")
        return (
            note_id, article_id, start, end, self._tag(span.tag, span.where), quote, prefix,
            suffix, span.note, span.annotator or self.annotator, span.created or self.stamp,
            span.updated or span.created or self.stamp, span.version or 1, None, span.anchor or "exact",
        )

    def _tag(self, label: str, where: str) -> str:
        """The tag a label names: the same name, or the same but for case and ``_`` for spaces;
        a label the tag set lacks is added to it (and reported)."""
        found = self.tags.get(label) or self.folded.get(fold_tag(label))
        if found:
            return found
        return self._insert_tag(label.strip(), None, None, "", where)

    def _define(self, tag: Tag, where: str) -> None:
        """A tag definition the file gives: added if the tag set lacks the tag; if it has it with
        other settings, this database's are kept (never overwritten) and the tag reported."""
        folded = fold_tag(tag.name)
        if folded in self.defined:
            return
        self.defined.add(folded)
        found = self.tags.get(tag.name) or self.folded.get(folded)
        if found is None:
            self._insert_tag(tag.name, tag.key, tag.colour, tag.definition, where, keyed=tag.key is not None)
            return
        here = self.conn.execute("SELECT key, colour, definition FROM tags WHERE name = ?", (found,)).fetchone()
        if tuple(here) != (tag.key, tag.colour, tag.definition):
            self.report.tags_kept.append(found)

    def _insert_tag(self, name: str, key: int | None, colour: str | None, definition: str, where: str,
                    *, keyed: bool = True) -> str:
        """Add a tag at the end of the tag set: ``key`` if it is free, else (when ``keyed``) the first
        free digit; ``colour`` or the next default one."""
        position, keys = self.conn.execute("SELECT count(*), json_group_array(key) FROM tags").fetchone()
        taken = set(orjson.loads(keys))
        if keyed and (key is None or key in taken):
            key = next((k for k in range(1, 10) if k not in taken), None)
        tag = Tag(name, key, colour or DEFAULT_TAGS[position % len(DEFAULT_TAGS)].colour, definition)
        try:
            validate([tag], where)
        except PenmarkError as err:
            raise DatasetError(str(err)) from None
        self.conn.execute("INSERT INTO tags(name, key, colour, definition, position) VALUES (?, ?, ?, ?, ?)",
                          (tag.name, tag.key, tag.colour, tag.definition, position))
        self.tags[name] = self.folded[fold_tag(name)] = tag.name
        self.report.tags_added.append(tag.name)
        return tag.name


def _carry(raw: str) -> Callable[[int], int]:
    """Offsets into ``raw`` carried over to its canonical form: the canonical length of what
    comes before each (CRLF counts one, a decomposed accent counts one)."""
    return lru_cache(maxsize=None)(lambda offset: len(canonicalize(raw[:offset])))
