"""Inter-annotator agreement: span F1, Cohen's kappa and Krippendorff's alpha, checked against
scikit-learn's ``cohen_kappa_score`` and the ``krippendorff`` package on the same token labels."""

from __future__ import annotations

import math
import warnings
from itertools import permutations

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotations.agreement import (
    OUTSIDE,
    AgreementError,
    Span,
    agreement,
    article_tokens,
    cohen_kappa,
    exact_matches,
    krippendorff_alpha,
    overlap_pairs,
    report_dict,
    token_labels,
)
from annotations.adjudicate import GOLD
from annotations.store import Store

TEXT = "Alpha beta gamma. Delta epsilon zeta eta.\nTheta iota kappa lambda. Mu nu xi omicron pi."


# --- references -----------------------------------------------------------------------------------


def sklearn_kappa(a: list[str], b: list[str]) -> float | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 where both used one label: nan, with a warning
        value = float(cohen_kappa_score(a, b))
    return None if math.isnan(value) else value


def reference_alpha(units: list[tuple[str | None, ...]]) -> float | None:
    """The krippendorff package's nominal alpha; labels coded as numbers, None as nan."""
    codes: dict[str, int] = {}
    data = np.array([[np.nan if label is None else codes.setdefault(label, len(codes)) for label in unit]
                     for unit in units], dtype=float).T  # coders x units
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 0/0 where nothing is pairable: nan, with a warning
            value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # one value in the whole domain: undefined
        return None
    return None if math.isnan(value) else value


def close(mine: float | None, reference: float | None) -> bool:
    if reference is None or math.isnan(reference):
        return mine is None
    return mine is not None and math.isclose(mine, reference, rel_tol=1e-9, abs_tol=1e-9)


LABELS = st.sampled_from(["O", "claim", "opinion", "quote"])


@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=60))
def test_kappa_equals_scikit_learn(pairs: list[tuple[str, str]]) -> None:
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    assert close(cohen_kappa(a, b), sklearn_kappa(a, b))
    assert close(cohen_kappa(b, a), cohen_kappa(a, b))


@given(st.integers(2, 5).flatmap(
    lambda coders: st.lists(st.tuples(*[st.one_of(st.none(), LABELS)] * coders), min_size=1, max_size=40)))
def test_alpha_equals_the_krippendorff_package(units: list[tuple[str | None, ...]]) -> None:
    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    if not pairable:
        assert krippendorff_alpha(units) is None
        return
    assert close(krippendorff_alpha(units), reference_alpha(units))


def test_kappa_and_alpha_hand_made() -> None:
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # one label throughout: undefined
    assert cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    assert krippendorff_alpha([("a", "a"), ("b", "b")]) == 1.0
    assert krippendorff_alpha([("a", None), ("b", None)]) is None  # nothing pairable
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


# --- span matching --------------------------------------------------------------------------------


def test_exact_matching_is_a_multiset_intersection() -> None:
    a = [Span(0, 5, "claim"), Span(0, 5, "claim"), Span(6, 9, "quote")]
    b = [Span(0, 5, "claim"), Span(6, 9, "opinion")]
    assert exact_matches(a, b) == exact_matches(b, a) == 1


def test_overlap_matching_is_one_to_one_and_maximum() -> None:
    long = [Span(0, 20, "claim")]
    two = [Span(0, 5, "claim"), Span(10, 15, "claim")]
    assert len(overlap_pairs(long, two)) == len(overlap_pairs(two, long)) == 1
    # greedy by overlap size could pair A1 with B1 (2 characters each way) and leave A2 alone
    a = [Span(0, 5, "claim"), Span(4, 8, "claim")]
    b = [Span(3, 6, "claim"), Span(0, 2, "claim")]
    assert sorted(overlap_pairs(a, b)) == [(0, 1), (1, 0)]
    # touching is not overlapping; another tag never matches
    assert overlap_pairs([Span(0, 5, "claim")], [Span(5, 9, "claim")]) == []
    assert overlap_pairs([Span(0, 5, "claim")], [Span(0, 5, "quote")]) == []


