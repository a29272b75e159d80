"""Adjudication: two annotators' annotations of one article, compared, settled into a gold set.

Annotations of A and B with the same span and tag agree. The rest form disagreements: groups of
A's and B's annotations that overlap one another (a span only one of them marked is a group of
one). Settling a disagreement copies A's, B's, both or neither of its annotations into the gold
set, an annotator named ``gold`` like any other: it exports with ``--annotator gold``.

Every decision is a row of the ``decisions`` table, written in one transaction with the gold
annotations it adds: the article, the pair, the disagreement (the ids and versions of the
annotations in it, so a disagreement whose annotations changed is a new one, to decide again),
the choice and the gold annotations it added. Deciding a disagreement again replaces the
decision; :func:`undo_decision` forgets the pair's newest one on the article and deletes (through
the store, so the event log has it) the gold annotations it added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from .errors import PenmarkError
from .model import Annotation, now
from .store import Store

GOLD = "gold"
Choice = Literal["a", "b", "both", "neither"]
AGREED = "agreed"  # the decision to take every agreement (``g``)


class AdjudicationError(PenmarkError):
    """Two annotators that cannot be compared on an article."""


def _key(notes: tuple[Annotation, ...]) -> str:
    return ",".join(sorted(f"{n.id}@{n.version}" for n in notes))


@dataclass(frozen=True, slots=True)
class Disagreement:
    start: int  # the stretch of text the group covers
    end: int
    a: tuple[Annotation, ...]  # A's annotations in the group
    b: tuple[Annotation, ...]

    @property
    def key(self) -> str:
        """What names it among the pair's decisions: its annotations' ids and versions."""
        return _key(self.a + self.b)


@dataclass(frozen=True, slots=True)
class Comparison:
    article_id: str
    a: str
    b: str
    agreed: tuple[Annotation, ...]  # A's side of each agreement
    disagreements: tuple[Disagreement, ...]

    @property
    def agreed_key(self) -> str:
        return f"{AGREED}:{_key(self.agreed)}"


def compare(store: Store, article_id: str, a: str, b: str) -> Comparison:
    if a == b:
        raise AdjudicationError("give two different annotators")
    notes = store.annotations(article_id)
    present = sorted({n.annotator for n in store.annotations(article_id, include_deleted=True)})
    missing = [name for name in (a, b) if name not in present]
    if missing:
        # The gold set is what adjudication writes, not a side to offer.
        sides = [name for name in present if name != GOLD]
        raise AdjudicationError(
            f"no annotations by {' or '.join(repr(name) for name in missing)} on article {article_id} "
            f"(annotators with annotations on it: {', '.join(sides) or 'none'})")
    mine = [n for n in notes if n.annotator == a and n.anchor != "orphan"]
    theirs = [n for n in notes if n.annotator == b and n.anchor != "orphan"]
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
    return Comparison(article_id, a, b, agreed, tuple(
        Disagreement(
            min(n.start for _s, n in group), max(n.end for _s, n in group),
            tuple(n for s, n in group if s == "a"), tuple(n for s, n in group if s == "b"),
        )
        for group in groups
    ))


def _gold(store: Store) -> Store:
    """The store as the gold annotator sees it: the same connection, another name (and the same
    lock, so no other thread uses the connection in the middle of a decision)."""
    gold = Store(store.conn, annotator=GOLD, path=store.path)
    gold._lock = store._lock
    return gold


def _copy(gold: Store, notes: tuple[Annotation, ...] | list[Annotation]) -> list[str]:
    """Copy ``notes`` into the gold set (each once); the ids of the gold annotations made."""
    if not notes:
        return []
    present = {(n.start, n.end, n.tag) for n in gold.annotations(notes[0].article_id) if n.annotator == GOLD}
    added = []
    for note in notes:
        if (note.start, note.end, note.tag) not in present:
            added.append(gold.create(note.article_id, note.start, note.end, note.tag, note.note).id)
            present.add((note.start, note.end, note.tag))
    return added


def _remove(gold: Store, ids: list[str]) -> int:
    """Delete (softly, logged) the gold annotations a decision added, those still live."""
    removed = 0
    for annotation_id in ids:
        if gold.annotation(annotation_id).deleted is None:
            gold.delete(annotation_id)
            removed += 1
    return removed


def _flip(choice: str) -> str:
    return {"a": "b", "b": "a"}.get(choice, choice)


def _pair(comparison: Comparison) -> tuple[str, str, bool]:
    """The pair as decisions store it, in name order (so ``B A`` finds what ``A B`` decided),
    and whether that swapped A and B."""
    swapped = comparison.b < comparison.a
    return (comparison.b, comparison.a, True) if swapped else (comparison.a, comparison.b, False)


def _decide(store: Store, comparison: Comparison, key: str, choice: str, notes: list[Annotation]) -> int:
    """Record ``choice`` for the disagreement ``key`` (replacing an earlier decision of it) and
    copy ``notes`` into gold, in one transaction; how many gold annotations were added."""
    a, b, swapped = _pair(comparison)
    gold = _gold(store)
    where = (comparison.article_id, a, b, key)
    with store.transaction() as conn:
        earlier = conn.execute(
            "SELECT seq, gold FROM decisions WHERE article_id = ? AND a = ? AND b = ? AND disagreement = ?", where
        ).fetchone()
        if earlier is not None:
            _remove(gold, json.loads(earlier[1]))
            conn.execute("DELETE FROM decisions WHERE seq = ?", (earlier[0],))
        added = _copy(gold, notes)
        conn.execute(
            "INSERT INTO decisions(article_id, a, b, disagreement, choice, gold, decided) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*where, _flip(choice) if swapped else choice, json.dumps(added), now()),
        )
    return len(added)


def settle(store: Store, comparison: Comparison, disagreement: Disagreement, choice: Choice) -> int:
    """Decide ``disagreement``: the chosen side(s) go into the gold set; how many annotations."""
    chosen = {"a": disagreement.a, "b": disagreement.b, "both": disagreement.a + disagreement.b,
              "neither": ()}[choice]
    return _decide(store, comparison, disagreement.key, choice, list(chosen))


def accept_agreements(store: Store, comparison: Comparison) -> int:
    """Copy every agreement into the gold set (a decision too, which ``undo_decision`` reverts)."""
    if not comparison.agreed:
        return 0
    return _decide(store, comparison, comparison.agreed_key, AGREED, list(comparison.agreed))


def decisions(store: Store, comparison: Comparison) -> dict[str, str]:
    """The pair's decisions on the article: disagreement key -> choice (as A and B stand here)."""
    a, b, swapped = _pair(comparison)
    with store.reading() as conn:
        rows = conn.execute("SELECT disagreement, choice FROM decisions WHERE article_id = ? AND a = ? AND b = ?",
                            (comparison.article_id, a, b)).fetchall()
    return {key: _flip(choice) if swapped else choice for key, choice in rows}


def settled(store: Store, comparison: Comparison, disagreement: Disagreement) -> bool:
    """Whether a decision was made for exactly this disagreement (these annotations as they are)."""
    return disagreement.key in decisions(store, comparison)


@dataclass(frozen=True, slots=True)
class Undone:
    choice: str  # "a", "b", "both", "neither" or "agreed"
    disagreement: str  # its key
    removed: int  # gold annotations deleted


def undo_decision(store: Store, comparison: Comparison) -> Undone | None:
    """Forget the pair's newest decision on the article and delete the gold annotations it added;
    None when there is none."""
    a, b, swapped = _pair(comparison)
    gold = _gold(store)
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT seq, disagreement, choice, gold FROM decisions WHERE article_id = ? AND a = ? AND b = ? "
            "ORDER BY seq DESC LIMIT 1", (comparison.article_id, a, b)).fetchone()
        if row is None:
            return None
        seq, key, choice, ids = row
        removed = _remove(gold, json.loads(ids))
        conn.execute("DELETE FROM decisions WHERE seq = ?", (seq,))
    return Undone(_flip(choice) if swapped else choice, key, removed)



