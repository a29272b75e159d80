"""The reader, driven with real keys: what the keys do must end up in the store, exactly."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.modals import FuzzyPicker, NoteDialog
from tui.screens.reader import ReaderScreen
from tui.widgets.article_pane import ArticlePane

SIZE = (160, 45)


def reader(app: PenmarkApp) -> ReaderScreen:
    assert isinstance(app.screen, ReaderScreen), app.screen
    return app.screen


def pane(app: PenmarkApp) -> ArticlePane:
    """The focused pane."""
    return reader(app).pane


async def repeat(pilot: Pilot, key: str, times: int) -> None:
    await pilot.press(*[key] * times)


def live(store: Store, article_id: str) -> list[tuple[str, str]]:
    """(tag, quote) of the article's live annotations, checked against the text as we go."""
    text = store.article(article_id).text
    notes = store.annotations(article_id)
    for note in notes:
        assert text[note.start : note.end] == note.quote, note
    return [(n.tag, n.quote) for n in notes]


def highlighted(app: PenmarkApp, tag: str, row: int = 0) -> str:
    """The characters drawn with ``tag``'s highlight colour on screen row ``row`` of the view:
    what the annotator sees highlighted, after Textual mapped code points to cells."""
    view = pane(app).view
    colour = pane(app).tag_styles[tag][0].bgcolor
    strip = view.render_line(row)
    return "".join(seg.text for seg in strip if seg.style and seg.style.bgcolor == colour)


# --- the core loop: select, tag, retag, note, delete, undo, redo ------------------------------

TEXT = "First sentence here. Second sentence is longer. Third one."


async def test_sentence_tag_retag_note_delete_undo_redo(mem: Store) -> None:
    article = mem.add_article(TEXT, "Loop").article.id
    second = "Second sentence is longer."
    start = TEXT.index(second)
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await repeat(pilot, "right", start + 5)  # into "Second"
        await pilot.press("s")
        assert pane(app).view.selected_offsets == (start, start + len(second))
        await pilot.press("1")
        await pilot.pause()
        [claim] = mem.annotations(article)
        assert (claim.tag, claim.quote, claim.start, claim.end) == ("claim", second, start, start + len(second))
        assert mem.article(article).status == "in progress"
        # The highlight is on screen too, on exactly the sentence.
        await pilot.press("end")
        assert highlighted(app, "claim") == second

        # Nothing selected, cursor inside the annotation: 2 retags it.
        await pilot.press("home")
        await repeat(pilot, "right", start + 3)
        assert pane(app).view.selected_offsets == (start + 3, start + 3)
        await pilot.press("2")
        await pilot.pause()
        [opinion] = mem.annotations(article)
        assert (opinion.id, opinion.tag, opinion.quote) == (claim.id, "opinion", second)

        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"checkable? [no]", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert mem.annotation(claim.id).note == "checkable? [no]"

        await pilot.press("d")
        await pilot.pause()
        assert mem.annotations(article) == []
        [gone] = mem.annotations(article, include_deleted=True)
        assert gone.deleted is not None
        assert pane(app).annotations == []  # the screen shows what is stored

        await pilot.press("u")
        await pilot.pause()
        [back] = mem.annotations(article)
        assert (back.id, back.tag, back.quote, back.note) == (claim.id, "opinion", second, "checkable? [no]")
        assert [a.id for a in pane(app).annotations] == [claim.id]

        await pilot.press("ctrl+r")
        await pilot.pause()
        assert mem.annotations(article) == []

        # Undo walks back further: the delete, the note, the retag, then the creation itself.
        await pilot.press("u", "u", "u")
        await pilot.pause()
        [first] = mem.annotations(article)
        assert (first.tag, first.note) == ("claim", "")
        await pilot.press("u")
        await pilot.pause()
        assert mem.annotations(article) == []


