"""brat standoff: per article ``NAME.txt`` (the text) beside ``NAME.ann`` with lines
``T1<TAB>claim 0 4<TAB>covered text`` and notes ``#1<TAB>AnnotatorNotes T1<TAB>note``; offsets in
code points. Written to a folder (or a .zip) with an ``annotation.conf`` naming the tags."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..text import TextError, decode
from .incoming import DatasetError, IncomingArticle, IncomingSpan
from .records import Record

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TYPE_UNSAFE = re.compile(r"[^\w-]+")
_TEXT_BOUND = re.compile(r"^T\d+$")


def file_stem(article_id: str, taken: set[str]) -> str:
    """A file name for an article id that is safe on every file system and unique in the export."""
    stem = _UNSAFE.sub("_", article_id).strip("._") or "article"
    candidate, number = stem, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add(candidate.lower())
    return candidate


def brat_type(tag: str) -> str:
    """brat entity types cannot hold spaces: ``my tag`` is written ``my_tag``."""
    return _TYPE_UNSAFE.sub("_", tag)


def _one_line(text: str) -> str:
    """The covered text and notes are one field of a tab-separated line."""
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def files(records: Iterable[Record]) -> Iterator[tuple[str, str]]:
    """(file name, content) of every file of the export, annotation.conf last."""
    taken: set[str] = set()
    types: dict[str, None] = {}
    for record in records:
        stem = file_stem(record.article.id, taken)
        lines = []
        for number, note in enumerate(record.annotations, 1):
            types[brat_type(note.tag)] = None
            lines.append(f"T{number}\t{brat_type(note.tag)} {note.start} {note.end}\t{_one_line(note.quote)}\n")
            if note.note:
                lines.append(f"#{number}\tAnnotatorNotes T{number}\t{_one_line(note.note)}\n")
        yield f"{stem}.txt", record.article.text
        yield f"{stem}.ann", "".join(lines)
    yield "annotation.conf", "[entities]\n" + "".join(f"{name}\n" for name in types) + "[relations]\n[events]\n[attributes]\n"


def write_folder(records: Iterable[Record], folder: Path) -> None:
    for name, content in files(records):
        (folder / name).write_bytes(content.encode("utf-8"))


def write_zip(records: Iterable[Record], out: io.BufferedIOBase) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files(records):
            archive.writestr(name, content.encode("utf-8"))


def read(path: Path) -> Iterator[IncomingArticle]:
    """Every ``.txt`` with its ``.ann`` in a folder (recursively) or a .zip."""
    if path.is_dir():
        texts = {p.relative_to(path).with_suffix("").as_posix(): p for p in sorted(path.rglob("*.txt"))}
        load = lambda name: (path / name).read_bytes()  # noqa: E731
        names = {p.relative_to(path).as_posix() for p in path.rglob("*.ann")}
        pairs = [(stem, f"{stem}.txt", f"{stem}.ann") for stem in texts]
    elif zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        names = set(archive.namelist())
        load = archive.read
        pairs = [(n[:-4], n, n[:-4] + ".ann") for n in sorted(names) if n.endswith(".txt")]
    else:
        raise DatasetError("is neither a folder nor a .zip of brat .txt and .ann files")
    if not pairs:
        raise DatasetError("holds no brat .txt files")
    for stem, text_name, ann_name in pairs:
        try:
            text = decode(load(text_name))
        except TextError as err:
            raise DatasetError(f"{text_name} {err}") from None
        article = IncomingArticle(text_name, text, id=Path(stem).name)
        if ann_name in names:
            article.spans = _spans(ann_name, load(ann_name))
        yield article


def _spans(name: str, data: bytes) -> list[IncomingSpan]:
    try:
        lines = decode(data).split("\n")
    except TextError as err:
        raise DatasetError(f"{name} {err}") from None
    spans: dict[str, IncomingSpan] = {}
    notes: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        where = f"{name} line {number}"
        fields = line.split("\t")
        if not line.strip() or not _TEXT_BOUND.match(fields[0]) and not fields[0].startswith("#"):
            continue  # relations, events, attributes, normalizations: not spans
        if len(fields) < 2:
            raise DatasetError(f"{where}: expected tab-separated fields")
        if fields[0].startswith("#"):
            kind, _space, target = fields[1].partition(" ")
            if kind == "AnnotatorNotes" and len(fields) >= 3:
                notes[target] = fields[2]
            continue
        label, *offsets = fields[1].split(" ")
        if len(offsets) != 2 or ";" in fields[1]:
            raise DatasetError(f"{where}: discontinuous spans are not supported ({fields[1]!r})")
        try:
            start, end = int(offsets[0]), int(offsets[1])
        except ValueError:
            raise DatasetError(f"{where}: offsets must be integers ({fields[1]!r})") from None
        spans[fields[0]] = IncomingSpan(where, start, end, label)
    for target, note in notes.items():
        if target in spans:
            spans[target].note = note
    return list(spans.values())
