"""Tests for problems, scenario errors and pydantic error translation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.scenario.errors import (
    Marks,
    Problem,
    ScenarioError,
    path_to_str,
    problems_from_validation_error,
)
from simulator.scenario.yamlio import load_yaml

# -- Problem and ScenarioError ----------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("s.yaml", 4, "forces[0].id", "bad"), "s.yaml:4: forces[0].id: bad"),
        (Problem("s.yaml", None, "forces[0].id", "bad"), "s.yaml: forces[0].id: bad"),
        (Problem("s.yaml", 4, "", "bad"), "s.yaml:4: bad"),
        (Problem("--set", None, "", "bad"), "--set: bad"),
    ],
)
def test_problem_str(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_problem_is_frozen_and_hashable() -> None:
    problem = Problem("a", 1, "p", "m")
    with pytest.raises(AttributeError):
        problem.line = 2  # type: ignore[misc]
    assert problem == Problem("a", 1, "p", "m")
    assert len({problem, Problem("a", 1, "p", "m")}) == 1


def test_scenario_error_joins_problems() -> None:
    first = Problem("s.yaml", 1, "a", "one")
    second = Problem("s.yaml", 2, "", "two")
    error = ScenarioError([first, second])
    assert error.problems == (first, second)
    assert str(error) == "s.yaml:1: a: one\ns.yaml:2: two"


def test_scenario_error_accepts_single_problem_and_generator() -> None:
    problem = Problem("s.yaml", 1, "a", "one")
    assert ScenarioError(problem).problems == (problem,)
    assert ScenarioError(p for p in [problem]).problems == (problem,)


def test_scenario_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ScenarioError([])


# -- path_to_str -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        (("forces", 3, "equipment", 0, "mass_t"), "forces[3].equipment[0].mass_t"),
        ((), ""),
        ((0,), "[0]"),
        ((0, "id"), "[0].id"),
        (("countries", "KZ", "transit"), "countries.KZ.transit"),
        (("a", "b.c"), "a['b.c']"),
        (("a", "with space", 1), "a['with space'][1]"),
        (("nodes", 0, 1), "nodes[0][1]"),
    ],
)
def test_path_to_str(loc: tuple[str | int, ...], text: str) -> None:
    assert path_to_str(loc) == text


# -- problems_from_validation_error ------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Equipment(_Strict):
    name: str
    mass_t: float


class _Hold(_Strict):
    kind: Literal["hold"]
    duration_h: float


class _Move(_Strict):
    kind: Literal["move"]
    to: str


_Step = Annotated[_Hold | _Move, Field(discriminator="kind")]


class _Force(_Strict):
    id: str
    equipment: list[_Equipment] = []
    steps: list[_Step] = []
    size: int | list[int] = 1
    odd: int | list[int] | dict[str, int] | bool | float | None = None
    ready: dt.date | None = None


class _Scenario(_Strict):
    name: str
    forces: list[_Force]


_TEXT = """\
forces:
  - id: a
    equipment:
      - name: truck
        mass_t: heavy
      - name: tank
        mass_tt: 40
  - id: b
    steps:
      - kind: hold
        duration_h: soon
      - kind: move
        too: x
      - kind: jump
    size: big
    odd: [x]
