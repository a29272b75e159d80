"""A few SVG snapshots of what a new user sees (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from annotations import segment
from annotations.store import Store
from tui.app import PenmarkApp

SIZE = (160, 45)
STAMP = "2025-01-02T03:04:05.678Z"


@pytest.fixture
def annotated(seeded: tuple[Store, list[str]], monkeypatch: pytest.MonkeyPatch) -> tuple[Store, list[str]]:
    """The sample corpus with fixed-time annotations in all four tags on the first two articles
    (one pair overlapping), and the first article in progress."""
    monkeypatch.setattr("annotations.store.now", lambda: STAMP)
    store, ids = seeded

    def sentence(article_id: str, line: int, n: int) -> tuple[int, int]:
        text = store.article(article_id).text
        line_start = sum(len(x) + 1 for x in text.split("\n")[:line])
        return segment.sentences(text, line_start)[n]

    store.create(ids[0], *sentence(ids[0], 1, 0), "claim")
    store.create(ids[0], *sentence(ids[0], 1, 1), "opinion", note="loaded wording")
    store.create(ids[0], *sentence(ids[0], 3, 1), "quote")
    store.create(ids[1], *sentence(ids[1], 0, 1), "call-to-action")
    store.create(ids[1], *sentence(ids[1], 2, 1), "claim")
    start, end = sentence(ids[1], 2, 1)
    store.create(ids[1], start, start + 40, "opinion")  # overlaps the claim
    store.set_status(ids[0], "in progress")
    return store, ids


def test_library_snapshot(annotated: tuple[Store, list[str]], snap_compare) -> None:
    store, _ids = annotated
    assert snap_compare(PenmarkApp(store), terminal_size=SIZE)


def test_reader_two_panes_snapshot(annotated: tuple[Store, list[str]], snap_compare) -> None:
    store, ids = annotated
    # The cursor starts at offset 0 of each pane, where no annotation is; tab shows the second
    # pane focused, and "down" puts its cursor on a line without annotations either.
    assert snap_compare(PenmarkApp(store, open_ids=ids[:2]), terminal_size=SIZE, press=["tab", "down"])


def test_reader_details_snapshot(annotated: tuple[Store, list[str]], snap_compare) -> None:
    store, ids = annotated
    # "]" jumps onto the first annotation: the details line shows its tag, annotator and time.
    assert snap_compare(PenmarkApp(store, open_ids=ids[:1]), terminal_size=SIZE, press=["]", "]"])


def test_help_snapshot(annotated: tuple[Store, list[str]], snap_compare) -> None:
    store, ids = annotated
    assert snap_compare(PenmarkApp(store, open_ids=ids[:1]), terminal_size=SIZE, press=["question_mark"])
