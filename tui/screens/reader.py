"""The reader: one or two articles side by side, selected and tagged from the keyboard."""

from __future__ import annotations

import itertools
import re
import sqlite3
from bisect import bisect_left
from collections.abc import Callable
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, TextArea
from textual.widgets.option_list import Option

from annotations import segment
from annotations.errors import PenmarkError
from annotations.model import Annotation
from annotations.safe import visible
from annotations.text import snap

from ..widgets.article_pane import ArticlePane
from ..widgets.tag_style import tag_chip
from ..widgets.key_bar import KeyBar
from ..widgets.safe_input import SafeInput
from .modals import Choice, FuzzyPicker, NoteDialog
from .review import ReviewScreen, Verdict, needs_review

Mode = Literal["normal", "visual", "resize"]

# Visual-mode motions: key -> (function from (text, offset) to the new cursor offset, key bar
# label, description).
MOTIONS: dict[str, tuple[Callable[[str, int], int], str, str]] = {
    "w": (segment.next_word_end, "±word", "Extend to the end of the next word"),
    "b": (segment.previous_word_start, "±word", "Extend back to the previous word"),
    ")": (segment.next_sentence_end, "±sentence", "Extend to the end of the sentence"),
    "(": (segment.previous_sentence_start, "±sentence", "Extend back to the previous sentence"),
    "}": (segment.next_paragraph_end, "±paragraph", "Extend to the end of the paragraph"),
    "{": (segment.previous_paragraph_start, "±paragraph", "Extend back to the previous paragraph"),
}
_MOTION_KEYS = {"w": "w", "b": "b", ")": "right_parenthesis", "(": "left_parenthesis",
                "}": "right_curly_bracket", "{": "left_curly_bracket"}
_SHOWN_MOTIONS = {"w": "w/b", ")": ")/(", "}": "}/{"}
_VISUAL_ONLY = {"motion", "swap_ends"}


