"""The `penmark` command line, end to end in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotations import __version__

REPO = Path(__file__).resolve().parents[2]


class Penmark:
    """Runs `python -m tui --db DB ...` with a fixed annotator and no inherited database."""

    def __init__(self, db: Path, home: Path) -> None:
        self.db = db
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PENMARK_")}
        # HOME and XDG dirs point into tmp so nothing touches the real user data folder.
        self.env.update(PENMARK_ANNOTATOR="cli-tester", HOME=str(home), XDG_DATA_HOME=str(home / "data"))

    def __call__(self, *args: str, db: Path | None = None, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tui", "--db", str(db or self.db), *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=60, check=False,
        )
        if check is not None:
            assert done.returncode == check, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def listed(self) -> list[dict]:
        return [json.loads(line) for line in self("list", "--json").stdout.splitlines()]


@pytest.fixture
def penmark(tmp_path: Path) -> Penmark:
    return Penmark(tmp_path / "p.db", tmp_path / "home")


def test_import_seeds_list_and_stats(penmark: Penmark, seeds_dir: Path, seed_titles: dict[str, str]) -> None:
    done = penmark("import", str(seeds_dir))
    assert done.stdout.strip() == "imported 5 articles"
    assert done.stderr == ""

    table = penmark("list").stdout.splitlines()
    assert len(table) == 6  # header + five rows
    assert table[0].split()[:2] == ["id", "status"]
    assert "claim" in table[0] and "call-to-action" in table[0] and table[0].rstrip().endswith("title")
    expected = [seed_titles[name] for name in sorted(seed_titles)]
    for line, title in zip(table[1:], expected, strict=True):
        assert line.rstrip().endswith(title)
        assert " new " in line

    rows = penmark.listed()
    assert [r["title"] for r in rows] == expected
    assert all(r["status"] == "new" and r["annotations"] == {} and r["length"] > 1000 for r in rows)
    assert [Path(r["source"]).name for r in rows] == sorted(seed_titles)

    stats = json.loads(penmark("stats", "--json").stdout)
    assert stats["articles"] == 5
    assert stats["annotations"] == 0
    assert stats["articles_by_status"] == {"new": 5, "in progress": 0, "done": 0}
    assert list(stats["annotations_by_tag"]) == ["claim", "opinion", "quote", "call-to-action"]

    again = penmark("import", str(seeds_dir))
    assert again.stdout.strip() == "imported 0 articles, 5 already present"
    assert len(penmark.listed()) == 5

    text_stats = penmark("stats").stdout
    assert "articles: 5" in text_stats


def test_bad_files_each_get_one_stderr_line(penmark: Penmark, tmp_path: Path) -> None:
    files = tmp_path / "in"
    files.mkdir()
    (files / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    (files / "invalid.txt").write_bytes("Na\xefve Latin-1 text\n".encode("latin-1"))
    (files / "empty.txt").write_bytes(b"")
    (files / "good.txt").write_text("A Good Article Title\nWith a body.\n", encoding="utf-8")
    paths = [files / n for n in ("binary.txt", "invalid.txt", "empty.txt", "good.txt")]

    done = penmark("import", *map(str, paths), check=1)
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    by_file = {name: next(line for line in lines if f"{name}:" in line) for name in ("binary.txt", "invalid.txt", "empty.txt")}
    assert "binary" in by_file["binary.txt"] and "NUL byte at byte 7" in by_file["binary.txt"]
    assert "not UTF-8" in by_file["invalid.txt"] and "at byte 2" in by_file["invalid.txt"]
    assert by_file["empty.txt"].endswith("empty.txt: is empty")
    assert all(line.startswith("penmark: ") and str(files) in line for line in lines)
    assert done.stdout.strip() == "imported 1 article, 3 refused"
    assert [r["title"] for r in penmark.listed()] == ["A Good Article Title"]


def test_replace_invalid_and_max_mb(penmark: Penmark, tmp_path: Path) -> None:
    bad = tmp_path / "invalid.txt"
    bad.write_bytes("Caf\xe9 Society Meeting\n".encode("latin-1"))
    big = tmp_path / "big.txt"
    big.write_text("Big Article Title\n" + "word " * 1000)
    done = penmark("import", str(big), "--max-mb", "0.001", check=1)
    assert done.stderr.count("\n") == 1 and "over the 1,000 bytes limit" in done.stderr
    penmark("import", str(bad), "--replace-invalid")
    assert [r["title"] for r in penmark.listed()] == ["Caf\ufffd Society Meeting"]


def test_version(penmark: Penmark) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--version"], cwd=REPO, env=penmark.env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"penmark {__version__}"


def test_tags_file_replaces_the_tag_set(penmark: Penmark, tmp_path: Path) -> None:
    shown = penmark("tags").stdout.splitlines()
    assert [line.split()[1] for line in shown] == ["claim", "opinion", "quote", "call-to-action"]

    toml = tmp_path / "team.toml"
    toml.write_text(
        '[[tag]]\nname = "fact"\nkey = 1\ncolour = "#112233"\ndefinition = "Checked."\n'
        '[[tag]]\nname = "spin"\nkey = 2\ncolour = "#445566"\n'
    )
    penmark("tags", str(toml))
    shown = penmark("tags").stdout.splitlines()
    assert [line.split()[:3] for line in shown] == [["1", "fact", "#112233"], ["2", "spin", "#445566"]]
    assert list(json.loads(penmark("stats", "--json").stdout)["annotations_by_tag"]) == ["fact", "spin"]

    broken = tmp_path / "broken.toml"
    broken.write_text('[[tag]]\nname = "x"\ncolour = "blue"\n')
    done = penmark("tags", str(broken), check=2)
    assert done.stderr.count("\n") == 1 and str(broken) in done.stderr and "#rrggbb" in done.stderr
    assert [line.split()[1] for line in penmark("tags").stdout.splitlines()] == ["fact", "spin"]


def test_check_on_healthy_and_drifted_db(penmark: Penmark, seeds_dir: Path) -> None:
    penmark("import", str(seeds_dir))
    from annotations.store import Store

    store = Store.open(penmark.db, annotator="t")
    article = store.articles()[0]
    note = store.create(article.id, 0, 11, "claim")
    store.close()
    done = penmark("check")
    assert done.stdout.strip() == "every annotation matches its text"

    conn = sqlite3.connect(penmark.db)
    conn.execute('UPDATE annotations SET start = 1, "end" = 12 WHERE id = ?', (note.id,))
    conn.commit()
    conn.close()
    done = penmark("check", check=1)
    assert note.id in done.stderr and "1 annotation(s) no longer match" in done.stdout


def test_db_in_missing_folder_is_one_line_and_exit_2(penmark: Penmark, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "p.db"
    for args in (["list"], ["stats"], ["import", str(tmp_path)]):
        done = penmark(*args, db=missing, check=2)
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith("penmark: ") and "does not exist" in done.stderr
        assert "Traceback" not in done.stderr
    assert not missing.parent.exists()


def test_newer_database_is_refused_by_the_cli(penmark: Penmark, tmp_path: Path) -> None:
    future = tmp_path / "future.db"
    conn = sqlite3.connect(future)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = future.read_bytes()
    done = penmark("list", db=future, check=2)
    assert done.stderr.count("\n") == 1 and "newer penmark" in done.stderr
    assert future.read_bytes() == before


def test_hostile_file_names_and_titles_are_shown_visibly(penmark: Penmark, tmp_path: Path) -> None:
    hostile = tmp_path / "evil\x1b]0;pwned\x07.txt"
    hostile.write_text("\x1b[31mRed Title Attack\x1b[0m here\nbody\n")
    penmark("import", str(hostile))
    table = penmark("list").stdout
    assert "\x1b" not in table and "␛[31mRed Title Attack" in table
    missing = tmp_path / "gone\x1b[2J.txt"
    done = penmark("import", str(missing), check=1)
    assert "\x1b" not in done.stderr and "gone␛[2J.txt: no such file or folder" in done.stderr


def test_list_piped_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    seeds = str(Path(__file__).resolve().parents[2] / "seeds")
    subprocess.run([sys.executable, "-m", "tui", "--db", db, "import", seeds], check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "tui", "--db", db, "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(1)
    proc.stdout.close()  # like `| head -c1`
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 0
    assert "Traceback" not in stderr


def test_search_finds_annotations_with_typos_and_prints_json(penmark: Penmark, seeds_dir: Path) -> None:
    penmark("import", str(seeds_dir))
    article = penmark.listed()[0]["id"]
    store = sqlite3.connect(penmark.db)
    text = store.execute("SELECT text FROM articles WHERE id = ?", (article,)).fetchone()[0]
    store.close()
    start = text.index("North Korea’s recent military parade")
    end = text.index("norms.", start) + len("norms.")
    from annotations.store import Store

    writer = Store.open(penmark.db, annotator="cli-tester")
    writer.create(article, start, end, "claim", note="parade coverage")
    writer.close()

    hits = [json.loads(line) for line in penmark("search", "hwasnog 20", "--json").stdout.splitlines()]
    assert len(hits) == 1
    hit = hits[0]
    assert (hit["article_id"], hit["start"], hit["end"], hit["tag"]) == (article, start, end, "claim")
    assert text[hit["start"] : hit["end"]] == hit["quote"]
    assert {"id", "title", "note", "annotator", "score"} <= hit.keys()

    plain = penmark("search", "tag:claim parade")
    assert "claim" in plain.stdout and "parade coverage" in plain.stdout

    nothing = penmark("search", "!!!")
    assert nothing.stdout == "" and "nothing to search" in nothing.stderr

    passages = [json.loads(line) for line in penmark("search", "--passages", "--json", "Stockholm").stdout.splitlines()]
    assert passages and all("Stockholm" in p["snippet"] for p in passages)


def _annotated(penmark: Penmark, seeds_dir: Path) -> str:
    """Seeds imported and two annotations made through the store; the first article's id."""
    penmark("import", str(seeds_dir))
    from annotations.store import Store

    store = Store.open(penmark.db, annotator="alice")
    try:
        article = store.articles()[0].id
        text = store.article(article).text
        start = text.index("North Korea")
        store.create(article, start, start + len("North Korea"), "claim", "=1+1")
        store.create(article, start, start + len("North"), "opinion")
    finally:
        store.close()
    return article


