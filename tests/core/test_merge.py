"""Merging other annotators' databases: idempotent, order-independent, conflicts kept and reported."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import schema
from annotations.merge import MergeError, conflict_id, merge
from annotations.model import ANNOTATION_COLUMNS
from annotations.store import Store
from annotations.text import sha256

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_spec = importlib.util.spec_from_file_location("make_schema_fixtures", FIXTURES / "make_schema_fixtures.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)

TEXT = "The minister said the tests would continue. Critics called it a provocation."


def _make(path: Path, annotator: str, build) -> Path:
    store = Store.open(path, annotator=annotator)
    try:
        build(store)
    finally:
        store.close()
    return path


def _dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("articles", "tags", "annotations", "events")}
    finally:
        conn.close()


def _annotations(path: Path):
    store = Store.open(path)
    try:
        return store.annotations(include_deleted=True)
    finally:
        store.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def here(tmp_path: Path):
    store = Store.open(tmp_path / "here.db", annotator="lead")
    yield store
    store.close()


def test_merge_brings_articles_annotations_tags_and_events(here: Store, tmp_path: Path) -> None:
    def build(store: Store) -> None:
        article = store.add_article(TEXT, "Wire", id="wire").article.id
        store.add_article("Another text entirely.", "Other", id="other")
        store.set_tags([*store.tags(), *[t for t in _tags("rumour")]])
        note = store.create(article, 4, 12, "claim", "who?")
        store.retag(note.id, "rumour")
        store.create(article, 44, 51, "opinion")

    other = _make(tmp_path / "bob.db", "bob", build)
    before = _digest(other)
    report = merge(here, other)
    assert _digest(other) == before  # read-only: not a byte written
    assert (report.articles_added, report.annotations_added, report.annotations_present) == (2, 2, 0)
    assert report.conflicts == [] and report.events_added == 3 and report.tags_added == ["rumour"]
    assert here.annotations() == _annotations(other)
    assert {a.id for a in here.articles()} == {"wire", "other"}
    rumour = next(t for t in here.tags() if t.name == "rumour")
    assert (rumour.key, rumour.definition) == (5, "gossip")
    assert sorted(e["action"] for n in here.annotations() for e in here.history(n.id)) == ["create", "create", "retag"]


def _tags(*names: str):
    from annotations.tags import Tag

    return [Tag(name, None, "#123456", "gossip") for name in names]


def test_merging_twice_changes_nothing(here: Store, tmp_path: Path) -> None:
    def build(store: Store) -> None:
        article = store.add_article(TEXT, "Wire").article.id
        first = store.create(article, 4, 12, "claim")
        store.create(article, 44, 51, "opinion")
        store.undo()
        store.redo()
        store.delete(first.id)

    other = _make(tmp_path / "bob.db", "bob", build)
    here.add_article("A local article.", "Local")
    merge(here, other)
    once = _dump(here.path)
    again = merge(here, other)
    assert _dump(here.path) == once
    assert (again.articles_added, again.annotations_added, again.events_added, again.conflicts) == (0, 0, 0, [])
    assert (again.articles_present, again.annotations_present) == (1, 2)


def test_a_conflict_keeps_both_versions_and_is_reported(here: Store, tmp_path: Path) -> None:
    alice = _make(tmp_path / "alice.db", "alice", lambda s: s.create(s.add_article(TEXT, "Wire").article.id, 4, 12,
                                                                       "claim", "first"))
    bob = tmp_path / "bob.db"
    shutil.copyfile(alice, bob)
    original = _annotations(alice)[0]
    _make(alice, "alice", lambda s: s.retag(original.id, "opinion"))
    _make(bob, "bob", lambda s: s.set_note(original.id, "bob disagrees"))

    merge(here, alice)
    report = merge(here, bob)
    [conflict] = report.conflicts
    assert conflict.annotation_id == original.id and not conflict.deleted
    assert report.annotations_added == 1 and report.annotations_present == 0
    local = here.annotation(original.id)
    assert (local.tag, local.note) == ("opinion", "first")  # untouched
    copy = here.annotation(conflict.kept_as)
    assert (copy.tag, copy.note, copy.quote, copy.annotator, copy.created) == (
        "claim", "bob disagrees", original.quote, "alice", original.created)
    assert conflict.kept_as == conflict_id(original.id, (sha256(TEXT), "claim", original.quote, "bob disagrees",
                                                         "alice", original.created, False))
    # The copy's history is what made it differ; the shared creation stays with the original.
    assert [e["action"] for e in here.history(copy.id)] == ["note"]
    assert [e["action"] for e in here.history(original.id)] == ["create", "retag"]
    assert json.loads(here.history(copy.id)[0]["before"])["id"] == copy.id

    dumped = _dump(here.path)
    again = merge(here, bob)
    assert again.conflicts == [] and again.annotations_present == 1
    assert _dump(here.path) == dumped


def test_a_merged_conflict_copy_is_not_kept_twice(tmp_path: Path) -> None:
    """A database that already holds a conflict copy, merged with one holding that version under
    its original id, in either order, keeps each version once."""
    alice = _make(tmp_path / "alice.db", "alice", lambda s: s.create(s.add_article(TEXT, "Wire").article.id, 4, 12,
                                                                       "claim"))
    bob = tmp_path / "bob.db"
    shutil.copyfile(alice, bob)
    original = _annotations(alice)[0]
    _make(alice, "alice", lambda s: s.retag(original.id, "opinion"))
    _make(bob, "bob", lambda s: s.retag(original.id, "quote"))  # both changed it: a conflict
    both = _make(tmp_path / "both.db", "lead", lambda s: (merge(s, alice), merge(s, bob)))

    for number, order in enumerate(((both, bob, alice), (bob, both, alice), (alice, bob, both))):
        target = tmp_path / f"fresh{number}.db"
        with_store = Store.open(target, annotator="lead")
        for path in order:
            merge(with_store, path)
        assert sorted(n.tag for n in with_store.annotations()) == ["opinion", "quote"], order
        with_store.close()


def test_a_change_made_on_one_side_only_is_brought_in_not_a_conflict(here: Store, tmp_path: Path) -> None:
    """bob's database, merged, then changed by bob alone (retag, note, delete) and merged again:
    the newer versions replace the older ones here, with their events; no conflict, no copy."""
    def build(store: Store) -> None:
        article = store.add_article(TEXT, "Wire").article.id
        store.create(article, 4, 12, "claim")
        store.create(article, 44, 51, "opinion")
        store.create(article, 0, 3, "quote")

    bob = _make(tmp_path / "bob.db", "bob", build)
    merge(here, bob)
    older = tmp_path / "older.db"
    shutil.copyfile(bob, older)  # bob's database as it stood at the first merge
    first, second, third = sorted(_annotations(bob), key=lambda n: n.start)
    _make(bob, "bob", lambda s: (s.retag(first.id, "claim"), s.set_note(second.id, "sure?"), s.delete(third.id)))

    report = merge(here, bob)
    assert report.conflicts == [] and (report.annotations_updated, report.annotations_added) == (3, 0)
    assert report.events_added == 3
    assert {n.id: (n.tag, n.note) for n in here.annotations()} == {first.id: ("claim", ""), second.id: ("claim", "sure?")}
    assert len(here.annotations(include_deleted=True)) == 3
    assert [e["action"] for e in here.history(first.id)] == ["create", "retag"]

    # This side is now ahead of bob's older copy and of bob's database itself: they add nothing.
    dumped = _dump(here.path)
    assert merge(here, older).annotations_present == 3
    assert merge(here, bob).annotations_present == 3
    assert _dump(here.path) == dumped
    assert Store(here.conn, annotator="bob").undo().id == third.id  # bob's undo walks the merged changes
    assert len(here.annotations()) == 3


def test_one_sided_changes_give_the_same_result_in_any_order(tmp_path: Path) -> None:
    base = _make(tmp_path / "base.db", "ann", lambda s: s.create(s.add_article(TEXT, "Wire").article.id, 4, 12,
                                                                   "claim"))
    later = tmp_path / "later.db"
    shutil.copyfile(base, later)
    note = _annotations(base)[0]
    _make(later, "ann", lambda s: (s.retag(note.id, "opinion"), s.set_note(note.id, "checked")))
    results = []
    for number, order in enumerate(((base, later), (later, base))):
        target = Store.open(tmp_path / f"out{number}.db", annotator="lead")
        for path in order:
            merge(target, path)
        results.append([(n.id, n.tag, n.note, n.version) for n in target.annotations(include_deleted=True)])
        assert [e["action"] for e in target.history(note.id)] == ["create", "retag", "note"]
        target.close()
    assert results[0] == results[1] == [(note.id, "opinion", "checked", 3)]


def test_an_article_whose_id_holds_another_text_here_comes_in_under_its_checksum(here: Store, tmp_path: Path) -> None:
    here.add_article("A different text under the same id.", "Local", id="wire")
    other = _make(tmp_path / "bob.db", "bob", lambda s: s.create(s.add_article(TEXT, "Wire", id="wire").article.id,
                                                                   4, 12, "claim"))
    report = merge(here, other)
    assert report.articles_added == 1
    fresh = sha256(TEXT)[:12]
    assert here.article(fresh).text == TEXT and here.article("wire").title == "Local"
    [note] = here.annotations(fresh)
    assert json.loads(here.history(note.id)[0]["after"])["article_id"] == fresh
    bob = Store(here.conn, annotator="bob")  # bob's undo works on the merged database
    assert bob.undo().id == note.id and here.annotations() == []


# --- the result does not depend on the order of merging -------------------------------------

TEXTS = ("Alpha beta gamma delta.", "Epsilon zeta eta theta.", "Iota kappa lambda mu.")
SPANS = ((0, 5), (6, 10), (0, 10))


def _note_id(k: int) -> str:
    return f"01943b2c-0000-7000-8000-{k:012d}"


annotation_versions = st.tuples(
    st.integers(0, 4),  # which shared annotation id
    st.integers(0, 2),  # which of the database's articles
    st.sampled_from(SPANS),
    st.sampled_from(("claim", "opinion", "quote")),
    st.sampled_from(("", "hm")),
    st.sampled_from(("ann", "bea")),
    st.booleans(),  # deleted
)
databases = st.lists(  # a database: its articles (a text and an id for it), and its annotations
    st.tuples(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(("a", "b"))), min_size=1, max_size=3),
              st.lists(annotation_versions, max_size=5)),
    min_size=3, max_size=3,
)


def _build(path: Path, articles: list[tuple[int, str]], versions: list[tuple]) -> set[tuple]:
    """Write a database by SQL (ids chosen by the test); return its annotations' (id, content)."""
    store = Store.open(path)
    placed: list[tuple[str, str]] = []  # (article id, text)
    contents: set[tuple] = set()
    with store.transaction() as conn:
        for text_index, article_id in articles:
            text = TEXTS[text_index]
            if conn.execute("SELECT 1 FROM articles WHERE sha256 = ? OR id = ?", (sha256(text), article_id)).fetchone():
                continue
            conn.execute("INSERT INTO articles(id, title, text, sha256, imported, length) VALUES (?, ?, ?, ?, ?, ?)",
                         (article_id, article_id, text, sha256(text), "2025-01-01T00:00:00.000Z", len(text)))
            placed.append((article_id, text))
        seen = set()
        for k, which, (start, end), tag, note, annotator, deleted in versions:
            if k in seen:
                continue
            seen.add(k)
            article_id, text = placed[which % len(placed)]
            row = (_note_id(k), article_id, start, end, tag, text[start:end], "", text[end:end + 32], note, annotator,
                   "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z", 1,
                   "2025-01-02T00:00:00.000Z" if deleted else None, "exact")
            conn.execute(f"INSERT INTO annotations({', '.join(repr(c) for c in ANNOTATION_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(ANNOTATION_COLUMNS))})", row)
            conn.execute("INSERT INTO events(id, at, annotator, action, annotation_id, after, kind, depth) "
                         "VALUES (?, ?, ?, 'create', ?, '{}', 'do', 1)",
                         (str(uuid.uuid4()), row[10], annotator, row[0]))
            contents.add((row[0], _content(sha256(text), tag, text[start:end], note, annotator, deleted)))
    store.close()
    return contents


