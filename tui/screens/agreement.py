"""The agreement screen: how far the annotators agree, overall, per tag and per article.

The figures come from :func:`annotations.agreement.agreement`, worked out in a thread worker (a
big database takes a second or more). The articles table is sorted worst first; enter opens the
article under the cursor in the reader, ``d`` adjudicates it (the pair of annotators picked
when more than two worked on it). ``t`` narrows everything to one tag, cycling through the
tags that have spans and back to all tags. Errors (fewer than two annotators, no shared article)
are shown as a message in the screen.
"""

from __future__ import annotations

import sqlite3
from itertools import combinations

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.worker import get_current_worker

from annotations.agreement import Report, Section, agreement
from annotations.errors import PenmarkError
from annotations.safe import visible

from ..widgets.key_bar import KeyBar
from ..widgets.tag_style import tag_chip, tag_colours
from .library import ArticleTable

UNDEFINED = "-"


def figure(value: float | None) -> str:
    """A figure as the screen shows it: three decimals, or "-" where it is undefined."""
    return UNDEFINED if value is None else f"{value:.3f}"


def name(annotator: str) -> str:
    return visible(annotator, one_line=True)


def fill(table: DataTable, columns: list[tuple[str | Text, str]], rows: list[tuple[list[Text], str]]) -> None:
    """Refill ``table`` with columns as wide as their widest cell, given when each is added.

    Not left to the table's own sizing: that measures the cells later (when the table is next
    idle) and does not throw away rows it drew meanwhile, so a table painted between the refill
    and that measuring (after a screen on top of it closed, say) kept columns as narrow as their
    headings: "cl" for "claim", "-0.02" for "-0.027"."""
    table.clear(columns=True)
    for n, (label, key) in enumerate(columns):
        heading = label.plain if isinstance(label, Text) else label
        width = max([cell_len(heading), *(cell_len(cells[n].plain) for cells, _ in rows if n < len(cells))])
        table.add_column(label, key=key, width=width)
    for cells, key in rows:
        table.add_row(*cells, key=key)