SPANS = st.lists(st.builds(lambda s, n, t: Span(s, s + n, t), st.integers(0, 30), st.integers(1, 8),
                           st.sampled_from(["claim", "quote"])), max_size=5)


def brute_force_matching(a: list[Span], b: list[Span]) -> int:
    def ok(x: Span, y: Span) -> bool:
        return x.tag == y.tag and x.start < y.end and y.start < x.end

    if len(a) > len(b):
        a, b = b, a
    return max((sum(ok(x, y) for x, y in zip(a, perm, strict=False)) for perm in permutations(b, len(a))), default=0)


@given(SPANS, SPANS)
def test_overlap_matching_finds_as_many_pairs_as_brute_force(a: list[Span], b: list[Span]) -> None:
    pairs = overlap_pairs(a, b)
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)  # one to one
    assert all(a[i].tag == b[j].tag and a[i].start < b[j].end and b[j].start < a[i].end for i, j in pairs)
    assert len(pairs) == brute_force_matching(a, b) == len(overlap_pairs(b, a))


# --- token labels -----------------------------------------------------------------------------------


def test_tokens_are_cut_at_every_annotators_boundaries_and_skip_whitespace() -> None:
    spans = [Span(2, 8, "claim"), Span(6, 16, "quote")]  # "pha be", "beta gamma" cut mid-word
    tokens = article_tokens(TEXT, spans)
    assert (0, 2) in tokens and (2, 5) in tokens and (6, 8) in tokens and (8, 10) in tokens
    assert all(not TEXT[s:e].isspace() for s, e in tokens)
    assert token_labels(tokens, spans[:1])[:4] == [OUTSIDE, "claim", "claim", OUTSIDE]


def test_overlapping_spans_of_one_annotator_the_longest_gives_the_tag() -> None:
    spans = [Span(0, 16, "claim"), Span(6, 10, "quote")]  # "Alpha beta gamma" holds "beta"
    tokens = article_tokens(TEXT, spans)
    assert token_labels(tokens, spans)[:4] == ["claim", "claim", "claim", OUTSIDE]
    # one tag's labels are binary: each tag covers its own tokens
    assert token_labels(tokens, spans, tag="quote")[:4] == [OUTSIDE, "quote", OUTSIDE, OUTSIDE]
    tie = [Span(0, 5, "quote"), Span(0, 5, "claim")]
    assert token_labels(article_tokens(TEXT, tie), tie)[0] == "claim"  # equal length: tag name first


# --- the store --------------------------------------------------------------------------------------


def annotate(store: Store, annotator: str, article: str, *spans: tuple[int, int, str]) -> None:
    store.annotator = annotator
    for start, end, tag in spans:
        store.create(article, start, end, tag)


@pytest.fixture
def article(store: Store) -> str:
    return store.add_article(TEXT, "One").article.id


def test_perfect_agreement(store: Store, article: str) -> None:
    for name in ("alice", "bob"):
        annotate(store, name, article, (0, 16, "claim"), (18, 41, "opinion"))
    report = agreement(store)
    pair = report.overall.pairs[0]
    assert pair.annotators == ("alice", "bob")
    assert (pair.exact.f1, pair.overlap.f1, pair.kappa, pair.alpha) == (1.0, 1.0, 1.0, 1.0)
    assert [s.tag for s in report.by_tag] == ["claim", "opinion"]
    assert report.articles[0].alpha == 1.0 and report.articles[0].spans == {"alice": 2, "bob": 2}


def test_no_agreement(store: Store, article: str) -> None:
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (18, 41, "claim"))
    pair = agreement(store).overall.pairs[0]
    assert (pair.exact.f1, pair.overlap.f1) == (0.0, 0.0)
    assert pair.kappa is not None and pair.kappa < 0 and pair.alpha is not None and pair.alpha < 0


