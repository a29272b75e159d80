"""The agreement screen: ctrl+g from the library or the reader, figures worked out in a worker,
enter opens the worst article, errors and hostile names shown as plain text."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from annotations.agreement import agreement
from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.agreement import AgreementScreen, figure
from tui.screens.library import LibraryScreen
from tui.screens.modals import HelpScreen
from tui.screens.reader import ReaderScreen

SIZE = (160, 45)
HOSTILE_NAME = "[bold]mallory[/] [@click=app.quit]x[/]\x1b]0;pwned\x07"
HOSTILE_TITLE = "[@click=app.quit]Click[/] [bold]me\x1b[31m"


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ". "-separated sentence."""
    spans, start = [], 0
    while start < len(text):
        end = text.find(". ", start)
        end = len(text) if end < 0 else end + 1
        spans.append((start, end))
        start = end + 1
    return spans


TEXT = "One claim is here. An opinion follows. A quote ends it. Then a call to act. Last words."


def two_annotators(store: Store, second: str = "bob", title: str = "Second") -> tuple[str, str]:
    """Two articles both annotators worked on: they agree on the first and disagree on the second."""
    other = Store(store.conn, annotator=second)
    good = store.add_article(TEXT, "First").article.id
    bad = store.add_article(TEXT + " More.", title).article.id
    s = sentences(TEXT)
    for who in (store, other):
        who.create(good, *s[0], "claim")
        who.create(good, *s[1], "opinion")
    store.create(bad, *s[0], "claim")
    store.create(bad, *s[2], "quote")
    other.create(bad, s[0][0], s[0][0] + 3, "opinion")
    other.create(bad, *s[3], "call-to-action")
    return good, bad


def plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def status(screen: AgreementScreen) -> str:
    return plain(screen.query_one(".status", Static).render())


async def open_and_wait(pilot, app: PenmarkApp) -> AgreementScreen:
    await pilot.press("ctrl+g")
    screen = app.screen
    assert isinstance(screen, AgreementScreen)
    for _ in range(200):
        await pilot.pause(0.02)
        if screen.report is not None or screen.error is not None:
            return screen
    raise AssertionError("the agreement worker did not finish")


async def test_figures_match_the_core_and_enter_opens_the_worst_article(mem: Store) -> None:
    good, bad = two_annotators(mem)
    report = agreement(mem)
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        figures = screen.query_one("#figures", DataTable)
        rows = [[plain(c) for c in figures.get_row_at(n)] for n in range(figures.row_count)]
        pair, group = report.overall.pairs[0], report.overall.group
        assert report.annotators == ("bob", "tester")
        assert rows[0][:2] == ["all tags", "bob × tester"]
        assert rows[0][4:] == [figure(pair.exact.f1), figure(pair.overlap.f1), figure(pair.kappa), figure(pair.alpha)]
        # Two annotators: the one pair is the whole group (no separate "all" row).
        assert (figure(group.alpha), figure(group.overlap.f1)) == (rows[0][7], rows[0][5])
        assert len(rows) == 1 + len(report.by_tag)
        assert [r[0].strip() for r in rows[1:]] == [s.tag for s in report.by_tag]
        assert [r[7] for r in rows[1:]] == [figure(s.group.alpha) for s in report.by_tag]
        assert [r[6] for r in rows[1:]] == [figure(s.pairs[0].kappa) for s in report.by_tag]

        articles = screen.query_one("#articles", DataTable)
        assert articles.row_count == len(report.articles) == 2
        first = [plain(c) for c in articles.get_row_at(0)]
        worst = report.articles[0]
        assert worst.id == bad
        assert first == [figure(worst.alpha), figure(worst.overlap_f1), figure(worst.exact_f1), "2", "2", "Second"]
        assert "2 annotators: bob, tester" in status(screen)

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.article_ids == [bad]
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


