"""Every class of bad input: exit code 2, a located message, never a traceback.

Each case starts from the one-train example, breaks one thing, and checks
that ``tabletop validate`` names the file, the line and the path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main

EXAMPLE = Path(__file__).parent.parent / "scenarios" / "examples" / "one-train.yaml"
GOOD = EXAMPLE.read_text()


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    output = result.output  # stdout and stderr, interleaved
    assert "Traceback" not in output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, output


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert old in GOOD, old
    text = GOOD.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path, text


# (what is broken, replaced text, replacement, expected path, expected words, line needle)
CASES = [
    ("unknown key", "    mode: rail\nmilestones", "    mode: rail\n    speed: 3\nmilestones",
     "forces[0].speed", "unknown key 'speed'", "speed: 3"),
    ("wrong type", "personnel: 350", "personnel: many", "forces[0].personnel", "integer",
     "personnel: many"),
    ("negative number", "personnel: 350", "personnel: -5", "forces[0].personnel",
     "greater than or equal to 0", "personnel: -5"),
    ("missing key", "    origin: depot\n", "", "forces[0]", "missing required key 'origin'",
     "- id: battalion"),
    ("bad date", "ready: 2030-01-01T06:00:00Z", "ready: next tuesday", "forces[0].ready",
     "datetime", "ready: next tuesday"),
    ("bad enum", "mode: rail\nmilestones", "mode: ship\nmilestones", "forces[0].mode",
     "'rail'", "mode: ship"),
    ("duplicate id", "  - {id: camp,", "  - {id: depot,", "nodes[1].id", "duplicate id 'depot'",
     "{id: depot, country: A, lat: 50.0, lon: 18.0"),
    ("unknown node", "destination: camp", "destination: kamp", "forces[0].destination",
     "unknown node 'kamp'", "destination: kamp"),
    ("unknown fleet", "    mode: rail\nmilestones",
     "    mode: rail\n    fleets: [boats]\nmilestones",
     "forces[0].fleets[0]", "unknown fleet 'boats'", "fleets: [boats]"),
    ("unknown type", "type: train, count", "type: tram, count", "fleets[0].type",
     "unknown transport type 'tram'", "type: tram"),
    ("unknown country", "country: A, lat: 50.0, lon: 10.0", "country: Z, lat: 50.0, lon: 10.0",
     "nodes[0].country", "unknown country 'Z'", "country: Z"),
    ("too heavy", "mass_t: 10}", "mass_t: 1500}", "forces[0].equipment",
     "weighs 1500 t", "equipment:"),
    ("rail link without gauge", ", gauge_mm: 1435}", "}", "links[0]", "gauge_mm",
     "id: main_line"),
    ("no train paths", ", gauge_mm: 1435}", ", gauge_mm: 1435, trains_per_day: 0}",
     "links[0].trains_per_day", "greater than 0", "trains_per_day: 0"),
    ("negative train paths", ", gauge_mm: 1435}", ", gauge_mm: 1435, trains_per_day: -4}",
     "links[0].trains_per_day", "greater than 0", "trains_per_day: -4"),
    ("infinite train paths", ", gauge_mm: 1435}", ", gauge_mm: 1435, trains_per_day: .inf}",
     "links[0].trains_per_day", "finite number", "trains_per_day: .inf"),
    ("NaN train paths", ", gauge_mm: 1435}", ", gauge_mm: 1435, trains_per_day: .nan}",
     "links[0].trains_per_day", "finite number", "trains_per_day: .nan"),
    ("train paths on a road", "mode: rail, distance_km: 600, gauge_mm: 1435}",
     "mode: road, distance_km: 600, trains_per_day: 6}", "links[0].trains_per_day",
     "trains_per_day applies to rail links only", "trains_per_day: 6"),
    ("fleet of the wrong mode", "    mode: rail\nmilestones", "    mode: air\nmilestones",
     "forces[0].mode",
     "no air fleet", "mode: air"),
    ("duplicate key", "    personnel: 350\n", "    personnel: 350\n    personnel: 351\n",
     "forces[0].personnel", "duplicate key 'personnel'", "personnel: 351"),
    ("python tag", "personnel: 350", "personnel: !!python/object/apply:os.system ['true']",
     "", "not allowed", "python/object"),
    ("syntax error", "  - id: A\n", "  - id: A\n   bad: [\n", "", "invalid YAML", "bad: ["),
    ("milestone selects nobody", "{event: arrive, units: [battalion]}",
     "{event: arrive, units: [battalion], nations: [B]}\n", "milestones[0].measure",
     "selects no unit", "measure: {event"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "path", "words", "needle"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_scenario_gives_exit_2_and_a_located_message(
    tmp_path: Path, old: str, new: str, path: str, words: str, needle: str
) -> None:
    file, text = broken(tmp_path, old, new)
    if "nations: [B]" in new:
        text = text.replace("  - id: A\n", "  - id: A\n  - id: B\n")
        file.write_text(text)
    code, output = run_cli("validate", str(file))
    assert code == 2, output
    where = f"{file}:{line_of(text, needle)}:"
    assert where in output, (where, output)
    if path:
        assert f"{where} {path}:" in output, output
    assert words in output


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = GOOD.replace("personnel: 350", "personnel: -1").replace("count: 1,", "count: -1,")
    file = tmp_path / "two.yaml"
    file.write_text(text)
    code, output = run_cli("validate", str(file))
    assert code == 2
    assert "forces[0].personnel" in output and "fleets[0].count" in output
    assert output.count("error:") == 2


def test_unreachable_under_transit_policy(tmp_path: Path) -> None:
    text = GOOD.replace("countries:\n  - id: A\n", "countries:\n  - id: A\n  - id: B\n    "
                        "transit: {rail: deny}\n")  # fmt: skip
    text = text.replace("{id: camp, country: A", "{id: camp, country: B").replace(
        "{id: depot, country: A", "{id: mid, country: B, lat: 50.0, lon: 14.0}\n"
        "  - {id: depot, country: A"
    )  # fmt: skip
    text = text.replace(
        "  - {id: main_line, a: depot, b: camp, mode: rail, distance_km: 600, gauge_mm: 1435}",
        "  - {id: l1, a: depot, b: mid, mode: rail, distance_km: 300, gauge_mm: 1435}\n"
        "  - {id: l2, a: mid, b: camp, mode: rail, distance_km: 300, gauge_mm: 1435}",
    )
    file = tmp_path / "policy.yaml"
    file.write_text(text)
    code, output = run_cli("validate", str(file))
    assert code == 2
    assert "forces[0].destination" in output
    assert "transit policy closes it" in output


def test_air_leg_beyond_range(tmp_path: Path) -> None:
    text = (
        GOOD.replace(
            "mode: rail, distance_km: 600, gauge_mm: 1435}", "mode: air, distance_km: 600}"
        )
        .replace("    mode: rail\n    gauge_mm: 1435\n", "    mode: air\n    range_km: 500\n")
        .replace("    mode: rail\nmilestones", "    mode: air\nmilestones")
    )
    file = tmp_path / "range.yaml"
    file.write_text(text)
    code, output = run_cli("validate", str(file))
    assert code == 2, output
    assert "every air route has a leg longer than the train range of 500 km" in output


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("forces.battalion.personnel=-3", "--set: forces[0].personnel:"),
        ("forces.nobody.personnel=3", "no element of forces has id 'nobody'"),
        ("no-equals-sign", "--set"),
        ("forces.battalion.colour=red", "unknown key 'colour'"),
    ],
)
def test_bad_set_gives_exit_2(assignment: str, words: str) -> None:
    code, output = run_cli("run", str(EXAMPLE), "--no-save", "--set", assignment)
    assert code == 2, output
    assert words in output


def test_missing_file_and_directory(tmp_path: Path) -> None:
    code, output = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in output
    code, output = run_cli("run", str(tmp_path), "--no-save")
    assert code == 2


def test_not_utf8_and_not_a_mapping(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    code, output = run_cli("validate", str(latin))
    assert code == 2 and "latin.yaml" in output
    seq = tmp_path / "list.yaml"
    seq.write_text("- 1\n- 2\n")
    code, output = run_cli("validate", str(seq))
    assert code == 2 and "mapping" in output


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    code, output = run_cli("validate", str(bomb))
    assert code == 2 and "alias" in output


def test_usage_errors_exit_2() -> None:
    code, _ = run_cli("run", str(EXAMPLE), "--format", "xml")
    assert code == 2
    code, _ = run_cli("run", str(EXAMPLE), "--seed", "-1")
    assert code == 2
    code, _ = run_cli("validate")
    assert code == 2


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    mode: rail\nmilestones", "    mode: rail\n    vehicles: 3\nmilestones",
         "`vehicles` applies to self_deploy units only"),
        ("    load_h: 2\n", "    load_h: 2\n    refuel_h: 1\n",
         "`refuel_h` applies to air transport types only"),
        ("units: [battalion]}", "units: [battalion], share: 0.5}",
         "`share` applies to `closed` only"),
        ("observed: 2030-01-01T21:00:00Z", "observed: {latest: 2030-01-02, utc_offset_h: 3}",
         "`utc_offset_h` applies to `day` only"),
    ],
    ids=["vehicles on a rail unit", "refuel on a train", "share on arrive", "offset without day"],
)  # fmt: skip
def test_fields_that_would_be_ignored_are_refused(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    file, _ = broken(tmp_path, old, new)
    code, output = run_cli("validate", str(file))
    assert code == 2 and words in output, output


def test_self_deploying_unit_must_fit_its_vehicles(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    mode: rail\nmilestones",
        "    mode: rail\n  - {id: convoy, nation: A, personnel: 50, origin: depot, "
        "destination: camp, ready: 2030-01-01, mode: self_deploy, vehicle: truck_type, "
        "vehicles: 4}\nmilestones",
    ).replace(
        "fleets:\n",
        "  - {id: truck_type, mode: road, speed_kmh: 40, capacity: {personnel: 10}}\nfleets:\n",
    )
    text = text.replace(
        "links:\n", "links:\n  - {id: road, a: depot, b: camp, mode: road, distance_km: 600}\n"
    )
    file = tmp_path / "fit.yaml"
    file.write_text(text)
    code, output = run_cli("validate", str(file))
    assert code == 2 and "50 people do not fit in 4 truck_type of 10 seats" in output, output


# -- unknown keys: the key meant ------------------------------------------------------

LIMIT_KEYS = "parking, loading_ramps, transfer_capacity, transfer_h, border_h, source"


def test_misspelt_key_in_a_file_gets_the_key_meant(tmp_path: Path) -> None:
    file, text = broken(tmp_path, "    personnel: 350", "    personel: 350")
    code, output = run_cli("validate", str(file))
    assert code == 2
    line = line_of(text, "personel: 350")
    assert (
        f"error: {file}:{line}: forces[0].personel: unknown key 'personel' "
        "(did you mean 'personnel'?)\n"
    ) in output


def test_unknown_key_in_a_file_with_nothing_close_lists_the_valid_keys(tmp_path: Path) -> None:
    file, text = broken(tmp_path, "    load_h: 2\n", "    load_h: 2\n    colour: red\n")
    code, output = run_cli("validate", str(file))
    assert code == 2
    assert output == (
        f"error: {file}:{line_of(text, 'colour')}: transport_types[0].colour: unknown key "
        "'colour'; valid keys here: id, name, mode, capacity, speed_kmh, gauge_mm, range_km, "
        "load_h, unload_h, turnaround_h, refuel_h, flying_window, source\n"
    )


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("nodes.depot.limits.ramp_capacity=2",
         "error: --set: nodes[0].limits.ramp_capacity: unknown key 'ramp_capacity' (did you "
         f"mean 'loading_ramps'?); valid keys here: {LIMIT_KEYS}\n"),
        ("transport_types.train.capacity.personel=300",
         "error: --set: transport_types[0].capacity.personel: unknown key 'personel' (did you "
         "mean 'personnel'?); valid keys here: personnel, tonnes, outsize\n"),
        ("countries.A.transit.rail.polcy=deny",
         "error: --set: countries[0].transit.rail.polcy: unknown key 'polcy' (did you mean "
         "'policy'?); valid keys here: policy, nations\n"),
    ],
)  # fmt: skip
def test_unknown_key_in_set_lists_the_valid_keys(assignment: str, message: str) -> None:
    code, output = run_cli("run", str(EXAMPLE), "--no-save", "--set", assignment)
    assert (code, output) == (2, message)


def test_unknown_key_in_vary_lists_the_valid_keys(tmp_path: Path) -> None:
    code, output = run_cli(
        "sweep", str(EXAMPLE), "--vary", "nodes.depot.limits.ramp_capacity=1,2",
        "--replications", "1", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 2
    assert output == (
        "error: --vary: nodes[0].limits.ramp_capacity: point 0 "
        "(nodes.depot.limits.ramp_capacity=1): unknown key 'ramp_capacity' (did you mean "
        f"'loading_ramps'?); valid keys here: {LIMIT_KEYS}\n"
    )


# -- why a rail unit has no route -----------------------------------------------------

GAUGES = """\
format: 1
name: gauges
clock: {start: 2030-01-01T00:00:00Z, d_day: 2030-01-01T00:00:00Z}
countries:
  - id: A
  - id: B
