"""The records penmark keeps: articles and the annotations on them."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATUSES = ("new", "in progress", "done")
ANCHORS = ("exact", "fuzzy", "orphan")


def now() -> str:
    """A UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """A time-ordered UUID (RFC 9562 version 7): still unique across annotators' databases, and
    new rows land together at one end of the id indexes instead of on a random page each."""
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    value = (millis << 80) | (0x7 << 76) | ((random >> 62) & 0xFFF) << 64 | (0b10 << 62) | (random & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """What a list of articles shows: everything but the text."""

    id: str
    title: str
    source: str | None
    length: int
    status: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    source: str | None
    text: str
    sha256: str
    meta: dict[str, Any]
    status: str
    imported: str


@dataclass(frozen=True, slots=True)
class Annotation:
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
    version: int = 1
    deleted: str | None = None
    anchor: str = "exact"

    def intact(self, text: str) -> bool:
        """Whether the stored offsets still slice ``text`` to the stored quote."""
        return text[self.start : self.end] == self.quote


ANNOTATION_COLUMNS: tuple[str, ...] = tuple(Annotation.__slots__)  # type: ignore[attr-defined]
