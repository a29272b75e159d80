"""Tag sets: the labels an annotator applies, each with a digit key, a colour and a definition.

A team defines its own set in a TOML file::

    [[tag]]
    name = "claim"
    key = 1
    colour = "#4f8fea"
    definition = "An assertion of fact that could be checked."
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import PenmarkError

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]{0,39}$")


class TagSetError(PenmarkError):
    """A tag set that cannot be used."""


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    key: int | None
    colour: str
    definition: str = ""


DEFAULT_TAGS: tuple[Tag, ...] = (
    Tag("claim", 1, "#4f8fea", "An assertion of fact that could be checked true or false."),
    Tag("opinion", 2, "#e0a030", "A judgement, belief or evaluation rather than a checkable fact."),
    Tag("quote", 3, "#3fb37f", "Words attributed to a named or unnamed speaker."),
    Tag("call-to-action", 4, "#d8568f", "Text urging the reader or others to do something."),
)


def fold_tag(name: str) -> str:
    """A tag name as matched when typed or read from a dataset: case ignored, ``_`` for a space."""
    return name.casefold().replace("_", " ").strip()


def validate(tags: list[Tag] | tuple[Tag, ...], where: str = "tag set") -> tuple[Tag, ...]:
    """Check a tag set's names, keys and colours; raise TagSetError naming the first problem."""
    if not tags:
        raise TagSetError(f"{where}: defines no tags")
    names: set[str] = set()
    keys: set[int] = set()
    for tag in tags:
        if not _NAME.match(tag.name) or tag.name != tag.name.strip():
            raise TagSetError(f"{where}: tag name {tag.name!r} must be 1-40 printable characters")
        if tag.name in names:
            raise TagSetError(f"{where}: tag {tag.name!r} is defined twice")
        if tag.key is not None:
            if not 1 <= tag.key <= 9:
                raise TagSetError(f"{where}: tag {tag.name!r} has key {tag.key}; keys are 1-9")
            if tag.key in keys:
                raise TagSetError(f"{where}: key {tag.key} is given to two tags")
            keys.add(tag.key)
        if not _COLOUR.match(tag.colour):
            raise TagSetError(f"{where}: tag {tag.name!r} colour {tag.colour!r} is not #rrggbb")
        names.add(tag.name)
    return tuple(tags)


def load_toml(path: Path) -> tuple[Tag, ...]:
    """Read a tag set from a TOML file with ``[[tag]]`` tables."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise TagSetError(f"{path}: cannot read ({err.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise TagSetError(f"{path}: not valid TOML ({err})") from None
    entries = data.get("tag")
    if not isinstance(entries, list):
        raise TagSetError(f"{path}: expected [[tag]] tables")
    tags = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise TagSetError(f"{path}: tag {number} has no name")
        key = entry.get("key", number if number <= 9 else None)
        colour = entry.get("colour", entry.get("color", DEFAULT_TAGS[(number - 1) % 4].colour))
        definition = entry.get("definition", "")
        if not isinstance(key, int | None) or not isinstance(colour, str) or not isinstance(definition, str):
            raise TagSetError(f"{path}: tag {entry['name']!r} has a field of the wrong type")
        tags.append(Tag(entry["name"], key, colour, definition))
    return validate(tags, str(path))
