"""The phase and task engine: hand-computed task graphs, primitives, critical path."""

from __future__ import annotations

import math
from typing import Any

import pytest

from simulator.analysis.summary import summarize
from simulator.analysis.tables import milestone_rows, unit_rows
from simulator.analysis.timeline import airdrop_rows, phase_rows, resource_rows
from simulator.checks import cross_check
from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import base, node, rail, scenario, train, unit


def theatre(tasks: list[dict[str, Any]], **ops: Any) -> dict[str, Any]:
    """One unit that arrives at hour 2 (100 km at 50 km/h), then ``tasks`` in one phase."""
    return base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("xy", "x", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
        operations={"phases": [{"id": "ops", "tasks": tasks}], **ops},
    )


def run(data: dict[str, Any], seed: int = 0) -> Result:
    checked = scenario(data)
    assert cross_check(checked) == []
    return run_replication(checked, seed)


def tasks_of(result: Result) -> dict[str, dict[str, Any]]:
    units = unit_rows(result)
    return {t["id"]: t for p in phase_rows(result, units) for t in p["tasks"]}


GRAPH = [
    {"id": "a", "kind": "assemble", "units": ["u"], "duration_h": 2},
    {"id": "b", "kind": "hold", "after": ["a"], "duration_h": 3},
    {"id": "c", "kind": "hold", "after": ["a"], "duration_h": 1},
    {"id": "d", "kind": "hold", "after": ["b", "c"], "duration_h": 2},
]


def test_task_graph_times_slack_and_critical_path() -> None:
    tasks = tasks_of(run(theatre(GRAPH)))
    # u closes at 2; a 2-4; b 4-7; c 4-5; d 7-9.
    times = {k: (t["start"], t["end"]) for k, t in tasks.items()}
    assert times == {
        "deploy:u": (0.0, 2.0), "a": (2.0, 4.0), "b": (4.0, 7.0), "c": (4.0, 5.0),
        "d": (7.0, 9.0),
    }  # fmt: skip
    slack = {k: t["slack_h"] for k, t in tasks.items()}
    assert slack == {"deploy:u": 0.0, "a": 0.0, "b": 0.0, "c": 2.0, "d": 0.0}
    assert [k for k, t in tasks.items() if t["critical"]] == ["deploy:u", "a", "b", "d"]


def test_a_date_decides_the_end_and_the_chain_before_it_has_slack() -> None:
    late = {"id": "e", "kind": "hold", "trigger": {"at": "2030-01-01T10:00:00Z"},
            "duration_h": 1}  # fmt: skip
    result = run(theatre([*GRAPH, late]))
    tasks = tasks_of(result)
    # The end is 11 (e); d could finish at 11, so everything before has 2 h of slack.
    assert (tasks["e"]["start"], tasks["e"]["end"]) == (10.0, 11.0)
    assert {k: t["slack_h"] for k, t in tasks.items()} == {
        "deploy:u": 2.0, "a": 2.0, "b": 2.0, "c": 4.0, "d": 2.0, "e": 0.0,
    }  # fmt: skip
    assert summarize(result)["critical_path"] == ["e"]
    assert tasks["e"]["waits"] == {}  # no predecessors: the date is its schedule, not a wait


def test_friction_scales_with_the_interpreters_short() -> None:
    brief = {"id": "brief", "kind": "hold", "after": ["a"], "duration_h": 1, "orders": 3}
    friction = {"order_h": 0.5, "interpreters": 2, "interpreters_needed": 6, "relay_h": 0.25}
    tasks = tasks_of(run(theatre([GRAPH[0], brief], friction=friction)))
    # 3 orders x (0.5 h x 6/2 + 0.25 h) = 5.25 h of coordination, then 1 h.
    assert (tasks["brief"]["start"], tasks["brief"]["end"]) == (4.0, 10.25)
    assert tasks["brief"]["coordination_h"] == 5.25


def test_competition_for_a_resource_delays_the_later_task() -> None:
    first = {"id": "first", "kind": "hold", "needs": [{"resource": "teams"}], "duration_h": 5}
    second = {"id": "second", "kind": "hold", "needs": [{"resource": "teams"}],
              "trigger": {"at": "2030-01-01T01:00:00Z"}, "duration_h": 2}  # fmt: skip
    result = run(theatre([first, second], resources=[{"id": "teams", "count": 1}]))
    tasks = tasks_of(result)
    assert (tasks["first"]["start"], tasks["first"]["end"]) == (0.0, 5.0)
    assert (tasks["second"]["start"], tasks["second"]["end"]) == (1.0, 7.0)
    assert tasks["second"]["waits"] == {"resource:teams": 4.0}
    assert "first" in tasks["second"]["depends"]  # it waited for the teams first freed
    assert tasks["first"]["critical"] and tasks["second"]["critical"]
    use = {(r["task"], r["resource"]): (r["busy_h"], r["peak"]) for r in resource_rows(result)}
    assert use == {("first", "teams"): (5.0, 1), ("second", "teams"): (2.0, 1)}


