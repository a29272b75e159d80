"""Tag colours as the reader and the library draw them."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.color import Color

from annotations.safe import visible
from annotations.tags import Tag


def tag_colours(tags: Sequence[Tag], background: str) -> dict[str, tuple[Style, Style]]:
    """Per tag: the highlight (its colour blended into the background, so text stays readable)
    and the overlap mark (its colour, underlined) used where another annotation covers it."""
    base = Color.parse(background)
    styles = {}
    for tag in tags:
        colour = Color.parse(tag.colour)
        styles[tag.name] = (
            Style(bgcolor=base.blend(colour, 0.55).rich_color),
            Style(color=colour.lighten(0.2).rich_color, underline=True, bold=True),
        )
    return styles


def tag_chip(tag: str, styles: dict[str, tuple[Style, Style]]) -> Text:
    """The tag's name in its colour. The colour is on the span, not the whole Text, so text
    appended after the chip is not coloured too."""
    style = styles.get(tag, (Style(reverse=True), Style()))[0]
    chip = Text()
    chip.append(f" {visible(tag, one_line=True)} ", style=style + Style(bold=True))
    return chip
