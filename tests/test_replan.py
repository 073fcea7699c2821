"""Re-planning when a transit policy changes, worked out by hand.

Trains run at 50 km/h with no handling times. Country B denies transit to
nation A's trains at the start; an inject opens it (or a rule closes it) at
1 h, while the train is on its first link.
"""

from __future__ import annotations

from typing import Any

from simulator.analysis.tables import unit_rows
from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import air, base, node, plane, rail, scenario, train, unit


def _policy(policy: str, at: str = "2030-01-01T01:00:00Z") -> dict[str, Any]:
    return {"id": "change", "kind": "policy", "at": at, "country": "B", "mode": "rail",
            "policy": policy}  # fmt: skip


def _run(data: dict[str, Any]) -> Result:
    return run_replication(scenario(data))


def _chain(links: list[dict[str, Any]], denied: bool = True, **extra: Any) -> dict[str, Any]:
    """Places x, m, y of country A and z of B; one train at x; unit u from x to y.

    B denies nation A's trains at the start if ``denied``; B opens at 1 h unless
    ``injects`` says otherwise.
    """
    data = base(
        nodes=[node("x"), node("m", lon=1), node("z", country="B", lon=2), node("y", lon=3)],
        links=links,
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
        injects=[_policy("allow")],
    )
    data.update(extra)
    if denied:
        data["countries"][1]["transit"] = {"rail": "deny"}
    return data


def _turn_back() -> dict[str, Any]:
    """At m the way on is m-y, 900 km, or back through x and B, 500 km."""
    return _chain([rail("xm", "x", "m", 100), rail("my", "m", "y", 900),
                   rail("xz", "x", "z", 300), rail("zy", "z", "y", 100)])  # fmt: skip


def _moves(result: Result) -> list[tuple[float, str, str]]:
    kinds = ("depart", "reach", "replan", "transfer", "entrain", "arrive")
    return [(round(e.time, 6), e.kind, e.place) for e in result.events
            if e.entity == "u#1" and e.kind in kinds]  # fmt: skip


def test_a_border_that_opens_reroutes_the_train_at_the_next_node() -> None:
    """Planned at 0 the long way, x-m-y (100 + 900 km); B opens at 1 h.

    The train finishes x-m (2 h), re-plans at m and takes m-z-y through B
    (200 + 100 km, 6 h): it arrives at 8 h instead of 20 h.
    """
    data = _chain([rail("xm", "x", "m", 100), rail("my", "m", "y", 900),
                   rail("mz", "m", "z", 200), rail("zy", "z", "y", 100)])  # fmt: skip
    result = _run(data)
    assert _moves(result) == [
        (0.0, "depart", "x"),
        (2.0, "reach", "m"),
        (2.0, "replan", "m"),
        (6.0, "reach", "z"),
        (8.0, "reach", "y"),
        (8.0, "arrive", "y"),
    ]
    replan = next(e for e in result.events if e.kind == "replan")
    assert replan.detail["route"] == ["m", "z", "y"] and replan.detail["legs"] == ["mz", "zy"]
    row = unit_rows(result)[0]
    assert (row["route"], row["arrive"], row["replans"]) == (["x", "m", "z", "y"], 8.0, 1)
    # The empty train runs home by the open way too: y-z-m-x, 400 km, back at 16 h.
    trip = next(e for e in result.events if e.kind == "trip")
    assert trip.time == 16.0


def test_the_new_route_may_turn_back() -> None:
    """At m (2 h) the way on is m-y, 900 km (18 h), or back m-x-z-y, 500 km (10 h)."""
    data = _turn_back()
    assert _moves(_run(data)) == [
        (0.0, "depart", "x"),
        (2.0, "reach", "m"),
        (2.0, "replan", "m"),
        (4.0, "reach", "x"),
        (10.0, "reach", "z"),
        (12.0, "reach", "y"),
        (12.0, "arrive", "y"),
    ]


def test_a_new_route_of_another_gauge_transships_where_it_leaves_the_old_one() -> None:
    """The open way from m is broad gauge; m is a transfer point (2 h).

    The load reaches m at 2 h, re-plans, transships 2-4, boards a broad train
    based at m and runs m-z-y (300 km, 6 h): it arrives at 10 h.
    """
    data = base(
        nodes=[node("x"), node("m", lon=1, transfer_capacity=1, transfer_h=2),
               node("z", country="B", lon=2), node("y", lon=3)],
        links=[rail("xm", "x", "m", 100), rail("my", "m", "y", 900),
               rail("mz", "m", "z", 200, 1520), rail("zy", "z", "y", 100, 1520)],
        transport_types=[train(), train("broad", 1520)],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"},
                {"id": "broad", "type": "broad", "count": 1, "base": "m"}],
        forces=[unit("u", "x", "y", "rail", fleets=["trains", "broad"])],
        injects=[_policy("allow")],
    )  # fmt: skip
    data["countries"][1]["transit"] = {"rail": "deny"}
    result = _run(data)
    assert _moves(result) == [
        (0.0, "depart", "x"),
        (2.0, "reach", "m"),
        (2.0, "replan", "m"),
        (4.0, "transfer", "m"),
        (4.0, "entrain", "m"),
        (8.0, "reach", "z"),
        (10.0, "reach", "y"),
        (10.0, "arrive", "y"),
    ]
    trips = {e.detail["fleet"]: e.time for e in result.events if e.kind == "trip"}
    # The narrow train goes home from m (2 h); the broad one from y back to m (6 h).
    assert trips == {"trains": 6.0, "broad": 16.0}


