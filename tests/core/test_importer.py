"""annotations.importer: files, folders, records; every refusal is one reason, the rest imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.importer import ImportReport, collect, import_paths, read_articles, sample_corpus
from annotations.store import Store
from annotations.text import TextError


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def titles(store: Store) -> list[str]:
    return [a.title for a in store.articles()]


def refused(report: ImportReport) -> dict[str, str]:
    return {Path(r.path).name: r.reason for r in report.refused}


def test_folder_is_walked_recursively(store: Store, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Alpha Article Title\nBody of alpha.")
    write(tmp_path / "sub" / "b.md", "# Beta Heading\n\nBody of beta.")
    write(tmp_path / "sub" / "deeper" / "c.jsonl", json.dumps({"text": "Gamma body.", "title": "Gamma"}))
    write(tmp_path / "sub" / "d.json", json.dumps([{"text": "Delta body.", "title": "Delta"}]))
    write(tmp_path / ".hidden.txt", "Hidden File Title\nshould not be read")
    write(tmp_path / ".git" / "x.txt", "Inside Hidden Folder\nshould not be read")
    write(tmp_path / "sub" / ".also-hidden" / "y.md", "Hidden Too\nno")
    write(tmp_path / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(tmp_path / "script.py", "print('Not An Article Here')\n")
    write(tmp_path / "notes.csv", "Comma Separated Values,here\n")

    report = import_paths(store, [tmp_path])
    assert report.ok, report.refused
    assert sorted(titles(store)) == ["Alpha Article Title", "Beta Heading", "Delta", "Gamma"]
    assert report.already_present == []
    assert len(report.added) == 4


def test_collect_is_in_name_order_and_explicit_files_keep_any_suffix(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "x")
    write(tmp_path / "a.txt", "x")
    write(tmp_path / "c" / "a.md", "x")
    odd = write(tmp_path / "README", "Readme Title Here\ntext")
    found = list(collect([tmp_path, odd, tmp_path / "missing.txt"]))
    names = [str(p.relative_to(tmp_path)) for p in found[:-2]]
    assert names == ["a.txt", "b.txt", "c/a.md"]
    assert found[-2] == odd
    assert str(found[-1]).endswith("missing.txt: no such file or folder")


def test_explicit_file_without_known_suffix_imports_as_text(store: Store, tmp_path: Path) -> None:
    odd = write(tmp_path / "README", "Readme Title Here\ntext")
    assert import_paths(store, [odd]).ok
    assert titles(store) == ["Readme Title Here"]


def test_jsonl_records_with_text_title_id_meta(store: Store, tmp_path: Path) -> None:
    records = [
        {"text": "First record text.\r\nSecond line.", "title": "First", "id": "r-1", "meta": {"lang": "en"}},
        {"text": "Untitled Record Heading\nBody here.", "id": 7},
        {"text": "Café\u2028with a line separator inside the JSON string.", "title": "LS"},
    ]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records[:2]) + "\n\n"
    body += json.dumps(records[2], ensure_ascii=False) + "\n"  # a raw U+2028 inside a string
    path = write(tmp_path / "data.jsonl", body)
    report = import_paths(store, [path])
    assert report.ok, report.refused
    assert titles(store) == ["First", "Untitled Record Heading", "LS"]
    first = store.article("r-1")
    assert first.text == "First record text.\nSecond line."
    assert first.meta == {"lang": "en"}
    assert first.source == f"{path}#1"
    assert store.article("7").source == f"{path}#2"
    third = store.articles()[2]
    assert store.article(third.id).text == "Café\nwith a line separator inside the JSON string."
    assert third.source == f"{path}#4"  # line numbers count the blank line


def test_json_file_with_a_list_or_one_object(store: Store, tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", json.dumps({"text": "Single object.", "title": "Solo", "meta": {"a": [1]}}))
    many = write(tmp_path / "many.json", json.dumps([{"text": "List A."}, {"text": "List B.", "id": "b"}]))
    report = import_paths(store, [one, many])
    assert report.ok, report.refused
    assert len(report.added) == 3
    assert store.article("b").source == f"{many}#2"
    solo = next(a for a in store.articles() if a.title == "Solo")
    assert store.article(solo.id).meta == {"a": [1]}


def test_json_and_jsonl_with_utf8_bom(store: Store, tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    a = write(tmp_path / "a.jsonl", bom + json.dumps({"text": "JSONL with a BOM."}).encode() + b"\r\n")
    b = write(tmp_path / "b.json", bom + json.dumps([{"text": "JSON with a BOM."}]).encode())
    report = import_paths(store, [a, b])
    assert report.ok, report.refused
    assert len(report.added) == 2


def test_nul_inside_a_json_string_becomes_replacement_character(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "nul.jsonl", '{"text": "before\\u0000after", "id": "n"}\n')
    assert import_paths(store, [path]).ok
    assert store.article("n").text == "before\ufffdafter"


def test_malformed_jsonl_line_refuses_the_whole_file(store: Store, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.jsonl",
        json.dumps({"text": "Good line one."}) + "\n" + json.dumps({"text": "Good line two."}) + "\n{oops\n",
    )
    good = write(tmp_path / "good.txt", "Good Text File\nbody")
    report = import_paths(store, [bad, good])
    assert refused(report) == {"bad.jsonl": refused(report)["bad.jsonl"]}
    assert "line 3" in refused(report)["bad.jsonl"]
    assert titles(store) == ["Good Text File"]  # nothing of bad.jsonl was written


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('"just a string"', "line 2 is not an object"),
        ('{"title": "no text"}', 'line 2 has no "text"'),
        ('{"text": "   "}', 'line 2 has no "text"'),
        ('{"text": "x", "title": 5}', '"title" must be a string'),
        ('{"text": "x", "id": ""}', '"id" must be'),
        ('{"text": "x", "id": [1]}', '"id" must be'),
        ('{"text": "x", "meta": [1]}', '"meta" must be an object'),
    ],
)
def test_bad_record_refuses_the_file(store: Store, tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path / "r.jsonl", json.dumps({"text": "Fine first record."}) + "\n" + line + "\n")
    report = import_paths(store, [path])
    assert len(report.refused) == 1 and reason in report.refused[0].reason
    assert store.articles() == []


def test_file_over_max_bytes_is_refused_with_the_limit(store: Store, tmp_path: Path) -> None:
    big = write(tmp_path / "big.txt", "Big File Title\n" + "x" * 2_000)
    small = write(tmp_path / "small.txt", "Small File Title\nok")
    report = import_paths(store, [big, small], max_bytes=1_000)
    reason = refused(report)["big.txt"]
    assert "limit" in reason
    assert "1,000 bytes" in reason or "0.001 MB" in reason, reason
    assert titles(store) == ["Small File Title"]


def test_size_limit_in_megabytes(tmp_path: Path) -> None:
    big = write(tmp_path / "big.txt", "x" * 2_100_000)
    with pytest.raises(TextError, match=r"2\.1 MB.*over the 2 MB limit"):
        read_articles(big, max_bytes=2_000_000)


def test_bad_files_refused_one_reason_each_good_files_import(store: Store, tmp_path: Path) -> None:
    write(tmp_path / "binary.txt", b"PK\x03\x04\x00\x00binary")
    write(tmp_path / "latin1.txt", "Caf\xe9 au lait, written in Latin-1\n".encode("latin-1"))
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "blank.md", " \n\t\n")
    write(tmp_path / "utf16.txt", "Hello".encode("utf-16"))
    write(tmp_path / "good.txt", "A Perfectly Good Article\nWith a body.")
    report = import_paths(store, [tmp_path])
    reasons = refused(report)
    assert sorted(reasons) == ["binary.txt", "blank.md", "empty.txt", "latin1.txt", "utf16.txt"]
    assert "binary" in reasons["binary.txt"] and "byte 4" in reasons["binary.txt"]
    assert "not UTF-8" in reasons["latin1.txt"] and "byte 3" in reasons["latin1.txt"]
    assert reasons["empty.txt"] == "is empty"
    assert "white space" in reasons["blank.md"]
    assert "UTF-16" in reasons["utf16.txt"]
    assert all("\n" not in r for r in reasons.values())
    assert len(report.refused) == 5  # one reason per file, never two
    assert titles(store) == ["A Perfectly Good Article"]
    assert not report.ok


def test_replace_invalid_imports_with_replacement_character(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.txt", "Caf\xe9 Society Meeting Notes\n".encode("latin-1"))
    report = import_paths(store, [path], replace_invalid=True)
    assert report.ok
    assert store.article(report.added[0].id).text == "Caf\ufffd Society Meeting Notes\n"


def test_duplicates_are_reported_as_already_present(store: Store, tmp_path: Path) -> None:
    write(tmp_path / "one.txt", "Same Article Title\nsame body")
    write(tmp_path / "two.txt", "Same Article Title\r\nsame body")  # same canonical text
    report = import_paths(store, [tmp_path])
    assert len(report.added) == 1 and len(report.already_present) == 1
    again = import_paths(store, [tmp_path])
    assert again.added == [] and len(again.already_present) == 2
    assert titles(store) == ["Same Article Title"]


def test_a_record_with_a_known_id_and_new_text_is_a_new_version(store: Store, tmp_path: Path) -> None:
    write(tmp_path / "a.jsonl", json.dumps({"text": "Original text.", "id": "doc"}))
    write(tmp_path / "b.jsonl", json.dumps({"text": "Different text.", "id": "doc"}))
    write(tmp_path / "c.txt", "Third Article Title\nbody")
    report = import_paths(store, [tmp_path])
    assert report.ok and [a.id for a, _counts in report.updated] == ["doc"]
    assert store.article("doc").text == "Different text."
    assert len(store.articles()) == 2


def test_missing_path_is_refused(store: Store, tmp_path: Path) -> None:
    report = import_paths(store, [tmp_path / "nope.txt"])
    assert refused(report) == {"nope.txt": "no such file or folder"}


def test_progress_is_reported(store: Store, seeds_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    import_paths(store, [seeds_dir], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 5) for n in range(1, 6)]


def test_sample_corpus_finds_the_seeds(store: Store, seeds_dir: Path, seed_titles: dict[str, str]) -> None:
    corpus = sample_corpus()
    assert corpus.resolve() == seeds_dir.resolve()
    report = import_paths(store, [corpus])
    assert report.ok and len(report.added) == 5
    assert titles(store) == [seed_titles[name] for name in sorted(seed_titles)]
    for summary in store.articles():
        assert summary.source and Path(summary.source).name in seed_titles


def test_a_file_is_recognised_by_its_absolute_path(store: Store, tmp_path: Path, monkeypatch) -> None:
    """a.txt in two folders is two articles (the second never replaces the first); the same file
    named relatively or absolutely is one article, whose new text is a new version."""
    for folder, body in (("mon", "Monday Report Title\nmonday body"), ("tue", "Tuesday Report Title\ntuesday body")):
        (tmp_path / folder).mkdir()
        write(tmp_path / folder / "a.txt", body)
    monkeypatch.chdir(tmp_path / "mon")
    assert len(import_paths(store, ["a.txt"]).added) == 1
    monkeypatch.chdir(tmp_path / "tue")
    report = import_paths(store, ["a.txt"])
    assert len(report.added) == 1 and report.updated == []
    assert sorted(titles(store)) == ["Monday Report Title", "Tuesday Report Title"]
    write(tmp_path / "tue" / "a.txt", "Tuesday Report Title\ntuesday body, corrected")
    again = import_paths(store, [tmp_path / "tue" / "a.txt"])
    assert again.added == [] and len(again.updated) == 1 and len(store.articles()) == 2
