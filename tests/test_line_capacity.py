"""Rail lines with a capacity (``trains_per_day``), with hand-computed timings.

Trains take paths onto such a link 24 / n hours apart per direction, in the
order they are ready, and leave it in the order they entered.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import base, node, rail, scenario, train, unit
from tests.test_exact_timings import log, waits


def line(km: float = 600, **extra: Any) -> dict[str, Any]:
    """The x-y rail link, with ``extra`` fields (``trains_per_day``)."""
    return {**rail("xy", "x", "y", km), **extra}


def four_trains(**link: Any) -> dict[str, Any]:
    """One unit of 400 (four train loads) and four trains at x, all ready at 0."""
    return base(
        nodes=[node("x"), node("y", lon=1)],
        links=[line(**link)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 4, "base": "x"}],
        forces=[unit("u", "x", "y", "rail", personnel=400)],
    )


def line_waits(result: Result) -> list[tuple[float, str, str, float, str]]:
    """(end, entity, place, hours, link) of every ``line`` wait."""
    return [
        (round(e.time, 6), e.entity, e.place, round(e.detail["hours"], 6), e.detail["link"])
        for e in result.events
        if e.kind == "wait" and e.detail["cause"] == "line"
    ]


def test_four_trains_enter_a_six_a_day_line_four_hours_apart() -> None:
    result = run_replication(scenario(four_trains(trains_per_day=6)))
    # Paths every 24 / 6 = 4 h: departures 0, 4, 8, 12; 600 km at 50 km/h = 12 h.
    assert log(result, "depart", "arrive") == [
        (0.0, "u#1", "depart", "x"),
        (4.0, "u#2", "depart", "x"),
        (8.0, "u#3", "depart", "x"),
        (12.0, "u#4", "depart", "x"),
        (12.0, "u#1", "arrive", "y"),
        (16.0, "u#2", "arrive", "y"),
        (20.0, "u#3", "arrive", "y"),
        (24.0, "u#4", "arrive", "y"),
    ]
    # The first train has a path at once (a wait of 0 is not recorded).
    assert line_waits(result) == [
        (4.0, "u#2", "x", 4.0, "xy"),
        (8.0, "u#3", "x", 8.0, "xy"),
        (12.0, "u#4", "x", 12.0, "xy"),
    ]
    # The empty trains go back y -> x as they are released, 4 h apart: no wait.
    assert [(t, who) for t, who, *_ in log(result, "trip")] == [
        (24.0, "trains/1"),
        (28.0, "trains/2"),
        (32.0, "trains/3"),
        (36.0, "trains/4"),
    ]


def test_a_line_without_capacity_is_as_before() -> None:
    result = run_replication(scenario(four_trains()))
    assert [(t, kind) for t, _, kind, _ in log(result, "depart", "arrive")] == [
        *[(0.0, "depart")] * 4,
        *[(12.0, "arrive")] * 4,
    ]
    assert waits(result) == []


def slow_then_fast(**extra: Any) -> dict[str, Any]:
    """A slow train (25 km/h) ready before a fast one (100 km/h) on a 6-a-day line."""
    return base(
        nodes=[node("x"), node("y", lon=1)],
        links=[line(trains_per_day=6)],
        transport_types=[train("slow", speed_kmh=25), train("fast", speed_kmh=100)],
        fleets=[
            {"id": "slow", "type": "slow", "count": 1, "base": "x"},
            {"id": "fast", "type": "fast", "count": 1, "base": "x"},
        ],
        forces=[
            unit("s", "x", "y", "rail", fleets=["slow"]),
            unit("f", "x", "y", "rail", fleets=["fast"]),
        ],
        **extra,
    )


def test_a_fast_train_closes_up_behind_a_slow_one() -> None:
    result = run_replication(scenario(slow_then_fast()))
    # s enters at 0 and needs 600 / 25 = 24 h; f enters at 4 and would be out
    # at 4 + 6 = 10, but closes up behind s and leaves right after it, at 24.
    assert log(result, "depart", "reach") == [
        (0.0, "s#1", "depart", "x"),
        (4.0, "f#1", "depart", "x"),
        (24.0, "s#1", "reach", "y"),
        (24.0, "f#1", "reach", "y"),
    ]
    loaded = [w for w in line_waits(result) if "#" in w[1]]
    assert loaded == [(4.0, "f#1", "x", 4.0, "xy"), (24.0, "f#1", "y", 14.0, "xy")]
    # Going home empty the slow train again leads (released first, at 24).
    assert [(t, who) for t, who, *_ in log(result, "trip")] == [(48.0, "slow/1"), (48.0, "fast/1")]


def test_a_train_that_breaks_down_holds_up_the_one_behind() -> None:
    breakdown = {"id": "failures", "kind": "breakdown", "fleets": ["slow"], "per_1000_km": 10,
                 "repair_h": 1}  # fmt: skip
    data = slow_then_fast(injects=[breakdown])
    data["transport_types"][0]["speed_kmh"] = 100  # both fast; only the first breaks down
    result = run_replication(scenario(data))
    reach = {who: t for t, who, *_ in log(result, "reach") if "#" in who}
    repair = next(e for e in result.events if e.kind == "wait" and e.detail["cause"] == "breakdown")
    assert repair.entity == "s#1" and repair.detail["hours"] >= 1
    assert reach["s#1"] == pytest.approx(6.0 + repair.detail["hours"])
    assert reach["f#1"] == reach["s#1"]  # not at 4 + 6 = 10


def test_the_two_directions_are_independent() -> None:
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[line(trains_per_day=6)],
        transport_types=[train()],
        fleets=[
            {"id": "west", "type": "train", "count": 2, "base": "x"},
            {"id": "east", "type": "train", "count": 2, "base": "y"},
        ],
        forces=[
            unit("out", "x", "y", "rail", personnel=200, fleets=["west"]),
            unit("back", "y", "x", "rail", personnel=200, fleets=["east"]),
        ],
    )
    result = run_replication(scenario(data))
    # Each direction has its own paths: both first trains leave at 0, both
    # second trains at 4; trains meeting on the way do not delay each other.
    assert log(result, "depart", "arrive") == [
        (0.0, "out#1", "depart", "x"),
        (0.0, "back#1", "depart", "y"),
        (4.0, "out#2", "depart", "x"),
        (4.0, "back#2", "depart", "y"),
        (12.0, "out#1", "arrive", "y"),
        (12.0, "back#1", "arrive", "x"),
        (16.0, "out#2", "arrive", "y"),
        (16.0, "back#2", "arrive", "x"),
    ]
    assert [w for w in line_waits(result) if "#" in w[1]] == [
        (4.0, "out#2", "x", 4.0, "xy"),
        (4.0, "back#2", "y", 4.0, "xy"),
    ]


def test_empty_trains_take_paths_too() -> None:
    """A train running empty to its pickup takes a path like a loaded one."""
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[line(trains_per_day=6)],
        transport_types=[train()],
        fleets=[
            {"id": "loaded", "type": "train", "count": 1, "base": "y"},
            {"id": "empty", "type": "train", "count": 1, "base": "y"},
        ],
        forces=[
            unit("first", "y", "x", "rail", fleets=["loaded"]),
            unit("second", "x", "y", "rail", fleets=["empty"]),
        ],
    )
    result = run_replication(scenario(data))
    # At 0 the train for second sets off empty from y to x and takes the first
    # path y -> x (first#1 is still entraining, in no time but one step later):
    # first#1 gets the next path, at 4, and arrives at 16; the empty train
    # reaches x at 12 and runs back loaded to y by 24.
    assert line_waits(result) == [(4.0, "first#1", "y", 4.0, "xy")]
    assert log(result, "depart", "arrive") == [
        (4.0, "first#1", "depart", "y"),
        (12.0, "second#1", "depart", "x"),
        (16.0, "first#1", "arrive", "x"),
        (24.0, "second#1", "arrive", "y"),
    ]
    positioning = [w for w in waits(result) if w[3] == "positioning"]
    assert positioning == [(12.0, "second#1", "x", "positioning", 12.0)]


def test_headway_from_the_single_track_density_formula() -> None:
    """press:rail-planning-formulas: trains a day on one single-track division.

    (passing tracks + 1) x 24 x average speed / (2 x division length); its
    worked example has 14 passing tracks on a 110-mile division at 10 mph.
    """
    passing_tracks, miles, mph = 14, 110, 10
    per_day = (passing_tracks + 1) * 24 * mph / (2 * miles)
    assert per_day == pytest.approx(16.4, abs=0.05)
    headway = 24 / per_day  # = 2 x 110 / (15 x 10) h: 88 minutes
    assert headway == pytest.approx(88 / 60)
    result = run_replication(scenario(four_trains(trains_per_day=per_day)))
    departs = [t for t, *_ in log(result, "depart")]
    assert departs == pytest.approx([0.0, headway, 2 * headway, 3 * headway])
    assert [w[3] for w in line_waits(result)] == pytest.approx([headway, 2 * headway, 3 * headway])
