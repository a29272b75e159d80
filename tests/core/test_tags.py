"""annotations.tags: TOML tag sets and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.tags import DEFAULT_TAGS, Tag, TagSetError, load_toml, validate

VALID = """
[[tag]]
name = "claim"
key = 1
colour = "#4f8fea"
definition = "An assertion of fact."

[[tag]]
name = "rumour"
key = 2
color = "#AABBCC"

[[tag]]
name = "no key"
key = 9
definition = "Gets a default colour."
"""


def toml(tmp_path: Path, body: str, name: str = "tags.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_load_valid_file(tmp_path: Path) -> None:
    tags = load_toml(toml(tmp_path, VALID))
    assert tags == (
        Tag("claim", 1, "#4f8fea", "An assertion of fact."),
        Tag("rumour", 2, "#AABBCC", ""),
        Tag("no key", 9, DEFAULT_TAGS[2].colour, "Gets a default colour."),
    )


def test_keys_default_to_position(tmp_path: Path) -> None:
    tags = load_toml(toml(tmp_path, '[[tag]]\nname = "a"\n[[tag]]\nname = "b"\n'))
    assert [(t.name, t.key) for t in tags] == [("a", 1), ("b", 2)]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[[tag]]\nname = "a"\nkey = 1\n[[tag]]\nname = "b"\nkey = 1\n', "key 1 is given to two tags"),
        ('[[tag]]\nname = "a"\n[[tag]]\nname = "a"\n', "'a' is defined twice"),
        ('[[tag]]\nname = "a"\ncolour = "red"\n', "colour 'red' is not #rrggbb"),
        ('[[tag]]\nname = "a"\ncolour = "#12345g"\n', "is not #rrggbb"),
        ('[[tag]]\nkey = 1\ncolour = "#123456"\n', "tag 1 has no name"),
        ('[[tag]]\nname = "ok"\n[[tag]]\nname = 5\n', "tag 2 has no name"),
        ('[[tag]]\nname = "a"\nkey = 10\n', "keys are 1-9"),
        ('[[tag]]\nname = "a"\nkey = "one"\n', "wrong type"),
        ('[[tag]]\nname = " padded"\n', "1-40 printable characters"),
        ('[[tag]]\nname = "bell\\u0007"\n', "1-40 printable characters"),
        ('[[tag]]\nname = ""\n', "1-40 printable characters"),
        ("[[tag]]\nname = \"a\"\nname = \"b\"\n", "not valid TOML"),  # a duplicate TOML key
        ("[[tag]\nname = 'a'\n", "not valid TOML"),
        ("tag = 'just a string'\n", "expected [[tag]] tables"),
        ("", "expected [[tag]] tables"),
        ("tag = []\n", "defines no tags"),
    ],
)
def test_bad_tag_files_name_the_file(tmp_path: Path, body: str, fragment: str) -> None:
    path = toml(tmp_path, body, "team-tags.toml")
    with pytest.raises(TagSetError) as info:
        load_toml(path)
    message = str(info.value)
    assert message.startswith(f"{path}:"), message
    assert fragment in message


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes('[[tag]]\nname = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(TagSetError, match=f"^{bad}: not valid TOML"):
        load_toml(bad)
    missing = tmp_path / "missing.toml"
    with pytest.raises(TagSetError, match=f"^{missing}: cannot read"):
        load_toml(missing)


def test_validate_defaults_and_empty() -> None:
    assert validate(DEFAULT_TAGS) == DEFAULT_TAGS
    assert [t.key for t in DEFAULT_TAGS] == [1, 2, 3, 4]
    assert [t.name for t in DEFAULT_TAGS] == ["claim", "opinion", "quote", "call-to-action"]
    with pytest.raises(TagSetError, match="defines no tags"):
        validate(())
    assert validate((Tag("keyless", None, "#000000"),))[0].key is None
