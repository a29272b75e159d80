"""The adjudication view: two annotators side by side, keys settle disagreements into gold."""

from __future__ import annotations

from pathlib import Path

from annotations.adjudicate import GOLD
from annotations.datasets.export import export
from annotations.datasets.records import Filters
from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.adjudicate import AdjudicateScreen

TEXT = "Officials met in Geneva on Monday. The talks collapsed after an hour. Nobody commented later."
SIZE = (160, 45)


def at(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def two_annotators(store: Store) -> str:
    article = store.add_article(TEXT, "Geneva [bold]talks[/]").article.id
    alice, bob = Store(store.conn, annotator="alice"), Store(store.conn, annotator="[@click=app.quit]bob")
    alice.create(article, *at("Officials met in Geneva"), "claim")
    bob.create(article, *at("Officials met in Geneva"), "claim")
    alice.create(article, *at("The talks collapsed"), "claim")
    bob.create(article, *at("The talks collapsed"), "opinion")
    alice.create(article, *at("Nobody commented"), "quote")
    return article


def gold(store: Store, article: str) -> list[tuple[str, str]]:
    return sorted((n.quote, n.tag) for n in store.annotations(article) if n.annotator == GOLD)


async def test_keys_settle_disagreements_into_a_gold_set_that_exports(mem: Store, tmp_path: Path) -> None:
    article = two_annotators(mem)
    app = PenmarkApp(mem, adjudicate=(article, "alice", "[@click=app.quit]bob"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AdjudicateScreen)
        assert len(screen.comparison.disagreements) == 2
        # The first disagreement is selected in both panes.
        assert screen._side("a").view.selected_offsets == at("The talks collapsed")
        await pilot.press("b")  # bob's opinion
        await pilot.pause()
        assert gold(mem, article) == [("The talks collapsed", "opinion")]
        assert screen.query_one("OptionList").highlighted == 1  # on to the next one
        await pilot.press("x")  # neither: "Nobody commented" stays out
        await pilot.press("g")  # and what both made alike
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert any("No unsettled disagreement" in str(n.message) for n in app._notifications)
        assert isinstance(app.screen, AdjudicateScreen)  # the hostile name clicked nothing
    assert gold(mem, article) == [("Officials met in Geneva", "claim"), ("The talks collapsed", "opinion")]
    report = export(mem, "jsonl", tmp_path / "gold.jsonl", filters=Filters(annotators=(GOLD,)))
    assert report.annotations == 2


async def test_an_unknown_pair_is_a_message_not_a_crash(mem: Store) -> None:
    article = two_annotators(mem)
    app = PenmarkApp(mem, adjudicate=(article, "carol", "dave"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, AdjudicateScreen)
        assert any("no annotations by 'carol' or 'dave'" in str(n.message) for n in app._notifications)


async def test_the_reader_shows_all_one_annotator_or_gold(mem: Store) -> None:
    article = two_annotators(mem)
    Store(mem.conn, annotator=GOLD).create(article, *at("Nobody commented"), "quote")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        reader = app.screen
        pane = reader.pane
        assert len(pane.annotations) == 6 and "showing all annotators" in reader.sub_title
        seen = []
        for _ in range(3):
            await pilot.press("a")
            await pilot.pause()
            seen.append(({n.annotator for n in pane.annotations}, reader.sub_title))
        assert [whose for whose, _title in seen] == [{"[@click=app.quit]bob"}, {"alice"}, {GOLD}]
        assert all(f"showing {next(iter(whose))}" in title for whose, title in seen)
        await pilot.press("a")
        await pilot.pause()
        assert len(pane.annotations) == 6


async def test_the_reader_changes_only_one_s_own_annotations(mem: Store) -> None:
    """Showing bob's annotations, alice (the store's annotator here is "tester") cannot retag,
    note or delete them; her own new annotation brings the view back to everyone's."""
    article = two_annotators(mem)
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        reader = app.screen
        await pilot.press("a", "a")  # alice's
        await pilot.pause()
        assert reader.showing == "alice"
        before = [(n.id, n.tag, n.note, n.deleted) for n in mem.annotations(include_deleted=True)]
        reader.pane.view.move_to(TEXT.index("talks collapsed"))
        for key in ("2", "d"):
            await pilot.press(key)
            await pilot.pause()
        assert [(n.id, n.tag, n.note, n.deleted) for n in mem.annotations(include_deleted=True)] == before
        assert sum("alice's annotation: only they change it" in str(n.message) for n in app._notifications) == 2
        reader.pane.view.select_offsets(*at("an hour"))
        await pilot.press("3")
        await pilot.pause()
        assert [n.quote for n in mem.annotations(article) if n.annotator == "tester"] == ["an hour"]
        assert reader.showing is None and any(n.quote == "an hour" for n in reader.pane.annotations)

def rows(screen: AdjudicateScreen) -> list[str]:
    options = screen.query_one("OptionList")
    return [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]


async def test_every_decision_is_stored_and_survives_reopening(mem: Store) -> None:
    """a on a row where A has nothing, x, and g each leave a ✓ only on what was decided, and a
    new view on the same database shows the same."""
    article = two_annotators(mem)
    bob = "[@click=app.quit]bob"
    Store(mem.conn, annotator=bob).create(article, *at("Geneva on Monday"), "quote")  # overlaps the agreement
    app = PenmarkApp(mem, adjudicate=(article, bob, "alice"))  # bob is A: "Nobody commented" has no A side
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert [r.startswith("· undecided") for r in rows(screen)] == [True, True, True]
        await pilot.press("g")  # taking the agreement "Officials met in Geneva" decides nothing else
        await pilot.pause()
        assert [r.startswith("· undecided") for r in rows(screen)] == [True, True, True]
        assert gold(mem, article) == [("Officials met in Geneva", "claim")]
        screen.query_one("OptionList").highlighted = 2
        await pilot.press("a")  # A (bob) has nothing here: a decision all the same
        await pilot.pause()
        assert rows(screen)[2].startswith("✓ A's") and gold(mem, article) == [("Officials met in Geneva", "claim")]
        screen.query_one("OptionList").highlighted = 0
        await pilot.press("x")
        await pilot.pause()
        assert rows(screen)[0].startswith("✓ neither")
    app = PenmarkApp(mem, adjudicate=(article, bob, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [r.split()[:2] for r in rows(app.screen)] == [["✓", "neither"], ["·", "undecided"], ["✓", "A's"]]
        assert "(in gold)" in str(app.screen.query_one("#summary").render())


async def test_u_undoes_the_last_decision(mem: Store) -> None:
    article = two_annotators(mem)
    app = PenmarkApp(mem, adjudicate=(article, "alice", "[@click=app.quit]bob"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t")  # both on "The talks collapsed"
        await pilot.pause()
        assert gold(mem, article) == [("The talks collapsed", "claim"), ("The talks collapsed", "opinion")]
        assert screen.query_one("OptionList").highlighted == 1
        await pilot.press("u")
        await pilot.pause()
        assert gold(mem, article) == []
        assert rows(screen)[0].startswith("· undecided") and screen.query_one("OptionList").highlighted == 0
        removed = [n for n in mem.annotations(article, include_deleted=True) if n.annotator == GOLD]
        assert len(removed) == 2 and all(mem.history(n.id)[-1]["action"] == "delete" for n in removed)
        await pilot.press("u")
        await pilot.pause()
        assert any("No decision to undo" in str(n.message) for n in app._notifications)


async def test_the_view_says_what_its_keys_do_and_shows_bounds(mem: Store) -> None:
    article = two_annotators(mem)
    app = PenmarkApp(mem, adjudicate=(article, "alice", "[@click=app.quit]bob"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        pane = screen._side("a")
        details = str(pane.query_one(".details").render())
        assert "this disagreement's stretch" in details and "1-9" not in details
        assert not pane.query_one(".legend").display
        start, end = at("The talks collapsed")
        assert f"{start}-{end} “The talks collapsed”" in rows(screen)[0]
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert "Adjudication: keys" in str(help_screen.query_one("Static").render())
        assert "adjudicate-undo" in {b.id for b in help_screen.bindings}
