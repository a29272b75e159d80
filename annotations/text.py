"""One canonical string per article: the rules every offset in penmark refers to.

Policy (DESIGN.md section 2), applied once at import:

* bytes are decoded as strict UTF-8 (a leading BOM is dropped); invalid bytes are an error naming
  the byte position unless the caller asks for replacement (U+FFFD);
* a NUL byte marks a binary file, which is refused; a NUL inside a JSON string becomes U+FFFD;
* CRLF and lone CR become LF, and so do the other characters Python's ``str.splitlines`` (and so
  Textual's document) treat as line breaks: VT, FF, FS, GS, RS, NEL (U+0085), LINE SEPARATOR
  (U+2028) and PARAGRAPH SEPARATOR (U+2029). Otherwise a display line and a stored line would
  disagree and every later offset would shift;
* the text is NFC-normalized;
* all other characters, control characters included, are kept: they are shown as visible symbols
  at display time, one for one, so offsets never move.

Offsets are Python ``str`` indices (code points), end exclusive.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .errors import PenmarkError

if TYPE_CHECKING:
    import regex

# Line breaks that str.splitlines() honours besides \n: each becomes one \n.
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = "\ufeff"
_CLUSTER_WINDOW = 256


@cache
def _graphemes() -> regex.Pattern[str]:
    """Grapheme clusters (``\\X``); the regex module is imported on first use, off the start-up path."""
    import regex

    return regex.compile(r"\X", regex.DOTALL)


CONTEXT_CHARS = 32
"""How many characters of prefix and suffix an annotation keeps around its quote."""


class TextError(PenmarkError):
    """Input that cannot become a canonical article text."""


def decode(data: bytes, *, replace_invalid: bool = False) -> str:
    """Decode file bytes as UTF-8, refusing binary data with a reason a user can act on."""
    if data.startswith(_UTF32_BOMS):  # before UTF-16: FF FE begins both
        raise TextError("is UTF-32 (it starts with a UTF-32 byte-order mark); save it as UTF-8")
    if data.startswith(_UTF16_BOMS):
        raise TextError("is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TextError(f"looks binary (NUL byte at byte {nul})")
    try:
        text = data.decode("utf-8", errors="replace" if replace_invalid else "strict")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        raise TextError(
            f"is not UTF-8 (invalid byte 0x{bad} at byte {err.start}); "
            "use --replace-invalid to import it with U+FFFD in its place"
        ) from None
    # The BOM goes here, not only in canonicalize: JSON and JSONL files are parsed before that.
    return text.removeprefix(_UTF8_BOM)


def canonicalize(text: str) -> str:
    """Return the canonical form of ``text``. Idempotent: canonicalize(canonicalize(t)) == canonicalize(t)."""
    # Every leading BOM goes: stripping only one would expose the next on a second pass.
    text = text.lstrip(_UTF8_BOM)
    text = text.replace("\x00", "\ufffd")
    text = _LINE_BREAKS.sub("\n", text)
    return unicodedata.normalize("NFC", text)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- titles -----------------------------------------------------------------------------------

# Markup and labels in front of a title: Markdown's "# ...", then "Headline: ...", "Title: ...".
_MARKUP = re.compile(r"^\s*#{1,6}\s+")
_LABEL = re.compile(r"^\s*(headline|title|heading|hed|article title)\s*:\s*", re.IGNORECASE)
# Lines scraped along with an article that are never its title (whole lines, case ignored).
_JUNK = re.compile(
    r"""^\W*(?:
        share(?:\s+(?:this|the)\s+(?:article|story|post|page))?(?:\s+(?:on|via)\s+\w+)?
      | (?:advertisement|advertising|sponsored(?:\s+content)?|ad)(?:\s*[-–—:|·•(].*)?
      | (?:scroll|continue)\s+(?:down\s+)?to\s+(?:continue|read).*
      | skip\s+to\s+(?:the\s+)?(?:main\s+)?(?:content|navigation|article|footer).*
      | (?:sign\s+up|subscribe|register)\b.*\bnewsletters?\b.*
      | subscribe(?:\s+now|\s+today)?
      | (?:we|this\s+(?:web\s*)?site|our\s+site)\s+uses?\s+cookies\b.*
      | (?:accept|reject|manage)\s+(?:all\s+)?cookies\b.*
      | cookie\s+(?:policy|settings|preferences|notice|consent)\b.*
      | (?:image|photo|photograph|picture|caption|video|credit|image\s+credit|photo\s+credit)\s*:.*
      | (?:listen\s+to\s+this\s+article|read\s+more|click\s+here|follow\s+us|print\s+this|email\s+this).*
      | (?:published|updated|posted|last\s+updated)(?:\s+on|\s+at)?\s*:?\s*
        (?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b).*
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_TITLE_MAX = 160
_HEADLINE_MAX = 150


def _meaningful(line: str) -> bool:
    """A line with at least two real words: scraped junk such as ``spot_imgspot_img`` is not."""
    return sum(1 for word in line.split() if _WORD.search(word)) >= 2


def _junk(line: str) -> bool:
    """Boilerplate scraped along with an article: share buttons, ads, cookie notices, captions."""
    return _JUNK.match(line) is not None


def derive_title(text: str) -> str:
    """The title of an article without one: the first line that reads like a headline.

    Scraped articles often start with junk (image placeholders, "Share this article", cookie
    notices, captions) and some start straight with the lead paragraph, so among the first few
    meaningful lines we prefer one labelled as the title ("Headline: ...", "Title: ..."), then a
    short one that does not end like a sentence; failing that, the first meaningful line, cut.
    """
    lines: list[tuple[str, bool]] = []  # (the line without markup or label, whether it had a label)
    for raw in text.split("\n")[:40]:
        line = _MARKUP.sub("", raw)
        labelled = _LABEL.match(line) is not None
        lines.append((_LABEL.sub("", line).strip(), labelled))
    candidates = [(line, labelled) for line, labelled in lines
                  if (_meaningful(line) or (labelled and _WORD.search(line))) and not _junk(line)][:5]
    if not candidates:
        first = next((line for line, _ in lines if line and not _junk(line)), "")
        return _clip(first) or "(untitled)"
    for line, labelled in candidates:
        if labelled:
            return _clip(line)
    for line, _ in candidates:
        if len(line) <= _HEADLINE_MAX and not line.endswith((".", "!", "?", ",", ";")):
            return line
    return _clip(candidates[0][0])


def _clip(line: str) -> str:
    if len(line) <= _TITLE_MAX:
        return line
    cut = line.rfind(" ", 0, _TITLE_MAX - 1)
    return line[: cut if cut > 40 else _TITLE_MAX - 1].rstrip() + "…"


# --- spans ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def grapheme_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each grapheme cluster of ``text[start:end]``, in ``text``'s offsets."""
    return [m.span() for m in _graphemes().finditer(text, start, end)]


def _cluster_around(text: str, index: int) -> tuple[int, int]:
    """The grapheme cluster that contains ``text[index]``."""
    # Fast path for plain Latin text: characters below U+0300 (where combining marks begin)
    # neither extend nor get extended, so such a character between two others is its own cluster.
    # (Before it, only a ZWJ could join: U+200D is above the limit and takes the slow path.)
    if all(ord(text[i]) < 0x300 for i in range(max(0, index - 1), min(len(text), index + 2))):
        return index, index + 1
    # A line break is always a cluster boundary, so scanning from the line start (or a generous
    # window before ``index``) begins on a boundary without reading a 10 MB line from its start.
    window = max(0, index - _CLUSTER_WINDOW)
    scan_from = text.rfind("\n", window, index) + 1 or window
    for match in _graphemes().finditer(text, scan_from, min(len(text), index + _CLUSTER_WINDOW)):
        if match.end() > index:
            return match.start(), match.end()
    return index, index + 1


def grapheme_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) outward to whole grapheme clusters (emoji ZWJ sequences, accents)."""
    if 0 <= start < len(text):
        start = _cluster_around(text, start)[0]
    if 0 < end < len(text):
        cluster_start, cluster_end = _cluster_around(text, end - 1)
        end = cluster_end if cluster_start < end < cluster_end else end
    return start, end


def splits_grapheme(text: str, start: int, end: int) -> bool:
    return grapheme_bounds(text, start, end) != (start, end)


def snap(text: str, start: int, end: int) -> Span | None:
    """Turn a raw selection into a span: whole graphemes, no outer whitespace. None if empty."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    start, end = grapheme_bounds(text, start, end)
    while True:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            return None
        wide_start, wide_end = grapheme_bounds(text, start, end)
        if (wide_start, wide_end) == (start, end):
            return Span(start, end)
        # Trimming stopped inside a cluster that begins or ends with white space (a space carrying
        # a combining mark, a prepended mark glued to a space): drop that cluster whole, since
        # widening again would bring the white space back.
        if wide_start < start:
            start = _cluster_around(text, start)[1]
        if wide_end > end:
            end = _cluster_around(text, end - 1)[0]


def context(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The quote with its prefix and suffix, as stored beside every annotation."""
    return (
        text[max(0, start - CONTEXT_CHARS) : start],
        text[start:end],
        text[end : end + CONTEXT_CHARS],
    )
