"""The real app in a real pseudo-terminal: hostile escape sequences in an article never reach
the terminal, while their visible stand-ins (␛, ␇, U+FFFD for C1) do (DESIGN.md section 4).

Textual writes its own CSI and OSC sequences (cursor moves, colours, mouse modes, pointer shape),
so the checks look for the hostile *payloads*, not for "no escape sequence at all".
"""

from __future__ import annotations

import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty", reason="needs a POSIX pseudo-terminal")
termios = pytest.importorskip("termios", reason="needs a POSIX pseudo-terminal")
fcntl = pytest.importorskip("fcntl", reason="needs a POSIX pseudo-terminal")

from annotations.store import Store
from annotations.tags import DEFAULT_TAGS, Tag

REPO = Path(__file__).resolve().parents[2]
ROWS, COLUMNS = 40, 120

SET_TITLE = "\x1b]0;pwned\x07"  # OSC 0 ended by BEL: sets the window title
SET_TITLE_ST = "\x1b]2;pwned2\x1b\\"  # OSC 2 ended by ST (ESC \)
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: writes "pwned" to the clipboard
REPORT_TITLE = "\x1b[21t"  # CSI 21 t: the terminal types its title back (an old exfiltration trick)
CLEAR = "\x1b[2J"
C1_CSI = "\x9b31m"  # an 8-bit CSI: red text
C1_OSC = "\x9d0;c1pwned\x9c"  # an 8-bit OSC ended by the 8-bit ST: sets the title
HOSTILE = f"{SET_TITLE} {SET_TITLE_ST} {CLIPBOARD} {REPORT_TITLE} {CLEAR} {C1_CSI} {C1_OSC}"
# Tag names must be printable (ESC is refused when the tag set is saved), but C1 controls pass.
TAG = "odd\x9b7m\x9d0;tagpwned\x9c"


def shown(text: str) -> str:
    """What penmark draws for ``text``: each control character as one visible symbol."""
    from annotations.safe import visible

    return visible(text, one_line=True)


class Terminal:
    """A child process on the slave side of a pty; everything it writes is kept, as bytes."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO, start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.eof = False

    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")

    def read_until(self, needle: str | None, timeout: float) -> bool:
        """Keep reading until ``needle`` has been written (None: until the child closes the
        terminal) or ``timeout`` seconds pass; whether it was seen."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            if needle is not None and needle in self.text():
                return True
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed its side
                chunk = b""
            if chunk:
                self.output.extend(chunk)
            else:
                self.eof = True
        return self.eof if needle is None else needle in self.text()

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the child leads its own session
        self.proc.wait(timeout=5)
        os.close(self.master)


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    db = tmp_path / "hostile.db"
    store = Store.open(db, annotator="alice")
    try:
        store.set_tags([*DEFAULT_TAGS, Tag(TAG, 5, "#888888", f"tagdef {HOSTILE}")])
        text = f"Opening {HOSTILE} end.\nSecond line."
        article = store.add_article(text, f"Title {HOSTILE}").article.id
        store.create(article, 0, len("Opening"), "claim", note=f"note {HOSTILE}")
        store.create(article, text.index("Second"), text.index(" line."), TAG)
    finally:
        store.close()
    return db


def test_escape_sequences_never_reach_a_real_terminal(hostile_db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PENMARK_", "TEXTUAL"))}
    env.update(
        TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS), HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"), PENMARK_ANNOTATOR="alice",
    )
    terminal = Terminal([sys.executable, "-m", "tui", "--db", str(hostile_db)], env)
    try:
        # The library: the title cell, drawn with its controls as symbols.
        assert terminal.read_until(f"Title {shown(SET_TITLE)}", timeout=10), terminal.text()[-2000:]
        terminal.press(b"\r")  # read the article: its text, and the note under the cursor
        assert terminal.read_until(f"note {shown(SET_TITLE)}", timeout=5), terminal.text()[-2000:]
        terminal.press(b"t")  # the tag palette lists each tag's definition
        assert terminal.read_until(f"tagdef {shown(SET_TITLE)}", timeout=5), terminal.text()[-2000:]
        terminal.press(b"\x1b")
        time.sleep(0.3)  # a lone ESC is told from a sequence by a short wait
        terminal.press(b"n")  # the note dialog: the stored note in an input box, as it is kept
        assert terminal.read_until("\u201cOpening\u201d", timeout=5), terminal.text()[-2000:]
        time.sleep(0.5)  # a cursor blink redraws the input
        terminal.press(b"\x1b")
        time.sleep(0.3)
        terminal.press(b"q")  # back to the library
        terminal.read_until(None, timeout=1)
        terminal.press(b"\x11")  # ctrl+q
        assert terminal.read_until(None, timeout=8), "the app did not quit on ctrl+q"
        assert terminal.proc.wait(timeout=5) == 0
    finally:
        terminal.close()

    written = terminal.output.decode("utf-8")  # Textual writes valid UTF-8: no stray byte
    # No hostile OSC: no title set to the payloads, no clipboard write.
    osc_bodies = re.findall(r"\x1b\](.*?)(?:\x07|\x1b\\)", written, flags=re.DOTALL)
    assert not [body for body in osc_bodies if "pwned" in body or body.startswith("52;")], osc_bodies
    for sequence in (SET_TITLE, SET_TITLE_ST, CLIPBOARD, "\x1b]52;", REPORT_TITLE, CLEAR):
        assert sequence not in written, repr(sequence)
    assert not re.search(r"\x1b\[[0-9;]*t", written), "a window-manipulation CSI reached the terminal"
    # No C1 control as a code point (the bytes 0x9b/0x9d inside other characters are fine).
    c1 = sorted({f"U+{ord(c):04X}" for c in written if 0x80 <= ord(c) <= 0x9F})
    assert not c1, c1

    # What was drawn instead: the same characters, each control as a visible symbol.
    for drawn in (
        f"Title {shown(SET_TITLE)}", shown(SET_TITLE_ST), shown(CLIPBOARD), shown(REPORT_TITLE),
        shown(C1_CSI), shown(C1_OSC), f"note {shown(SET_TITLE)}", f"tagdef {shown(SET_TITLE)}", shown(TAG),
    ):
        assert drawn in written, drawn
    assert "␛]52;c;cHduZWQ=␇" in written and "\ufffd31m" in written
