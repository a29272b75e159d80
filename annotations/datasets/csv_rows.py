"""CSV: one row per annotation. A cell that begins with ``= + - @``, a tab or a carriage return
is written with a leading apostrophe, so a spreadsheet shows it as text instead of running it as
a formula (CSV injection); read it back with ``newline=''``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from .records import Record

COLUMNS = ("article_id", "article_title", "id", "start", "end", "tag", "quote", "note", "annotator",
           "created", "updated")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write(records: Iterable[Record], out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        rows = csv.writer(text)
        rows.writerow(COLUMNS)
        for record in records:
            article_id, title = cell(record.article.id), cell(record.article.title)
            rows.writerows(
                (article_id, title, note.id, note.start, note.end, cell(note.tag), cell(note.quote),
                 cell(note.note), cell(note.annotator), note.created, note.updated)
                for note in record.annotations
            )
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
