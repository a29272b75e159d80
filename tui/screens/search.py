"""The search screen: results update as you type; enter opens the article at the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from annotations.model import Annotation
from annotations.safe import visible
from annotations.search import Hit, Passage

from ..widgets.key_bar import KeyBar
from ..widgets.safe_input import SafeInput
from ..widgets.tag_style import tag_chip, tag_colours

if TYPE_CHECKING:
    from annotations.search import Searcher

_MARK = Style(bold=True, underline=True)
_PLACEHOLDER = 'words (typos forgiven), "a phrase", tag:claim -tag:opinion by:NAME in:TITLE note:WORDS'


def one_line(text: str) -> str:
    """``text`` as one line of a list: control characters visible, a tab one space (not a wide
    gap); one character for one, so marks keep their offsets."""
    return visible(text, one_line=True).replace("\t", " ")


def marked(text: str, marks: tuple[tuple[int, int], ...], limit: int = 300) -> Text:
    """``text`` on one line, control characters made visible, the marked spans emphasised."""
    line = Text(one_line(text[:limit]), no_wrap=True, overflow="ellipsis")
    for start, end in marks:
        if start < limit:
            line.stylize(_MARK, start, min(end, limit))
    return line


class ResultList(OptionList):
    """The results. Up from the first one, or typing, asks to go back to the query box."""

    class BackToQuery(Message):
        def __init__(self, character: str | None) -> None:
            super().__init__()
            self.character = character  # typed in the list: it belongs in the query

    def action_cursor_up(self) -> None:
        if not self.highlighted:  # the first (OptionList would wrap round to the last)
            self.post_message(self.BackToQuery(None))
        else:
            super().action_cursor_up()

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and not event.character.isspace():
            event.stop()
            event.prevent_default()
            self.post_message(self.BackToQuery(event.character))


class SearchScreen(Screen[None]):
    """Search annotations (or passages of the articles), or list quotes like one annotation's."""

    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Close the search", id="search-close"),
        Binding("ctrl+t", "toggle_passages", "Annotations/passages",
                tooltip="Search the articles' text instead of annotations, and back", id="search-passages"),
        Binding("down", "results", "Results", show=False, tooltip="Move into the results", id="search-results"),
    ]
    DEFAULT_CSS = """
    SearchScreen Input { margin: 0 1; }
    SearchScreen .hint { height: auto; padding: 0 2; color: $text-muted; }
    SearchScreen OptionList { height: 1fr; margin: 0 1; }
    """

    def __init__(self, *, similar_to: Annotation | None = None) -> None:
        super().__init__()
        self.similar_to = similar_to
        self.passages = False
        self._results: list[Hit | Passage] = []

    @property
    def searcher(self) -> Searcher:
        return self.app.searcher  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        # Not select_on_focus: coming back from the results, typing goes on with the query.
        yield SafeInput(placeholder=_PLACEHOLDER, id="query", select_on_focus=False)
        yield Static("", classes="hint", markup=False)
        yield ResultList(id="results")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "penmark — search"
        if self.similar_to is not None:
            query = self.query_one(Input)
            query.display = False
            self.sub_title = f"quotes like “{visible(self.similar_to.quote, one_line=True)[:60]}”"
            self.find_similar(self.similar_to)
            self.query_one(OptionList).focus()
        else:
            self.sub_title = "annotations"
            self.query_one(Input).focus()
            self._hint(("type words to search; ctrl+t searches the articles' text instead",))

    def _hint(self, hints: tuple[str, ...]) -> None:
        self.query_one(".hint", Static).update(Text("  ·  ".join(hints)))

    # --- searching -------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value, self.passages)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str, passages: bool) -> None:
        """Off the interface's thread; when several are typed quickly the latest one wins."""
        if passages:
            found, hints = self.searcher.passages(query)
            results: list[Hit | Passage] = list(found)
        else:
            outcome = self.searcher.annotations(query)
            results, hints = list(outcome.hits), outcome.hints
        self.app.call_from_thread(self.show_results, query, passages, results, hints)

    @work(thread=True, exclusive=True, group="search")
    def find_similar(self, annotation: Annotation) -> None:
        hits = self.searcher.similar(annotation)
        hints = () if hits else ("no quote in another article is like this one",)
        self.app.call_from_thread(self.show_results, None, False, list(hits), hints)

    def show_results(
        self, query: str | None, passages: bool, results: list[Hit | Passage], hints: tuple[str, ...]
    ) -> None:
        if query is not None and (query != self.query_one(Input).value or passages != self.passages):
            return  # an older query finished after a newer one was typed
        self._results = results
        styles = tag_colours(self.app.store.tags(), self.app.current_theme.background or "#000000")
        listing = self.query_one(OptionList)
        listing.clear_options()
        for n, result in enumerate(results):
            listing.add_option(Option(self._label(result, styles), id=str(n)))
        if results:  # enter in the list (straight after m, say) opens the first
            listing.highlighted = 0
        count = f"{len(results)} {'passage' if passages else 'result'}{'s' * (len(results) != 1)}"
        self._hint((count, *hints) if query or results else hints)

    @staticmethod
    def _label(result: Hit | Passage, styles: dict) -> Text:
        if isinstance(result, Passage):
            label = Text(one_line(result.title), style="bold", no_wrap=True, overflow="ellipsis")
            label.append("\n")
            label.append_text(marked(result.snippet, result.snippet_marks))
            return label
        note = result.annotation
        label = tag_chip(note.tag, styles)
        label.append(" ")
        label.append_text(marked(note.quote, result.marks))
        details = Text(f"\n   {one_line(result.title)}", style="dim", no_wrap=True, overflow="ellipsis")
        if note.note:
            details.append(f" · {one_line(note.note)}", style="italic")
        details.append(f" · {one_line(note.annotator)}")
        label.append_text(details)
        return label

    # --- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Quotes like one annotation's have no query to search the articles' text with.
        return not (action == "toggle_passages" and self.similar_to is not None)

    def on_result_list_back_to_query(self, event: ResultList.BackToQuery) -> None:
        query = self.query_one(Input)
        if not query.display:  # quotes like one annotation's: there is no query box
            return
        query.focus()
        if event.character:
            query.cursor_position = len(query.value)
            query.insert_text_at_cursor(event.character)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_toggle_passages(self) -> None:
        self.passages = not self.passages
        self.sub_title = "passages of the articles' text" if self.passages else "annotations"
        self.run_search(self.query_one(Input).value, self.passages)

    def action_results(self) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.focus()
            listing.highlighted = listing.highlighted or 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._results:
            self.open(self._results[0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.open(self._results[int(event.option.id or 0)])

    def open(self, result: Hit | Passage) -> None:
        """The reader on the result's article, its cursor on the annotation (or passage)."""
        if isinstance(result, Passage):
            article_id, offset, chosen = result.article_id, result.start, None
        else:
            article_id, offset, chosen = result.annotation.article_id, result.annotation.start, result.annotation.id
        # The search stays beneath: q in the reader comes back to these results.
        self.app.open_reader([article_id], at=offset, select=chosen)  # type: ignore[attr-defined]
