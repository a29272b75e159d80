"""The reader's fast soft wrap gives exactly Textual's wrapping, for any text and width."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual._wrap import compute_wrap_offsets
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument

from tui.widgets.document_view import _FastWrappedDocument, _ReadOnlyDocument
from tui.widgets.fast_wrap import wrap_offsets

# Prose characters (the fast path) and the awkward ones (tabs, wide CJK, emoji: Textual's path).
PROSE = "aZ. ,\u00a0\u201c\u201d\u2014\u2026é"
AWKWARD = PROSE + "\t漢字👩🏽\u200d💻"


@settings(max_examples=500)
@given(st.text(alphabet=PROSE, max_size=120), st.integers(min_value=1, max_value=40))
def test_fast_offsets_equal_textuals_on_prose(line: str, width: int) -> None:
    assert wrap_offsets(line, width, 4) == compute_wrap_offsets(line, width, tab_size=4)


@given(st.text(alphabet=AWKWARD, max_size=80), st.integers(min_value=1, max_value=30))
def test_other_lines_get_textuals_offsets(line: str, width: int) -> None:
    assert wrap_offsets(line, width, 4) == compute_wrap_offsets(line, width, tab_size=4)


def test_words_longer_than_a_row_fold_like_textual() -> None:
    line = "a" * 25 + " " + "b" * 7 + "   " + "c" * 40
    for width in (1, 3, 7, 10, 24, 25, 26):
        assert wrap_offsets(line, width, 4) == compute_wrap_offsets(line, width, tab_size=4)
    assert wrap_offsets(line, 0, 4) == []


@settings(max_examples=100)
@given(st.lists(st.text(alphabet=AWKWARD, max_size=60), max_size=8), st.integers(min_value=0, max_value=30))
def test_wrapped_document_matches_textuals(lines: list[str], width: int) -> None:
    text = "\n".join(lines)
    ours = _FastWrappedDocument(_ReadOnlyDocument(text), width, tab_width=4)
    stock = WrappedDocument(Document(text), width, tab_width=4)
    assert ours._wrap_offsets == stock._wrap_offsets
    assert ours._offset_to_line_info == stock._offset_to_line_info
    assert ours._line_index_to_offsets == stock._line_index_to_offsets
    assert ours._tab_width_cache == stock._tab_width_cache
    assert ours.height == stock.height


def test_rewrapping_follows_a_new_width() -> None:
    text = "one two three four five six seven eight nine ten"
    ours = _FastWrappedDocument(_ReadOnlyDocument(text), 10, tab_width=4)
    assert ours.height == WrappedDocument(Document(text), 10).height
    ours.wrap(20)  # a resize: the cached wrapping must not be reused for another width
    assert ours._wrap_offsets == WrappedDocument(Document(text), 20)._wrap_offsets
    ours.wrap(10)
    assert ours._wrap_offsets == WrappedDocument(Document(text), 10)._wrap_offsets


def test_a_very_long_line_is_shown_in_rows_that_take_no_character() -> None:
    from tui.widgets.document_view import _ROW_MAX, LineIndex

    text = "short line\n" + "word " * (_ROW_MAX // 4) + "\nend"
    index = LineIndex(text)
    assert len(index.starts) == 4  # the long line became two rows
    shown = index.display(text)
    assert shown.replace("\n", "") == text.replace("\n", "") and shown.count("\n") == 3
    assert index.starts[2] == index.ends[1] and text[index.starts[2] - 1] == " "  # cut after a space
    for offset in range(len(text) + 1):
        assert index.offset(index.location(offset)) == offset