def test_export_to_stdout_file_and_refusing_to_overwrite(penmark: Penmark, seeds_dir: Path, tmp_path: Path) -> None:
    _annotated(penmark, seeds_dir)
    done = penmark("export", "--format", "doccano")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 5 and sum(len(line["label"]) for line in lines) == 2
    assert done.stderr.strip() == "penmark: exported 2 annotations of 5 articles as doccano to standard output"

    target = tmp_path / "out.csv"
    penmark("export", "--format", "csv", "-o", str(target), "--tag", "claim")
    assert target.read_text(encoding="utf-8").count("\n") == 2 and "'=1+1" in target.read_text(encoding="utf-8")
    before = target.read_bytes()
    again = penmark("export", "--format", "csv", "-o", str(target), check=2)
    assert again.stderr.strip() == f"penmark: {target}: already exists (use --force to replace it)"
    assert target.read_bytes() == before
    penmark("export", "--format", "csv", "-o", str(target), "--force")
    assert target.read_text(encoding="utf-8").count("\n") == 3

    conll = penmark("export", "--format", "conll", "--annotator", "alice", check=1)
    assert "left out annotation" in conll.stderr and "overlaps" in conll.stderr
    bad = penmark("export", "--format", "jsonl", "-o", str(tmp_path / "no" / "x.jsonl"), check=2)
    assert bad.stderr.count("\n") == 1 and "does not exist" in bad.stderr


