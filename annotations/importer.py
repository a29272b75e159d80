"""Importing articles from files and folders: plain text, Markdown, and JSON/JSONL records.

Each file is read and checked whole before anything of it is written, so a refused file leaves
nothing behind; every refusal is one line naming the file and the reason, and the other files
still import. Files are written in batches (one transaction each) to keep bulk imports fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PenmarkError
from .model import ArticleSummary
from .store import NewArticle, Store
from .text import TextError, canonicalize, decode, derive_title

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
RECORD_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
MAX_BYTES = 64_000_000  # "64 MB", as the CLI's --max-mb 64 says
BATCH_FILES = 500

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Refusal:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    added: list[ArticleSummary] = field(default_factory=list)
    already_present: list[ArticleSummary] = field(default_factory=list)
    # New versions of articles already here (same id or source), with their annotations per anchor.
    updated: list[tuple[ArticleSummary, dict[str, int]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


def collect(paths: Iterable[str | Path]) -> Iterator[Path | Refusal]:
    """Expand folders (recursively, in name order, hidden entries skipped) into importable files.

    A file named explicitly is imported whatever its suffix (as text unless it is .json/.jsonl);
    inside folders only known suffixes are taken.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    suffix = Path(name).suffix.lower()
                    if not name.startswith(".") and suffix in TEXT_SUFFIXES | RECORD_SUFFIXES:
                        found = Path(root, name)
                        # A pipe or a device (or a link to one) would block or never end.
                        yield found if found.is_file() else Refusal(str(found), "not a regular file")
        elif path.is_file():
            yield path
        elif path.exists():
            yield Refusal(str(path), "not a regular file")
        else:
            yield Refusal(str(path), "no such file or folder")


def read_articles(path: Path, *, max_bytes: int = MAX_BYTES, replace_invalid: bool = False) -> list[NewArticle]:
    """Read one file into articles, or raise TextError with the reason it is refused."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            shown = _size(size) if _size(size) != _size(max_bytes) else f"{size:,} bytes"
            raise TextError(f"is {shown}, over the {_size(max_bytes)} limit")
        with path.open("rb") as handle:  # never more than the limit, whatever stat said
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TextError(f"is over the {_size(max_bytes)} limit")
    except OSError as err:
        raise TextError(f"cannot be read ({err.strerror})") from None
    text = decode(data, replace_invalid=replace_invalid)
    if path.suffix.lower() in RECORD_SUFFIXES:
        return _records(path, text)
    if not text.strip():
        raise TextError("is empty" if not text else "has no text (only white space)")
    canonical = canonicalize(text)
    return [NewArticle(canonical, derive_title(canonical), source=_source(path))]


def _size(count: int) -> str:
    """Bytes as a person reads them: a small limit must not print as "0 MB"."""
    return f"{count:,} bytes" if count < 1_000_000 else f"{count / 1e6:.1f}".removesuffix(".0") + " MB"


def _records(path: Path, text: str) -> list[NewArticle]:
    if not text.strip():
        raise TextError("is empty (no records)")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise TextError(f"is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
        items = data if isinstance(data, list) else [data]
        located = [(f"record {n}", item) for n, item in enumerate(items, 1)]
    else:
        located = []
        # JSON Lines are separated by \n only: splitlines() would also cut at U+2028, U+2029 and
        # U+0085, which JSON allows unescaped inside strings.
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                located.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as err:
                raise TextError(f"line {number} is not valid JSON ({err.msg})") from None
    if not located:
        raise TextError("is empty (no records)")
    return [_record(where, item, f"{_source(path)}#{where.split()[-1]}") for where, item in located]


def _source(path: Path) -> str:
    """Where an article came from, as its new versions are recognised by: the absolute path, so
    ``a.txt`` imported from two folders is two articles, and one file is one however it is named."""
    return str(path.resolve())


# Keys of the labeled dataset formats: such a file imported as plain records would lose them.
_DATASET_KEYS = {"annotations": "jsonl", "label": "doccano", "entities": "doccano", "spans": "spacy"}


def _record(where: str, item: Any, source: str) -> NewArticle:
    if not isinstance(item, dict):
        raise TextError(f"{where} is not an object")
    for key, format in _DATASET_KEYS.items():
        if item.get(key):
            raise TextError(f"{where} holds annotations ({key!r}); import it with --format {format}")
    text, title, ident, meta = (item.get(k) for k in ("text", "title", "id", "meta"))
    if not isinstance(text, str) or not text.strip():
        raise TextError(f"{where} has no \"text\"")
    if title is not None and not isinstance(title, str):
        raise TextError(f"{where}: \"title\" must be a string")
    if (ident is not None and not isinstance(ident, (str, int))) or ident == "":
        raise TextError(f"{where}: \"id\" must be a non-empty string or number")
    if meta is not None and not isinstance(meta, dict):
        raise TextError(f"{where}: \"meta\" must be an object")
    canonical = canonicalize(text)
    return NewArticle(
        canonical,
        canonicalize(title).strip() if title and title.strip() else derive_title(canonical),
        source=source,
        id=None if ident is None else str(ident),
        meta=meta,
    )


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    max_bytes: int = MAX_BYTES,
    replace_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every file under ``paths``; refused files are reported, the rest imported."""
    report = ImportReport()
    found = list(collect(paths))
    pending: list[tuple[Path, list[NewArticle]]] = []
    for done, item in enumerate(found, 1):
        if isinstance(item, Refusal):
            report.refused.append(item)
        else:
            try:
                pending.append((item, read_articles(item, max_bytes=max_bytes, replace_invalid=replace_invalid)))
            except TextError as err:
                report.refused.append(Refusal(str(item), str(err)))
        if sum(len(articles) for _, articles in pending) >= BATCH_FILES or done == len(found):
            _write(store, pending, report)
            pending = []
        if progress:
            progress(done, len(found))
    return report


def _write(store: Store, pending: list[tuple[Path, list[NewArticle]]], report: ImportReport) -> None:
    """Write a batch in one transaction; if the store refuses it, retry file by file."""
    try:
        results = store.add_articles(a for _, articles in pending for a in articles)
    except PenmarkError as err:
        if len(pending) == 1:
            report.refused.append(Refusal(str(pending[0][0]), str(err)))
        else:
            for one in pending:
                _write(store, [one], report)
        return
    for result in results:
        if result.reanchored is not None:
            report.updated.append((result.article, result.reanchored))
        else:
            (report.added if result.created else report.already_present).append(result.article)


def sample_corpus() -> Path:
    """The bundled sample articles: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "seeds", here.parent / "seeds"):
        if candidate.is_dir():
            return candidate
    raise PenmarkError(f"the sample corpus is missing (looked in {here / 'seeds'})")