async def test_three_annotators_have_a_row_per_pair_and_one_for_all(mem: Store) -> None:
    good, bad = two_annotators(mem)
    carol = Store(mem.conn, annotator="carol")
    carol.create(good, *sentences(TEXT)[0], "claim")
    carol.create(bad, *sentences(TEXT)[2], "quote")
    report = agreement(mem)
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        figures = screen.query_one("#figures", DataTable)
        rows = [[plain(c) for c in figures.get_row_at(n)] for n in range(4)]
        assert [r[1] for r in rows] == ["bob × carol", "bob × tester", "carol × tester", "all 3"]
        for row, pair in zip(rows, report.overall.pairs, strict=False):
            assert row[4:] == [figure(pair.exact.f1), figure(pair.overlap.f1), figure(pair.kappa), figure(pair.alpha)]
        group = report.overall.group
        assert rows[3][4:] == [figure(group.exact.f1), figure(group.overlap.f1), "-", figure(group.alpha)]
        assert figures.row_count == 4 * (1 + len(report.by_tag))
        columns = [plain(c.label) for c in screen.query_one("#articles", DataTable).columns.values()]
        assert columns[3:] == ["spans bob", "spans carol", "spans tester", "title"]


async def test_t_narrows_to_one_tag_and_back(mem: Store) -> None:
    two_annotators(mem)
    tags = [s.tag for s in agreement(mem).by_tag]
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        for expected in [*tags, None]:
            await pilot.press("t")
            for _ in range(200):
                await pilot.pause(0.02)
                if screen.report is not None and screen.report.tag == expected:
                    break
            else:
                raise AssertionError(f"no report for tag {expected!r}")
            narrowed = agreement(mem, tag=expected)
            figures = screen.query_one("#figures", DataTable)
            group_row = [plain(c) for c in figures.get_row_at(0)]
            assert group_row[7] == figure(narrowed.overall.group.alpha)
            articles = screen.query_one("#articles", DataTable)
            assert [str(articles.coordinate_to_cell_key((n, 0)).row_key.value) for n in range(articles.row_count)] == [
                a.id for a in narrowed.articles
            ]
        assert screen.sub_title == "all tags"


async def test_from_the_reader_and_recomputed_after_an_edit(mem: Store) -> None:
    good, bad = two_annotators(mem)
    app = PenmarkApp(mem, open_ids=[good])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        before = screen.report
        assert before is not None
        await pilot.press("enter")  # the worst article, in the reader
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        mem.create(bad, *sentences(TEXT)[3], "call-to-action")  # now tester agrees on it too
        await pilot.press("q")
        for _ in range(200):
            await pilot.pause(0.02)
            if screen.report is not before and screen.report is not None:
                break
        else:
            raise AssertionError("the report was not worked out again")
        assert screen.report.overall.group.alpha == agreement(mem).overall.group.alpha


async def test_one_annotator_shows_the_error(mem: Store) -> None:
    article = mem.add_article(TEXT, "Alone").article.id
    mem.create(article, *sentences(TEXT)[0], "claim")
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        assert screen.report is None
        assert "at least two annotators" in status(screen)
        assert screen.query_one("#articles", DataTable).row_count == 0
        await pilot.press("t", "enter")  # nothing to narrow or open: no crash
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = [plain(app.screen.query_one(DataTable).get_row_at(n)[1]) for n in range(app.screen.query_one(DataTable).row_count)]
        assert {"Read", "Tag", "Back", "Agreement"} <= set(keys)
        assert app.screen.heading == "Agreement"


async def test_hostile_names_and_titles_are_shown_literally(mem: Store) -> None:
    two_annotators(mem, second=HOSTILE_NAME, title=HOSTILE_TITLE)
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        assert screen.report is not None
        shown_name = HOSTILE_NAME.replace("\x1b", "␛").replace("\x07", "␇")
        shown_title = HOSTILE_TITLE.replace("\x1b", "␛")
        figures = screen.query_one("#figures", DataTable)
        assert shown_name in plain(figures.get_row_at(0)[1])
        articles = screen.query_one("#articles", DataTable)
        assert plain(articles.get_row_at(0)[-1]) == shown_title
        labels = [plain(c.label) for c in articles.columns.values()]
        assert f"spans {shown_name}" in labels
        assert shown_name in status(screen)
        # Nothing was turned into markup or an action: the screen is still up, text intact.
        await pilot.click("#articles", offset=(80, 1))
        await pilot.pause()
        assert app.is_running
        assert "\x1b" not in plain(articles.get_row_at(0)[-1])