class AgreementScreen(Screen[None]):
    """Agreement among every annotator with a live annotation."""

    HELP_TITLE = "Agreement"
    BINDINGS = [
        Binding("enter", "open", "Read", tooltip="Open the article under the cursor in the reader", id="agreement-open"),
        Binding("d", "adjudicate", "Adjudicate", tooltip="Settle two annotators' disagreements on the article under the cursor into gold (pick the pair when more worked on it)", id="agreement-adjudicate"),
        Binding("t", "cycle_tag(1)", "Tag", tooltip="Narrow the figures to one tag; again for the next tag, then all tags", id="agreement-tag"),
        Binding("T", "cycle_tag(-1)", "Previous tag", show=False, tooltip="Narrow to the previous tag (all tags before the first)", id="agreement-tag-back"),
        Binding("escape,q", "back", "Back", key_display="esc/q", tooltip="Back to where you came from", id="agreement-back"),
    ]
    DEFAULT_CSS = """
    AgreementScreen .status { height: auto; padding: 0 1; background: $boost; }
    AgreementScreen .heading { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
    AgreementScreen #figures { height: auto; max-height: 45%; }
    AgreementScreen #articles { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.tag: str | None = None  # the tag narrowed to, None for all
        self.tags: list[str] = []  # the tags ``t`` cycles through
        self.report: Report | None = None
        self.error: str | None = None
        self._version: tuple[int, int] | None = None  # the store's state the report was made from

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("computing agreement…"), classes="status", markup=False)
        yield Static(Text("figures (span F1 exact and overlap, Cohen's kappa per pair, Krippendorff's alpha)"),
                     classes="heading", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="figures")
        yield Static(Text("articles, worst first (enter reads, d adjudicates)"), classes="heading", markup=False)
        yield ArticleTable(cursor_type="row", zebra_stripes=True, id="articles")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "penmark — agreement"
        self.sub_title = "all tags"
        self.query_one("#articles", DataTable).focus()

    def on_screen_resume(self) -> None:
        """Also sent on first display. The reader may have changed annotations: work it out again
        when the database moved since."""
        if self._version is None or self._version != self.version():
            self.refresh_report()

    def version(self) -> tuple[int, int]:
        """Changes when anything is written: by another connection (the data version), or by
        this one, as the reader does (its count of changed rows)."""
        store = self.app.store
        return store.data_version(), store.conn.total_changes

    # --- working it out ----------------------------------------------------------------------

    def refresh_report(self) -> None:
        self._status(Text("computing agreement…", style="italic"))
        self.compute(self.tag)

    @work(thread=True, exclusive=True, group="agreement")
    def compute(self, tag: str | None) -> None:
        """Off the interface's thread; when several are asked for quickly the latest one wins."""
        store = self.app.store
        version = self.version()
        report: Report | None = None
        error: str | None = None
        try:
            report = agreement(store, tag=tag)
        except (PenmarkError, sqlite3.Error) as exc:
            error = str(exc)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, tag, version, report, error)

    def show(self, tag: str | None, version: tuple[int, int], report: Report | None, error: str | None) -> None:
        if not self.is_attached or tag != self.tag:
            return  # closed meanwhile, or an older request finished after a newer one
        self._version = version
        self.report, self.error = report, error
        figures = self.query_one("#figures", DataTable)
        articles = self.query_one("#articles", DataTable)
        if report is None:
            figures.clear(columns=True)
            articles.clear(columns=True)
            self._status(Text(f"No agreement to show: {visible(error or '', one_line=True)}", style="bold"))
            return
        if report.tag is None:
            self.tags = [section.tag for section in report.by_tag if section.tag]
        self._fill_figures(report)
        self._fill_articles(report)
        self._status(self._summary(report))

    def _status(self, text: Text) -> None:
        self.query_one(".status", Static).update(text)

    def _summary(self, report: Report) -> Text:
        names = ", ".join(name(a) for a in report.annotators)
        line = Text(f"{len(report.annotators)} annotators: {names}", style="bold")
        line.append(f"   {report.overall.group.articles} article(s) worked on by two or more", style="")
        line.append(f"   tag: {visible(report.tag, one_line=True) if report.tag else 'all'}", style="")
        if self.tags:
            line.append("  (t narrows to one tag)", style="dim")
        if report.left_out:
            line.append(f"   {report.left_out} orphaned or stale annotation(s) left out", style="dim")
        return line

    def _fill_figures(self, report: Report) -> None:
        columns = ["tag", "annotators", "articles", "tokens", "exact F1", "overlap F1", "kappa", "alpha"]
        styles = tag_colours(self.app.store.tags(), self.app.current_theme.background or "#000000")
        sections: list[Section] = [report.overall, *report.by_tag]
        rows: list[tuple[list[Text], str]] = []
        for n, section in enumerate(sections):
            label = tag_chip(section.tag, styles) if section.tag else Text("all tags", style="bold")
            for p, pair in enumerate(section.pairs):
                rows.append(([
                    label if p == 0 else Text(""),
                    Text(f"{name(pair.annotators[0])} × {name(pair.annotators[1])}"),
                    Text(str(pair.articles), justify="right"),
                    Text(str(pair.tokens), justify="right"),
                    *(Text(figure(v), justify="right") for v in (pair.exact.f1, pair.overlap.f1, pair.kappa, pair.alpha)),
                ], f"{n}:pair:{p}"))
            if len(section.pairs) == 1:
                continue  # two annotators: the pair is the whole group, and has kappa too
            group = section.group
            rows.append(([
                label if not section.pairs else Text(""),
                Text(f"all {len(group.annotators)}", style="bold"),
                Text(str(group.articles), justify="right"),
                Text(str(group.tokens), justify="right"),
                *(Text(figure(v), justify="right", style="bold")
                  for v in (group.exact.f1, group.overlap.f1, None, group.alpha)),
            ], f"{n}:all"))
        fill(self.query_one("#figures", DataTable), [(c, c) for c in columns], rows)

    def _fill_articles(self, report: Report) -> None:
        table = self.query_one("#articles", DataTable)
        current = self.current_article()
        columns: list[tuple[str | Text, str]] = [("alpha", "alpha"), ("overlap F1", "overlap"), ("exact F1", "exact")]
        columns += [(Text(f"spans {name(a)}", no_wrap=True), f"spans:{n}") for n, a in enumerate(report.annotators)]
        columns.append(("title", "title"))
        rows = [([
            *(Text(figure(v), justify="right") for v in (row.alpha, row.overlap_f1, row.exact_f1)),
            *(Text(UNDEFINED if row.spans.get(a) is None else str(row.spans[a]), justify="right")
              for a in report.annotators),
            Text(visible(row.title, one_line=True), no_wrap=True, overflow="ellipsis"),
        ], row.id) for row in report.articles]
        fill(table, columns, rows)
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))

    # --- keys ----------------------------------------------------------------------------------

    def current_article(self) -> str | None:
        table = self.query_one("#articles", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_open(self) -> None:
        article_id = self.current_article()
        if article_id is not None:
            self.app.open_reader([article_id])  # type: ignore[attr-defined]

    def pairs(self, article_id: str) -> list[tuple[str, str]]:
        """The pairs of compared annotators who both worked on the article."""
        if self.report is None:
            return []
        row = next((r for r in self.report.articles if r.id == article_id), None)
        names = [a for a in self.report.annotators if row is not None and row.spans.get(a) is not None]
        return list(combinations(names, 2))

    def action_adjudicate(self) -> None:
        article_id = self.current_article()
        pairs = self.pairs(article_id) if article_id is not None else []
        if article_id is None or not pairs:
            self.notify("No article worked on by two annotators under the cursor.", markup=False)
            return
        if len(pairs) == 1:
            self._adjudicate(article_id, pairs[0])
            return
        from .modals import Choice, FuzzyPicker

        choices = [Choice(str(n), Text(f"{name(a)} × {name(b)}"), f"{a} {b}") for n, (a, b) in enumerate(pairs)]

        def picked(choice: str | None) -> None:
            if choice is not None:
                self._adjudicate(article_id, pairs[int(choice)])

        self.app.push_screen(FuzzyPicker("Adjudicate which pair? (enter picks, escape cancels)", choices), picked)

    def _adjudicate(self, article_id: str, pair: tuple[str, str]) -> None:
        from .adjudicate import AdjudicateScreen

        self.app.push_screen(AdjudicateScreen(article_id, *pair))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "articles":
            self.action_open()

    def action_cycle_tag(self, step: int) -> None:
        if not self.tags:
            self.notify("No tag to narrow to yet.", markup=False)
            return
        choices: list[str | None] = [None, *self.tags]
        index = choices.index(self.tag) if self.tag in choices else 0
        self.tag = choices[(index + step) % len(choices)]
        self.sub_title = visible(self.tag, one_line=True) if self.tag else "all tags"
        self.refresh_report()

    def action_back(self) -> None:
        self.app.pop_screen()