def test_partial_overlap(store: Store, article: str) -> None:
    annotate(store, "alice", article, (0, 16, "claim"), (42, 66, "quote"))
    annotate(store, "bob", article, (6, 16, "claim"), (42, 66, "quote"), (67, 87, "quote"))
    report = agreement(store)
    pair = report.overall.pairs[0]
    assert (pair.exact.matched, pair.exact.spans, pair.overlap.matched) == (1, 5, 2)
    assert pair.exact.f1 == pytest.approx(0.4) and pair.overlap.f1 == pytest.approx(0.8)
    claim = next(s for s in report.by_tag if s.tag == "claim").pairs[0]
    assert (claim.exact.f1, claim.overlap.f1) == (0.0, 1.0)
    assert 0 < pair.kappa < 1 and 0 < pair.alpha < 1


def test_one_annotator_found_nothing(store: Store, article: str) -> None:
    """Bob worked on the article (made and deleted an annotation): all his tokens are "O"."""
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (0, 5, "quote"))
    store.delete(next(n.id for n in store.annotations(article) if n.annotator == "bob"))
    assert [n.annotator for n in store.annotations(article)] == ["alice"]
    report = agreement(store, ["alice", "bob"])
    pair = report.overall.pairs[0]
    assert pair.spans == {"alice": 1, "bob": 0}
    assert (pair.exact.f1, pair.overlap.f1, pair.kappa) == (0.0, 0.0, 0.0)
    assert pair.alpha is not None and pair.alpha < 0


def test_articles_only_one_annotator_worked_on_are_missing_data(store: Store, article: str) -> None:
    other = store.add_article("Another text with words in it.", "Two").article.id
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (0, 16, "claim"))
    annotate(store, "alice", other, (0, 12, "claim"))  # bob never opened it: not a disagreement
    report = agreement(store)
    assert report.overall.pairs[0].articles == 1 and report.overall.pairs[0].exact.f1 == 1.0
    assert [a.id for a in report.articles] == [article]


def test_an_event_shows_who_worked_on_an_article(store: Store, article: str) -> None:
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (18, 41, "opinion"))
    other = store.add_article("Another text with words in it.", "Two").article.id
    annotate(store, "alice", other, (0, 12, "claim"))
    store.annotator = "bob"
    store.set_note(store.annotations(other)[0].id, "looked at it")  # bob worked on "Two", no spans
    report = agreement(store)
    assert report.overall.pairs[0].articles == 2
    two = next(a for a in report.articles if a.id == other)
    assert two.spans == {"alice": 1, "bob": 0} and two.overlap_f1 == 0.0


def test_gold_is_left_out_unless_named(store: Store, article: str) -> None:
    """The adjudicated gold set is an answer, not a team member: by default it is not compared."""
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (18, 41, "opinion"))
    annotate(store, GOLD, article, (0, 16, "claim"))
    report = agreement(store)
    assert report.annotators == ("alice", "bob")
    assert [p.annotators for p in report.overall.pairs] == [("alice", "bob")]
    assert report.articles[0].spans == {"alice": 1, "bob": 1}
    against = agreement(store, ["alice", GOLD])
    assert against.annotators == ("alice", GOLD) and against.overall.pairs[0].exact.f1 == 1.0


