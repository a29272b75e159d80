"""Searching a million annotations beside a plain in-memory scan of the same texts: speed, typo
recall on planted words, and memory."""

from __future__ import annotations

import random
import re
import sys
import time
import tracemalloc
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from annotations import schema
from annotations.query import parse, tokens
from annotations.search import Searcher
from annotations.store import NewArticle, Store
from annotations.text import canonicalize, context

from .harness import Result, once, percentile
from .store_bench import WORK

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLES = 10_000
TAGS = ("claim", "opinion", "quote", "call-to-action")
STAMP = "2025-01-01T00:00:00.000Z"
ROUNDS = 3
GOALS: dict[int, tuple[float | None, float | None]] = {1_000_000: (0.15, 0.5), 100_000: (0.5, None)}  # p50, p99

# Words the generated prose never says: each is planted in exactly five annotations.
PLANTED = {
    "denuclearization": (
        "Negotiators in Geneva said denuclearization remained the stated goal of the talks.",
        "Any roadmap to denuclearization would need inspectors on the ground, a senior diplomat warned.",
        "The joint communique dropped all mention of denuclearization for the first time in a decade.",
        "Critics called the denuclearization pledge vague, unverifiable and easy to abandon.",
        "Pyongyang has rejected denuclearization as a precondition for any dialogue with Washington.",
    ),
    "Hwasong-20": (
        "The Hwasong-20 was shown on a new eleven-axle launcher during the night parade.",
        "Analysts estimate the Hwasong-20 could carry several warheads across the Pacific.",
        "State television aired footage it said showed an engine test for the Hwasong-20.",
        "Satellite images suggest preparations for a Hwasong-20 launch near the east coast.",
        "Officials in Tokyo said the Hwasong-20 had not yet been flight tested.",
    ),
}
# Where the planted sentences go, as shares of the articles (annotations are stored in article
# order, so these run from old to new); the two words alternate.
PLANTED_AT = (0.02, 0.13, 0.24, 0.35, 0.46, 0.57, 0.68, 0.79, 0.9, 0.999)

TYPOS = {  # query -> the planted word it must find
    "denuclearisation": "denuclearization",
    "denuclearizaton": "denuclearization",
    "Hwasong 20": "Hwasong-20",
    "Hwasnog-20": "Hwasong-20",
    "hwasong20": "Hwasong-20",
}
QUERIES = (
    *TYPOS,
    "the government", "said", "korea", "nuclear", "united states",
    "missi", "sanct",
    "north korea missile", "kim jong un", "russia military cooperation", "police said last week",
    '"ballistic missile"',
    "tag:claim sanctions", "-tag:opinion military",
    "goverment", "misile launch", "sanctoins",
    "xylophone",  # nothing matches
)

# Everyday news words and phrases the sample articles (all on North Korea) lack.
_NEWS = (
    "the government", "the prime minister", "the president", "officials", "the ministry", "lawmakers",
    "the opposition", "the central bank", "inflation", "interest rates", "the economy", "unemployment",
    "the budget", "tax cuts", "the election", "voters", "the polls", "the court", "judges", "prosecutors",
    "police", "the investigation", "hospitals", "doctors", "nurses", "vaccines", "schools", "teachers",
    "students", "climate change", "emissions", "floods", "wildfires", "the storm", "energy prices", "oil",
    "gas supplies", "the stock market", "investors", "shares", "the company", "workers", "the union",
    "a strike", "farmers", "exports", "tariffs", "the trade deal", "the city council", "residents",
    "the mayor", "housing", "rents", "the airport", "railways", "the league", "the coach", "the final",
    "researchers", "scientists", "the study", "technology firms", "artificial intelligence", "privacy",
    "social media", "refugees", "the border", "aid agencies", "the ceasefire", "peace talks", "diplomats",
    "the embassy", "the summit", "last week", "on Monday", "on Tuesday", "on Thursday", "this year",
    "next month", "announced", "reported", "warned", "confirmed", "denied", "approved", "rejected",
    "proposed", "increased", "fell", "rose", "according to", "despite", "after", "before", "while",
)
_SPEAKERS = (
    "officials", "the ministry", "a spokesperson", "police", "the company", "analysts", "the government",
    "witnesses", "a senior diplomat", "the report",
)
_SYLLABLES = (
    "al", "an", "ar", "ba", "bel", "bor", "ca", "chi", "da", "del", "dor", "el", "en", "fa", "fen", "gar",
    "gor", "ha", "in", "ka", "kel", "lo", "lin", "ma", "mer", "mon", "na", "nor", "o", "pa", "per", "ra",
    "ri", "sa", "sel", "ta", "tor", "u", "ven", "vi", "zu",
)
_STRIP = "\"\u201c\u201d\u2018\u2019'()[]\u2014\u2013:;.!?*#"
_WORD = re.compile(r"\S+")


