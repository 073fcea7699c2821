"""Words in messages: ``a`` or ``an``, counted nouns, and "did you mean" suggestions.

Messages are written for the person editing a scenario, and small slips in
them ("a airdrop", "1 milestones") read as carelessness. The helpers here
get those right in one place. :func:`suggest` finds the names a misspelt
or misremembered name most likely meant: by letters (``personel`` ->
``personnel``) and by the words of ``_``-separated names, singular or plural
(``ramp_capacity`` -> ``loading_ramps``, which shares the word "ramp").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["article", "counted", "did_you_mean", "suggest"]

_A_DESPITE_VOWEL = ("uni", "use", "usu", "uti", "ura", "eu", "one", "once")
"""Beginnings spelt with a vowel but spoken with a consonant: "a unit", "a one-way"."""

_AN_DESPITE_CONSONANT = ("hour", "honest", "honour")

QUANTITY_WORDS = frozenset(
    {"h", "km", "kmh", "mm", "t", "capacity", "count", "size", "max", "min", "per", "id",
     "number", "of", "by"}
)  # fmt: skip
"""Words that name a measure rather than a thing; sharing one says little about meaning."""

LETTER_CUTOFF = 0.6
"""Least letter similarity (difflib ratio) for a suggestion that shares no word."""


def article(word: str) -> str:
    """Return ``word`` with ``a`` or ``an`` before it, as it is spoken.

    Args:
        word: A noun or an id (``airdrop``, ``unit``, ``east_fleet``).

    Returns:
        ``"an airdrop"``, ``"a unit"``, ``"a hold"``, ``"an hour"``.
    """
    lower = word.lower()
    if lower.startswith(_AN_DESPITE_CONSONANT):
        return f"an {word}"
    if lower.startswith(_A_DESPITE_VOWEL):
        return f"a {word}"
    return f"{'an' if lower[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {word}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Return ``count`` with its noun in the right number: ``1 link``, ``2 links``.

    Args:
        count: How many.
        noun: The singular noun.
        plural: The plural, when it is not the singular with ``s`` added.
    """
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural if plural is not None else noun + 's'}"


def _stem(word: str) -> str:
    """The singular of a lower-case word, by the common English endings."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(name: str) -> set[str]:
    """The singular words of a ``_``- or ``-``-separated name."""
    return {_stem(part) for part in name.lower().replace("-", "_").split("_") if part}


def suggest(name: str, candidates: Iterable[str], limit: int = 1) -> list[str]:
    """The candidates ``name`` most likely meant, best first.

    A candidate that shares a word with ``name`` (singular and plural alike,
    ``ramp`` and ``ramps``) ranks above one that is only spelt alike; words
    that name a measure (``capacity``, ``count``, ``h``...) do not count as
    shared. Among equals the closer spelling wins (difflib's ratio), then
    the order of ``candidates``. A candidate that shares no word must be spelt
    at least :data:`LETTER_CUTOFF` alike.

    Args:
        name: The name that was not found.
        candidates: The valid names.
        limit: How many suggestions to return at most.

    Returns:
        Up to ``limit`` candidates (none when nothing is close).
    """
    wanted = _words(name) - QUANTITY_WORDS
    ranked: list[tuple[int, float, int, str]] = []
    for order, candidate in enumerate(dict.fromkeys(candidates)):
        if candidate == name:
            continue
        shared = len(wanted & (_words(candidate) - QUANTITY_WORDS))
        letters = difflib.SequenceMatcher(None, name.lower(), candidate.lower()).ratio()
        if shared or letters >= LETTER_CUTOFF:
            ranked.append((-shared, -letters, order, candidate))
    return [candidate for *_, candidate in sorted(ranked)[:limit]]


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the best suggestion, or ``""`` if none."""
    found = suggest(name, candidates)
    return f" (did you mean {found[0]!r}?)" if found else ""
