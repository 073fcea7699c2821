"""Tests for the words of messages: a/an, counted nouns, did-you-mean suggestions."""

from __future__ import annotations

import pytest

from simulator.scenario.models import NodeLimits, Unit
from simulator.wording import article, counted, did_you_mean, suggest

LIMITS = list(NodeLimits.model_fields)
UNIT = list(Unit.model_fields)


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        # Shares the word "ramp" (singular against plural) with loading_ramps only;
        # "capacity", shared with transfer_capacity, names a measure, not a thing.
        ("ramp_capacity", LIMITS, ["loading_ramps", "transfer_capacity"]),
        ("personel", UNIT, ["personnel"]),  # a letter left out
        ("persons", ["personnel", "tonnes", "outsize"], ["personnel"]),
        ("redy", UNIT, ["ready"]),
        ("requird_by", UNIT, ["required_by"]),
        ("group_intervl_h", UNIT, ["group_interval_h", "group_size"]),  # both share "group"
        ("transfer_hours", LIMITS, ["transfer_h", "transfer_capacity"]),
        ("nation", ["nations", "units"], ["nations"]),  # plural tolerant
        ("capacities", ["capacity"], ["capacity"]),
        ("colour", UNIT, []),  # nothing close
        ("speed", UNIT, []),
    ],
)
def test_suggest(name: str, candidates: list[str], expected: list[str]) -> None:
    assert suggest(name, candidates, limit=2) == expected


def test_suggest_ranks_shared_words_above_spelling_and_keeps_order_on_ties() -> None:
    # "fleet_count" is spelt closer to "fleet_counts" but shares only a measure word
    # beyond "fleet"; both share "fleet", so the closer spelling wins.
    assert suggest("fleet_count", ["fleets", "fleet_counts"]) == ["fleet_counts"]
    assert suggest("aa_x", ["x_b", "x_c"], limit=2) == ["x_b", "x_c"]
    assert suggest("name", ["name", "names"]) == ["names"]  # never the name itself
    assert suggest("anything", []) == []


def test_did_you_mean() -> None:
    assert did_you_mean("personel", UNIT) == " (did you mean 'personnel'?)"
    assert did_you_mean("colour", UNIT) == ""


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("airdrop", "an airdrop"),
        ("recon", "a recon"),
        ("hold", "a hold"),
        ("assemble", "an assemble"),
        ("unit", "a unit"),
        ("uniform", "a uniform"),
        ("int", "an int"),
        ("east_fleet", "an east_fleet"),
        ("hour", "an hour"),
        ("Event", "an Event"),
        ("", "a "),
    ],
)
def test_article(word: str, expected: str) -> None:
    assert article(word) == expected


def test_counted() -> None:
    assert counted(1, "milestone") == "1 milestone"
    assert counted(0, "milestone") == "0 milestones"
    assert counted(2, "link") == "2 links"
    assert counted(1, "replication") == "1 replication"
    assert counted(3, "child", "children") == "3 children"
