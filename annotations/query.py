"""The search query language, parsed without ever failing.

    denuclearisation hwasong 20        free words: every one must match (typos forgiven)
    "exact phrase"                     words in this order, exactly
    tag:claim  -tag:opinion            only / never these tags (any case; tag:My_Label, tag:"My Label")
    by:alice                           only this annotator
    in:korea                           only articles whose title matches
    note:sanctions                     words that must be in the note
    in:"two words"  note:"two words"   a quoted value is one value (every word of it must match)

Nothing a user types is passed to SQLite's FTS5 syntax: words become quoted terms, so `AND`,
`NEAR(`, `*` or a stray quote are just text. An unbalanced quote closes at the end of the query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer splits
# A filter (its value quoted, or up to the next space or quote), or a phrase; leftmost first, so a
# filter inside a phrase is part of the phrase and a phrase after a filter is its value.
_PART = re.compile(r'(?<!\S)(-?)(tag|by|in|note):(?:"([^"]*)"|([^\s"]*))|"([^"]*)"', re.IGNORECASE)


def fold(text: str) -> str:
    """Lowercase without accents, one character for one, so offsets carry over to ``text``."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLDED)


class _FoldTable(dict[int, str]):
    """Each code point's folded character, worked out the first time ``str.translate`` meets it."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        # A lone combining mark stays itself; "İ".lower() is two characters, of which the first.
        folded = char if unicodedata.combining(base) else base.lower()[0]
        self[code] = folded
        return folded


_FOLDED = _FoldTable()


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the search index sees them: folded, split on non-alphanumerics."""
    return _TOKEN.findall(fold(text))


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) for each word of ``text``."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(fold(text))]


def tag_key(name: str) -> str:
    """What a tag filter compares: case ignored, ``_`` standing for a space (``tag:My_Label``)."""
    return "_".join(name.casefold().split())


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()  # free words, folded
    phrases: tuple[tuple[str, ...], ...] = ()  # exact phrases, folded words in order
    tags: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    annotators: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()
    note_words: tuple[str, ...] = ()
    hints: tuple[str, ...] = field(default=())

    @property
    def has_terms(self) -> bool:
        return bool(self.words or self.phrases or self.note_words)

    @property
    def has_filters(self) -> bool:
        return bool(self.tags or self.not_tags or self.annotators or self.title_words)

    @property
    def empty(self) -> bool:
        return not (self.has_terms or self.has_filters)

    @property
    def text(self) -> str:
        """What the free words and phrases say, for ranking candidates by likeness."""
        return " ".join([*self.words, *(" ".join(p) for p in self.phrases), *self.note_words])


def parse(raw: str) -> Query:
    """Read a query; never raises. Problems become ``hints`` and the rest is searched."""
    hints: list[str] = []
    text = raw
    if text.count('"') % 2:
        hints.append("unbalanced quote: the phrase runs to the end of the query")
        text += '"'
    phrases = []
    found: dict[str, list[str]] = {"tag": [], "-tag": [], "by": [], "in": [], "note": []}
    for match in _PART.finditer(text):
        negate, name, quoted, bare, phrase = match.groups()
        if name is None:
            words = tuple(tokens(phrase))
            if words:
                phrases.append(words)
            continue
        key, value = f"{negate}{name.lower()}", (quoted if quoted is not None else bare).strip()
        if not value:
            hints.append(f"{name}: needs a value, e.g. {name}:{'claim' if name.lower() == 'tag' else 'word'}")
        elif key in found:
            found[key].append(value)
        else:
            hints.append(f"-{name}: is not supported; use -tag:")
    text = _PART.sub(" ", text)

    words = tuple(tokens(text))
    query = Query(
        words=words,
        phrases=tuple(phrases),
        tags=tuple(found["tag"]),  # as typed: the searcher matches them to tag names (tag_key)
        not_tags=tuple(found["-tag"]),
        annotators=tuple(found["by"]),
        title_words=tuple(w for v in found["in"] for w in tokens(v)),
        note_words=tuple(w for v in found["note"] for w in tokens(v)),
        hints=tuple(hints),
    )
    if query.empty and not hints:
        hint = "type words to search for" if not raw.strip() else "nothing to search for in that (only punctuation?)"
        query = Query(hints=(hint,))
    return query
