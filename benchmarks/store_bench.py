"""Saving one annotation on a database of 1M annotations, and importing 10,000 articles."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from annotations import schema
from annotations.importer import import_paths
from annotations.maintenance import Maintenance
from annotations.model import now
from annotations.store import NewArticle, Store
from annotations.text import context

from . import corpus
from .harness import Result, percentile, samples

WORK = Path(__file__).parent / ".work"


def big_store_path(annotations: int, articles: int = 10_000) -> Path:
    """A database holding ``annotations`` annotations, generated once and kept in benchmarks/.work."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"store-{annotations}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    store = Store.open(partial, annotator="bench")
    rng = random.Random(11)
    texts = corpus.articles(articles, chars=2500)
    store.add_articles(NewArticle(text, title) for title, text in texts)
    ids = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY seq")]
    per_article = annotations // articles
    stamp = now()

    def rows():
        for article_id, (_, text) in zip(ids, texts):
            for _ in range(per_article):
                start = rng.randrange(0, len(text) - 120)
                end = start + rng.randint(20, 110)
                prefix, quote, suffix = context(text, start, end)
                yield (str(uuid.uuid4()), article_id, start, end, rng.choice(("claim", "opinion", "quote", "call-to-action")),
                       quote, prefix, suffix, "", "bench", stamp, stamp)

    with store.transaction() as conn:
        schema.rebuild_fts_after(conn, lambda: conn.executemany(
            """INSERT INTO annotations(id, article_id, start, "end", tag, quote, prefix, suffix, note,
               annotator, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows(),
        ))
    store.close()
    partial.rename(path)
    return path


def save_one(annotations: int, saves: int = 400) -> list[Result]:
    """Saves and bare inserts alternate, so both meet the same disk and the same noise."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "penmark.db")
        shutil.copyfile(big_store_path(annotations), path)  # the cached database stays as built
        # As the app runs it: commits never checkpoint or merge the search index; a thread does.
        store = Store.open(path, annotator="bench", autocheckpoint=False)
        maintenance = Maintenance(path).start()
        store.commit_hooks.append(maintenance.committed)
        article_id, text = store.conn.execute("SELECT id, text FROM articles ORDER BY seq LIMIT 1").fetchone()
        rng = random.Random(5)

        def create() -> None:
            start = rng.randrange(0, len(text) - 60)
            store.create(article_id, start, start + 40, "claim")

        conn = sqlite3.connect(Path(tmp, "bare.db"), isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 10000"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, start INTEGER)")

        def bare() -> None:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t(body, start) VALUES (?, ?)", ("x" * 40, 1))
            conn.execute("COMMIT")

        penmark: list[float] = []
        baseline: list[float] = []
        for _ in range(saves):
            penmark += samples(create, 1)
            baseline += samples(bare, 1)
        conn.close()
        maintenance.stop()
        store.close()
    label = f"save one annotation ({annotations:,} in db)"
    return [
        Result(f"{label} p50", percentile(penmark, 50), percentile(baseline, 50), "bare insert+commit p50", 2.0),
        Result(f"{label} p99", percentile(penmark, 99), percentile(baseline, 99), "bare insert+commit p99", None),
        Result(f"{label} max", max(penmark), max(baseline), "bare insert+commit max", None),
    ]


def import_articles(count: int) -> list[Result]:
    texts = corpus.articles(count, chars=3000, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "articles")
        folder.mkdir()
        for n, (title, text) in enumerate(texts):
            Path(folder, f"{n:05}.txt").write_text(f"{title}\n{text}", encoding="utf-8")

        start = time.perf_counter()
        store = Store.open(Path(tmp, "penmark.db"), annotator="bench")
        report = import_paths(store, [folder])
        store.close()
        figure = time.perf_counter() - start
        assert len(report.added) == count, report.refused[:3]

        start = time.perf_counter()
        conn = sqlite3.connect(Path(tmp, "bare.db"), isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, name TEXT, text TEXT)")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO articles(name, text) VALUES (?, ?)",
            ((p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())),
        )
        conn.execute("COMMIT")
        conn.close()
        baseline = time.perf_counter() - start
    return [Result(f"import {count:,} articles (.txt files)", figure, baseline, "read files + bare executemany", None)]
