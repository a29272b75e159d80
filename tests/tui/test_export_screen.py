"""The export dialog: `e` in the reader, format / path / filters from the keyboard, the export in a
worker with a progress bar, the counts in a notification, errors inside the dialog."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, DataTable, Input, ProgressBar, Select, Static

from annotations.importer import import_paths
from annotations.store import Store
from annotations.tags import DEFAULT_TAGS, Tag
from tui.app import PenmarkApp
from tui.screens import export as export_screen
from tui.screens.export import ExportScreen, split_names
from tui.screens.modals import HelpScreen
from tui.screens.reader import ReaderScreen

SIZE = (160, 45)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CLICK = "[@click=app.quit]x[/]"
MARKUP = f"{CLICK} [sic] [/] [bold]b[/bold]"


def rendered(widget: Static | Checkbox) -> str:
    """What a Static or a checkbox's label draws, as text."""
    return (widget.label if isinstance(widget, Checkbox) else widget.render()).plain


def messages(app: PenmarkApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_dialog(pilot, app: PenmarkApp) -> ExportScreen:
    await pilot.pause()
    assert isinstance(app.screen, ReaderScreen)
    await pilot.press("e")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def wait_closed(pilot, app: PenmarkApp) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if not isinstance(app.screen, ExportScreen):
            return
    status = rendered(app.screen.query_one("#export-status", Static))
    raise AssertionError(f"the export dialog is still open: {status!r}")


async def wait_idle(pilot, screen: ExportScreen) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if not screen.running:
            return
    raise AssertionError("the export is still running")


async def choose_format(pilot, screen: ExportScreen, name: str) -> None:
    """Open the format list on the focused Select (space) and move to ``name`` with the arrows."""
    select = screen.query_one("#export-format", Select)
    assert screen.app.focused is select
    names = list(export_screen.FORMATS)
    steps = names.index(name) - names.index(str(select.value))
    await pilot.press("space", *(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await pilot.pause()
    assert select.value == name


def annotate(store: Store, ids: list[str]) -> None:
    """Three annotations on the first article, two on the second, one "quote" among them."""
    for article_id, tags in ((ids[0], ("claim", "opinion", "quote")), (ids[1], ("claim", "opinion"))):
        text = store.article(article_id).text
        for n, tag in enumerate(tags):
            start = text.index(" ", 40 * n) + 1
            store.create(article_id, start, start + 20, tag)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_e_exports_jsonl_to_a_typed_path_and_notifies_the_counts(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "all of it.jsonl"
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        path = screen.query_one("#export-path", Input)
        assert path.value == str(tmp_path / "penmark-export.jsonl")

        # The suffix follows the format while the path is the one filled in.
        await choose_format(pilot, screen, "csv")
        assert path.value == str(tmp_path / "penmark-export.csv")
        # The three JSON Lines formats each have their own default: one never replaces another.
        await choose_format(pilot, screen, "doccano")
        assert path.value == str(tmp_path / "penmark-export.doccano.jsonl")
        await choose_format(pilot, screen, "spacy")
        assert path.value == str(tmp_path / "penmark-export.spacy.jsonl")
        await choose_format(pilot, screen, "jsonl")
        assert path.value == str(tmp_path / "penmark-export.jsonl")

        # tab moves to the path; typing replaces it (all of it is selected on focus); enter exports.
        await pilot.press("tab")
        assert app.focused is path
        await pilot.press(*str(target), "enter")
        await wait_closed(pilot, app)
        assert isinstance(app.screen, ReaderScreen)

    lines = jsonl(target)
    assert sorted(line["id"] for line in lines) == sorted(ids)
    assert sum(len(line["annotations"]) for line in lines) == 5
    assert {a["tag"] for a in lines[[line["id"] for line in lines].index(ids[0])]["annotations"]} == {
        "claim", "opinion", "quote"}
    assert messages(app) == [f"exported 5 annotations of 5 articles as jsonl to {target}"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


async def test_an_edited_path_keeps_its_suffix_and_filters_narrow_the_export(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        path = screen.query_one("#export-path", Input)
        await pilot.press("tab", *"mine.txt", "shift+tab")
        await choose_format(pilot, screen, "csv")
        assert path.value == "mine.txt"  # typed by hand: the format does not rename it

        # tags and annotators: space or comma separated.
        await pilot.press("tab", "tab", *"quote, claim", "tab", *"tester nobody", "enter")
        await wait_closed(pilot, app)

    with (tmp_path / "mine.txt").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((row["article_id"], row["tag"]) for row in rows) == sorted(
        [(ids[0], "claim"), (ids[0], "quote"), (ids[1], "claim")])
    assert messages(app) == [f"exported 3 annotations of 2 articles as csv to {tmp_path / 'mine.txt'}"]
    assert split_names(" a  b ") == ("a", "b")
    assert split_names("two words, b,,a, b") == ("two words", "b", "a")


async def test_an_existing_file_is_kept_and_the_error_shown_until_replace_is_ticked(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "penmark-export.jsonl"
    target.write_text("precious\n", encoding="utf-8")
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        await pilot.press("tab", "end", "enter")  # the default path, which exists
        await wait_idle(pilot, screen)
        assert app.screen is screen
        status = rendered(screen.query_one("#export-status", Static))
        assert status == f"{target}: already exists (tick “replace an existing file”)"
        assert screen.query_one("#export-status").has_class("error")
        assert target.read_text(encoding="utf-8") == "precious\n"
        assert not messages(app)

        # The error moved focus to the checkbox: space ticks it, enter exports over the file.
        force = screen.query_one("#export-force", Checkbox)
        assert app.focused is force
        await pilot.press("space")
        assert force.value
        await pilot.press("enter")
        await wait_closed(pilot, app)
    assert sum(len(line["annotations"]) for line in jsonl(target)) == 5
    assert messages(app) == [f"exported 5 annotations of 5 articles as jsonl to {target}"]


async def test_only_this_article_from_the_reader(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store, open_ids=[ids[1]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        only = screen.query_one("#export-only", Checkbox)
        assert rendered(only).startswith(f"only this article: “{store.article(ids[1]).title[:60]}")
        assert not only.value
        await pilot.press("tab", "tab", "tab", "tab")
        assert app.focused is only
        await pilot.press("space", "enter")  # enter on a checkbox exports; space ticks it
        await wait_closed(pilot, app)
    lines = jsonl(tmp_path / "penmark-export.jsonl")
    assert [line["id"] for line in lines] == [ids[1]]
    assert len(lines[0]["annotations"]) == 2
    assert messages(app) == [f"exported 2 annotations of 1 article as jsonl to {tmp_path / 'penmark-export.jsonl'}"]


async def test_two_panes_export_both_open_articles(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store, open_ids=[ids[0], ids[2]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        only = screen.query_one("#export-only", Checkbox)
        assert rendered(only) == "only these 2 articles"
        only.focus()
        await pilot.press("space")
        await pilot.click("#export-go")
        await wait_closed(pilot, app)
    assert sorted(line["id"] for line in jsonl(tmp_path / "penmark-export.jsonl")) == sorted([ids[0], ids[2]])


async def test_left_out_annotations_warn_with_the_first_reasons(
    mem: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "Alpha beta gamma delta. Epsilon zeta eta theta."
    article = mem.add_article(text, "Overlaps").article.id
    kept = mem.create(article, 0, 22, "claim")
    dropped = [mem.create(article, start, start + 4, "opinion") for start in (6, 11, 17)]
    dropped.append(mem.create(article, 24, 31, "quote"))
    mem.create(article, 24, 47, "claim")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        await choose_format(pilot, screen, "conll")
        await pilot.press("tab", "enter")
        await wait_closed(pilot, app)
    assert (tmp_path / "penmark-export.conll").exists()
    [note] = list(app._notifications)
    assert note.severity == "warning" and not note.markup
    lines = note.message.splitlines()
    assert lines[0].endswith(f"as conll to {tmp_path / 'penmark-export.conll'}; 4 left out:")
    assert len(lines) == 1 + export_screen.SHOWN_LEFT_OUT + 1
    assert all(line.startswith("• annotation ") and "CoNLL IOB2 keeps instead" in line for line in lines[1:-1])
    # Each shown line names one of the dropped annotations (in the core's order) and what was kept.
    named = [next(d.id for d in dropped if d.id in line) for line in lines[1:-1]]
    assert len(set(named)) == export_screen.SHOWN_LEFT_OUT
    assert kept.id in " ".join(lines)
    assert lines[-1].startswith("… and 1 more")


@pytest.fixture
def on_disk(tmp_path: Path) -> Iterator[tuple[Store, list[str]]]:
    """The sample corpus in a database file: its export reads on a connection of its own, so the
    interface's own reads (the reader polls the store every second) never wait for it."""
    store = Store.open(tmp_path / "penmark.db", annotator="tester")
    import_paths(store, [SEEDS])
    yield store, [a.id for a in store.articles()]
    store.close()


async def test_escape_stops_a_running_export_and_writes_nothing(
    on_disk: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = on_disk
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    real_export = export_screen.export
    reached = threading.Event()
    go_on = threading.Event()

    def held_export(*args, progress, **kwargs):  # the real export, held after its first article
        def holding(done: int, total: int) -> None:
            progress(done, total)
            reached.set()
            go_on.wait(5)

        return real_export(*args, progress=holding, **kwargs)

    monkeypatch.setattr(export_screen, "export", held_export)
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        await pilot.press("tab", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if reached.is_set():
                break
        await pilot.pause(0.1)
        bar = screen.query_one("#export-progress", ProgressBar)
        assert screen.running and bar.display and (bar.progress, bar.total) == (1, 5)
        assert screen.query_one("#export-go", Button).disabled
        assert "1 of 5 articles" in rendered(screen.query_one("#export-status", Static))

        await pilot.press("escape")
        go_on.set()
        await wait_closed(pilot, app)
        assert isinstance(app.screen, ReaderScreen)
    assert list(out.iterdir()) == []  # no file, no half-written part
    assert messages(app) == [f"Export cancelled; {out / 'penmark-export.jsonl'} was left as it was."]


async def test_escape_closes_and_the_help_lists_e(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert not messages(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [[cell.plain for cell in table.get_row_at(r)] for r in range(table.row_count)]
        assert any(row[:2] == ["e", "Export"] for row in rows)


async def test_hostile_title_tag_and_path_are_shown_literally(
    mem: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tag = "[bold]x[/bold]"
    mem.set_tags([*DEFAULT_TAGS, Tag(tag, 5, "#888888", f"definition {CLICK}")])
    text = "Some text [sic] to tag.\nAnd more."
    article = mem.add_article(text, f"{MARKUP} title").article.id
    mem.create(article, 0, 9, tag)
    mem.create(article, 10, 15, "claim")
    app = PenmarkApp(mem, open_ids=[article])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)
        assert rendered(screen.query_one("#export-only", Checkbox)) == f"only this article: “{MARKUP} title”"
        assert tag in screen.query_one("#export-tags", Input).placeholder
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "[@click=app.quit]x[/]" in shown and "[sic]" in shown

        # An unknown tag that looks like markup: the core's error, literally, inside the dialog.
        await pilot.press("tab", "tab", *CLICK, "enter")
        await wait_idle(pilot, screen)
        status = rendered(screen.query_one("#export-status", Static))
        assert status.startswith(f"unknown tag '{CLICK}'") and tag in status
        await pilot.click("#export-status")
        await pilot.pause()
        assert app.is_running and app.screen is screen

        # The odd tag by name, to a path with brackets in it.
        target = tmp_path / "[b]out[sic] [@click=app.quit]x.jsonl"
        assert app.focused is screen.query_one("#export-go", Button)
        await pilot.press(*["shift+tab"] * 4)  # back past the checkboxes and annotators to tags
        assert app.focused is screen.query_one("#export-tags", Input)
        await pilot.press(*tag, "shift+tab", *str(target), "enter")  # a field's text is replaced
        await wait_closed(pilot, app)
        assert app.is_running
    [line] = jsonl(target)
    assert line["title"] == f"{MARKUP} title"
    assert [(a["tag"], a["quote"]) for a in line["annotations"]] == [(tag, "Some text")]
    [note] = list(app._notifications)
    assert not note.markup
    assert note.message == f"exported 1 annotation of 1 article as jsonl to {target}"


async def test_ctrl_e_in_the_library_exports_the_marked_articles(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")  # marks the first article (letters would filter the titles)
        await pilot.press("ctrl+e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        only = screen.query_one("#export-only", Checkbox)
        assert rendered(only).startswith("only this article")
        only.value = True
        screen.query_one("#export-go", Button).press()
        await wait_closed(pilot, app)
    marked = store.articles()[0].id
    assert [line["id"] for line in jsonl(tmp_path / "penmark-export.jsonl")] == [marked]


async def test_enter_right_away_exports_with_the_defaults(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = seeded
    annotate(store, ids)
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store, open_ids=[ids[0]])
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(pilot, app)
        await pilot.press("enter")  # the format list has the focus: enter still exports
        await wait_closed(pilot, app)
    assert len(jsonl(tmp_path / "penmark-export.jsonl")) == 5


async def test_an_unticked_box_draws_no_x(
    seeded: tuple[Store, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's Checkbox draws ▐X▌ ticked or not (only the colour differs): a user exported every
    article believing "only this article" was on. Unticked, the box is empty; ticked, it has the X."""
    store, ids = seeded
    monkeypatch.chdir(tmp_path)
    app = PenmarkApp(store, open_ids=[ids[1]])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, app)

        def drawn() -> str:
            return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

        only = screen.query_one("#export-only", Checkbox)
        force = screen.query_one("#export-force", Checkbox)
        for box in (only, force):
            assert not box.value
            assert box.render().plain.startswith("▐ ▌ ")
        assert "▐X▌" not in drawn()
        assert "▐ ▌ only this article" in drawn() and "▐ ▌ replace an existing file" in drawn()
        only.focus()
        await pilot.press("space")
        await pilot.pause()
        assert only.value and not force.value
        assert only.render().plain.startswith("▐X▌ only this article")
        assert "▐X▌ only this article" in drawn() and "▐ ▌ replace an existing file" in drawn()
        await pilot.press("space")
        await pilot.pause()
        assert not only.value and "▐X▌" not in drawn()
