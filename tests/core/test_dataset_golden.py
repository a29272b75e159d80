"""Every export format, byte for byte, on a small corpus with what makes offsets drift (a ZWJ
emoji, a combining accent, CJK, a tab, CRLF input), quotes and newlines in notes and cells that
start with "=", against golden files in tests/fixtures/golden/; and properties of the round trips.

After a deliberate change of a format: PENMARK_UPDATE_GOLDEN=1 pytest tests/core/test_dataset_golden.py
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.datasets.export import FORMATS, SUFFIXES, export
from annotations.datasets.load import import_dataset
from annotations.store import Store
from annotations.text import canonicalize, snap

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
STAMP = "2026-01-02T03:04:05.000Z"
# The source as a file gives it: CRLF line ends and an NFD accent, made canonical on import.
TEXT = "Kim Jong-un 👨‍👩‍👧 said:\r\n\t“Cafe\u0301 talks are over,” 北京 replied.\r\n=SUM(A1) is not a formula."


def _span(quote: str, tag: str, number: int, note: str = "") -> dict:
    """An annotation of ``quote`` with offsets into the raw text, as another tool would write them."""
    start = TEXT.index(quote)
    return {"id": f"00000000-0000-7000-8000-{number:012d}", "start": start, "end": start + len(quote), "tag": tag,
            "note": note, "annotator": "golden", "created": STAMP, "updated": STAMP}


SOURCE = {
    "id": "golden-1", "title": "Golden: “quotes”, 北京 and =formulas", "imported": STAMP,
    "text": TEXT,
    "annotations": [
        _span("Kim Jong-un 👨‍👩‍👧 said", "claim", 1, 'a "quoted" note,\nover two lines'),
        _span("👨‍👩‍👧", "quote", 2),  # inside the claim: overlaps
        _span("“Cafe\u0301 talks are over,”", "quote", 3, "=HYPERLINK(\"x\")"),
        _span("北京", "opinion", 4),
        _span("=SUM(A1)", "call-to-action", 5, "@mention"),
    ],
}


@pytest.fixture
def golden_store(tmp_path: Path) -> Store:
    path = tmp_path / "source.jsonl"  # raw text and raw offsets: the import makes both canonical
    path.write_text(json.dumps(SOURCE, ensure_ascii=False) + "\n", encoding="utf-8")
    store = Store.memory(annotator="golden")
    import_dataset(store, "jsonl", path)
    return store


def _exported_bytes(store: Store, format: str, tmp_path: Path) -> dict[str, bytes]:
    """File name -> bytes of the export (a brat folder's files, or one file)."""
    if format == "brat":
        target = tmp_path / "golden.zip"
        export(store, "brat", target, force=True)
        with zipfile.ZipFile(target) as archive:
            return {f"brat/{name}": archive.read(name) for name in sorted(archive.namelist())}
    target = tmp_path / f"golden-{format}{SUFFIXES[format]}"
    export(store, format, target, force=True)
    return {f"{format}{target.suffix}": target.read_bytes()}  # doccano.jsonl, not doccano.doccano.jsonl


@pytest.mark.parametrize("format", list(FORMATS))
def test_every_format_matches_its_golden_file(golden_store: Store, tmp_path: Path, format: str) -> None:
    for name, content in _exported_bytes(golden_store, format, tmp_path).items():
        golden = GOLDEN / name
        if os.environ.get("PENMARK_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(content)
        assert golden.exists(), f"no golden file {golden}: run with PENMARK_UPDATE_GOLDEN=1 and review it"
        assert content == golden.read_bytes(), f"{name} differs from its golden file"


def test_the_golden_corpus_has_what_drifts_offsets(golden_store: Store) -> None:
    (article,) = golden_store.articles()
    text = golden_store.article(article.id).text
    assert "\r" not in text and "é" in text and "\t" in text and "北京" in text and "\u200d" in text
    for note in golden_store.annotations():
        assert text[note.start : note.end] == note.quote


# --- properties ------------------------------------------------------------------------------

PIECES = ["word", " ", "  ", "\n", "\r\n", "\t", "é", "e\u0301", "北京", "👨‍👩‍👧", "👍🏽", '"', ",", "=", "'"]
texts = st.lists(st.sampled_from(PIECES), min_size=3, max_size=30).map("".join).filter(lambda t: t.strip())


@st.composite
def corpora(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str, str]]]:
    text = canonicalize(draw(texts))
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        a, b = sorted(draw(st.tuples(st.integers(0, len(text)), st.integers(0, len(text)))))
        span = snap(text, a, b)
        if span is not None:
            spans.append((span.start, span.end, draw(st.sampled_from(["claim", "opinion", "quote"])),
                          draw(st.sampled_from(["", "=x", 'say "hi",\nthen']))))
    return text, spans


def _filled(text: str, spans: list[tuple[int, int, str, str]]) -> Store:
    store = Store.memory(annotator="prop")
    article = store.add_article(text, "t").article.id
    for start, end, tag, note in spans:
        store.create(article, start, end, tag, note)
    return store


def _spans(store: Store) -> list[tuple[str, int, int, str]]:
    texts = {a.id: store.article(a.id).text for a in store.articles()}
    return sorted((texts[n.article_id][n.start : n.end], n.start, n.end, n.tag) for n in store.annotations())


@given(corpora())
def test_jsonl_export_then_import_reproduces_the_database(tmp_path_factory, corpus) -> None:
    store = _filled(*corpus)
    target = tmp_path_factory.mktemp("jsonl") / "out.jsonl"
    export(store, "jsonl", target)
    copy = Store.memory()
    import_dataset(copy, "jsonl", target)
    assert copy.annotations() == store.annotations()
    assert [copy.article(a.id) for a in copy.articles()] == [store.article(a.id) for a in store.articles()]


@given(corpora(), st.sampled_from(["doccano", "spacy", "labelstudio", "brat"]))
def test_every_other_format_reimports_the_same_spans_and_tags(tmp_path_factory, corpus, format: str) -> None:
    store = _filled(*corpus)
    folder = tmp_path_factory.mktemp(format)
    target = folder / ("out.zip" if format == "brat" else f"out{SUFFIXES[format]}")
    export(store, format, target)
    copy = Store.memory()
    import_dataset(copy, format, target)
    # As sets: doccano and brat carry no ids, so twin annotations (same span, tag and annotator)
    # come back as one, by the import's documented rule.
    assert set(_spans(copy)) == set(_spans(store))


@given(corpora())
def test_exported_offsets_slice_to_the_quote(tmp_path_factory, corpus) -> None:
    text, _spans_ = corpus
    store = _filled(*corpus)
    folder = tmp_path_factory.mktemp("offsets")
    export(store, "w3c", folder / "w3c.jsonld")
    for item in json.loads((folder / "w3c.jsonld").read_text("utf-8")):
        quote, position = item["target"]["selector"]
        assert text[position["start"] : position["end"]] == quote["exact"]
    export(store, "labelstudio", folder / "ls.json")
    for task in json.loads((folder / "ls.json").read_text("utf-8")):
        for result in (r for a in task["annotations"] for r in a["result"]):
            assert task["data"]["text"][result["value"]["start"] : result["value"]["end"]] == result["value"]["text"]
    export(store, "doccano", folder / "d.jsonl")
    for line in (folder / "d.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        assert all(0 <= s < e <= len(record["text"]) for s, e, _tag in record["label"])