nodes:
  - {id: west, country: A, lat: 0.0, lon: 0.0}
  - {id: junction, country: A, lat: 0.0, lon: 1.0, limits: {transfer_capacity: 1, transfer_h: 4}}
  - {id: east, country: A, lat: 0.0, lon: 2.0}
  - {id: island, country: A, lat: 0.0, lon: 3.0}
links:
  - {id: standard, a: west, b: junction, mode: rail, distance_km: 100, gauge_mm: 1435}
  - {id: broad, a: junction, b: east, mode: rail, distance_km: 100, gauge_mm: 1520}
  - {id: isle, a: island, b: east, mode: road, distance_km: 100}
transport_types:
  - {id: narrow_train, mode: rail, gauge_mm: 1435, speed_kmh: 50, capacity: {personnel: 500}}
  - {id: broad_train, mode: rail, gauge_mm: 1520, speed_kmh: 50, capacity: {personnel: 500}}
fleets:
  - {id: west_trains, type: narrow_train, count: 1, base: west}
  - {id: east_trains, type: broad_train, count: 1, base: east}
forces:
  - id: battalion
    nation: A
    personnel: 100
    origin: west
    destination: east
    ready: 2030-01-01T06:00:00Z
    mode: rail
    fleets: [west_trains, east_trains]
