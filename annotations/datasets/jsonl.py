"""penmark's own JSON Lines, lossless: one article per line, its text, metadata and SHA-256, and
every annotation with its id, offsets, quote and context, note, annotator, times and version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from .incoming import DatasetError, IncomingArticle, IncomingSpan, check_format, json_lines, need, optional
from .records import Record


def write(records: Iterable[Record], out: BinaryIO) -> None:
    for record in records:
        article = record.article
        line = {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "sha256": article.sha256,
            "meta": article.meta,
            "status": article.status,
            "imported": article.imported,
            "text": article.text,
            "annotations": [
                {"id": n.id, "start": n.start, "end": n.end, "tag": n.tag, "quote": n.quote, "prefix": n.prefix,
                 "suffix": n.suffix, "note": n.note, "annotator": n.annotator, "created": n.created,
                 "updated": n.updated, "version": n.version, "anchor": n.anchor}
                for n in record.annotations
            ],
        }
        out.write(orjson.dumps(line))
        out.write(b"\n")


def read(path: Path) -> Iterator[IncomingArticle]:
    for where, item in json_lines(path):
        need(item, dict, where, "line")
        check_format(item, "jsonl", where)
        article = IncomingArticle(
            where,
            need(item.get("text"), str, where, "text"),
            title=optional(item, "title", str, where),
            id=optional(item, "id", str, where),
            meta=optional(item, "meta", dict, where),
            source=optional(item, "source", str, where),
            sha256=optional(item, "sha256", str, where),
            status=optional(item, "status", str, where),
            imported=optional(item, "imported", str, where),
        )
        for number, note in enumerate(need(item.get("annotations", []), list, where, "annotations"), 1):
            at = f"{where} annotation {number}"
            need(note, dict, at, "annotation")
            if "start" not in note or "end" not in note or "tag" not in note:
                raise DatasetError(f"{at}: needs \"start\", \"end\" and \"tag\"")
            article.spans.append(IncomingSpan(
                at, need(note["start"], int, at, "start"), need(note["end"], int, at, "end"),
                need(note["tag"], str, at, "tag"),
                note=optional(note, "note", str, at) or "",
                annotator=optional(note, "annotator", str, at),
                id=optional(note, "id", str, at),
                quote=optional(note, "quote", str, at),
                created=optional(note, "created", str, at),
                updated=optional(note, "updated", str, at),
                version=optional(note, "version", int, at),
                anchor=optional(note, "anchor", str, at),
            ))
        yield article
