"""The re-anchoring queue: an article's fuzzy and orphaned annotations, settled one by one.

After a new version of an article is imported, annotations whose passage changed are placed
fuzzily (where their quote now most resembles the text) or left orphaned. Here the annotator
accepts a fuzzy place (``a``), moves an annotation to the right place (``m``: the reader's
resize mode, enter applies), deletes it (``d``), or jumps to it (``enter``).
"""

from __future__ import annotations

import json
from typing import Literal

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotations.model import Annotation
from annotations.safe import visible
from annotations.store import Store

from ..widgets.tag_style import tag_chip

Verdict = tuple[Literal["accept", "move", "delete", "goto"], Annotation]


def needs_review(store: Store, article_id: str) -> list[Annotation]:
    return [note for note in store.annotations(article_id) if note.anchor in ("fuzzy", "orphan")]


def earlier_quote(store: Store, note: Annotation) -> str | None:
    """The quote before the newest re-anchoring moved it, from the event log."""
    for event in reversed(store.history(note.id)):
        if event["action"] == "reanchor" and event["before"]:
            return json.loads(event["before"])["quote"]
    return None


class ReviewScreen(ModalScreen[Verdict | None]):
    """The queue of one article's fuzzy and orphaned annotations."""

    BINDINGS = [
        Binding("a", "verdict('accept')", "Accept", tooltip="Confirm the fuzzy place: the annotation becomes exact"),
        Binding("m", "verdict('move')", "Move", tooltip="Set new bounds in the reader (enter applies)"),
        Binding("d", "verdict('delete')", "Delete", tooltip="Delete the annotation (u undoes)"),
        Binding("enter", "verdict('goto')", "Go to", tooltip="Show it in the text"),
        Binding("escape", "dismiss(None)", "Close"),
    ]
    DEFAULT_CSS = """
    ReviewScreen { align: center middle; }
    ReviewScreen > Vertical { width: 120; max-width: 95%; height: auto; max-height: 85%;
        border: round $warning; background: $surface; padding: 0 1; }
    ReviewScreen OptionList { height: auto; max-height: 30; border: none; }
    ReviewScreen .hint { color: $text-muted; }
    """

    def __init__(self, store: Store, notes: list[Annotation], styles: dict[str, tuple[Style, Style]]) -> None:
        super().__init__()
        self.notes = {note.id: note for note in notes}
        self.earlier = {note.id: earlier_quote(store, note) for note in notes}
        self.tag_styles = styles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"{len(self.notes)} annotation(s) to review after the text changed"), classes="hint")
            yield OptionList(*(Option(self._row(note), id=note.id) for note in self.notes.values()))
            yield Static(Text("a accept the fuzzy place · m move · d delete · enter go to · esc close"), classes="hint")

    def _row(self, note: Annotation) -> Text:
        row = Text()
        row.append("fuzzy  " if note.anchor == "fuzzy" else "orphan ", style="bold yellow" if note.anchor == "fuzzy" else "bold red")
        row.append_text(tag_chip(note.tag, self.tag_styles))
        row.append(f" “{visible(note.quote, one_line=True)}”")
        row.append(f"  by {visible(note.annotator, one_line=True)}", style="dim")
        was = self.earlier.get(note.id)
        if note.anchor == "fuzzy" and was and was != note.quote:
            row.append(f"\n        was “{visible(was, one_line=True)}”", style="dim")
        if note.anchor == "orphan":  # which one it was: the words it stood among
            row.append(f"\n        among “…{visible(note.prefix, one_line=True)}", style="dim")
            row.append(visible(note.quote, one_line=True), style="dim bold")
            row.append(f"{visible(note.suffix, one_line=True)}…”", style="dim")
        if note.note:
            row.append(f"\n        note: {visible(note.note, one_line=True)}", style="dim italic")
        return row

    def action_verdict(self, verdict: Literal["accept", "move", "delete", "goto"]) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        chosen = options.get_option_at_index(options.highlighted).id
        if chosen is None:
            return
        if verdict == "accept" and self.notes[chosen].anchor == "orphan":  # the queue stays open
            self.notify("An orphan has no place to accept: m moves it to one, d deletes it.",
                        severity="warning", markup=False)
            return
        self.dismiss((verdict, self.notes[chosen]))
