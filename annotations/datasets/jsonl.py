"""penmark's own JSON Lines, lossless: one article per line, its text, metadata and SHA-256, and
every annotation with its id, offsets, quote and context, note, annotator, times and version.

Each line also carries ``"tags"``: the definitions (name, key, colour, definition) of the tags
its annotations use, in the tag set's order. Every line stands alone (a file split or filtered
line by line keeps them) and a reader that wants only the text and annotations skips the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

from .incoming import DatasetError, IncomingArticle, IncomingSpan, check_format, json_lines, need, optional
from ..tags import Tag
from .records import Record


def write(records: Iterable[Record], out: BinaryIO, tags: Sequence[Tag] = ()) -> None:
    """``tags``: the tag set, in order, whose definitions the lines carry."""
    definitions = {t.name: {"name": t.name, "key": t.key, "colour": t.colour, "definition": t.definition}
                   for t in tags}
    position = {name: i for i, name in enumerate(definitions)}
    for record in records:
        article = record.article
        used = sorted({n.tag for n in record.annotations}, key=lambda name: position.get(name, len(position)))
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
            "tags": [definitions[name] for name in used if name in definitions],
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
        for number, tag in enumerate(need(item.get("tags", []), list, where, "tags"), 1):
            at = f"{where} tag {number}"
            need(tag, dict, at, "tag")
            article.tags.append(Tag(need(tag.get("name"), str, at, "name"), optional(tag, "key", int, at),
                                    need(tag.get("colour"), str, at, "colour"),
                                    optional(tag, "definition", str, at) or ""))
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
