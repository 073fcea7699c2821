"""Invariants over randomly generated small theatres (hypothesis).

Whatever the scenario: every person and vehicle that departs arrives exactly
once; no carrier, ramp, transfer point or apron ever holds more than its
capacity; trains leave a line with a capacity in the order they entered it,
having entered at least 24 / trains_per_day hours apart; times never run
backwards; and the same seed gives the same log.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator.analysis.tables import asset_rows, closure_rows, unit_rows
from simulator.checks import cross_check
from simulator.model.run import run_replication
from simulator.model.world import Result
from simulator.scenario.models import Scenario
from tests.scenarios import air, base, node, plane, rail, train


@st.composite
def theatres(draw: st.DrawFn) -> Scenario:
    """A chain of 2-5 places joined by rail (gauge may change once) and air.

    A rail link may have a capacity in trains a day, and narrow-gauge trains
    may break down (and so hold up the trains behind them on such a line).
    """
    n = draw(st.integers(2, 5))
    change = draw(st.integers(1, n))  # links at index >= change are broad gauge
    nodes: list[dict[str, Any]] = []
    for i in range(n):
        limits: dict[str, Any] = {}
        if draw(st.booleans()):
            limits["loading_ramps"] = draw(st.integers(1, 2))
        if draw(st.booleans()):
            limits["parking"] = draw(st.integers(2, 3))
        if i == change:
            limits["transfer_capacity"] = draw(st.integers(1, 2))
            limits["transfer_h"] = draw(st.sampled_from([0.0, 1.5, 6.0]))
        if draw(st.integers(0, 4)) == 0:
            limits["border_h"] = 2.0
        nodes.append(node(f"n{i}", lon=i, **limits))
    links = []
    for i in range(n - 1):
        km = draw(st.sampled_from([50, 120, 400, 900]))
        gauge = 1520 if i >= change else 1435
        link = rail(f"r{i}", f"n{i}", f"n{i + 1}", km, gauge)
        per_day = draw(st.sampled_from([None, None, 2.0, 5.0, 24.0]))
        if per_day is not None:
            link["trains_per_day"] = per_day
        links.append(link)
        links.append(air(f"a{i}", f"n{i}", f"n{i + 1}", km))
    types = [
        train("narrow", 1435, load_h=draw(st.sampled_from([0, 2])), unload_h=1,
              capacity={"personnel": draw(st.integers(30, 120)), "tonnes": 300, "outsize": 3}),
        train("broad", 1520, turnaround_h=draw(st.sampled_from([0, 5])),
              capacity={"personnel": draw(st.integers(30, 120)), "tonnes": 400, "outsize": 4}),
        plane("lifter", load_h=1, unload_h=1, refuel_h=1, range_km=1000,
              capacity={"personnel": draw(st.integers(20, 60)), "tonnes": 30, "outsize": 1}),
        plane("helo", speed_kmh=220, refuel_h=0.5, range_km=1000),
    ]  # fmt: skip
    last_narrow = min(change, n - 1)
    fleets = [
        {"id": "narrow", "type": "narrow", "count": draw(st.integers(1, 3)), "base": "n0"},
        {"id": "broad", "type": "broad", "count": draw(st.integers(1, 3)),
         "base": f"n{last_narrow}"},
        {"id": "air", "type": "lifter", "count": draw(st.integers(1, 3)), "base": "n0",
         "max_detour": draw(st.sampled_from([1.0, 1.5]))},
    ]  # fmt: skip
    if change >= n - 1:
        fleets = [f for f in fleets if f["id"] != "broad"]
    forces = []
    for k in range(draw(st.integers(1, 4))):
        a = draw(st.integers(0, n - 2))
        b = draw(st.integers(a + 1, n - 1))
        if draw(st.booleans()):
            a, b = b, a
        mode = draw(st.sampled_from(["rail", "air", "self_deploy"]))
        unit: dict[str, Any] = {
            "id": f"u{k}", "nation": "A", "origin": f"n{a}", "destination": f"n{b}",
            "ready": f"2030-01-0{draw(st.integers(1, 3))}T{draw(st.integers(0, 23)):02d}:00:00Z",
            "mode": mode, "personnel": draw(st.integers(0, 300)),
        }  # fmt: skip
        if mode == "self_deploy":
            unit.update(vehicle="helo", vehicles=draw(st.integers(1, 7)),
                        group_size=draw(st.integers(1, 4)), group_interval_h=0.5)  # fmt: skip
        else:
            unit["equipment"] = [
                {"type": "truck", "count": draw(st.integers(0, 12)) or 1, "mass_t": 8.0},
                {"type": "ifv", "count": draw(st.integers(1, 4)), "mass_t": 14.0,
                 "outsize": True},
            ]  # fmt: skip
        forces.append(unit)
    injects = []
    if draw(st.booleans()):
        injects.append({"id": "wx", "kind": "hold", "node": f"n{draw(st.integers(0, n - 1))}",
                        "start": "2030-01-01T12:00:00Z", "duration_h": 24})  # fmt: skip
    if draw(st.booleans()):
        injects.append({"id": "failures", "kind": "breakdown", "fleets": ["narrow"],
                        "per_1000_km": 2.0, "repair_h": 3})  # fmt: skip
    data = base(nodes=nodes, links=links, transport_types=types, fleets=fleets, forces=forces,
                injects=injects)  # fmt: skip
    scenario = Scenario.model_validate(data)
    assume(not cross_check(scenario))
    return scenario


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _events_by_load(result: Result) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    loads = {ld.id for lds in result.loads.values() for ld in lds}
    for e in result.events:
        if e.entity in loads:
            out[e.entity].append(e)
    return out


def check_conservation(scenario: Scenario, result: Result) -> None:
    """Every person and vehicle that departs arrives exactly once, where it should."""
    by_load = _events_by_load(result)
    for unit in scenario.forces:
        loads = result.loads[unit.id]
        assert sum(ld.personnel for ld in loads) == unit.personnel
        vehicles = (
            unit.vehicles if unit.mode == "self_deploy" else sum(e.count for e in unit.equipment)
        )
        assert sum(ld.vehicle_count for ld in loads) == vehicles
        for ld in loads:
            kinds = [e.kind for e in by_load[ld.id]]
            assert kinds.count("depart") == 1, (ld.id, kinds)
            assert kinds.count("arrive") == 1, (ld.id, kinds)
            depart = next(e for e in by_load[ld.id] if e.kind == "depart")
            arrive = next(e for e in by_load[ld.id] if e.kind == "arrive")
            assert depart.detail["personnel"] == arrive.detail["personnel"] == ld.personnel
            assert depart.detail["vehicles"] == arrive.detail["vehicles"] == ld.vehicle_count
            assert arrive.place == unit.destination and depart.place == unit.origin


def check_capacity(scenario: Scenario, result: Result) -> None:
    """No carrier, ramp, transfer track or apron ever holds more than it can."""
    for row in asset_rows(result):
        assert row["peak"] <= row["capacity"], row
    types = {t.id: t for t in scenario.transport_types}
    fleet_type = {f.id: types[f.type] for f in scenario.fleets}
    for trip in (e for e in result.events if e.kind == "trip"):
        cap = fleet_type[trip.detail["fleet"]].capacity
        assert trip.detail["personnel"] <= cap.personnel
        assert trip.detail["tonnes"] <= cap.tonnes + 1e-6
        assert trip.detail["outsize"] <= cap.outsize


def check_time(scenario: Scenario, result: Result) -> None:
    """Records come in time order; every span ends after it starts."""
    times = [e.time for e in result.events]
    assert times == sorted(times)
    for e in result.events:
        if e.kind in ("wait", "occupy", "trip"):
            assert e.detail["start"] <= e.time
        if e.kind == "wait":
            assert e.detail["hours"] > 0
    for events in _events_by_load(result).values():
        depart = next(e.time for e in events if e.kind == "depart")
        arrive = next(e.time for e in events if e.kind == "arrive")
        assert depart <= arrive
        assert all(depart <= e.time <= arrive for e in events if e.kind in ("reach", "transfer"))


def check_closure(scenario: Scenario, result: Result) -> None:
    """Each nation's closure ends with its last unit, and no measure closes after it."""
    units = unit_rows(result)
    for row in closure_rows(result):
        arrivals = [u["arrive"] for u in units if row["nation"] in ("all", u["nation"])]
        assert row["t100"] == max(arrivals), row
        assert row["t50"] <= row["t90"] <= row["t100"]
        for figures in row["by"].values():
            assert figures["t100"] is None or figures["t100"] <= row["t100"]