def test_clearing_objectives_with_teams_in_parallel_and_recon_shortening_it() -> None:
    clear = {"id": "clear", "kind": "clear", "objectives": 5, "teams": "teams",
             "per_objective_h": 2}  # fmt: skip
    pools = [{"id": "teams", "count": 2}]
    tasks = tasks_of(run(theatre([clear], resources=pools)))
    assert (tasks["clear"]["start"], tasks["clear"]["end"]) == (0.0, 6.0)  # 2 + 2 + 2
    recon = {
        "id": "uav",
        "kind": "recon",
        "setup_h": 0.25,
        "route_km": 90,
        "speed_kmh": 180,
        "targets": 3,
        "dwell_h": 0.25,
        "effect": {"tasks": ["clear"], "factor": 0.5},
    }
    clear_after = {**clear, "after": ["uav"]}
    tasks = tasks_of(run(theatre([recon, clear_after], resources=pools)))
    # Recon: 0.25 + 0.5 + 3 x 0.25 = 1.5 h; then 3 waves of 1 h.
    assert (tasks["uav"]["start"], tasks["uav"]["end"]) == (0.0, 1.5)
    assert (tasks["clear"]["start"], tasks["clear"]["end"]) == (1.5, 4.5)


def test_strike_missions_in_waves_of_shooters() -> None:
    strike = {"id": "strike", "kind": "strike", "targets": 3, "missions_per_target": 2,
              "shooters": "su25", "cycle_h": 1.5}  # fmt: skip
    tasks = tasks_of(run(theatre([strike], resources=[{"id": "su25", "count": 4}])))
    assert (tasks["strike"]["end"], tasks["strike"]["missions"]) == (3.0, 6)


def test_cordon_holds_its_teams_until_the_task_it_waits_for() -> None:
    tasks_in = [
        {"id": "cordon", "kind": "cordon", "exits": 3, "teams": "pla", "setup_h": 1,
         "until": "storm"},
        {"id": "storm", "kind": "hold", "after": ["cordon"], "duration_h": 4},
        {"id": "other", "kind": "hold", "needs": [{"resource": "pla"}], "duration_h": 1,
         "trigger": {"at": "2030-01-01T00:30:00Z"}},
    ]  # fmt: skip
    result = run(theatre(tasks_in, resources=[{"id": "pla", "count": 3}]))
    tasks = tasks_of(result)
    # Exits 0-1 with all three teams; storm 1-5; the teams are free only at 5.
    assert (tasks["cordon"]["end"], tasks["storm"]["end"]) == (1.0, 5.0)
    assert (tasks["other"]["start"], tasks["other"]["end"]) == (0.5, 6.0)
    assert "storm" in tasks["other"]["depends"]
    use = {(r["task"], r["resource"]): r["busy_h"] for r in resource_rows(result)}
    assert use[("cordon", "pla")] == 15.0  # three teams held 0-5