def test_three_annotators_against_the_references(store: Store, article: str) -> None:
    """Every figure equals the reference implementations on the same token labels, with carol
    missing from the second article."""
    other = store.add_article("Kim said the test was a success. Others disagree strongly.", "Two").article.id
    annotate(store, "alice", article, (0, 16, "claim"), (6, 23, "quote"), (42, 66, "opinion"))
    annotate(store, "bob", article, (0, 10, "claim"), (42, 87, "opinion"))
    annotate(store, "carol", article, (0, 16, "claim"), (67, 87, "quote"))
    annotate(store, "alice", other, (0, 32, "quote"))
    annotate(store, "bob", other, (4, 32, "quote"), (33, 58, "opinion"))
    report = agreement(store)
    names = ("alice", "bob", "carol")
    units: list[tuple[str | None, ...]] = []
    for article_id in (article, other):
        text = store.article(article_id).text
        spans = {n: [Span(a.start, a.end, a.tag) for a in store.annotations(article_id) if a.annotator == n]
                 for n in names}
        tokens = article_tokens(text, [s for v in spans.values() for s in v])
        labels = [token_labels(tokens, spans[n]) if spans[n] else [None] * len(tokens) for n in names]
        units.extend(zip(*labels, strict=True))
    assert close(report.overall.group.alpha, reference_alpha(units))
    for pair in report.overall.pairs:
        i, j = (names.index(n) for n in pair.annotators)
        both = [(u[i], u[j]) for u in units if u[i] is not None and u[j] is not None]
        assert close(pair.kappa, sklearn_kappa([x for x, _ in both], [y for _, y in both]))
        assert close(pair.alpha, reference_alpha(both))
    assert report.overall.group.articles == 2 and report.overall.group.spans == {"alice": 4, "bob": 4, "carol": 2}
    # the pooled group F1 sums every pair's matches and spans
    assert report.overall.group.exact.matched == sum(p.exact.matched for p in report.overall.pairs)
    assert report.overall.group.overlap.spans == sum(p.overlap.spans for p in report.overall.pairs)
    assert report_dict(report)["overall"]["all"]["alpha"] == report.overall.group.alpha


def test_one_tag_asked_gives_that_tags_figures(store: Store, article: str) -> None:
    annotate(store, "alice", article, (0, 16, "claim"), (6, 23, "quote"))
    annotate(store, "bob", article, (0, 10, "claim"), (18, 41, "quote"))
    whole = next(s for s in agreement(store).by_tag if s.tag == "quote")
    only = agreement(store, tag="quote")
    assert only.tag == "quote" and only.by_tag == [] and only.overall.tag == "quote"
    assert report_dict(only)["overall"] | {"tag": None} == report_dict(agreement(store))["by_tag"][1] | {"tag": None}
    assert only.overall.pairs[0].kappa == whole.pairs[0].kappa


def test_orphans_are_left_out(store: Store) -> None:
    first = store.add_article("Keep this sentence. Drop this one.", "One", source="a.txt").article.id
    annotate(store, "alice", first, (0, 19, "claim"), (20, 34, "quote"))
    annotate(store, "bob", first, (0, 19, "claim"))
    store.add_article("Keep this sentence. Something else entirely new here.", "One", source="a.txt")
    report = agreement(store)
    assert report.left_out == 1
    assert report.overall.pairs[0].exact.f1 == 1.0


def test_articles_sorted_worst_first(store: Store, article: str) -> None:
    bad = store.add_article("Another text with words in it, quite a few of them.", "Bad").article.id
    annotate(store, "alice", article, (0, 16, "claim"))
    annotate(store, "bob", article, (0, 16, "claim"))
    annotate(store, "alice", bad, (0, 12, "claim"))
    annotate(store, "bob", bad, (18, 30, "claim"))
    assert [a.title for a in agreement(store).articles] == ["Bad", "One"]


def test_errors(store: Store, article: str) -> None:
    annotate(store, "alice", article, (0, 16, "claim"))
    with pytest.raises(AgreementError, match="at least two annotators.*alice"):
        agreement(store)
    with pytest.raises(AgreementError, match="unknown annotator 'zed'"):
        agreement(store, ["alice", "zed"])
    annotate(store, "bob", article, (0, 16, "claim"))
    with pytest.raises(AgreementError, match="unknown tag 'nope'"):
        agreement(store, tag="nope")
    with pytest.raises(AgreementError, match="at least two"):
        agreement(store, ["alice", "alice"])
    other = store.add_article("Another text with words in it.", "Two").article.id
    annotate(store, "carol", other, (0, 12, "claim"))
    with pytest.raises(AgreementError, match="no article was worked on by at least two of: alice, carol"):
        agreement(store, ["alice", "carol"])
