"""Two windows on one database: the app sees the other process's writes within a second or two,
and an edit made on a stale view is refused and shown, never silently overwriting."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.modals import NoteDialog
from tui.screens.reader import ReaderScreen

TEXT = "Officials met on Monday. The talks collapsed after an hour. Nobody commented."
SIZE = (160, 45)


async def test_the_reader_shows_another_process_s_annotation_within_two_seconds(db_path: Path) -> None:
    mine = Store.open(db_path, annotator="alice")
    other = Store.open(db_path, annotator="bob")  # a connection of its own, as another process has
    try:
        article = mine.add_article(TEXT, "Talks").article.id
        app = PenmarkApp(mine, open_ids=[article])
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ReaderScreen) and screen.pane.annotations == []
            start = TEXT.index("The talks collapsed")
            other.create(article, start, start + len("The talks collapsed"), "claim")
            began = time.monotonic()
            while not screen.pane.annotations and time.monotonic() - began < 2.5:
                await asyncio.sleep(0.1)
                await pilot.pause()
            assert [(a.quote, a.annotator) for a in screen.pane.annotations] == [("The talks collapsed", "bob")]
    finally:
        other.close()
        mine.close()


async def test_a_note_edited_on_a_stale_view_is_refused_and_shown(db_path: Path) -> None:
    mine = Store.open(db_path, annotator="alice")
    other = Store.open(db_path, annotator="bob")
    try:
        article = mine.add_article(TEXT, "Talks").article.id
        start = TEXT.index("Nobody commented")
        note = mine.create(article, start, start + len("Nobody commented"), "quote")
        app = PenmarkApp(mine, open_ids=[article])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("end")  # the cursor onto the annotation (it ends the text)
            await pilot.press("left", "left")
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, NoteDialog)
            other.set_note(note.id, "bob's note")  # the other window saves first
            await pilot.press(*"alice's note", "enter")
            await pilot.pause()
            shown = [n.message for n in app._notifications]
            assert any("changed elsewhere" in str(message) for message in shown), shown
        assert mine.annotation(note.id).note == "bob's note"  # not overwritten
    finally:
        other.close()
        mine.close()