def test_airdrop_pass_and_exit_arithmetic() -> None:
    """Four aircraft drop 12 vehicles, then two drop 120 paratroopers."""
    drop = {
        "id": "drop", "kind": "airdrop", "aircraft": "il76", "distance_km": 360,
        "speed_kmh": 360, "serial_interval_min": 10, "trail_s": 15,
        "exit_interval_s": 0.7, "platform_interval_s": 5, "pass_interval_min": 8,
        "assembly_h": 0.5,
        "serials": [
            {"aircraft": 4, "platforms": 12, "per_pass": {"platforms": 3}},
            {"aircraft": 2, "personnel": 120, "per_pass": {"personnel": 30},
             "passes_per_sortie": 2},
        ],
    }  # fmt: skip
    result = run(theatre([drop], resources=[{"id": "il76", "count": 6}]))
    (row,) = airdrop_rows(result)
    hour = 3600.0
    # Serial 1 over the zone at 1 h: aircraft 15 s apart, 3 platforms 5 s apart (10 s):
    # first drop 1 h, last ends 1 h + 45 s + 10 s.
    # Serial 2 leaves at 10 min, over the zone at 1 h 10 min: pass 1, aircraft 1 drops 30
    # jumpers in 29 x 0.7 = 20.3 s, aircraft 2 at +15 s (ends +35.3 s); 8 min circuit, then
    # pass 2 the same: last exit at 1 h 10 min + 35.3 s + 8 min + 35.3 s.
    last = 1 + 10 / 60 + (35.3 + 8 * 60 + 35.3) / hour
    assert row["first_drop"] == pytest.approx(1.0)
    assert row["last_drop"] == pytest.approx(last)
    assert row["assembled"] == pytest.approx(last + 0.5)
    assert (row["aircraft"], row["sorties"], row["passes"]) == (6, 6, 3)
    assert (row["personnel"], row["vehicles"]) == (120, 12)
    drops = [e for e in result.events if e.kind == "drop"]
    assert sum(e.detail["personnel"] for e in drops) == 120
    assert sum(e.detail["platforms"] for e in drops) == 12


def test_airdrop_needing_more_passes_than_a_sortie_flies_back_to_reload() -> None:
    drop = {
        "id": "drop", "kind": "airdrop", "aircraft": "il76", "distance_km": 180,
        "speed_kmh": 360, "exit_interval_s": 1, "pass_interval_min": 0, "reload_h": 1,
        "serials": [{"aircraft": 1, "personnel": 20, "per_pass": {"personnel": 10}}],
    }  # fmt: skip
    result = run(theatre([drop], resources=[{"id": "il76", "count": 1}]))
    (row,) = airdrop_rows(result)
    # Sortie 1: 0.5 h out, 10 jumpers (9 s), 0.5 h back, 1 h reload; sortie 2: 0.5 h out.
    assert row["sorties"] == 2
    assert row["last_drop"] == pytest.approx(2.5 + 9 / 3600 + 9 / 3600)


def test_a_duration_drawn_from_a_distribution_is_reproducible() -> None:
    hold = {"id": "wait", "kind": "hold", "duration_h": {"triangular": [1, 2, 6]}}
    other = {"id": "other", "kind": "hold", "duration_h": {"uniform": [1, 5]}}
    ends = [tasks_of(run(theatre([hold, other]), seed))["wait"]["end"] for seed in range(6)]
    assert len(set(ends)) == 6 and all(1 <= e <= 6 for e in ends)
    assert ends == [tasks_of(run(theatre([hold, other]), s))["wait"]["end"] for s in range(6)]
    # Its own stream: removing the other task leaves its draws as they were.
    alone = [tasks_of(run(theatre([hold]), s))["wait"]["end"] for s in range(6)]
    assert alone == ends


def test_task_milestones_read_the_task_record() -> None:
    data = theatre(GRAPH)
    data["milestones"] = [
        {"id": "end", "measure": {"event": "task_end", "task": "d"},
         "observed": "2030-01-01T09:00:00Z"},
        {"id": "start", "measure": {"event": "task_start", "task": "b"},
         "observed": {"latest": "2030-01-01T03:00:00Z"}},
    ]  # fmt: skip
    rows = {r["id"]: r for r in milestone_rows(run(data))}
    assert (rows["end"]["simulated"], rows["end"]["within_window"]) == (9.0, True)
    assert (rows["start"]["simulated"], rows["start"]["delta_h"]) == (4.0, 1.0)


