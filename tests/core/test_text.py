"""annotations.text: canonical text, decoding, titles and grapheme-safe spans."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import example, given
from hypothesis import strategies as st

from annotations.text import (
    TextError,
    canonicalize,
    decode,
    derive_title,
    grapheme_bounds,
    sha256,
    snap,
    splits_grapheme,
)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # man ZWJ woman ZWJ girl ZWJ boy: 7 code points, 1 cluster
CODER = "👩🏽\u200d💻"  # woman, skin tone, ZWJ, laptop: 4 code points, 1 cluster
THUMBS = "👍🏿"
FLAG = "🇺🇦"
E_COMBINING = "e\u0301"  # NFD é
ZALGO = "a\u0301\u0308\u0323"  # several marks on one base (no precomposed form for all)

# Interesting characters for the property tests, mixed with arbitrary ones.
SPECIALS = [
    FAMILY, CODER, THUMBS, FLAG, E_COMBINING, ZALGO, "\u0301", "\u200d", " ", "\t", "\n", "\r\n",
    "\r", "\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x00", "\ufeff", "漢字", "한국어", "ﬁ",
    "\u0600", "Å", "A\u030a", "\u1100\u1161\u11a8",
]
text_parts = st.one_of(st.sampled_from(SPECIALS), st.text(min_size=1, max_size=4))
texts = st.lists(text_parts, max_size=25).map("".join)

_CLUSTER = regex.compile(r"\X", regex.DOTALL)


def boundaries(text: str) -> set[int]:
    """Every grapheme-cluster boundary of ``text``, computed independently of the code under test."""
    found = {0, len(text)}
    found.update(m.end() for m in _CLUSTER.finditer(text))
    return found


# --- canonicalize -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\r\n\r\nb", "a\n\nb"),
        ("one\r\ntwo\rthree\nfour\r", "one\ntwo\nthree\nfour\n"),
        ("\r\r\n\n", "\n\n\n"),
    ],
)
def test_newlines_become_lf(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_bom_is_stripped() -> None:
    assert canonicalize("\ufeffHello") == "Hello"
    assert canonicalize(decode("\ufeffHi".encode())) == "Hi"
    # A U+FEFF inside the text is content (zero-width no-break space), not a byte-order mark.
    assert canonicalize("a\ufeffb") == "a\ufeffb"


def test_nfd_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "café naïve Ångström")
    assert nfd != "café naïve Ångström"
    out = canonicalize(nfd)
    assert out == "café naïve Ångström"
    assert unicodedata.is_normalized("NFC", out)


def test_emoji_and_combining_marks_kept_intact() -> None:
    text = f"{FAMILY} {CODER} {THUMBS} {FLAG} {ZALGO} x\u0303\u0304"
    out = canonicalize(text)
    assert FAMILY in out and CODER in out and THUMBS in out and FLAG in out
    assert unicodedata.normalize("NFC", ZALGO) in out
    assert "x\u0303\u0304" in out
    assert len(_CLUSTER.findall(out)) == len(_CLUSTER.findall(text))


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"])
def test_other_line_breaks_become_newline(brk: str) -> None:
    out = canonicalize(f"one{brk}two{brk}{brk}three")
    assert out == "one\ntwo\n\nthree"
    assert out.splitlines() == out.split("\n")


def test_nul_in_string_becomes_replacement_character() -> None:
    assert canonicalize("a\x00b") == "a\ufffdb"


def test_sha256_is_of_utf8_bytes() -> None:
    import hashlib

    assert sha256("café") == hashlib.sha256("café".encode()).hexdigest()


@given(texts)
@example("\ufeff\ufeff\ufeffa")
@example("\ufeff\ufeff")
def test_canonicalize_is_idempotent(text: str) -> None:
    once = canonicalize(text)
    assert canonicalize(once) == once


@given(texts)
def test_canonical_text_has_one_kind_of_line_break(text: str) -> None:
    out = canonicalize(text)
    assert "\r" not in out and "\x00" not in out
    lines = out.split("\n")
    if lines[-1] == "":  # splitlines() drops the empty piece after a final break
        lines.pop()
    assert out.splitlines() == lines
    assert unicodedata.is_normalized("NFC", out)
    assert not out.startswith("\ufeff")


# --- decode ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_decode_refuses_utf16(bom: bytes) -> None:
    data = bom + "hi".encode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be")
    with pytest.raises(TextError, match="UTF-16"):
        decode(data)


def test_decode_refuses_nul_as_binary_with_position() -> None:
    with pytest.raises(TextError, match=r"binary.*byte 5\b"):
        decode(b"hello\x00world")


def test_decode_invalid_utf8_names_byte_position() -> None:
    data = "héllo ".encode() + b"\xff rest"
    with pytest.raises(TextError) as info:
        decode(data)
    message = str(info.value)
    assert f"at byte {len('héllo '.encode())}" in message  # 7: é is two bytes
    assert "0xff" in message


def test_decode_truncated_sequence_position() -> None:
    with pytest.raises(TextError, match=r"at byte 3\b"):
        decode(b"abc\xe2\x82")  # a euro sign cut short


def test_decode_replace_invalid_gives_replacement_character() -> None:
    assert decode(b"ok \xff\xfe done", replace_invalid=True) == "ok \ufffd\ufffd done"


def test_decode_strips_utf8_bom() -> None:
    assert decode(b"\xef\xbb\xbf{}") == "{}"


def test_decode_plain_utf8() -> None:
    assert decode("naïve 👍".encode()) == "naïve 👍"


# --- derive_title --------------------------------------------------------------------------------

def test_seed_files_are_the_expected_ones(seeds_dir: Path, seed_titles: dict[str, str]) -> None:
    assert sorted(p.name for p in seeds_dir.iterdir()) == sorted(seed_titles)
    assert (seeds_dir / "003_a2286a40b96119be.txt").read_text().startswith("spot_imgspot_img")
    assert (seeds_dir / "004_ee41ed5013002d23.txt").read_text().startswith("Headline: ")


def test_derive_title_of_seeds(seeds_dir: Path, seed_titles: dict[str, str]) -> None:
    derived = {
        name: derive_title(canonicalize(decode((seeds_dir / name).read_bytes()))) for name in seed_titles
    }
    assert derived == seed_titles


def test_derive_title_markdown_heading() -> None:
    assert derive_title("# A Markdown Heading\n\nBody text follows here. It is long.") == "A Markdown Heading"
    assert derive_title("### Third level heading\ntext") == "Third level heading"


def test_derive_title_label() -> None:
    assert derive_title("Title: The Real Title Here\nBody.") == "The Real Title Here"


def test_derive_title_labelled_line_wins_over_junk_and_earlier_lines() -> None:
    assert derive_title("Share this article\nHeadline: City council approves new bike lanes\nBody.") \
        == "City council approves new bike lanes"
    # An explicit label beats an earlier unlabelled line that would pass for a headline.
    assert derive_title("Local news from the valley\nTitle: The Real Title Here\nBody.") == "The Real Title Here"
    assert derive_title("Breaking news today\n# Heading: One word label\nBody.") == "One word label"
    assert derive_title("Some lead line here\nTitle: Brexit\nBody.") == "Brexit"


def test_derive_title_skips_scraped_boilerplate() -> None:
    junk = ["Skip to main content", "We use cookies to improve your experience. Accept all?",
            "Accept all cookies", "Cookie policy and settings", "Photo: Jane Doe / Reuters",
            "Image: an aerial view of the city", "ADVERTISEMENT - scroll to continue", "Advertisement",
            "Sign up for our daily newsletter", "SUBSCRIBE TO OUR NEWSLETTER", "Share on Facebook",
            "Share this story", "Share", "Updated 3 March 2024, 10:15", "Listen to this article"]
    for line in junk:
        assert derive_title(f"{line}\nCity council approves new bike lanes\nBody.") \
            == "City council approves new bike lanes", line
    assert derive_title("\n".join(junk)) == "(untitled)"


@pytest.mark.parametrize("title", ["Share prices tumble as markets open", "Ad hoc committee meets again",
                                   "Advertising revenue falls at big papers", "Updated rules for elections",
                                   "Cookie Monster returns to Sesame Street", "Photo finish decides the race"])
def test_derive_title_keeps_headlines_that_begin_like_junk(title: str) -> None:
    assert derive_title(f"{title}\nBody text of the article.") == title


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", " \t \n "])
def test_derive_title_of_empty_text(text: str) -> None:
    assert derive_title(text) == "(untitled)"


def test_derive_title_of_one_long_sentence_is_clipped() -> None:
    text = "This is a very long opening sentence " * 20 + "."
    title = derive_title(text)
    assert title.endswith("…")
    assert len(title) <= 160
    assert text.startswith(title[:-1])


# --- spans ---------------------------------------------------------------------------------------


def test_grapheme_bounds_widens_inside_zwj_sequence() -> None:
    text = f"ab {FAMILY} cd"
    start = text.index(FAMILY)
    end = start + len(FAMILY)
    for inner in range(start + 1, end):
        assert grapheme_bounds(text, inner, end) == (start, end)
        assert grapheme_bounds(text, start, inner) == (start, end)
        assert splits_grapheme(text, inner, end)
    assert grapheme_bounds(text, start, end) == (start, end)
    assert not splits_grapheme(text, start, end)


def test_grapheme_bounds_keeps_combining_accent_with_base() -> None:
    text = "cafe\u0301 ok"  # not NFC on purpose: the accent is its own code point
    assert grapheme_bounds(text, 0, 4) == (0, 5)
    assert grapheme_bounds(text, 4, 5) == (3, 5)


def test_snap_trims_whitespace_and_empty_is_none() -> None:
    text = "  hello world  \n"
    span = snap(text, 0, len(text))
    assert span is not None and text[span.start : span.end] == "hello world"
    assert snap(text, 0, 2) is None
    assert snap(text, 5, 5) is None
    # reversed and out-of-range selections are normalised, not trusted
    assert snap(text, len(text) + 10, -3) == span


ZWJ_SEQUENCES = [FAMILY, CODER, "🏳\ufe0f\u200d🌈", "👩\u200d❤\ufe0f\u200d💋\u200d👨", THUMBS]
plain = st.text(alphabet="abc xyz", max_size=8)


@given(plain, st.sampled_from(ZWJ_SEQUENCES), plain, st.data())
def test_grapheme_bounds_widens_any_selection_inside_emoji(
    before: str, emoji: str, after: str, data: st.DataObject
) -> None:
    text = before + emoji + after
    lo, hi = len(before), len(before) + len(emoji)
    inner = data.draw(st.integers(lo + 1, hi - 1), label="inner")
    outer_end = data.draw(st.integers(inner + 1, len(text)), label="end")
    start, end = grapheme_bounds(text, inner, outer_end)
    assert start == lo and end >= hi
    outer_start = data.draw(st.integers(0, inner - 1), label="start")
    start, end = grapheme_bounds(text, outer_start, inner)
    assert end == hi and start <= outer_start


@given(texts, st.integers(-3, 120), st.integers(-3, 120))
@example("x \u0301y", 1, 4)  # whitespace that carries a combining mark
@example("a\u0600 b", 0, 3)  # a prepended mark glued to a trailing space
def test_snap_never_splits_a_cluster_nor_keeps_outer_whitespace(text: str, a: int, b: int) -> None:
    text = canonicalize(text)
    span = snap(text, a, b)
    if span is None:
        return
    assert 0 <= span.start < span.end <= len(text)
    edges = boundaries(text)
    assert span.start in edges and span.end in edges
    assert not splits_grapheme(text, span.start, span.end)
    assert not text[span.start].isspace()
    assert not text[span.end - 1].isspace()
    # the span lies within the selection widened to whole clusters
    lo, hi = grapheme_bounds(text, max(0, min(a, b)), min(len(text), max(a, b)))
    assert lo <= span.start and span.end <= hi
    # snapping is stable
    assert snap(text, span.start, span.end) == span


@given(texts, st.integers(0, 120), st.integers(0, 120))
def test_grapheme_bounds_lands_on_boundaries(text: str, a: int, b: int) -> None:
    text = canonicalize(text)
    a, b = sorted((min(a, len(text)), min(b, len(text))))
    start, end = grapheme_bounds(text, a, b)
    edges = boundaries(text)
    assert start in edges and end in edges
    assert start <= a and end >= b
