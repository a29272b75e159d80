"""The library: every article with its annotation counts; type to filter, enter to read."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from annotations.model import STATUSES, ArticleSummary
from annotations.safe import visible

from ..widgets.tag_style import tag_chip, tag_colours
from ..widgets.key_bar import KeyBar



class ArticleTable(DataTable[Text], inherit_bindings=False):
    """The table without its own ``enter``, so the screen's "enter Read" shows in the key bar."""

    BINDINGS = [b for b in DataTable.BINDINGS if not (isinstance(b, Binding) and b.key == "enter")]


class LibraryScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Read", tooltip="Open the article under the cursor, or the marked ones side by side", id="library-open"),
        Binding("space", "mark", "Mark", tooltip="Mark an article; enter opens two marked articles side by side", id="library-mark"),
        Binding("ctrl+s", "cycle_status", "Status", tooltip="Set the article's status: new, in progress, done", id="library-status"),
        # ctrl+e, not e: letters typed here filter the titles.
        Binding("ctrl+e", "export", "Export", tooltip="Export annotations to a dataset file (all, or only the marked articles)", id="library-export"),
        Binding("escape", "clear_filter", "Clear filter", tooltip="Clear the title filter and the marks", id="library-clear"),
        Binding("backspace", "erase", show=False, id="library-erase"),
    ]
    DEFAULT_CSS = """
    LibraryScreen .filter { height: 1; padding: 0 1; background: $boost; }
    LibraryScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter = ""
        self.marked: list[str] = []
        self.articles: list[ArticleSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", classes="filter", markup=False)
        yield ArticleTable(cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        """Also sent on first display: counts change while the reader is open, so re-read."""
        self.reload()

    def action_export(self) -> None:
        from .export import ExportScreen

        titles = {article.id: article.title for article in self.articles}
        self.app.push_screen(ExportScreen(self.marked, [titles[i] for i in self.marked]))

    def reload(self) -> None:
        self.articles = self.app.store.articles()
        self.refill()

    def refill(self) -> None:
        table = self.query_one(DataTable)
        previous = table.cursor_row
        tags = self.app.store.tags()
        styles = tag_colours(tags, self.app.current_theme.background or "#000000")
        table.clear(columns=True)
        table.add_column(" ", key="mark")
        table.add_column("title", key="title")
        for tag in tags:
            table.add_column(tag_chip(tag.name, styles), key=f"tag:{tag.name}")
        table.add_columns("length", "status", "source")
        for article in self.visible_articles():
            table.add_row(
                Text("●" if article.id in self.marked else " ", style="bold"),
                Text(visible(article.title, one_line=True)),
                *(Text(str(article.counts.get(t.name, 0) or "·"), justify="right") for t in tags),
                Text(f"{article.length:,}", justify="right"),
                Text(article.status),
                Text(visible(_short(article.source), one_line=True), style="dim"),
                key=article.id,
            )
        if table.row_count:
            table.move_cursor(row=min(previous, table.row_count - 1))
        hint = "type to filter titles · space marks · enter reads · ctrl+s sets status · ? all keys"
        label = Text(f"filter: {visible(self.filter, one_line=True)}▏" if self.filter else hint,
                     style="" if self.filter else "dim")
        label.append(f"   {table.row_count} of {len(self.articles)} articles", style="dim")
        if self.marked:
            label.append(f"   {len(self.marked)} marked", style="bold")
        self.query_one(".filter", Static).update(label)

    def visible_articles(self) -> list[ArticleSummary]:
        """All articles in import order, or those whose titles match the filter, best first."""
        if not self.filter.strip():
            return self.articles
        from rapidfuzz import fuzz, process, utils

        # partial_ratio scores the best-matching stretch of the title: WRatio caps a short query
        # against a long title at 60, so "ballistic" tied with unrelated titles and one typo lost it.
        hits = process.extract(
            self.filter, [a.title for a in self.articles], scorer=fuzz.partial_ratio,
            processor=utils.default_process, limit=None, score_cutoff=80,
        )
        return [self.articles[index] for _title, _score, index in hits]

    def on_key(self, event: events.Key) -> None:
        """Printable keys that are not bound to anything type into the title filter."""
        if event.is_printable and event.character and event.character not in " ?/":
            self.filter += event.character
            event.stop()
            self.refill()

    def action_erase(self) -> None:
        if self.filter:
            self.filter = self.filter[:-1]
            self.refill()

    def action_clear_filter(self) -> None:
        self.filter = ""
        self.marked.clear()
        self.refill()

    def _current(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_mark(self) -> None:
        current = self._current()
        if current is None:
            return
        if current in self.marked:
            self.marked.remove(current)
        else:
            self.marked.append(current)
        self.refill()

    def action_open(self) -> None:
        ids = self.marked or [self._current()]
        if None in ids:
            return
        if len(ids) > 2:
            self.notify("Mark one or two articles to read side by side.", severity="warning", markup=False)
            return
        self.marked = []
        self.app.open_reader([i for i in ids if i])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_cycle_status(self) -> None:
        current = self._current()
        if current is None:
            return
        article = next(a for a in self.articles if a.id == current)
        status = STATUSES[(STATUSES.index(article.status) + 1) % len(STATUSES)]
        self.app.store.set_status(current, status)
        self.reload()


def _short(source: str | None) -> str:
    """A source as the library shows it: the file name, not the whole path."""
    return (source or "").replace("\\", "/").rsplit("/", 1)[-1]