def _content(*fields) -> tuple:
    return fields


def _result(path: Path) -> tuple[set[str], Counter, set[str]]:
    conn = sqlite3.connect(path)
    try:
        articles = {row[0] for row in conn.execute("SELECT sha256 FROM articles")}
        notes = Counter(
            _content(digest, tag, quote, note, annotator, deleted is not None)
            for digest, tag, quote, note, annotator, deleted in conn.execute(
                'SELECT a.sha256, n.tag, n.quote, n.note, n.annotator, n.deleted '
                'FROM annotations n JOIN articles a ON a.id = n.article_id'))
        originals = {row[0] for row in conn.execute("SELECT id FROM annotations") if row[0][14] != "5"}
        return articles, notes, originals
    finally:
        conn.close()


@settings(max_examples=25)
@given(databases)
def test_merge_order_does_not_change_the_result(specs) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths, pairs = [], set()
        for number, (articles, notes) in enumerate(specs):
            path = Path(folder) / f"in{number}.db"
            pairs |= _build(path, articles, notes)
            paths.append(path)
        versions = Counter(content for _id, content in pairs)  # every distinct (id, content) once
        results = []
        for number, order in enumerate(itertools.permutations(paths)):
            if number % 2:  # three of the six orders keep the test fast
                continue
            target = Path(folder) / f"out{number}.db"
            store = Store.open(target, annotator="lead")
            for path in order:
                merge(store, path)
            store.close()
            results.append(_result(target))
        assert all(result == results[0] for result in results)
        assert results[0][1] == versions  # every version kept exactly once
        assert results[0][2] == {key[0] for key in _distinct_ids(paths)}


