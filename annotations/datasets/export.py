"""Export the store to a dataset file (or a brat folder): filtered, streamed, checked, atomic.

Every annotation is checked against its article before it is written: one whose offsets no
longer slice the text to its quote (or that lost its place) is reported and left out, never
written wrong. A format that cannot hold an annotation (CoNLL and overlapping spans) reports it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Store
from ..tags import Tag, fold_tag
from . import brat, conll, csv_rows, doccano, jsonl, labelstudio, prodigy, w3c
from .destination import DestinationError, output_file, output_folder
from .incoming import DatasetError
from .records import Filters, Record, Row, count, records, snapshot

Progress = Callable[[int, int], None]  # (articles done, articles in all)
ALL = Filters()

FORMATS: dict[str, str] = {
    "jsonl": "penmark's own JSON Lines, lossless",
    "doccano": "doccano sequence-labeling JSONL",
    "spacy": "Prodigy / spaCy JSONL with tokens and spans",
    "labelstudio": "Label Studio JSON tasks",
    "brat": "brat standoff .txt + .ann (a folder, or a .zip)",
    "w3c": "W3C Web Annotation JSON-LD",
    "csv": "one row per annotation",
    "conll": "CoNLL IOB2, one token per line",
}
SUFFIXES = {"jsonl": ".jsonl", "doccano": ".doccano.jsonl", "spacy": ".spacy.jsonl", "labelstudio": ".json", "brat": "",
            "w3c": ".jsonld", "csv": ".csv", "conll": ".conll"}


@dataclass(slots=True)
class ExportReport:
    articles: int = 0
    annotations: int = 0
    left_out: list[str] = field(default_factory=list)  # one line per annotation not exported, and why

    @property
    def ok(self) -> bool:
        return not self.left_out


def _short(note: Row) -> str:
    return f"annotation {note.id} ({note.tag} {note.start}-{note.end} in article {note.article_id})"


def _checked(records: Iterable[Record], report: ExportReport, total: int, progress: Progress | None) -> Iterator[Record]:
    """Records with stale annotations taken out (and reported), counted as they pass."""
    for done, record in enumerate(records, 1):
        text = record.article.text
        good = []
        for note in record.annotations:
            if note.anchor == "orphan":
                report.left_out.append(f"{_short(note)}: lost its place in the text (orphan)")
            elif text[note.start : note.end] != note.quote:
                report.left_out.append(f"{_short(note)}: its quote no longer matches the text (stale)")
            else:
                good.append(note)
        report.articles += 1
        report.annotations += len(good)
        yield Record(record.article, good) if len(good) != len(record.annotations) else record
        if progress:
            progress(done, total)


def check_filters(store: Store, filters: Filters) -> Filters:
    """``filters`` with each tag and annotator as the database spells it: matched ignoring case
    (a tag also ``_`` for a space), as search's ``tag:`` and ``by:`` do; unknown ones refused."""
    known = [tag.name for tag in store.tags()]
    folded = {fold_tag(name): name for name in reversed(known)}  # the first of names alike wins
    tags = tuple(dict.fromkeys(t if t in known else folded.get(fold_tag(t), t) for t in filters.tags))
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise DatasetError(f"unknown tag {unknown[0]!r} (the tag set has: {', '.join(sorted(known))})")
    for article_id in filters.articles:
        store.article(article_id)  # NotFoundError names it
    annotators: tuple[str, ...] = ()
    if filters.annotators:  # none of them has annotated anything: most likely a typo
        present = set(store.stats()["annotations_by_annotator"])
        wanted = {name.casefold() for name in filters.annotators}
        annotators = tuple(sorted(name for name in present if name.casefold() in wanted))
        if not annotators:
            names = " or ".join(repr(name) for name in filters.annotators)
            raise DatasetError(f"no annotations by {names} (annotators here: {', '.join(sorted(present)) or 'none'})")
    return Filters(tags, annotators, filters.articles)


def export(
    store: Store,
    format: str,
    target: str | Path | None,
    *,
    filters: Filters = ALL,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the annotations ``filters`` select to ``target`` (None or "-": standard output)."""
    if format not in FORMATS:
        raise DatasetError(f"unknown format {format!r} (one of: {', '.join(FORMATS)})")
    filters = check_filters(store, filters)
    report = ExportReport()
    with snapshot(store) as conn:
        total = count(conn, filters)[0]
        stream = _checked(records(conn, filters), report, total, progress)
        try:
            _write(format, stream, target, force, report, _tag_set(conn) if format == "jsonl" else ())
        except BrokenPipeError:
            raise  # the reader went away (`| head`): the caller stops quietly, as for other output
        except OSError as err:
            where = "standard output" if target is None or str(target) == "-" else target
            raise DestinationError(f"{where}: cannot be written ({err.strerror or err})") from None
    return report


def _tag_set(conn: sqlite3.Connection) -> tuple[Tag, ...]:
    return tuple(Tag(*row) for row in conn.execute("SELECT name, key, colour, definition FROM tags ORDER BY position"))


def _write(format: str, stream: Iterator[Record], target: str | Path | None, force: bool, report: ExportReport,
           tags: tuple[Tag, ...]) -> None:
    if format == "brat":
        if target is None or str(target) == "-":
            raise DatasetError("brat writes a folder or a .zip: give one with -o")
        if str(target).lower().endswith(".zip"):
            with output_file(target, force=force) as out:
                brat.write_zip(stream, out)
        else:
            with output_folder(target, force=force) as folder:
                brat.write_folder(stream, folder)
        return
    with output_file(target, force=force) as out:
        if format == "conll":
            def dropped(note: Row, kept: Row) -> None:
                report.annotations -= 1
                report.left_out.append(f"{_short(note)}: overlaps {_short(kept)}, which CoNLL IOB2 keeps instead")

            conll.write(stream, out, dropped)
        elif format == "jsonl":
            jsonl.write(stream, out, tags)
        else:
            writers = {"doccano": doccano.write, "spacy": prodigy.write,
                       "labelstudio": labelstudio.write, "w3c": w3c.write, "csv": csv_rows.write}
            writers[format](stream, out)
