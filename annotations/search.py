"""Find prior annotations, and passages of articles, by fuzzy keyword: fast at a million rows.

How a query runs (``Searcher.annotations``):

1. Each free word becomes a group of alternatives: itself, itself as a prefix, its letter/digit
   parts as a phrase (``hwasong20`` -> ``hwasong 20``), and the index's own terms within one or
   two edits of it (``denuclearisation`` -> ``denuclearization``; transpositions count as one).
   The vocabulary comes from FTS5 and is cached; it only adds typo alternatives, so a stale
   cache never hides an exact match.
2. The groups are ANDed into an FTS5 MATCH whose every term is quoted (user text is never FTS5
   syntax), joined to the annotations with the filters in SQL, newest first, capped at
   ``CANDIDATES`` rows: FTS5 walks its index backwards, so a common word costs no more than a
   rare one.
3. The candidates (read narrow: seq, quote and note) are re-ranked by
   ``rapidfuzz.fuzz.partial_ratio`` of the query against quote and note, plus the share of query
   words they contain; only the winners' whole rows are read and get their matches marked.
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from . import schema
from .model import ANNOTATION_COLUMNS, Annotation
from .query import Query, fold, parse, tag_key, token_spans, tokens

if TYPE_CHECKING:
    from .store import Store

CANDIDATES = 400
_LETTERS_DIGITS = re.compile(r"[^\W\d_]+|\d+")
_WORD = re.compile(r"[^\W_]+")
_SELECT = ", ".join(f'a."{c}"' for c in ANNOTATION_COLUMNS)


@dataclass(frozen=True, slots=True)
class Hit:
    annotation: Annotation
    title: str
    score: float
    marks: tuple[tuple[int, int], ...]  # spans of the quote that matched the query


@dataclass(frozen=True, slots=True)
class Passage:
    article_id: str
    title: str
    start: int  # the first match in the article's text (code points)
    end: int
    snippet: str  # the text around it, on one line
    snippet_marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Results:
    hits: list[Hit]
    hints: tuple[str, ...]


class Vocabulary:
    """The search index's terms with how many annotations use each, bucketed by length."""

    def __init__(self, terms: Iterable[tuple[str, int]]) -> None:
        self.documents: dict[str, int] = dict(terms)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for term in self.documents:
            self._by_length[len(term)].append(term)
        self.near = lru_cache(maxsize=4096)(self._near)

    def _near(self, word: str) -> tuple[str, ...]:
        """Terms within one edit of ``word`` (two for words of eight letters or more)."""
        if len(word) < 4 or word.isdigit():
            return ()
        limit = 1 if len(word) < 8 else 2
        found: list[str] = []
        for length in range(len(word) - limit, len(word) + limit + 1):
            pool = self._by_length.get(length)
            if pool:
                matches = process.extract(word, pool, scorer=OSA.distance, score_cutoff=limit, limit=8)
                found.extend(term for term, _distance, _index in matches)
        return tuple(sorted(found))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Searcher:
    """Searches one store. Safe to call from a worker thread (it reads through the store's lock)."""

    def __init__(self, store: Store, *, vocabulary_max_age: float = 30.0, vocabulary_min_age: float = 3.0) -> None:
        self.store = store
        self.vocabulary_max_age = vocabulary_max_age  # the longest a vocabulary is used (others' saves)
        self.vocabulary_min_age = vocabulary_min_age  # the shortest, after a save through this store
        self._vocabularies: dict[str, tuple[Vocabulary, float]] = {}  # index -> (it, when loaded)
        self._committed_at = 0.0  # when this store last committed
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()  # a read may load the vocabulary on the way
        store.commit_hooks.append(self._committed)

    def _committed(self) -> None:
        # Called on every save: only note the time (a reload is left to the next search).
        self._committed_at = time.monotonic()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of the searcher's own for a database file, so a long read (loading the
        vocabulary of a million annotations) never holds up a save on the store's connection."""
        if self.store.path is None:  # an in-memory database has only the store's connection
            with self.store.reading() as conn:
                yield conn
            return
        with self._lock:
            if self._conn is None:
                self._conn = schema.connect(self.store.path)
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._committed in self.store.commit_hooks:
                self.store.commit_hooks.remove(self._committed)
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- the vocabulary ------------------------------------------------------------------

    def vocabulary(self, index: str = "annotations_fts") -> Vocabulary:
        """The terms of ``index`` (annotations_fts or articles_fts), cached. Reloaded once it is
        ``vocabulary_max_age`` old, or ``vocabulary_min_age`` old if this store saved since: a
        new word soon becomes typo-findable, yet a burst of saves costs one reload, not one each
        (loading a million annotations' terms takes a third of a second)."""
        cached = self._vocabularies.get(index)
        now = time.monotonic()
        if cached is not None:
            vocabulary, loaded_at = cached
            age = now - loaded_at
            if age <= self.vocabulary_max_age and (self._committed_at < loaded_at or age <= self.vocabulary_min_age):
                return vocabulary
        with self._reading() as conn:
            conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{index}_terms USING fts5vocab(main, '{index}', 'row')")
            vocabulary = Vocabulary(conn.execute(f"SELECT term, doc FROM temp.{index}_terms"))
        self._vocabularies[index] = (vocabulary, now)
        return vocabulary

    def _alternatives(self, word: str, vocabulary: Vocabulary) -> list[str]:
        """FTS5 terms, any of which may stand for ``word``."""
        found = [_quoted(word) + ("*" if len(word) >= 3 and not word.isdigit() else "")]
        parts = _LETTERS_DIGITS.findall(word)
        if len(parts) > 1:
            found.append(_quoted(" ".join(parts)))
        found.extend(_quoted(term) for term in vocabulary.near(word))
        return found

    def _match(self, query: Query, *, note_column: bool, vocabulary: Vocabulary) -> str:
        groups = [f"({' OR '.join(self._alternatives(word, vocabulary))})" for word in query.words]
        groups += [_quoted(" ".join(phrase)) for phrase in query.phrases]
        if query.note_words:
            notes = " AND ".join(f"({' OR '.join(self._alternatives(w, vocabulary))})" for w in query.note_words)
            groups.append(f"note : ({notes})" if note_column else f"({notes})")
        return " AND ".join(groups)

    @staticmethod
    def _marked_terms(query: Query, vocabulary: Vocabulary) -> tuple[set[str], tuple[str, ...]]:
        """Words to highlight: exact terms and typo alternatives, and prefixes."""
        exact: set[str] = set()
        for word in (*query.words, *query.note_words):
            exact.add(word)
            exact.update(_LETTERS_DIGITS.findall(word))
            exact.update(vocabulary.near(word))
        exact.update(word for phrase in query.phrases for word in phrase)
        prefixes = tuple(w for w in (*query.words, *query.note_words) if len(w) >= 3 and not w.isdigit())
        return exact, prefixes

    # --- annotations ---------------------------------------------------------------------

    def annotations(self, raw: str, *, limit: int = 50) -> Results:
        """Annotations matching the query ``raw`` (see query.py), best first."""
        query = parse(raw)
        if query.empty:
            return Results([], query.hints)
        hints = list(query.hints)
        where, args = ["a.deleted IS NULL"], []
        if query.tags or query.not_tags:
            with self._reading() as conn:
                names = [name for (name,) in conn.execute("SELECT name FROM tags")]
            tags, unknown = _tags_named(names, query.tags)
            not_tags, not_unknown = _tags_named(names, query.not_tags)
            if unknown or not_unknown:
                hints.append(f"no tag is named {', '.join(unknown + not_unknown)} (tags: {', '.join(names)})")
            if unknown and not tags:
                return Results([], tuple(hints))
            if tags:
                where.append("a.tag IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(tags))
            if not_tags:
                where.append("a.tag NOT IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(not_tags))
        if query.annotators:
            where.append("lower(a.annotator) IN (SELECT lower(value) FROM json_each(?))")
            args.append(json.dumps(list(query.annotators)))
        if query.title_words:
            articles = self._articles_titled(query.title_words)
            if not articles:
                return Results([], (*hints, f"no article title matches in:{' '.join(query.title_words)}"))
            where.append("a.article_id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(articles))
        # Candidates are read narrow (seq, quote, note): whole rows only for the winners.
        if query.has_terms:
            sql = (
                "SELECT a.seq, a.quote, a.note FROM annotations_fts JOIN annotations a ON a.seq = annotations_fts.rowid "
                f"WHERE annotations_fts MATCH ? AND {' AND '.join(where)} ORDER BY annotations_fts.rowid DESC LIMIT ?"
            )
            args = [self._match(query, note_column=True, vocabulary=self.vocabulary()), *args, CANDIDATES]
        else:
            sql = f"SELECT a.seq, a.quote, a.note FROM annotations a WHERE {' AND '.join(where)} ORDER BY a.seq DESC LIMIT ?"
            args.append(limit)
        with self._reading() as conn:
            best = _best(query, conn.execute(sql, args).fetchall(), limit)
            rows = {
                row[0]: row[1:]
                for row in conn.execute(
                    f"SELECT a.seq, {_SELECT}, ar.title FROM annotations a JOIN articles ar ON ar.id = a.article_id "
                    "WHERE a.seq IN (SELECT value FROM json_each(?))",
                    [json.dumps([seq for _score, seq in best])],
                )
            }
        exact, prefixes = self._marked_terms(query, self.vocabulary())
        hits = [
            Hit(note := Annotation(*rows[seq][:-1]), rows[seq][-1], round(score, 1), _marks(note.quote, exact, prefixes))
            for score, seq in best
            if seq in rows  # deleted between the two reads
        ]
        if not hits:
            hints.append(_nothing_found(query))
        return Results(hits, tuple(hints))

    def _articles_titled(self, words: tuple[str, ...]) -> list[str]:
        """Ids of articles whose title has every one of ``words`` (as a prefix, typos forgiven)."""
        with self._reading() as conn:
            titles = conn.execute("SELECT id, title FROM articles").fetchall()
        found = []
        for article_id, title in titles:
            title_words = tokens(title)
            if all(any(t.startswith(w) or (len(w) >= 4 and OSA.distance(w, t) <= 1) for t in title_words)
                   for w in words):
                found.append(article_id)
        return found

    # --- passages and similar quotes -------------------------------------------------------

    def passages(self, raw: str, *, limit: int = 30) -> tuple[list[Passage], tuple[str, ...]]:
        """Articles whose text matches the query's words, with where the first match is."""
        query = parse(raw)
        hints = list(query.hints)
        if not (query.words or query.phrases):
            return [], (*hints, "type words to find in the articles' text")
        if query.tags or query.not_tags or query.annotators or query.note_words:
            hints.append("tag:, by: and note: apply to annotations, not to passages")
        where, args = "", []
        if query.title_words:
            where = " AND ar.id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(self._articles_titled(query.title_words)))
        plain = Query(words=query.words, phrases=query.phrases)
        vocabulary = self.vocabulary("articles_fts")  # typos forgiven against the articles' words
        match = self._match(plain, note_column=False, vocabulary=vocabulary)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT ar.id, ar.title, ar.text FROM articles_fts JOIN articles ar ON ar.seq = articles_fts.rowid "
                f"WHERE articles_fts MATCH ?{where} ORDER BY rank LIMIT ?",
                [match, *args, limit],
            ).fetchall()
        exact, prefixes = self._marked_terms(plain, vocabulary)
        phrase = plain.phrases[0] if plain.phrases else None
        passages = [_passage(article_id, title, text, exact, prefixes, phrase) for article_id, title, text in rows]
        if not passages:
            hints.append(_nothing_found(query))
        return passages, tuple(hints)

    def similar(self, annotation: Annotation, *, limit: int = 20) -> list[Hit]:
        """Quotes in other articles most like this annotation's: the same claim elsewhere."""
        # Its rarest words that other annotations share (a word only it has cannot find another).
        documents = self.vocabulary().documents
        words = sorted(set(tokens(annotation.quote)), key=lambda w: (documents.get(w, 0), w))
        rare = [w for w in words if len(w) > 3 and not w.isdigit() and documents.get(w, 2) > 1][:10]
        if not rare:
            return []
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_SELECT}, ar.title FROM annotations_fts "
                "JOIN annotations a ON a.seq = annotations_fts.rowid JOIN articles ar ON ar.id = a.article_id "
                "WHERE annotations_fts MATCH ? AND a.deleted IS NULL AND a.article_id != ? "
                "ORDER BY annotations_fts.rowid DESC LIMIT ?",
                [" OR ".join(_quoted(w) for w in rare), annotation.article_id, CANDIDATES],
            ).fetchall()
        mine = fold(annotation.quote)
        scored = []
        for row in rows:
            other = Annotation(*row[:-1])
            score = fuzz.token_set_ratio(mine, fold(other.quote))
            scored.append(Hit(other, row[-1], round(score, 1), _marks(other.quote, set(rare), ())))
        scored.sort(key=lambda hit: hit.score, reverse=True)
        return scored[:limit]


