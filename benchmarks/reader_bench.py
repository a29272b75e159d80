"""The reader on long articles: opening one, pressing keys on it, and cold start of the app."""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from textual.geometry import Offset, Region
from textual.widgets import Log

from annotations.store import NewArticle, Store
from tui.app import PenmarkApp
from tui.screens.reader import ReaderScreen
from tui.widgets.document_view import DocumentView

from . import corpus
from .harness import Result

SIZE = (160, 45)


def _article_store(chars: int, highlights: int) -> tuple[Store, str]:
    store = Store.memory(annotator="bench")
    text = corpus.article(random.Random(chars), chars)
    article_id = store.add_articles([NewArticle(text, "Long article")])[0].article.id
    rng = random.Random(1)
    step = max(1, len(text) // max(1, highlights))
    tags = [t.name for t in store.tags()]
    for n in range(highlights):
        start = min(n * step + rng.randrange(0, max(1, step // 2)), len(text) - 41)
        while text[start].isspace() or text[start + 39].isspace():
            start += 1
        store.create(article_id, start, start + 40, tags[n % len(tags)])
    return store, article_id


class _LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Log()


async def _open_article(store: Store, article_id: str) -> float:
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        await app.push_screen(ReaderScreen([article_id]))
        await pilot.pause()
        return time.perf_counter() - start


async def _log_lines(text: str) -> float:
    app = _LogApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        app.query_one(Log).write_lines(text.split("\n"))
        await pilot.pause()
        return time.perf_counter() - start


async def _key_presses(store: Store, article_id: str, presses: int) -> dict[str, list[float]]:
    """Key presses, each timed from the key's action to the visible lines rendered again (what a
    frame costs the app; Pilot's own key delivery waits ~100 ms and would swamp it), of two kinds:

    * ``move``: the cursor moves within the screen (down, right, up, left, around the middle);
    * ``scroll``: the cursor is at the screen's edge, so every press scrolls the view a row.

    Both stay within 80 wrapped rows, so a 10 KB article allows the same presses as a 10 MB one.
    """
    app = PenmarkApp(store, open_ids=[article_id])
    found: dict[str, list[float]] = {"move": [], "scroll": []}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(DocumentView)
        height = view.scrollable_content_region.height
        top = max(0, view.wrapped_document.height // 2 - 40)

        async def place(cursor_row: int, scroll_row: int) -> None:
            view.scroll_to(y=scroll_row, animate=False, immediate=True)
            view.move_cursor(view.wrapped_document.offset_to_location(Offset(0, cursor_row)))
            await pilot.pause()

        def press(kind: str, action: Callable[[], None]) -> None:
            region = Region(0, 0, view.size.width, view.size.height)
            start = time.perf_counter()
            action()
            view.render_lines(region)
            found[kind].append(time.perf_counter() - start)

        await place(top + height // 2, top)
        moves = (view.action_cursor_down, view.action_cursor_right, view.action_cursor_up, view.action_cursor_left)
        for n in range(presses):
            press("move", moves[n % 4])
        steps = min(40, presses // 2)
        await place(top + height - 1, top)  # bottom edge: each down scrolls
        for _ in range(steps):
            press("scroll", view.action_cursor_down)
        await place(top + steps, top + steps)  # top edge: each up scrolls
        for _ in range(steps):
            press("scroll", view.action_cursor_up)
    return found


def open_long() -> list[Result]:
    store, article_id = _article_store(1_000_000, 5_000)
    text = store.article(article_id).text
    figure = statistics.median(asyncio.run(_open_article(store, article_id)) for _ in range(3))
    baseline = statistics.median(asyncio.run(_log_lines(text)) for _ in range(3))
    return [Result("open a 1 MB article (5,000 highlights)", figure, baseline, "Log.write_lines of the text", 3.5)]


def keys() -> list[Result]:
    medians: dict[tuple[int, str], float] = {}
    for chars in (10_000, 1_000_000, 10_000_000):
        store, article_id = _article_store(chars, 5_000 if chars >= 1_000_000 else 100)
        for kind, times in asyncio.run(_key_presses(store, article_id, 200)).items():
            medians[chars, kind] = statistics.median(times)
    frame = 1 / 60
    results = []
    for kind in ("move", "scroll"):
        results.append(Result(f"key press ({kind}), 1 MB, 5,000 highlights p50", medians[1_000_000, kind], frame,
                              "one frame at 60 Hz (16.7 ms)", 1.0))
        results.append(Result(f"key press ({kind}), 10 MB article p50", medians[10_000_000, kind],
                              medians[10_000, kind], "the same on a 10 KB article", 1.5))
    return results


_STARTUP = """
import sys, time
mode, db = sys.argv[1], sys.argv[2]
if mode == "trivial":
    from textual.app import App
    from textual.widgets import Static
    class Trivial(App):
        def compose(self):
            yield Static("hello")
    app = Trivial()
else:
    from tui.cli import open_store, build_parser
    store = open_store(build_parser().parse_args(["--db", db]))
    from tui.app import PenmarkApp
    app = PenmarkApp(store)
async def first_screen(pilot):
    await pilot.pause()
    pilot.app.exit()
app.run(headless=True, size=(160, 45), auto_pilot=first_screen)
"""


def cold_start(runs: int = 7) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp, "penmark.db"))
        seeded = Store.open(db)
        from annotations.importer import import_paths, sample_corpus

        import_paths(seeded, [sample_corpus()])
        seeded.close()

        def timed(mode: str) -> float:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", _STARTUP, mode, db], check=True)
            return time.perf_counter() - start

        timed("penmark"), timed("trivial")  # warm the OS file cache for both
        penmark = statistics.median(timed("penmark") for _ in range(runs))
        trivial = statistics.median(timed("trivial") for _ in range(runs))
    return [Result("cold start to the first screen", penmark, trivial, "a trivial Textual app", 1.5)]
