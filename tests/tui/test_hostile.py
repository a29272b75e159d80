"""Untrusted text (titles, article text, notes, tag names) is shown as data: never parsed as
markup, never sent to the terminal as control codes (DESIGN.md section 4)."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, Static
from textual.widgets._header import HeaderTitle

from annotations.safe import BIDI_SYMBOL
from annotations.store import Store
from annotations.tags import DEFAULT_TAGS, Tag
from tui.app import PenmarkApp
from tui.screens.library import LibraryScreen
from tui.screens.modals import FuzzyPicker, NoteDialog
from tui.screens.reader import ReaderScreen
from tui.widgets.article_pane import ArticlePane

SIZE = (160, 45)
CLICK = "[@click=app.quit]x[/]"
MARKUP = f"{CLICK} [sic] [/] [link=http://x]y[/link]"
CONTROLS = "\x1b]0;evil\x07 \x1b[31mred \x00 \x9b \x7f"


def plain(widget: Static) -> str:
    """What a Static draws, as text."""
    rendered = widget.render()
    assert isinstance(rendered, Content | Text), type(rendered)
    return rendered.plain


def no_controls(text: str) -> bool:
    """No C0 control (except newline and tab), DEL or C1 character."""
    return not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in text)


def svg_text(app: PenmarkApp) -> str:
    """The screen as an SVG, with the non-breaking spaces of its text turned back into spaces."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_markup_in_title_text_note_and_tag_is_literal_and_inert(mem: Store) -> None:
    mem.set_tags([*DEFAULT_TAGS, Tag("[/]odd[sic]", 5, "#888888", f"tag definition {CLICK}")])
    text = f"{MARKUP} body.\nSecond line [b]not bold[/b]."
    article = mem.add_article(text, f"{MARKUP} title").article.id
    note = mem.create(article, text.index("[sic]"), text.index("[sic]") + 5, "claim", note=f"note {MARKUP}")

    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        pane = screen.pane
        assert pane.view.text == text
        assert plain(pane.query_one(".title", Static)) == f"{MARKUP} title"
        assert f"{MARKUP} title" in plain(screen.query_one(HeaderTitle))
        assert "[/]odd[sic]" in plain(pane.query_one(".legend", Static))

        # The note shows when the cursor is on its annotation.
        pane.view.move_to(note.start + 1)
        await pilot.pause()
        assert f"note {MARKUP}" in plain(pane.query_one(".details", Static))
        shown = svg_text(app)
        for literal in ("[sic]", "[/]", "[@click=app.quit]x[/]", "[link=http://x]y[/link]", "[b]not bold[/b]"):
            assert literal.replace("&", "&amp;") in shown, literal

        # Click where the markup would have drawn "x" as a quit button, and on the literal "x".
        # Each widget has one cell of padding; in the details the note follows " claim " + " note ".
        for column in (0, CLICK.index("]x") + 1):
            await pilot.click(pane.view, offset=(1 + column, 0))
            await pilot.click(pane.query_one(".title", Static), offset=(1 + column, 0))
            await pilot.click(pane.query_one(".details", Static), offset=(1 + 13 + column, 0))
        await pilot.pause()
        assert app.is_running
        assert app.screen is screen

        # The note dialog shows the quote and the note as typed, and saves a new one literally.
        pane.view.move_to(note.start + 1)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NoteDialog)
        assert "[sic]" in plain(dialog.query_one(".quote", Static))
        await pilot.press("end", *" [/]", "enter")
        await pilot.pause()
        assert mem.annotation(note.id).note == f"note {MARKUP} [/]"

        # The odd tag: its palette entry renders, and its key tags with it.
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, FuzzyPicker)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down", "s", "5")
        await pilot.pause()
        assert [(n.tag, n.quote) for n in mem.annotations(article)][-1] == (
            "[/]odd[sic]", "Second line [b]not bold[/b].")
        assert app.is_running

        # Back in the library the title cell is literal too, and clicking it opens, never quits.
        await pilot.press("q")
        await pilot.pause()
        library = app.screen
        assert isinstance(library, LibraryScreen)
        table = library.query_one(DataTable)
        assert table.get_row_at(0)[1].plain == f"{MARKUP} title"
        assert "[/]odd[sic]" in svg_text(app)
        await pilot.click(table, offset=(4, 1))
        await pilot.pause()
        assert app.is_running


async def test_control_characters_become_visible_one_for_one(mem: Store) -> None:
    text = f"Start {CONTROLS} end.\nTab\there and a \u202ebidi override."
    title = f"Title {CONTROLS}"
    article = mem.add_article(text, title).article.id
    stored = mem.article(article)
    mem.create(article, 0, 5, "claim", note=f"note {CONTROLS}")

    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        pane = screen.pane
        shown = pane.view.text
        assert len(shown) == len(stored.text)
        assert shown.count("\n") == stored.text.count("\n") and "\t" in shown
        assert no_controls(shown), repr(shown)
        assert "\u202e" not in shown and BIDI_SYMBOL in shown
        # Each displayed character is the stored one or, for a control, a symbol in its place.
        for kept, original in zip(shown, stored.text, strict=True):
            assert kept == original or not no_controls(original) or original == "\u202e"

        warning = pane.query_one(".warning", Static)
        assert warning.display
        assert "1 bidi control" in plain(warning)

        title_shown = plain(pane.query_one(".title", Static))
        assert len(title_shown) == len(title) and no_controls(title_shown)
        assert no_controls(plain(screen.query_one(HeaderTitle)))
        await pilot.press("right")
        await pilot.pause()
        assert no_controls(plain(pane.query_one(".details", Static)))
        assert "\x1b" not in app.export_screenshot()

        await pilot.press("q")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert no_controls(table.get_row_at(0)[1].plain)
        assert "\x1b" not in app.export_screenshot()


async def test_no_bidi_warning_on_plain_text(mem: Store) -> None:
    article = mem.add_article("Nothing odd here.", "Plain").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE):
        pane = app.screen.query_one(ArticlePane)
        assert not pane.query_one(".warning", Static).display
