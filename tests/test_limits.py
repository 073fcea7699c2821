"""Limits: values beyond any exercise are refused at validation; what validates runs.

Every bound has a unit and a reason (``simulator.scenario.types``). Within them a run can
still grow enormous; the run's budget (simulated horizon and event count) then stops it
with a message, never a hang.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.checks import cross_check
from simulator.model import run as run_module
from simulator.model.run import RunBudgetExceeded, run_replication
from simulator.scenario import types
from simulator.scenario.models import Scenario
from tests.scenarios import base, node, rail, scenario, train, unit


def line(**extra: Any) -> dict[str, Any]:
    """One unit of 100 people, one train, 500 km of track."""
    data = base(
        nodes=[node("a"), node("b", lon=5.0)],
        links=[rail("ab", "a", "b", 500)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "a"}],
        forces=[unit("u", "a", "b", "rail")],
    )
    data.update(extra)
    return data


def refused(data: dict[str, Any]) -> str:
    """The validation or cross-check message a scenario gets (it must get one)."""
    try:
        checked = scenario(data)
    except ValidationError as error:
        return str(error)
    findings = cross_check(checked)
    assert findings, "accepted"
    return "; ".join(f"{'.'.join(map(str, where))}: {message}" for where, message in findings)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["transport_types"][0].update(load_h=1e9), "less than or equal to 1000000"),
        (lambda d: d["transport_types"][0].update(speed_kmh=1e-10), "a speed must stay within"),
        (lambda d: d["links"][0].update(distance_km=1e15), "less than or equal to 40075"),
        (lambda d: d["links"][0].update(speed_kmh=1e-10), "greater than or equal to 0.1"),
        (lambda d: d["fleets"][0].update(count=100_000_000), "less than or equal to 10000"),
        (lambda d: d["forces"][0].update(personnel=10**10), "less than or equal to 1000000"),
        (
            lambda d: d["transport_types"][0].update(
                load_h={"lognormal": {"median": 2, "sigma": 40}}
            ),
            "less than or equal to 4",
        ),
        (
            lambda d: d["transport_types"][0].update(load_h={"uniform": [0, 1e300]}),
            "less than or equal to 1000000",
        ),
        (
            lambda d: d["transport_types"][0].update(
                load_h={"choice": {"values": [1, 2], "weights": [1e308, 1e308]}}
            ),
            "less than or equal to 1000000",
        ),
        (lambda d: d["forces"][0].update(ready="9999-12-31T23:00Z"), "more than 10 years"),
        (
            lambda d: d.update(
                injects=[
                    {
                        "id": "w",
                        "kind": "weather",
                        "node": "a",
                        "start": "2030-01-01",
                        "end": "9999-01-01",
                        "probability_per_day": 0.1,
                        "duration_h": 1,
                    }
                ]
            ),
            "more than 10 years",
        ),
        (
            lambda d: d.update(
                injects=[
                    {
                        "id": "b",
                        "kind": "breakdown",
                        "fleets": ["trains"],
                        "per_1000_km": 1e20,
                        "repair_h": 1,
                    }
                ]
            ),
            "less than or equal to 1000",
        ),
    ],
    ids=[
        "hours",
        "speed",
        "distance",
        "link speed",
        "count",
        "personnel",
        "lognormal sigma",
        "uniform bound",
        "choice weights",
        "date",
        "weather window",
        "breakdown rate",
    ],
)
def test_a_value_beyond_its_limit_is_refused_with_its_path(change, words: str) -> None:  # type: ignore[no-untyped-def]
    data = line()
    change(data)
    assert words in refused(data)


def test_the_limits_reach_the_command_line_with_units_and_reasons(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from simulator.cli import main

    example = "scenarios/examples/one-train.yaml"
    result = CliRunner().invoke(main, [
        "run", example, "--no-save", "--set", "links.main_line.distance_km=1e15",
        "--set", "fleets.trains.count=100000000",
    ])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --set: links[0].distance_km: expected at most 40,075 km, once round the Earth "
        "(got 1e+15)",
        "error: --set: fleets[0].count: expected at most 10,000 vehicles: the largest air "
        "forces field some 5,000 aircraft (got 100,000,000)",
    ]


def test_a_run_past_the_horizon_is_stopped_with_exit_2() -> None:
    data = line(links=[rail("ab", "a", "b", types.MAX_DISTANCE_KM)])
    data["transport_types"][0]["speed_kmh"] = types.MIN_SPEED_KMH
    with pytest.raises(RunBudgetExceeded, match="stopped at 87,840 simulated hours"):
        run_replication(scenario(data), 0)


def test_a_run_past_its_event_budget_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "MAX_EVENTS", 50)
    data = line()
    data["forces"][0]["personnel"] = 10_000  # a hundred trips of one train
    with pytest.raises(RunBudgetExceeded, match="stopped after 50 events"):
        run_replication(scenario(data), 0)


def test_the_budget_error_crosses_process_boundaries_whole() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(RunBudgetExceeded("too long")))
    assert isinstance(error, RunBudgetExceeded) and error.message == "too long"
    assert str(error.problems[0]) == "run: too long"


def _edge(low: float, high: float) -> st.SearchStrategy[float]:
    """A value at either bound of a range, or inside it."""
    return st.one_of(st.sampled_from([low, high]), st.floats(low, high))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    distance=_edge(1.0, types.MAX_DISTANCE_KM),
    speed=_edge(types.MIN_SPEED_KMH, types.MAX_SPEED_KMH),
    link_speed=st.one_of(st.none(), _edge(types.MIN_SPEED_KMH, types.MAX_SPEED_KMH)),
    load_h=_edge(0.0, float(types.LARGEST)),
    sigma=_edge(0.0, 4.0),
    median=_edge(1e-6, float(types.LARGEST)),
    count=st.one_of(st.sampled_from([1, types.MAX_FLEET]), st.integers(1, types.MAX_FLEET)),
    personnel=st.one_of(st.sampled_from([0, types.LARGEST]), st.integers(0, types.LARGEST)),
    ready_h=_edge(0.0, types.HORIZON_H),
    seed=st.integers(0, 2**32),
)
def test_what_validates_at_the_limits_runs_or_is_stopped_by_the_budget(
    distance: float, speed: float, link_speed: float | None, load_h: float, sigma: float,
    median: float, count: int, personnel: int, ready_h: float, seed: int,
) -> None:  # fmt: skip
    import datetime as dt

    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    ready = start + dt.timedelta(hours=ready_h)
    link = {**rail("ab", "a", "b", distance), "speed_kmh": link_speed}
    data = line(links=[link])
    data["transport_types"][0].update(
        speed_kmh=speed, load_h=load_h, unload_h={"lognormal": {"median": median, "sigma": sigma}}
    )
    data["fleets"][0]["count"] = count
    data["forces"][0].update(personnel=personnel, ready=ready.isoformat())
    checked = Scenario.model_validate(data)
    assert cross_check(checked) == []
    old = run_module.MAX_EVENTS
    run_module.MAX_EVENTS = 20_000  # the budget, not the patience of the test, stops a large run
    try:
        result = run_replication(checked, seed)
    except RunBudgetExceeded:
        return
    finally:
        run_module.MAX_EVENTS = old
    assert all(0 <= e.time <= types.HORIZON_H for e in result.events)


def _world_events(data: dict[str, Any], loop: Any, horizon: float, budget: int) -> Any:
    """The records of a world run by ``loop``, or the budget error it raised."""
    import simpy

    env = simpy.Environment()
    world = run_module.build(env, scenario(data), 3)
    try:
        loop(env, horizon, budget)
    except RunBudgetExceeded as error:
        return error.message
    return world.log.freeze()


@pytest.mark.parametrize(
    ("horizon", "budget"), [(run_module.HORIZON_H, 10**6), (30.0, 10**6), (1e9, 40)]
)
def test_the_written_out_event_loop_is_simpys_own(horizon: float, budget: int) -> None:
    # The run loop inlines Environment.step; run through SimPy's peek and step instead,
    # the same world gives the same records, or stops with the same message.
    data = line()
    data["forces"][0]["personnel"] = 2_000  # several trips of one train
    fast = _world_events(data, run_module.run_within_budget, horizon, budget)
    steps = _world_events(data, run_module._run_by_steps, horizon, budget)
    assert fast == steps
    if budget == 40:
        assert fast == run_module._too_many(40).message
    elif horizon == 30.0:
        assert fast == run_module._past_horizon(30.0).message
    else:
        assert isinstance(fast, tuple) and len(fast) > 40


def test_a_failure_nobody_waits_for_ends_the_run_as_in_simpy() -> None:
    import simpy

    def fails(env: simpy.Environment) -> Any:
        yield env.timeout(1)
        raise ValueError("broken")

    for loop in (run_module.run_within_budget, run_module._run_by_steps):
        env = simpy.Environment()
        env.process(fails(env))
        with pytest.raises(ValueError, match="broken") as caught:
            loop(env, 100.0, 100)
        assert isinstance(caught.value.__cause__, ValueError)
