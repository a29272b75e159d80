"""One article pane: title, the document with highlights, details of what is under the cursor,
and the tag legend. Dumb by design: the screen hands it data and calls the store."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from annotations.model import Annotation, Article
from annotations.safe import bidi_positions, visible
from annotations.tags import Tag

from .document_view import DocumentView, Highlight
from .tag_style import tag_chip, tag_colours


class ArticlePane(Vertical):
    """An article being read. ``annotations`` are the live ones, in text order."""

    DEFAULT_CSS = """
    ArticlePane { width: 1fr; height: 1fr; border: round $panel; }
    ArticlePane.focused { border: round $accent; }
    ArticlePane > .pane-header { height: auto; }
    ArticlePane .title { width: 1fr; text-style: bold; padding: 0 1; }
    ArticlePane .saved { width: auto; color: $text-muted; padding: 0 1; }
    ArticlePane .warning { color: $warning; padding: 0 1; height: auto; }
    ArticlePane .details { height: 3; padding: 0 1; background: $boost; }
    ArticlePane .legend { height: 1; padding: 0 1; color: $text-muted; }
    """

    saved_text: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None, selection_hint: str = "{n} characters selected: 1-9 tags them",
                 legend: bool = True) -> None:
        super().__init__(id=id)
        self.selection_hint = selection_hint  # shown while a selection covers no annotation
        self.legend = legend  # the tag keys' legend: only where digits tag
        self.article: Article | None = None
        self.annotations: list[Annotation] = []
        self.tags: tuple[Tag, ...] = ()
        self.tag_styles: dict[str, tuple[Style, Style]] = {}
        self._saved_timer: Timer | None = None
        # The annotation chosen elsewhere (a search result): first under the cursor while the
        # cursor stays inside it, so keys act on it and not on one overlapping it.
        self.preferred: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static("", classes="title", markup=False)
            yield Static("", classes="saved", markup=False)
        yield Static("", classes="warning", markup=False)
        yield DocumentView()
        yield Static("", classes="details", markup=False)
        yield Static("", classes="legend", markup=False)

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)

    def show(self, article: Article, annotations: list[Annotation], tags: Sequence[Tag]) -> None:
        self.article = article
        self.tags = tuple(tags)
        self.tag_styles = tag_colours(self.tags, self.app.current_theme.background or "#000000")
        self.query_one(".title", Static).update(Text(visible(article.title, one_line=True)))
        bidi = bidi_positions(article.text)
        warning = self.query_one(".warning", Static)
        warning.display = bool(bidi)
        warning.update(
            Text(f"⚠ {len(bidi)} bidi control character(s), shown as ⇆: the text may display out of order")
        )
        self.query_one(".legend", Static).update(self._legend())
        self.query_one(".legend", Static).display = self.legend
        self.view.show(article.text)
        self.set_annotations(annotations)

    def set_annotations(self, annotations: list[Annotation]) -> None:
        self.annotations = annotations
        self.view.set_highlights(
            Highlight(a.start, a.end, *self.tag_styles.get(a.tag, (Style(reverse=True), Style(underline=True))))
            for a in annotations
            if a.anchor != "orphan"
        )
        self.update_details()

    def _legend(self) -> Text:
        legend = Text()
        for tag in self.tags:
            if tag.key:
                legend.append(f"{tag.key}", style="bold")
            legend.append_text(tag_chip(tag.name, self.tag_styles))
            legend.append("  ")
        return legend

    def under_cursor(self) -> list[Annotation]:
        """Annotations covering the cursor, innermost first (the ``preferred`` one before all)."""
        offset = self.view.cursor_offset
        found = [a for a in self.annotations if a.start <= offset < a.end and a.anchor != "orphan"]
        found.sort(key=lambda a: (a.end - a.start, a.start))
        if self.preferred is not None:
            chosen = [a for a in found if a.id == self.preferred]
            if not chosen:  # the cursor left it (or it was deleted): back to innermost first
                self.preferred = None
            return chosen + [a for a in found if a.id != self.preferred]
        return found

    def update_details(self) -> None:
        found = self.under_cursor()
        details = Text(no_wrap=True, overflow="ellipsis")
        if not found:
            start, end = self.view.selected_offsets
            hint = self.selection_hint.format(n=end - start) if end > start else ""
            details.append(hint, style="italic")
        for n, note in enumerate(found[:3]):
            if n:
                details.append("\n")
            details.append_text(tag_chip(note.tag, self.tag_styles))
            details.append(f" {visible(note.note, one_line=True) or '(no note)'}")
            details.append(f"  · {visible(note.annotator, one_line=True)} · {note.updated[:16].replace('T', ' ')}",
                           style="dim")
        self.query_one(".details", Static).update(details)

    def watch_saved_text(self, text: str) -> None:
        if self.is_mounted:
            self.query_one(".saved", Static).update(Text(text))

    def flash_saved(self, text: str = "✓ saved") -> None:
        """Confirm a commit; called only after the store returned."""
        self.saved_text = text
        if self._saved_timer is not None:
            self._saved_timer.stop()
        # Clear only this confirmation: a mode label shown since must stay while the mode lasts.
        self._saved_timer = self.set_timer(4.0, lambda: self._clear_saved(text))

    def _clear_saved(self, text: str) -> None:
        if self.saved_text == text:
            self.saved_text = ""