def _distinct_ids(paths: list[Path]) -> set[tuple[str]]:
    ids = set()
    for path in paths:
        conn = sqlite3.connect(path)
        ids |= set(conn.execute("SELECT id FROM annotations"))
        conn.close()
    return ids


# --- events ---------------------------------------------------------------------------------

def test_events_are_kept_with_their_targets(here: Store, tmp_path: Path) -> None:
    def build(store: Store) -> None:
        article = store.add_article(TEXT, "Wire").article.id
        note = store.create(article, 4, 12, "claim")
        store.retag(note.id, "quote")
        store.undo()
        store.redo()

    other = _make(tmp_path / "bob.db", "bob", build)
    here.create(here.add_article("Local text here.", "Local").article.id, 0, 5, "claim")
    merge(here, other)
    conn = sqlite3.connect(other)
    theirs = conn.execute("SELECT e.id, e.action, e.kind, e.depth, t.id FROM events e "
                          "LEFT JOIN events t ON t.seq = e.target ORDER BY e.seq").fetchall()
    conn.close()
    mine = here.conn.execute("SELECT e.id, e.action, e.kind, e.depth, t.id FROM events e "
                             "LEFT JOIN events t ON t.seq = e.target WHERE e.annotator = 'bob' "
                             "ORDER BY e.seq").fetchall()
    assert mine == theirs
    assert [row[2] for row in mine] == ["do", "do", "undo", "redo"]


