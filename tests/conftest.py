"""Shared fixtures: an in-memory store, a file-backed store, the sample corpus."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from annotations.store import Store

# Modest example counts and no per-example deadline: the suite must stay fast and not flake on a
# loaded machine. `pytest --hypothesis-profile=thorough` runs many more examples.
settings.register_profile(
    "penmark", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile("penmark")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

# The title each sample article must get (derive_title on the canonical text).
SEED_TITLES = {
    "000_a8d1a96e97586311.txt": "North Korea’s Missile Display Signals a New Era of Global Instability",
    # starts with the lead paragraph; the headline is line 2
    "001_2c9e13aee45934af.txt": "The Latest North Korea Missile Testing Raises Global Alarms",
    "002_cb9b88477697be84.txt": "North Korea’s Ballistic Bargain: A New Era of Military Cooperation with Russia",
    # starts with the scraped junk line "spot_imgspot_img"
    "003_a2286a40b96119be.txt": "North Korea Displays ICBMs Amid Rising Tensions with U.S. and Russia",
    # starts with "Headline: "
    "004_ee41ed5013002d23.txt": "North Korea’s Nuclear Aspirations: A New Cold War Calculus",
}


@pytest.fixture
def seed_titles() -> dict[str, str]:
    return dict(SEED_TITLES)


@pytest.fixture
def store() -> Iterator[Store]:
    """A throwaway in-memory store (annotator "tester")."""
    memory = Store.memory()
    yield memory
    memory.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "penmark.db"


@pytest.fixture
def file_store(db_path: Path) -> Iterator[Store]:
    """A store on a real file (annotator "alice"), closed after the test."""
    opened = Store.open(db_path, annotator="alice")
    yield opened
    try:
        opened.close()
    except sqlite3.ProgrammingError:  # the test closed it already
        pass


@pytest.fixture
def seeds_dir() -> Path:
    assert SEEDS.is_dir(), f"sample corpus missing at {SEEDS}"
    return SEEDS


def _query(db_file: Path, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture
def peek(db_path: Path):
    """Query ``db_path`` through a second, plain sqlite3 connection (never the store's own), as
    another process would: what it sees was committed."""

    def run(sql: str, *args: object) -> list[tuple]:
        return _query(db_path, sql, args)

    return run


@pytest.fixture
def counts(db_path: Path):
    """Row counts of the main tables, read through a second connection."""

    def run() -> dict[str, int]:
        return {
            table: _query(db_path, f"SELECT count(*) FROM {table}")[0][0]
            for table in ("articles", "annotations", "events", "tags")
        }

    return run
