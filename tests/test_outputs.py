"""The scalar outputs of a run are the values its tables give."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.analysis.outputs import Outputs, scalar_outputs
from simulator.analysis.tables import (
    Index,
    asset_rows,
    closure_rows,
    milestone_rows,
    shortfall_rows,
    unit_rows,
)
from simulator.analysis.timeline import phase_rows
from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import base, node, rail, scenario, train, unit

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def from_tables(result: Result) -> Outputs:
    """The outputs read off the full tables."""
    index = Index.of(result)
    units = unit_rows(result, index)
    out: Outputs = {}
    for m in milestone_rows(result, index):
        out[f"milestone:{m['id']}"] = m["simulated"]
        out[f"within:{m['id']}"] = 1.0 if m["within_window"] else 0.0
    for u in units:
        out[f"unit:{u['id']}"] = u["arrive"]
    for c in closure_rows(result, index):
        out[f"closure:{c['nation']}"] = c["t100"]
    for p in phase_rows(result, units):
        out[f"phase:{p['id']}"] = p["end"]
    late = {s["id"] for s in shortfall_rows(units)}
    for u in units:
        if u["required_by"] is not None:
            out[f"late:{u['id']}"] = 1.0 if u["id"] in late else 0.0
    for a in asset_rows(result, index):
        out[f"util:{a['asset']}"] = a["utilisation"]
    # The waits of loads straight from the log, largest first, as the bottleneck table.
    waits: dict[tuple[str, str], float] = {}
    for e in result.events:
        if e.kind == "wait" and e.entity in index.unit_of_load:
            where = (e.place, e.detail["cause"])
            waits[where] = waits.get(where, 0.0) + e.detail["hours"]
    ranked = sorted(waits, key=lambda where: (-waits[where], where))
    out.update({f"wait:{place}:{cause}": waits[place, cause] for place, cause in ranked})
    out.update({f"top:{place}:{cause}": 1.0 for place, cause in ranked[:1]})
    return out


@pytest.mark.parametrize(
    "path",
    ["peace_mission_2007.yaml", "variants/kazakhstan-transit.yaml", "examples/one-train.yaml",
     "examples/river-crossing.yaml"],
)  # fmt: skip
def test_outputs_of_the_scenarios_are_the_tables_values(path: str) -> None:
    loaded = load_scenario(SCENARIOS / path)
    for seed in (0, 1, 2):
        result = run_replication(loaded.scenario, seed)
        out = scalar_outputs(result)
        assert list(out.items()) == list(from_tables(result).items())


def test_a_unit_that_cannot_move_has_no_closure_and_neither_has_its_nation() -> None:
    data = base(
        nodes=[node("a"), node("b"), node("c")],
        links=[rail("ab", "a", "b", 100)],
        transport_types=[train()],
        fleets=[{"id": "f", "type": "train", "count": 1, "base": "a", "nation": "A"}],
        forces=[unit("moves", "a", "b", "rail", fleets=["f"]),
                unit("stuck", "a", "c", "rail", fleets=["f"])],
    )  # fmt: skip
    result = run_replication(scenario(data), 0)
    out = scalar_outputs(result)
    assert out == from_tables(result)
    assert out["unit:moves"] == 2.0
    assert out["unit:stuck"] is None
    assert out["closure:A"] is None and out["closure:all"] is None
    assert out["phase:deployment"] is None