def test_export_into_a_closed_pipe_stops_quietly_and_a_full_stdout_is_named(
    penmark: Penmark, seeds_dir: Path
) -> None:
    _annotated(penmark, seeds_dir)
    proc = subprocess.Popen([sys.executable, "-m", "tui", "--db", str(penmark.db), "export", "--format", "jsonl"],
                            cwd=REPO, env=penmark.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c100`
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 0 and stderr == ""
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "tui", "--db", str(penmark.db), "export", "--format", "jsonl"],
                              cwd=REPO, env=penmark.env, stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "penmark: standard output: cannot be written (No space left on device)\n"
    stdout = penmark("export", "--format", "doccano", "-o", "/dev/stdout")
    assert len(stdout.stdout.splitlines()) == 5 and "to /dev/stdout" in stdout.stderr


def test_import_a_dataset_with_its_annotations(penmark: Penmark, seeds_dir: Path, tmp_path: Path) -> None:
    article = _annotated(penmark, seeds_dir)
    target = tmp_path / "all.jsonl"
    penmark("export", "--format", "jsonl", "-o", str(target), "--article", article)
    other = tmp_path / "other.db"
    done = penmark("import", "--format", "jsonl", str(target), db=other)
    assert done.stdout.strip() == f"{target}: imported 2 annotations on 1 new article"
    rows = [json.loads(line) for line in penmark("list", "--json", db=other).stdout.splitlines()]
    assert [row["annotations"] for row in rows] == [{"claim": 1, "opinion": 1}]

    doccano = tmp_path / "d.jsonl"
    doccano.write_text(json.dumps({"text": "Alice met Bob.", "label": [[0, 5, "PER"]]}) + "\n", encoding="utf-8")
    done = penmark("import", "--format", "doccano", str(doccano), "--annotator", "bob", db=other)
    assert "added tags the file uses: PER" in done.stdout
    assert done.stdout.startswith(f"{doccano}: imported 1 annotation on 1 new article\n")
    one = penmark("export", "--format", "csv", "-o", str(tmp_path / "one.csv"), "--tag", "PER", db=other)
    assert one.stderr == f"penmark: exported 1 annotation of 1 article as csv to {tmp_path / 'one.csv'}\n"
    found = json.loads(penmark("search", "alice", "--json", db=other).stdout.splitlines()[0])
    assert (found["tag"], found["annotator"]) == ("PER", "bob")

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "abc", "label": [[0, 9, "claim"]]}\n', encoding="utf-8")
    failed = penmark("import", "--format", "doccano", str(broken), db=other, check=1)
    assert failed.stderr.strip() == f"penmark: {broken}: line 1 label 1: span 0-9 is outside the article (0-3)"


def test_backup_counts_are_plural_only_when_not_one(penmark: Penmark, tmp_path: Path) -> None:
    from annotations.store import Store

    store = Store.open(penmark.db)
    try:
        article = store.add_article("One sentence here.", "One").article.id
        store.create(article, 0, 3, "claim")
    finally:
        store.close()
    done = penmark("backup", str(tmp_path / "one.db"))
    assert ": 1 annotation of 1 article, schema " in done.stdout, done.stdout


def test_search_negated_tags_limits_and_distinct_short_ids(penmark: Penmark, tmp_path: Path) -> None:
    text = "Fishing fleets of the north sailed. The paparo birds crossed the Sea of Japan at dawn."
    labels = [[start, start + len(part), tag] for part, tag in
              [("Fishing fleets", "Evidence"), ("paparo birds", "My Label"), ("Sea of Japan", "claim")]
              if (start := text.index(part)) >= 0]
    records = tmp_path / "labelled.jsonl"
    records.write_text(json.dumps({"id": 1, "text": text, "label": labels}) + "\n", encoding="utf-8")
    penmark("import", "--format", "doccano", str(records))

    def tags(*query: str) -> list[str]:
        return sorted(json.loads(line)["tag"] for line in penmark("search", "--json", *query).stdout.splitlines())

    assert tags("tag:evidence") == tags("tag:Evidence") == ["Evidence"]
    assert tags('tag:"My Label"') == tags("tag:my_label") == ["My Label"]
    assert tags("-tag:claim") == tags("--", "-tag:claim") == ["Evidence", "My Label"]  # no argparse error
    assert tags("-tag:claim", "-tag:evidence", "--limit", "5") == ["My Label"]
    assert tags("birds", "-tag:claim") == ["My Label"]  # every word given is part of the query

    plain = penmark("search", "tag:evidence tag:my_label tag:claim").stdout
    short = re.findall(r", …([0-9a-f]{8})\)$", plain, re.MULTILINE)
    assert len(short) == 3 and len(set(short)) == 3  # made in the same millisecond, told apart all the same

    for limit in ("0", "-1"):
        refused = penmark("search", "birds", "--limit", limit, check=2)
        assert refused.stdout == "" and refused.stderr.count("\n") == 1 and "--limit" in refused.stderr
    assert "unrecognized arguments: --bogus" in penmark("search", "birds", "--bogus", check=2).stderr
    assert "unrecognized arguments: -x" in penmark("list", "-x", check=2).stderr
    assert "give a query" in penmark("search", check=2).stderr

    passages = [json.loads(line) for line in penmark("search", "--passages", "--json", "paparro").stdout.splitlines()]
    assert [p["start"] for p in passages] == [text.index("paparo")]
    passages = [json.loads(line) for line in penmark("search", "--passages", "--json", '"Sea of Japan"').stdout.splitlines()]
    assert [p["start"] for p in passages] == [text.index("Sea of Japan")]


def test_check_counts_annotations_waiting_for_review(penmark: Penmark, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Council votes\nThe council approved the bike lanes on Monday. Critics were absent.\n")
    penmark("import", str(article))
    from annotations.store import Store

    store = Store.open(penmark.db, annotator="t")
    (only,) = store.articles()
    body = "The council approved the bike lanes on Monday. Critics were absent."
    start = 14
    store.create(only.id, start, start + len("The council approved the bike lanes"), "claim")
    critics = start + body.index("Critics were absent")
    store.create(only.id, critics, critics + len("Critics were absent"), "opinion")
    store.close()
    article.write_text("Council votes\nThe council approved the new bike lanes on Monday.\n")
    penmark("import", str(article))
    done = penmark("check")  # fuzzy and orphaned annotations are not mismatches: exit 0
    lines = done.stdout.splitlines()
    assert lines[0] == "every annotation in place matches its text"
    assert re.fullmatch(r"2 wait for review .*\(1 fuzzy, 1 orphaned\): R in the reader lists them", lines[1])


def test_db_that_is_a_folder_is_named_with_the_reason(penmark: Penmark, tmp_path: Path) -> None:
    folder = tmp_path / "dbdir"
    folder.mkdir()
    done = penmark("list", db=folder, check=2)
    assert done.stderr == f"penmark: {folder}: is a folder, not a database file\n"
    assert "unable to open" not in done.stderr


def test_an_ambiguous_title_reference_is_refused_with_the_candidates(penmark: Penmark, seeds_dir: Path) -> None:
    penmark("import", str(seeds_dir))
    for args in (["read", "north"], ["export", "--format", "jsonl", "--article", "north korea"]):
        done = penmark(*args, check=2)
        assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
        assert "matches 5 articles equally" in done.stderr
        for listed in penmark.listed():
            assert listed["id"] in done.stderr  # every candidate's id
        assert "North Korea’s Missile Display Signals a…" in done.stderr  # and its title, short


def test_a_title_reference_one_article_matches_best_is_resolved(seeds_dir: Path) -> None:
    from annotations.importer import import_paths
    from annotations.store import Store
    from tui.cli import resolve_article

    store = Store.memory()
    import_paths(store, [seeds_dir])
    by_title = {a.title: a.id for a in store.articles()}
    for reference, title in [
        ("korea missile display", "North Korea’s Missile Display Signals a New Era of Global Instability"),
        ("latest north korea", "The Latest North Korea Missile Testing Raises Global Alarms"),
        ("cold war", "North Korea’s Nuclear Aspirations: A New Cold War Calculus"),
    ]:
        assert resolve_article(store, reference) == by_title[title], reference
    store.close()
