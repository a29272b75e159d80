"""Adjudication: two annotators' annotations of one article, compared, settled into a gold set.

Annotations of A and B with the same span and tag agree. The rest form disagreements: groups of
A's and B's annotations that overlap one another (a span only one of them marked is a group of
one). Settling a disagreement copies A's, B's, both or neither of its annotations into the gold
set, an annotator named ``gold`` like any other: it exports with ``--annotator gold``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import PenmarkError
from .model import Annotation
from .store import Store

GOLD = "gold"
Choice = Literal["a", "b", "both", "neither"]


class AdjudicationError(PenmarkError):
    """Two annotators that cannot be compared on an article."""


@dataclass(frozen=True, slots=True)
class Disagreement:
    start: int  # the stretch of text the group covers
    end: int
    a: tuple[Annotation, ...]  # A's annotations in the group
    b: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    agreed: tuple[Annotation, ...]  # A's side of each agreement
    disagreements: tuple[Disagreement, ...]


def compare(store: Store, article_id: str, a: str, b: str) -> Comparison:
    if a == b:
        raise AdjudicationError("give two different annotators")
    notes = store.annotations(article_id)
    mine = [n for n in notes if n.annotator == a and n.anchor != "orphan"]
    theirs = [n for n in notes if n.annotator == b and n.anchor != "orphan"]
    if not mine and not theirs:
        raise AdjudicationError(f"neither {a!r} nor {b!r} annotated article {article_id}")
    keys_b = {(n.start, n.end, n.tag) for n in theirs}
    keys_a = {(n.start, n.end, n.tag) for n in mine}
    agreed = tuple(n for n in mine if (n.start, n.end, n.tag) in keys_b)
    rest = sorted(
        [("a", n) for n in mine if (n.start, n.end, n.tag) not in keys_b]
        + [("b", n) for n in theirs if (n.start, n.end, n.tag) not in keys_a],
        key=lambda item: (item[1].start, item[1].end),
    )
    groups: list[list[tuple[str, Annotation]]] = []
    end = -1
    for side, note in rest:  # sorted by start: a group runs while the next one overlaps it
        if groups and note.start < end:
            groups[-1].append((side, note))
            end = max(end, note.end)
        else:
            groups.append([(side, note)])
            end = note.end
    return Comparison(agreed, tuple(
        Disagreement(
            min(n.start for _s, n in group), max(n.end for _s, n in group),
            tuple(n for s, n in group if s == "a"), tuple(n for s, n in group if s == "b"),
        )
        for group in groups
    ))


def _gold(store: Store) -> Store:
    """The store as the gold annotator sees it: the same connection, another name."""
    return Store(store.conn, annotator=GOLD, path=store.path)


def _copy(gold: Store, notes: tuple[Annotation, ...] | list[Annotation]) -> int:
    """Copy ``notes`` into the gold set (each once); how many were new."""
    if not notes:
        return 0
    present = {(n.start, n.end, n.tag) for n in gold.annotations(notes[0].article_id) if n.annotator == GOLD}
    added = 0
    for note in notes:
        if (note.start, note.end, note.tag) not in present:
            gold.create(note.article_id, note.start, note.end, note.tag, note.note)
            present.add((note.start, note.end, note.tag))
            added += 1
    return added


def settle(store: Store, disagreement: Disagreement, choice: Choice) -> int:
    """Copy the chosen side(s) of ``disagreement`` into the gold set; how many annotations."""
    chosen = {"a": disagreement.a, "b": disagreement.b, "both": disagreement.a + disagreement.b,
              "neither": ()}[choice]
    return _copy(_gold(store), list(chosen))


def accept_agreements(store: Store, comparison: Comparison) -> int:
    """Copy every agreement into the gold set."""
    return _copy(_gold(store), list(comparison.agreed))


def settled(store: Store, disagreement: Disagreement) -> bool:
    """Whether the gold set already has an annotation in the disagreement's stretch."""
    notes = disagreement.a + disagreement.b
    return any(
        n.annotator == GOLD and n.start < disagreement.end and disagreement.start < n.end
        for n in store.annotations(notes[0].article_id)
    )