async def test_d_adjudicates_the_article_under_the_cursor(mem: Store) -> None:
    """Two annotators: d opens the adjudication view for them; back returns to the figures."""
    from tui.screens.adjudicate import AdjudicateScreen

    good, bad = two_annotators(mem)
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        assert screen.current_article() == bad  # worst first
        assert "Adjudicate" in {c.title for c in app.get_system_commands(screen)}
        await pilot.press("d")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, AdjudicateScreen)
        assert (view.article_id, view.a, view.b) == (bad, "bob", "tester")
        assert view.comparison.disagreements
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_d_with_three_annotators_asks_for_the_pair(mem: Store) -> None:
    from tui.screens.adjudicate import AdjudicateScreen
    from tui.screens.modals import FuzzyPicker

    good, bad = two_annotators(mem)
    Store(mem.conn, annotator="carol").create(bad, *sentences(TEXT)[2], "quote")
    Store(mem.conn, annotator="dave").create(good, *sentences(TEXT)[0], "claim")  # not on "bad"
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        assert screen.current_article() == bad
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FuzzyPicker)
        assert [plain(c.label) for c in picker.choices] == ["bob × carol", "bob × tester", "carol × tester"]
        await pilot.press("c", "a", "r", "o", "l", " ", "t", "e", "s")
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, AdjudicateScreen) and (view.a, view.b) == ("carol", "tester")


async def test_gold_is_not_one_of_the_annotators(mem: Store) -> None:
    from annotations.adjudicate import GOLD

    good, bad = two_annotators(mem)
    Store(mem.conn, annotator=GOLD).create(bad, *sentences(TEXT)[0], "claim")
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        assert status(screen).startswith("2 annotators: bob, tester")
        assert screen.report.annotators == ("bob", "tester")


def screen_lines(app: PenmarkApp) -> list[str]:
    """The screen as drawn, one string a line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_refill_after_adjudicating_draws_every_cell_whole(mem: Store) -> None:
    """After a decision the figures are worked out again. Painted before the table measured its
    new rows (as a real terminal did), the columns stayed as narrow as their headings: "cl" for
    "claim", "-0.02" for "-0.027", the title cut to "title"'s width. Every cell is drawn whole."""
    long_title = "North Korea Displays ICBMs Amid Rising Tensions with U.S. and Russia"
    good, bad = two_annotators(mem, title=long_title)
    app = PenmarkApp(mem)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_and_wait(pilot, app)
        shown = screen.show

        def show_and_paint(*args: object) -> None:
            shown(*args)  # type: ignore[arg-type]
            # The compositor paints the tables before their idle pass measures the new rows.
            for table in screen.query(DataTable):
                for y in range(table.size.height):
                    table.render_line(y)

        screen.show = show_and_paint  # type: ignore[method-assign]
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is not screen
        await pilot.press("a")  # a decision: gold is written, so the figures are worked out again
        await pilot.pause()
        before = screen._version
        await pilot.press("escape")
        for _ in range(200):
            await pilot.pause(0.02)
            if screen._version != before:
                break
        assert screen._version != before, "the figures were not worked out again"
        await pilot.pause()
        lines = screen_lines(app)
        report = screen.report
        assert report is not None
        for table in screen.query(DataTable):
            for n in range(table.row_count):
                cells = [plain(c).strip() for c in table.get_row_at(n)]
                # Each row's cells, in order and whole, on some line of the screen.
                assert any(all(c in line for c in cells) for line in lines), (cells, lines)
        drawn = "\n".join(lines)
        for section in report.by_tag:
            assert f" {section.tag} " in drawn
            assert figure(section.pairs[0].kappa) in drawn
        assert long_title in drawn