BAD = [
    ([{"id": "a", "kind": "hold", "after": ["b"], "duration_h": 1},
      {"id": "b", "kind": "hold", "after": ["a"], "duration_h": 1}],
     ("operations", "phases", 0, "tasks", 0, "after"), "cycle: a -> b -> a"),
    ([{"id": "a", "kind": "hold", "after": ["nope"], "duration_h": 1}],
     ("operations", "phases", 0, "tasks", 0, "after", 0), "unknown task 'nope'"),
    ([{"id": "a", "kind": "hold", "needs": [{"resource": "teams", "count": 9}],
       "duration_h": 1}],
     ("operations", "phases", 0, "tasks", 0, "needs", 0, "count"), "it could never start"),
    ([{"id": "a", "kind": "assemble", "units": ["u"], "place": "x"}],
     ("operations", "phases", 0, "tasks", 0, "place"), "never at 'x'"),
    ([{"id": "c", "kind": "cordon", "exits": 2, "teams": "teams", "setup_h": 1, "until": "s"},
      {"id": "s", "kind": "clear", "objectives": 1, "teams": "teams", "per_objective_h": 1}],
     ("operations", "phases", 0, "tasks", 0, "until"), "needs the teams this cordon holds"),
    ([{"id": "a", "kind": "hold", "duration_h": 1}, {"id": "a", "kind": "hold",
                                                     "duration_h": 1}],
     ("operations", "phases", 0, "tasks", 1, "id"), "duplicate task id 'a'"),
    ([{"id": "r", "kind": "recon", "route_km": 1, "speed_kmh": 1,
       "effect": {"tasks": ["d"], "factor": 0.5}},
      {"id": "d", "kind": "airdrop", "aircraft": "teams", "distance_km": 1, "speed_kmh": 1,
       "serials": [{"aircraft": 1, "personnel": 1, "per_pass": {"personnel": 1}}]}],
     ("operations", "phases", 0, "tasks", 0, "effect", "tasks", 0),
     "'d' is an airdrop: a recon effect shortens hold, assemble, move, cordon, strike and "
     "clear tasks only"),
    ([{"id": "c", "kind": "clear", "objectives": 2, "teams": "teams", "per_objective_h": 1,
       "needs": [{"resource": "teams", "count": 2}]}],
     ("operations", "phases", 0, "tasks", 0, "needs", 0, "count"), "leaving none"),
    ([{"id": "h", "kind": "hold", "duration_h": 1, "trigger": {"place": "y"}}],
     ("operations", "phases", 0, "tasks", 0, "trigger", "place"), "`place` applies"),
    ([{"id": "c", "kind": "cordon", "exits": 2, "teams": "teams", "setup_h": 1, "until": "s"},
      {"id": "p", "kind": "hold", "needs": [{"resource": "teams"}], "duration_h": 1},
      {"id": "s", "kind": "hold", "after": ["p"], "duration_h": 1}],
     ("operations", "phases", 0, "tasks", 0, "until"), "'p' needs the teams"),
]  # fmt: skip


@pytest.mark.parametrize(("tasks", "path", "words"), BAD, ids=[b[2][:24] for b in BAD])
def test_bad_task_graphs_are_rejected_with_paths(
    tasks: list[dict[str, Any]], path: tuple[Any, ...], words: str
) -> None:
    data = theatre(tasks, resources=[{"id": "teams", "count": 2}])
    findings = cross_check(scenario(data))
    assert any(where == path and words in message for where, message in findings), findings


