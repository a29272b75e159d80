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
    starts = _FORMULA_STARTS
    try:
        rows = csv.writer(text)
        rows.writerow(COLUMNS)
        for record in records:
            article_id, title = cell(record.article.id), cell(record.article.title)
            # cell() written out inline: a function call per cell is a third of the export's time.
            rows.writerows(
                (article_id, title, n.id, n.start, n.end,
                 "'" + n.tag if n.tag.startswith(starts) else n.tag,
                 "'" + n.quote if n.quote.startswith(starts) else n.quote,
                 "'" + n.note if n.note.startswith(starts) else n.note,
                 "'" + n.annotator if n.annotator.startswith(starts) else n.annotator,
                 n.created, n.updated)
                for n in record.annotations
            )
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
