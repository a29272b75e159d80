"""Hygiene: the core never imports the interface, and untrusted text never reaches a terminal raw."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from annotations.safe import BIDI_CONTROLS, bidi_positions, visible

REPO = Path(__file__).resolve().parent.parent
INTERFACE_MODULES = ("textual", "rich", "tui")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_core_does_not_import_the_interface() -> None:
    loaded = loaded_after(
        "import annotations, annotations.store, annotations.importer, annotations.text, "
        "annotations.tags, annotations.safe, annotations.model, annotations.schema"
    )
    assert "annotations" in loaded  # the probe really ran the imports
    assert loaded.isdisjoint(INTERFACE_MODULES), sorted(loaded & set(INTERFACE_MODULES))


def test_cli_module_does_not_load_textual() -> None:
    loaded = loaded_after("import tui.cli")
    assert "tui" in loaded
    assert "textual" not in loaded and "rich" not in loaded


def test_cli_command_does_not_load_textual(tmp_path: Path) -> None:
    """`penmark list` runs without importing Textual (checked with the interpreter's import log)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tui", "--db", str(tmp_path / "p.db"), "list"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "annotations.store" in imported
    assert not {m for m in imported if m.split(".")[0] in ("textual", "rich")}


# --- safe.visible: control characters become one visible symbol each ---------------------------

DANGEROUS = {
    "ESC": "\x1b",
    "NUL": "\x00",
    "BEL": "\x07",
    "C1 CSI": "\x9b",
    "C1 NEL": "\x85",
    "DEL": "\x7f",
    "CR": "\r",
    "bidi RLO": "\u202e",
    "bidi LRI": "\u2066",
    "bidi PDI": "\u2069",
    "RLM": "\u200f",
    "ALM": "\u061c",
}


@pytest.mark.parametrize("char", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_each_control_character_becomes_one_visible_symbol(char: str) -> None:
    shown = visible(f"a{char}b")
    assert len(shown) == 3
    assert shown[0] == "a" and shown[2] == "b"
    assert shown[1] != char
    assert shown[1].isprintable()
    assert unicodedata.category(shown[1]) not in ("Cc", "Cf")


def test_escape_sequences_are_defused() -> None:
    osc = "\x1b]0;pwned title\x07"
    csi = "\x1b[2J\x1b[31mred"
    clipboard = "\x1b]52;c;aGVsbG8=\x07"
    c1_csi = "\x9b31m"
    for attack in (osc, csi, clipboard, c1_csi):
        text = f"Before {attack} after"
        shown = visible(text)
        assert len(shown) == len(text)
        assert not any(unicodedata.category(ch) == "Cc" for ch in shown)
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert visible(osc) == "␛]0;pwned title␇"
    assert visible("\x00") == "␀"


def test_all_c0_and_c1_controls_are_replaced() -> None:
    controls = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\n\t")
    shown = visible(controls)
    assert len(shown) == len(controls)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in shown)
    for bidi in BIDI_CONTROLS:
        assert visible(bidi) != bidi and len(visible(bidi)) == 1


def test_newline_and_tab_kept_text_unchanged() -> None:
    text = "Title\n\tindented — café 漢字 👩🏽\u200d💻 [b]markup[/b]\n"
    assert visible(text) == text


def test_one_line_replaces_newlines_too() -> None:
    shown = visible("first\nsecond\r\nthird\ttab", one_line=True)
    assert "\n" not in shown and "\r" not in shown
    assert shown == "first␊second␍␊third\ttab"
    assert len(shown) == len("first\nsecond\r\nthird\ttab")


def test_bidi_positions_flags_controls() -> None:
    text = "abc\u202edef\u2066x\u2069"
    assert bidi_positions(text) == [3, 7, 9]
    assert bidi_positions("plain") == []
