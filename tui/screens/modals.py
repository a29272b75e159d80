"""Small dialogs: a fuzzy picker (tags, articles), the note editor, and the help screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from annotations.safe import visible

from ..widgets.safe_input import SafeInput


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: Text  # already made safe by the caller
    search: str  # what the query is matched against


class FuzzyPicker(ModalScreen[str | None]):
    """Type to narrow a list (fuzzy, typo-tolerant); enter picks, escape cancels."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="picker-cancel"),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    FuzzyPicker { align: center middle; }
    FuzzyPicker > Vertical { width: 80; max-width: 95%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1; }
    FuzzyPicker OptionList { height: auto; max-height: 20; border: none; }
    FuzzyPicker .prompt { color: $text-muted; }
    """

    def __init__(self, prompt: str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self.prompt = prompt
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.prompt), classes="prompt")
            yield SafeInput(placeholder="type to filter")
            yield OptionList()

    def on_mount(self) -> None:
        self._fill("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(choice.label, id=choice.value) for choice in self.ranked(query))
        if options.option_count:
            options.highlighted = 0

    def ranked(self, query: str) -> list[Choice]:
        query = query.strip()
        if not query:
            return self.choices
        from rapidfuzz import fuzz, process, utils

        # partial_ratio, not WRatio: WRatio caps a short query against a long entry at 60, so a
        # title holding the query word tied with unrelated ones and enter could pick the wrong one.
        hits = process.extract(
            query, [c.search for c in self.choices], scorer=fuzz.partial_ratio,
            processor=utils.default_process, limit=None, score_cutoff=50,
        )
        return [self.choices[index] for _text, _score, index in hits]

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def on_input_submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class NoteDialog(ModalScreen[str | None]):
    """Edit an annotation's note: enter saves (an empty note removes it), escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="note-cancel")]
    DEFAULT_CSS = """
    NoteDialog { align: center middle; }
    NoteDialog > Vertical { width: 90; max-width: 95%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    NoteDialog .quote { color: $text-muted; max-height: 4; }
    NoteDialog .hint { color: $text-muted; }
    """

    def __init__(self, quote: str, note: str) -> None:
        super().__init__()
        self.quote = quote
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"“{visible(self.quote, one_line=True)}”", overflow="ellipsis"), classes="quote")
            yield SafeInput(self.note, placeholder="note (enter saves, escape cancels)")
            yield Static(Text("enter saves · escape cancels · an empty note removes it"), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())


class HelpScreen(ModalScreen[None]):
    """Every key of the screen that opened it, and the app's own."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close", id="help-close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 120; max-width: 95%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    HelpScreen DataTable { height: 1fr; }
    """

    def __init__(self, title: str, bindings: Sequence[BindingType]) -> None:
        super().__init__()
        self.heading = title
        # Bindings without a tooltip are variants of one listed beside them (keys 2-9 of "1-9").
        self.bindings = [b for b in bindings if isinstance(b, Binding) and b.description and b.tooltip]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"{self.heading}: keys (escape closes)", style="bold"))
            yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "does", "details")
        for binding in self.bindings:
            # A pair like "w/b" labels two keys in the key bar; here each key has its own row.
            shared = binding.key_display and "/" not in binding.key_display
            keys = binding.key_display if shared else ", ".join(
                self.app.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(",")
            )
            table.add_row(Text(keys, style="bold"), Text(binding.description), Text(binding.tooltip or ""))
