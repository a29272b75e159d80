"""Markup, bidi controls and C1 controls in file names, titles, quotes and notes, as the library
and the command line show them (tests/tui/test_hostile.py covers the reader and the titles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from annotations.importer import import_paths
from annotations.safe import BIDI_CONTROLS, BIDI_SYMBOL, C1_SYMBOL
from annotations.store import Store
from tui.app import PenmarkApp
from tui.screens.library import LibraryScreen

SIZE = (200, 30)
# No "/" can be in a file name, so "[/]" cannot be; every other kind of markup can.
MARKUP_NAME = "[@click=app.quit]x[sic] [link=https:evil]y [b]bold[on red].txt"


def raw_controls(text: str) -> list[str]:
    """C0 (but newline), DEL, C1 and bidi control characters in ``text``, as U+ names."""
    return sorted({
        f"U+{ord(c):04X}" for c in text
        if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c in BIDI_CONTROLS
    })


async def test_markup_in_a_file_name_is_literal_in_the_library(store: Store, tmp_path: Path) -> None:
    path = tmp_path / MARKUP_NAME
    path.write_text("Plain Title Here\nbody\n", encoding="utf-8")
    assert import_paths(store, [path]).ok
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        table = library.query_one(DataTable)
        source = table.get_row_at(0)[-1]
        assert source.plain == MARKUP_NAME and not source.spans  # one dim style, no link, no action
        shown = app.export_screenshot().replace("&#160;", " ").replace("&amp;", "&")
        assert MARKUP_NAME in shown
        # Typed into the title filter, markup is text too ("/" opens the search instead).
        await pilot.press(*"[sic][b]")
        await pilot.pause()
        assert app.is_running and app.screen is library and library.filter == "[sic][b]"
        assert "filter: [sic][b]" in library.query_one(".filter").render().plain
        await pilot.press("escape")
        await pilot.pause()
        # Click along the source cell, where the markup would have drawn a quit button.
        x = sum(c.get_render_width(table) for c in list(table.columns.values())[:-1])  # source is last
        for dx in (1, 2, 20, 30):
            await pilot.click(table, offset=(x + dx, 1))
        await pilot.pause()
        assert app.is_running  # a click opens the article at most; it never quits


def test_markup_in_file_names_is_literal_in_cli_messages(penmark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in [sic]"
    folder.mkdir()
    good = folder / MARKUP_NAME
    good.write_text("[b]Bold[/b] Title [@click=app.quit]q[/]\nbody\n", encoding="utf-8")
    empty = folder / "[i]empty[link=x].md"
    empty.write_bytes(b"")
    done = penmark("import", str(folder), check=1)
    assert done.stderr == f"penmark: {empty}: is empty\n"
    assert done.stdout == "imported 1 article, 1 refused\n"
    (row,) = [json.loads(line) for line in penmark("list", "--json").stdout.splitlines()]
    assert row["source"] == str(good) and row["title"] == "[b]Bold[/b] Title [@click=app.quit]q[/]"
    assert penmark("list").stdout.splitlines()[1].endswith("[b]Bold[/b] Title [@click=app.quit]q[/]")


def _hostile_store(db: Path) -> tuple[str, str, str]:
    """An article whose title, text, quote, note and annotator hold bidi and C1 controls."""
    text = "Plain start. Open \u202eexe.txt\u202c and \x9b31mred \u2066isolated\u2069 words.\nNext line."
    title = "Title \u202egnp.exe\u202c \x9d0;pwned\x9c [sic]"
    note = "note \u202eeton\u202c \x9b7m [/]"
    store = Store.open(db, annotator="ann\u202eotator")
    try:
        article = store.add_article(text, title).article.id
        store.create(article, text.index("Open"), text.index(" words"), "claim", note=note)
    finally:
        store.close()
    return text, title, note


def test_bidi_and_c1_controls_show_as_symbols_in_list_and_search(penmark: Any) -> None:
    _hostile_store(penmark.db)
    title_shown = "Title ⇆gnp.exe⇆ \ufffd0;pwned\ufffd [sic]"
    assert BIDI_SYMBOL == "⇆" and C1_SYMBOL == "\ufffd"

    listed = penmark("list").stdout
    assert raw_controls(listed) == [] and listed.splitlines()[1].endswith(title_shown)

    found = penmark("search", "exe").stdout
    assert raw_controls(found) == []
    assert title_shown in found
    assert "“Open ⇆exe.txt⇆ and \ufffd31mred ⇆isolated⇆”" in found
    assert "[note ⇆eton⇆ \ufffd7m [/]]" in found and "(ann⇆otator, " in found

    passages = penmark("search", "--passages", "plain").stdout
    assert raw_controls(passages) == []
    assert title_shown in passages and "Open ⇆exe.txt⇆ and \ufffd31mred ⇆isolated⇆ words." in passages

    stats = penmark("stats").stdout
    assert raw_controls(stats) == [] and "ann⇆otator: 1" in stats


def test_json_output_escapes_c1_and_bidi_and_stays_lossless(penmark: Any) -> None:
    text, title, note = _hostile_store(penmark.db)
    runs = {
        "list": penmark("list", "--json").stdout,
        "search": penmark("search", "exe", "--json").stdout,
        "passages": penmark("search", "--passages", "plain", "--json").stdout,
        "stats": penmark("stats", "--json").stdout,
    }
    # Lossless: the JSON gives back exactly what is stored.
    assert json.loads(runs["list"])["title"] == title
    hit = json.loads(runs["search"])
    assert (hit["title"], hit["note"], hit["annotator"]) == (title, note, "ann\u202eotator")
    assert hit["quote"] == text[hit["start"] : hit["end"]]
    assert json.loads(runs["passages"].splitlines()[0])["title"] == title
    assert json.loads(runs["stats"])["annotations_by_annotator"] == {"ann\u202eotator": 1}
    # And nothing a terminal would act on or reorder.
    assert {name: raw_controls(out) for name, out in runs.items()} == {name: [] for name in runs}
