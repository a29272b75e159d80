"""Fixtures of the durability tests (helpers live in durability_kit.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from durability_kit import make_corpus


@pytest.fixture
def corpus_db(tmp_path: Path) -> Path:
    """A database file holding the three small articles the writers annotate."""
    path = tmp_path / "penmark.db"
    make_corpus(path).close()
    return path
