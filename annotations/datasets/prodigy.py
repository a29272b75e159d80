"""Prodigy / spaCy JSONL: ``{"text", "tokens": [{"text", "start", "end", "id", "ws"}], "spans":
[{"start", "end", "token_start", "token_end", "label"}], "meta", "answer": "accept"}``, with
``token_end`` inclusive. Tokens come from tokens.py, so every span sits on token boundaries."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from .incoming import DatasetError, IncomingArticle, IncomingSpan, check_format, json_lines, need, optional
from .records import Record
from .tokens import tokenize


def write(records: Iterable[Record], out: BinaryIO) -> None:
    for record in records:
        article, notes = record.article, record.annotations
        text = article.text
        tokens = tokenize(text, ((note.start, note.end) for note in notes))
        starts = [token.start for token in tokens]
        ends = [token.end for token in tokens]
        spans = [
            {
                "start": note.start, "end": note.end,
                "token_start": bisect_left(starts, note.start), "token_end": bisect_left(ends, note.end),
                "label": note.tag, "id": note.id, "annotator": note.annotator, "note": note.note,
            }
            for note in notes
        ]
        line = {
            "text": text,
            "tokens": [
                {"text": text[t.start : t.end], "start": t.start, "end": t.end, "id": i, "ws": t.ws}
                for i, t in enumerate(tokens)
            ],
            "spans": spans,
            "meta": {"id": article.id, "title": article.title, "sha256": article.sha256},
            "answer": "accept",
        }
        out.write(orjson.dumps(line))
        out.write(b"\n")


def read(path: Path) -> Iterator[IncomingArticle]:
    """Accepted examples (or ones without an answer); rejected and ignored ones are skipped."""
    for where, item in json_lines(path):
        need(item, dict, where, "line")
        check_format(item, "spacy", where)
        if item.get("answer", "accept") != "accept":
            continue
        meta = optional(item, "meta", dict, where) or {}
        article = IncomingArticle(
            where, need(item.get("text"), str, where, "text"),
            title=meta.get("title") if isinstance(meta.get("title"), str) else None,
            id=meta.get("id") if isinstance(meta.get("id"), str) else None,
            meta={k: v for k, v in meta.items() if k not in ("id", "title", "sha256")},
        )
        for number, span in enumerate(need(item.get("spans", []), list, where, "spans"), 1):
            at = f"{where} span {number}"
            need(span, dict, at, "span")
            if "label" not in span:
                raise DatasetError(f"{at}: has no \"label\"")
            article.spans.append(IncomingSpan(
                at, need(span.get("start"), int, at, "start"), need(span.get("end"), int, at, "end"),
                need(span["label"], str, at, "label"),
                note=optional(span, "note", str, at) or "",
                annotator=optional(span, "annotator", str, at) or optional(item, "_annotator_id", str, where),
                id=optional(span, "id", str, at),
            ))
        yield article