class ReaderScreen(Screen[None]):
    BINDINGS = [
        Binding("s", "select_sentence", "Sentence", tooltip="Select the sentence under the cursor", id="select-sentence"),
        Binding("v", "visual", "Visual", tooltip="Visual mode: w/b, )/(, }/{ extend the selection by word, sentence, paragraph", id="visual"),
        *(
            # The forward motions show in the footer (only in visual mode, see check_action).
            Binding(key, f"motion('{motion}')", label, show=motion in _SHOWN_MOTIONS,
                    key_display=_SHOWN_MOTIONS.get(motion), tooltip=description, id=f"motion-{motion}")
            for motion, (_, label, description) in MOTIONS.items()
            for key in [_MOTION_KEYS[motion]]
        ),
        Binding("o", "swap_ends", "Other end", tooltip="In visual mode: move the other end of the selection", id="swap-ends"),
        Binding("1", "tag(1)", "Tag", key_display="1-9", tooltip="Tag the selection (or retag the annotation under the cursor) with the tag of that key", id="tag-1"),
        *(Binding(str(n), f"tag({n})", f"Tag with key {n}", show=False, id=f"tag-{n}") for n in range(2, 10)),
        Binding("t", "tag_palette", "Tags…", tooltip="Choose a tag by name (fuzzy)", show=False, id="tag-palette"),
        Binding("n", "note", "Note", tooltip="Add or edit the note of the annotation under the cursor", id="note"),
        Binding("d", "delete", "Delete", tooltip="Delete the annotation under the cursor (u undoes)", id="delete"),
        Binding("r", "resize", "Resize", tooltip="Adjust the bounds of the annotation under the cursor: extend, then enter", show=False, id="resize"),
        Binding("enter", "apply_resize", "Apply", tooltip="Apply the new bounds (resize mode)", id="apply-resize"),
        Binding("right_square_bracket", "jump(1)", "Next", key_display="]", tooltip="Jump to the next annotation", show=False, id="next-annotation"),
        Binding("left_square_bracket", "jump(-1)", "Prev", key_display="[", tooltip="Jump to the previous annotation", show=False, id="previous-annotation"),
        Binding("u", "undo", "Undo", tooltip="Undo your last change (survives restarts)", id="undo"),
        Binding("ctrl+r", "redo", "Redo", tooltip="Redo what you undid", show=False, id="redo"),
        Binding("tab", "switch_pane", "Pane", tooltip="Move to the other pane", priority=True, id="switch-pane"),
        Binding("ctrl+o", "open_article", "Open…", tooltip="Open another article in this pane", show=False, id="open-article"),
        Binding("l", "toggle_list", "List", tooltip="Show or hide this article's annotations", show=False, id="toggle-list"),
        Binding("ctrl+s", "cycle_status", "Status", show=False, tooltip="Set the article's status: new, in progress, done", id="reader-status"),
        Binding("escape", "escape", "Clear", tooltip="Clear the selection, leave visual or resize mode", show=False, id="clear"),
        Binding("m", "similar", "Similar", tooltip="List quotes like the annotation under the cursor in other articles", show=False, id="similar"),
        Binding("ctrl+f", "find", "Find", tooltip="Find text in this article: enter for the next match, escape to stop", show=False, id="find"),
        Binding("a", "whose", "Whose", tooltip="Show all annotators' annotations, one annotator's, or the gold set", show=False, id="whose"),
        Binding("R", "review", "Review", tooltip="Settle annotations a new version of the text left fuzzy or orphaned: accept, move or delete", show=False, id="review"),
        Binding("e", "export", "Export", tooltip="Export annotations to a dataset file: format, filters, path (this article or all)", id="export"),
        Binding("q", "back", "Back", tooltip="Back to where you came from: the library, search or agreement", id="back"),
    ]
    DEFAULT_CSS = """
    ReaderScreen #panes { height: 1fr; }
    ReaderScreen #annotation-list { width: 44; display: none; border: round $panel; }
    ReaderScreen #annotation-list.shown { display: block; }
    ReaderScreen #find { dock: bottom; display: none; margin: 0 1 1 1; }
    ReaderScreen #find.shown { display: block; }
    """

    def __init__(self, article_ids: list[str], *, at: int | None = None, select: str | None = None) -> None:
        super().__init__()
        self.article_ids = article_ids
        self.start_at = at
        self.select = select  # an annotation id: the one keys act on at ``at`` (a search result)
        self._find_pane: ArticlePane | None = None
        self._find_from = 0
        self.mode: Mode = "normal"
        self.resizing: Annotation | None = None
        self.showing: str | None = None  # whose annotations are shown; None: everyone's
        self._data_version = 0
        self._last_pane: ArticlePane | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            for n, _ in enumerate(self.article_ids):
                yield ArticlePane(id=f"pane-{n}")
            yield OptionList(id="annotation-list")
        yield SafeInput(placeholder="find in this article (enter: next match, escape: done)", id="find")
        yield KeyBar()

    def on_mount(self) -> None:
        for pane, article_id in zip(self.panes, self.article_ids, strict=True):
            self.load(pane, article_id)
        self.panes[0].view.focus()
        self.panes[0].preferred = self.select
        if self.start_at is not None:  # once laid out, so the view can centre it
            self.call_after_refresh(self.panes[0].view.move_to, self.start_at)
        self._data_version = self.app.store.data_version()
        # Another window or process may change these articles: refresh when the database moves.
        self.set_interval(1.0, self.poll_database)

    # --- panes ------------------------------------------------------------------------------

    @property
    def panes(self) -> list[ArticlePane]:
        return list(self.query(ArticlePane))

    @property
    def pane(self) -> ArticlePane:
        """The focused pane."""
        for pane in self.panes:
            if pane.view.has_focus or pane.has_focus_within:
                return pane
        return self._last_pane or self.panes[0]

    def load(self, pane: ArticlePane, article_id: str) -> None:
        store = self.app.store
        pane.show(store.article(article_id), self._shown(article_id), store.tags())
        # The header shows titles as they are: control characters must not reach the terminal.
        self._show_whose()
        unsettled = needs_review(store, article_id)
        if unsettled:
            self.notify(f"{len(unsettled)} annotation(s) need review after the text changed: R lists them.",
                        title="Review", severity="warning", markup=False)

    # --- whose annotations are shown ---------------------------------------------------------

    def _shown(self, article_id: str) -> list[Annotation]:
        notes = self.app.store.annotations(article_id)
        return notes if self.showing is None else [n for n in notes if n.annotator == self.showing]

    def action_whose(self) -> None:
        """Cycle: everyone, then each annotator of the open articles (gold among them)."""
        store = self.app.store
        names = sorted({n.annotator for p in self.panes if p.article for n in store.annotations(p.article.id)})
        choices: list[str | None] = [None, *names]
        self.showing = choices[(choices.index(self.showing) + 1) % len(choices)] if self.showing in choices else None
        for pane in self.panes:
            self.refresh_pane(pane)
        self._show_whose()

    def _show_whose(self) -> None:
        whose = "all annotators" if self.showing is None else visible(self.showing, one_line=True)
        titles = "  |  ".join(visible(p.article.title, one_line=True) for p in self.panes if p.article)
        me = visible(self.app.store.annotator, one_line=True)
        # Who first: with two long titles the header is cut at its end, never these.
        self.sub_title = f"you: {me} · showing {whose} (a changes)  ·  {titles}"

    # --- the re-anchoring queue ---------------------------------------------------------------

    def action_review(self) -> None:
        pane = self.pane
        if pane.article is None:
            return
        unsettled = needs_review(self.app.store, pane.article.id)
        if not unsettled:
            self.notify("Nothing to review: every annotation here is exact.", markup=False)
            return
        self.app.push_screen(ReviewScreen(self.app.store, unsettled, pane.tag_styles), self._reviewed)

    def _reviewed(self, verdict: Verdict | None) -> None:
        if verdict is None:
            return
        action, note = verdict
        pane = self.pane
        store = self.app.store
        if action == "goto":
            pane.view.select_offsets(note.start, note.end)
        elif action == "move":  # the reader's resize mode: the annotator sets the bounds, enter applies
            self.resizing = note
            pane.view.select_offsets(note.start, note.end)
            self._set_mode("resize")
        else:
            change, done = (store.accept, "accepted") if action == "accept" else (store.delete, "deleted (u undoes)")
            if self._commit(pane, lambda: change(note.id, expected_version=note.version), done) is not None:
                if needs_review(store, note.article_id):
                    self.action_review()  # on to the next one

    def refresh_pane(self, pane: ArticlePane) -> None:
        """Re-read the pane's annotations from the store: the screen shows what is stored. A text
        replaced meanwhile (a new version imported in another window) is shown again whole, or
        its annotations would be drawn, and selections taken, on the old text."""
        article = pane.article
        if article is not None:
            try:
                changed = self.app.store.checksum(article.id) != article.sha256
            except PenmarkError:
                changed = False
            if changed:
                cursor = pane.view.cursor_offset
                self.load(pane, article.id)
                pane.view.move_to(min(cursor, len(pane.article.text)))
                self.notify(f"A new version of “{visible(article.title, one_line=True)}” came in: shown again.",
                            title="Text changed", severity="warning", markup=False)
            else:
                pane.set_annotations(self._shown(article.id))
        if pane is self.pane:
            self.fill_list()

    def poll_database(self) -> None:
        stack = self.app.screen_stack
        if self not in stack or not all(s.is_modal for s in stack[stack.index(self) + 1:]):
            return  # under another screen (a dialog over it is fine): it catches up when shown again
        version = self.app.store.data_version()
        if version != self._data_version:
            self._data_version = version
            for pane in self.panes:
                self.refresh_pane(pane)

    def on_descendant_focus(self) -> None:
        for pane in self.panes:
            focused = pane.has_focus_within
            pane.set_class(focused, "focused")
            if focused:
                self._last_pane = pane
        self.fill_list()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        for pane in self.panes:
            if pane.view is event.text_area:
                pane.update_details()

    def action_switch_pane(self) -> None:
        panes = self.panes
        index = panes.index(self.pane)
        panes[(index + 1) % len(panes)].view.focus()

    def action_open_article(self) -> None:
        choices = [
            Choice(a.id, Text(visible(a.title, one_line=True)), a.title) for a in self.app.store.articles()
        ]
        pane = self.pane

        def opened(article_id: str | None) -> None:
            if article_id:
                self.load(pane, article_id)
                pane.view.focus()

        self.app.push_screen(FuzzyPicker("Open an article in this pane", choices), opened)

    def on_screen_resume(self) -> None:
        self.poll_database()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        from .export import ExportScreen

        articles = list({p.article.id: p.article for p in self.panes if p.article is not None}.values())
        self.app.push_screen(ExportScreen([a.id for a in articles], [a.title for a in articles]))

    # --- the side list ----------------------------------------------------------------------

    def action_toggle_list(self) -> None:
        listing = self.query_one("#annotation-list", OptionList)
        pane = self.pane  # before the list takes the focus
        listing.toggle_class("shown")
        self.fill_list()
        if listing.has_class("shown"):  # up/down choose, enter jumps; l again goes back to the text
            listing.focus()
        else:
            listing.highlighted = None  # shown again, it opens where the cursor is then
            pane.view.focus()

    def fill_list(self) -> None:
        listing = self.query_one("#annotation-list", OptionList)
        if not listing.has_class("shown"):
            return
        pane = self.pane
        kept = listing.highlighted is not None and listing.get_option_at_index(listing.highlighted).id
        listing.clear_options()
        for note in pane.annotations:
            label = tag_chip(note.tag, pane.tag_styles)
            label.append(" " + visible(note.quote, one_line=True)[:120])
            label.append(f"  {note.start}-{note.end} · {visible(note.annotator, one_line=True)}", style="dim")
            listing.add_option(Option(label, id=note.id))
        # On the one highlighted before, else the one under the cursor (else the next), never on none.
        ids = [note.id for note in pane.annotations]
        under = pane.under_cursor()
        following = [i for i, note in enumerate(pane.annotations) if note.start >= pane.view.cursor_offset]
        if kept in ids:
            listing.highlighted = ids.index(kept)
        elif ids:
            listing.highlighted = ids.index(under[0].id) if under else (following or [len(ids) - 1])[0]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        pane = self.pane
        note = next((a for a in pane.annotations if a.id == event.option.id), None)
        if note:
            pane.view.move_to(note.start)
            pane.preferred = note.id  # the keys act on the one chosen, not another overlapping it
            pane.update_details()
            pane.view.focus()

    # --- selecting --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _VISUAL_ONLY:
            return self.mode in ("visual", "resize")
        if action == "apply_resize":
            return self.mode == "resize"
        return True

    def _set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.refresh_bindings()
        labels = {"normal": "", "visual": "VISUAL: w b ) ( } { extend · o other end · 1-9 tag · esc",
                  "resize": "RESIZE: shift+arrows or v-motions move the bounds · o other end · enter applies · esc"}
        # Leaving a mode clears its label, not the "✓ saved" the commit that ended it just showed.
        if labels[mode] or self.pane.saved_text in labels.values():
            self.pane.saved_text = labels[mode]

    def action_select_sentence(self) -> None:
        pane = self.pane
        if pane.article is None:
            return
        span = segment.sentence_at(pane.article.text, pane.view.cursor_offset)
        if span is None:
            self.notify("No sentence here (blank line).", markup=False)
            return
        pane.view.select_offsets(*span)

    def action_visual(self) -> None:
        if self.mode == "visual":
            self._set_mode("normal")
            return
        self._set_mode("visual")

    def action_motion(self, motion: str) -> None:
        pane = self.pane
        if pane.article is None:
            return
        move = MOTIONS[motion][0]
        anchor, _ = pane.view.selection
        cursor = pane.view.cursor_offset
        target = move(pane.article.text, cursor)
        pane.view.select_offsets(pane.view.index.offset(anchor), target)

    def action_swap_ends(self) -> None:
        view = self.pane.view
        start, end = view.selection
        view.select_offsets(view.index.offset(end), view.index.offset(start))

    # --- finding ----------------------------------------------------------------------------

    def action_similar(self) -> None:
        found = self.pane.under_cursor()
        if not found:
            self.notify("Put the cursor on an annotation to list quotes like it.", markup=False)
            return
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(similar_to=found[0]))

    def action_find(self) -> None:
        finder = self.query_one("#find", Input)
        finder.add_class("shown")
        self._find_pane = self.pane
        self._find_from = self.pane.view.cursor_offset
        finder.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "find":
            self._find(event.value, self._find_from)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "find" and self._find_pane is not None:  # the next match after this one
            start, _end = self._find_pane.view.selected_offsets
            self._find(event.value, start + 1)

    def _find(self, needle: str, offset: int) -> None:
        """Select the first match of ``needle`` (ignoring case) at or after ``offset``, wrapping."""
        pane = self._find_pane
        if pane is None or pane.article is None or not needle:
            return
        pattern = re.compile(re.escape(needle), re.IGNORECASE)
        match = pattern.search(pane.article.text, offset) or pattern.search(pane.article.text)
        finder = self.query_one("#find", Input)
        if match is None:
            finder.border_subtitle = "no match"
            return
        finder.border_subtitle = _match_count(pattern, pane.article.text, match.start())
        pane.view.select_offsets(*match.span())

    def _close_find(self) -> bool:
        finder = self.query_one("#find", Input)
        if not finder.has_class("shown"):
            return False
        finder.remove_class("shown")
        (self._find_pane or self.pane).view.focus()  # the match stays selected: a digit tags it
        return True

    def action_escape(self) -> None:
        if self._close_find():
            return
        view = self.pane.view
        if self.mode == "resize":
            self.resizing = None
        view.move_cursor(view.cursor_location)  # collapses the selection
        self._set_mode("normal")

    # --- tagging and editing ----------------------------------------------------------------

    def _commit(self, pane: ArticlePane, change: Callable[[], Annotation], done: str) -> Annotation | None:
        """Run one store change; say "saved" only once it has committed, show errors plainly,
        and redraw from the store either way, so the screen never shows what is not stored."""
        try:
            result = change()
        except (PenmarkError, sqlite3.Error) as error:
            # sqlite3.Error: another program held the database past the busy timeout ("locked").
            message = str(error) if isinstance(error, PenmarkError) else (
                "the database is busy or unavailable: another program has held it for over 10 s, "
                "so nothing was saved; try again in a moment")
            self.notify(message, title="Not saved", severity="error", markup=False)
            self.refresh_pane(pane)
            return None
        for other in self.panes:
            if other.article and other.article.id == result.article_id:
                self.refresh_pane(other)
        self._data_version = self.app.store.data_version()
        pane.flash_saved(f"✓ saved: {done}")
        return result

    def action_tag(self, key: int) -> None:
        tag = next((t for t in self.app.store.tags() if t.key == key), None)
        if tag is None:
            self.notify(f"No tag has key {key}; t opens the tag list.", markup=False)
            return
        self.apply_tag(tag.name)

    def apply_tag(self, tag: str) -> None:
        pane = self.pane
        article = pane.article
        if article is None:
            return
        start, end = pane.view.selected_offsets
        store = self.app.store
        if end > start:
            span = snap(article.text, start, end)
            if span is None:
                self.notify("The selection holds only white space.", markup=False)
                return
            created = self._commit(
                pane, lambda: store.create(article.id, span.start, span.end, tag, text_sha256=article.sha256), tag)
            if created:
                if self.showing not in (None, store.annotator):  # else the new annotation is hidden
                    self.showing = None
                    for shown in self.panes:
                        self.refresh_pane(shown)
                    self._show_whose()
                pane.view.move_to(created.start)
                self._set_mode("normal")
                self.resizing = None
                if store.article(article.id).status == "new":
                    store.set_status(article.id, "in progress")
            return
        if not pane.under_cursor():
            self.notify("Select a passage first: s for the sentence, v for visual mode, or shift+arrows.",
                        markup=False)
            return
        found = self._target("retag")
        if found:
            target = found[1]
            self._commit(pane, lambda: store.retag(target.id, tag, expected_version=target.version),
                         f"retagged {tag}")

    def action_tag_palette(self) -> None:
        tags = self.app.store.tags()
        styles = self.pane.tag_styles
        choices = []
        for tag in tags:
            label = tag_chip(tag.name, styles)
            label.append(f"  {tag.key or ' '}  {visible(tag.definition, one_line=True)}", style="dim")
            choices.append(Choice(tag.name, label, f"{tag.name} {tag.definition}"))

        def chosen(name: str | None) -> None:
            if name:
                self.apply_tag(name)

        self.app.push_screen(FuzzyPicker("Tag the selection (or the annotation under the cursor)", choices), chosen)

    def _target(self, what: str) -> tuple[ArticlePane, Annotation] | None:
        """The annotation a key acts on: the one being resized, else the innermost under the
        cursor; only one's own (another annotator's work is theirs to change, or to adjudicate)."""
        pane = self.pane
        if self.mode == "resize" and self.resizing is not None:
            target = self.resizing
        else:
            under = pane.under_cursor()
            if not under:
                self.notify(f"No annotation under the cursor to {what}.", markup=False)
                return None
            target = under[0]
        me = self.app.store.annotator
        if target.annotator != me:
            self.notify(f"This {target.tag} is {visible(target.annotator, one_line=True)}'s annotation: only they "
                        f"change it (you are {visible(me, one_line=True)}; adjudication settles disagreements).",
                        title=f"Cannot {what}", severity="warning", markup=False)
            return None
        return pane, target

    def action_note(self) -> None:
        found = self._target("note")
        if found is not None:
            self._edit_note(*found, found[1].note)

    def _edit_note(self, pane: ArticlePane, target: Annotation, text: str) -> None:
        store = self.app.store

        def noted(note: str | None) -> None:
            if note is None or note == target.note:
                return
            if self._commit(pane, lambda: store.set_note(target.id, note, expected_version=target.version), "note"):
                return
            fresh = store.annotation(target.id)
            if fresh.version != target.version and fresh.deleted is None:
                # Changed elsewhere meanwhile: what was typed is offered again, over the new version.
                self._edit_note(pane, fresh, note)

        self.app.push_screen(NoteDialog(target.quote, text), noted)

    def action_delete(self) -> None:
        found = self._target("delete")
        if found:
            pane, target = found
            self._commit(pane, lambda: self.app.store.delete(target.id, expected_version=target.version),
                         f"deleted {target.tag} (u undoes)")

    def action_resize(self) -> None:
        found = self._target("resize")
        if found:
            pane, target = found
            self.resizing = target
            pane.view.select_offsets(target.start, target.end)
            self._set_mode("resize")

    def action_apply_resize(self) -> None:
        target = self.resizing
        pane = self.pane
        if target is None or pane.article is None:
            return
        span = snap(pane.article.text, *pane.view.selected_offsets)
        if span is None:
            self.notify("The new bounds hold only white space.", markup=False)
            return
        resized = self._commit(
            pane,
            lambda: self.app.store.resize(target.id, span.start, span.end, expected_version=target.version,
                                          text_sha256=pane.article.sha256),
            "resized",
        )
        if resized:
            self.resizing = None
            pane.view.move_to(resized.start)
            self._set_mode("normal")

    def action_jump(self, step: int) -> None:
        pane = self.pane
        offset = pane.view.cursor_offset
        starts = sorted({a.start for a in pane.annotations if a.anchor != "orphan"})
        following = [s for s in starts if s > offset] if step > 0 else [s for s in starts if s < offset][::-1]
        if following:
            pane.view.move_to(following[0])
        else:
            self.notify("No more annotations this way.", markup=False)

    def _history(self, kind: Literal["undo", "redo"]) -> None:
        store = self.app.store
        try:
            changed = store.undo() if kind == "undo" else store.redo()
        except PenmarkError as error:
            self.notify(str(error), title=f"Cannot {kind}", severity="error", markup=False)
            return
        if changed is None:
            self.notify(f"Nothing to {kind}.", markup=False)
            self.pane.saved_text = ""  # an earlier "✓ undo saved" must not seem to answer this
            return
        self._data_version = store.data_version()
        shown = [p for p in self.panes if p.article and p.article.id == changed.article_id]
        for pane in shown:
            self.refresh_pane(pane)
        pane = shown[0] if shown else self.pane
        if not shown:
            self.load(pane, changed.article_id)
        pane.view.move_to(changed.start)
        pane.flash_saved(f"✓ {kind} saved")

    def action_undo(self) -> None:
        self._history("undo")

    def action_redo(self) -> None:
        self._history("redo")

    def action_cycle_status(self) -> None:
        from annotations.model import STATUSES

        article = self.pane.article
        if article is None:
            return
        current = self.app.store.article(article.id).status
        status = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
        self.app.store.set_status(article.id, status)
        self.notify(f"Marked {status}.", markup=False)


_COUNT_UP_TO = 999  # matches counted for "n of m": a one-letter search of 10 MB stays instant


def _match_count(pattern: re.Pattern[str], text: str, at: int) -> str:
    """Which match the one at ``at`` is, of how many ("3 of 12", or "3 of 999+")."""
    starts = [m.start() for m in itertools.islice(pattern.finditer(text), _COUNT_UP_TO + 1)]
    total = f"{_COUNT_UP_TO}+" if len(starts) > _COUNT_UP_TO else str(len(starts))
    index = bisect_left(starts, at)
    return f"{index + 1} of {total}" if index < len(starts) and starts[index] == at else f"of {total}"