async def test_undo_and_redo_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "penmark.db"
    first = Store.open(path, annotator="alice")
    article = first.add_article(TEXT, "Restart").article.id
    app = PenmarkApp(first, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "1")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running
    first.close()

    second = Store.open(path, annotator="alice")
    assert live(second, article) == [("claim", "First sentence here.")]
    app = PenmarkApp(second, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert second.annotations(article) == []
        assert pane(app).annotations == []
    second.close()

    # A third connection sees the undo committed; and redo, after yet another restart, works.
    third = Store.open(path, annotator="alice")
    assert third.annotations(article) == []
    app = PenmarkApp(third, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert live(third, article) == [("claim", "First sentence here.")]
    third.close()


# --- two panes ----------------------------------------------------------------------------------

ALPHA = "Alpha one. Alpha two.\nAlpha three. Alpha four."
BETA = "Beta one. Beta two.\nBeta three. Beta four."


async def test_two_panes_tag_independently_with_all_four_tags(mem: Store) -> None:
    a = mem.add_article(ALPHA, "Alpha").article.id
    b = mem.add_article(BETA, "Beta").article.id
    app = PenmarkApp(mem, open_ids=[a, b])
    async with app.run_test(size=SIZE) as pilot:
        screen = reader(app)
        assert [p.article.id for p in screen.panes if p.article] == [a, b]
        assert pane(app) is screen.panes[0]

        await pilot.press("s", "1")
        await pilot.press("tab")
        assert pane(app) is screen.panes[1]
        await pilot.press("down", "s", "3")
        await pilot.pause()
        assert live(mem, a) == [("claim", "Alpha one.")]
        assert live(mem, b) == [("quote", "Beta three.")]

        # Still in the second pane: the line's last sentence as an opinion.
        await pilot.press("end", "s", "2")
        await pilot.press("tab")
        assert pane(app) is screen.panes[0]
        await pilot.press("down", "s", "4")
        await pilot.pause()
        assert live(mem, a) == [("claim", "Alpha one."), ("call-to-action", "Alpha three.")]
        assert live(mem, b) == [("quote", "Beta three."), ("opinion", "Beta four.")]
        assert {n.tag for n in mem.annotations()} == {"claim", "opinion", "quote", "call-to-action"}
        # Each pane paints its own article's annotations, and only those.
        assert [n.article_id for n in screen.panes[0].annotations] == [a, a]
        assert [n.article_id for n in screen.panes[1].annotations] == [b, b]


# --- adjusting bounds ---------------------------------------------------------------------------

GREEK = "Alpha beta gamma delta epsilon."


async def test_resize_moves_both_ends_and_escape_changes_nothing(mem: Store) -> None:
    article = mem.add_article(GREEK, "Greek").article.id
    gamma = GREEK.index("gamma")
    note = mem.create(article, gamma, gamma + len("gamma"), "claim")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        pane(app).view.move_to(gamma + 2)
        await pilot.press("r")
        assert reader(app).mode == "resize"
        assert pane(app).view.selected_offsets == (note.start, note.end)
        await repeat(pilot, "shift+right", len(" delta"))
        await pilot.press("enter")
        await pilot.pause()
        [grown] = mem.annotations(article)
        assert (grown.id, grown.start, grown.end, grown.quote) == (note.id, gamma, gamma + 11, "gamma delta")
        assert reader(app).mode == "normal"

        # o moves the other end: the start goes back over "beta ".
        await pilot.press("r", "o")
        await repeat(pilot, "shift+left", len("beta "))
        await pilot.press("enter")
        await pilot.pause()
        [earlier] = mem.annotations(article)
        assert (earlier.start, earlier.end, earlier.quote) == (GREEK.index("beta"), gamma + 11, "beta gamma delta")

        # shift+left from the end shrinks it.
        await pilot.press("r")
        await repeat(pilot, "shift+left", len(" delta"))
        await pilot.press("enter")
        await pilot.pause()
        [shrunk] = mem.annotations(article)
        assert shrunk.quote == "beta gamma" == GREEK[shrunk.start : shrunk.end]

        # escape abandons the new bounds: nothing is written, and enter no longer applies them.
        await pilot.press("r")
        await repeat(pilot, "shift+right", len(" delta"))
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert reader(app).mode == "normal"
        assert mem.annotations(article) == [shrunk]
        assert mem.annotation(note.id).version == shrunk.version


# --- visual mode --------------------------------------------------------------------------------

FOX = "The quick brown fox jumps. Over the lazy dog sleeps here."


async def test_visual_mode_words_and_sentence(mem: Store) -> None:
    article = mem.add_article(FOX, "Fox").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "w")
        assert pane(app).view.selected_offsets == (0, 3)
        await pilot.press("w")
        assert pane(app).view.selected_offsets == (0, len("The quick"))
        await pilot.press(")")
        assert pane(app).view.selected_offsets == (0, len("The quick brown fox jumps."))
        await pilot.press("1")
        await pilot.pause()
        assert live(mem, article) == [("claim", "The quick brown fox jumps.")]
        assert reader(app).mode == "normal"

        # Starting on the space between sentences: the stored quote is trimmed of it.
        space = FOX.index(" Over")
        pane(app).view.move_to(space)
        await pilot.press("v", ")")
        assert pane(app).view.selected_offsets == (space, len(FOX))
        await pilot.press("2")
        await pilot.pause()
        second = mem.annotations(article)[1]
        assert (second.tag, second.start, second.end) == ("opinion", space + 1, len(FOX))
        assert second.quote == "Over the lazy dog sleeps here."


async def test_visual_motions_do_nothing_outside_visual_mode(mem: Store) -> None:
    article = mem.add_article(FOX, "Fox").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w", ")")
        assert pane(app).view.selected_offsets == (0, 0)
        await pilot.press("1")
        await pilot.pause()
        assert mem.annotations(article) == []  # nothing selected, nothing under the cursor


