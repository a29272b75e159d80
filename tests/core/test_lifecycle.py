"""The whole life of an annotation, as a hypothesis state machine: create, retag, re-note,
resize, delete, undo, redo, close and reopen the database, and re-import an edited article. After
every step the store must equal a simple model, and every live annotation must slice its
article's text exactly to its quote.

The article's words are all different, so a quote names one place (checked as whole words: an
annotation shifted onto "word1" inside "word10" would fail); the edits a re-import brings stay
outside every passage any annotation ever covered, so every annotation must stay exact.
(Edits inside a passage are the subject of the properties in test_reanchor.py.)
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from annotations.store import NewArticle, Store

TAGS = ("claim", "opinion", "quote", "call-to-action")
BASE = " ".join(f"word{i}" for i in range(30)) + "."


@dataclass(frozen=True)
class State:
    """What an annotation says, as the model knows it (where it stands follows from the quote)."""

    tag: str
    note: str
    quote: str
    deleted: bool


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.store = Store.open(self.folder / "p.db", annotator="me")
        self.article = self.store.add_article(BASE, "t", id="doc").article.id
        self.text = BASE
        self.model: dict[str, State] = {}
        self.done: list[tuple[str, State | None, State]] = []  # (id, before, after)
        self.undone: list[tuple[str, State | None, State]] = []
        self.quotes: set[str] = set()  # every passage any annotation ever covered
        self.versions = 0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def span(self, data: st.DataObject) -> tuple[int, int]:
        words = [m.span() for m in re.finditer(r"\w+", self.text)]
        first = data.draw(st.integers(0, len(words) - 1))
        last = data.draw(st.integers(first, min(len(words) - 1, first + 4)))
        return words[first][0], words[last][1]

    def live(self) -> list[str]:
        return sorted(i for i, s in self.model.items() if not s.deleted)

    def changed(self, note_id: str, before: State | None, after: State) -> None:
        self.model[note_id] = after
        self.quotes.add(after.quote)
        self.done.append((note_id, before, after))
        self.undone.clear()

    # --- rules -----------------------------------------------------------------------------

    @rule(data=st.data(), tag=st.sampled_from(TAGS))
    def create(self, data: st.DataObject, tag: str) -> None:
        start, end = self.span(data)
        made = self.store.create(self.article, start, end, tag)
        self.changed(made.id, None, State(tag, "", self.text[start:end], False))

    @precondition(lambda self: self.live())
    @rule(data=st.data(), tag=st.sampled_from(TAGS))
    def retag(self, data: st.DataObject, tag: str) -> None:
        note_id = data.draw(st.sampled_from(self.live()))
        before = self.model[note_id]
        self.store.retag(note_id, tag)
        self.changed(note_id, before, State(tag, before.note, before.quote, False))

    @precondition(lambda self: self.live())
    @rule(data=st.data(), note=st.text(alphabet="ab [/]\n", max_size=6))
    def renote(self, data: st.DataObject, note: str) -> None:
        note_id = data.draw(st.sampled_from(self.live()))
        before = self.model[note_id]
        self.store.set_note(note_id, note)
        self.changed(note_id, before, State(before.tag, note, before.quote, False))

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def resize(self, data: st.DataObject) -> None:
        note_id = data.draw(st.sampled_from(self.live()))
        before = self.model[note_id]
        start, end = self.span(data)
        self.store.resize(note_id, start, end)
        self.changed(note_id, before, State(before.tag, before.note, self.text[start:end], False))

    @precondition(lambda self: self.live())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        note_id = data.draw(st.sampled_from(self.live()))
        before = self.model[note_id]
        self.store.delete(note_id)
        self.changed(note_id, before, State(before.tag, before.note, before.quote, True))

    @rule()
    def undo(self) -> None:
        undone = self.store.undo()
        if not self.done:
            assert undone is None
            return
        note_id, before, after = self.done.pop()
        assert undone is not None and undone.id == note_id
        self.model[note_id] = before or State(after.tag, after.note, after.quote, True)
        self.undone.append((note_id, before, after))

    @rule()
    def redo(self) -> None:
        redone = self.store.redo()
        if not self.undone:
            assert redone is None
            return
        note_id, before, after = self.undone.pop()
        assert redone is not None and redone.id == note_id
        self.model[note_id] = after
        self.done.append((note_id, before, after))

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = Store.open(self.folder / "p.db", annotator="me")

    @rule(data=st.data())
    def reimport_edited(self, data: st.DataObject) -> None:
        covered = []
        for quote in self.quotes:
            at = self.text.find(quote)
            assert at >= 0, quote
            covered.append((at, at + len(quote)))
        places = [m.start() for m in re.finditer(r"\w+", self.text)
                  if not any(a < m.start() < b for a, b in covered)]
        place = data.draw(st.sampled_from(places))
        self.versions += 1
        self.text = f"{self.text[:place]}new{self.versions} {self.text[place:]}"
        (added,) = self.store.add_articles([NewArticle(self.text, "t", id=self.article)])
        assert added.reanchored == {"exact": len(self.live()), "fuzzy": 0, "orphan": 0}

    # --- what must always hold -------------------------------------------------------------

    @invariant()
    def store_equals_model(self) -> None:
        assert self.store.article(self.article).text == self.text
        for note_id, state in self.model.items():
            note = self.store.annotation(note_id)
            assert State(note.tag, note.note, note.quote, note.deleted is not None) == state
            if not state.deleted:
                assert note.anchor == "exact" and self.text[note.start : note.end] == note.quote
                # Where it stands, too: the words are unique, so its quote as whole words is one
                # place ("word1" sliced out of "word10" would pass the check above).
                [place] = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(note.quote)}(?!\w)", self.text)]
                assert note.start == place
        assert len(self.store.annotations()) == len(self.live())


Lifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_the_life_of_an_annotation = Lifecycle.TestCase
