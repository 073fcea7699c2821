"""The JSON outputs against their schemas: real runs validate, anything else is rejected."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from simulator.analysis.output_schema import SCHEMAS, replications_schema, run_schema
from simulator.analysis.summary import TIME_FIELDS, summarize
from simulator.cli import main
from simulator.loading import load_scenario
from simulator.model.run import run_replication
from tests.scenarios import START, base, node, rail, scenario, train, unit

ROOT = Path(__file__).parent.parent
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"
SCENARIOS = [
    FLAGSHIP,
    *sorted((ROOT / "scenarios" / "variants").glob("*.yaml")),
    *sorted((ROOT / "scenarios" / "examples").glob("*.yaml")),
]
COPIES = {"run": "output.schema.json", "replications": "replications.schema.json"}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def validator(output: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "docs" / COPIES[output]).read_text())
    return jsonschema.Draft202012Validator(schema)


def errors(output: str, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(output).iter_errors(data)]


@pytest.mark.parametrize("output", sorted(COPIES))
def test_schema_command_matches_the_committed_copy(output: str) -> None:
    code, out = invoke("schema", "--output", output)
    assert code == 0
    committed = (ROOT / "docs" / COPIES[output]).read_text()
    assert out == committed, (
        f"regenerate with: tabletop schema --output {output} > docs/{COPIES[output]}"
    )


def test_the_scenario_schema_stays_the_default() -> None:
    code, out = invoke("schema")
    assert code == 0 and out == (ROOT / "docs" / "scenario.schema.json").read_text()
    code, _ = invoke("schema", "--output", "scenario")
    assert code == 2


@pytest.mark.parametrize("output", sorted(SCHEMAS))
def test_schemas_are_valid_and_describe_every_field(output: str) -> None:
    schema = SCHEMAS[output]()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path, field in _fields(schema):
        assert "$ref" in field or field.get("description"), f"{path} has no description"


def _fields(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema, with its path, anywhere in ``schema`` but in conditions."""
    if isinstance(schema, dict):
        for name, field in schema.get("properties", {}).items():
            yield f"{path}.{name}", field
        for key, value in schema.items():
            if key != "if":
                yield from _fields(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _fields(value, f"{path}[{i}]")


def test_every_time_field_has_its_days_companion() -> None:
    names = {path.rsplit(".", 1)[1] for path, _ in _fields(run_schema())}
    for name in names & TIME_FIELDS:
        assert f"{name}_d" in names
    assert {n for n in names if n.endswith("_d")} == {f"{n}_d" for n in TIME_FIELDS | {"end"}}


@pytest.mark.parametrize("file", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_gives_a_valid_summary(file: Path) -> None:
    loaded = load_scenario(file)
    for seed in (0, 1):
        summary = summarize(run_replication(loaded.scenario, seed), loaded.sha256)
        assert errors("run", json.loads(json.dumps(summary))) == []


def test_the_json_printed_by_run_is_valid() -> None:
    code, out = invoke("run", str(FLAGSHIP), "--no-save", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert errors("run", data) == []
    # The flagship fills the lists whose rows the schema describes.
    for key in ("transfers", "waits"):
        assert any(u[key] for u in data["units"]), key
    for key in ("bottlenecks", "shortfalls", "airdrops", "task_resources", "critical_path"):
        assert data[key], key


def broken() -> dict[str, Any]:
    """A unit stranded, one that never closes, and the tasks and milestones waiting on it.

    ``u`` finds no way through country B; ``w`` has two loads and the only train,
    lost while it carries the first, never comes back for the second.
    """
    data = base(
        nodes=[node("x"), node("k", country="B", lon=1), node("y", lon=2)],
        links=[rail("xk", "x", "k", 100), rail("ky", "k", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[
            unit("u", "x", "y", "rail", required_by="2030-01-02T00:00:00Z"),
            unit("w", "x", "k", "rail", personnel=200, required_by="2030-01-02T00:00:00Z"),
        ],
        injects=[{"id": "sabotage", "kind": "loss", "fleet": "trains",
                  "at": "2030-01-01T01:00:00Z"}],
        milestones=[
            {"id": "w_in", "measure": {"event": "arrive", "units": ["w"]},
             "observed": {"latest": "2030-01-02T00:00:00Z"}},
            {"id": "half_in", "measure": {"event": "closed", "share": 0.5},
             "observed": "2030-01-01"},
        ],
        operations={"phases": [{"id": "ops", "tasks": [
            {"id": "gather", "kind": "assemble", "units": ["w"], "duration_h": 2},
            {"id": "brief", "kind": "hold", "after": ["gather"], "duration_h": 1},
            {"id": "wait", "kind": "hold", "trigger": {"at": START}, "duration_h": 1},
        ]}]},
    )  # fmt: skip
    data["countries"][1]["transit"] = {"rail": "deny"}
    return data


def test_a_stranded_unit_and_a_unit_that_never_closes_validate() -> None:
    summary = json.loads(json.dumps(summarize(run_replication(scenario(broken()), 0))))
    assert errors("run", summary) == []
    units = {u["id"]: u for u in summary["units"]}
    assert units["u"]["status"].startswith("stranded: ")
    assert (units["w"]["status"], units["w"]["arrive"]) == ("not closed", None)
    assert units["w"]["depart"] is not None
    assert {s["id"]: s["late_h"] for s in summary["shortfalls"]} == {"u": None, "w": None}
    tasks = {t["id"]: t for p in summary["phases"] for t in p["tasks"]}
    assert tasks["gather"]["status"] == tasks["brief"]["status"] == "not done"
    assert tasks["wait"]["status"] == "done"
    assert [m["simulated"] for m in summary["milestones"]] == [None, None]
    assert summary["closure"][-1]["t100"] is None


def test_replications_output_is_valid() -> None:
    for file in (FLAGSHIP, *sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))[:1]):
        code, out = invoke("run", str(file), "--no-save", "--format", "json",
                           "--replications", "5")  # fmt: skip
        assert code == 0
        data = json.loads(out)
        assert errors("replications", data) == []
        assert data["statistics"]["milestones"]


def test_replications_with_nothing_happening_validate() -> None:
    from simulator.experiment.replicate import run_many
    from simulator.report.replications import replication_summary

    checked = scenario(broken())
    summary = replication_summary(checked, 0, run_many(checked, 0, 2))
    data = json.loads(json.dumps(summary))
    assert errors("replications", data) == []
    assert data["statistics"]["units"]["w"]["mean"] is None


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    loaded = load_scenario(FLAGSHIP)
    out = summarize(run_replication(loaded.scenario, 0), loaded.sha256)
    data: dict[str, Any] = json.loads(json.dumps(out))
    return data


@pytest.mark.parametrize(
    "path",
    [(), ("scenario",), ("units", 0), ("units", 0, "transfers", 0), ("closure", 0),
     ("closure", 0, "by", "tonnes"), ("assets", 0), ("bottlenecks", 0), ("milestones", 0),
     ("milestones", 0, "observed"), ("shortfalls", 0), ("phases", 0), ("phases", 0, "tasks", 0),
     ("phases", -1, "tasks", 0), ("airdrops", 0), ("task_resources", 0)],
    ids=lambda p: ".".join(map(str, p)) or "top",
)  # fmt: skip
def test_an_unknown_or_missing_field_is_rejected(
    summary: dict[str, Any], path: tuple[str | int, ...]
) -> None:
    added = copy.deepcopy(summary)
    _at(added, path)["surprise"] = 1
    assert errors("run", added)
    removed = copy.deepcopy(summary)
    row = _at(removed, path)
    del row[sorted(row)[0]]
    assert errors("run", removed)


def _at(data: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    assert isinstance(data, dict)
    return data


def test_wrong_types_and_a_done_task_missing_what_it_did_are_rejected(
    summary: dict[str, Any],
) -> None:
    bad = copy.deepcopy(summary)
    bad["units"][0]["arrive"] = "5 August"
    assert errors("run", bad)
    bad = copy.deepcopy(summary)
    bad["units"][0]["status"] = "late"
    assert errors("run", bad)
    bad = copy.deepcopy(summary)
    task = next(t for p in bad["phases"] for t in p["tasks"] if t["kind"] == "airdrop")
    del task["first_drop"]
    assert errors("run", bad)
    bad = copy.deepcopy(summary)
    bad["schema_version"] = 1
    assert errors("run", bad)


def test_an_unknown_or_missing_statistic_is_rejected() -> None:
    code, out = invoke("run", str(FLAGSHIP), "--no-save", "--format", "json",
                       "--replications", "2")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert errors("replications", data) == []
    for section in ("milestones", "units", "closure", "phases", "assets", "bottlenecks"):
        entry = next(iter(data["statistics"][section].values()))
        for change in ("add", "remove"):
            bad = copy.deepcopy(data)
            target = next(iter(bad["statistics"][section].values()))
            if change == "add":
                target["surprise"] = 1
            else:
                del target["mean_d" if "mean_d" in target else "p90"]
            assert errors("replications", bad), (section, change)
        assert ("p_within_window" in entry) == (section == "milestones")
        assert ("p_late" in entry) == (section == "units")
        assert ("p_largest" in entry) == (section == "bottlenecks")
    bad = copy.deepcopy(data)
    next(iter(bad["statistics"]["assets"].values()))["mean"] = "half"
    assert errors("replications", bad)
    bad = copy.deepcopy(data)
    bad["statistics"]["extra"] = {}
    assert errors("replications", bad)
    assert replications_schema()["properties"]["replications"]["minimum"] == 1


@pytest.mark.parametrize("output", sorted(SCHEMAS))
def test_every_field_is_documented(output: str) -> None:
    text = (ROOT / "docs" / "outputs.md").read_text()
    names = {path.rsplit(".", 1)[1] for path, _ in _fields(SCHEMAS[output]())}
    # An instant's ``x_d`` companion is documented with ``x`` (the page's conventions).
    names = {n.removesuffix("_d") if n.removesuffix("_d") in names else n for n in names}
    undocumented = sorted(n for n in names if f"`{n}`" not in text)
    assert not undocumented, "add to docs/outputs.md: " + ", ".join(undocumented)
