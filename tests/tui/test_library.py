"""The library screen on the sample corpus, and the help screen."""

from __future__ import annotations

from textual.widgets import DataTable

from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.library import LibraryScreen
from tui.screens.modals import HelpScreen
from tui.screens.reader import ReaderScreen

SIZE = (160, 45)


def titles(app: PenmarkApp) -> list[str]:
    assert isinstance(app.screen, LibraryScreen), app.screen
    table = app.screen.query_one(DataTable)
    return [table.get_row_at(row)[1].plain for row in range(table.row_count)]


async def test_typing_filters_titles_fuzzily_and_escape_clears(seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    everything = [a.title for a in store.articles()]
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        assert titles(app) == everything
        await pilot.press(*"ballistic")
        assert titles(app) == ["North Korea’s Ballistic Bargain: A New Era of Military Cooperation with Russia"]
        await pilot.press("escape")
        assert titles(app) == everything

        # Typos are forgiven: one letter short still finds it, and only it.
        await pilot.press(*"balistic")
        assert titles(app) == ["North Korea’s Ballistic Bargain: A New Era of Military Cooperation with Russia"]
        await pilot.press("escape")

        await pilot.press(*"nuclear")
        assert titles(app) == ["North Korea’s Nuclear Aspirations: A New Cold War Calculus"]
        # backspace erases the filter a letter at a time; "nuc" still narrows, "" shows all.
        await pilot.press(*["backspace"] * 4)
        assert titles(app) == ["North Korea’s Nuclear Aspirations: A New Cold War Calculus"]
        await pilot.press(*["backspace"] * 3)
        assert titles(app) == everything

        await pilot.press(*"zzqx")
        assert titles(app) == []
        await pilot.press("enter")  # nothing to open: stays, does not crash
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("escape")
        assert titles(app) == everything


async def test_marking_two_opens_them_side_by_side(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "down", "down", "space")
        assert app.screen.marked == [ids[0], ids[2]]
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert [p.article.id for p in screen.panes if p.article] == [ids[0], ids[2]]
        assert screen.panes[1].view.text == store.article(ids[2]).text

        # q goes back to the library, on the same row, with the marks cleared; enter opens one.
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen) and app.screen.marked == []
        assert app.screen.query_one(DataTable).cursor_row == 2
        await pilot.press("up", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert [p.article.id for p in app.screen.panes if p.article] == [ids[1]]


async def test_three_marked_articles_are_refused(seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "down", "space", "down", "space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert len(app.screen.marked) == 3


async def test_ctrl_s_cycles_the_status_in_the_store(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        assert store.article(ids[1]).status == "new"
        await pilot.press("ctrl+s")
        assert store.article(ids[1]).status == "in progress"
        table = app.screen.query_one(DataTable)
        assert table.cursor_row == 1  # the cursor stays on the row it changed
        assert table.get_row_at(1)[-2].plain == "in progress"
        await pilot.press("ctrl+s")
        assert store.article(ids[1]).status == "done"
        await pilot.press("ctrl+s")
        assert store.article(ids[1]).status == "new"
        assert {store.article(i).status for i in ids if i != ids[1]} == {"new"}


async def test_counts_follow_the_reader(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("s", "1", "q")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        claim_column = table.get_column_index("tag:claim")
        assert table.get_row_at(0)[claim_column].plain == "1"
        assert store.articles()[0].counts == {"claim": 1}


async def test_help_lists_the_library_keys(seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        does = [table.get_row_at(r)[1].plain for r in range(table.row_count)]
        assert {"Read", "Mark", "Status", "Quit"} <= set(does)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert titles(app)  # the filter did not swallow "?"


async def test_help_lists_the_reader_keys(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = {table.get_row_at(r)[1].plain: table.get_row_at(r)[0].plain for r in range(table.row_count)}
        assert rows["Sentence"] == "s"
        assert rows["Tag"] == "1-9"
        assert rows["Undo"] == "u"
        assert "Quit" in rows and "Keys" in rows
        # Every visible reader binding with a description is listed.
        listed = set(rows)
        assert {b.description for b in ReaderScreen.BINDINGS if b.tooltip} <= listed
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        # The help is a screen of its own: keys pressed there did not reach the reader.
        assert store.annotations() == []


async def test_key_bar_shows_enter_and_a_click_presses_the_key(seeded: tuple[Store, list[str]]) -> None:
    from tui.widgets.key_bar import KeyBar

    store, _ids = seeded
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(KeyBar)
        shown = bar.render().plain
        assert "⏎ Read" in shown and "? Keys" in shown
        start = shown.index("? Keys")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        assert isinstance(app.screen, HelpScreen)
