"""W3C Web Annotation (JSON-LD): a JSON list of ``Annotation`` objects, each with the tag as a
``classifying`` body, the note as a ``commenting`` body, and a target with a TextQuoteSelector
(exact, prefix, suffix) and a TextPositionSelector (start, end in code points of the canonical
text). The target's source names the article by the SHA-256 of its text, so the annotations can
be read back into any database that holds the same text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .incoming import DatasetError, IncomingArticle, IncomingSpan, json_file, need
from .records import Record

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SOURCE_PREFIX = "urn:sha256:"
ID_PREFIX = "urn:uuid:"


def annotation(record: Record, note: Any) -> dict[str, Any]:
    body = [{"type": "TextualBody", "purpose": "classifying", "value": note.tag}]
    if note.note:
        body.append({"type": "TextualBody", "purpose": "commenting", "value": note.note})
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "id": ID_PREFIX + note.id,
        "motivation": "classifying",
        "created": note.created,
        "modified": note.updated,
        "creator": {"type": "Person", "nickname": note.annotator},
        "body": body,
        "target": {
            "source": SOURCE_PREFIX + record.article.sha256,
            "selector": [
                {"type": "TextQuoteSelector", "exact": note.quote, "prefix": note.prefix, "suffix": note.suffix},
                {"type": "TextPositionSelector", "start": note.start, "end": note.end},
            ],
        },
    }


def write(records: Iterable[Record], out: BinaryIO) -> None:
    out.write(b"[")
    first = True
    for record in records:
        for note in record.annotations:
            out.write(b"\n" if first else b",\n")
            out.write(orjson.dumps(annotation(record, note)))
            first = False
    out.write(b"\n]\n")


def read(path: Path) -> Iterator[IncomingArticle]:
    """Annotations grouped by their target's source; each article must already be stored."""
    data = json_file(path)
    if isinstance(data, dict) and data.get("type") in ("AnnotationCollection", "AnnotationPage"):
        page = data.get("first", data) if data.get("type") == "AnnotationCollection" else data
        data = page.get("items", []) if isinstance(page, dict) else []
    items = data if isinstance(data, list) else [data]
    articles: dict[str, IncomingArticle] = {}
    for number, item in enumerate(items, 1):
        where = f"annotation {number}"
        need(item, dict, where, "annotation")
        target = need(item.get("target"), dict, where, "target")
        source = need(target.get("source"), str, where, "target.source")
        selectors = target.get("selector", [])
        selectors = selectors if isinstance(selectors, list) else [selectors]
        position = next((s for s in selectors if isinstance(s, dict) and s.get("type") == "TextPositionSelector"), None)
        quote = next((s for s in selectors if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), None)
        if position is None:
            raise DatasetError(f"{where}: has no TextPositionSelector")
        tag = _body(item, "classifying")
        if tag is None:
            raise DatasetError(f"{where}: has no body with purpose \"classifying\" (the tag)")
        article = articles.setdefault(source, IncomingArticle(where, None, sha256=_sha256(source, where)))
        ident = item.get("id")
        article.spans.append(IncomingSpan(
            where, need(position.get("start"), int, where, "start"), need(position.get("end"), int, where, "end"),
            tag, note=_body(item, "commenting") or "", annotator=_creator(item.get("creator")),
            id=ident.removeprefix(ID_PREFIX) if isinstance(ident, str) else None,
            quote=quote.get("exact") if quote and isinstance(quote.get("exact"), str) else None,
            created=item.get("created") if isinstance(item.get("created"), str) else None,
            updated=item.get("modified") if isinstance(item.get("modified"), str) else None,
        ))
    yield from articles.values()


def _sha256(source: str, where: str) -> str:
    if not source.startswith(SOURCE_PREFIX):
        raise DatasetError(f"{where}: target.source {source!r} is not a penmark text ({SOURCE_PREFIX}...)")
    return source.removeprefix(SOURCE_PREFIX)


def _body(item: dict[str, Any], purpose: str) -> str | None:
    bodies = item.get("body", [])
    for body in bodies if isinstance(bodies, list) else [bodies]:
        if isinstance(body, dict) and body.get("purpose") == purpose and isinstance(body.get("value"), str):
            return body["value"]
    return None


def _creator(creator: Any) -> str | None:
    if isinstance(creator, str):
        return creator
    if isinstance(creator, dict):
        for key in ("nickname", "name", "id"):
            if isinstance(creator.get(key), str):
                return creator[key]
    return None
