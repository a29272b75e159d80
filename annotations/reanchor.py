"""Carrying annotations over to a changed version of their article's text.

Each live annotation is placed, in this order:

1. **exact, with the text**: a diff of the old and new text (lines first, then characters inside
   changed lines) gives the stretches that did not change; a span wholly inside one moves with
   it. An edit anywhere inside a span breaks its stretch, so an edited passage is never exact.
2. **fuzzy**: the best alignment of the quote near where the diff puts it
   (``rapidfuzz.fuzz.partial_ratio_alignment``), if it scores at least ``MIN_SCORE``: a passage
   edited in place is found here, for the annotator to confirm.
3. **exact, moved**: the unchanged quote elsewhere in the new text (a paragraph moved), where the
   most of its prefix and suffix still stands (at least half), then the nearest. The quote
   elsewhere with less of its context is **fuzzy**: the same words in other surroundings.
4. **orphan**: nowhere good enough; it keeps its quote and waits for the annotator.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .model import Annotation
from .text import CONTEXT_CHARS, snap

MIN_SCORE = 80.0
MIN_FUZZY_CHARS = 8  # shorter quotes match too much by chance to be placed by likeness
_WORD_DIFF_MAX = 200_000  # a word diff costs O(n*m/64) in words: only inside changed blocks this small
_WORDS = re.compile(r"\w+\W*|\W+")  # a word with the separator after it: words align, not spaces
# Where a fuzzy place may begin and end: a word, or a word with the marks around it ("years,").
_EDGES = (re.compile(r"\w+"), re.compile(r"\S+"))


@dataclass(frozen=True, slots=True)
class Placement:
    start: int
    end: int
    anchor: str  # "exact", "fuzzy" or "orphan"
    score: float = 100.0


@dataclass(frozen=True, slots=True)
class Stretch:
    """Characters ``old[start:end]`` that are unchanged at ``new[moved_to:]``."""

    start: int
    end: int
    moved_to: int


def unchanged(old: str, new: str) -> list[Stretch]:
    """The stretches of ``old`` that stay the same in ``new``, in order: lines are compared
    first, then the words and separators of each changed block (whole words, so a short word
    is never pieced together from the letters of others)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_at, new_at = _starts(old_lines), _starts(new_lines)
    stretches: list[Stretch] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b, c, d = old_at[i1], old_at[i2], new_at[j1], new_at[j2]
        if tag == "equal":
            stretches.append(Stretch(a, b, c))
        elif tag == "replace" and b - a <= _WORD_DIFF_MAX and d - c <= _WORD_DIFF_MAX:
            stretches.extend(_words_unchanged(old, new, a, b, c, d))
    return _joined(stretches)


def _words_unchanged(old: str, new: str, a: int, b: int, c: int, d: int) -> list[Stretch]:
    """Unchanged stretches of ``old[a:b]`` in ``new[c:d]``: equal words, and between them the
    characters a changed stretch still begins and ends with ("w51 w52" cut to "w51")."""
    old_words, new_words = _WORDS.findall(old[a:b]), _WORDS.findall(new[c:d])
    old_at, new_at = _starts(old_words), _starts(new_words)
    equal = [
        (a + old_at[op.src_start], a + old_at[op.src_end], c + new_at[op.dest_start], c + new_at[op.dest_end])
        for op in Indel.opcodes(old_words, new_words) if op.tag == "equal"
    ]
    stretches: list[Stretch] = []
    old_from, new_from = a, c
    for old_start, old_end, new_start, new_end in [*equal, (b, b, d, d)]:
        gap_old, gap_new = old[old_from:old_start], new[new_from:new_start]
        head = _common_prefix(gap_old, gap_new)
        while head and not (_edge(old, old_from + head) and _edge(new, new_from + head)):
            head -= 1  # whole words only: "w1" of "w1 " is not the "w1" of "w1s "
        tail = min(_common_suffix(gap_old, gap_new), len(gap_old) - head, len(gap_new) - head)
        while tail and not (_edge(old, old_start - tail) and _edge(new, new_start - tail)):
            tail -= 1
        stretches.append(Stretch(old_from, old_from + head, new_from))
        stretches.append(Stretch(old_start - tail, old_start, new_start - tail))
        stretches.append(Stretch(old_start, old_end, new_start))
        old_from, new_from = old_end, new_end
    return stretches


def _edge(text: str, at: int) -> bool:
    """Whether ``at`` is not inside a word."""
    return not (text[at - 1 : at].isalnum() and text[at : at + 1].isalnum())


def _starts(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _joined(stretches: list[Stretch]) -> list[Stretch]:
    """Neighbouring stretches that continue each other in both texts become one."""
    joined: list[Stretch] = []
    for stretch in stretches:
        last = joined[-1] if joined else None
        if last and last.end == stretch.start and last.moved_to + (last.end - last.start) == stretch.moved_to:
            joined[-1] = Stretch(last.start, stretch.end, last.moved_to)
        elif stretch.end > stretch.start:
            joined.append(stretch)
    return joined


def _mapped(stretches: list[Stretch], starts: list[int], offset: int) -> int:
    """Where ``offset`` of the old text lands in the new one (the nearest unchanged stretch)."""
    index = bisect_right(starts, offset) - 1
    if index < 0:
        return 0 if not stretches else max(0, stretches[0].moved_to - (stretches[0].start - offset))
    stretch = stretches[index]
    return stretch.moved_to + min(offset, stretch.end) - stretch.start


def _common_suffix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b)):
        if x != y:
            break
        count += 1
    return count


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def place(note: Annotation, new: str, stretches: list[Stretch], starts: list[int]) -> Placement:
    """Where ``note`` belongs in ``new``; see the module's docstring for the order of tries."""
    index = bisect_right(starts, note.start) - 1
    if index >= 0 and note.end <= stretches[index].end:
        moved = stretches[index].moved_to + note.start - stretches[index].start
        if _context(note, new, moved) < len(note.prefix) + len(note.suffix):
            # Its surroundings changed: if the quote stands elsewhere too, context decides.
            return _moved_quote(note, new, moved, wanted=0) or Placement(moved, moved + len(note.quote), "exact")
        return Placement(moved, moved + len(note.quote), "exact")
    expected = _mapped(stretches, starts, note.start)
    return _fuzzy(note, new, expected) or _moved_quote(note, new, expected) or _orphan(note, new)


