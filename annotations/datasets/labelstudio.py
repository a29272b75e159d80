"""Label Studio JSON: a list of tasks ``{"id", "data": {"text"}, "annotations": [{"result":
[{"id", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start", "end",
"text", "labels": [...]}}]}]}``; one Label Studio annotation per penmark annotator, a note as the
region's ``meta.text``. Written as a stream: the list is opened, each task added, then closed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .incoming import DatasetError, IncomingArticle, IncomingSpan, json_file, need, optional
from .records import Record


def _result(note: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": note.id, "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": note.start, "end": note.end, "text": note.quote, "labels": [note.tag]},
    }
    if note.note:
        result["meta"] = {"text": [note.note]}
    return result


def write(records: Iterable[Record], out: BinaryIO) -> None:
    out.write(b"[")
    for number, record in enumerate(records, 1):
        article = record.article
        by_annotator = groupby(sorted(record.annotations, key=lambda n: n.annotator), key=lambda n: n.annotator)
        task = {
            "id": number,
            "data": {"text": article.text, "title": article.title, "penmark_id": article.id},
            "annotations": [
                {"result": [_result(note) for note in notes], "annotator": annotator}
                for annotator, notes in by_annotator
            ],
        }
        out.write(b"\n" if number == 1 else b",\n")
        out.write(orjson.dumps(task))
    out.write(b"\n]\n")


def read(path: Path) -> Iterator[IncomingArticle]:
    data = json_file(path)
    tasks = data if isinstance(data, list) else [data]
    for number, task in enumerate(tasks, 1):
        where = f"task {number}"
        need(task, dict, where, "task")
        fields = need(task.get("data"), dict, where, "data")
        text = fields.get("text")
        if not isinstance(text, str):  # a project whose text field has another name
            text = next((value for value in fields.values() if isinstance(value, str) and value.strip()), None)
        article = IncomingArticle(
            where, need(text, str, where, "data.text"),
            title=fields.get("title") if isinstance(fields.get("title"), str) else None,
            id=fields.get("penmark_id") if isinstance(fields.get("penmark_id"), str) else None,
        )
        for index, annotation in enumerate(need(task.get("annotations", []), list, where, "annotations"), 1):
            need(annotation, dict, f"{where} annotation {index}", "annotation")
            if annotation.get("was_cancelled"):
                continue
            annotator = annotation.get("annotator") or _completed_by(annotation.get("completed_by"))
            for position, result in enumerate(need(annotation.get("result", []), list, where, "result"), 1):
                at = f"{where} annotation {index} result {position}"
                need(result, dict, at, "result")
                if result.get("type", "labels") != "labels":
                    continue  # choices, ratings, relations: not spans
                value = need(result.get("value"), dict, at, "value")
                labels = need(value.get("labels"), list, at, "labels")
                if not labels:
                    raise DatasetError(f"{at}: has no labels")
                meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
                note = "\n".join(str(line) for line in meta.get("text", []) if line)
                for label in labels:
                    article.spans.append(IncomingSpan(
                        at, need(value.get("start"), int, at, "start"), need(value.get("end"), int, at, "end"),
                        need(label, str, at, "label"), note=note,
                        annotator=annotator if isinstance(annotator, str) else None,
                        id=optional(result, "id", str, at) if len(labels) == 1 else None,
                        quote=optional(value, "text", str, at),
                    ))
        yield article


def _completed_by(value: Any) -> str | None:
    """Label Studio names the annotator by an object with an email, or only by a number."""
    if isinstance(value, dict) and isinstance(value.get("email"), str):
        return value["email"]
    return None
