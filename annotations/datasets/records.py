"""What an export walks: each article with its selected annotations, streamed from a snapshot."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

import orjson

from .. import schema
from ..model import ANNOTATION_COLUMNS, Article

if TYPE_CHECKING:
    from ..store import Store

_ARTICLE_ID, _SPAN = itemgetter(1), itemgetter(2, 3)
_ARTICLE_COLUMNS = "id, title, source, text, sha256, meta, status, imported"
_ANNOTATION_COLUMNS = ", ".join(f'"{c}"' for c in ANNOTATION_COLUMNS)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which annotations an export holds; an empty tuple selects all."""

    tags: tuple[str, ...] = ()
    annotators: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()

    @property
    def narrows_annotations(self) -> bool:
        return bool(self.tags or self.annotators)


class Row(NamedTuple):
    """An annotation as an export reads it: a plain tuple, seven times cheaper to make than an
    ``Annotation`` (at a million rows, 0.3 s instead of 2.3 s), with the same field names."""

    id: str
    article_id: str
    start: int
    end: int
    tag: str
    quote: str
    prefix: str
    suffix: str
    note: str
    annotator: str
    created: str
    updated: str
    version: int
    deleted: str | None
    anchor: str


assert Row._fields == ANNOTATION_COLUMNS, "Row must follow the annotations table"


@dataclass(frozen=True, slots=True)
class Record:
    """One article and the annotations of it an export writes, in text order."""

    article: Article
    annotations: list[Row] = field(default_factory=list)


@contextmanager
def snapshot(store: Store) -> Iterator[sqlite3.Connection]:
    """A consistent read of the whole database that never holds up the store's own saves: a
    connection of its own in one read transaction (an in-memory store has only its own)."""
    if store.path is None:
        with store.reading() as conn:
            yield conn
        return
    conn = schema.connect(store.path)
    try:
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


def _where(clauses: list[tuple[str, tuple[str, ...]]]) -> tuple[str, list[str]]:
    """SQL conditions for the clauses whose values were given (each value list as JSON)."""
    parts = [f"{column} IN (SELECT value FROM json_each(?))" for column, values in clauses if values]
    args = [json.dumps(list(values)) for _column, values in clauses if values]
    return (" AND ".join(parts) or "1"), args


def count(conn: sqlite3.Connection, filters: Filters) -> tuple[int, int]:
    """How many articles and live annotations an export with ``filters`` holds."""
    where, args = _where([("article_id", filters.articles), ("tag", filters.tags), ("annotator", filters.annotators)])
    notes = conn.execute(f"SELECT count(*) FROM annotations WHERE deleted IS NULL AND {where}", args).fetchone()[0]
    if filters.narrows_annotations:
        articles = conn.execute(
            f"SELECT count(DISTINCT article_id) FROM annotations WHERE deleted IS NULL AND {where}", args
        ).fetchone()[0]
    else:
        where, args = _where([("id", filters.articles)])
        articles = conn.execute(f"SELECT count(*) FROM articles WHERE {where}", args).fetchone()[0]
    return articles, notes


def records(conn: sqlite3.Connection, filters: Filters) -> Iterator[Record]:
    """Articles in id order, each with its live annotations that pass ``filters``. Two cursors
    walk both tables side by side, so memory holds one article at a time, never the whole set.
    Articles without a selected annotation come too, unless a tag or annotator filter is set."""
    where, args = _where([("id", filters.articles)])
    articles = conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE {where} ORDER BY id", args)
    where, args = _where([("article_id", filters.articles), ("tag", filters.tags), ("annotator", filters.annotators)])
    cursor = conn.cursor().execute(
        f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE deleted IS NULL AND {where} ORDER BY article_id", args
    )
    groups = groupby(map(Row._make, cursor), key=_ARTICLE_ID)
    pending = next(groups, None)
    for row in articles:
        article = Article(*row[:5], orjson.loads(row[5]), *row[6:])
        notes: list[Row] = []
        while pending is not None and pending[0] <= article.id:
            if pending[0] == article.id:
                notes = sorted(pending[1], key=_SPAN)
            pending = next(groups, None)
        if notes or not filters.narrows_annotations:
            yield Record(article, notes)
