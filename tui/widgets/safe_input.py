"""An Input that never sends its value's control characters to the terminal.

Textual's Input renders its value as it is: a note imported or merged with an OSC sequence in it
would set the window title or write the clipboard the moment the note dialog opened. The value
itself is kept exactly (saving an unedited note changes nothing); only what is drawn maps each
control character to a visible symbol, one for one, so the cursor stays on the right character.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from annotations.safe import visible


class SafeInput(Input):
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        return Text(visible(self.value, one_line=True), no_wrap=True, overflow="ignore", end="")