def _context(note: Annotation, new: str, at: int) -> int:
    """How many characters of the note's prefix and suffix stand around ``new[at:]``."""
    end = at + len(note.quote)
    return _common_suffix(new[max(0, at - CONTEXT_CHARS) : at], note.prefix) + _common_prefix(
        new[end : end + CONTEXT_CHARS], note.suffix
    )


def _same_edges(note: Annotation, new: str, at: int) -> bool:
    """The characters just outside the quote are what they were, or both edges of words: "w1"
    in "w1s" is not the word "w1"."""
    end = at + len(note.quote)
    return _alike(new[at - 1 : at], note.prefix[-1:]) and _alike(new[end : end + 1], note.suffix[:1])


def _alike(a: str, b: str) -> bool:
    """Two neighbouring characters ("" for a text edge) that bound the quote the same way."""
    return a == b or not (a.isalnum() or b.isalnum())


def _moved_quote(note: Annotation, new: str, expected: int, wanted: int | None = None) -> Placement | None:
    """The quote where it stands in ``new`` as a whole (see ``_same_edges``), where the most of
    its context is, the nearest to ``expected`` among equals. Exact if at least ``wanted``
    characters of its context stand there (by default half of it): the passage moved. With less,
    the same words elsewhere, in other surroundings, are only a guess: fuzzy, for the annotator to
    confirm (its passage was edited or deleted; it must never silently become exact elsewhere)."""
    found: list[tuple[int, int, int]] = []  # (-context, distance, start)
    at = new.find(note.quote)
    while at >= 0:
        if _same_edges(note, new, at):
            found.append((-_context(note, new, at), abs(at - expected), at))
        at = new.find(note.quote, at + 1)
    if not found:
        return None
    context, _distance, start = min(found)
    needed = min(CONTEXT_CHARS, (len(note.prefix) + len(note.suffix)) // 2) if wanted is None else wanted
    if -context >= needed:
        return Placement(start, start + len(note.quote), "exact")
    share = -context / needed if needed else 1.0
    return Placement(start, start + len(note.quote), "fuzzy", round(100 * share, 1))


def _fuzzy(note: Annotation, new: str, expected: int) -> Placement | None:
    length = len(note.quote)
    if length < MIN_FUZZY_CHARS:
        return None
    left = max(0, expected - length - 2 * CONTEXT_CHARS)
    window = new[left : expected + 2 * length + 2 * CONTEXT_CHARS]
    aligned = fuzz.partial_ratio_alignment(note.quote, window, score_cutoff=MIN_SCORE)
    if aligned is None:
        return None
    start, end = _whole_passage(note.quote, new, left + aligned.dest_start, left + aligned.dest_end)
    span = snap(new, start, end)
    if span is None:
        return None
    return Placement(span.start, span.end, "fuzzy", round(aligned.score, 1))


def _whole_passage(quote: str, new: str, start: int, end: int) -> tuple[int, int]:
    """The bounds, near an alignment's ``start`` and ``end``, whose text is most like the whole
    ``quote``: ``partial_ratio`` finds the best-matching part, which can stop short of the
    passage ("…protected bike" for "…protected bike lanes." once the sentence was edited)."""
    reach = max(CONTEXT_CHARS, len(quote) // 4)
    edges = [(m.start(), m.end()) for pattern in _EDGES for m in pattern.finditer(new, max(0, start - reach), start + reach)]
    near_start = sorted({a for a, _ in edges})
    edges = [(m.start(), m.end()) for pattern in _EDGES for m in pattern.finditer(new, max(0, end - reach), end + reach)]
    near_end = sorted({b for _, b in edges})
    candidates = [(s, e) for s in near_start or [start] for e in near_end or [end] if e > s]
    if not candidates:
        return start, end
    # The likest; among equals the widest, so an edge word is kept rather than dropped.
    return max(candidates, key=lambda se: (fuzz.ratio(quote, new[se[0]:se[1]]), se[1] - se[0]))


def relocate(note: Annotation, text: str) -> Placement:
    """Where ``note`` belongs in ``text`` when there is no earlier text to diff against: its
    quote as it stands (by context, then nearness), a fuzzy place near its old offsets, or nowhere."""
    found = _moved_quote(note, text, note.start) or _fuzzy(note, text, note.start)
    return found or _orphan(note, text)


def _orphan(note: Annotation, text: str) -> Placement:
    """An orphan keeps offsets that are valid in the new text, though they mean nothing now."""
    start = min(note.start, max(0, len(text) - 1))
    return Placement(start, max(start + 1, min(note.end, len(text))), "orphan", 0.0)


def reanchor(notes: list[Annotation], old: str, new: str) -> list[tuple[Annotation, Placement]]:
    """Each annotation of ``old`` with its place in ``new``."""
    stretches = unchanged(old, new)
    starts = [stretch.start for stretch in stretches]
    return [(note, place(note, new, stretches, starts)) for note in notes]
