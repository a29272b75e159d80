"""Two windows on one database: the app sees the other process's writes within a second or two,
and an edit made on a stale view is refused and shown, never silently overwriting."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.modals import NoteDialog
from tui.screens.reader import ReaderScreen

TEXT = "Officials met on Monday. The talks collapsed after an hour. Nobody commented."
SIZE = (160, 45)


@pytest.fixture
def windows(db_path: Path) -> Iterator[tuple[Store, Store]]:
    """alice's and bob's stores on one database file, each with a connection of its own, as two
    processes have."""
    mine, other = Store.open(db_path, annotator="alice"), Store.open(db_path, annotator="bob")
    yield mine, other
    other.close()
    mine.close()


async def test_the_reader_shows_another_process_s_annotation_within_two_seconds(windows: tuple[Store, Store]) -> None:
    mine, other = windows
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


async def test_a_note_edited_on_a_stale_view_is_refused_and_shown(windows: tuple[Store, Store]) -> None:
    mine, other = windows
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
        # What alice typed is not lost: the dialog comes back with it, over bob's version.
        assert isinstance(app.screen, NoteDialog)
        assert app.screen.query_one("Input").value == "alice's note"
        await pilot.press("enter")  # now knowingly over bob's version
        await pilot.pause()
    assert mine.annotation(note.id).note == "alice's note"


async def test_a_new_version_imported_elsewhere_is_shown_and_old_offsets_are_refused(windows: tuple[Store, Store]) -> None:
    """Another process imports a changed text: the reader shows the new text (its highlights
    where the annotations now are), and a selection taken on the old text is never saved."""
    mine, other = windows
    article = mine.add_article(TEXT, "Talks", id="talks").article.id
    start = TEXT.index("Nobody commented")
    mine.create(article, start, start + len("Nobody commented"), "quote")
    app = PenmarkApp(mine, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("s")  # the first sentence, selected on the old text
        old = screen.pane.article
        other.add_article("Breaking: a new first line.\n" + TEXT, "Talks", id="talks")
        # A tag pressed before the reader noticed: the offsets refer to the old text.
        screen.apply_tag("claim")
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any("text changed" in message for message in shown), shown
        assert [n.quote for n in mine.annotations(article)] == ["Nobody commented"]
        await pilot.pause()
        pane = screen.pane
        assert pane.article.sha256 != old.sha256 and pane.article.text.startswith("Breaking")
        [note] = pane.annotations
        assert pane.article.text[note.start:note.end] == "Nobody commented"
        await pilot.press("home", "s", "1")  # selected again on the new text: saved
        await pilot.pause()
        assert sorted(n.quote for n in mine.annotations(article)) == ["Breaking: a new first line.",
                                                                       "Nobody commented"]


async def test_a_database_held_by_another_program_is_a_message_not_a_crash(db_path: Path) -> None:
    mine = Store.open(db_path, annotator="alice")
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        article = mine.add_article(TEXT, "Talks").article.id
        mine.conn.execute("PRAGMA busy_timeout = 200")  # the app waits 10 s; the test need not
        app = PenmarkApp(mine, open_ids=[article])
        async with app.run_test(size=SIZE) as pilot:
            holder.execute("BEGIN IMMEDIATE")  # another program writes, and keeps the lock
            await pilot.press("s", "1")
            await pilot.pause()
            shown = [str(n.message) for n in app._notifications]
            assert any("busy or unavailable" in message and "nothing was saved" in message for message in shown), shown
            assert not any("locked" in message for message in shown)  # SQLite's words never reach the user
            assert isinstance(app.screen, ReaderScreen)  # still running
            holder.execute("ROLLBACK")
            await pilot.press("s", "1")  # and once the lock is gone, saving works again
            await pilot.pause()
            assert [n.tag for n in mine.annotations(article)] == ["claim"]
    finally:
        holder.close()
        mine.close()


async def test_a_reader_under_another_catches_up_only_when_shown_again(windows: tuple[Store, Store]) -> None:
    mine, other = windows
    first = mine.add_article(TEXT, "Talks", id="talks").article.id
    second = mine.add_article("Another article entirely.", "Other").article.id
    app = PenmarkApp(mine, open_ids=[first])
    async with app.run_test(size=SIZE) as pilot:
        below = app.screen
        await app.push_screen(ReaderScreen([second]))
        await pilot.pause()
        other.add_article("Breaking: a new first line.\n" + TEXT, "Talks", id="talks")
        await asyncio.sleep(1.5)  # the poll runs each second
        await pilot.pause()
        assert not any("new version" in str(n.message) for n in app._notifications)  # not for this one
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is below and below.pane.article.text.startswith("Breaking")
        assert any("new version" in str(n.message) for n in app._notifications)