"""

NO_BROAD_FLEET = ("    fleets: [west_trains, east_trains]", "    fleets: [west_trains]")
NO_BROAD_TYPE = (
    "  - {id: east_trains, type: broad_train, count: 1, base: east}\n", ""
)  # fmt: skip
UNLISTED = ("    fleets: [west_trains, east_trains]\n", "")
NO_TRANSFER = (", limits: {transfer_capacity: 1, transfer_h: 4}}", "}")
TO_ISLAND = ("    destination: east", "    destination: island")
B_DENIES = ("  - id: B\n", "  - id: B\n    transit: {rail: deny}\n")
JUNCTION_IN_B = ("{id: junction, country: A", "{id: junction, country: B")


def gauges_file(tmp_path: Path, *changes: tuple[str, str]) -> tuple[Path, str]:
    text = GAUGES
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "gauges.yaml"
    path.write_text(text)
    return path, text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ((NO_BROAD_FLEET,),
         "the line from junction to east is 1,520 mm and no fleet of 1,520 mm is listed for "
         "it (fleets: west_trains)"),
        ((NO_BROAD_TYPE, UNLISTED),
         "the line from junction to east is 1,520 mm and no rail fleet runs on 1,520 mm "
         "(rail fleets: west_trains)"),
        ((NO_TRANSFER,),
         "no transfer_h at the gauge break at junction (from 1,435 mm to 1,520 mm)"),
        ((NO_TRANSFER, NO_BROAD_FLEET),
         "the line from junction to east is 1,520 mm and no fleet of 1,520 mm is listed for "
         "it (fleets: west_trains); no transfer_h at the gauge break at junction (from "
         "1,435 mm to 1,520 mm)"),
        ((TO_ISLAND,), "no rail line runs from west to island"),
        ((B_DENIES, JUNCTION_IN_B),
         "no rail route from west to east is open now (a route exists, but the transit policy "
         "closes it at every time)"),
    ],
    ids=["gauge not listed", "gauge of no fleet", "no transfer point", "both", "no line",
         "policy"],
)  # fmt: skip
def test_why_a_rail_unit_has_no_route(
    tmp_path: Path, changes: tuple[tuple[str, str], ...], reason: str
) -> None:
    file, text = gauges_file(tmp_path, *changes)
    code, output = run_cli("validate", str(file))
    assert code == 2
    destination = "island" if TO_ISLAND in changes else "east"
    assert output == (
        f"error: {file}:{line_of(text, '    destination:')}: forces[0].destination: unit cannot "
        f"reach '{destination}' from 'west': {reason}\n"
    )


def test_the_gauge_example_is_valid_as_written(tmp_path: Path) -> None:
    file, _ = gauges_file(tmp_path)
    code, output = run_cli("validate", str(file))
    assert code == 0, output


# -- distributions of the wrong shape -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "family", "message"),
    [
        ("{triangular: [30, 40]}", "triangular",
         "triangular expects three values, [low, most likely, high] (got [30, 40])"),
        ("{pert: [30, 40, 50, 60]}", "pert",
         "pert expects three values, [low, most likely, high] (got [30, 40, 50, 60])"),
        ("{uniform: [30]}", "uniform", "uniform expects two values, [low, high] (got [30])"),
        ("{uniform: 30}", "uniform", "uniform expects two values, [low, high] (got 30)"),
        ("{normal: [40, 5]}", "normal",
         "normal expects a mapping, {mean: M, sd: S} with optional low and high (got [40, 5])"),
        ("{lognormal: 40}", "lognormal",
         "lognormal expects a mapping, {median: M, sigma: S} (got 40)"),
        ("{exponential: 40}", "exponential", "exponential expects a mapping, {mean: M} (got 40)"),
        ("{choice: [30, 40]}", "choice",
         "choice expects a mapping, {values: [V1, V2, ...]} with optional weights "
         "(got [30, 40])"),
    ],
)  # fmt: skip
def test_distribution_of_the_wrong_shape_says_what_it_expects(
    tmp_path: Path, value: str, family: str, message: str
) -> None:
    file, text = broken(tmp_path, "speed_kmh: 50", f"speed_kmh: {value}")
    code, output = run_cli("validate", str(file))
    assert code == 2
    line = line_of(text, "speed_kmh:")
    assert output == f"error: {file}:{line}: transport_types[0].speed_kmh.{family}: {message}\n"


def test_required_by_before_ready_is_refused(tmp_path: Path) -> None:
    file, text = broken(
        tmp_path,
        "    ready: 2030-01-01T06:00:00Z\n",
        "    ready: 2030-01-01T06:00:00Z\n    required_by: 2030-01-01T05:30:00Z\n",
    )
    code, output = run_cli("validate", str(file))
    assert (code, output) == (
        2,
        f"error: {file}:{line_of(text, 'required_by')}: forces[0].required_by: required_by "
        "2030-01-01T05:30Z is before ready 2030-01-01T06:00Z\n",
    )


def test_required_by_at_ready_is_accepted(tmp_path: Path) -> None:
    file, _ = broken(
        tmp_path,
        "    ready: 2030-01-01T06:00:00Z\n",
        "    ready: 2030-01-01T06:00:00Z\n    required_by: 2030-01-01T06:00:00Z\n",
    )
    code, output = run_cli("validate", str(file))
    assert code == 0, output


def test_required_by_before_ready_from_set() -> None:
    code, output = run_cli(
        "run", str(EXAMPLE), "--no-save", "--set", "forces.battalion.required_by=2029-12-31"
    )
    assert (code, output) == (
        2,
        "error: --set: forces[0].required_by: required_by 2029-12-31T00:00Z is before ready "
        "2030-01-01T06:00Z\n",
    )


def test_a_scenario_that_is_a_number_is_called_an_int(tmp_path: Path) -> None:
    file = tmp_path / "number.yaml"
    file.write_text("5\n")
    code, output = run_cli("validate", str(file))
    assert (code, output) == (
        2,
        f"error: {file}:1: a scenario is a mapping of keys; this is an int\n",
    )
