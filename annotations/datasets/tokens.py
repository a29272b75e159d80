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
from collections.abc import Iterable
from dataclasses import dataclass

from ..text import grapheme_spans

_WORD_OR_SPACE = re.compile(r"[^\W_]+|\s+")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    ws: bool  # followed by one space that belongs to it (spaCy's ``whitespace_``)


def _pieces(text: str) -> list[tuple[int, int]]:
    """Words, whitespace runs and single grapheme clusters, in order, covering ``text``."""
    pieces: list[tuple[int, int]] = []
    at = 0
    for match in _WORD_OR_SPACE.finditer(text):
        if match.start() > at:  # punctuation and symbols between: one cluster each
            pieces.extend(grapheme_spans(text, at, match.start()))
        pieces.append(match.span())
        at = match.end()
    if at < len(text):
        pieces.extend(grapheme_spans(text, at, len(text)))
    return pieces


def tokenize(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[Token]:
    """Tokens of ``text`` with a boundary at every start and end of ``spans``."""
    starts, ends = set(), set()
    for start, end in spans:
        starts.add(start)
        ends.add(end)
    cuts = starts | ends
    tokens: list[Token] = []
    for start, end in _pieces(text):
        if text[start] == " " and tokens and start not in starts and start + 1 not in ends:
            tokens[-1] = Token(tokens[-1].start, tokens[-1].end, True)  # the space is its ws
            start += 1
        bounds = [start, *sorted(c for c in cuts if start < c < end), end]
        tokens.extend(Token(a, b, False) for a, b in zip(bounds, bounds[1:]) if a < b)
    return tokens
