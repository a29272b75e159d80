"""The export dialog: format, filters and path; the export runs in a worker with a progress bar.

Everything shown here that came from outside (titles, tag names, paths, error messages) goes in
as ``Text``/``Content`` or with ``markup=False``: never parsed as markup (DESIGN.md section 4).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from annotations.datasets.export import FORMATS, SUFFIXES, ExportReport, export
from annotations.datasets.records import Filters
from annotations.errors import PenmarkError
from annotations.safe import visible

from ..widgets.safe_input import SafeInput
from ..widgets.tick_box import TickBox

DEFAULT_STEM = "penmark-export"
SHOWN_LEFT_OUT = 3  # lines of "left out" detail in the notification; the rest are counted
_PROGRESS_EVERY = 0.05  # seconds between progress updates sent to the interface


class _Cancelled(Exception):
    """Raised from the progress callback (on the worker's thread) when escape was pressed: the
    export's own clean-up then removes its half-written file, and the target is left as it was."""


class ExportProgress(Message):
    """Articles done of all, posted from the exporting thread (post_message is thread-safe)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


def split_names(text: str) -> tuple[str, ...]:
    """Names typed into a filter field: comma separated if there is a comma (so a name with a
    space can be given), otherwise separated by white space; duplicates dropped, order kept."""
    parts = text.split(",") if "," in text else text.split()
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def default_path(format: str) -> str:
    return str(Path.cwd() / f"{DEFAULT_STEM}{SUFFIXES[format]}")


class FieldCheckbox(TickBox, inherit_bindings=False):
    """A checkbox that space toggles (an X in the box only when ticked); enter goes on to the
    dialog, which exports."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]


class FormatSelect(Select[str], inherit_bindings=False):
    """The format list: space or the arrows open it; enter exports, as in every other field."""

    BINDINGS = [
        Binding("down,space,up", "show_overlay", "Show menu", show=False),
        Binding("enter", "screen.export", "Export", show=False),
    ]


class ExportScreen(ModalScreen[ExportReport | None]):
    """Choose a format, filters and a path; export writes it in a worker and notifies the counts."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close the dialog, or stop a running export (nothing is written)",
                id="export-cancel"),
        Binding("enter", "export", "Export", show=False, tooltip="Export with these settings", id="export-run"),
        # App keys that would open a screen over this dialog: swallowed while it is open.
        Binding("slash,question_mark", "nothing", show=False, id="export-swallow"),
    ]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 96; max-width: 95%; height: auto; max-height: 95%;
        border: round $accent; background: $surface; padding: 0 1; }
    ExportScreen .row { height: auto; margin-bottom: 1; }
    ExportScreen .row > Label { width: 12; padding: 0 1 0 0; text-align: right; color: $text-muted; }
    ExportScreen Checkbox { margin-left: 12; }
    ExportScreen .row > Input, ExportScreen .row > Select { width: 1fr; }
    ExportScreen .row > Input { background: $boost; }
    ExportScreen .row > Input:focus { background: $primary 25%; }
    ExportScreen #buttons { height: auto; margin: 1 0 0 12; }
    ExportScreen #export-progress { margin: 1 0 0 2; width: 1fr; }
    ExportScreen #export-progress.hidden { display: none; }
    ExportScreen #export-status { height: auto; margin: 0 0 0 1; }
    ExportScreen #export-status.error { color: $error; text-style: bold; }
    ExportScreen .hint { color: $text-muted; margin: 1 0 0 1; }
    """

    def __init__(self, article_ids: list[str] | None = None, article_titles: list[str] | None = None) -> None:
        """``article_ids``: the articles open in the reader, for "only this article"."""
        super().__init__()
        self.article_ids = list(article_ids or [])
        self.article_titles = list(article_titles or [])
        self.format = "jsonl"
        self._auto_path = default_path(self.format)  # the path as last filled in; edited if it differs
        self.running = False
        self._cancel = False

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        tags = [visible(t.name, one_line=True) for t in self.app.store.tags()]  # type: ignore[attr-defined]
        with Vertical() as dialog:
            dialog.border_title = "Export annotations"
            with Horizontal(classes="row"):
                yield Label("format")
                yield FormatSelect(
                    [(Text(f"{name:<12} {description}"), name) for name, description in FORMATS.items()],
                    value=self.format, allow_blank=False, compact=True, id="export-format",
                )
            with Horizontal(classes="row"):
                yield Label("path")
                yield SafeInput(self._auto_path, placeholder="where to write (a file; brat: a folder or .zip)",
                            compact=True, id="export-path")
            with Horizontal(classes="row"):
                yield Label("tags")
                yield SafeInput(placeholder=f"all tags, or some of: {' '.join(tags)}"[:200], compact=True,
                            id="export-tags")
            with Horizontal(classes="row"):
                yield Label("annotators")
                yield SafeInput(placeholder="all annotators, or names (space or comma separated)",
                            compact=True, id="export-annotators")
            if self.article_ids:
                yield FieldCheckbox(self._only_label(), compact=True, id="export-only")
            yield FieldCheckbox("replace an existing file", compact=True, id="export-force")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield ProgressBar(show_eta=False, id="export-progress", classes="hidden")
            yield Static("", id="export-status", markup=False)
            yield Static("tab moves between fields · space opens the format list · enter exports · escape cancels", classes="hint")

    def _only_label(self) -> Text:
        if len(self.article_ids) == 1:
            title = self.article_titles[0] if self.article_titles else self.article_ids[0]
            title = visible(title, one_line=True)
            return Text(f"only this article: “{title[:60]}{'…' * (len(title) > 60)}”")
        return Text(f"only these {len(self.article_ids)} articles")

    def on_mount(self) -> None:
        self.query_one("#export-format", Select).focus()

    # --- fields -----------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "export-format" or not isinstance(event.value, str):
            return
        self.format = event.value
        path = self.query_one("#export-path", Input)
        if path.value == self._auto_path:  # not edited by hand: follow the format's suffix
            self._auto_path = default_path(self.format)
            path.value = self._auto_path

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.running:
            self._status("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-go":
            event.stop()
            self.start_export()

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(Text(visible(message, one_line=True)))
        status.set_class(error, "error")

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in self.query("Select, Input, Checkbox, Button"):
            widget.disabled = running
        self.query_one("#export-progress", ProgressBar).set_class(not running, "hidden")

    # --- exporting --------------------------------------------------------------------------

    def start_export(self) -> None:
        if self.running:
            return
        typed = self.query_one("#export-path", Input).value.strip()
        if not typed:
            self._status("Give a path to export to.", error=True)
            self.query_one("#export-path", Input).focus()
            return
        try:
            target = Path(typed).expanduser()
        except RuntimeError:  # "~someone" with no such user
            self._status(f"{typed}: no such home folder", error=True)
            return
        if not target.is_absolute():
            target = Path.cwd() / target
        only = self.query_one("#export-only", Checkbox).value if self.article_ids else False
        filters = Filters(
            tags=split_names(self.query_one("#export-tags", Input).value),
            annotators=split_names(self.query_one("#export-annotators", Input).value),
            articles=tuple(self.article_ids) if only else (),
        )
        force = self.query_one("#export-force", Checkbox).value
        self._cancel = False
        self._set_running(True)
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        self._status(f"exporting as {self.format}…")
        self.run_export(self.format, target, filters, force)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, format: str, target: Path, filters: Filters, force: bool) -> None:
        """Off the interface's thread. A database file is read on a connection of its own; an
        in-memory store's lock is held until the export ends, so nothing here waits for the
        interface (which may be waiting for that lock)."""
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if self._cancel or worker.is_cancelled:  # escape, or the app is quitting
                raise _Cancelled
            now = time.monotonic()
            if done == total or now - last >= _PROGRESS_EVERY:
                last = now
                # Posted, not call_from_thread: that waits for the interface's thread, which may
                # itself be waiting for the store's lock (an in-memory store's export holds it).
                self.post_message(ExportProgress(done, total))

        try:
            report = export(self.app.store, format, target, filters=filters, force=force,  # type: ignore[attr-defined]
                            progress=progress)
        except _Cancelled:
            self._tell(self._cancelled, target)
        except PenmarkError as error:
            self._tell(self._failed, str(error))
        except Exception as error:  # noqa: BLE001 - an export bug must not take the session down
            self._tell(self._failed, f"export failed: {type(error).__name__}: {error}")
        else:
            self._tell(self._finished, format, target, report)

    def _tell(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback`` on the interface's thread, unless the app has quit meanwhile."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app is no longer running: nobody to tell
            pass

    def on_export_progress(self, message: ExportProgress) -> None:
        if self.running:
            self.query_one("#export-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)
            self._status(f"exporting as {self.format}… {message.done:,} of {message.total:,} articles")

    def _failed(self, message: str) -> None:
        self._set_running(False)
        # The core says "--force" (its CLI option); here the same thing is a checkbox.
        exists = "(use --force to replace it)" in message
        message = message.replace("(use --force to replace it)", "(tick “replace an existing file”)")
        self._status(message, error=True)
        self.query_one("#export-force" if exists else "#export-go").focus()

    def _cancelled(self, target: Path) -> None:
        self._set_running(False)
        self.dismiss(None)
        self.app.notify(f"Export cancelled; {visible(str(target), one_line=True)} was left as it was.", title="Export", markup=False)

    def _finished(self, format: str, target: Path, report: ExportReport) -> None:
        self._set_running(False)
        self.dismiss(report)
        message = (f"exported {report.annotations:,} annotation{'s' * (report.annotations != 1)} of "
                   f"{report.articles:,} article{'s' * (report.articles != 1)} as {format} to {target}")
        if report.ok:
            self.app.notify(visible(message, one_line=True), title="Export", markup=False)
            return
        lines = [f"{message}; {len(report.left_out):,} left out:"]
        lines += [f"• {line}" for line in report.left_out[:SHOWN_LEFT_OUT]]
        if len(report.left_out) > SHOWN_LEFT_OUT:
            lines.append(f"… and {len(report.left_out) - SHOWN_LEFT_OUT:,} more "
                         "(penmark export on the command line lists them all)")
        self.app.notify("\n".join(visible(line, one_line=True) for line in lines), title="Export",
                        severity="warning", timeout=30, markup=False)

    # --- keys -------------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.running:
            self._cancel = True  # the worker stops at the next article and reports back
            self._status("cancelling…")
            return
        self.dismiss(None)

    def action_export(self) -> None:
        self.start_export()

    def action_nothing(self) -> None:
        pass
