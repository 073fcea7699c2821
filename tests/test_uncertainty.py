"""Uncertainty: drawn durations and speeds, random injects, streams, and queueing theory."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from simulator.analysis.tables import unit_rows
from simulator.checks import cross_check
from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import START, air, base, node, plane, rail, scenario, train, unit


def line(**extra: Any) -> dict[str, Any]:
    """One train line x -> y, 500 km, with options."""
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("xy", "x", "y", 500)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 2, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )
    data.update(extra)
    return data


def arrive(result: Result, unit_id: str = "u") -> float:
    row = next(r for r in unit_rows(result) if r["id"] == unit_id)
    assert row["arrive"] is not None
    return float(row["arrive"])


def test_uncertain_speed_draws_within_its_bounds_and_repeats_with_the_seed() -> None:
    data = line(transport_types=[train(speed_kmh={"triangular": [25, 50, 100]})])
    times = [arrive(run_replication(scenario(data), seed)) for seed in range(40)]
    assert all(5.0 <= t <= 20.0 for t in times)  # 500 km at 100 to 25 km/h
    assert len(set(times)) == 40
    assert times == [arrive(run_replication(scenario(data), seed)) for seed in range(40)]


def test_speeds_must_stay_within_their_limits() -> None:
    from pydantic import ValidationError

    within = "a speed must stay within 0.1 and 5000 km/h"
    for speed in (
        {"uniform": [0, 50]},
        {"exponential": {"mean": 40}},
        {"lognormal": {"median": 0.05, "sigma": 0.1}},
        {"triangular": [10, 50, 6000]},
        0.01,
    ):
        with pytest.raises(ValidationError, match=within):
            scenario(line(transport_types=[train(speed_kmh=speed)]))
    scenario(line(transport_types=[train(speed_kmh={"uniform": [0.1, 5000]})]))


def test_editing_one_unit_leaves_the_draws_of_another_unchanged() -> None:
    """Common random numbers: each load draws from its own stream."""
    data = line(
        transport_types=[train(speed_kmh={"uniform": [30, 60]})],
        forces=[unit("u", "x", "y", "rail"), unit("v", "x", "y", "rail")],
    )
    before = [arrive(run_replication(scenario(data), s), "u") for s in range(10)]
    data["forces"][1]["personnel"] = 50
    data["forces"][1]["ready"] = "2030-01-01T05:00:00Z"
    after = [arrive(run_replication(scenario(data), s), "u") for s in range(10)]
    assert before == after


def test_loss_of_a_train_at_the_start_leaves_one_to_do_both_loads() -> None:
    data = line(
        forces=[unit("u", "x", "y", "rail", personnel=200)],
        injects=[{"id": "sabotage", "kind": "loss", "fleet": "trains", "at": START}],
    )
    result = run_replication(scenario(data))
    # One train: 10 h out, 10 h back, 10 h out again.
    assert arrive(result) == 30.0
    assert [(e.entity, e.time) for e in result.events if e.kind == "lost"] == [("trains/1", 0.0)]


def test_loss_of_an_idle_aircraft_and_a_busy_one() -> None:
    data = base(
        nodes=[node("a"), node("b", lon=1)],
        links=[air("ab", "a", "b", 1000)],
        transport_types=[plane()],
        fleets=[{"id": "lift", "type": "plane", "count": 3, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=50),
                unit("w", "a", "b", "air", personnel=150,
                     ready="2030-01-01T10:00:00Z")],
        injects=[{"id": "crash", "kind": "loss", "fleet": "lift", "count": 2,
                  "at": "2030-01-01T01:00:00Z"}],
    )  # fmt: skip
    result = run_replication(scenario(data))
    lost = [(e.entity, e.time) for e in result.events if e.kind == "lost"]
    # At 1 h lift/1 is flying u; lift/2 and lift/3 are idle: both are lost at once.
    assert lost == [("lift/2", 1.0), ("lift/3", 1.0)]
    # w's three loads then go one at a time on lift/1 (4 h a round trip).
    assert arrive(result, "w") == 10.0 + 2 * 4.0 + 2.0


def test_loss_with_a_probability_happens_in_about_that_share_of_replications() -> None:
    data = line(injects=[{"id": "maybe", "kind": "loss", "fleet": "trains", "at": START,
                          "probability": 0.3}])  # fmt: skip
    checked = scenario(data)
    n = 400
    share = (
        sum(any(e.kind == "lost" for e in run_replication(checked, s).events) for s in range(n)) / n
    )
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)


def test_weather_holds_come_on_about_the_share_of_days_asked() -> None:
    data = line(injects=[{"id": "fog", "kind": "weather", "node": "x", "start": START,
                          "end": "2030-03-01T00:00:00Z", "probability_per_day": 0.25,
                          "duration_h": {"uniform": [2, 6]}}])  # fmt: skip
    checked = scenario(data)
    from simulator.model.clock import Clock
    from simulator.model.injects import holds_of
    from simulator.model.streams import Streams

    clock = Clock(checked.clock.start, checked.clock.d_day)
    days = counted = 0
    for seed in range(20):
        holds = holds_of(checked, clock, Streams(seed))
        counted += len(holds)
        days += 59
        assert all(2 <= h.end - h.start <= 6 for h in holds)
    share = counted / days
    assert abs(share - 0.25) < 4 * math.sqrt(0.25 * 0.75 / days)


def test_breakdowns_per_thousand_km_match_their_rate() -> None:
    data = line(injects=[{"id": "wear", "kind": "breakdown", "fleets": ["trains"],
                          "per_1000_km": 2, "repair_h": 3}])  # fmt: skip
    checked = scenario(data)
    assert cross_check(checked) == []
    n = 600
    delays = [arrive(run_replication(checked, s)) - 10.0 for s in range(n)]
    # 500 km: Poisson(1) breakdowns of 3 h each: mean delay 3 h, variance 9.
    assert abs(np.mean(delays) - 3.0) < 4 * 3.0 / math.sqrt(n)
    assert all(d % 3 == 0 for d in delays)


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = arrival_rate / service_rate
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    bottom = sum(a**k / math.factorial(k) for k in range(servers)) + top
    return (top / bottom) / (servers * service_rate - arrival_rate)


@pytest.mark.slow
def test_aircraft_waiting_for_parking_match_erlang_c() -> None:
    """Poisson arrivals at an airfield with c parking places and exponential unloading."""
    rng = np.random.default_rng(2024)
    arrivals = 3000
    rate, mean_unload, places = 1.0, 2.0, 3  # per hour; hours; parking places
    ready = np.cumsum(rng.exponential(1 / rate, arrivals))
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    forces = [
        unit(f"u{k}", "a", "b", "air", personnel=10, fleets=["lift"],
             ready=(start + dt.timedelta(hours=float(hours))).isoformat())
        for k, hours in enumerate(ready)
    ]  # fmt: skip
    data = base(
        nodes=[node("a"), node("b", lon=1, parking=places)],
        links=[air("ab", "a", "b", 500)],
        transport_types=[plane(unload_h={"exponential": {"mean": mean_unload}})],
        fleets=[{"id": "lift", "type": "plane", "count": arrivals, "base": "a"}],
        forces=forces,
    )
    result = run_replication(scenario(data), 7)
    waits = [
        e.detail["hours"]
        for e in result.events
        if e.kind == "wait" and e.detail["cause"] == "parking" and e.entity.startswith("u")
    ]
    mean_wait = sum(waits) / arrivals
    expected = erlang_c_wait(rate, 1 / mean_unload, places)
    assert expected > 0.5  # a real queue: 0.89 h
    assert abs(mean_wait - expected) < 0.2 * expected, (mean_wait, expected)
