"""Words, sentences and paragraphs of a canonical text, as offsets: the units selections snap to.

A paragraph is a line (news text puts one paragraph per line). Sentences come from pysbd, a
rule-based splitter built for prose with abbreviations ("U.S.", "Gen.", "p.m.") and quotations;
it runs on one paragraph at a time, so finding the sentence under the cursor costs the same in a
1 MB article as in a short one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pysbd import Segmenter

_WORD = re.compile(r"\w+(?:[’'.\-]\w+)*", re.UNICODE)


def paragraph_bounds(text: str, offset: int) -> tuple[int, int]:
    """The line around ``offset``: [start, end) without its newline."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


@lru_cache(maxsize=1)
def _segmenter() -> Segmenter:
    import pysbd  # 60 ms to import: only when the first sentence is asked for

    return pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=64)
def _sentences_of(paragraph: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans within one paragraph, trimmed of surrounding white space."""
    spans = []
    position = 0
    for piece in _segmenter().segment(paragraph):
        # clean=False keeps every character, so the pieces tile the paragraph; find() guards
        # against the rare piece pysbd returns with white space trimmed.
        start = paragraph.find(piece, position) if piece else -1
        if start < 0:
            continue
        end = start + len(piece)
        position = end
        stripped_start = start + (len(piece) - len(piece.lstrip()))
        stripped_end = end - (len(piece) - len(piece.rstrip()))
        if stripped_start < stripped_end:
            spans.append((stripped_start, stripped_end))
    return tuple(spans)


_WINDOW = 2_000  # pysbd is superlinear: a long paragraph is split only this far around the offset


def sentences(text: str, offset: int) -> list[tuple[int, int]]:
    """The sentences of the paragraph holding ``offset``, as offsets into ``text``. In a paragraph
    longer than twice ``_WINDOW`` (a one-line 10 MB file is one paragraph), only the whole
    sentences within ``_WINDOW`` characters of ``offset``."""
    start, end = paragraph_bounds(text, offset)
    if end - start <= 2 * _WINDOW:
        return [(start + s, start + e) for s, e in _sentences_of(text[start:end])]
    low, high = max(start, offset - _WINDOW), min(end, offset + _WINDOW)
    found = [(low + s, low + e) for s, e in _sentences_of(text[low:high])]
    if low > start:
        found = found[1:]  # it may begin before the window
    if high < end:
        found = found[:-1]  # it may end after it
    return found


def sentence_at(text: str, offset: int) -> tuple[int, int] | None:
    """The sentence under ``offset`` (or the nearest one in its paragraph); None on a blank line."""
    found = sentences(text, offset)
    if not found:
        return None
    for start, end in found:
        if offset < end:
            return start, end
    return found[-1]


def next_sentence_end(text: str, offset: int) -> int:
    """Where ``)`` moves: the end of the sentence at ``offset``, or of the next one."""
    position = offset
    while position < len(text):
        for _start, end in sentences(text, position):
            if end > offset:
                return end
        following = text.find("\n", position)
        if following < 0:
            break
        position = following + 1
    return len(text)


def previous_sentence_start(text: str, offset: int) -> int:
    """Where ``(`` moves: the start of the sentence before ``offset``."""
    position = offset
    while position > 0:
        for start, _end in reversed(sentences(text, position)):
            if start < offset:
                return start
        position = text.rfind("\n", 0, position)
        if position < 0:
            break
    return 0


def next_word_end(text: str, offset: int) -> int:
    """Where ``w`` moves: the end of the next word that ends after ``offset``."""
    match = _WORD.search(text, offset)
    while match and match.end() <= offset:
        match = _WORD.search(text, match.end())
    return match.end() if match else len(text)


def previous_word_start(text: str, offset: int) -> int:
    """Where ``b`` moves: the start of the word before ``offset``."""
    window = max(0, offset - 200)
    starts = [m.start() for m in _WORD.finditer(text, window, offset) if m.start() < offset]
    return starts[-1] if starts else window


def next_paragraph_end(text: str, offset: int) -> int:
    """Where ``}`` moves: the end of this paragraph, or of the next non-empty one."""
    position = offset
    while True:
        start, end = paragraph_bounds(text, position)
        if end > offset and text[start:end].strip():
            return end
        if end >= len(text):
            return len(text)
        position = end + 1


def previous_paragraph_start(text: str, offset: int) -> int:
    """Where ``{`` moves: the start of this paragraph, or of the previous non-empty one."""
    position = offset
    while True:
        start, end = paragraph_bounds(text, position)
        if start < offset and text[start:end].strip():
            return start
        if start == 0:
            return 0
        position = start - 1
