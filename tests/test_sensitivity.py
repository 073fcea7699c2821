"""Sensitivity analysis: factors found, quantiles applied, exact Morris effects, files, errors."""

from __future__ import annotations

import csv
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiment.factors import distributions
from simulator.loading import load_scenario

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"
LOAD = "transport_types.train.load_h"
UNLOAD = "transport_types.train.unload_h"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def folder_of(stderr: str) -> Path:
    line = next(line for line in stderr.splitlines() if line.startswith("saved: "))
    return Path(line.removeprefix("saved: "))


@pytest.fixture
def two_factors(tmp_path: Path) -> Path:
    """One train, its loading over 2 h of spread (uniform 1-3 h), its unloading over 0.2 h.

    Closure = ready 6 + load + 600 km / 50 km/h + unload.  The uniform's quantile
    at u is 1 + 2u; Morris's 4 levels put u at 1/8 + 3x/4, so closure moves by
    1.5 h per unit of x for the loading and by 0.15 h for the unloading.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    data["transport_types"][0]["load_h"] = {"uniform": [1, 3]}
    data["transport_types"][0]["unload_h"] = {"uniform": [1, 1.2]}
    path = tmp_path / "two-factors.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_factors_are_every_distribution_by_path() -> None:
    scenario = load_scenario(FLAGSHIP).scenario
    paths = [f.path for f in distributions(scenario)]
    assert "nodes.manzhouli.limits.transfer_h" in paths
    assert "transport_types.military_train_1520.speed_kmh" in paths
    assert "operations.phases.liberation.tasks.storm_buildings.per_objective_h" in paths
    assert len(paths) == len(set(paths))
    assert distributions(load_scenario(EXAMPLE).scenario) == []


def test_morris_ranks_the_dominant_factor_first_with_exact_effects(
    two_factors: Path, tmp_path: Path
) -> None:
    code, out, err = invoke(
        "sensitivity",
        str(two_factors),
        "--samples",
        "4",
        "--replications",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--format",
        "json",
    )
    assert code == 0, err
    result = json.loads(out)
    indices = result["outputs"]["closure:all"]["indices"]
    assert [x["factor"] for x in indices] == [LOAD, UNLOAD]
    assert indices[0]["mu_star"] == pytest.approx(1.5)
    assert indices[0]["mu"] == pytest.approx(1.5)
    assert indices[0]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert indices[1]["mu_star"] == pytest.approx(0.15)
    assert result["runs"] == 4 * 3
    assert result["quantiles"] == [0.125, 0.875]
    assert result["factors"][0]["low"] == "1.25" and result["factors"][0]["high"] == "2.75"
    folder = folder_of(err)
    assert folder.name.startswith("sensitivity-")
    names = {p.name for p in folder.iterdir()}
    assert {
        "design.json",
        "runs.jsonl",
        "summary.json",
        "points.csv",
        "sensitivity.json",
        "indices.csv",
    } <= names
    assert json.loads((folder / "sensitivity.json").read_text()) == result
    rows = list(csv.DictReader((folder / "indices.csv").read_text().splitlines()))
    assert [(r["rank"], r["factor"]) for r in rows] == [("1", LOAD), ("2", UNLOAD)]
    design = json.loads((folder / "design.json").read_text())
    assert design["kind"] == "tabletop-sensitivity"
    assert len(design["sensitivity"]["unit"]) == 12
    # Every sample ran the quantiles it records: closure = 18 + load + unload.
    summary = json.loads((folder / "summary.json").read_text())
    for point in summary["points"]:
        closure = 18 + point["params"][LOAD] + point["params"][UNLOAD]
        assert point["statistics"]["closure:all"]["mean"] == pytest.approx(closure)


def test_same_result_twice_and_with_two_workers(two_factors: Path, tmp_path: Path) -> None:
    args = ["sensitivity", str(two_factors), "--samples", "3", "--format", "json"]
    first = invoke(*args, "--out", str(tmp_path / "a"))
    again = invoke(*args, "--out", str(tmp_path / "b"), "--workers", "2")
    assert first[0] == again[0] == 0
    assert first[1] == again[1]


def test_ranges_groups_and_the_table(two_factors: Path, tmp_path: Path) -> None:
    code, out, err = invoke(
        "sensitivity",
        str(two_factors),
        "--samples",
        "2",
        "--replications",
        "1",
        "--range",
        "transport_types.train.speed_kmh=40:60",
        "--range",
        "fleets.trains.count=1:2",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == [
        "One train over one link: sensitivity",
        "Morris, 2 trajectories, 4 levels: 6 samples x 1 replication, seed 0.",
    ]
    table = out[out.index("closure:all") :]
    assert table.index("transport_types.train.speed_kmh") < table.index("fleets.trains.count")
    assert "40 .. 60" in out and "1 .. 2" in out
    assert max(len(line) for line in lines) <= 120
    code, out, err = invoke(
        "sensitivity",
        str(two_factors),
        "--samples",
        "2",
        "--replications",
        "1",
        "--group",
        "handling=transport_types.train.*_h",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert code == 0, err
    result = json.loads(out)
    indices = result["outputs"]["closure:all"]["indices"]
    assert [x["factor"] for x in indices] == ["handling"]
    assert [f["group"] for f in result["factors"]] == ["handling", "handling"]


def test_sobol_first_order_indices(two_factors: Path, tmp_path: Path) -> None:
    code, out, err = invoke(
        "sensitivity",
        str(two_factors),
        "--method",
        "sobol",
        "--samples",
        "64",
        "--replications",
        "1",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert code == 0, err
    result = json.loads(out)
    indices = {x["factor"]: x for x in result["outputs"]["closure:all"]["indices"]}
    # Additive and linear: the loading has 100 times the unloading's variance.
    assert indices[LOAD]["S1"] == pytest.approx(100 / 101, abs=0.05)
    assert indices[LOAD]["ST"] == pytest.approx(100 / 101, abs=0.05)
    assert indices[UNLOAD]["ST"] < 0.05
    assert result["runs"] == 64 * 4


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "sobol", "--samples", "60"], "error: --samples: 60: Sobol needs a power"),
        (["--samples", "1"], "error: --samples: 1: Morris needs at least 2"),
        (["--levels", "3"], "error: --levels: 3: expected an even number"),
        (
            ["--factor", "nodes.*"],
            f"error: --factor: nodes.*: matches no uncertain quantity; they are: {LOAD}, {UNLOAD}",
        ),
        (["--group", "x"], "error: --group: x: expected NAME=PATTERN"),
        (["--group", "g=nothing*"], "error: --group: nothing*: matches no factor"),
        (["--group", f"{LOAD}=*"], f"error: --group: {LOAD}: this name is already taken"),
        (["--range", "fleets.trains.count=3:1"], "error: --range: fleets.trains.count: the lower"),
        (["--range", "fleets.trains.count=-3:-1"], "error: --range: fleets[0].count: point "),
        (["--range", "a=1:2", "--factor", "x"], "error: --factor: chooses among the scenario's"),
        (["--output", "closure:nowhere"], "error: --output: closure:nowhere: no such output"),
        (["--method", "other"], "Invalid value for '--method'"),
        (["--set", "fleets.trains.count=-1"], "error: --set: fleets[0].count"),
    ],
)
def test_bad_input_is_exit_2_one_line_each(
    two_factors: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = invoke("sensitivity", str(two_factors), *args, "--out", str(out_dir))
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in err + out
    assert not out_dir.exists(), "nothing is written for a study that cannot start"


def test_a_scenario_without_distributions_needs_ranges(tmp_path: Path) -> None:
    code, _, err = invoke("sensitivity", str(EXAMPLE), "--out", str(tmp_path))
    assert code == 2
    assert err.strip() == f"error: {EXAMPLE}: has no distribution to vary; give --range PATH=LO:HI"


def test_salib_is_not_imported_by_a_run() -> None:
    code = "import sys, simulator.cli; assert not any(m.startswith('SALib') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_flagship_chinese_closure_is_decided_by_the_train_speeds(tmp_path: Path) -> None:
    code, out, err = invoke(
        "sensitivity",
        str(FLAGSHIP),
        "--output",
        "closure:CN",
        "--samples",
        "4",
        "--replications",
        "1",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert code == 0, err
    indices = json.loads(out)["outputs"]["closure:CN"]["indices"]
    assert {x["factor"] for x in indices[:2]} == {
        "transport_types.military_train_1520.speed_kmh",
        "transport_types.military_train_1435.speed_kmh",
    }
    assert all(x["mu"] < 0 for x in indices[:2]), "faster trains close sooner"


DOC = (ROOT / "docs" / "sensitivity.md").read_text()


def doc_block(index: int) -> str:
    return re.findall(r"```text\n(.*?)```", DOC, re.S)[index]


def doc_command(index: int) -> list[str]:
    """The arguments of the ``$ tabletop ...`` command shown before output block ``index``."""
    commands = re.findall(r"```\n\$ tabletop (.*?)\n```", DOC, re.S)
    return shlex.split(commands[index].replace("\\\n", " "))


def test_doc_first_analysis_and_goal_are_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = invoke(*doc_command(0), "--out", str(tmp_path))
    assert code == 0, err
    assert out == doc_block(0)
    code, out, err = invoke(*doc_command(2))
    assert code == 0, err
    assert out == doc_block(2)


@pytest.mark.slow
def test_doc_flagship_outputs_are_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = invoke(*doc_command(3))
    assert code == 0, err
    assert out == doc_block(3)
    code, out, err = invoke(*doc_command(1), "--out", str(tmp_path))
    assert code == 0, err
    shown = doc_block(1).splitlines()
    assert shown[:-1] == out.splitlines()[: len(shown) - 1]
    rest = out.splitlines()[len(shown) - 1 :]
    ranked = [line for line in rest if re.match(r"\d+ ", line)]
    assert len(ranked) == 12
    assert all(" 0.00 ± 0.00 " in line for line in ranked)
