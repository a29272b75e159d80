"""A checkbox whose box is empty when it is off.

Textual's Checkbox draws ▐X▌ ticked or not, only the colour differs, so an unticked box read as
ticked (a user exported every article believing "only this article" was on). This one draws the
X only when the box is ticked, and a blank inside when it is not.
"""

from __future__ import annotations

from textual.widgets import Checkbox

TICK = "X"
BLANK = " "


class TickBox(Checkbox):
    """A Checkbox that shows ▐X▌ when ticked and ▐ ▌ when not."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Checkbox reads when it draws the box
        return TICK if self.value else BLANK
