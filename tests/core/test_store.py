"""annotations.store: durability, undo/redo, stale edits, refused spans, schema versions."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations import schema
from annotations.model import Annotation
from annotations.store import NewArticle, NotFoundError, SpanError, StaleEditError, Store, StoreError
from annotations.tags import DEFAULT_TAGS, Tag, TagSetError
from annotations.text import canonicalize, snap

SAMPLE_TEXT = (
    "Officials said the plan would cut costs by 40%.\n"
    "Critics called it reckless. “We must act now,” one wrote.\n"
    "Family: 👨\u200d👩\u200d👧\u200d👦 and a coder 👩🏽\u200d💻 in the café.\n"
)


def add(store: Store, text: str = SAMPLE_TEXT, title: str = "Sample") -> str:
    return store.add_article(text, title).article.id


def span_of(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def row(peek, annotation_id: str) -> dict:
    """One annotation as another connection sees it."""
    cols = ["tag", "note", "start", "end", "quote", "deleted", "version", "annotator"]
    columns = ", ".join(f'"{c}"' for c in cols)
    found = peek(f"SELECT {columns} FROM annotations WHERE id = ?", annotation_id)
    assert len(found) == 1
    return dict(zip(cols, found[0], strict=True))


# --- durability: every operation is visible to a second connection as soon as it returns ---------


def test_every_operation_is_committed_when_it_returns(file_store: Store, peek) -> None:
    s = file_store
    added = s.add_articles([NewArticle(SAMPLE_TEXT, "Sample", source="x.txt", meta={"k": "v"})])
    aid = added[0].article.id
    assert peek("SELECT id, title, source, text, meta FROM articles") == [
        (aid, "Sample", "x.txt", SAMPLE_TEXT, '{"k": "v"}')
    ]

    start, end = span_of(SAMPLE_TEXT, "cut costs by 40%")
    a = s.create(aid, start, end, "claim")
    assert row(peek, a.id) == {
        "tag": "claim", "note": "", "start": start, "end": end, "quote": "cut costs by 40%",
        "deleted": None, "version": 1, "annotator": "alice",
    }
    assert peek("SELECT action, kind FROM events") == [("create", "do")]

    s.retag(a.id, "opinion")
    assert row(peek, a.id)["tag"] == "opinion"

    s.set_note(a.id, "check the budget")
    assert row(peek, a.id)["note"] == "check the budget"

    start2, end2 = span_of(SAMPLE_TEXT, "costs by 40%")
    s.resize(a.id, start2, end2)
    seen = row(peek, a.id)
    assert (seen["start"], seen["end"], seen["quote"]) == (start2, end2, "costs by 40%")

    s.delete(a.id)
    assert row(peek, a.id)["deleted"] is not None

    s.undo()
    assert row(peek, a.id)["deleted"] is None

    s.redo()
    assert row(peek, a.id)["deleted"] is not None

    s.set_status(aid, "done")
    assert peek("SELECT status FROM articles WHERE id = ?", aid) == [("done",)]

    s.set_tags([*DEFAULT_TAGS, Tag("rumour", 5, "#123456", "Unverified.")])
    assert peek("SELECT name, key FROM tags WHERE name = 'rumour'") == [("rumour", 5)]

    assert [r[0] for r in peek("SELECT action FROM events ORDER BY seq")] == [
        "create", "retag", "note", "resize", "delete", "delete", "delete"
    ]
    assert [r[0] for r in peek("SELECT kind FROM events ORDER BY seq")] == [
        "do", "do", "do", "do", "do", "undo", "redo"
    ]


def test_data_version_changes_when_another_connection_writes(file_store: Store, db_path: Path) -> None:
    before = file_store.data_version()
    other = Store.open(db_path, annotator="bob")
    try:
        other.add_article("Another article entirely.", "Other")
    finally:
        other.close()
    assert file_store.data_version() != before
    assert [a.title for a in file_store.articles()] == ["Other"]


# --- undo and redo -----------------------------------------------------------------------------


def test_undo_redo_walks_back_and_forth(store: Store) -> None:
    aid = add(store)
    a = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.retag(a.id, "opinion")
    store.set_note(a.id, "n1")

    assert store.undo().note == ""
    assert store.annotation(a.id).tag == "opinion"
    assert store.undo().tag == "claim"
    gone = store.undo()
    assert gone.deleted is not None and store.annotations(aid) == []
    assert store.undo() is None  # nothing left

    assert store.redo().deleted is None
    assert store.redo().tag == "opinion"
    assert store.redo().note == "n1"
    assert store.redo() is None
    final = store.annotation(a.id)
    assert (final.tag, final.note, final.deleted) == ("opinion", "n1", None)


def test_new_change_after_undo_clears_redo(store: Store) -> None:
    aid = add(store)
    a = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.retag(a.id, "opinion")
    store.undo()
    assert store.annotation(a.id).tag == "claim"
    store.set_note(a.id, "new branch")
    assert store.redo() is None
    assert store.annotation(a.id).tag == "claim"
    # undo goes back along the new branch, then the old create; the discarded retag stays gone
    assert store.undo().note == ""
    assert store.undo().deleted is not None
    assert store.redo().deleted is None
    assert store.redo().note == "new branch"
    assert store.redo() is None
    assert store.annotation(a.id).tag == "claim"


def test_redo_after_undo_create_new_create(store: Store) -> None:
    aid = add(store)
    x = store.create(aid, *span_of(SAMPLE_TEXT, "Officials"), "claim")
    store.undo()
    y = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "opinion")
    assert store.redo() is None
    assert [n.id for n in store.annotations(aid)] == [y.id]
    assert store.annotation(x.id).deleted is not None


def test_undo_and_redo_survive_reopening(db_path: Path) -> None:
    s = Store.open(db_path, annotator="alice")
    aid = add(s)
    a = s.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    s.retag(a.id, "quote")
    s.close()

    s = Store.open(db_path, annotator="alice")
    assert s.undo().tag == "claim"
    s.close()

    s = Store.open(db_path, annotator="alice")
    assert s.annotation(a.id).tag == "claim"
    assert s.redo().tag == "quote"
    s.close()

    s = Store.open(db_path, annotator="alice")
    assert s.annotation(a.id).tag == "quote"
    assert s.undo().tag == "claim"
    assert s.undo().deleted is not None
    assert s.undo() is None
    s.close()


def test_undo_is_per_annotator(db_path: Path) -> None:
    alice = Store.open(db_path, annotator="alice")
    bob = Store.open(db_path, annotator="bob")
    try:
        aid = add(alice)
        a = alice.create(aid, *span_of(SAMPLE_TEXT, "Officials"), "claim")
        b = bob.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "opinion")
        undone = alice.undo()
        assert undone.id == a.id
        assert alice.annotation(a.id).deleted is not None
        assert bob.annotation(b.id).deleted is None
        assert alice.undo() is None  # alice has nothing more; bob's create is not hers
        assert bob.annotation(b.id).deleted is None
        assert bob.undo().id == b.id
        assert alice.redo().id == a.id
        assert {n.id for n in alice.annotations(aid)} == {a.id}
    finally:
        alice.close()
        bob.close()


def test_undo_refused_when_someone_else_changed_it(db_path: Path, counts) -> None:
    alice = Store.open(db_path, annotator="alice")
    bob = Store.open(db_path, annotator="bob")
    try:
        aid = add(alice)
        a = alice.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
        alice.set_note(a.id, "mine")
        bob.retag(a.id, "quote")
        before = counts()
        with pytest.raises(StaleEditError, match="changed since"):
            alice.undo()
        assert counts() == before
        seen = alice.annotation(a.id)
        assert (seen.tag, seen.note) == ("quote", "mine")
    finally:
        alice.close()
        bob.close()


def test_redo_refused_when_someone_else_changed_it(store: Store) -> None:
    aid = add(store)
    a = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.retag(a.id, "opinion")
    store.undo()
    other = Store(store.db, annotator="bob")
    other.set_note(a.id, "bob was here")
    with pytest.raises(StaleEditError):
        store.redo()
    assert store.annotation(a.id).tag == "claim"


# --- stale edits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda s, a, v: s.retag(a.id, "quote", expected_version=v),
        lambda s, a, v: s.set_note(a.id, "late", expected_version=v),
        lambda s, a, v: s.resize(a.id, a.start, a.end - 1, expected_version=v),
        lambda s, a, v: s.delete(a.id, expected_version=v),
    ],
    ids=["retag", "note", "resize", "delete"],
)
def test_expected_version_mismatch_writes_nothing(file_store: Store, counts, peek, edit) -> None:
    aid = add(file_store)
    a = file_store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    newer = file_store.set_note(a.id, "first", expected_version=1)
    assert newer.version == 2
    before, seen = counts(), row(peek, a.id)
    with pytest.raises(StaleEditError, match="version 2"):
        edit(file_store, a, 1)
    assert counts() == before
    assert row(peek, a.id) == seen
    edit(file_store, a, 2)  # the current version goes through
    assert row(peek, a.id)["version"] == 3


def test_change_to_deleted_annotation_is_refused(store: Store) -> None:
    aid = add(store)
    a = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.delete(a.id)
    with pytest.raises(NotFoundError):
        store.retag(a.id, "quote")


# --- refused spans -----------------------------------------------------------------------------


def _bad_spans(text: str) -> list[tuple[str, int, int, str]]:
    family = text.index("👨")
    return [
        ("empty", 5, 5, "claim"),
        ("reversed", 9, 4, "claim"),
        ("negative", -1, 4, "claim"),
        ("past the end", len(text) - 3, len(text) + 1, "claim"),
        ("splits ZWJ emoji (end)", family, family + 3, "claim"),
        ("splits ZWJ emoji (start)", family + 2, family + 7, "claim"),
        ("unknown tag", 0, 9, "gossip"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_refused_span_writes_nothing(file_store: Store, counts, peek, case: int) -> None:
    aid = add(file_store)
    name, start, end, tag = _bad_spans(SAMPLE_TEXT)[case]
    before = counts()
    with pytest.raises(SpanError):
        file_store.create(aid, start, end, tag)
    assert counts() == before, name

    # the same spans are refused when resizing (or retagging) an existing annotation
    a = file_store.create(aid, *span_of(SAMPLE_TEXT, "Officials"), "claim")
    before, seen = counts(), row(peek, a.id)
    with pytest.raises(SpanError):
        if tag == "claim":
            file_store.resize(a.id, start, end)
        else:
            file_store.retag(a.id, tag)
    assert counts() == before, name
    assert row(peek, a.id) == seen


def test_whole_zwj_emoji_is_accepted(store: Store) -> None:
    aid = add(store)
    start, end = span_of(SAMPLE_TEXT, "👨\u200d👩\u200d👧\u200d👦")
    assert store.create(aid, start, end, "quote").quote == "👨\u200d👩\u200d👧\u200d👦"


def test_create_on_unknown_article(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.create("nope", 0, 1, "claim")


# --- opening databases ----------------------------------------------------------------------------


def _newer_db(path: Path, *, wal: bool) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES (1)")
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_newer_schema_is_refused_untouched(db_path: Path, wal: bool) -> None:
    _newer_db(db_path, wal=wal)
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer penmark"):
        Store.open(db_path)
    assert db_path.read_bytes() == before
    assert not Path(f"{db_path}-wal").exists()
    assert not Path(f"{db_path}-journal").exists()


def test_non_database_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, just some text that is long enough " * 20)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a penmark database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "p.db")
    assert not (tmp_path / "no").exists()


def test_pragmas(file_store: Store) -> None:
    pragma = lambda name: file_store.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 1000
    assert pragma("user_version") == schema.SCHEMA_VERSION


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    s = Store.open(db_path)
    add(s)
    s.close()
    s = Store.open(db_path)
    assert len(s.articles()) == 1 and len(s.tags()) == len(DEFAULT_TAGS)
    s.close()


@pytest.mark.parametrize(
    "sql", ["UPDATE events SET annotator = 'mallory'", "DELETE FROM events"], ids=["update", "delete"]
)
def test_events_are_append_only(file_store: Store, db_path: Path, peek, sql: str) -> None:
    aid = add(file_store)
    file_store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert peek("SELECT annotator, action FROM events") == [("alice", "create")]


# --- search index, articles, tags ----------------------------------------------------------------


def test_fts_follows_creates_and_notes(file_store: Store, peek) -> None:
    aid = add(file_store)
    a = file_store.create(aid, *span_of(SAMPLE_TEXT, "Critics called it reckless"), "opinion", note="budget")
    match = "SELECT rowid FROM annotations_fts WHERE annotations_fts MATCH ?"
    seq = peek("SELECT seq FROM annotations WHERE id = ?", a.id)[0][0]
    assert peek(match, "reckless") == [(seq,)]
    assert peek(match, "budget") == [(seq,)]
    assert peek(match, "café") == []

    file_store.set_note(a.id, "timeline")
    assert peek(match, "budget") == []
    assert peek(match, "timeline") == [(seq,)]
    assert peek(match, "reckless") == [(seq,)]

    file_store.resize(a.id, *span_of(SAMPLE_TEXT, "Critics called it"))
    assert peek(match, "reckless") == []
    assert peek(match, "critics") == [(seq,)]


def test_same_text_is_not_imported_twice(store: Store) -> None:
    first = store.add_article(SAMPLE_TEXT, "One")
    again = store.add_article(SAMPLE_TEXT.replace("\n", "\r\n"), "Two")  # same canonical text
    assert first.created and not again.created
    assert again.article.id == first.article.id
    assert [a.title for a in store.articles()] == ["One"]


def test_article_round_trip_and_counts(store: Store) -> None:
    added = store.add_articles([NewArticle("Line\r\none", "T", source="s.txt", id="x1", meta={"n": 1})])
    article = store.article("x1")
    assert (article.text, article.title, article.source, article.meta) == ("Line\none", "T", "s.txt", {"n": 1})
    assert added[0].article.length == len("Line\none")
    store.create("x1", 0, 4, "claim")
    store.create("x1", 5, 8, "claim")
    store.create("x1", 5, 8, "quote")
    assert store.articles()[0].counts == {"claim": 2, "quote": 1}
    with pytest.raises(NotFoundError):
        store.article("missing")


def test_set_status(store: Store) -> None:
    aid = add(store)
    store.set_status(aid, "in progress")
    assert store.articles()[0].status == "in progress"
    with pytest.raises(StoreError, match="unknown status"):
        store.set_status(aid, "finished")
    with pytest.raises(NotFoundError):
        store.set_status("missing", "done")


def test_set_tags_refuses_to_drop_a_tag_in_use(file_store: Store, peek) -> None:
    aid = add(file_store)
    a = file_store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "opinion")
    tags_before = peek("SELECT * FROM tags ORDER BY position")
    with pytest.raises(TagSetError, match="opinion"):
        file_store.set_tags([Tag("claim", 1, "#000000"), Tag("fact", 2, "#ffffff")])
    assert peek("SELECT * FROM tags ORDER BY position") == tags_before
    # still refused when the only annotation using it is deleted: undo could bring it back
    file_store.delete(a.id)
    with pytest.raises(TagSetError):
        file_store.set_tags([Tag("claim", 1, "#000000")])


def test_set_tags_replaces_and_reorders(store: Store) -> None:
    aid = add(store)
    store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.set_tags([Tag("rumour", 1, "#111111"), Tag("claim", 2, "#222222", "Checkable.")])
    assert store.tags() == (Tag("rumour", 1, "#111111", ""), Tag("claim", 2, "#222222", "Checkable."))
    assert store.annotations(aid)[0].tag == "claim"


def test_mismatches_reports_a_drifted_annotation(file_store: Store, db_path: Path) -> None:
    aid = add(file_store)
    a = file_store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    assert file_store.mismatches() == []
    conn = sqlite3.connect(db_path)
    conn.execute('UPDATE annotations SET start = start + 1, "end" = "end" + 1 WHERE id = ?', (a.id,))
    conn.commit()
    conn.close()
    found = file_store.mismatches()
    assert [(n.id, seen) for n, seen in found] == [(a.id, "ritics ")]


def test_history_records_before_and_after(store: Store) -> None:
    aid = add(store)
    a = store.create(aid, *span_of(SAMPLE_TEXT, "Critics"), "claim")
    store.retag(a.id, "quote")
    events = store.history(a.id)
    assert [(e["action"], e["kind"], e["annotator"]) for e in events] == [
        ("create", "do", "tester"), ("retag", "do", "tester")
    ]
    assert events[0]["before"] is None
    assert json.loads(events[1]["before"])["tag"] == "claim"
    assert json.loads(events[1]["after"])["tag"] == "quote"


# --- property: offsets always slice the canonical text to the quote --------------------------------

SPECIALS = [
    "👨\u200d👩\u200d👧\u200d👦", "👩🏽\u200d💻", "👍🏿", "🇺🇦", "e\u0301", "a\u0301\u0323", "\u0301",
    "漢字", "中文文本", "한국어", "\t", "\n", "\r\n", "  ", "\u2028", "ﬁ", "é",
]
texts = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.text(min_size=1, max_size=5)), min_size=1, max_size=30
).map("".join)


@given(texts, st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=4))
def test_quotes_always_match_offsets(raw: str, selections: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.db"
        s = Store.open(path, annotator="prop")
        aid = s.add_article(raw, "t").article.id
        text = s.article(aid).text
        assert text == canonicalize(raw)
        made: list[Annotation] = []
        for a, b in selections:
            span = snap(text, a, b)
            if span is None:
                continue
            note = s.create(aid, span.start, span.end, "claim")
            assert text[note.start : note.end] == note.quote
            assert note.intact(text)
            assert note.prefix == text[max(0, note.start - 32) : note.start]
            assert note.suffix == text[note.end : note.end + 32]
            made.append(note)
        s.close()

        s = Store.open(path, annotator="prop")
        text = s.article(aid).text
        loaded = {n.id: n for n in s.annotations(aid)}
        assert set(loaded) == {n.id for n in made}
        for note in made:
            again = loaded[note.id]
            assert (again.start, again.end, again.quote) == (note.start, note.end, note.quote)
            assert text[again.start : again.end] == again.quote
            assert again.intact(text)
        assert s.mismatches() == []
        s.close()


@given(texts, st.integers(-2, 60), st.integers(-2, 60))
def test_raw_spans_are_refused_or_intact(raw: str, start: int, end: int) -> None:
    s = Store.memory()
    try:
        aid = s.add_article(raw, "t").article.id
        text = s.article(aid).text
        events = s.stats()["events"]
        try:
            note = s.create(aid, start, end, "claim")
        except SpanError:
            assert s.stats()["events"] == events
            assert s.annotations(aid) == []
        else:
            assert note.intact(text) and note.quote
            assert (note.start, note.end) == (start, end)
    finally:
        s.close()


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        Store.open(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_offsets_taken_from_an_older_text_are_refused(store: Store) -> None:
    """create and resize given the checksum of the text their offsets come from refuse once a
    new version replaced it, and write nothing."""
    store.add_article("One two three. Four five.", "T", id="t")
    first = store.article("t")
    note = store.create("t", 0, 3, "claim", text_sha256=first.sha256)
    store.add_article("Zero. One two three. Four five.", "T", id="t")  # a new version
    events = store.stats()["events"]
    with pytest.raises(StaleEditError, match="text changed"):
        store.create("t", 0, 3, "claim", text_sha256=first.sha256)
    with pytest.raises(StaleEditError, match="text changed"):
        store.resize(note.id, 0, 5, text_sha256=first.sha256)
    assert store.stats()["events"] == events and len(store.annotations("t")) == 1
    assert store.checksum("t") != first.sha256
    store.create("t", 0, 4, "claim", text_sha256=store.checksum("t"))
