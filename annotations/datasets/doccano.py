"""doccano sequence labeling JSONL: ``{"id", "text", "label": [[start, end, "LABEL"], ...]}``,
sorted, end exclusive. Reading also takes the relation variant's ``"entities"``."""

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
            "text": article.text,
            "label": [[note.start, note.end, note.tag] for note in record.annotations],
            "meta": {"title": article.title, "sha256": article.sha256},
        }
        out.write(orjson.dumps(line))
        out.write(b"\n")


def read(path: Path) -> Iterator[IncomingArticle]:
    for where, item in json_lines(path):
        need(item, dict, where, "line")
        check_format(item, "doccano", where)
        meta = optional(item, "meta", dict, where) or {}
        article = IncomingArticle(
            where, need(item.get("text"), str, where, "text"),
            title=meta.get("title") if isinstance(meta.get("title"), str) else None,
            id=str(item["id"]) if isinstance(item.get("id"), str) else None,
            meta={k: v for k, v in meta.items() if k not in ("title", "sha256")},  # penmark's own, not meta
        )
        for number, label in enumerate(need(item.get("label", []), list, where, "label"), 1):
            at = f"{where} label {number}"
            if not (isinstance(label, list) and len(label) == 3):
                raise DatasetError(f"{at}: a label must be [start, end, \"LABEL\"]")
            article.spans.append(IncomingSpan(at, need(label[0], int, at, "start"), need(label[1], int, at, "end"),
                                              need(label[2], str, at, "label")))
        for number, entity in enumerate(need(item.get("entities", []), list, where, "entities"), 1):
            at = f"{where} entity {number}"
            need(entity, dict, at, "entity")
            article.spans.append(IncomingSpan(
                at, need(entity.get("start_offset"), int, at, "start_offset"),
                need(entity.get("end_offset"), int, at, "end_offset"), need(entity.get("label"), str, at, "label"),
            ))
        yield article
