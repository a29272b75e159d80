"""The re-anchoring queue in the reader: after a new version of an article, its fuzzy and
orphaned annotations are listed, and the keys accept, move or delete each."""

from __future__ import annotations

from annotations.store import NewArticle, Store
from tui.app import PenmarkApp
from tui.screens.modals import NoteDialog
from tui.screens.reader import ReaderScreen
from tui.screens.review import ReviewScreen

OLD = (
    "Officials met in Geneva on Monday.\n"
    "Sanctions will stay in place until verification resumes, the envoy said.\n"
    "Analysts expect a new round of missile tests before the winter.\n"
    "The talks collapsed after the delegation walked out.\n"
)
NEW = OLD.replace("will stay", "will remain").replace("Analysts expect a new round of missile tests before the winter.\n", "")
SIZE = (160, 45)


def at(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def changed_article(store: Store) -> tuple[str, str, str, str]:
    article = store.add_article(OLD, "Geneva", id="geneva").article.id
    fuzzy = store.create(article, *at(OLD, "Sanctions will stay in place until verification resumes"), "quote").id
    orphan = store.create(article, *at(OLD, "a new round of missile tests"), "opinion").id
    exact = store.create(article, *at(OLD, "the delegation walked out"), "claim").id
    store.add_articles([NewArticle(NEW, "Geneva", id=article)])
    return article, fuzzy, orphan, exact


async def test_accept_then_move_settles_the_queue(mem: Store) -> None:
    article, fuzzy, orphan, exact = changed_article(mem)
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("2 annotation(s) need review" in str(n.message) for n in app._notifications)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and len(app.screen.notes) == 2
        await pilot.press("a")  # the fuzzy one comes first (in text order): accept it
        await pilot.pause()
        assert mem.annotation(fuzzy).anchor == "exact"
        assert isinstance(app.screen, ReviewScreen) and list(app.screen.notes) == [orphan]  # on to the next
        await pilot.press("a")  # an orphan cannot be accepted: said, and the queue stays open
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and mem.annotation(orphan).anchor == "orphan"
        assert any("no place to accept" in str(n.message) for n in app._notifications)
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen) and screen.mode == "resize"
        start, end = at(NEW, "Officials met in Geneva")
        screen.pane.view.select_offsets(start, end)  # the annotator sets the new bounds
        await pilot.press("n")  # keys for "the annotation" act on the one being moved
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog) and app.screen.quote == mem.annotation(orphan).quote
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    moved = mem.annotation(orphan)
    assert (moved.anchor, moved.quote) == ("exact", "Officials met in Geneva")
    assert [n.anchor for n in mem.annotations(article)] == ["exact", "exact", "exact"]
    assert mem.annotation(exact).quote == "the delegation walked out"


async def test_delete_from_the_queue_and_nothing_left_to_review(mem: Store) -> None:
    article, fuzzy, orphan, _exact = changed_article(mem)
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        rows = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        # The orphan says which one it was: the words it stood among, and who made it.
        assert "among “…the envoy said.␊Analysts expect a new round of missile tests before the winter.␊" in rows[1], rows
        assert "by tester" in rows[1]
        await pilot.press("down", "d")  # the orphan
        await pilot.pause()
        assert mem.annotation(orphan).deleted is not None
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("d")
        await pilot.pause()
        assert mem.annotation(fuzzy).deleted is not None
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert any("Nothing to review" in str(n.message) for n in app._notifications)
