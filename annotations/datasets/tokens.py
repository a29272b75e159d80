"""Tokens for the token-based formats (spaCy/Prodigy, CoNLL) that never cut through a span.

Words are runs of letters and digits; any other visible character cluster is a token of its own.
Every annotation's start and end also become token boundaries, so each span maps onto whole
tokens: none is ever dropped for being "off token boundaries" (where spaCy's ``Doc.char_span``
returns None and other exporters lose spans silently).

Whitespace follows spaCy's rule: one plain space after a token is that token's trailing ``ws``;
any other whitespace (newlines, runs of spaces, a space a span starts or ends on) becomes tokens
of its own, so ``Doc(vocab, words, spaces)`` rebuilds the text exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

_ASCII_PIECE = re.compile(r"[A-Za-z0-9]+|\s+|.", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    ws: bool  # followed by one space that belongs to it (spaCy's ``whitespace_``)


@cache
def _piece() -> regex.Pattern[str]:
    """Runs of grapheme clusters that begin with a letter or digit, runs that begin with white
    space, and any other cluster alone: pieces never end inside a cluster."""
    import regex

    return regex.compile(r"(?:(?=[\p{L}\p{N}])\X)+|(?:(?=\s)\X)+|\X", regex.DOTALL)


def _pieces(text: str) -> list[tuple[int, int]]:
    pattern = _ASCII_PIECE if text.isascii() else _piece()
    return [m.span() for m in pattern.finditer(text)]


def tokenize(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[Token]:
    """Tokens of ``text`` with a boundary at every start and end of ``spans``."""
    starts, ends = set(), set()
    for start, end in spans:
        starts.add(start)
        ends.add(end)
    cuts = sorted(starts | ends)
    tokens: list[Token] = []
    for start, end in _pieces(text):
        if (text[start] == " " and tokens and start not in starts and start + 1 not in ends
                and (start + 1 == end or text[start + 1].isspace())):  # (not " " + a combining mark)
            tokens[-1] = Token(tokens[-1].start, tokens[-1].end, True)  # the space is its ws
            start += 1
        bounds = [start, *cuts[bisect_right(cuts, start) : bisect_left(cuts, end)], end]
        tokens.extend(Token(a, b, False) for a, b in zip(bounds, bounds[1:]) if a < b)
    return tokens