# --- jumping between annotations ----------------------------------------------------------------


async def test_brackets_jump_between_annotation_starts(mem: Store) -> None:
    article = mem.add_article(FOX + "\n" + TEXT, "Jumps").article.id
    text = mem.article(article).text
    starts = [text.index("quick"), text.index("lazy"), text.index("Third")]
    for start in starts:
        mem.create(article, start, start + 4, "claim")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        view = pane(app).view
        assert view.cursor_offset == 0
        await pilot.press("]")
        assert view.cursor_offset == starts[0]
        await pilot.press("]")
        assert view.cursor_offset == starts[1]
        await pilot.press("]")
        assert view.cursor_offset == starts[2]
        assert view.cursor_location == (1, TEXT.index("Third"))
        await pilot.press("]")  # no more: stays
        assert view.cursor_offset == starts[2]
        await pilot.press("[")
        assert view.cursor_offset == starts[1]
        await pilot.press("[", "[")
        assert view.cursor_offset == starts[0]


# --- the tag palette ----------------------------------------------------------------------------


async def test_tag_palette_fuzzy_finds_opinion(mem: Store) -> None:
    article = mem.add_article(TEXT, "Palette").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "t")
        await pilot.pause()
        assert isinstance(app.screen, FuzzyPicker)
        await pilot.press(*"opin")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert live(mem, article) == [("opinion", "First sentence here.")]


async def test_tag_palette_escape_tags_nothing(mem: Store) -> None:
    article = mem.add_article(TEXT, "Palette").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "t")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert mem.annotations(article) == []


# --- selection edge cases -----------------------------------------------------------------------


async def test_sentence_with_abbreviation_is_whole(mem: Store) -> None:
    text = "The U.S. Army arrived. Then it left."
    article = mem.add_article(text, "Abbrev").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await repeat(pilot, "right", text.index("S."))  # on the "S" of "U.S."
        await pilot.press("s", "1")
        await pilot.pause()
        assert live(mem, article) == [("claim", "The U.S. Army arrived.")]


async def test_sentence_with_quotation(mem: Store) -> None:
    text = 'He said "We will win." Then he left.'
    article = mem.add_article(text, "Quoted").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await repeat(pilot, "right", text.index("will"))
        await pilot.press("s", "3")
        await pilot.pause()
        pane(app).view.move_to(text.index("Then") + 1)
        await pilot.press("s", "1")
        await pilot.pause()
        assert live(mem, article) == [("quote", 'He said "We will win."'), ("claim", "Then he left.")]


FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, five code points


async def test_emoji_cluster_at_the_end_of_a_selection_is_taken_whole(mem: Store) -> None:
    text = f"Family {FAMILY} here. Next."
    article = mem.add_article(text, "Emoji").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        # shift+right moves by code point: 8 of them end inside the cluster (after the first woman).
        await repeat(pilot, "shift+right", len("Family ") + 1)
        assert pane(app).view.selected_offsets == (0, 8)
        await pilot.press("1")
        await pilot.pause()
        assert live(mem, article) == [("claim", f"Family {FAMILY}")]
        [note] = mem.annotations(article)
        assert (note.start, note.end) == (0, len("Family ") + len(FAMILY))


async def test_emoji_cluster_at_the_start_of_a_selection_is_taken_whole(mem: Store) -> None:
    text = f"Family {FAMILY} here. Next."
    article = mem.add_article(text, "Emoji").article.id
    inside = len("Family ") + 2  # on the ZWJ after the first woman
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        pane(app).view.move_to(inside)
        await repeat(pilot, "shift+right", len(FAMILY) - 2 + len(" here"))
        await pilot.press("4")
        await pilot.pause()
        assert live(mem, article) == [("call-to-action", f"{FAMILY} here")]


CJK = "東京で会議が開かれた。次の文。"


async def test_cjk_sentence_and_characters(mem: Store) -> None:
    article = mem.add_article(CJK + "\nSecond line.", "CJK").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await repeat(pilot, "right", CJK.index("次") + 1)
        await pilot.press("s", "1")
        await pilot.pause()
        assert live(mem, article) == [("claim", "次の文。")]

        pane(app).view.move_to(CJK.index("会"))
        await repeat(pilot, "shift+right", 2)
        await pilot.press("2")
        await pilot.pause()
        assert live(mem, article) == [("opinion", "会議"), ("claim", "次の文。")]
        # Wide characters take two cells each: the highlights still cover exactly these characters.
        await pilot.press("down")
        assert highlighted(app, "claim") == "次の文。"
        assert highlighted(app, "opinion") == "会議"


