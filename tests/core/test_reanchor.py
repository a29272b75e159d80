"""Re-anchoring: a new version of an annotated article keeps every annotation, exact, fuzzy or
orphaned, never silently moved wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.datasets.export import export
from annotations.importer import import_paths
from annotations.model import Annotation
from annotations.reanchor import reanchor
from annotations.store import REANCHOR_ACTOR, NewArticle, SpanError, StaleEditError, Store
from annotations.text import context

OLD = (
    "Officials met in Geneva on Monday.\n"
    "The talks collapsed after the delegation walked out of the hall.\n"
    "Sanctions will stay in place until verification resumes, the envoy said.\n"
    "Analysts expect a new round of missile tests before the winter.\n"
)


def at(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def new_version(store: Store, article_id: str, text: str) -> dict[str, int]:
    (added,) = store.add_articles([NewArticle(text, "New title", id=article_id)])
    assert added.reanchored is not None and added.article.id == article_id
    return added.reanchored


def by_tag(store: Store, article_id: str) -> dict[str, tuple[str, str]]:
    text = store.article(article_id).text
    return {n.tag: (n.anchor, text[n.start : n.end]) for n in store.annotations(article_id)}


def test_a_new_version_carries_annotations_exact_fuzzy_and_orphaned(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    store.create(article, *at(OLD, "the delegation walked out"), "claim")
    store.create(article, *at(OLD, "Sanctions will stay in place until verification resumes"), "quote")
    store.create(article, *at(OLD, "a new round of missile tests"), "opinion")
    new = (
        "BREAKING: an update at the top.\n"  # everything after moves
        + OLD.replace("Sanctions will stay in place until verification resumes",
                      "Sanctions will remain in place until verification resumes")  # edited inside the quote
        .replace("Analysts expect a new round of missile tests before the winter.\n", "")  # deleted
    )
    counts = new_version(store, article, new)
    assert counts == {"exact": 1, "fuzzy": 1, "orphan": 1}
    found = by_tag(store, article)
    assert found["claim"] == ("exact", "the delegation walked out")
    assert found["quote"] == ("fuzzy", "Sanctions will remain in place until verification resumes")
    assert found["opinion"][0] == "orphan"
    assert store.mismatches() == []  # every placed annotation slices to its (new) quote
    orphan = next(n for n in store.annotations(article) if n.anchor == "orphan")
    assert orphan.quote == "a new round of missile tests"  # it keeps what it was
    assert store.article(article).text == new and store.article(article).title == "New title"


def test_a_moved_paragraph_is_found_by_its_context(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    store.create(article, *at(OLD, "Sanctions will stay in place"), "claim")
    lines = OLD.splitlines(keepends=True)
    new = lines[2] + lines[0] + lines[1] + lines[3]  # the sanctions paragraph moved to the top
    new_version(store, article, new)
    assert by_tag(store, article)["claim"] == ("exact", "Sanctions will stay in place")


def test_among_repeated_quotes_context_decides(store: Store) -> None:
    text = "North Korea fired. Later, North Korea denied it. Finally North Korea said nothing."
    article = store.add_article(text, "t", id="nk").article.id
    store.create(article, *at(text, "North Korea denied"), "claim")
    start = text.index("North Korea", text.index("Later"))
    store.create(article, start, start + len("North Korea"), "quote")
    new = "Finally North Korea said nothing. North Korea fired. Later, North Korea denied it."
    new_version(store, article, new)
    quote = next(n for n in store.annotations(article) if n.tag == "quote")
    assert quote.anchor == "exact" and new[quote.start - 7 : quote.end + 7] == "Later, North Korea denied"


def test_reimporting_an_edited_file_updates_it_in_place(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "geneva.txt"
    path.write_text(OLD, encoding="utf-8")
    import_paths(store, [path])
    (article,) = store.articles()
    store.create(article.id, *at(OLD, "the delegation walked out"), "claim")
    path.write_text("A new first line.\r\n" + OLD.replace("\n", "\r\n"), encoding="utf-8")
    report = import_paths(store, [path])
    assert report.ok and report.added == [] and [(a.id, c["exact"]) for a, c in report.updated] == [(article.id, 1)]
    assert len(store.articles()) == 1
    assert by_tag(store, article.id)["claim"] == ("exact", "the delegation walked out")


def test_reanchoring_is_logged_and_undo_redo_keep_the_new_place(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    note = store.create(article, *at(OLD, "the delegation walked out"), "claim")
    retagged = store.retag(note.id, "opinion")
    new = "Top.\n" + OLD
    new_version(store, article, new)
    actions = [(e["annotator"], e["action"]) for e in store.history(note.id)]
    assert actions == [("tester", "create"), ("tester", "retag"), (REANCHOR_ACTOR, "reanchor")]
    undone = store.undo()  # the annotator's retag, not the re-anchoring
    assert (undone.tag, undone.start, undone.anchor) == ("claim", retagged.start + 5, "exact")
    assert store.undo().deleted is not None  # the create
    redone = store.redo()
    assert new[redone.start : redone.end] == "the delegation walked out" and redone.tag == "claim"
    assert store.mismatches() == []


def test_an_edit_from_another_window_still_blocks_undo(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    note = store.create(article, *at(OLD, "the delegation walked out"), "claim")
    Store(store.conn, annotator="bob").set_note(note.id, "bob was here")
    with pytest.raises(StaleEditError, match="changed since"):
        store.undo()


def test_orphans_and_fuzzy_are_not_exported_wrong(store: Store, tmp_path: Path) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    store.create(article, *at(OLD, "a new round of missile tests"), "opinion")
    store.create(article, *at(OLD, "the delegation walked out"), "claim")
    new_version(store, article, OLD.replace("Analysts expect a new round of missile tests before the winter.\n", ""))
    report = export(store, "jsonl", tmp_path / "out.jsonl")
    assert report.annotations == 1 and len(report.left_out) == 1 and "orphan" in report.left_out[0]


# --- properties: words numbered so that no passage repeats by chance ------------------------

words = st.integers(0, 10_000).map(lambda n: f"w{n}")
documents = st.lists(words, min_size=12, max_size=60, unique=True)


@st.composite
def edited_outside(draw: st.DrawFn) -> tuple[list[str], tuple[int, int], list[str]]:
    """Words, a span of them, and the words after edits only outside the span."""
    doc = draw(documents)
    first = draw(st.integers(1, len(doc) - 3))
    last = draw(st.integers(first + 1, min(len(doc) - 1, first + 5)))
    before, span, after = doc[:first], doc[first:last], doc[last:]
    fresh = [f"x{i}" for i in range(draw(st.integers(0, 4)))]
    before = draw(st.sampled_from([before, before[1:], fresh + before, before[:-1] + fresh]))
    after = draw(st.sampled_from([after, after[1:], after + fresh, fresh + after]))
    return doc, (first, last), before + span + after


def _annotated(words_: list[str], first: int, last: int) -> Annotation:
    """An annotation of words ``first`` to ``last`` of the text the words make."""
    text = " ".join(words_)
    start = len(" ".join(words_[:first])) + 1
    end = start + len(" ".join(words_[first:last]))
    prefix, quote, suffix = context(text, start, end)
    return Annotation("id", "a", start, end, "claim", quote, prefix, suffix, "", "me", "t", "t")


@given(edited_outside())
def test_edits_outside_a_span_always_keep_it_exact(case: tuple[list[str], tuple[int, int], list[str]]) -> None:
    old_words, (first, last), new_words = case
    before = _annotated(old_words, first, last)
    new = " ".join(new_words)
    (note, placed), = reanchor([before], " ".join(old_words), new)
    assert placed.anchor == "exact" and new[placed.start : placed.end] == before.quote


@given(documents, st.data())
def test_an_edited_passage_is_never_reported_exact(doc: list[str], data: st.DataObject) -> None:
    first = data.draw(st.integers(1, len(doc) - 3))
    last = data.draw(st.integers(first + 1, min(len(doc) - 1, first + 5)))
    before = _annotated(doc, first, last)
    edited = list(doc)
    victim = data.draw(st.integers(first, last - 1))
    edited[victim] = data.draw(st.sampled_from(["CHANGED", edited[victim] + "s", edited[victim][:-1] or "z"]))
    (note, placed), = reanchor([before], " ".join(doc), " ".join(edited))
    assert placed.anchor != "exact"


def test_accepting_a_fuzzy_match_makes_it_exact_and_an_orphan_must_move(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    fuzzy = store.create(article, *at(OLD, "Sanctions will stay in place until verification resumes"), "quote")
    orphan = store.create(article, *at(OLD, "a new round of missile tests"), "opinion")
    new = OLD.replace("will stay", "will remain").replace("Analysts expect a new round of missile tests before the winter.\n", "")
    new_version(store, article, new)
    accepted = store.accept(fuzzy.id)
    assert accepted.anchor == "exact" and accepted.quote == "Sanctions will remain in place until verification resumes"
    with pytest.raises(SpanError, match="move it"):
        store.accept(orphan.id)
    moved = store.resize(orphan.id, *at(new, "Officials met in Geneva"))
    assert (moved.anchor, moved.quote) == ("exact", "Officials met in Geneva")
    assert store.undo().anchor == "orphan"  # the annotator's own moves undo like any change


def test_undoing_a_delete_across_a_new_version_places_it_in_the_new_text(store: Store) -> None:
    article = store.add_article(OLD, "t", id="geneva").article.id
    note = store.create(article, *at(OLD, "the delegation walked out"), "claim")
    store.delete(note.id)
    new = "A new first paragraph pushes everything down.\n" + OLD
    new_version(store, article, new)
    restored = store.undo()  # the delete; its old offsets would slice the wrong text now
    assert restored.deleted is None and restored.anchor == "exact"
    assert new[restored.start : restored.end] == "the delegation walked out"
    assert store.mismatches() == []


@given(documents, st.data())
def test_a_rewritten_passage_is_never_exact_where_its_words_stand_elsewhere(doc: list[str], data: st.DataObject) -> None:
    """The annotated words are rewritten, and the same words appear once elsewhere, among other
    words: a guess (fuzzy, to review) or an orphan, never exact."""
    first = data.draw(st.integers(1, len(doc) - 3))
    last = data.draw(st.integers(first + 1, min(len(doc) - 1, first + 5)))
    before = _annotated(doc, first, last)
    rewritten = doc[:first] + [f"new{i}" for i in range(first, last)] + doc[last:]
    far = [i for i in range(len(rewritten) + 1) if i < first - 6 or i > last + 6]
    if not far:
        return
    at = data.draw(st.sampled_from(far))
    new_words = rewritten[:at] + doc[first:last] + rewritten[at:]
    new = " ".join(new_words)
    (note, placed), = reanchor([before], " ".join(doc), new)
    assert placed.anchor != "exact", (placed, new[placed.start:placed.end])


def test_a_short_quote_whose_sentence_was_replaced_is_not_exact_elsewhere() -> None:
    old = "Talks in Seoul ended early. Later, officials flew home."
    new = "Nothing was said at all. Later, officials flew home to Seoul."
    start, end = at(old, "Seoul")
    prefix, quote, suffix = context(old, start, end)
    note = Annotation("id", "a", start, end, "claim", quote, prefix, suffix, "", "me", "t", "t")
    (_, placed), = reanchor([note], old, new)
    assert placed.anchor == "fuzzy" and new[placed.start:placed.end] == "Seoul"


def test_undo_still_works_after_a_new_version_changed_the_quote(store: Store) -> None:
    """A fuzzy re-anchoring rewrites the quote; the annotator's undo must still walk back (it
    once stuck there for good, refused as "changed since")."""
    article = store.add_article(OLD, "Talks", id="talks").article.id
    note = store.create(article, *at(OLD, "The talks collapsed after the delegation walked out"), "claim")
    store.retag(note.id, "opinion")
    new_version(store, article, OLD.replace("walked out", "stormed out"))
    moved = store.annotation(note.id)
    assert moved.anchor == "fuzzy" and moved.quote.endswith("stormed out")
    undone = store.undo()
    assert undone is not None and undone.tag == "claim"
    text = store.article(article).text
    assert undone.anchor != "orphan" and text[undone.start:undone.end] == undone.quote
    assert store.undo().deleted is not None  # and on down the stack: the create
    assert store.redo().deleted is None and store.redo().tag == "opinion"


@pytest.mark.parametrize(("old", "edit", "quote"), [
    ("Intro line.\nThe city council voted 7-2 on Monday to approve twelve miles of protected bike lanes. "
     "Critics argue it costs too much.\n", ("voted 7-2 on Monday", "voted 8-1 on Monday night"),
     "The city council voted 7-2 on Monday to approve twelve miles of protected bike lanes."),
    ("Intro.\nThe project will cost $4 million over five years, officials said.\nMore text here.\n",
     ("will cost $4", "will cost about $4"), "The project will cost $4 million over five years"),
])
def test_a_fuzzy_place_covers_the_whole_edited_passage(old: str, edit: tuple[str, str], quote: str) -> None:
    """The best-matching part of an edited sentence is not enough: no edge word is dropped
    ("…protected bike" without "lanes.", "project will…" without "The")."""
    new = old.replace(*edit)
    start = old.index(quote)
    prefix, _, suffix = context(old, start, start + len(quote))
    note = Annotation("id", "a", start, start + len(quote), "claim", quote, prefix, suffix, "", "me", "t", "t")
    (_, placed), = reanchor([note], old, new)
    assert placed.anchor == "fuzzy"
    assert new[placed.start:placed.end] == quote.replace(*edit)
