"""The article as a read-only TextArea with annotation highlights, fast on long articles.

Offsets are code points of the canonical text. The widget shows ``visible(text)``, which has the
same length and the same lines, so an offset means the same character in both. Highlights are
applied in ``get_line`` by code-point columns of the logical line, so soft-wrapped lines, wide
CJK characters and tabs stay right: Textual maps columns to cells itself.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.document._document import Document, Selection
from textual.document._document_navigator import DocumentNavigator
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.widgets import TextArea

from annotations.safe import visible

from .fast_wrap import wrap_offsets

_NEWLINE = re.compile("\n")


_ROW_MAX = 10_000  # characters per displayed row; see LineIndex
_BREAK_AT = re.compile(r"\s")


class LineIndex:
    """Offset <-> (row, column) in O(log rows); the document's own lookup is O(lines).

    A row is a line of the text, except that a line longer than ``_ROW_MAX`` is shown as rows of
    at most that many characters (cut after white space where there is some): Textual's
    TextArea redraws a whole logical line for every screen row of it, so a 10 MB one-line file
    would take seconds per key press. Such breaks take no character of the text, so offsets
    stay exact; ``display()`` is the text as the view shows it, with a newline at each break.
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.starts: list[int] = [0]
        self.ends: list[int] = []  # where each row's characters end (before its newline, if any)
        for match in _NEWLINE.finditer(text):
            self._break_long(text, match.start())
            self.ends.append(match.start())
            self.starts.append(match.end())
        self._break_long(text, self.length)
        self.ends.append(self.length)

    def _break_long(self, text: str, line_end: int) -> None:
        while line_end - self.starts[-1] > _ROW_MAX:
            start = self.starts[-1]
            cut = start + _ROW_MAX
            space = max((m.end() for m in _BREAK_AT.finditer(text, cut - _ROW_MAX // 10, cut)), default=None)
            cut = space or cut
            self.ends.append(cut)
            self.starts.append(cut)

    def display(self, text: str) -> str:
        """``text`` (or a same-length rendering of it) as rows joined by newlines."""
        if len(self.starts) == text.count("\n") + 1:
            return text  # no long lines: the rows are the lines
        return "\n".join(text[start:end] for start, end in zip(self.starts, self.ends, strict=True))

    def location(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        row = bisect_right(self.starts, offset) - 1
        return row, offset - self.starts[row]

    def offset(self, location: tuple[int, int]) -> int:
        row, column = location
        row = max(0, min(row, len(self.starts) - 1))
        return min(self.starts[row] + column, self.ends[row], self.length)


class _ReadOnlyDocument(Document):
    """A document whose text never changes, so its joined text is computed once, not per line."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._text = text

    @property
    def text(self) -> str:
        return self._text


class _FastWrappedDocument(WrappedDocument):
    """Textual's wrapped document for a text that never changes: wrapping is computed once per
    width (Textual asks again on every resize and scrollbar change) with the fast row-at-a-time
    offsets, and ``height`` is the length of a list Textual already keeps, not a sum over lines."""

    _wrapped_for: tuple[int, int] | None = None

    @property
    def height(self) -> int:
        return len(self._offset_to_line_info)

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._width = width
        if tab_width:
            self._tab_width = tab_width
        if self._wrapped_for == (width, self._tab_width):
            return
        self._wrapped_for = (width, self._tab_width)
        wrap_offsets_list: list[list[int]] = []
        line_info: list[tuple[int, int]] = []
        line_offsets: list[list[int]] = []
        tab_widths: list[list[int]] = []
        for line_index, line in enumerate(self.document.lines):
            sections = get_tab_widths(line, self._tab_width)
            offsets = wrap_offsets(line, width, self._tab_width, sections)
            tab_widths.append([w for _, w in sections])
            wrap_offsets_list.append(offsets)
            first = len(line_info)
            rows = len(offsets) + 1
            line_info.extend((line_index, section) for section in range(rows))
            line_offsets.append(list(range(first, first + rows)))
        self._wrap_offsets = wrap_offsets_list
        self._offset_to_line_info = line_info
        self._line_index_to_offsets = line_offsets
        self._tab_width_cache = tab_widths


@dataclass(frozen=True, slots=True)
class Highlight:
    """One annotation as the view paints it."""

    start: int
    end: int
    style: Style
    overlap_style: Style


class DocumentView(TextArea):
    """Read-only article view: cursor, selection, and highlights by offset."""

    DEFAULT_CSS = """
    DocumentView { border: none; padding: 0 1; }
    DocumentView:focus { border: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            "", read_only=True, soft_wrap=True, show_line_numbers=False,
            highlight_cursor_line=False, id=id,
        )
        self.index = LineIndex("")
        self._highlights_by_line: dict[int, list[Highlight]] = {}
        # Styles per line, worked out when the line is first drawn: a long article may carry
        # thousands of highlights, and only a screenful is ever on view.
        self._styles_by_line: dict[int, list[tuple[int, int, Style]]] = {}

    # Textual builds its documents here; ours skip work that a read-only article never needs.
    def _set_document(self, text: str, language: str | None) -> None:
        self._highlight_query = None
        self.document = _ReadOnlyDocument(text)
        self.wrapped_document = _FastWrappedDocument(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    def show(self, text: str) -> None:
        """Display an article's canonical text, control characters made visible."""
        self.index = LineIndex(text)
        self._highlights_by_line, self._styles_by_line = {}, {}
        self.load_text(self.index.display(visible(text)))

    def set_highlights(self, highlights: Iterable[Highlight]) -> None:
        """Replace the painted annotations. Where two or more overlap, the later one's colour
        shows with the other's colour underlined, so every tag stays visible."""
        by_line: dict[int, list[Highlight]] = defaultdict(list)
        for highlight in highlights:
            first, _ = self.index.location(highlight.start)
            last, _ = self.index.location(highlight.end)
            for row in range(first, last + 1):
                by_line[row].append(highlight)
        self._highlights_by_line, self._styles_by_line = by_line, {}
        self.notify_style_update()
        self.refresh()

    def _line_styles(self, row: int, items: Sequence[Highlight]) -> list[tuple[int, int, Style]]:
        line_start, line_end = self.index.starts[row], self.index.ends[row]
        spans = [
            (max(h.start, line_start) - line_start, min(h.end, line_end) - line_start, h)
            for h in sorted(items, key=lambda h: (h.start, -h.end))
        ]
        styles = [(start, end, h.style) for start, end, h in spans if start < end]
        # Overlaps: mark each stretch covered by two or more with the earlier one's underline.
        for i, (start, end, earlier) in enumerate(spans):
            for other_start, other_end, _later in spans[i + 1 :]:
                if other_start >= end:
                    break
                lo, hi = max(start, other_start), min(end, other_end)
                if lo < hi:
                    styles.append((lo, hi, earlier.overlap_style))
        return styles

    def get_line(self, line_index: int) -> Text:
        line = Text(self.document[line_index], end="", no_wrap=True)
        styles = self._styles_by_line.get(line_index)
        if styles is None:
            items = self._highlights_by_line.get(line_index, ())
            styles = self._styles_by_line[line_index] = self._line_styles(line_index, items)
        for start, end, style in styles:
            line.stylize(style, start, end)
        return line

    # --- offsets ------------------------------------------------------------------------------

    @property
    def cursor_offset(self) -> int:
        return self.index.offset(self.cursor_location)

    @property
    def selected_offsets(self) -> tuple[int, int]:
        """The selection as sorted offsets (equal when nothing is selected)."""
        start, end = self.selection
        a, b = self.index.offset(start), self.index.offset(end)
        return (a, b) if a <= b else (b, a)

    def select_offsets(self, start: int, end: int) -> None:
        """Select [start, end) with the cursor at ``end``, scrolled into view."""
        self.selection = Selection(self.index.location(start), self.index.location(end))
        self.scroll_cursor_visible(center=True)

    def move_to(self, offset: int) -> None:
        self.move_cursor(self.index.location(offset), center=True)