async def test_line_with_a_tab(mem: Store) -> None:
    line = "Name:\tAlice said hi. Bob left."
    article = mem.add_article("Intro line.\n" + line, "Tabbed").article.id
    text = mem.article(article).text
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        await repeat(pilot, "right", line.index("Alice"))
        assert pane(app).view.cursor_offset == text.index("Alice")  # a tab is one code point
        await pilot.press("s", "1")
        await pilot.pause()
        pane(app).view.move_to(text.index("Bob"))
        await pilot.press("shift+end", "3")
        await pilot.pause()
        assert live(mem, article) == [("claim", "Name:\tAlice said hi."), ("quote", "Bob left.")]
        # On screen the tab expands to several cells; the quote's highlight still ends at "left.".
        pane(app).view.move_to(0)
        await pilot.pause()
        assert highlighted(app, "quote", row=1) == "Bob left."
        assert highlighted(app, "claim", row=1).replace(" ", "") == "Name:Alicesaidhi."


# --- opening another article in a pane ------------------------------------------------------------


async def test_ctrl_o_opens_the_best_title_match_in_the_focused_pane(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store, open_ids=[ids[0], ids[1]])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, FuzzyPicker)
        await pilot.press(*"ballistic", "enter")
        await pilot.pause()
        screen = reader(app)
        assert [p.article.id for p in screen.panes if p.article] == [ids[0], ids[2]]
        assert pane(app) is screen.panes[1]
        assert "Ballistic Bargain" in screen.sub_title
        # Tagging now goes to the newly opened article.
        await pilot.press("s", "2")
        await pilot.pause()
        assert [n.article_id for n in store.annotations()] == [ids[2]]


# --- what the pane says ---------------------------------------------------------------------------


def saved_label(app: PenmarkApp) -> str:
    rendered = pane(app).query_one(".saved", Static).render()
    return str(getattr(rendered, "plain", rendered))


async def test_saved_confirmation_and_mode_label_show(mem: Store) -> None:
    article = mem.add_article(TEXT, "Labels").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        # Tagging a selection says so once the commit returned (and is not wiped by leaving a mode).
        await pilot.press("s", "1")
        await pilot.pause()
        assert len(mem.annotations(article)) == 1
        assert saved_label(app) == "✓ saved: claim"

        # Visual mode right after a save: its label shows, and outlives the save's 4 s flash.
        await pilot.press("v")
        await pilot.pause()
        assert saved_label(app).startswith("VISUAL")
        await pilot.pause(4.3)
        assert reader(app).mode == "visual"
        assert saved_label(app).startswith("VISUAL")

        await pilot.press("w", "3")
        await pilot.pause()
        assert saved_label(app) == "✓ saved: quote"
        await pilot.press("escape")
        assert saved_label(app) == "✓ saved: quote"  # escape in normal mode leaves it alone


async def test_choosing_from_the_list_makes_that_annotation_the_one_keys_act_on(mem: Store) -> None:
    """Two annotations overlap; choosing the outer one from the list (l, enter) makes n edit it,
    not the inner one the cursor also stands on."""
    text = "The talks collapsed after an hour of shouting."
    article = mem.add_article(text, "Talks").article.id
    outer = mem.create(article, 0, len("The talks collapsed after an hour"), "claim")
    mem.create(article, 0, len("The talks"), "quote")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        listing = reader(app).query_one("#annotation-list")
        assert listing.highlighted is not None  # it opens on the annotation under the cursor
        assert listing.options[listing.highlighted].id == pane(app).under_cursor()[0].id
        index = next(i for i, option in enumerate(listing.options) if option.id == outer.id)
        assert f"0-{outer.end} · tester" in str(listing.options[index].prompt)  # which one, and whose
        listing.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog) and app.screen.quote == outer.quote


async def test_nothing_to_redo_clears_the_last_confirmation(mem: Store) -> None:
    article = mem.add_article(TEXT, "Labels").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "1", "u")
        await pilot.pause()
        assert "undo saved" in saved_label(app)
        await pilot.press("u")  # nothing left: the old "✓ undo saved" must not seem to answer it
        await pilot.pause()
        assert saved_label(app) == ""
        assert any("Nothing to undo" in str(n.message) for n in app._notifications)


async def test_the_key_bar_keeps_the_help_key_when_keys_do_not_fit(mem: Store) -> None:
    article = mem.add_article(TEXT, "Labels").article.id
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.press("v")  # visual mode: its motions join the bar, which no longer fits
        await pilot.pause()
        from tui.widgets.key_bar import KeyBar

        bar = app.screen.query_one(KeyBar)
        drawn = bar.render().plain
        assert drawn.rstrip().endswith("? Keys") and "… " in drawn and len(drawn) <= 120, drawn
        assert " w/b " in drawn  # the first keys stay