def _allowed(word: str) -> bool:
    """Whether ``word`` is clear of the planted words, as the search index splits it."""
    return not any(t.startswith("hwasong") or t in ("denuclearization", "denuclearisation") for t in tokens(word))


class Prose:
    """Sentences of 8-30 words recombined from the sample articles' word pairs (with their
    frequencies, so common words stay common), everyday news phrases, made-up names and numbers."""

    def __init__(self, rng: random.Random, names: int = 30_000) -> None:
        self.rng = rng
        self._words = [w for path in sorted(SEEDS.glob("*.txt")) for raw in path.read_text("utf-8").split()
                       if (w := raw.strip(_STRIP)) and _allowed(w)]
        self._next: dict[str, list[str]] = defaultdict(list)
        for first, second in zip(self._words, self._words[1:]):
            self._next[first].append(second)
        pool: dict[str, None] = {}
        while len(pool) < names:
            name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            if _allowed(name):
                pool[name] = None
        self._names = list(pool)

    def word(self, previous: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:  # a few names are common, most rare: the vocabulary grows large
            return self._names[int(len(self._names) * rng.random() ** 3)]
        if roll < 0.06:
            return f"{rng.randint(2, 2_500):,}"
        if roll < 0.14:
            return rng.choice(_NEWS)
        followers = self._next.get(previous)
        return rng.choice(followers if followers and roll < 0.85 else self._words)

    def sentence(self, low: int = 8, high: int = 30) -> str:
        words = [""]
        for _ in range(self.rng.randint(low, high)):
            words.append(self.word(words[-1]))
        text = " ".join(words[1:]).rstrip(",")
        if self.rng.random() < 0.3:
            text += f", {self.rng.choice(_SPEAKERS)} said"
        return text[0].upper() + text[1:] + "."

    def article(self, planted: str | None, chars: int = 2_500) -> tuple[str, str]:
        """(title, text) of about ``chars`` characters; a planted sentence is the second paragraph."""
        paragraphs: list[str] = []
        size = 0
        while size < chars:
            paragraphs.append(" ".join(self.sentence() for _ in range(self.rng.randint(2, 6))))
            size += len(paragraphs[-1]) + 1
        if planted:
            paragraphs.insert(1, planted)
        return self.sentence(6, 12)[:-1], canonicalize("\n".join(paragraphs))


def _span(rng: random.Random, words: list[tuple[int, int]], avoid: tuple[int, int]) -> tuple[int, int]:
    """3 to 16 whole words, clear of ``avoid``: no other quote may hold a piece of a planted sentence."""
    while True:
        first = rng.randrange(len(words) - 16)
        start, end = words[first][0], words[first + rng.randint(2, 15)][1]
        if end <= avoid[0] or start >= avoid[1]:
            return start, end


def _rows(prose: Prose, articles: list[tuple[str, str, str | None]], per_article: int) -> Iterator[tuple[Any, ...]]:
    """Annotation rows, article by article; a planted sentence is its article's last annotation."""
    rng = random.Random(29)
    for article_id, text, planted in articles:
        words = [m.span() for m in _WORD.finditer(text)]
        at = text.index(planted) if planted else 0
        avoid = (at, at + len(planted or ""))
        spans = [_span(rng, words, avoid) for _ in range(per_article - bool(planted))]
        if planted:
            spans.append(avoid)
        for start, end in spans:
            prefix, quote, suffix = context(text, start, end)
            note = prose.sentence(4, 12) if rng.random() < 0.1 else ""
            yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), article_id, start, end, rng.choice(TAGS),
                   quote, prefix, suffix, note, "bench", STAMP, STAMP)


