"""Soft-wrap offsets for long articles, identical to Textual's but computed per row, not per word.

Textual's ``compute_wrap_offsets`` walks every word of a line in Python, which makes wrapping a
1 MB article cost ~150 ms each time the width changes. For a line whose characters are all one
cell wide and that has no tabs (nearly all news prose), the same greedy rule can be applied a row
at a time with two regular-expression calls. Other lines use Textual's own function, so the
result is always Textual's (tests compare both on random lines).

Textual's rule: a line is split into chunks (a word with the whitespace after it, or leading
whitespace); a chunk that does not fit on the current row starts a new row; a chunk wider than
a whole row is folded into rows of exactly ``width`` cells.
"""

from __future__ import annotations

import re
from functools import cache

from rich.cells import get_character_cell_size
from textual._wrap import compute_wrap_offsets

# Where a chunk starts: whitespace then non-whitespace. Matching ``[\s\S]*`` greedily and
# backing off finds the last such boundary before ``endpos`` in one C-level call.
_LAST_BOUNDARY = re.compile(r"[\s\S]*\s(?=\S)")
_CHUNK = re.compile(r"\S+\s*|\s+")  # Textual's chunk pattern

# Candidate one-cell ranges: Latin, Greek, Cyrillic, general punctuation (curly quotes, dashes,
# ellipsis) and the control pictures that ``visible()`` substitutes for control characters.
_CANDIDATE_RANGES = ((0x20, 0x7E), (0xA0, 0x2FF), (0x370, 0x52F), (0x2010, 0x205E), (0x2400, 0x2426))


@cache
def single_cell_characters() -> frozenset[str]:
    """Characters that rich (and so Textual) measures as exactly one cell wide."""
    return frozenset(
        char
        for low, high in _CANDIDATE_RANGES
        for char in map(chr, range(low, high + 1))
        if get_character_cell_size(char) == 1
    )


def wrap_offsets(
    line: str, width: int, tab_width: int, tab_sections: list[tuple[str, int]] | None = None
) -> list[int]:
    """The code-point offsets at which Textual would break ``line`` to fit ``width`` cells
    (``tab_sections``: the line's ``get_tab_widths``, as Textual's wrapped document passes them)."""
    if width <= 0:
        return []
    if not single_cell_characters().issuperset(line):  # also rules out tabs
        return compute_wrap_offsets(line, width, tab_size=tab_width, precomputed_tab_sections=tab_sections)
    breaks: list[int] = []
    length = len(line)
    position = 0  # always at a chunk boundary
    used = 0  # cells already used on the current row
    while position + width - used < length:
        # The chunks from ``position`` up to the last boundary within the row's free cells fit.
        found = _LAST_BOUNDARY.match(line, position, position + width - used + 1)
        start = found.end() if found else position
        end = _CHUNK.match(line, start).end()  # type: ignore[union-attr]  # always matches
        size = end - start
        if size > width:  # folded: rows of exactly ``width`` cells, the last one partial
            if start:
                breaks.append(start)
            breaks.extend(range(start + width, end, width))
            used = (size - 1) % width + 1
        else:
            breaks.append(start)
            used = size
        position = end
    return breaks
