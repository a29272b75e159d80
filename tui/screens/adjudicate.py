"""Adjudication: one article, two annotators' annotations side by side, their disagreements
listed; keys move between disagreements and settle each into the gold set. Every decision is
stored (annotations.adjudicate), so a ✓ means this disagreement was decided, and ``u`` undoes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from annotations.adjudicate import (
    AGREED, GOLD, Choice, Comparison, Disagreement, accept_agreements, compare, decisions, settle, undo_decision,
)
from annotations.errors import PenmarkError
from annotations.safe import visible

from ..widgets.article_pane import ArticlePane
from ..widgets.key_bar import KeyBar
from ..widgets.tag_style import tag_chip


CHOICES = {"a": "A's", "b": "B's", "both": "both", "neither": "neither", AGREED: "the agreements"}
HINT = "{n} characters: this disagreement's stretch (a, b, t or x decides it)"


class AdjudicateScreen(Screen[None]):
    HELP_TITLE = "Adjudication"
    BINDINGS = [
        Binding("n", "step(1)", "Next", tooltip="Next disagreement not yet settled", id="adjudicate-next"),
        Binding("p", "step(-1)", "Prev", tooltip="Previous disagreement not yet settled", id="adjudicate-prev"),
        Binding("a", "settle('a')", "A's", tooltip="Take the left annotator's annotations into gold", id="adjudicate-a"),
        Binding("b", "settle('b')", "B's", tooltip="Take the right annotator's annotations into gold", id="adjudicate-b"),
        Binding("t", "settle('both')", "Both", tooltip="Take both annotators' annotations into gold", id="adjudicate-both"),
        Binding("x", "settle('neither')", "Neither", tooltip="Take neither: nothing of this goes into gold", id="adjudicate-neither"),
        Binding("g", "agreements", "Agreed→gold", tooltip="Take every annotation both made alike into gold", id="adjudicate-agreed"),
        Binding("u", "undo", "Undo", tooltip="Undo the last decision on this article for this pair (its gold annotations removed)", id="adjudicate-undo"),
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
        self.comparison = Comparison(article_id, a, b, (), ())
        self.decided: dict[str, str] = {}  # disagreement key -> choice, as stored

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="sides"):
            yield ArticlePane(id="side-a", selection_hint=HINT, legend=False)
            yield ArticlePane(id="side-b", selection_hint=HINT, legend=False)
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
        return self.comparison.disagreements[index].key in self.decided

    def _row(self, index: int, item: Disagreement) -> Text:
        styles = self._side("a").tag_styles
        choice = self.decided.get(item.key)
        row = Text(f"✓ {CHOICES[choice]:<8}" if choice else "· undecided", style="bold green" if choice else "bold")
        row.append("  ")
        for label, notes in (("A", item.a), ("B", item.b)):
            row.append(f"{label}: ", style="bold")
            if not notes:
                row.append("nothing  ", style="dim")
            for note in notes:
                row.append_text(tag_chip(note.tag, styles))
                row.append(f" {note.start}-{note.end}", style="dim")
                quote = visible(note.quote, one_line=True)
                row.append(f" “{quote if len(quote) <= 40 else quote[:39] + '…'}”")
                if note.note:
                    row.append(f" ({visible(note.note, one_line=True)[:30]})", style="italic")
                row.append("  ")
        return row

    def _fill(self, highlight: int | None = None) -> None:
        options = self.query_one(OptionList)
        items = self.comparison.disagreements
        self.decided = decisions(self.app.store, self.comparison)  # type: ignore[attr-defined]
        options.clear_options()
        options.add_options(Option(self._row(i, item), id=str(i)) for i, item in enumerate(items))
        done = sum(self._done(i) for i in range(len(items)))
        gold = sum(1 for n in self.app.store.annotations(self.article_id) if n.annotator == GOLD)  # type: ignore[attr-defined]
        taken = " (in gold)" if self.comparison.agreed_key in self.decided else " (g takes them)" * bool(self.comparison.agreed)
        self.query_one("#summary", Static).update(Text(
            f"{len(self.comparison.agreed)} agreed{taken} · {len(items)} disagreements, {done} decided · "
            f"{gold} in gold (export it with --annotator gold) · u undoes"))
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
            added = settle(self.app.store, self.comparison, self.comparison.disagreements[current], choice)  # type: ignore[attr-defined]
        except PenmarkError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"decided: {CHOICES[choice]}; gold: {added} annotation(s) added", markup=False)
        self.decided = decisions(self.app.store, self.comparison)  # type: ignore[attr-defined]
        following = self._next_open(current, 1)
        self._fill(following if following is not None else current)

    def action_agreements(self) -> None:
        if not self.comparison.agreed:
            self.notify("No agreements to take.", markup=False)
            return
        try:
            added = accept_agreements(self.app.store, self.comparison)  # type: ignore[attr-defined]
        except PenmarkError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"gold: {added} agreed annotation(s) added", markup=False)
        self._fill(self._current)

    def action_undo(self) -> None:
        try:
            undone = undo_decision(self.app.store, self.comparison)  # type: ignore[attr-defined]
        except PenmarkError as error:
            self.notify(str(error), title="Not undone", severity="error", markup=False)
            return
        if undone is None:
            self.notify("No decision to undo on this article for this pair.", markup=False)
            return
        self.notify(f"undone: {CHOICES[undone.choice]}; gold: {undone.removed} annotation(s) removed", markup=False)
        keys = [item.key for item in self.comparison.disagreements]
        self._fill(keys.index(undone.disagreement) if undone.disagreement in keys else self._current)

    def action_back(self) -> None:
        self.app.pop_screen()