"""


def _problems(text: str, file: str = "s.yaml") -> list[Problem]:
    data, marks = load_yaml(text, file)
    with pytest.raises(ValidationError) as caught:
        _Scenario.model_validate(data)
    return problems_from_validation_error(caught.value, data, marks, file)


def test_validation_problems_have_real_paths_and_lines() -> None:
    got = [(p.line, p.path, p.message) for p in _problems(_TEXT)]
    number = "Input should be a valid number, unable to parse string as a number"
    integer = "Input should be a valid integer, unable to parse string as an integer"
    assert got == [
        (1, "", "missing required key 'name'"),
        (5, "forces[0].equipment[0].mass_t", f"{number} (got 'heavy')"),
        (6, "forces[0].equipment[1]", "missing required key 'mass_t'"),
        (7, "forces[0].equipment[1].mass_tt", "unknown key 'mass_tt'"),
        # The discriminator tag 'hold' is not part of the path.
        (11, "forces[1].steps[0].duration_h", f"{number} (got 'soon')"),
        (12, "forces[1].steps[1]", "missing required key 'to'"),
        (13, "forces[1].steps[1].too", "unknown key 'too'"),
        (
            14,
            "forces[1].steps[2]",
            "Input tag 'jump' found using 'kind' does not match any of the expected tags:"
            " 'hold', 'move'",
        ),
        # Union member names ('int', 'list[int]') are not part of the path.
        (15, "forces[1].size", f"{integer} (got 'big')"),
        (15, "forces[1].size", "Input should be a valid list (got 'big')"),
        # Five failing union members: three are kept, the last says how many were left out.
        (16, "forces[1].odd", "Input should be a valid integer"),
        (16, "forces[1].odd", "Input should be a valid dictionary"),
        (16, "forces[1].odd", "Input should be a valid boolean (and 1 more error for this value)"),
        (16, "forces[1].odd[0]", f"{integer} (got 'x')"),
    ]
    assert all(p.file == "s.yaml" for p in _problems(_TEXT))


def test_validation_problem_str() -> None:
    problems = _problems(_TEXT)
    assert str(problems[3]) == "s.yaml:7: forces[0].equipment[1].mass_tt: unknown key 'mass_tt'"


def test_identical_union_errors_are_merged() -> None:
    class Model(_Strict):
        value: list[int] | list[str]

    data: dict[str, Any] = {"value": "x"}
    with pytest.raises(ValidationError) as caught:
        Model.model_validate(data)
    assert len(caught.value.errors()) == 2
    problems = problems_from_validation_error(caught.value, data, {("value",): 3}, "f")
    assert problems == [Problem("f", 3, "value", "Input should be a valid list (got 'x')")]


def test_line_falls_back_to_deepest_marked_prefix() -> None:
    text = "name: x\nforces:\n  - id: a\n    ready: soon\n"
    data, marks = load_yaml(text, "s.yaml")
    del marks[("forces", 0, "ready")]
    with pytest.raises(ValidationError) as caught:
        _Scenario.model_validate(data)
    (problem,) = problems_from_validation_error(caught.value, data, marks, "s.yaml")
    assert problem.path == "forces[0].ready"
    assert problem.line == 3
    assert problem.message.endswith("(got 'soon')")


def test_no_marks_means_no_line() -> None:
    data: dict[str, Any] = {"forces": []}
    with pytest.raises(ValidationError) as caught:
        _Scenario.model_validate(data)
    empty: Marks = {}
    assert problems_from_validation_error(caught.value, data, empty, "f") == [
        Problem("f", None, "", "missing required key 'name'")
    ]


def test_scalar_inputs_are_shown_briefly() -> None:
    long_text = "x" * 200
    text = f"name: x\nforces:\n  - id: a\n    ready: {long_text}\n  - id: b\n    size: 2.5\n"
    problems = _problems(text)
    assert [p.path for p in problems] == ["forces[0].ready", "forces[1].size", "forces[1].size"]
    assert problems[0].message.endswith("(got '" + "x" * 56 + "...)")
    assert "(got 2.5)" in problems[1].message


def test_dates_are_shown_in_iso_form() -> None:
    class Model(_Strict):
        when: int

    data: dict[str, Any] = {"when": dt.date(2007, 7, 20)}
    with pytest.raises(ValidationError) as caught:
        Model.model_validate(data)
    (problem,) = problems_from_validation_error(caught.value, data, {}, "f")
    assert problem.message.endswith("(got 2007-07-20)")


# -- unknown keys: the key meant, found in the model ----------------------------------


def test_fields_at_follows_lists_unions_and_tags() -> None:
    from simulator.scenario.errors import fields_at

    assert fields_at(_Scenario, ()) == ["name", "forces"]
    assert fields_at(_Scenario, ("forces", 1, "equipment", 0)) == ["name", "mass_t"]
    assert fields_at(_Scenario, ("forces", 1, "steps", 0, "move")) == ["kind", "to"]
    assert fields_at(_Scenario, ("forces", 1, "steps", 0, "hold")) == ["kind", "duration_h"]
    assert fields_at(_Scenario, ("forces", 0, "size")) is None  # not a model
    assert fields_at(_Scenario, ("nothing",)) is None


def test_fields_at_on_the_scenario_format() -> None:
    from simulator.scenario.errors import fields_at
    from simulator.scenario.models import Scenario

    assert fields_at(Scenario, ("nodes", 0, "limits")) == [
        "parking", "loading_ramps", "transfer_capacity", "transfer_h", "border_h", "source",
    ]  # fmt: skip
    assert fields_at(Scenario, ("countries", 0, "transit", "rail")) == ["policy", "nations"]
    assert fields_at(Scenario, ("injects", 0, "loss"))[:3] == ["id", "kind", "fleet"]  # type: ignore[index]
    assert fields_at(Scenario, ("milestones", 0, "observed")) == [
        "day", "utc_offset_h", "earliest", "latest",
    ]  # fmt: skip


def _model_problems(text: str, list_keys_under: tuple[str, ...] = ()) -> list[str]:
    data, marks = load_yaml(text, "s.yaml")
    with pytest.raises(ValidationError) as caught:
        _Scenario.model_validate(data)
    found = problems_from_validation_error(
        caught.value, data, marks, "s.yaml", _Scenario, list_keys_under
    )
    return [str(p) for p in found]


def test_unknown_key_gets_the_key_meant_or_the_valid_keys() -> None:
    text = (
        "name: x\nforces:\n  - id: a\n    equipment:\n      - {name: t, mass_t: 1, mas_t: 2}\n"
        "      - {name: t, mass_t: 1, colour: red}\n"
        "    steps:\n      - {kind: move, to: y, too: z}\n"
    )
    assert _model_problems(text) == [
        "s.yaml:5: forces[0].equipment[0].mas_t: unknown key 'mas_t' (did you mean 'mass_t'?)",
        "s.yaml:6: forces[0].equipment[1].colour: unknown key 'colour'; valid keys here: "
        "name, mass_t",
        "s.yaml:8: forces[0].steps[0].too: unknown key 'too' (did you mean 'to'?)",
    ]


def test_unknown_key_under_an_override_always_lists_the_valid_keys() -> None:
    text = "name: x\nforces:\n  - id: a\n    equipment:\n      - {name: t, mass_t: 1, mas_t: 2}\n"
    assert _model_problems(text, ("forces[0].equipment[0].mas_t",)) == [
        "s.yaml:5: forces[0].equipment[0].mas_t: unknown key 'mas_t' (did you mean 'mass_t'?); "
        "valid keys here: name, mass_t",
    ]