def test_undo_after_merge_still_works_for_the_local_annotator(here: Store, tmp_path: Path) -> None:
    article = here.add_article(TEXT, "Wire").article.id
    first = here.create(article, 4, 12, "claim")
    second = here.create(article, 44, 51, "opinion")
    bob = _make(tmp_path / "bob.db", "bob", lambda s: s.create(s.add_article(TEXT, "Wire").article.id, 0, 3,
                                                                 "quote"))
    merge(here, bob)
    assert len(here.annotations()) == 3
    assert here.undo().id == second.id
    assert here.undo().id == first.id
    assert [n.annotator for n in here.annotations()] == ["bob"]
    assert here.redo().id == first.id
    # The same annotator's work from another database comes in on top of their stack here.
    elsewhere = _make(tmp_path / "lead-laptop.db", "lead",
                      lambda s: s.create(s.add_article(TEXT, "Wire").article.id, 13, 21, "claim"))
    merge(here, elsewhere)
    laptop = _annotations(elsewhere)[0]
    assert here.undo().id == laptop.id
    assert here.undo().id == first.id
    assert here.undo() is None
    assert here.redo().id == first.id


# --- old schemas, errors ----------------------------------------------------------------------

@pytest.mark.parametrize("version", maker.VERSIONS, ids=lambda v: f"v{v}")
def test_an_old_schema_database_merges_unchanged(here: Store, tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    shutil.copyfile(FIXTURES / f"schema-v{version}.db", path)
    before = _digest(path)
    report = merge(here, path)
    assert _digest(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version  # not migrated
    conn.close()
    assert report.articles_added == 3 and report.conflicts == []
    expected = maker.expected_annotations()
    assert report.annotations_added == len(expected) and report.events_added == len(maker.expected_events())
    got = {n.id: {c: getattr(n, c) for c in ANNOTATION_COLUMNS} for n in here.annotations(include_deleted=True)}
    assert got == expected
    assert here.mismatches() == []
    assert [e["id"] for e in maker.expected_events()] == [
        row[0] for row in here.conn.execute("SELECT id FROM events ORDER BY seq")]


def test_errors_name_the_file_and_leave_this_database_as_it_was(here: Store, tmp_path: Path) -> None:
    here.create(here.add_article(TEXT, "Wire").article.id, 0, 3, "claim")
    before = _dump(here.path)

    with pytest.raises(MergeError, match=r"missing\.db: no such file"):
        merge(here, tmp_path / "missing.db")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to be read as one " * 20)
    with pytest.raises(MergeError, match=r"notes\.txt: not a penmark database"):
        merge(here, text)
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t(x)")
    conn.close()
    with pytest.raises(MergeError, match=r"foreign\.db: not a penmark database"):
        merge(here, foreign)
    conn = sqlite3.connect(foreign)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with pytest.raises(MergeError, match=r"foreign\.db: not a penmark database \(no articles table\)"):
        merge(here, foreign)
    newer = tmp_path / "newer.db"
    shutil.copyfile(FIXTURES / "schema-v1.db", newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MergeError, match=rf"newer\.db: made by a newer penmark \(schema {schema.SCHEMA_VERSION + 1}"):
        merge(here, newer)

    # A failure half way (an annotation on an article its database lacks) writes nothing.
    broken = tmp_path / "broken.db"
    shutil.copyfile(FIXTURES / "schema-v4.db", broken)
    conn = sqlite3.connect(broken)  # foreign keys off: the damage goes in
    conn.execute("UPDATE annotations SET article_id = 'gone' WHERE id = ?", (maker.annotation_id("a7"),))
    conn.commit()
    conn.close()
    with pytest.raises(MergeError, match=r"broken\.db: annotation .* is on article 'gone'"):
        merge(here, broken)
    assert _dump(here.path) == before
