r"""Tokens for the token-based formats (spaCy/Prodigy, CoNLL) that never cut through a span.

Words are runs of letters and digits; any other visible character cluster is a token of its own.
Every annotation's start and end also become token boundaries, so each span maps onto whole
tokens: none is ever dropped for being "off token boundaries" (where spaCy's ``Doc.char_span``
returns None and other exporters lose spans silently).

Whitespace follows spaCy's rule: one plain space after a token is that token's trailing ``ws``;
any other whitespace (newlines, runs of spaces, a space a span starts or ends on) becomes tokens
of its own, so ``Doc(vocab, words, spaces)`` rebuilds the text exactly.

Speed: most texts have no code point that joins a grapheme cluster, and for them one pass of a
standard-library regex gives the tokens (with their ``ws``) and only the few tokens a span
boundary touches are then fixed up: about 1.3 ms for a 4.5 KB article instead of 4.9 ms piece by
piece on ``\X``. Texts with combining marks, ZWJ sequences and the like take the cluster path.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import regex

# Without a code point that joins a grapheme cluster (a combining mark, ZWJ, a variation selector,
# a regional indicator, Hangul jamo, CR), every code point is a cluster of its own and the
# standard library's re finds the pieces: ten times faster than \X. ``( )?`` takes the one plain
# space after a word or mark as its ``ws``; a run of white space is greedy and takes none.
_SIMPLE_TOKEN = re.compile(r"([^\W_]+|[^\s]|\s+)( )?", re.DOTALL)
_JOINER_SET = (r"[\r\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
               r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
               r"\p{Grapheme_Cluster_Break=Regional_Indicator}\p{Grapheme_Cluster_Break=L}"
               r"\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}\p{Grapheme_Cluster_Break=LV}"
               r"\p{Grapheme_Cluster_Break=LVT}]")


class Token(NamedTuple):
    start: int
    end: int
    ws: bool  # followed by one space that belongs to it (spaCy's ``whitespace_``)


@cache
def _piece() -> regex.Pattern[str]:
    """Runs of grapheme clusters that begin with a letter or digit, runs that begin with white
    space, and any other cluster alone: pieces never end inside a cluster."""
    import regex

    return regex.compile(r"(?:(?=[\p{L}\p{N}])\X)+|(?:(?=\s)\X)+|\X", regex.DOTALL)


@cache
def _joiner() -> regex.Pattern[str]:
    import regex

    return regex.compile(_JOINER_SET)


def tokenize(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[Token]:
    """Tokens of ``text`` with a boundary at every start and end of ``spans``."""
    starts, ends = set(), set()
    for start, end in spans:
        starts.add(start)
        ends.add(end)
    if text.isascii() or not _joiner().search(text):
        return _simple(text, starts, ends)
    return _by_clusters(text, starts, ends)


def _simple(text: str, starts: set[int], ends: set[int]) -> list[Token]:
    """One pass of ``_SIMPLE_TOKEN``, then only where a span boundary needs it: a space a span
    starts on or ends just after is no token's ws but white space of its own, and a token a
    boundary falls inside is split there (the same tokens as ``_by_clusters``, far faster)."""
    tokens = [Token(m.start(1), m.end(1), m.end(2) != -1) for m in _SIMPLE_TOKEN.finditer(text)]
    if not starts and not ends:
        return tokens
    ends_at = [token.end for token in tokens]
    spaces = {p for p in starts | {e - 1 for e in ends} if text[p : p + 1] == " "}
    for space in sorted(spaces, reverse=True):  # from the end, so the indexes before stay right
        index = bisect_left(ends_at, space)
        if index < len(tokens) and tokens[index].end == space and tokens[index].ws:
            tokens[index] = tokens[index]._replace(ws=False)
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if after is not None and after.start == space + 1 and text[space + 1].isspace():
                tokens[index + 1] = Token(space, after.end, after.ws)  # the rest of its white space
            else:
                tokens.insert(index + 1, Token(space, space + 1, False))
    return _cut(tokens, sorted(starts | ends))


def _cut(tokens: list[Token], cuts: list[int]) -> list[Token]:
    """``tokens`` with each one a cut falls strictly inside split there."""
    ends = [token.end for token in tokens]
    at, split = 0, []
    for cut in cuts:  # the token each cut falls strictly inside, if any
        index = bisect_right(ends, cut, at)
        if index < len(tokens) and tokens[index].start < cut:
            split.append((index, cut))
        at = index
    groups = [(index, [cut for _index, cut in group]) for index, group in groupby(split, key=itemgetter(0))]
    for index, inside in reversed(groups):  # from the end, so the indexes before stay right
        token = tokens[index]
        bounds = [token.start, *inside, token.end]
        tokens[index : index + 1] = [Token(a, b, token.ws and b == token.end) for a, b in zip(bounds, bounds[1:])]
    return tokens


def _by_clusters(text: str, starts: set[int], ends: set[int]) -> list[Token]:
    """The general case, piece by piece on grapheme clusters."""
    cuts = sorted(starts | ends)
    tokens: list[Token] = []
    for start, end in (m.span() for m in _piece().finditer(text)):
        if (text[start] == " " and tokens and start not in starts and start + 1 not in ends
                and (start + 1 == end or text[start + 1].isspace())):  # (not " " + a combining mark)
            tokens[-1] = Token(tokens[-1].start, tokens[-1].end, True)  # the space is its ws
            start += 1
        bounds = [start, *cuts[bisect_right(cuts, start) : bisect_left(cuts, end)], end]
        tokens.extend(Token(a, b, False) for a, b in zip(bounds, bounds[1:]) if a < b)
    return tokens
