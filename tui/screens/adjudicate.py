"""Adjudication: one article, two annotators' annotations side by side, their disagreements
listed; keys move between disagreements and settle each into the gold set."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from annotations.adjudicate import GOLD, Choice, Comparison, Disagreement, accept_agreements, compare, settle, settled
from annotations.errors import PenmarkError
from annotations.safe import visible

from ..widgets.article_pane import ArticlePane
from ..widgets.key_bar import KeyBar
from ..widgets.tag_style import tag_chip


class AdjudicateScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "step(1)", "Next", tooltip="Next disagreement not yet settled", id="adjudicate-next"),
        Binding("p", "step(-1)", "Prev", tooltip="Previous disagreement not yet settled", id="adjudicate-prev"),
        Binding("a", "settle('a')", "A's", tooltip="Take the left annotator's annotations into gold", id="adjudicate-a"),
        Binding("b", "settle('b')", "B's", tooltip="Take the right annotator's annotations into gold", id="adjudicate-b"),
        Binding("t", "settle('both')", "Both", tooltip="Take both annotators' annotations into gold", id="adjudicate-both"),
        Binding("x", "settle('neither')", "Neither", tooltip="Take neither: nothing of this goes into gold", id="adjudicate-neither"),
        Binding("g", "agreements", "Agreed→gold", tooltip="Take every annotation both made alike into gold", id="adjudicate-agreed"),
        Binding("escape,q", "back", "Back", tooltip="Leave adjudication", id="adjudicate-back"),
    ]
    DEFAULT_CSS = """
    AdjudicateScreen #sides { height: 1fr; }
    AdjudicateScreen #disagreements { height: 9; border: round $accent; }
    AdjudicateScreen #summary { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, article_id: str, a: str, b: str) -> None:
        super().__init__()
        self.article_id, self.a, self.b = article_id, a, b
        self.comparison = Comparison((), ())
        self.passed: set[int] = set()  # settled as "neither": nothing in gold shows it

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="sides"):
            yield ArticlePane(id="side-a")
            yield ArticlePane(id="side-b")
        yield Static("", id="summary", markup=False)
        yield OptionList(id="disagreements")
        yield KeyBar()

    def on_mount(self) -> None:
        store = self.app.store  # type: ignore[attr-defined]
        try:
            self.comparison = compare(store, self.article_id, self.a, self.b)
        except PenmarkError as error:
            self.notify(str(error), title="Cannot adjudicate", severity="error", markup=False)
            self.app.pop_screen()
            return
        article, notes, tags = store.article(self.article_id), store.annotations(self.article_id), store.tags()
        for pane, name in ((self._side("a"), self.a), (self._side("b"), self.b)):
            pane.show(article, [n for n in notes if n.annotator == name], tags)
            pane.query_one(".title", Static).update(Text(f"{visible(name, one_line=True)} · "
                                                         f"{visible(article.title, one_line=True)}"))
        self.sub_title = f"adjudicating {visible(self.a, one_line=True)} and {visible(self.b, one_line=True)}"
        self._fill()
        self.query_one(OptionList).focus()

    def _side(self, side: str) -> ArticlePane:
        return self.query_one(f"#side-{side}", ArticlePane)

    # --- the list ---------------------------------------------------------------------------

    def _done(self, index: int) -> bool:
        return index in self.passed or settled(self.app.store, self.comparison.disagreements[index])  # type: ignore[attr-defined]

    def _row(self, index: int, item: Disagreement) -> Text:
        styles = self._side("a").tag_styles
        row = Text("✓ " if self._done(index) else "· ", style="bold green" if self._done(index) else "bold")
        for label, notes in (("A", item.a), ("B", item.b)):
            row.append(f"{label}: ", style="bold")
            if not notes:
                row.append("nothing  ", style="dim")
            for note in notes:
                row.append_text(tag_chip(note.tag, styles))
                row.append(f" “{visible(note.quote, one_line=True)[:50]}”  ")
        return row

    def _fill(self, highlight: int | None = None) -> None:
        options = self.query_one(OptionList)
        items = self.comparison.disagreements
        options.clear_options()
        options.add_options(Option(self._row(i, item), id=str(i)) for i, item in enumerate(items))
        done = sum(self._done(i) for i in range(len(items)))
        gold = sum(1 for n in self.app.store.annotations(self.article_id) if n.annotator == GOLD)  # type: ignore[attr-defined]
        self.query_one("#summary", Static).update(
            f"{len(self.comparison.agreed)} agreed · {len(items)} disagreements, {done} settled · "
            f"{gold} in gold (export it with --annotator gold)")
        if items:
            options.highlighted = highlight if highlight is not None else self._next_open(-1, 1) or 0

    def _next_open(self, index: int, step: int) -> int | None:
        count = len(self.comparison.disagreements)
        for moved in range(1, count + 1):
            candidate = index + step * moved
            if 0 <= candidate < count and not self._done(candidate):
                return candidate
        return None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = self.comparison.disagreements[int(event.option.id or 0)]
        for side in ("a", "b"):
            view = self._side(side).view
            view.select_offsets(item.start, item.end)
            self._side(side).update_details()

    # --- keys -------------------------------------------------------------------------------

    @property
    def _current(self) -> int | None:
        return self.query_one(OptionList).highlighted

    def action_step(self, step: int) -> None:
        current = self._current
        found = self._next_open(-1 if current is None else current, step)
        if found is None:
            self.notify("No unsettled disagreement that way.", markup=False)
        else:
            self.query_one(OptionList).highlighted = found

    def action_settle(self, choice: Choice) -> None:
        current = self._current
        if current is None:
            return
        try:
            added = settle(self.app.store, self.comparison.disagreements[current], choice)  # type: ignore[attr-defined]
        except PenmarkError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        if choice == "neither":
            self.passed.add(current)
        self.notify(f"gold: {added} annotation(s) added", markup=False)
        following = self._next_open(current, 1)
        self._fill(following if following is not None else current)

    def action_agreements(self) -> None:
        added = accept_agreements(self.app.store, self.comparison)  # type: ignore[attr-defined]
        self.notify(f"gold: {added} agreed annotation(s) added", markup=False)
        self._fill(self._current)

    def action_back(self) -> None:
        self.app.pop_screen()
