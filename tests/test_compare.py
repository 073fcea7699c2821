"""``tabletop compare``: deltas B - A between two runs, single or paired replications.

The tiny example gives exact deltas (600 km at 50 km/h against 100 km/h); the
flagship against its Kazakh transit variant gives the large, known change of
the PLA rail groups; a scenario against its own saved run, or against itself
over replications with the same seeds, gives differences of exactly zero.  The
pasted output of ``docs/compare.md`` must be real.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scipy import stats

from simulator.analysis.compare import (
    Replications,
    compare_replications,
    compare_summaries,
    hours_between,
    paired_difference,
)
from simulator.cli import main
from simulator.commands.compare import compare, render_comparison

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
RIVER = ROOT / "scenarios" / "examples" / "river-crossing.yaml"
FLAGSHIP = Path("scenarios") / "peace_mission_2007.yaml"
VARIANT = Path("scenarios") / "variants" / "kazakhstan-transit.yaml"
DOC = (ROOT / "docs" / "compare.md").read_text()
FASTER = "transport_types.train.speed_kmh=100"
SLOWER_CLEARING = (
    "operations.phases.crossing.tasks.clear_far_bank.per_objective_h={pert: [1, 2, 4]}"
)
PLA_RAIL = ("pla_rail_echelon_1", "pla_rail_echelon_2", "pla_rail_echelon_3")
KEYS = {"a", "b", "seed", "replications", "paired", "milestones", "closure", "units",
        "bottlenecks", "phases"}  # fmt: skip


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """Run the command; return exit code, standard output and standard error."""
    result = CliRunner().invoke(compare, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def compare_json(*args: str | Path) -> dict[str, Any]:
    code, out, err = invoke(*args, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def row(data: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    name = "nation" if section == "closure" else "id"
    return next(r for r in data[section] if r[name] == key)


def saved_run(root: Path, *args: str) -> Path:
    """Run ``tabletop run`` saving under ``root`` and return the new folder."""
    result = CliRunner().invoke(main, ["run", *args, "--out", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    return Path(result.stderr.strip().splitlines()[-1].removeprefix("saved: "))


@pytest.fixture(scope="module")
def flagship() -> dict[str, Any]:
    """The flagship against its Kazakh transit variant, single runs, paths as documented."""
    with contextlib.chdir(ROOT):
        return compare_json(FLAGSHIP, VARIANT)


# --- single runs ------------------------------------------------------------------------------


def test_exact_deltas_on_the_tiny_example() -> None:
    data = compare_json(EXAMPLE, EXAMPLE, "--set-b", FASTER)
    assert set(data) == KEYS
    assert (data["seed"], data["replications"], data["paired"]) == (0, None, False)
    assert data["a"]["kind"] == data["b"]["kind"] == "scenario"
    assert data["b"]["overrides"] == [FASTER] and data["a"]["overrides"] == []
    unit = row(data, "units", "battalion")
    # 600 km take 12 h at 50 km/h and 6 h at 100 km/h: B closes exactly 6 h earlier.
    assert (unit["a"], unit["b"]) == ("2030-01-01T21:00Z", "2030-01-01T15:00Z")
    assert (unit["delta_h"], unit["delta_d"]) == (-6.0, -0.25)
    assert unit["route_changed"] is False and unit["route_a"] == ["depot", "camp"]
    milestone = row(data, "milestones", "closed")
    assert milestone["delta_h"] == -6.0
    assert (milestone["in_window_a"], milestone["in_window_b"]) == (True, False)
    closure = row(data, "closure", "A")
    assert [closure[f"{s}_delta_h"] for s in ("t50", "t90", "t100")] == [-6.0, -6.0, -6.0]
    assert row(data, "phases", "deployment")["delta_h"] == -6.0
    assert data["bottlenecks"] == []


def test_times_are_compared_as_instants_across_clock_starts() -> None:
    # B's clock starts a day earlier: its hours are 24 more for the same instants.
    data = compare_json(EXAMPLE, EXAMPLE, "--set-b", "clock.start=2029-12-31T00:00:00Z")
    unit = row(data, "units", "battalion")
    assert unit["a"] == unit["b"] == "2030-01-01T21:00Z"
    assert unit["delta_h"] == 0.0


def test_flagship_against_kazakh_transit(flagship: dict[str, Any]) -> None:
    assert flagship["a"]["name"] == "peace_mission_2007"
    assert flagship["b"]["name"] == "peace_mission_2007_kazakhstan_transit"
    for unit_id in PLA_RAIL:
        unit = row(flagship, "units", unit_id)
        assert unit["delta_h"] < -5 * 24, unit
        assert unit["route_changed"] is True
        assert "manzhouli" in unit["route_a"] and "dostyk" in unit["route_b"]
    assert row(flagship, "closure", "CN")["t100_delta_h"] < -24
    assert row(flagship, "units", "ru_motor_rifle_group")["delta_h"] == 0.0
    # The first train no longer passes Manzhouli: that milestone is missing on B's side.
    manzhouli = row(flagship, "milestones", "first_group_reaches_manzhouli")
    assert manzhouli["a"] is not None and manzhouli["b"] is None and manzhouli["delta_h"] is None


def test_saved_run_against_its_scenario_gives_zero_deltas(tmp_path: Path) -> None:
    folder = saved_run(tmp_path, str(ROOT / FLAGSHIP), "--seed", "5")
    # No --seed: the scenario file runs with the saved run's seed.
    data = compare_json(ROOT / FLAGSHIP, folder)
    assert data["seed"] == 5 and data["b"]["kind"] == "run"
    for section in ("milestones", "units", "phases"):
        assert {r["delta_h"] for r in data[section]} <= {0.0, None}
    assert all(r["t100_delta_h"] in (0.0, None) for r in data["closure"])
    assert all(r["delta_h"] == 0.0 and r["a"] == r["b"] for r in data["bottlenecks"])
    assert not any(r["route_changed"] for r in data["units"])
    # Another seed is a legitimate (unpaired) comparison; each side keeps its own seed.
    other = compare_json(ROOT / FLAGSHIP, folder, "--seed", "6")
    assert (other["a"]["seed"], other["b"]["seed"], other["seed"]) == (6, 5, None)


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_every_format_prints(fmt: str) -> None:
    code, out, err = invoke(EXAMPLE, EXAMPLE, "--set-b", FASTER, "--format", fmt)
    assert code == 0, err
    if fmt == "table":
        assert "Single runs, not paired" in out
        # Every instant is in 2030: the header says so once, the tables leave the year out.
        assert "Times are UTC instants in 2030 " in out
        assert re.search(r"battalion +01-01 21:00 \(D\+0\.88\) +01-01 15:00", out)
        assert "-6.0 h" in out
    elif fmt == "markdown":
        assert out.startswith("# Comparison: B - A") and "| battalion " in out
    elif fmt == "csv":
        assert out.startswith("# milestones\nid,name,a,a_d,b,b_d,delta_h,")
        assert "\n# units\n" in out and "depot camp" in out
    else:
        assert set(json.loads(out)) == KEYS


def test_rows_on_one_side_only() -> None:
    def summary(start: str, milestone: str, place: str) -> dict[str, Any]:
        return {
            "milestones": [{"id": milestone, "name": None, "simulated": start,
                            "simulated_d": 0.0, "within_window": True}],
            "closure": [],
            "units": [{"id": "u", "nation": "X", "arrive": start, "arrive_d": 0.0,
                       "route": ["p", place]}],
            "bottlenecks": [{"place": place, "cause": "ramp", "load_h": 2.0, "waits": 1}],
            "phases": [],
        }  # fmt: skip

    a = summary("2030-01-01T10:00Z", "only_a", "x")
    b = summary("2030-01-02T04:30Z", "only_b", "y")
    data = compare_summaries(a, b)
    assert [(m["id"], m["a"] is None, m["b"] is None) for m in data["milestones"]] == [
        ("only_a", False, True),
        ("only_b", True, False),
    ]
    assert all(m["delta_h"] is None for m in data["milestones"])
    unit = data["units"][0]
    assert (unit["delta_h"], unit["delta_d"], unit["route_changed"]) == (18.5, 0.77, True)
    # A place nobody waits at any more: its waiting fell to 0.
    assert [(r["place"], r["a"], r["b"], r["delta_h"]) for r in data["bottlenecks"]] == [
        ("x", 2.0, None, -2.0),
        ("y", None, 2.0, 2.0),
    ]
    text = render_comparison(
        {"a": {"source": "a.yaml", "kind": "scenario", "name": "a", "title": None, "seed": 0,
               "overrides": []},
         "b": {"source": "b.yaml", "kind": "scenario", "name": "b", "title": None, "seed": 0,
               "overrides": []},
         "seed": 0, "replications": None, "paired": False, **data},
        "table",
    )  # fmt: skip
    assert re.search(r"only_a +01-01 10:00 \(D\+0\.00\) +- +- ", text)
    assert re.search(r"x +ramp +2\.0 +- +-2\.0", text)


def test_hours_between_instants() -> None:
    assert hours_between("2030-01-01T21:00Z", "2030-01-01T15:00Z") == -6.0
    assert hours_between("2030-01-01T00:00Z", "2030-01-01T00:00+02:00") == -2.0
    assert hours_between(None, "2030-01-01T00:00Z") is None


# --- paired replications ----------------------------------------------------------------------


def test_a_scenario_against_itself_differs_by_exactly_zero() -> None:
    data = compare_json(RIVER, RIVER, "--replications", "10")
    assert (data["replications"], data["paired"], data["seed"]) == (10, True, 0)
    assert data["bottlenecks"] == []  # nobody waits in the river crossing
    rows = [r for section in ("milestones", "closure", "units", "phases") for r in data[section]]
    assert rows
    for r in rows:
        assert r["delta_h"] == 0.0 and r["delta_ci95_h"] == [0.0, 0.0], r
        assert r["pairs"] == 10 and r["a_mean"] == r["b_mean"]
    milestone = row(data, "milestones", "far_bank_secured")
    assert milestone["p_within_a"] == milestone["p_within_b"]
    assert milestone["p_within_delta"] == 0.0


def test_a_slower_task_is_seen_with_an_interval_excluding_zero() -> None:
    data = compare_json(RIVER, RIVER, "--replications", "15", "--set-b", SLOWER_CLEARING)
    milestone = row(data, "milestones", "far_bank_secured")
    low, high = milestone["delta_ci95_h"]
    assert 0 < low <= milestone["delta_h"] <= high
    assert row(data, "phases", "crossing")["delta_ci95_h"] == [low, high]
    # Nothing before the crossing changed, and the pairing shows it exactly.
    assert row(data, "units", "lead_battalions")["delta_ci95_h"] == [0.0, 0.0]
    code, out, _ = invoke(RIVER, RIVER, "--replications", "15", "--set-b", SLOWER_CLEARING)
    assert code == 0 and "Paired comparison: 15 replications" in out


def test_pairing_narrows_the_interval() -> None:
    from simulator.experiment.replicate import replication_seed, run_many
    from simulator.loading import load_scenario

    n = 30
    a = load_scenario(RIVER).scenario
    b = load_scenario(RIVER, [SLOWER_CLEARING]).scenario
    key = "milestone:far_bank_secured"
    runs_a, runs_b = run_many(a, 0, n), run_many(b, 0, n)
    seeds = tuple(replication_seed(0, i) for i in range(n))
    order: dict[str, tuple[str, ...]] = {}
    side_a = Replications(a.clock.start, a.clock.d_day, order, seeds, tuple(runs_a))
    side_b = Replications(b.clock.start, b.clock.d_day, order, seeds, tuple(runs_b))
    paired = row(compare_replications(side_a, side_b), "milestones", "far_bank_secured")
    paired_half = (paired["delta_ci95_h"][1] - paired["delta_ci95_h"][0]) / 2
    independent = [r[key] for r in run_many(b, 1, n)]
    welch = stats.ttest_ind(independent, [r[key] for r in runs_a], equal_var=False)
    interval = welch.confidence_interval()
    assert paired_half < (interval.high - interval.low) / 2 / 2


def test_paired_difference_is_a_t_interval() -> None:
    result = paired_difference([1.0, 2.0, 3.0])
    half = float(stats.t.ppf(0.975, 2)) / math.sqrt(3)
    assert (result["n"], result["mean"], result["sd"]) == (3, 2.0, 1.0)
    assert result["ci95"] == pytest.approx([2.0 - half, 2.0 + half])
    assert paired_difference([4.0])["ci95"] is None
    assert paired_difference([])["mean"] is None


def test_replications_with_other_seeds_are_not_paired() -> None:
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    a = Replications(t0, t0, {}, (1, 2), ({"unit:u": 1.0}, {"unit:u": 2.0}))
    b = Replications(t0, t0, {}, (1, 3), ({"unit:u": 1.0}, {"unit:u": 2.0}))
    with pytest.raises(ValueError, match="same seeds"):
        compare_replications(a, b)


def test_clock_starts_are_reconciled_in_replications() -> None:
    data = compare_json(
        RIVER, RIVER, "--replications", "5", "--set-b", "clock.start=2031-08-30T00:00:00Z"
    )
    for r in data["units"] + data["milestones"]:
        assert r["delta_h"] == pytest.approx(0.0, abs=0.01) and r["a_mean"] == r["b_mean"]


def test_saved_replications_pair_with_a_scenario_file(tmp_path: Path) -> None:
    folder = saved_run(tmp_path, str(RIVER), "--replications", "8", "--seed", "3")
    data = compare_json(folder, RIVER)
    assert (data["seed"], data["replications"], data["paired"]) == (3, 8, True)
    assert data["a"]["kind"] == "run" and data["a"]["seed"] == 3
    assert all(r["delta_h"] == 0.0 for r in data["milestones"] + data["units"])
    fewer = compare_json(folder, RIVER, "--replications", "4")
    assert fewer["replications"] == 4 and fewer["units"][0]["pairs"] == 4
    code, _, err = invoke(folder, RIVER, "--seed", "1")
    assert code == 2 and "saved with seed 3" in err
    code, _, err = invoke(folder, RIVER, "--replications", "20")
    assert code == 2 and "holds 8 replications" in err


# --- errors -----------------------------------------------------------------------------------


def _folder_without_summary(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _folder_with_broken_summary(tmp: Path) -> Path:
    (tmp / "broken").mkdir()
    (tmp / "broken" / "summary.json").write_text("{not json")
    return tmp / "broken"


@pytest.mark.parametrize(
    ("make", "extra", "words"),
    [
        (lambda tmp: tmp / "nowhere.yaml", [], "no such scenario file or run folder"),
        (_folder_without_summary, [], "it has no summary.json"),
        (_folder_with_broken_summary, [], "cannot be read as JSON"),
        (lambda tmp: EXAMPLE, ["--set-b", "forces.nobody.ready=1"], "--set-b: forces.nobody"),
        (lambda tmp: ROOT / "README.md", [], "README.md"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, make: Any, extra: list[str], words: str
) -> None:
    code, out, err = invoke(make(tmp_path), EXAMPLE, *extra)
    assert code == 2, err
    assert words in err and err.startswith("error: ")
    assert "Traceback" not in out + err and out == ""


def test_set_on_a_saved_folder_and_single_runs_with_replications(tmp_path: Path) -> None:
    folder = saved_run(tmp_path, str(EXAMPLE))
    code, _, err = invoke(folder, EXAMPLE, "--set-a", FASTER)
    assert code == 2 and "--set-a: changes a scenario file" in err
    code, _, err = invoke(folder, folder, "--replications", "3")
    assert code == 2 and "cannot be paired with replications" in err
    assert len(err.splitlines()) == 1  # the same folder twice is reported once


def test_both_sides_are_reported_at_once(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert code == 2 and "a.yaml" in err and "b.yaml" in err


def test_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    script = "from simulator.commands.compare import compare; compare()"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "missing"), str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


# --- the document -----------------------------------------------------------------------------


def _shown(header: str) -> list[str]:
    """Text blocks of docs/compare.md that contain ``header``."""
    return [b for b in re.findall(r"```text\n(.*?)```", DOC, re.S) if header in b]


def _assert_real(block: str, real: str) -> None:
    lines = set(real.splitlines())
    for line in block.splitlines():
        if line != "...":
            assert line in lines, line


def test_documented_single_run_output_is_real(flagship: dict[str, Any]) -> None:
    (block,) = _shown("Single runs, not paired")
    _assert_real(block, render_comparison(flagship, "table"))


def test_documented_paired_output_is_real() -> None:
    (block,) = _shown("Paired comparison: 20 replications")
    with contextlib.chdir(ROOT):
        code, out, err = invoke(FLAGSHIP, VARIANT, "--replications", "20")
    assert code == 0, err
    _assert_real(block, out)


# --- the tables as read -------------------------------------------------------------------------


def _blocks(text: str) -> list[list[str]]:
    """Every table block of a printed comparison: its header, rule and rows."""
    out = []
    for chunk in text.split("\n\n"):
        lines = chunk.splitlines()
        rule = next((i for i, line in enumerate(lines) if re.fullmatch(r"-+( {2}-+)*", line)), None)
        if rule is not None:
            out.append([line for line in lines[rule - 1 :] if not line.startswith("(")])
    return out


def test_every_column_of_a_paired_comparison_is_labelled_over_its_values() -> None:
    with contextlib.chdir(ROOT):
        code, out, err = invoke(FLAGSHIP, VARIANT, "--replications", "3")
    assert code == 0, err
    blocks = _blocks(out)
    assert len(blocks) == 6  # milestones in two blocks, closure, units, phases, bottlenecks
    for header, rule, *rows in blocks:
        spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
        labels = [header[start:end].strip() for start, end in spans]
        assert all(labels), (header, labels)  # every column has a header ...
        for start, _ in spans[1:]:
            # ... starting where its column starts, as every value below it does.
            assert header[start - 2 : start] == "  " and header[start] != " ", header
            for line in rows:
                # A row may end before the column of a value it lacks.
                assert line[start - 2 : start] in ("  ", ""), (line, start)
    # The second block of milestones repeats their ids, and says what is missing where.
    header = blocks[1][0]
    assert re.split(r" {2,}", header.strip()) == [
        "milestone",
        "P(in window) A",
        "P(in window) B",
        "P(in window) B - A",
        "missing A / B",
    ]
    manzhouli = next(line for line in blocks[1] if line.startswith("first_group_reaches"))
    # The first train never passes Manzhouli on B's side: missing in its 3 replications.
    assert manzhouli.endswith("  0 / 3") and header.index("missing A / B") == len(manzhouli) - 5


def test_waits_are_paired_too() -> None:
    """One transfer track against three: the 15 load-hours waited at the break go."""
    from simulator.experiment.replicate import replication_seed, run_many
    from tests.scenarios import base, node, rail, scenario, train, unit

    def gauge_break(tracks: int) -> Any:
        return scenario(base(
            nodes=[node("x"), node("gb", lon=1, transfer_capacity=tracks, transfer_h=5),
                   node("y", lon=2)],
            links=[rail("x-gb", "x", "gb", 100, 1435), rail("gb-y", "gb", "y", 200, 1520)],
            transport_types=[train("narrow", 1435), train("broad", 1520)],
            fleets=[{"id": "cn", "type": "narrow", "count": 3, "base": "x"},
                    {"id": "ru", "type": "broad", "count": 3, "base": "gb"}],
            forces=[unit("u", "x", "y", "rail", personnel=300, fleets=["cn", "ru"])],
        ))  # fmt: skip

    a, b = gauge_break(1), gauge_break(3)
    seeds = tuple(replication_seed(0, i) for i in range(3))
    sides = [Replications(s.clock.start, s.clock.d_day, {}, seeds, tuple(run_many(s, 0, 3)))
             for s in (a, b)]  # fmt: skip
    (wait,) = compare_replications(*sides)["bottlenecks"]
    assert wait == {"place": "gb", "cause": "transfer", "a": 15.0, "b": 0.0, "delta_h": -15.0,
                    "delta_sd_h": 0.0, "delta_ci95_h": [-15.0, -15.0]}  # fmt: skip
