"""The penmark Textual app: a library of articles and a reader that tags them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from annotations.store import Store

from .screens.library import LibraryScreen

if TYPE_CHECKING:
    from annotations.search import Searcher


class PenmarkApp(App[None]):
    TITLE = "penmark"
    BINDINGS = [
        Binding("slash", "search", "Search", tooltip="Search annotations (or passages) by keyword, typos forgiven", id="search"),
        Binding("ctrl+g", "agreement", "Agreement", tooltip="Inter-annotator agreement: overall, per tag, per article worst first", id="agreement"),
        Binding("question_mark", "help", "Keys", tooltip="Show every key and what it does", id="help"),
        Binding("ctrl+q", "quit", "Quit", tooltip="Quit penmark (everything is already saved)", id="quit", priority=True),
    ]

    def __init__(self, store: Store, *, open_ids: list[str] | None = None,
                 adjudicate: tuple[str, str, str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.open_ids = open_ids or []
        self.adjudicate = adjudicate  # (article id, annotator A, annotator B) to start on
        self._searcher: Searcher | None = None

    def get_default_screen(self) -> Screen:
        return LibraryScreen()

    def on_mount(self) -> None:
        if self.open_ids:
            self.open_reader(self.open_ids)
        if self.adjudicate:
            from .screens.adjudicate import AdjudicateScreen

            self.push_screen(AdjudicateScreen(*self.adjudicate))

    @property
    def searcher(self) -> Searcher:
        """One searcher for the app's life: its vocabulary cache outlives a search screen."""
        if self._searcher is None:
            from annotations.search import Searcher

            self._searcher = Searcher(self.store)
        return self._searcher

    def on_unmount(self) -> None:
        if self._searcher is not None:
            self._searcher.close()

    def open_reader(self, article_ids: list[str], *, at: int | None = None, select: str | None = None) -> None:
        """The reader on one or two articles; ``at``: where the cursor starts in the first;
        ``select``: the annotation there that keys act on (before any overlapping it)."""
        from .screens.reader import ReaderScreen  # TextArea and friends: not for the first screen

        self.push_screen(ReaderScreen(article_ids, at=at, select=select))

    def action_search(self) -> None:
        from .screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_agreement(self) -> None:
        from textual.screen import ModalScreen

        from .screens.agreement import AgreementScreen

        if not isinstance(self.screen, (AgreementScreen, ModalScreen)):
            self.push_screen(AgreementScreen())

    def action_help(self) -> None:
        from .screens.modals import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        name = getattr(screen, "HELP_TITLE", None) or ("Library" if isinstance(screen, LibraryScreen) else "Reader")
        self.push_screen(HelpScreen(name, [*screen.BINDINGS, *self.BINDINGS]))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key's action is in the command palette too, under its description."""
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.show:
                yield SystemCommand(binding.description, binding.tooltip or binding.description,
                                    partial(screen.run_action, binding.action))
