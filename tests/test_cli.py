"""The ``tabletop`` command end to end: formats, saved runs, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.report.render import SECTIONS

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_run_prints_every_table() -> None:
    code, out = invoke("run", str(EXAMPLE), "--no-save")
    assert code == 0, out
    for title in ("Units", "Closure", "Assets", "Bottlenecks", "Milestones", "Shortfalls"):
        assert title in out
    assert "2030-01-01 21:00 (D+0.88)" in out


def test_json_contract() -> None:
    code, out = invoke("run", str(EXAMPLE), "--no-save", "--format", "json", "--seed", "3")
    assert code == 0
    data = json.loads(out)
    for key in ("scenario", "seed", "units", "closure", "assets", "bottlenecks", "milestones"):
        assert key in data
    assert data["seed"] == 3
    unit = data["units"][0]
    for key in ("id", "nation", "mode", "depart", "arrive", "route"):
        assert key in unit
    assert (unit["depart"], unit["arrive"], unit["route"]) == (
        "2030-01-01T08:00Z",
        "2030-01-01T21:00Z",
        ["depot", "camp"],
    )
    milestone = data["milestones"][0]
    for key in ("id", "simulated", "observed", "delta_h", "within_window"):
        assert key in milestone
    assert milestone["delta_h"] == 0.0 and milestone["within_window"] is True


@pytest.mark.parametrize("fmt", ["markdown", "csv"])
def test_other_formats(fmt: str) -> None:
    code, out = invoke("run", str(EXAMPLE), "--no-save", "--format", fmt)
    assert code == 0
    if fmt == "csv":
        assert out.startswith("# units\nid,")
        assert "# milestones\n" in out
    else:
        assert "| battalion " in out and out.startswith("# ")


def test_set_changes_the_run() -> None:
    code, out = invoke(
        "run", str(EXAMPLE), "--no-save", "--format", "json",
        "--set", "transport_types.train.speed_kmh=100",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["units"][0]["arrive"] == "2030-01-01T15:00Z"


def test_saved_run_layout_and_no_overwrite(tmp_path: Path) -> None:
    folders = []
    for _ in range(2):
        code, out = invoke("run", str(EXAMPLE), "--out", str(tmp_path), "--seed", "5")
        assert code == 0
        folders.append(Path(out.strip().splitlines()[-1].removeprefix("saved: ")))
    assert folders[0] != folders[1]
    for folder in folders:
        assert folder.parent == tmp_path / "one-train"
        assert folder.name.endswith("-seed5") or "-seed5-" in folder.name
        names = sorted(p.name for p in folder.iterdir())
        tables = [f"{key}.csv" for key in SECTIONS]
        assert names == sorted(["manifest.json", "summary.json", "events.jsonl", *tables])
        assert {"units.csv", "tasks.csv", "airdrops.csv"} <= set(tables)  # fmt: skip
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["scenario"]["name"] == "one-train"
    assert manifest["command"][:2] == ["tabletop", "run"] or manifest["command"][0] == "tabletop"
    events = [json.loads(line) for line in (folders[0] / "events.jsonl").read_text().splitlines()]
    assert {"time_h", "entity", "kind", "place", "detail"} <= set(events[0])
    # Same scenario and seed: byte-identical summaries.
    assert (folders[0] / "summary.json").read_bytes() == (folders[1] / "summary.json").read_bytes()


def test_summary_equals_json_output(tmp_path: Path) -> None:
    _, out = invoke("run", str(EXAMPLE), "--out", str(tmp_path), "--format", "json")
    folder = next((tmp_path / "one-train").iterdir())
    assert json.loads((folder / "summary.json").read_text()) == json.loads(
        out[: out.rindex("}") + 1]
    )


def test_validate_many_files() -> None:
    code, out = invoke("validate", str(EXAMPLE), str(FLAGSHIP))
    assert code == 0, out
    assert out.count(": ok (") == 2


def test_module_entry_point_and_real_process(tmp_path: Path) -> None:
    """``python -m simulator`` works, and a real process exits 2 with no traceback."""
    ok = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(EXAMPLE), "--no-save"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0 and "battalion" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    failed = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(bad)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr and f"{bad}:" in failed.stderr


def test_flagship_is_byte_identical_across_runs() -> None:
    first = invoke("run", str(FLAGSHIP), "--no-save", "--format", "json", "--seed", "11")
    second = invoke("run", str(FLAGSHIP), "--no-save", "--format", "json", "--seed", "11")
    assert first[0] == 0 and first == second


def test_schema_command_matches_the_committed_copy() -> None:
    code, out = invoke("schema")
    assert code == 0
    committed = (ROOT / "docs" / "scenario.schema.json").read_text()
    assert out == committed, "regenerate with: tabletop schema > docs/scenario.schema.json"
    schema = json.loads(out)
    assert "forces" in schema["properties"]


def test_schema_accepts_every_shipped_scenario() -> None:
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    files = [
        FLAGSHIP,
        *sorted((ROOT / "scenarios" / "examples").glob("*.yaml")),
        *sorted((ROOT / "scenarios" / "variants").glob("*.yaml")),
    ]
    for file in files:
        # YAML timestamps become text, as an editor sees them.
        data = json.loads(json.dumps(yaml.safe_load(file.read_text()), default=str))
        jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x"}, schema)  # neither complete nor a variant


def test_summary_does_not_depend_on_hash_seed() -> None:
    """Separate processes with different string hashing give the same bytes."""
    import os

    outputs = set()
    for hash_seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "simulator", "run", str(FLAGSHIP), "--no-save",
             "--format", "json", "--seed", "4"],
            capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )  # fmt: skip
        outputs.add(done.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize(
    "file",
    [FLAGSHIP, ROOT / "scenarios" / "variants" / "kazakhstan-transit.yaml",
     *sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))],
    ids=lambda p: p.name,
)  # fmt: skip
def test_a_resolved_scenario_loads_again_unchanged(file: Path) -> None:
    """The manifest's resolved scenario (every default written out) is a valid scenario."""
    from simulator.loading import load_scenario
    from simulator.scenario.models import Scenario

    scenario = load_scenario(file).scenario
    for mode in ("python", "json"):
        assert Scenario.model_validate(scenario.model_dump(mode=mode)) == scenario  # type: ignore[arg-type]


