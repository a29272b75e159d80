"""The search screen: `/` from anywhere, results as you type, enter opens the right place."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.reader import ReaderScreen
from tui.screens.search import SearchScreen
from tui.widgets.document_view import DocumentView

SIZE = (160, 45)


async def wait_for_results(pilot, screen: SearchScreen, count: int) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if screen.query_one(OptionList).option_count == count:
            return
    raise AssertionError(f"expected {count} results, have {screen.query_one(OptionList).option_count}")


async def test_type_a_typo_see_results_enter_opens_the_annotation(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    text = store.article(ids[1]).text
    start = text.index("Kim Jong-un has used these tests")
    end = text.index(".", start) + 1
    note = store.create(ids[1], start, end, "opinion", note="leader quote")
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"kim jong un tests")
        await wait_for_results(pilot, screen, 1)
        label = screen.query_one(OptionList).get_option_at_index(0).prompt
        assert "Kim Jong-un" in label.plain and "leader quote" in label.plain
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.query_one(DocumentView)
        assert view.cursor_offset == note.start
        assert app.screen.pane.under_cursor()[0].id == note.id
        await pilot.press("q")  # back to the results, not past them
        await pilot.pause()
        assert app.screen is screen and screen._results


async def test_search_from_the_reader_and_passages_toggle(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"stockholm")
        await wait_for_results(pilot, screen, 0)  # no annotation says it yet
        await pilot.press("ctrl+t")
        await pilot.pause(0.3)
        for _ in range(50):
            if screen.query_one(OptionList).option_count:
                break
            await pilot.pause(0.05)
        passage = screen._results[0]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.query_one(DocumentView)
        article = store.article(passage.article_id)
        assert article.text[view.cursor_offset : view.cursor_offset + 9] == "Stockholm"


async def test_escape_closes_and_similar_lists_other_articles(mem: Store) -> None:
    first = mem.add_article("Officials said the Hwasong-20 missile flew 1,000 km on Tuesday.", "Outlet one")
    second = mem.add_article("The Hwasong-20 missile flew about 1,000 km, officials said.", "Outlet two")
    third = mem.add_article("Markets were calm on Tuesday.", "Unrelated")
    for added in (first, second, third):
        text = mem.article(added.article.id).text
        mem.create(added.article.id, 0, len(text), "claim")
    app = PenmarkApp(mem, open_ids=[first.article.id])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for_results(pilot, screen, 2)  # "Tuesday" is shared with the unrelated one
        assert [hit.annotation.article_id for hit in screen._results] == [second.article.id, third.article.id]
        await pilot.press("escape")
        assert app.screen is reader


async def test_ctrl_f_finds_in_the_article_and_a_digit_tags_the_match(mem: Store) -> None:
    text = "Alpha beta gamma. Beta again here. And beta once more."
    article = mem.add_article(text, "Find me").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+f", *"beta")
        view = app.screen.query_one(DocumentView)
        finder = app.screen.query_one("#find", Input)
        assert view.selected_offsets == (6, 10) and finder.border_subtitle == "1 of 3"
        await pilot.press("enter")
        assert view.selected_offsets == (18, 22) and finder.border_subtitle == "2 of 3"
        await pilot.press("escape")
        assert not app.screen.query_one("#find", Input).has_class("shown")
        await pilot.press("3")
        assert [(a.start, a.end, a.tag) for a in mem.annotations(article)] == [(18, 22, "quote")]


async def test_enter_on_a_result_selects_that_annotation_not_one_overlapping_it(mem: Store) -> None:
    text = "Officials said the missile flew far. Markets were calm."
    article = mem.add_article(text, "Overlap").article.id
    outer = mem.create(article, 0, text.index(".") + 1, "claim", note="the whole sentence")
    inner = mem.create(article, 0, len("Officials said"), "quote")  # same start, innermost
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"tag:claim missile")
        await wait_for_results(pilot, screen, 1)
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert [a.id for a in reader.pane.under_cursor()] == [outer.id, inner.id]
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+u", *"edited", "enter")
        await pilot.pause()
        assert mem.annotation(outer.id).note == "edited" and mem.annotation(inner.id).note == ""
        await pilot.press("2")  # a digit retags the chosen one too
        await pilot.pause()
        assert (mem.annotation(outer.id).tag, mem.annotation(inner.id).tag) == ("opinion", "quote")
        await pilot.press("end")  # the cursor left it: innermost first again
        await pilot.press("home")
        assert reader.pane.under_cursor()[0].id == inner.id


async def test_similar_enter_opens_the_first_and_has_no_passages_toggle(mem: Store) -> None:
    first = mem.add_article("Officials said the Hwasong-20 missile flew 1,000 km on Tuesday.", "Outlet one")
    second = mem.add_article("The Hwasong-20 missile flew about 1,000 km, officials said.", "Outlet two")
    for added in (first, second):
        mem.create(added.article.id, 0, len(mem.article(added.article.id).text), "claim")
    app = PenmarkApp(mem, open_ids=[first.article.id])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for_results(pilot, screen, 1)
        await pilot.press("ctrl+t")  # nothing to search the articles' text with: not offered
        await pilot.pause()
        assert not screen.passages and screen.query_one(OptionList).option_count == 1
        assert screen.check_action("toggle_passages", ()) is False  # and so not in the key bar
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.article_ids == [second.article.id]


async def test_up_from_the_first_result_or_typing_returns_to_the_query(mem: Store) -> None:
    for title in ("One", "Two", "Three"):
        text = f"The missile report number {title}."
        mem.create(mem.add_article(text, title).article.id, 0, len(text), "claim")
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        query, listing = screen.query_one(Input), screen.query_one(OptionList)
        await pilot.press(*"missile")
        await wait_for_results(pilot, screen, 3)
        await pilot.press("down", "down")
        assert listing.has_focus and listing.highlighted == 1
        await pilot.press("up")
        assert listing.has_focus and listing.highlighted == 0
        await pilot.press("up")  # from the first: back to the query, not round to the last
        assert query.has_focus and query.value == "missile"
        await pilot.press("down", "s")  # a letter typed in the list goes on with the query
        await pilot.pause()
        assert query.has_focus and query.value == "missiles"


async def test_a_tab_in_a_note_is_one_space_in_the_results(mem: Store) -> None:
    text = "The ministry denied the report."
    article = mem.add_article(text, "Tabs").article.id
    mem.create(article, 0, len(text), "claim", note="left\tright")
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"ministry")
        screen = app.screen
        await wait_for_results(pilot, screen, 1)
        label = screen.query_one(OptionList).get_option_at_index(0).prompt
        assert "left right" in label.plain and "\t" not in label.plain


def test_the_match_count_stops_counting_at_999() -> None:
    import re

    from tui.screens.reader import _match_count

    text = "a" * 5000
    assert _match_count(re.compile("a"), text, 2) == "3 of 999+"
    assert _match_count(re.compile("b"), "abcb", 1) == "1 of 2"
