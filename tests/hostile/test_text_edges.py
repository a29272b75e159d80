"""Mixed newlines, decomposed accents and emoji ZWJ sequences at the very edges of annotations:
offsets stay exact from the file, through the store, through a dataset export and import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.datasets.export import SUFFIXES, export
from annotations.datasets.load import import_dataset
from annotations.importer import import_paths
from annotations.store import Store

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points, one character on screen
assert len(FAMILY) == 7

# CR, LF and CRLF in one file, an NFD accent, and families at a line start, side by side and last.
RAW = (
    "Mixed Endings Title\r"
    "Cafe\u0301 au lait.\n"
    f"{FAMILY}family first.\r\n"
    f"Two {FAMILY}{FAMILY} here.\r"
    f"Ends with {FAMILY}"
)
CANONICAL = (
    "Mixed Endings Title\n"
    "Café au lait.\n"
    f"{FAMILY}family first.\n"
    f"Two {FAMILY}{FAMILY} here.\n"
    f"Ends with {FAMILY}"
)


def spans(store: Store) -> set[tuple[int, int, str, str]]:
    return {(n.start, n.end, n.quote, n.tag) for n in store.annotations()}


@pytest.fixture
def edged(store: Store, tmp_path: Path) -> tuple[Store, str, list[tuple[int, int]]]:
    """The raw file imported and annotated at every emoji edge; the article id and the spans."""
    path = tmp_path / "mixed.txt"
    path.write_bytes(RAW.encode("utf-8"))
    report = import_paths(store, [path])
    assert report.ok, report.refused
    article = report.added[0].id
    text = store.article(article).text
    assert text == CANONICAL
    first = text.index(FAMILY)
    pair = text.index(FAMILY + FAMILY)
    wanted = [
        (text.index("Café"), text.index("Café") + 4),  # the composed é is one code point
        (first, first + 7),  # exactly the family
        (first + 7, text.index("first.") + 6),  # starts right after it
        (first, text.index("first.") + 6),  # starts with it
        (text.index("Two"), pair + 7),  # ends right after the first of two
        (pair + 7, pair + 14),  # exactly the second of two, touching the first
        (pair, pair + 14),  # both
        (len(text) - 7, len(text)),  # the last characters of the article
    ]
    for number, (start, end) in enumerate(wanted):
        note = store.create(article, start, end, ("claim", "opinion", "quote")[number % 3], note=f"edge {number}")
        assert (note.start, note.end, note.quote) == (start, end, text[start:end])
    return store, article, wanted


def test_annotations_at_emoji_edges_keep_exact_offsets(edged: tuple[Store, str, list[tuple[int, int]]]) -> None:
    store, article, wanted = edged
    text = store.article(article).text
    assert sorted((n.start, n.end) for n in store.annotations()) == sorted(wanted)
    quotes = {n.quote for n in store.annotations()}
    assert {FAMILY, FAMILY + FAMILY, "family first.", "Café", f"Two {FAMILY}"} <= quotes
    assert all(text[n.start : n.end] == n.quote for n in store.annotations())
    assert store.mismatches() == []


def test_jsonl_round_trip_keeps_emoji_edges_exact(
    edged: tuple[Store, str, list[tuple[int, int]]], tmp_path: Path
) -> None:
    store, article, _wanted = edged
    target = tmp_path / "out.jsonl"
    report = export(store, "jsonl", target)
    assert (report.articles, report.annotations, report.left_out) == (1, 8, [])
    copy = Store.memory(annotator="copy")
    loaded = import_dataset(copy, "jsonl", target)
    assert (loaded.articles_added, loaded.annotations_added) == (1, 8)
    assert copy.article(article).text == CANONICAL
    assert copy.annotations() == store.annotations()  # offsets, quotes, context, notes, ids
    assert copy.mismatches() == []
    # The file itself holds code-point offsets that slice the exported text to each quote.
    (record,) = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == CANONICAL


@pytest.mark.parametrize("format", ["doccano", "labelstudio", "brat", "spacy"])
def test_other_formats_keep_emoji_edges_exact(
    edged: tuple[Store, str, list[tuple[int, int]]], tmp_path: Path, format: str
) -> None:
    store, _article, _wanted = edged
    target = tmp_path / f"out{SUFFIXES[format] or '.d'}"
    assert export(store, format, target).ok
    copy = Store.memory(annotator="copy")
    import_dataset(copy, format, target)
    assert spans(copy) == spans(store)


def test_dataset_offsets_into_raw_text_land_on_the_same_emoji(store: Store, tmp_path: Path) -> None:
    """A labeled file whose raw text has CR, CRLF and NFD before the spans: offsets counted in the
    raw text are carried to the canonical text, onto the same characters."""
    labels = []
    first = RAW.index(FAMILY)
    pair = RAW.index(FAMILY + FAMILY)
    for start, end in [
        (first, first + 7), (first + 7, RAW.index("first.") + 6), (pair + 7, pair + 14),
        (RAW.index("Cafe\u0301"), RAW.index("Cafe\u0301") + 5), (len(RAW) - 7, len(RAW)),
    ]:
        labels.append([start, end, "claim"])
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps({"text": RAW, "label": labels}) + "\n", encoding="utf-8")
    loaded = import_dataset(store, "doccano", path)
    assert loaded.annotations_added == 5
    (summary,) = store.articles()
    text = store.article(summary.id).text
    assert text == CANONICAL
    got = sorted((n.start, n.end, n.quote) for n in store.annotations())
    first_c, pair_c = CANONICAL.index(FAMILY), CANONICAL.index(FAMILY + FAMILY)
    assert got == sorted([
        (first_c, first_c + 7, FAMILY),
        (first_c + 7, CANONICAL.index("first.") + 6, "family first."),
        (pair_c + 7, pair_c + 14, FAMILY),
        (CANONICAL.index("Café"), CANONICAL.index("Café") + 4, "Café"),
        (len(CANONICAL) - 7, len(CANONICAL), FAMILY),
    ])