def test_replications_json_contract_and_saved_files(tmp_path: Path) -> None:
    river = ROOT / "scenarios" / "examples" / "river-crossing.yaml"
    code, out = invoke("run", str(river), "--replications", "30", "--format", "json",
                       "--out", str(tmp_path), "--seed", "2")  # fmt: skip
    assert code == 0, out
    data = json.loads(out[: out.rindex("}") + 1])
    assert data["replications"] == 30 and data["seed"] == 2
    stats = data["statistics"]
    assert set(stats) == {"milestones", "units", "closure", "phases", "assets", "bottlenecks"}
    milestone = stats["milestones"]["far_bank_secured"]
    for key in ("mean", "sd", "p10", "p50", "p90", "ci95", "p_within_window"):
        assert key in milestone
    assert milestone["sd"] > 0  # the clearing time is a PERT distribution
    lo, hi = milestone["ci95"]
    assert lo <= milestone["mean"] <= hi
    assert 0 <= milestone["p_within_window"] <= 1
    assert "clear_far_bank" not in stats["phases"] and "crossing" in stats["phases"]
    folder = next((tmp_path / "river_crossing").iterdir())
    lines = (folder / "replications.jsonl").read_text().splitlines()
    assert [json.loads(line)["replication"] for line in lines] == list(range(30))
    csvs = sorted(path.name for path in folder.glob("*.csv"))
    assert csvs == [f"{section}.csv" for section in sorted(stats)]
    assert json.loads((folder / "summary.json").read_text()) == data
    again = invoke("run", str(river), "--replications", "30", "--format", "json", "--no-save",
                   "--seed", "2")  # fmt: skip
    assert json.loads(again[1]) == data


def test_replication_seeds_are_the_children_of_the_seed_sequence() -> None:
    import numpy as np

    from simulator.experiment.replicate import replication_seed

    children = np.random.SeedSequence(11).spawn(4)
    expected = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert [replication_seed(11, i) for i in range(4)] == expected


def test_validate_counts_in_the_singular_and_plural() -> None:
    code, out = invoke("validate", str(EXAMPLE))
    assert (code, out) == (
        0,
        f"{EXAMPLE}: ok (2 nodes, 1 link, 1 fleet, 1 unit, 0 injects, 1 milestone)\n",
    )


def test_one_replication_is_counted_in_the_singular() -> None:
    code, out = invoke("run", str(EXAMPLE), "--replications", "1", "--no-save")
    assert code == 0, out
    assert out.splitlines()[0] == "One train over one link: 1 replication (seed 0)"


LISTED = ("compare", "goal", "play", "report", "run", "schema", "sensitivity", "sweep", "validate")


def test_a_command_imports_no_other_commands_module() -> None:
    """The commands kept in modules of their own are imported only when named."""
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from simulator.cli import main\n"
        f"result = CliRunner().invoke(main, ['validate', {str(EXAMPLE)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('simulator.commands.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.strip() == "['simulator.commands.exits', 'simulator.commands.options']"
    code, out = invoke("--help")
    assert code == 0
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(LISTED)
    code, out = invoke("goal", "--help")
    assert code == 0 and "--vary" in out
