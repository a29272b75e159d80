"""CoNLL IOB2: one ``token<TAB>tag`` line per token (``B-claim``, ``I-claim`` or ``O``), a blank
line between sentences, ``-DOCSTART-`` before each article. IOB cannot hold overlapping spans:
the longest of overlapping annotations is kept (the earliest among equals) and every other one
is reported, never dropped silently. A sentence never breaks inside a kept span."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO

from ..segment import paragraph_bounds, sentences
from .records import Record, Row
from .tokens import tokenize

Dropped = Callable[[Row, Row], None]  # (dropped, the one kept over it)


def kept_spans(notes: list[Row], dropped: Dropped) -> list[Row]:
    """The annotations IOB can hold: longest first, each kept unless it overlaps one kept."""
    kept: list[Row] = []
    for note in sorted(notes, key=lambda n: (n.start - n.end, n.start)):
        clash = next((k for k in kept if k.start < note.end and note.start < k.end), None)
        if clash is None:
            kept.append(note)
        else:
            dropped(note, clash)
    return sorted(kept, key=lambda n: n.start)


def sentence_starts(text: str) -> list[int]:
    """Where each sentence after the first begins."""
    starts: list[int] = []
    at = 0
    while at < len(text):
        start, end = paragraph_bounds(text, at)
        starts.extend(s for s, _e in sentences(text, start))
        at = end + 1
    return starts[1:]


def lines(record: Record, dropped: Dropped) -> Iterable[str]:
    text = record.article.text
    spans = kept_spans(record.annotations, dropped)
    breaks = sentence_starts(text)
    yield "-DOCSTART-\tO\n\n"
    span_index = break_index = 0
    open_span: Row | None = None
    wrote = False
    for token in tokenize(text, ((n.start, n.end) for n in spans)):
        if text[token.start].isspace():
            continue
        while span_index < len(spans) and spans[span_index].end <= token.start:
            span_index += 1
        span = spans[span_index] if span_index < len(spans) and spans[span_index].start <= token.start else None
        crossed = False
        while break_index < len(breaks) and breaks[break_index] <= token.start:
            break_index += 1
            crossed = True
        if crossed and wrote and (span is None or span.start == token.start):
            yield "\n"
        if span is None:
            label = "O"
        else:
            label = f"{'B' if span.start == token.start or span is not open_span else 'I'}-{span.tag}"
        open_span = span
        wrote = True
        yield f"{text[token.start:token.end]}\t{label}\n"
    if wrote:
        yield "\n"


def write(records: Iterable[Record], out: BinaryIO, dropped: Dropped) -> None:
    for record in records:
        out.write("".join(lines(record, dropped)).encode("utf-8"))
