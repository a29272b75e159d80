"""What a dataset file says, read into one shape for every format before it is checked and stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import PenmarkError
from ..tags import Tag


class DatasetError(PenmarkError):
    """A dataset file that cannot be imported (or exported), with where and why."""


@dataclass(slots=True)
class IncomingSpan:
    where: str  # "line 3", "task 2 result 1", "doc.ann line 4": for error messages
    start: int
    end: int
    tag: str
    note: str = ""
    annotator: str | None = None
    id: str | None = None
    quote: str | None = None  # what the file says the span covers, checked against the text
    created: str | None = None
    updated: str | None = None
    version: int | None = None
    anchor: str | None = None


@dataclass(slots=True)
class IncomingArticle:
    where: str
    text: str | None  # None: the file refers to an article already stored (W3C annotations)
    title: str | None = None
    id: str | None = None
    meta: dict[str, Any] | None = None
    source: str | None = None
    sha256: str | None = None
    status: str | None = None
    imported: str | None = None
    spans: list[IncomingSpan] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)  # tag definitions the file gives (penmark's jsonl)


def json_lines(path: Path) -> Iterator[tuple[str, Any]]:
    """("line N", value) for each non-blank line of a JSON Lines file, streamed."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield f"line {number}", parse(line, f"line {number}")


def json_file(path: Path) -> Any:
    return parse(path.read_bytes(), "")


def parse(data: bytes | str, where: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise DatasetError(f"{where + ': ' if where else ''}not valid JSON ({err.msg})") from None


def need(value: Any, kind: type | tuple[type, ...], where: str, name: str) -> Any:
    """``value`` if it is of ``kind`` (a bool is not an int), else a DatasetError naming it."""
    if isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, (int,))):
        return value
    names = {str: "a string", int: "an integer", dict: "an object", list: "a list"}
    wanted = " or ".join(names.get(k, k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,)))
    raise DatasetError(f"{where}: {name!r} must be {wanted}")


def optional(item: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = item.get(key)
    return None if value is None else need(value, kind, where, key)


# Where each JSON Lines format keeps its annotations: a record with another format's field and
# none of its own was almost surely exported in that other format.
_FIELDS = {"jsonl": ("annotations",), "doccano": ("label", "entities"), "spacy": ("spans", "tokens")}


def check_format(item: dict[str, Any], format: str, where: str) -> None:
    """Refuse a record that looks like another format's, rather than import it without annotations."""
    if any(key in item for key in _FIELDS[format]):
        return
    for other, fields in _FIELDS.items():
        found = next((key for key in fields if key in item), None)
        if other != format and found:
            ours = " or ".join(f'"{key}"' for key in _FIELDS[format])
            raise DatasetError(f'{where}: looks like {other}, not {format} (it has "{found}", no {ours}); '
                               f"import it with --format {other}")
