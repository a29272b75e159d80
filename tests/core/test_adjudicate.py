"""annotations.adjudicate: agreements, disagreement groups, and settling them into gold."""

from __future__ import annotations

import pytest

from annotations.adjudicate import GOLD, AdjudicationError, accept_agreements, compare, settle, settled
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


def test_settling_copies_the_chosen_side_into_gold_once(two: tuple[Store, str]) -> None:
    store, article = two
    found = compare(store, article, "alice", "bob")
    assert accept_agreements(store, found) == 1
    first, second = found.disagreements
    assert not settled(store, first)
    assert settle(store, first, "b") == 2 and settled(store, first)
    assert settle(store, first, "b") == 0  # once only
    assert settle(store, second, "neither") == 0 and not settled(store, second)
    gold = sorted((n.quote, n.tag) for n in store.annotations(article) if n.annotator == GOLD)
    assert gold == [("Officials met in Geneva", "claim"), ("The talks collapsed", "opinion"),
                    ("collapsed after an hour", "quote")]


def test_the_same_annotator_twice_is_refused(two: tuple[Store, str]) -> None:
    store, article = two
    with pytest.raises(AdjudicationError, match="two different"):
        compare(store, article, "alice", "alice")
    with pytest.raises(AdjudicationError, match="neither 'carol' nor 'dave'"):
        compare(store, article, "carol", "dave")
