"""annotations.datasets: every export format's shape, the round trips, the checks, the errors."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.datasets import export as export_module
from annotations.datasets.destination import DestinationError
from annotations.datasets.export import FORMATS, export
from annotations.datasets.incoming import DatasetError
from annotations.datasets.load import READERS, import_dataset
from annotations.datasets.records import Filters
from annotations.datasets.tokens import tokenize
from annotations.store import Store
from annotations.tags import Tag
from annotations.text import canonicalize, splits_grapheme
from tui.cli import DATASET_EXPORTS, DATASET_IMPORTS

# Emoji (a ZWJ family is 5 code points), an accent, two paragraphs: offsets must not drift.
TEXT = "Kim Jong-un 👨‍👩‍👧 said talks are over.\nThe café said “=SUM(A1)” was a joke. Critics disagreed."
OTHER = "Sanctions were tightened on Tuesday. Officials said more would follow."


def orjson_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def at(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


@pytest.fixture
def filled(store: Store) -> Store:
    first = store.add_article(TEXT, "Talks: [bold]over[/]").article.id
    second = store.add_article(OTHER, "Sanctions").article.id
    store.create(first, *at(TEXT, "Kim Jong-un 👨‍👩‍👧 said talks are over."), "claim", "=HYPERLINK(\"x\")")
    store.create(first, *at(TEXT, "talks are over"), "opinion")  # inside the claim: overlaps
    store.create(first, *at(TEXT, "“=SUM(A1)”"), "quote", "formula-looking")
    store.create(second, *at(OTHER, "Sanctions were tightened"), "claim")
    return store


def exported(store: Store, format: str, tmp_path: Path, **options) -> tuple[Path, export_module.ExportReport]:
    target = tmp_path / f"out-{format}{export_module.SUFFIXES[format] or '.d'}"
    return target, export(store, format, target, **options)


def spans_of(store: Store) -> set[tuple[str, int, int, str]]:
    texts = {a.id: store.article(a.id).text for a in store.articles()}
    return {(texts[n.article_id][n.start : n.end], n.start, n.end, n.tag) for n in store.annotations()}


def test_cli_and_core_name_the_same_formats() -> None:
    assert tuple(FORMATS) == DATASET_EXPORTS
    assert set(READERS) == set(DATASET_IMPORTS)


def test_jsonl_round_trip_is_lossless(filled: Store, tmp_path: Path) -> None:
    first, report = exported(filled, "jsonl", tmp_path)
    assert (report.articles, report.annotations, report.left_out) == (2, 4, [])
    copy = Store.memory(annotator="someone-else")
    result = import_dataset(copy, "jsonl", first)
    assert (result.articles_added, result.annotations_added) == (2, 4)
    assert copy.annotations() == filled.annotations()  # ids, times, annotators, notes, versions
    assert {a.id: copy.article(a.id) for a in copy.articles()} == {a.id: filled.article(a.id) for a in filled.articles()}
    second = tmp_path / "again.jsonl"
    export(copy, "jsonl", second)
    assert second.read_bytes() == first.read_bytes()


def test_jsonl_carries_the_tag_definitions_and_never_overwrites_a_tag_here(store: Store, tmp_path: Path) -> None:
    evidence = Tag("Evidence", 1, "#112233", "Backs a claim with a source.")
    claim = Tag("claim", 2, "#445566", "A claim, as this team defines it.")
    store.set_tags([evidence, claim, Tag("unused", 3, "#778899")])
    article = store.add_article(OTHER, "Sanctions").article.id
    store.create(article, *at(OTHER, "Sanctions"), "Evidence")
    store.create(article, *at(OTHER, "Officials said"), "claim")
    target = tmp_path / "tags.jsonl"
    export(store, "jsonl", target)
    assert [t["name"] for t in orjson_lines(target)[0]["tags"]] == ["Evidence", "claim"]  # the tags used

    fresh = Store.memory()
    fresh.set_tags([Tag("other", 9, "#000000")])
    report = import_dataset(fresh, "jsonl", target)
    assert (report.tags_added, report.tags_kept) == (["Evidence", "claim"], [])
    assert fresh.tags() == (Tag("other", 9, "#000000"), evidence, claim)

    default = Store.memory()  # has its own "claim" (key 1): kept as it is, and said so
    before = default.tags()
    report = import_dataset(default, "jsonl", target)
    assert (report.tags_added, report.tags_kept) == (["Evidence"], ["claim"])
    assert default.tags() == (*before, Tag("Evidence", 5, "#112233", "Backs a claim with a source."))


@pytest.mark.parametrize("format", ["doccano", "spacy", "labelstudio", "brat"])
def test_other_formats_round_trip_spans_and_tags(filled: Store, tmp_path: Path, format: str) -> None:
    target, _report = exported(filled, format, tmp_path)
    copy = Store.memory(annotator="importer")
    import_dataset(copy, format, target)
    assert spans_of(copy) == spans_of(filled)
    again = import_dataset(copy, format, target)  # importing twice duplicates nothing
    assert again.annotations_added == 0 and again.annotations_present == 4
    assert len(copy.annotations()) == 4


@pytest.mark.parametrize("format", ["doccano", "brat"])
def test_a_format_without_annotators_reimported_by_another_adds_nothing(
    filled: Store, tmp_path: Path, format: str
) -> None:
    """doccano and brat name no annotator: the same article, span and tag by anyone is present."""
    target, _report = exported(filled, format, tmp_path)
    filled.annotator = "root"
    again = import_dataset(filled, format, target)
    assert (again.annotations_added, again.annotations_present) == (0, 4)
    assert filled.stats()["annotations_by_annotator"] == {"tester": 4}


@pytest.mark.parametrize(("written", "read"), [("doccano", "spacy"), ("doccano", "jsonl"), ("spacy", "doccano"),
                                              ("jsonl", "doccano"), ("jsonl", "spacy")])
def test_a_file_in_another_format_is_refused_naming_it(filled: Store, tmp_path: Path, written: str, read: str) -> None:
    target, _report = exported(filled, written, tmp_path)
    copy = Store.memory()
    with pytest.raises(DatasetError, match=f"^{target}: line 1: looks like {written}, not {read} .*--format {written}$"):
        import_dataset(copy, read, target)
    assert copy.articles() == []


def test_doccano_meta_keeps_the_files_fields_not_penmarks_own(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "d.jsonl"
    line = {"text": "Alice met Bob.", "label": [[0, 5, "claim"]],
            "meta": {"title": "Met", "sha256": "0" * 64, "url": "https://example.org/a"}}
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    import_dataset(store, "doccano", source)
    (article,) = store.articles()
    assert (article.title, store.article(article.id).meta) == ("Met", {"url": "https://example.org/a"})


def test_w3c_round_trip_onto_the_same_text(filled: Store, tmp_path: Path) -> None:
    target, _report = exported(filled, "w3c", tmp_path)
    items = json.loads(target.read_text(encoding="utf-8"))
    claim = next(i for i in items if i["body"][0]["value"] == "claim" and "Kim" in i["target"]["selector"][0]["exact"])
    assert claim["@context"] == "http://www.w3.org/ns/anno.jsonld" and claim["motivation"] == "classifying"
    assert [b["purpose"] for b in claim["body"]] == ["classifying", "commenting"]
    position = claim["target"]["selector"][1]
    assert TEXT[position["start"] : position["end"]] == claim["target"]["selector"][0]["exact"]
    copy = Store.memory()
    with pytest.raises(DatasetError, match="import the article first"):
        import_dataset(copy, "w3c", target)
    copy.add_article(TEXT, "t")
    copy.add_article(OTHER, "t")
    import_dataset(copy, "w3c", target)
    assert copy.annotations() == [
        n.__class__(**{**{s: getattr(n, s) for s in n.__slots__}, "article_id": n.article_id})
        for n in filled.annotations()
    ]


def test_offsets_are_code_points_in_every_format(filled: Store, tmp_path: Path) -> None:
    claim = next(n for n in filled.annotations() if n.tag == "quote")
    assert TEXT[claim.start : claim.end] == "“=SUM(A1)”" and claim.start > TEXT.index("👨")  # after the emoji
    doccano = [json.loads(line) for line in exported(filled, "doccano", tmp_path)[0].read_text("utf-8").splitlines()]
    line = next(d for d in doccano if d["text"] == TEXT)
    assert [claim.start, claim.end, "quote"] in line["label"]
    assert line["label"] == sorted(line["label"])
    studio = json.loads(exported(filled, "labelstudio", tmp_path)[0].read_text("utf-8"))
    task = next(t for t in studio if t["data"]["text"] == TEXT)
    values = [r["value"] for a in task["annotations"] for r in a["result"]]
    assert {"start": claim.start, "end": claim.end, "text": "“=SUM(A1)”", "labels": ["quote"]} in values
    folder = exported(filled, "brat", tmp_path)[0]
    article_id = next(a.id for a in filled.articles() if a.title.startswith("Talks"))
    assert (folder / f"{article_id}.txt").read_text("utf-8") == TEXT
    ann = (folder / f"{article_id}.ann").read_text("utf-8").splitlines()
    assert f"quote {claim.start} {claim.end}\t“=SUM(A1)”" in "\n".join(ann)
    assert any(line.startswith("#") and "\tAnnotatorNotes T" in line and line.endswith("formula-looking") for line in ann)
    assert "[entities]\nclaim\nopinion\nquote\n" in (folder / "annotation.conf").read_text("utf-8")


def test_spacy_export_loads_into_spacy_with_every_span(filled: Store, tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import Doc, DocBin, Span

    nlp = spacy.blank("en")
    target, _report = exported(filled, "spacy", tmp_path)
    docs = []
    total = 0
    for line in target.read_text("utf-8").splitlines():
        example = json.loads(line)
        assert example["answer"] == "accept"
        doc = Doc(nlp.vocab, words=[t["text"] for t in example["tokens"]], spaces=[t["ws"] for t in example["tokens"]])
        assert doc.text == example["text"]
        spans = []
        for span in example["spans"]:
            made = doc.char_span(span["start"], span["end"], label=span["label"])
            assert made is not None, span  # on token boundaries, never silently lost
            assert (made.start, made.end - 1) == (span["token_start"], span["token_end"])  # token_end inclusive
            assert made.text == example["text"][span["start"] : span["end"]]
            spans.append(made)
        doc.spans["sc"] = spans  # overlapping spans live in a span group
        total += len(spans)
        docs.append(doc)
    assert total == 4
    data = DocBin(docs=docs, store_user_data=True).to_bytes()
    back = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    assert sorted((s.text, s.label_) for d in back for s in d.spans["sc"]) == sorted(
        (s.text, s.label_) for d in docs for s in d.spans["sc"])
    assert all(isinstance(s, Span) for d in back for s in d.spans["sc"])


def test_csv_escapes_formulas_and_reads_back(filled: Store, tmp_path: Path) -> None:
    target, _report = exported(filled, "csv", tmp_path)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and set(rows[0]) >= {"article_id", "article_title", "start", "end", "tag", "quote", "note"}
    claim = next(r for r in rows if r["tag"] == "claim" and r["quote"].startswith("Kim"))
    assert claim["note"] == "'=HYPERLINK(\"x\")"  # shown as text, never run as a formula
    assert claim["article_title"] == "Talks: [bold]over[/]"
    quote = next(r for r in rows if r["tag"] == "quote")
    assert quote["quote"] == "“=SUM(A1)”" and quote["note"] == "formula-looking"  # not at the start: untouched
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_conll_is_iob2_and_reports_the_overlap_it_drops(filled: Store, tmp_path: Path) -> None:
    target, report = exported(filled, "conll", tmp_path)
    assert len(report.left_out) == 1 and "opinion" in report.left_out[0] and "overlaps" in report.left_out[0]
    assert report.annotations == 3  # written, not selected
    lines = target.read_text("utf-8").split("\n")
    pairs = [line.split("\t") for line in lines if line and not line.startswith("-DOCSTART-")]
    kim = pairs.index(["Kim", "B-claim"])
    assert pairs[kim : kim + 4] == [["Kim", "B-claim"], ["Jong", "I-claim"], ["-", "I-claim"], ["un", "I-claim"]]
    previous = "O"
    for token, label in pairs:
        assert token.strip() == token and token
        if label.startswith("I-"):  # IOB2: an inside tag always continues the same tag
            assert previous[2:] == label[2:]
        previous = label
    assert ["“", "B-quote"] in pairs and ["”", "I-quote"] in pairs
    assert "" in lines  # sentences end with a blank line


def test_stale_annotations_are_reported_not_exported(filled: Store, tmp_path: Path) -> None:
    victim = next(n for n in filled.annotations() if n.tag == "quote")
    with filled.transaction() as conn:  # the quote no longer matches the text at its offsets
        conn.execute("UPDATE annotations SET start = start + 1 WHERE id = ?", (victim.id,))
    for format in ("jsonl", "csv", "w3c"):
        _target, report = exported(filled, format, tmp_path, force=True)
        assert report.annotations == 3 and len(report.left_out) == 1
        assert victim.id in report.left_out[0] and "stale" in report.left_out[0]


def test_filters_select_tags_annotators_and_articles(filled: Store, tmp_path: Path) -> None:
    first = next(a.id for a in filled.articles() if a.title.startswith("Talks"))
    assert export(filled, "csv", tmp_path / "a.csv", filters=Filters(tags=("claim",))).annotations == 2
    assert export(filled, "csv", tmp_path / "b.csv", filters=Filters(articles=(first,))).annotations == 3
    report = export(filled, "jsonl", tmp_path / "c.jsonl", filters=Filters(annotators=("tester",)))
    assert (report.articles, report.annotations) == (2, 4)
    with pytest.raises(DatasetError, match="no annotations by 'nobody' \\(annotators here: tester\\)"):
        export(filled, "jsonl", tmp_path / "e.jsonl", filters=Filters(annotators=("nobody",)))
    # As search's tag: and by: do, case is ignored (and _ stands for a space in a tag).
    filled.set_tags([*filled.tags(), Tag("Call to Action", None, "#112233")])
    filled.create(first, *at(TEXT, "The café"), "Call to Action")
    assert export(filled, "csv", tmp_path / "f.csv", filters=Filters(tags=("CLAIM", "call_TO_action"))).annotations == 3
    assert export(filled, "csv", tmp_path / "g.csv", filters=Filters(annotators=("TESTER",))).annotations == 5
    with pytest.raises(DatasetError, match="unknown tag 'nope'"):
        export(filled, "csv", tmp_path / "d.csv", filters=Filters(tags=("nope",)))


def test_an_existing_target_is_kept_unless_forced(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(DestinationError, match="already exists"):
        export(filled, "jsonl", target)
    assert target.read_text(encoding="utf-8") == "precious"
    export(filled, "jsonl", target, force=True)
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private temporary
    with pytest.raises(DestinationError, match="does not exist"):
        export(filled, "jsonl", tmp_path / "missing" / "out.jsonl")


def test_special_files_are_written_in_place_never_replaced(filled: Store, tmp_path: Path) -> None:
    """A FIFO (like /dev/fd/63 of `-o >(gzip ...)`) or a device is streamed to, even with force."""
    import threading

    fifo = tmp_path / "pipe"
    for force in (False, True):
        os.mkfifo(fifo) if not fifo.exists() else None
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
        reader.start()
        report = export(filled, "doccano", fifo, force=force)
        reader.join(10)
        assert report.annotations == 4 and len(got[0].splitlines()) == 2
        assert fifo.is_fifo()  # still the FIFO, not a file renamed over it
    assert export(filled, "csv", "/dev/null").annotations == 4
    assert Path("/dev/null").is_char_device()
    assert not list(tmp_path.glob(".*.part")) and not list(Path("/dev").glob(".null.*"))


def test_a_file_where_the_folder_should_be_is_named_so(filled: Store, tmp_path: Path) -> None:
    (tmp_path / "ex2.csv").write_text("a file", encoding="utf-8")
    with pytest.raises(DestinationError, match="ex2.csv is not a folder"):
        export(filled, "csv", tmp_path / "ex2.csv" / "x.csv")


def test_writing_standard_output_fails_by_name_and_a_closed_pipe_propagates(filled: Store, monkeypatch) -> None:
    class Full(io.BytesIO):
        def __init__(self, error: OSError) -> None:
            super().__init__()
            self.error = error

        def write(self, data) -> int:
            raise self.error

    class Stdout:
        buffer: io.BytesIO

    for target in (None, "-"):
        monkeypatch.setattr("sys.stdout", Stdout())
        Stdout.buffer = Full(OSError(28, "No space left on device"))
        with pytest.raises(DestinationError, match="^standard output: cannot be written \\(No space left on device\\)$"):
            export(filled, "jsonl", target)
        Stdout.buffer = Full(BrokenPipeError(32, "Broken pipe"))
        with pytest.raises(BrokenPipeError):
            export(filled, "jsonl", target)


def test_a_failed_export_leaves_the_old_file_and_no_debris(filled: Store, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old", encoding="utf-8")

    def broken(records, out, tags=()) -> None:
        out.write(b"half a line")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.jsonl, "write", broken)
    with pytest.raises(DestinationError, match="No space left"):
        export(filled, "jsonl", target, force=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_the_brat_folder_is_an_ordinary_folder(filled: Store, tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    folder = exported(filled, "brat", tmp_path)[0]
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask  # 0755 under umask 022, not mkdtemp's 0700
    assert {f.stat().st_mode & 0o777 for f in folder.iterdir()} == {0o666 & ~umask}


def test_brat_zip_holds_the_same_files(filled: Store, tmp_path: Path) -> None:
    target = tmp_path / "corpus.zip"
    export(filled, "brat", target)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert "annotation.conf" in names and sum(n.endswith(".ann") for n in names) == 2
    copy = Store.memory()
    import_dataset(copy, "brat", target)
    assert spans_of(copy) == spans_of(filled)


def test_import_carries_crlf_and_nfd_offsets_to_the_canonical_text(store: Store, tmp_path: Path) -> None:
    raw = "Cafe\u0301 line one.\r\nThe claim is here.\r\n"  # NFD accent, CRLF: both change offsets
    start = raw.index("claim is here")
    path = tmp_path / "crlf.jsonl"
    path.write_text(json.dumps({"text": raw, "label": [[start, start + 13, "claim"]]}) + "\n", encoding="utf-8")
    import_dataset(store, "doccano", path)
    (note,) = store.annotations()
    assert note.quote == "claim is here"
    assert store.article(note.article_id).text == canonicalize(raw)


def test_import_errors_name_the_place_and_write_nothing(store: Store, tmp_path: Path) -> None:
    cases = {
        "bad json": "{\"text\": \"abc\"\n",
        "out of range": json.dumps({"text": "abc", "label": [[0, 9, "claim"]]}),
        "splits an emoji": json.dumps({"text": "a 👨‍👩‍👧 b", "label": [[2, 4, "claim"]]}),
        "empty span": json.dumps({"text": "abc", "label": [[1, 1, "claim"]]}),
        "not a triple": json.dumps({"text": "abc", "label": [[0, 1]]}),
        "no text": json.dumps({"label": []}),
    }
    expected = {"bad json": "not valid JSON", "out of range": "outside the article",
                "splits an emoji": "splits a character", "empty span": "is empty",
                "not a triple": "[start, end", "no text": "'text' must be a string"}
    for name, line in cases.items():
        path = tmp_path / f"{name}.jsonl"
        good = json.dumps({"text": "A fine first article.", "label": [[0, 6, "claim"]]})
        path.write_text(good + "\n" + line + "\n", encoding="utf-8")
        with pytest.raises(DatasetError) as caught:
            import_dataset(store, "doccano", path)
        message = str(caught.value)
        assert message.startswith(f"{path}: line 2") and expected[name] in message and "\n" not in message
        assert store.articles() == [] and store.annotations() == []  # nothing of the file was kept


def test_a_quote_that_does_not_match_is_refused(store: Store, tmp_path: Path) -> None:
    task = [{"data": {"text": "One two three."}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 4, "end": 7, "text": "six", "labels": ["claim"]}}]}]}]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    with pytest.raises(DatasetError, match="is 'two', not 'six'"):
        import_dataset(store, "labelstudio", path)


def test_unknown_labels_become_tags_and_annotators_come_from_the_file(store: Store, tmp_path: Path) -> None:
    lines = [
        {"text": "Alice met Bob in Paris.", "spans": [
            {"start": 0, "end": 5, "label": "PERSON", "annotator": "ann"},
            {"start": 17, "end": 22, "label": "Claim"},  # the same tag but for case
        ]},
    ]
    path = tmp_path / "prodigy.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    report = import_dataset(store, "spacy", path, annotator="fallback")
    assert report.tags_added == ["PERSON"] and "PERSON" in {t.name for t in store.tags()}
    assert sorted((n.quote, n.tag, n.annotator) for n in store.annotations()) == [
        ("Alice", "PERSON", "ann"), ("Paris", "claim", "fallback")]


def test_a_malformed_brat_line_is_one_error(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc.txt").write_text("Some words here.", encoding="utf-8")
    (folder / "doc.ann").write_text("T1\tclaim 0 4;5 10\tSome words\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"doc.ann line 1: discontinuous"):
        import_dataset(store, "brat", folder)
    assert store.articles() == []


grapheme_texts = st.lists(
    st.sampled_from(["a", "b", " ", "  ", "\n", ",", "é", "e\u0301", "👨‍👩‍👧", "\t", "-", "1"]), min_size=1, max_size=40
).map("".join)


@given(grapheme_texts, st.lists(st.tuples(st.integers(0, 60), st.integers(1, 60)), max_size=5))
def test_tokens_rebuild_the_text_and_hold_every_span(text: str, raw_spans: list[tuple[int, int]]) -> None:
    spans = [(a, b) for a, b in raw_spans if a < b <= len(text) and not splits_grapheme(text, a, b)]
    tokens = tokenize(text, spans)
    rebuilt = "".join(text[t.start : t.end] + (" " if t.ws else "") for t in tokens)
    assert rebuilt == text
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    for start, end in spans:
        assert start in starts and end in ends
    for token in tokens:
        assert not splits_grapheme(text, token.start, token.end)
        assert token.end > token.start


simple_texts = st.lists(  # no code point joins a cluster: the one-regex path
    st.sampled_from(["a", "Zb", " ", "  ", "\n", ",", "é", "’", "😀", "\t", "_", "1", "\u00a0", "\u2028", " \n "]),
    min_size=1, max_size=40,
).map("".join)


@given(simple_texts, st.lists(st.tuples(st.integers(0, 60), st.integers(1, 60)), max_size=6))
def test_the_fast_tokenizer_cuts_exactly_as_the_grapheme_one(text: str, raw_spans: list[tuple[int, int]]) -> None:
    """tokenize's one-pass path (texts without joining code points) gives the very tokens the
    per-cluster path gives, spans starting on a space or ending after one included."""
    from annotations.datasets.tokens import _by_clusters, _simple

    spans = [(a, b) for a, b in raw_spans if a < b <= len(text)]
    starts, ends = {a for a, _b in spans}, {b for _a, b in spans}
    assert _simple(text, starts, ends) == _by_clusters(text, starts, ends) == tokenize(text, spans)


def test_writers_stream_one_article_at_a_time(filled: Store, tmp_path: Path, monkeypatch) -> None:
    """No writer asks for the whole list: each sees an iterator it cannot index."""
    seen = []
    original = export_module._checked

    def spy(records, report, total, progress):
        for record in original(records, report, total, progress):
            seen.append(record.article.id)
            yield record

    monkeypatch.setattr(export_module, "_checked", spy)
    progress: list[tuple[int, int]] = []
    export(filled, "doccano", tmp_path / "x.jsonl", progress=lambda done, total: progress.append((done, total)))
    assert len(seen) == 2 and progress == [(1, 2), (2, 2)]


def test_export_reads_a_snapshot_on_its_own_connection(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "p.db", annotator="a")
    try:
        article = store.add_article(OTHER, "t").article.id
        store.create(article, *at(OTHER, "Sanctions"), "claim")
        report = export(store, "jsonl", tmp_path / "out.jsonl")
        assert report.annotations == 1
        store.create(article, *at(OTHER, "Officials"), "claim")  # the store is not left locked
    finally:
        store.close()
    assert sqlite3.connect(tmp_path / "p.db").execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_labelstudio_export_is_one_json_list(filled: Store, tmp_path: Path) -> None:
    data = json.loads(exported(filled, "labelstudio", tmp_path)[0].read_text("utf-8"))
    assert isinstance(data, list) and len(data) == 2
    result = data[0]["annotations"][0]["result"][0]
    assert {k: result[k] for k in ("from_name", "to_name", "type")} == {"from_name": "label", "to_name": "text", "type": "labels"}
    empty = Store.memory()
    assert json.loads(io.BytesIO().getvalue() or b"[]") == []
    export(empty, "labelstudio", tmp_path / "empty.json")
    assert json.loads((tmp_path / "empty.json").read_text("utf-8")) == []


def test_a_dataset_imported_as_plain_records_is_refused_not_stripped(filled: Store, tmp_path: Path) -> None:
    from annotations.importer import import_paths

    target, _report = exported(filled, "jsonl", tmp_path)
    copy = Store.memory()
    report = import_paths(copy, [target])
    assert [str(r) for r in report.refused] == [
        f"{target}: line 1 holds annotations ('annotations'); import it with --format jsonl"]
    assert copy.articles() == []


def test_two_annotations_alike_but_for_their_ids_both_round_trip(store: Store, tmp_path: Path) -> None:
    article = store.add_article(OTHER, "t").article.id
    store.create(article, *at(OTHER, "Sanctions"), "claim")
    store.create(article, *at(OTHER, "Sanctions"), "claim")  # the same span twice, on purpose
    target = tmp_path / "twins.jsonl"
    export(store, "jsonl", target)
    copy = Store.memory()
    assert import_dataset(copy, "jsonl", target).annotations_added == 2
    assert import_dataset(copy, "jsonl", target).annotations_present == 2  # by id: still no duplicates
    assert copy.annotations() == store.annotations()


def test_csv_cells_with_commas_quotes_and_newlines_read_back_exactly(store: Store, tmp_path: Path) -> None:
    text = 'He said "no, never",\nthen left. =1+2 stays text.'
    article = store.add_article(text, 'A "quoted", title').article.id
    store.create(article, *at(text, 'He said "no, never",\nthen left.'), "claim", 'a "note", with\r\nlines')
    store.create(article, *at(text, "=1+2"), "quote", "-minus")
    target, _report = exported(store, "csv", tmp_path)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["article_id", "article_title", "id", "start", "end", "tag", "quote", "note", "annotator",
                       "created", "updated"]
    by_tag = {row[5]: row for row in rows[1:]}
    assert by_tag["claim"][1] == 'A "quoted", title'
    assert by_tag["claim"][6:8] == ['He said "no, never",\nthen left.', 'a "note", with\r\nlines']
    assert by_tag["quote"][6:8] == ["'=1+2", "'-minus"]
    assert [int(by_tag["claim"][3]), int(by_tag["claim"][4])] == list(at(text, 'He said "no, never",\nthen left.'))


@pytest.mark.parametrize("format", ["jsonl", "brat"])
def test_a_killed_export_s_part_file_is_removed_by_the_next_export(filled: Store, tmp_path: Path, format: str) -> None:
    """Part files name host and process: the next export removes those of a process that is
    gone, and keeps those of one still running or of another machine."""
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    host = socket.gethostname()
    target = tmp_path / ("out.jsonl" if format == "jsonl" else "out")
    killed = tmp_path / f".{target.name}.{host}-{gone}.abc123.part"
    running = tmp_path / f".{target.name}.{host}-{os.getpid()}.def456.part"
    elsewhere = tmp_path / f".{target.name}.other-host-{gone}.ghi789.part"
    for part in (killed, running, elsewhere):
        part.write_bytes(b"half an export")
    export(filled, format, target)
    assert not killed.exists() and running.exists() and elsewhere.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == sorted(
        [running.name, elsewhere.name])  # and the export's own part is gone too