def test_a_border_that_closes_makes_the_train_wait_for_it_to_open_again() -> None:
    """Planned through B (x-m-z-y); B closes at 1 h and opens again at 10 h.

    The train finishes x-m (2 h). At m, outside B, the only way on is through
    B: it waits there (cause ``policy``) until 10 h, then runs m-z-y (300 km,
    6 h) and arrives at 16 h.
    """
    data = _chain(
        [rail("xm", "x", "m", 100), rail("mz", "m", "z", 200), rail("zy", "z", "y", 100)],
        denied=False,
        injects=[_policy("deny"), {**_policy("allow", "2030-01-01T10:00:00Z"), "id": "reopen"}],
    )
    result = _run(data)
    assert _moves(result) == [
        (0.0, "depart", "x"),
        (2.0, "reach", "m"),
        (14.0, "reach", "z"),
        (16.0, "reach", "y"),
        (16.0, "arrive", "y"),
    ]
    waits = [(e.place, e.detail["cause"], e.detail["hours"]) for e in result.events
             if e.kind == "wait" and e.entity == "u#1"]  # fmt: skip
    assert waits == [("m", "policy", 8.0)]
    assert unit_rows(result)[0]["replans"] == 0  # the same route, only later


def test_without_a_policy_change_nothing_is_replanned() -> None:
    data = base(
        nodes=[node("x"), node("m", lon=1), node("y", lon=2)],
        links=[rail("xm", "x", "m", 100), rail("my", "m", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )
    result = _run(data)
    assert not [e for e in result.events if e.kind == "replan"]
    assert unit_rows(result)[0]["replans"] == 0


def test_a_self_deploying_group_replans_where_it_lands() -> None:
    """Helicopters at 200 km/h, range 500 km, 1 h to refuel; B's air space opens at 1 h.

    Planned a-f-d (400 + 400 km) with a fuel stop at f. At f (2 h) the way
    through B, f-b-d (100 + 100 km, b flown over), is open: refuel 2-3, fly 1 h,
    arrive at 4 h instead of 5 h.
    """
    data = base(
        nodes=[node("a"), {**node("f", lon=1), "kind": "airfield"},
               {**node("b", country="B", lon=2), "kind": "waypoint"}, node("d", lon=3)],
        links=[air("af", "a", "f", 400), air("fd", "f", "d", 400),
               air("fb", "f", "b", 100), air("bd", "b", "d", 100)],
        transport_types=[plane("helo", speed_kmh=200, refuel_h=1, range_km=500)],
        forces=[unit("u", "a", "d", "self_deploy", personnel=4, vehicle="helo", vehicles=1)],
        injects=[{**_policy("allow"), "mode": "air"}],
    )  # fmt: skip
    data["countries"][1]["transit"] = {"air": "deny"}
    result = _run(data)
    kinds = ("depart", "reach", "replan", "stop", "overfly", "arrive")
    assert [(round(e.time, 6), e.kind, e.place) for e in result.events
            if e.entity == "u#1" and e.kind in kinds] == [
        (0.0, "depart", "a"),
        (2.0, "reach", "f"),
        (2.0, "replan", "f"),
        (3.0, "stop", "f"),
        (3.5, "overfly", "b"),
        (4.0, "reach", "d"),
        (4.0, "arrive", "d"),
    ]  # fmt: skip
    assert unit_rows(result)[0]["replans"] == 1


def test_leave_reads_the_last_departure_from_a_node_and_reach_the_first_record() -> None:
    """The train of the turn-back test leaves x at 0 and, turned back, again at 4 h."""
    from simulator.analysis.tables import measure_time
    from simulator.scenario.models import Measure

    data = _turn_back()
    result = _run(data)
    leaves = [(e.time, e.place) for e in result.events if e.kind == "leave" and e.entity == "u#1"]
    assert leaves == [(0.0, "x"), (2.0, "m"), (4.0, "x"), (10.0, "z")]
    assert measure_time(result, Measure(event="leave", at="x")) == 4.0
    assert measure_time(result, Measure(event="reach", at="x")) == 0.0
    assert measure_time(result, Measure(event="leave", at="m")) == 2.0
    assert measure_time(result, Measure(event="leave", at="y")) is None