def _tags_named(names: list[str], values: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The tag ``names`` that ``values`` stand for (see tag_key), and the values naming none."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_key[tag_key(name)].append(name)
    found = [name for value in values for name in by_key.get(tag_key(value), ())]
    return found, [value for value in values if tag_key(value) not in by_key]


def _best(query: Query, candidates: list[tuple[int, str, str]], limit: int) -> list[tuple[float, int]]:
    """(score, seq) of the ``limit`` best ``candidates`` (seq, quote, note; newest first): the
    likeness of quote and note to the query, plus the share of the query's words they hold."""
    text = query.text
    if not text:  # filters only: newest first
        return [(0.0, seq) for seq, _quote, _note in candidates[:limit]]
    finders = [_word_finder(word) for word in (*query.words, *(w for p in query.phrases for w in p), *query.note_words)]
    scored = []
    for position, (seq, quote, note) in enumerate(candidates):
        folded = fold(f"{quote} {note}" if note else quote)
        found = sum(1 for finder in finders if finder.search(folded))
        score = 0.6 * fuzz.partial_ratio(text, folded) + 40.0 * found / len(finders)
        scored.append((score, -position, seq))  # newer first among equals
    return [(score, seq) for score, _position, seq in heapq.nlargest(limit, scored)]


@lru_cache(maxsize=256)
def _word_finder(word: str) -> re.Pattern[str]:
    """Finds ``word`` in folded text at the start of a word: as a prefix if it has three letters
    or more (``sanct`` finds "sanctions"), else whole (``un`` must not find "under")."""
    end = "" if len(word) >= 3 and not word.isdigit() else r"(?![^\W_])"
    return re.compile(r"(?<![^\W_])" + re.escape(word) + end)


def _marks(text: str, exact: set[str], prefixes: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` whose words are among ``exact`` or start with one of ``prefixes``."""
    spans: list[tuple[int, int]] = []
    for start, end, word in token_spans(text):
        if word in exact or any(word.startswith(p) for p in prefixes):
            if spans and spans[-1][1] >= start - 1:  # join neighbours: "Hwasong-20" is one mark
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return tuple(spans)


def _passage(
    article_id: str, title: str, text: str, exact: set[str], prefixes: tuple[str, ...],
    phrase: tuple[str, ...] | None = None,
) -> Passage:
    """The first place in ``text`` where the query's phrase shows (or, without one, a query
    word), and a one-line snippet around it."""
    start = end = 0
    match = None
    if phrase:  # its words in order with only non-words between them, as FTS5 matched them
        pattern = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, phrase)) + r"(?![^\W_])")
        match = pattern.search(fold(text))  # fold is one character for one: offsets hold
    if match is None:
        words = sorted(exact | set(prefixes), key=len, reverse=True)
        pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, words)) + ")", re.IGNORECASE)
        match = _densest(pattern, text)
        if match is None:  # accents or case folding that a plain search cannot see: fold and look
            match = _densest(pattern, fold(text[:200_000]))
    if match is not None:
        start = match.start()
        word = _WORD.match(text, start)
        end = max(word.end() if word else match.end(), match.end() if phrase else 0)
    left = max(0, start - 60)
    if left:  # begin the snippet on a whole word
        left = next((i + 1 for i in range(left, start) if text[i].isspace()), left)
    snippet = " ".join(text[left : end + 80].split())  # one line: newlines and runs of spaces squeezed
    return Passage(article_id, title, start, end, snippet, _marks(snippet, exact, prefixes))


_NEAR = 80  # characters after a match in which the query's other words count toward it
_TRIED = 200  # matches weighed: the first ones, so a long article costs no more than a short one


def _densest(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` followed most closely by the query's other words: a
    passage, not the title line that happens to hold one of them ("bike" of "Bike Lanes")."""
    best, most = None, 0
    for match in itertools.islice(pattern.finditer(text), _TRIED):
        found = len({m.group().lower() for m in pattern.finditer(text, match.start(), match.start() + _NEAR)})
        if found > most:
            best, most = match, found
    return best


def _nothing_found(query: Query) -> str:
    parts = [" ".join(query.words)] if query.words else []
    parts += [f'"{" ".join(p)}"' for p in query.phrases]
    what = " ".join(parts) or "those filters"
    return f"nothing matches {what}"
