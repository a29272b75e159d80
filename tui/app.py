"""The penmark Textual app."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from annotations.store import Store


class PenmarkApp(App[None]):
    TITLE = "penmark"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="library", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "title", "annotations")
        for article in self.store.articles():
            table.add_row(Text(article.id), Text(article.title), Text(str(article.total)))