def test_bad_task_graph_through_the_cli_names_file_line_and_path(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from simulator.cli import main

    example = (
        __import__("pathlib").Path(__file__).parent.parent / "scenarios/examples/one-train.yaml"
    )
    text = example.read_text() + (
        "operations:\n  phases:\n    - id: p\n      tasks:\n"
        "        - {id: a, kind: hold, after: [b], duration_h: 1}\n"
        "        - {id: b, kind: hold, after: [a], duration_h: {triangular: [3, 2, 1]}}\n"
    )
    file = tmp_path / "ops.yaml"
    file.write_text(text)
    result = CliRunner().invoke(main, ["validate", str(file)])
    assert result.exit_code == 2
    line = len(example.read_text().splitlines()) + 6
    assert f"{file}:{line}: operations.phases[0].tasks[1].duration_h" in result.output


def test_distribution_means_are_right() -> None:
    """Sample means over many draws against each family's formula."""
    import numpy as np
    from pydantic import TypeAdapter

    from simulator.scenario.distributions import Quantity, draw, mean

    adapter: TypeAdapter[Any] = TypeAdapter(Quantity)
    rng = np.random.default_rng(12345)
    for text in (
        {"uniform": [1, 3]}, {"triangular": [1, 2, 6]}, {"pert": [1, 2, 6]},
        {"normal": {"mean": 2, "sd": 1}}, {"normal": {"mean": 5, "sd": 1, "low": 4, "high": 7}},
        {"lognormal": {"median": 2, "sigma": 0.5}}, {"exponential": {"mean": 3}},
        {"choice": {"values": [1, 2, 4], "weights": [1, 2, 1]}},
    ):  # fmt: skip
        quantity = adapter.validate_python(text)
        draws = np.array([draw(quantity, rng) for _ in range(40_000)])
        assert draws.min() >= 0
        # Within 4 standard errors of the formula.
        assert abs(draws.mean() - mean(quantity)) < 4 * draws.std() / math.sqrt(len(draws)), text


def test_a_task_held_by_a_date_after_its_predecessors_waits_for_the_date() -> None:
    later = {"id": "later", "kind": "hold", "after": ["d"], "duration_h": 1,
             "trigger": {"at": "2030-01-01T12:00:00Z"}}  # fmt: skip
    tasks = tasks_of(run(theatre([*GRAPH, later])))
    assert tasks["later"]["waits"] == {"date": 3.0}  # d ends at 9
    assert tasks["d"]["slack_h"] == 3.0 and tasks["later"]["critical"]


def test_slack_ignores_waits_for_resources_but_not_the_work() -> None:
    """Two tasks share one team; the one that waited is not made longer by its wait."""
    first = {"id": "first", "kind": "hold", "needs": [{"resource": "teams"}], "duration_h": 4}
    second = {"id": "second", "kind": "hold", "needs": [{"resource": "teams"}], "duration_h": 1}
    side = {"id": "side", "kind": "hold", "duration_h": 2}
    after = {"id": "after", "kind": "hold", "after": ["side", "second"], "duration_h": 1}
    tasks = tasks_of(run(theatre([first, second, side, after],
                                 resources=[{"id": "teams", "count": 1}])))  # fmt: skip
    # first 0-4, second waits to 4, 4-5, after 5-6; side 0-2 has 3 h of slack.
    assert {k: tasks[k]["slack_h"] for k in ("first", "second", "side", "after")} == {
        "first": 0.0, "second": 0.0, "side": 3.0, "after": 0.0,
    }  # fmt: skip


def test_tasks_needing_several_of_a_pool_take_them_together() -> None:
    """Two tasks need 2 of 3 teams: the second waits for both, never holding one."""
    first = {
        "id": "first",
        "kind": "hold",
        "needs": [{"resource": "teams", "count": 2}],
        "duration_h": 3,
    }
    second = {"id": "second", "kind": "hold", "needs": [{"resource": "teams", "count": 2}],
              "duration_h": 1}  # fmt: skip
    tasks = tasks_of(run(theatre([first, second], resources=[{"id": "teams", "count": 3}])))
    assert (tasks["first"]["end"], tasks["second"]["start"], tasks["second"]["end"]) == (
        3.0, 0.0, 4.0,
    )  # fmt: skip


def test_a_phase_may_not_be_called_deployment() -> None:
    data = theatre(GRAPH)
    data["operations"]["phases"][0]["id"] = "deployment"
    findings = cross_check(scenario(data))
    assert any("'deployment' is the name" in message for _, message in findings)


def test_the_cycle_message_is_the_same_whatever_the_hashing() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from tests.test_operations import theatre; from tests.scenarios import scenario;"
        "from simulator.checks import cross_check;"
        "tasks=[{'id': x, 'kind': 'hold', 'after': [y], 'duration_h': 1} for x, y in"
        " [('m', 'q'), ('q', 'b'), ('b', 'm')]];"
        "print(cross_check(scenario(theatre(tasks))))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }  # fmt: skip
    assert len(outputs) == 1
    assert "b -> q -> m -> b" in outputs.pop()


def test_recon_effect_on_an_airdrop_through_the_cli(tmp_path: Any) -> None:
    """The message says "an airdrop", not "a airdrop"."""
    from click.testing import CliRunner

    from simulator.cli import main

    example = (
        __import__("pathlib").Path(__file__).parent.parent / "scenarios/examples/one-train.yaml"
    )
    text = example.read_text() + (
        "operations:\n  resources:\n    - {id: lift, count: 2}\n  phases:\n    - id: p\n"
        "      tasks:\n"
        "        - {id: r, kind: recon, route_km: 1, speed_kmh: 1,\n"
        "           effect: {tasks: [d], factor: 0.5}}\n"
        "        - {id: d, kind: airdrop, aircraft: lift, distance_km: 1, speed_kmh: 1,\n"
        "           serials: [{aircraft: 1, personnel: 1, per_pass: {personnel: 1}}]}\n"
    )
    file = tmp_path / "ops.yaml"
    file.write_text(text)
    result = CliRunner().invoke(main, ["validate", str(file)])
    line = len(example.read_text().splitlines()) + 8
    assert (result.exit_code, result.output) == (
        2,
        f"error: {file}:{line}: operations.phases[0].tasks[0].effect.tasks[0]: 'd' is an "
        "airdrop: a recon effect shortens hold, assemble, move, cordon, strike and clear "
        "tasks only\n",
    )
