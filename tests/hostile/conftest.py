"""Fixtures for the hostile-input tests: the command line run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


class Penmark:
    """Runs `python -m tui --db DB ...` with a fixed annotator, HOME and data folder in tmp."""

    def __init__(self, db: Path, home: Path) -> None:
        self.db = db
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PENMARK_")}
        self.env.update(PENMARK_ANNOTATOR="cli-tester", HOME=str(home), XDG_DATA_HOME=str(home / "data"))

    def __call__(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tui", "--db", str(self.db), *args],
            cwd=REPO, env=self.env, capture_output=True, encoding="utf-8", timeout=60, check=False,
        )
        if check is not None:
            assert done.returncode == check, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def penmark(tmp_path: Path) -> Penmark:
    return Penmark(tmp_path / "cli.db", tmp_path / "home")
