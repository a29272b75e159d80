"""annotations.adjudicate: agreements, disagreement groups, and settling them into gold."""

from __future__ import annotations

import pytest

from pathlib import Path

from annotations.adjudicate import (
    GOLD, AdjudicationError, accept_agreements, compare, decisions, settle, settled, undo_decision,
)
from annotations.store import Store

TEXT = "Officials met in Geneva on Monday. The talks collapsed after an hour. Nobody commented later."


def at(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


@pytest.fixture
def two(store: Store) -> tuple[Store, str]:
    article = store.add_article(TEXT, "t").article.id
    alice, bob = Store(store.conn, annotator="alice"), Store(store.conn, annotator="bob")
    alice.create(article, *at("Officials met in Geneva"), "claim")  # agreed
    bob.create(article, *at("Officials met in Geneva"), "claim")
    alice.create(article, *at("The talks collapsed"), "claim")  # same span, other tag
    bob.create(article, *at("The talks collapsed"), "opinion")
    bob.create(article, *at("collapsed after an hour"), "quote")  # overlaps both: same group
    alice.create(article, *at("Nobody commented"), "quote")  # only alice
    return store, article


def test_agreements_and_disagreement_groups(two: tuple[Store, str]) -> None:
    store, article = two
    found = compare(store, article, "alice", "bob")
    assert [n.quote for n in found.agreed] == ["Officials met in Geneva"]
    groups = [([n.quote + "/" + n.tag for n in d.a], [n.quote + "/" + n.tag for n in d.b]) for d in found.disagreements]
    assert groups == [
        (["The talks collapsed/claim"], ["The talks collapsed/opinion", "collapsed after an hour/quote"]),
        (["Nobody commented/quote"], []),
    ]
    first = found.disagreements[0]
    assert TEXT[first.start : first.end] == "The talks collapsed after an hour"


def gold(store: Store, article: str) -> list[tuple[str, str]]:
    return sorted((n.quote, n.tag) for n in store.annotations(article) if n.annotator == GOLD)


def test_settling_copies_the_chosen_side_into_gold_once(two: tuple[Store, str]) -> None:
    store, article = two
    found = compare(store, article, "alice", "bob")
    first, second = found.disagreements
    assert accept_agreements(store, found) == 1
    assert not settled(store, found, first)  # an agreement overlapping nothing settles nothing
    assert settle(store, found, first, "b") == 2 and settled(store, found, first)
    assert settle(store, found, second, "neither") == 0 and settled(store, found, second)
    assert gold(store, article) == [("Officials met in Geneva", "claim"), ("The talks collapsed", "opinion"),
                                    ("collapsed after an hour", "quote")]


def test_agreements_do_not_settle_the_disagreements_they_overlap(store: Store) -> None:
    article = store.add_article(TEXT, "t").article.id
    alice, bob = Store(store.conn, annotator="alice"), Store(store.conn, annotator="bob")
    for who in (alice, bob):
        who.create(article, *at("The talks collapsed"), "claim")
    bob.create(article, *at("talks collapsed after"), "opinion")  # overlaps the agreement
    found = compare(store, article, "alice", "bob")
    accept_agreements(store, found)
    assert not settled(store, found, found.disagreements[0])


def test_a_decision_for_nothing_is_still_a_decision(two: tuple[Store, str]) -> None:
    """Taking A's side where A has nothing adds nothing to gold, and the row is decided."""
    store, article = two
    found = compare(store, article, "bob", "alice")  # alice is B: "Nobody commented" has no A side
    only_b = found.disagreements[1]
    assert only_b.a == () and settle(store, found, only_b, "a") == 0
    assert settled(store, found, only_b) and gold(store, article) == []


def test_decisions_survive_a_restart_and_follow_the_annotations(tmp_path: Path) -> None:
    path = tmp_path / "adjudicated.db"
    store = Store.open(path)
    article = store.add_article(TEXT, "t").article.id
    Store(store.conn, annotator="alice").create(article, *at("Officials met"), "claim")
    bob = Store(store.conn, annotator="bob")
    note = bob.create(article, *at("Nobody commented"), "quote")
    found = compare(store, article, "alice", "bob")
    settle(store, found, found.disagreements[0], "neither")
    settle(store, found, found.disagreements[1], "a")
    store.close()
    store = Store.open(path)
    try:
        again = compare(store, article, "alice", "bob")
        assert all(settled(store, again, d) for d in again.disagreements)
        assert decisions(store, again) == {d.key: c for d, c in zip(again.disagreements, ["neither", "a"])}
        swapped = compare(store, article, "bob", "alice")  # the same pair the other way round
        assert sorted(decisions(store, swapped).values()) == ["b", "neither"]
        Store(store.conn, annotator="bob").retag(note.id, "claim")  # it changed: decide it again
        changed = compare(store, article, "alice", "bob")
        assert [settled(store, changed, d) for d in changed.disagreements] == [True, False]
    finally:
        store.close()


def test_deciding_again_replaces_the_decision(two: tuple[Store, str]) -> None:
    store, article = two
    found = compare(store, article, "alice", "bob")
    first = found.disagreements[0]
    settle(store, found, first, "b")
    assert settle(store, found, first, "a") == 1
    assert gold(store, article) == [("The talks collapsed", "claim")]
    assert decisions(store, found) == {first.key: "a"}


def test_a_failed_decision_writes_nothing(two: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision and its gold annotations are one transaction."""
    store, article = two
    found = compare(store, article, "alice", "bob")
    real = Store.create
    made = []

    def second_fails(self: Store, *args: object, **kwargs: object):
        if made:
            raise RuntimeError("disk full")
        made.append(real(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(Store, "create", second_fails)
    with pytest.raises(RuntimeError):
        settle(store, found, found.disagreements[0], "b")  # two annotations: the second fails
    monkeypatch.undo()
    assert gold(store, article) == [] and decisions(store, found) == {}
    assert store.conn.in_transaction is False


def test_undo_forgets_the_newest_decision_and_its_gold(two: tuple[Store, str]) -> None:
    store, article = two
    found = compare(store, article, "alice", "bob")
    first, second = found.disagreements
    accept_agreements(store, found)
    settle(store, found, first, "both")
    settle(store, found, second, "neither")
    undone = undo_decision(store, found)
    assert (undone.choice, undone.disagreement, undone.removed) == ("neither", second.key, 0)
    undone = undo_decision(store, found)
    assert (undone.choice, undone.removed) == ("both", 3)
    assert gold(store, article) == [("Officials met in Geneva", "claim")]
    assert not settled(store, found, first)
    removed = [n for n in store.annotations(article, include_deleted=True) if n.deleted]
    assert len(removed) == 3 and all(store.history(n.id)[-1]["action"] == "delete" for n in removed)
    assert undo_decision(store, found).choice == "agreed" and gold(store, article) == []
    assert undo_decision(store, found) is None


def test_the_same_annotator_twice_is_refused(two: tuple[Store, str]) -> None:
    store, article = two
    with pytest.raises(AdjudicationError, match="two different"):
        compare(store, article, "alice", "alice")
    with pytest.raises(AdjudicationError, match=r"no annotations by 'carol' or 'dave' on article \w+ "
                                                r"\(annotators with annotations on it: alice, bob\)"):
        compare(store, article, "carol", "dave")
    with pytest.raises(AdjudicationError, match="no annotations by 'bbo' on article"):
        compare(store, article, "alice", "bbo")


def test_a_missing_annotator_is_not_offered_gold_as_a_side(two: tuple[Store, str]) -> None:
    store, article = two
    assert accept_agreements(store, compare(store, article, "alice", "bob")) == 1  # gold has annotations now
    with pytest.raises(AdjudicationError, match=r"\(annotators with annotations on it: alice, bob\)$"):
        compare(store, article, "alice", "carol")
