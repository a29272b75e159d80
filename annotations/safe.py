"""Untrusted text on its way to a terminal: control characters become visible, one for one.

Article text, titles, notes, tag and file names may hold ESC, OSC, CSI, NUL or C1 characters
that would retitle the window or write the clipboard if they reached the terminal, and bidi
controls that make text read differently from what is stored. Each is replaced by one visible
symbol, so offsets into the text stay valid for what is displayed.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
BIDI_SYMBOL = "⇆"
C1_SYMBOL = "\ufffd"


def _table(keep_newlines: bool) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}  # Control Pictures: ␀ ␁ … ␛ …
    table[0x7F] = "\u2421"  # ␡
    table.update({code: C1_SYMBOL for code in range(0x80, 0xA0)})
    table.update({ord(ch): BIDI_SYMBOL for ch in BIDI_CONTROLS})
    del table[ord("\t")]  # tabs are expanded by whoever lays text out
    if keep_newlines:
        del table[ord("\n")]
    return table


def _pattern(table: dict[int, str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


_MULTILINE = _table(keep_newlines=True)
_ONE_LINE = _table(keep_newlines=False)
_MULTILINE_FOUND = _pattern(_MULTILINE)
_ONE_LINE_FOUND = _pattern(_ONE_LINE)


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character shown as a symbol; same length as ``text``."""
    table, found = (_ONE_LINE, _ONE_LINE_FOUND) if one_line else (_MULTILINE, _MULTILINE_FOUND)
    # Searching is ~30 times faster than translating, and most text has nothing to replace.
    return text.translate(table) if found.search(text) else text


def bidi_positions(text: str) -> list[int]:
    """Offsets of bidi control characters, which the interface flags to the annotator."""
    return [match.start() for match in _BIDI.finditer(text)]


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def json_text(value: object, **options: object) -> str:
    """JSON for a terminal: ``json.dumps`` escapes C0 controls but writes DEL, C1 and bidi
    controls raw; here they become ``\\uXXXX`` too (they only occur inside strings), which a
    JSON reader turns back into exactly the stored text."""
    import json

    dumped = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
