"""Deterministic news-like prose for benchmarks: the same seed gives the same articles."""

from __future__ import annotations

import random

_SUBJECTS = [
    "The government", "North Korea", "The ministry", "Analysts", "The U.S. State Department",
    "Officials in Seoul", "The central bank", "Opposition leaders", "The committee", "Kim Jong-un",
    "Researchers", "The defence minister", "Local residents", "The United Nations", "Investors",
]
_VERBS = [
    "announced", "warned", "denied", "confirmed", "criticized", "welcomed", "questioned",
    "reported", "rejected", "proposed", "signalled", "launched", "tested", "delayed", "approved",
]
_OBJECTS = [
    "a new round of sanctions", "the Hwasong-20 missile test", "plans for denuclearization talks",
    "a sharp rise in inflation", "the trade agreement", "military drills near the border",
    "an investigation into the contract", "the election results", "new climate targets",
    "the budget proposal", "reports of troop movements", "a ceasefire along the coast",
    "the nuclear programme", "rising tensions in the region", "emergency funding for hospitals",
]
_TAILS = [
    "on Tuesday", "according to state media", "after weeks of negotiations", "despite protests",
    "in a statement", "citing security concerns", "for the first time since 2017", "late on Friday",
    "amid growing pressure", "with little warning", "as markets fell", "before the summit",
]


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."
    if rng.random() < 0.15:
        text = f"\u201c{text[:-1]},\u201d said a spokesperson."
    return text


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def article(rng: random.Random, chars: int) -> str:
    """About ``chars`` characters of paragraphs."""
    parts: list[str] = []
    size = 0
    while size < chars:
        part = paragraph(rng, rng.randint(2, 6))
        parts.append(part)
        size += len(part) + 1
    return "\n".join(parts)


def articles(count: int, chars: int = 3000, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` (title, text) pairs."""
    rng = random.Random(seed)
    return [(f"Report {n}: {sentence(rng)[:-1]}", article(rng, chars)) for n in range(count)]
