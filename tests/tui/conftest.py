"""Fixtures for the Pilot tests: stores with known articles, and ways to look at the reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotations.importer import import_paths
from annotations.store import Store

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SIZE = (160, 45)


@pytest.fixture
def mem() -> Iterator[Store]:
    """An in-memory store with the default tags (annotator "tester")."""
    store = Store.memory(annotator="tester")
    yield store
    store.close()


@pytest.fixture
def seeded(mem: Store) -> tuple[Store, list[str]]:
    """The in-memory store with the sample corpus imported; ids in import (file name) order."""
    report = import_paths(mem, [SEEDS])
    assert not report.refused, report.refused
    ids = [a.id for a in mem.articles()]
    assert len(ids) == 5
    return mem, ids
