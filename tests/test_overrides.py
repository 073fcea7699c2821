"""Tests for ``--set PATH=VALUE`` overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.scenario.errors import Marks, Problem, ScenarioError, problems_from_validation_error
from simulator.scenario.overrides import (
    apply_override,
    apply_overrides,
    attribute_to_overrides,
    parse_assignment,
    parse_path,
)
from simulator.scenario.yamlio import load_yaml

SCENARIO = """\
name: demo
forces:
  - id: pla_army
    ready: 2007-07-20
    units: 4
  - id: kz_guard
    ready: 2007-07-22
fleets:
  - id: cn_il76
    count: 6
nodes:
  - {lat: 43.2, lon: 76.9}
  - {lat: 51.1, lon: 71.4}
countries:
  KZ:
    transit:
      rail: {policy: deny}
levels:
  1: low
"""


def _load() -> tuple[dict[str, Any], Marks]:
    data, marks = load_yaml(SCENARIO, "s.yaml")
    assert isinstance(data, dict)
    return data, marks


def _one_problem(caught: pytest.ExceptionInfo[ScenarioError]) -> Problem:
    (problem,) = caught.value.problems
    assert problem.file == "--set"
    assert problem.line is None
    return problem


# -- parse_assignment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fleets.cn_il76.count=8", ("fleets.cn_il76.count", 8)),
        ("x=2.5", ("x", 2.5)),
        ("x=allow", ("x", "allow")),
        ("x=null", ("x", None)),
        ("x=", ("x", None)),
        ("x=''", ("x", "")),
        ("x=[a, b]", ("x", ["a", "b"])),
        ("x={speed: 40}", ("x", {"speed": 40})),
        ("x=true", ("x", True)),
        ("x='8'", ("x", "8")),
        ("x=a=b", ("x", "a=b")),
        ("  spaced.path  = 3", ("spaced.path", 3)),
        ("x=2007-07-20", ("x", dt.date(2007, 7, 20))),
    ],
)
def test_parse_assignment(text: str, expected: tuple[str, Any]) -> None:
    assert parse_assignment(text) == expected


def test_parse_assignment_datetime() -> None:
    path, value = parse_assignment("forces.first_battalion.ready=2030-07-20T00:00:00Z")
    assert path == "forces.first_battalion.ready"
    assert value == dt.datetime(2030, 7, 20, tzinfo=dt.UTC)
    assert isinstance(value, dt.datetime)


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "no equals",
            "no equals",
            "expected PATH=VALUE, e.g. forces.first_battalion.ready=2030-07-20",
        ),
        ("=5", "=5", "the path before '=' is empty"),
        ("  =5", "  =5", "the path before '=' is empty"),
    ],
)
def test_parse_assignment_bad_forms(text: str, path: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(text)
    assert _one_problem(caught) == Problem("--set", None, path, message)


def test_parse_assignment_bad_values() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_assignment("x=[1, 2")
    problem = _one_problem(caught)
    assert problem.path == "x"
    assert problem.message.startswith("value '[1, 2': invalid YAML:")

    with pytest.raises(ScenarioError) as caught:
        parse_assignment("x=!!python/object/apply:os.system [ls]")
    assert _one_problem(caught).message == (
        "value '!!python/object/apply:os.system [ls]': "
        "tag !!python/object/apply:os.system is not allowed"
    )


# -- parse_path --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("forces.pla_army.ready", ["forces", "pla_army", "ready"]),
        ("forces[pla_army].ready", ["forces", "pla_army", "ready"]),
        ("forces.[pla_army].ready", ["forces", "pla_army", "ready"]),
        ("nodes[0].lat", ["nodes", "0", "lat"]),
        ("nodes[0][1]", ["nodes", "0", "1"]),
        ("name", ["name"]),
        ("[name]", ["name"]),
    ],
)
def test_parse_path(text: str, segments: list[str]) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a..b", "empty segment at character 3"),
        (".a", "empty segment at character 1"),
        ("a.", "the path ends with '.'"),
        ("a[b", "'[' without a matching ']'"),
        ("a[]", "bad bracket segment at character 2"),
        ("a]b", "']' without a matching '[' at character 2"),
        ("a[b]c", "expected '.' or '[' at character 5"),
    ],
)
def test_parse_path_errors(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_path(text)
    assert _one_problem(caught) == Problem("--set", None, text, message)


# -- apply_override ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "getter"),
    [
        ("forces.kz_guard.ready", lambda d: d["forces"][1]["ready"]),
        ("forces[kz_guard].ready", lambda d: d["forces"][1]["ready"]),
        ("fleets.cn_il76.count", lambda d: d["fleets"][0]["count"]),
        ("nodes.1.lat", lambda d: d["nodes"][1]["lat"]),
        ("nodes[1].lat", lambda d: d["nodes"][1]["lat"]),
        ("forces.1.ready", lambda d: d["forces"][1]["ready"]),
        (
            "countries.KZ.transit.rail.policy",
            lambda d: d["countries"]["KZ"]["transit"]["rail"]["policy"],
        ),
        ("levels.1", lambda d: d["levels"][1]),
        ("name", lambda d: d["name"]),
    ],
)
def test_apply_override_sets_value(path: str, getter: Any) -> None:
    data, marks = _load()
    apply_override(data, path, "NEW", marks)
    assert getter(data) == "NEW"


def test_override_by_id_takes_precedence_over_index() -> None:
    data: dict[str, Any] = {"items": [{"id": "x"}, {"id": "0"}, {"id": 7}]}
    apply_override(data, "items.0.v", 1, {})
    assert data["items"][1] == {"id": "0", "v": 1}
    apply_override(data, "items.7.v", 2, {})
    assert data["items"][2] == {"id": 7, "v": 2}


def test_override_replaces_whole_list_element() -> None:
    data, marks = _load()
    apply_override(data, "nodes[0]", {"lat": 1.0, "lon": 2.0}, marks)
    assert data["nodes"][0] == {"lat": 1.0, "lon": 2.0}


def test_override_creates_missing_keys_and_mappings() -> None:
    data, marks = _load()
    apply_override(data, "forces.pla_army.transport.mode", "air", marks)
    assert data["forces"][0]["transport"] == {"mode": "air"}
    apply_override(data, "countries.CN.transit.rail.policy", "allow", marks)
    assert data["countries"]["CN"] == {"transit": {"rail": {"policy": "allow"}}}


def test_override_through_null_creates_mapping() -> None:
    data: dict[str, Any] = {"transit": None}
    apply_override(data, "transit.rail", "allow", {})
    assert data == {"transit": {"rail": "allow"}}


def test_override_removes_stale_marks() -> None:
    data, marks = _load()
    assert marks[("countries", "KZ", "transit", "rail", "policy")] == 17
    apply_override(data, "countries.KZ.transit", {"rail": {"policy": "allow"}}, marks)
    assert not [key for key in marks if key[:3] == ("countries", "KZ", "transit")]
    assert marks[("countries", "KZ")] == 15
    assert marks[("forces", 0, "ready")] == 4


def test_unknown_id_lists_existing_ids() -> None:
    data, marks = _load()
    with pytest.raises(ScenarioError) as caught:
        apply_override(data, "forces.usa_army.ready", 1, marks)
    assert _one_problem(caught) == Problem(
        "--set",
        None,
        "forces.usa_army.ready",
        "no element of forces has id 'usa_army'; ids are: pla_army, kz_guard",
    )


def test_unknown_id_lists_at_most_ten_ids() -> None:
    data: dict[str, Any] = {"units": [{"id": f"u{i}"} for i in range(25)]}
    with pytest.raises(ScenarioError) as caught:
        apply_override(data, "units.zz.x", 1, {})
    assert _one_problem(caught).message == (
        "no element of units has id 'zz'; ids are: "
        "u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, ... (15 more)"
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nodes.5.lat", "index 5 is out of range: nodes has 2 elements"),
        ("nodes.north.lat", "nodes is a list without ids; address its elements by index"),
        ("name.first", "name is a single value (str), so it has no 'first'"),
        ("forces.pla_army.units.x", "forces[0].units is a single value (int), so it has no 'x'"),
        (
            "forces.pla_army.ready.day",
            "forces[0].ready is a single value (date), so it has no 'day'",
        ),
    ],
)
def test_bad_override_paths(path: str, message: str) -> None:
    data, marks = _load()
    with pytest.raises(ScenarioError) as caught:
        apply_override(data, path, 1, marks)
    assert _one_problem(caught) == Problem("--set", None, path, message)


def test_duplicate_ids_are_ambiguous() -> None:
    data: dict[str, Any] = {"units": [{"id": "a"}, {"id": "a"}]}
    with pytest.raises(ScenarioError) as caught:
        apply_override(data, "units.a.x", 1, {})
    assert _one_problem(caught).message == "2 elements of units have id 'a'"


# -- apply_overrides ---------------------------------------------------------------------


def test_apply_overrides_returns_canonical_paths() -> None:
    data, marks = _load()
    changed = apply_overrides(
        data,
        [
            "forces.kz_guard.ready=2007-07-21T06:00:00Z",
            "fleets[cn_il76].count=8",
            "nodes.0.lat=40",
            "forces[1].ready=2007-07-21",
            "countries.KZ.transit.rail.policy=allow",
        ],
        marks,
    )
    assert changed == [
        "forces[1].ready",
        "fleets[0].count",
        "nodes[0].lat",
        "countries.KZ.transit.rail.policy",
    ]
    assert data["forces"][1]["ready"] == dt.date(2007, 7, 21)
    assert data["fleets"][0]["count"] == 8
    assert data["nodes"][0]["lat"] == 40
    assert data["countries"]["KZ"]["transit"]["rail"]["policy"] == "allow"


def test_apply_overrides_collects_all_problems() -> None:
    data, marks = _load()
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(data, ["oops", "fleets.cn_il76.count=9", "forces.nope.ready=1"], marks)
    assert [(p.file, p.path) for p in caught.value.problems] == [
        ("--set", "oops"),
        ("--set", "forces.nope.ready"),
    ]
    assert str(caught.value).splitlines()[1] == (
        "--set: forces.nope.ready: no element of forces has id 'nope'; ids are: pla_army, kz_guard"
    )
    assert data["fleets"][0]["count"] == 9  # the valid assignment was still applied


def test_apply_overrides_with_nothing_to_do() -> None:
    data, marks = _load()
    assert apply_overrides(data, [], marks) == []


# -- reporting problems with overridden values --------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Force(_Strict):
    id: str
    ready: dt.date
    units: int = 1


class _Scenario(_Strict):
    name: str
    forces: list[_Force]


def test_validation_problems_of_overridden_values_come_from_set() -> None:
    data, marks = load_yaml(
        "name: demo\nforces:\n  - id: a\n    ready: 2007-07-20\n    units: x\n"
        "  - id: b\n    ready: 2007-07-22\n",
        "s.yaml",
    )
    changed = apply_overrides(data, ["forces.b.ready=soon", "forces.a.redy=2007-07-19"], marks)
    with pytest.raises(ValidationError) as caught:
        _Scenario.model_validate(data)
    problems = problems_from_validation_error(caught.value, data, marks, "s.yaml")
    reported = [str(p) for p in attribute_to_overrides(problems, changed)]
    assert reported == [
        "s.yaml:5: forces[0].units: Input should be a valid integer, "
        "unable to parse string as an integer (got 'x')",
        "--set: forces[0].redy: unknown key 'redy'",
        "--set: forces[1].ready: Input should be a valid date or datetime, "
        "input is too short (got 'soon')",
    ]


def test_attribution_respects_segment_boundaries() -> None:
    problems = [
        Problem("s.yaml", 3, "forces[1].ready_by", "x"),
        Problem("s.yaml", 4, "forces[1].ready", "y"),
        Problem("s.yaml", 5, "forces[1].ready[0]", "z"),
        Problem("s.yaml", 6, "forces[10]", "w"),
    ]
    assert attribute_to_overrides(problems, ["forces[1].ready", "forces[1"]) == [
        problems[0],
        Problem("--set", None, "forces[1].ready", "y"),
        Problem("--set", None, "forces[1].ready[0]", "z"),
        problems[3],
    ]