def database(annotations: int) -> Path:
    """A database of ``annotations`` annotations on ARTICLES articles, generated once and kept in
    benchmarks/.work."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"search-{annotations}.db"
    if path.exists():
        return path
    partial_path = path.with_suffix(".partial")
    for leftover in WORK.glob(partial_path.name + "*"):
        leftover.unlink()
    began = time.perf_counter()
    prose = Prose(random.Random(23))
    sentences = [s for pair in zip(*PLANTED.values()) for s in pair]
    planted = {int(share * ARTICLES): s for share, s in zip(PLANTED_AT, sentences, strict=True)}
    drafts = [prose.article(planted.get(n)) for n in range(ARTICLES)]
    store = Store.open(partial_path, annotator="bench")
    added = store.add_articles(NewArticle(text, title) for title, text in drafts)
    articles = [(a.article.id, text, planted.get(n))
                for n, (a, (_, text)) in enumerate(zip(added, drafts, strict=True))]
    with store.transaction() as conn:
        schema.rebuild_fts_after(conn, lambda: conn.executemany(
            """INSERT INTO annotations(id, article_id, start, "end", tag, quote, prefix, suffix, note,
               annotator, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            _rows(prose, articles, annotations // ARTICLES),
        ))
    store.close()
    partial_path.rename(path)
    print(f"generated {path.name} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return path


def _planted_ids(store: Store) -> dict[str, set[str]]:
    """Ids of the annotations holding each planted word, checked to be exactly the planted ones."""
    found: dict[str, set[str]] = {}
    with store.reading() as conn:
        for word, sentences in PLANTED.items():
            rows = conn.execute("SELECT id FROM annotations WHERE quote || ' ' || note LIKE ?", (f"%{word}%",))
            found[word] = {row[0] for row in rows}
            assert len(found[word]) == len(sentences), (word, len(found[word]))
    return found


def _texts(store: Store) -> list[str]:
    """Every live annotation's quote and note, lowercased: what the plain scan searches."""
    with store.reading() as conn:
        rows = conn.execute("SELECT quote, note FROM annotations WHERE deleted IS NULL ORDER BY seq")
        return [f"{quote}\n{note}".lower() for quote, note in rows]


def _terms(raw: str) -> list[str]:
    """What the scan looks for: the query's words and phrases (filters and typos are not its job)."""
    query = parse(raw)
    return [*query.words, *(" ".join(p) for p in query.phrases), *query.note_words]


def _scan(texts: list[str], terms: list[str]) -> list[int]:
    """Indexes of the texts holding every term: one pass for the first, then its survivors only."""
    found = [i for i, text in enumerate(texts) if terms[0] in text]
    for term in terms[1:]:
        found = [i for i in found if term in texts[i]]
    return found


def _timings(searcher: Searcher, texts: list[str]) -> tuple[list[float], list[float]]:
    """Seconds of each query, ROUNDS times over, and of the scan for it."""
    terms = [_terms(raw) for raw in QUERIES]
    penmark: list[float] = []
    scan: list[float] = []
    for _ in range(ROUNDS):  # a query and its scan side by side, so both meet the same noise
        for raw, words in zip(QUERIES, terms, strict=True):
            penmark.append(once(partial(searcher.annotations, raw)))
            scan.append(once(partial(_scan, texts, words)))
    return penmark, scan


def _search_all(store: Store) -> None:
    """A new searcher running every query once: all it loads and holds on the way."""
    searcher = Searcher(store)
    for raw in QUERIES:
        searcher.annotations(raw)
    searcher.close()


def _peak(run: Callable[[], object]) -> int:
    """The peak of the Python memory allocated while ``run`` ran, in bytes."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def search(size: int) -> list[Result]:
    """Speed, recall and memory on a database of ``size`` annotations, each beside the scan's."""
    store = Store.open(database(size), annotator="bench")
    planted = _planted_ids(store)
    began = time.perf_counter()
    texts = _texts(store)
    texts_load = time.perf_counter() - began
    # The vocabulary is loaded once up front (timed on its own row): it is not per-query work. An
    # unlimited age keeps its reload (the app's, after 30 s) out of the query timings.
    searcher = Searcher(store, vocabulary_max_age=float("inf"))
    vocabulary_load = once(searcher.vocabulary)
    penmark, scan = _timings(searcher, texts)
    found = {raw: {hit.annotation.id for hit in searcher.annotations(raw, limit=50).hits} for raw in TYPOS}
    missed = sum(len(planted[word] - found[raw]) for raw, word in TYPOS.items())
    searcher.close()
    # tracemalloc sees Python's allocations only: SQLite's page cache (2 MB by default) is not in it.
    search_peak = _peak(partial(_search_all, store))
    texts_peak = _peak(partial(_texts, store))
    store.close()
    p50_goal, p99_goal = GOALS.get(size, (None, None))
    label = f"({size:,} annotations)"
    return [
        Result(f"search p50 {label}", percentile(penmark, 50), percentile(scan, 50), "str-in scan p50", p50_goal),
        Result(f"search p99 {label}", percentile(penmark, 99), percentile(scan, 99), "str-in scan p99", p99_goal),
        Result(f"search vocabulary load {label}", vocabulary_load, texts_load, "load texts into a list", None),
        Result(f"planted typos missed {label}", missed, sum(len(planted[word]) for word in TYPOS.values()),
               "planted annotations the typo queries must find", 0.0, unit="count"),
        Result(f"search memory peak {label}", search_peak, texts_peak, "peak building the texts list", 0.25,
               unit="bytes"),
    ]


def run(sizes: tuple[int, ...]) -> list[Result]:
    return [result for size in sizes for result in search(size)]
