"""The footer: the keys that matter on the current screen, drawn as one line of text.

Textual's ``Footer`` mounts a widget per key and recomposes them on every binding change, which
cost ~100 ms each time the reader opened and ~50 ms of the first screen. This bar reads the same
``active_bindings`` and draws them in one ``render``; a click on a key presses it, as in Footer.
When the keys do not fit, the last ones give way to an ellipsis, but the help key (?) stays.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground; }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}

    def __init__(self) -> None:
        super().__init__()
        self._hits: list[tuple[int, int, str]] = []  # (first cell, end cell, key) per shown key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        items: list[tuple[str, str, bool, str]] = []  # (key shown, description, enabled, key)
        seen_actions: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen_actions:
                continue
            seen_actions.add(binding.action)
            items.append((f" {self.app.get_key_display(binding)} ", f"{binding.description} ", enabled, binding.key))
        # When they do not fit, keys are dropped from the end, but "? Keys" stays: it lists them all.
        kept = [item for item in items if "question_mark" not in item[3]]
        last = [item for item in items if "question_mark" in item[3]]
        width = self.size.width or 10_000
        widths = [Text(k + d).cell_len for k, d, _e, _key in [*kept, *last]]
        room = width - sum(widths[len(kept):])  # what the kept keys may take
        dropped = False
        while last and kept and sum(widths[: len(kept)]) + (2 if dropped else 0) > room:
            kept.pop()
            dropped = True
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        self._hits = []
        for index, (key, description, enabled, binding_key) in enumerate([*kept, *last]):
            if dropped and index == len(kept):
                line.append("… ", description_style)
            start = line.cell_len
            line.append(key, key_style)
            line.append(description, description_style)
            if not enabled:
                line.stylize("dim", start)
            self._hits.append((start, line.cell_len, binding_key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._hits:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
