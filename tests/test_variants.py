"""Scenario variants: a file that extends a base scenario with replaced keys,
removed and added list items and ``set`` values.

Most cases extend the one-train example, copied next to the variant under test,
and check both the composed scenario and where problems are reported: in the
variant for what it supplied, in the base for everything else.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.model.world import Result
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.variants import MAX_EXTENDS

ROOT = Path(__file__).parent.parent / "scenarios"
EXAMPLE = ROOT / "examples" / "one-train.yaml"
BASE = EXAMPLE.read_text()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> tuple[Problem, ...]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


def only(problems: tuple[Problem, ...]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path, "base.yaml", BASE)


def variant(tmp_path: Path, body: str, name: str = "variant.yaml") -> Path:
    return write(tmp_path, name, "extends: base.yaml\n" + body)


# -- composing -------------------------------------------------------------------


def test_replaced_top_level_key(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "name: other\nclock:\n  start: 2030-01-01T00:00:00Z\n  d_day: 2030-01-03T00:00:00Z\n",
    )
    scenario = load_scenario(path).scenario
    assert scenario.name == "other"
    assert scenario.clock.d_day.day == 3
    assert scenario.title == "One train over one link"  # keys not written stay


def test_replaced_key_is_replaced_wholesale(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "clock:\n  start: 2030-01-01T00:00:00Z\n")
    problem = only(problems_of(path))
    # The base's d_day is not merged into the variant's clock.
    assert (problem.file, problem.line, problem.path) == (str(path), 2, "clock")
    assert "missing required key 'd_day'" in problem.message


def test_add_appends_a_fleet(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "add:\n  fleets:\n    - {id: spare, type: train, count: 2, base: camp}\n",
    )
    fleets = load_scenario(path).scenario.fleets
    assert [fleet.id for fleet in fleets] == ["trains", "spare"]
    assert fleets[1].count == 2


def test_remove_a_milestone(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "remove:\n  milestones: [closed]\n")
    assert load_scenario(path).scenario.milestones == []


def test_remove_then_add_replaces_an_item(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "remove:\n  fleets: [trains]\n"
        "add:\n  fleets:\n    - {id: trains, type: train, count: 3, base: depot}\n",
    )
    fleets = load_scenario(path).scenario.fleets
    assert [(fleet.id, fleet.count) for fleet in fleets] == [("trains", 3)]


def test_set_nested_values_by_id(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "set:\n"
        "  forces.battalion.personnel: 200\n"
        "  links[main_line].distance_km: 300\n"
        "  forces.battalion.equipment.0.count: 4\n"
        '  description: "null"\n',
    )
    scenario = load_scenario(path).scenario
    assert scenario.forces[0].personnel == 200
    assert scenario.forces[0].equipment[0].count == 4
    assert scenario.links[0].distance_km == 300
    # The value is the YAML value written, not text read again as YAML.
    assert scenario.description == "null"


def test_chain_of_two_extends(tmp_path: Path, base: Path) -> None:
    middle = write(
        tmp_path,
        "more/middle.yaml",
        "extends: ../base.yaml\nname: middle\nset:\n  fleets.trains.count: 2\n",
    )
    top = write(tmp_path, "more/top.yaml", "extends: middle.yaml\nset:\n  fleets.trains.count: 5\n")
    loaded = load_scenario(top)
    assert loaded.scenario.name == "middle"
    assert loaded.scenario.fleets[0].count == 5  # the outer variant applies last
    assert loaded.files == (top, middle, base)
    assert load_scenario(middle).scenario.fleets[0].count == 2


def test_plain_scenario_has_one_file_and_its_own_digest(base: Path) -> None:
    loaded = load_scenario(base)
    assert loaded.files == (base,)
    assert loaded.sha256 == hashlib.sha256(base.read_bytes()).hexdigest()


def test_set_on_the_command_line_applies_after_the_variant(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "set:\n  forces.battalion.personnel: 200\n")
    loaded = load_scenario(path, ["forces.battalion.personnel=100"])
    assert loaded.scenario.forces[0].personnel == 100
    assert loaded.overrides == ("forces.battalion.personnel=100",)
    problem = only(problems_of(path, ("forces.battalion.personnel=-1",)))
    assert (problem.file, problem.line, problem.path) == ("--set", None, "forces[0].personnel")


def test_digest_covers_the_base(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "name: other\n")
    before = load_scenario(path)
    assert before.sha256 == hashlib.sha256(path.read_bytes() + base.read_bytes()).hexdigest()
    base.write_text(BASE.replace("count: 1", "count: 2"))
    after = load_scenario(path)
    assert after.scenario.fleets[0].count == 2
    assert after.sha256 != before.sha256


# -- where problems are reported -------------------------------------------------


def test_error_in_added_item_points_at_the_variant(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "add:\n  fleets:\n    - id: spare\n      type: train\n      count: -2\n      base: camp\n",
    )
    problem = only(problems_of(path))
    assert (problem.file, problem.line) == (str(path), line_of(path, "count: -2"))
    assert problem.path == "fleets[1].count"


def test_cross_check_error_in_added_item_points_at_the_variant(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path, "add:\n  fleets:\n    - {id: spare, type: train, count: 1, base: nowhere}\n"
    )
    problem = only(problems_of(path))
    assert (problem.file, problem.line) == (str(path), line_of(path, "nowhere"))
    assert problem.path == "fleets[1].base"


def test_error_in_set_value_points_at_the_set_entry(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "set:\n  forces.battalion.personnel: many\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line) == (str(path), line_of(path, "personnel: many"))
    assert problem.path == "forces[0].personnel"


def test_error_in_replaced_key_points_at_the_variant(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "clock:\n  start: soon\n  d_day: 2030-01-01T00:00:00Z\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (
        str(path),
        line_of(path, "start: soon"),
        "clock.start",
    )


def test_error_in_untouched_base_value_points_at_the_base(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", BASE.replace("speed_kmh: 50", "speed_kmh: -50"))
    path = variant(tmp_path, "name: other\nset:\n  forces.battalion.personnel: 200\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line) == (str(base), line_of(base, "speed_kmh: -50"))
    assert problem.path == "transport_types[0].speed_kmh"


def test_base_lines_follow_items_moved_by_remove(tmp_path: Path) -> None:
    text = BASE.replace(
        "fleets:\n",
        "fleets:\n  - {id: early, type: train, count: 1, base: depot}\n",
    ).replace("count: 1, base: depot}\nforces", "count: 1, base: nowhere}\nforces")
    base = write(tmp_path, "base.yaml", text)
    path = variant(tmp_path, "remove:\n  fleets: [early]\n")
    problem = only(problems_of(path))
    # The bad fleet was fleets[1] in the base and is fleets[0] once 'early' is gone.
    assert problem.path == "fleets[0].base"
    assert (problem.file, problem.line) == (str(base), line_of(base, "base: nowhere"))


def test_missing_required_key_is_reported_at_the_variant(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE.replace("name: one-train\n", ""))
    path = variant(tmp_path, "title: still no name\n")
    problem = only(problems_of(path))
    assert problem.file == str(path)
    assert "missing required key 'name'" in problem.message


# -- bad variants ------------------------------------------------------------------


def test_missing_base_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "variant.yaml", "name: x\nextends: nothing-here.yaml\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (str(path), 2, "extends")
    assert "not found" in problem.message


@pytest.mark.parametrize("value", ["", "[a.yaml]", "3", "null"])
def test_extends_must_be_a_path(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "variant.yaml", f"extends: {value}\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (str(path), 1, "extends")
    assert "expected the path of the base scenario" in problem.message


def test_cycle_is_refused(tmp_path: Path) -> None:
    first = write(tmp_path, "first.yaml", "extends: second.yaml\n")
    second = write(tmp_path, "second.yaml", "name: x\nextends: first.yaml\n")
    problem = only(problems_of(first))
    assert (problem.file, problem.line, problem.path) == (str(second), 2, "extends")
    assert "loops back" in problem.message


def test_extending_itself_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "self.yaml", "extends: self.yaml\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (str(path), 1, "extends")
    assert "loops back" in problem.message


def test_too_deep_a_chain_is_refused(tmp_path: Path, base: Path) -> None:
    previous = "base.yaml"
    for level in range(1, MAX_EXTENDS + 2):
        write(tmp_path, f"v{level}.yaml", f"extends: {previous}\n")
        previous = f"v{level}.yaml"
    assert load_scenario(tmp_path / f"v{MAX_EXTENDS}.yaml").scenario.name == "one-train"
    problem = only(problems_of(tmp_path / f"v{MAX_EXTENDS + 1}.yaml"))
    assert problem.path == "extends"
    assert f"more than {MAX_EXTENDS} levels" in problem.message


def test_bad_set_path_points_at_its_entry(tmp_path: Path, base: Path) -> None:
    path = variant(
        tmp_path,
        "set:\n  forces.platoon.personnel: 3\n  forces.battalion.personnel.x: 1\n",
    )
    unknown, scalar = problems_of(path)
    assert (unknown.file, unknown.line) == (str(path), line_of(path, "platoon"))
    assert unknown.path == "set['forces.platoon.personnel']"
    assert "no element of forces has id 'platoon'" in unknown.message
    assert (scalar.file, scalar.line) == (str(path), line_of(path, "personnel.x"))
    assert "single value" in scalar.message


def test_remove_of_unknown_id_is_refused(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "remove:\n  milestones:\n    - closed\n    - opened\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (
        str(path),
        line_of(path, "- opened"),
        "remove.milestones[1]",
    )
    assert "no element of 'milestones' has id 'opened'; ids are: closed" in problem.message


def test_add_to_a_section_that_is_not_a_list(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "add:\n  clock:\n    - {id: x}\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (str(path), 3, "add.clock")
    assert "is a dict in the base scenario, not a list" in problem.message


def test_unknown_keys_under_add_and_remove(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "remove:\n  trains: [a]\nadd:\n  lorries:\n    - {id: b}\n")
    removed, added = problems_of(path)
    assert (removed.file, removed.line, removed.path) == (str(path), 3, "remove.trains")
    assert (added.file, added.line, added.path) == (str(path), 5, "add.lorries")
    assert "unknown key 'lorries'" in added.message
    assert "fleets" in added.message  # the lists there are, to pick from


def test_malformed_sections(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "set: [a]\nadd:\n  fleets: {id: x}\nremove:\n  fleets: trains\n")
    messages = {(problem.path, problem.line): problem.message for problem in problems_of(path)}
    assert "expected a mapping under 'set'" in messages[("set", 2)]
    assert "expected a list of items" in messages[("add.fleets", 4)]
    assert "expected a list of ids" in messages[("remove.fleets", 6)]


def test_variant_keys_need_extends(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.yaml", BASE + "set:\n  name: x\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.path) == (str(path), line_of(path, "set:"), "set")
    assert "only allowed in a variant" in problem.message


def test_cli_reports_variant_problems(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "remove:\n  milestones: [opened]\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}:3: remove.milestones[0]: no element" in result.output
    assert "Traceback" not in result.output


# -- the flagship variant --------------------------------------------------------


def closing_time(result: Result, unit: str) -> float:
    loads = {load.id for load in result.loads[unit]}
    return max(
        event.time for event in result.events if event.kind == "arrive" and event.entity in loads
    )


def test_kazakhstan_transit_variant_closes_the_rail_units_earlier() -> None:
    flagship = load_scenario(ROOT / "peace_mission_2007.yaml")
    variant = load_scenario(ROOT / "variants" / "kazakhstan-transit.yaml")
    assert variant.files == (
        ROOT / "variants" / "kazakhstan-transit.yaml",
        ROOT / "peace_mission_2007.yaml",
    )
    assert variant.scenario.name == "peace_mission_2007_kazakhstan_transit"
    dostyk = {f.id: f.count for f in variant.scenario.fleets}["kz_trains_dostyk"]
    assert (
        dostyk == 6 and {f.id: f.count for f in flagship.scenario.fleets}["kz_trains_dostyk"] == 0
    )
    base_run = run_replication(flagship.scenario)
    variant_run = run_replication(variant.scenario)
    assert closing_time(variant_run, "pla_rail_echelon_3") < closing_time(
        base_run, "pla_rail_echelon_3"
    )


def test_add_to_a_list_the_base_leaves_out(tmp_path: Path) -> None:
    """The one-train example has no injects; a variant may still add one."""
    import shutil

    base = tmp_path / "one-train.yaml"
    shutil.copy(Path(__file__).parent.parent / "scenarios" / "examples" / "one-train.yaml", base)
    variant = tmp_path / "snow.yaml"
    variant.write_text(
        "format: 1\nextends: one-train.yaml\nname: snow\nadd:\n  injects:\n"
        "    - {id: snow, kind: hold, node: depot, start: 2030-01-01T00:00:00Z, duration_h: 12}\n"
    )
    from simulator.loading import load_scenario

    loaded = load_scenario(variant)
    assert [i.id for i in loaded.scenario.injects] == ["snow"]


def test_misspelt_list_under_add_gets_the_list_meant(tmp_path: Path, base: Path) -> None:
    path = variant(tmp_path, "add:\n  milestone:\n    - {id: b}\n")
    problem = only(problems_of(path))
    assert problem.path == "add.milestone"
    assert problem.message.startswith(
        "unknown key 'milestone' (did you mean 'milestones'?): the base scenario has no list "
        "of that name (its lists are: "
    )
