"""Saving one annotation on a database of 1M annotations, and importing 10,000 articles."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
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
        article_id, text = store.conn.execute("SELECT id, text FROM articles ORDER BY seq LIMIT 1").fetchone()
        rng = random.Random(5)

        def create() -> None:
            start = rng.randrange(0, len(text) - 60)
            store.create(article_id, start, start + 40, "claim")

        frames = _frames_per_save(create, store.conn)
        maintenance = Maintenance(path).start()
        store.commit_hooks.append(maintenance.committed)
        bare = _bare_insert(Path(tmp, "bare.db"), indexes=0)
        # The floor: a bare insert that writes as many WAL pages as a save does, with no Python,
        # FTS or event work at all. Each page is two write() calls at commit, ~15 us here.
        floor = _bare_insert(Path(tmp, "floor.db"), indexes=round(frames) - 1)

        penmark: list[float] = []
        baseline: list[float] = []
        floors: list[float] = []
        for _ in range(saves):
            penmark += samples(create, 1)
            baseline += samples(bare, 1)
            floors += samples(floor, 1)
        maintenance.stop()
        store.close()
    label = f"save one annotation ({annotations:,} in db)"
    base = percentile(baseline, 50)
    return [
        Result(f"{label} p50", percentile(penmark, 50), base, "bare insert+commit p50", 2.0),
        Result(f"{label} p99", percentile(penmark, 99), percentile(baseline, 99), "bare insert+commit p99", None),
        Result(f"{label} max", max(penmark), max(baseline), "bare insert+commit max", None),
        Result("WAL pages written per save", frames, 1, "pages per bare insert", None, unit="count"),
        Result(f"bare insert writing {round(frames)} pages p50", percentile(floors, 50), base,
               "bare insert+commit p50 (the floor for a save)", None),
    ]


def _frames_per_save(create: Callable[[], None], conn: sqlite3.Connection, saves: int = 100) -> float:
    """WAL pages a save writes: the WAL's frame count after ``saves`` saves from empty (no
    checkpoint runs in between: the store's commits never checkpoint)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for _ in range(saves):
        create()
    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return frames / saves


def _bare_insert(path: Path, indexes: int, rows: int = 50_000) -> Callable[[], None]:
    """insert+commit into a table with ``indexes`` indexes on random keys (each insert then
    writes one more page per index), with the store's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 10000"):
        conn.execute(f"PRAGMA {pragma}")
    keys = [f"k{n}" for n in range(indexes)]
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, start INTEGER{''.join(f', {k} TEXT' for k in keys)})")
    for k in keys:
        conn.execute(f"CREATE INDEX t_{k} ON t({k})")
    insert = f"INSERT INTO t(body, start{''.join(f', {k}' for k in keys)}) VALUES (?, ?{', ?' * indexes})"
    rng = random.Random(3)
    if indexes:
        conn.execute("BEGIN")
        conn.executemany(insert, (("x" * 40, 1, *(str(rng.random()) for _ in keys)) for _ in range(rows)))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def bare() -> None:
        conn.execute("BEGIN")
        conn.execute(insert, ("x" * 40, 1, *(str(rng.random()) for _ in keys)))
        conn.execute("COMMIT")

    return bare


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