def check_lines(scenario: Scenario, result: Result) -> None:
    """On a line with a capacity, trains enter 24 / n h apart and leave in the same order."""
    lines = {link.id: link for link in scenario.links if link.trains_per_day is not None}
    entered: dict[tuple[str, str], list[Any]] = defaultdict(list)
    left: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for e in result.events:
        if e.kind == "enter_line":
            entered[e.detail["link"], e.place].append(e)
        elif e.kind == "leave_line":
            link = lines[e.detail["link"]]
            left[link.id, link.a if e.place == link.b else link.b].append(e)
    assert set(entered) <= {(k, end) for k, link in lines.items() for end in (link.a, link.b)}
    for (link_id, entry), ins in entered.items():
        outs = left[link_id, entry]
        assert [e.entity for e in outs] == [e.entity for e in ins]
        per_day = lines[link_id].trains_per_day
        assert per_day is not None
        headway = 24.0 / per_day
        for before, after in itertools.pairwise(ins):
            assert after.time - before.time >= headway - 1e-9
        for before, after in itertools.pairwise(outs):
            assert after.time >= before.time
        for into, out in zip(ins, outs, strict=True):
            assert out.time >= into.time


CHECKS = (check_conservation, check_capacity, check_lines, check_time, check_closure)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@SETTINGS
@given(scenario=theatres())
def test_invariant(check: Any, scenario: Scenario) -> None:
    check(scenario, run_replication(scenario))


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=theatres())
def test_every_invariant_on_many_theatres(scenario: Scenario) -> None:
    result = run_replication(scenario)
    for check in CHECKS:
        check(scenario, result)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(theatres())
def test_same_seed_same_log(scenario: Scenario) -> None:
    assert run_replication(scenario, 7).events == run_replication(scenario, 7).events
