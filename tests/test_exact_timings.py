"""Tiny scenarios whose timings are worked out by hand, checked exactly."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.analysis.tables import Index, asset_rows, bottleneck_rows, unit_rows
from simulator.model.records import Event
from simulator.model.run import run_replication
from simulator.model.world import Result
from tests.scenarios import START, air, base, node, plane, rail, scenario, train, unit


def log(result: Result, *kinds: str) -> list[tuple[float, str, str, str]]:
    """(time, entity, kind, place) of the chosen kinds, in event order."""
    return [
        (round(e.time, 6), e.entity, e.kind, e.place)
        for e in result.events
        if not kinds or e.kind in kinds
    ]


def waits(result: Result) -> list[tuple[float, str, str, str, float]]:
    """(end, entity, place, cause, hours) of every wait."""
    return [
        (round(e.time, 6), e.entity, e.place, e.detail["cause"], round(e.detail["hours"], 6))
        for e in result.events
        if e.kind == "wait"
    ]


def test_one_train_over_one_link() -> None:
    data = base(
        nodes=[node("x", lon=0, loading_ramps=1), node("y", lon=1, loading_ramps=1)],
        links=[rail("xy", "x", "y", 600)],
        transport_types=[train(load_h=2, unload_h=1, turnaround_h=4)],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail", ready="2030-01-01T06:00:00Z")],
    )
    result = run_replication(scenario(data))
    # ready 6, entrain 2 h -> depart 8; 600 km at 50 km/h = 12 h -> 20; unload 1 h -> 21.
    # The train runs home empty (12 h) and turns around (4 h): back at 37.
    assert log(result, "depart", "reach", "arrive", "trip") == [
        (8.0, "u#1", "depart", "x"),
        (20.0, "u#1", "reach", "y"),
        (21.0, "u#1", "arrive", "y"),
        (37.0, "trains/1", "trip", "x"),
    ]
    assert waits(result) == []
    row = unit_rows(result)[0]
    assert (row["depart"], row["arrive"], row["transit_h"]) == (8.0, 21.0, 13.0)
    assert row["route"] == ["x", "y"]


def test_gauge_break_with_transfer_capacity_one() -> None:
    """Three loads reach the break together; one transfer track serialises them."""
    data = base(
        nodes=[
            node("x", lon=0),
            node("gb", lon=1, transfer_capacity=1, transfer_h=5),
            node("y", lon=2),
        ],
        links=[rail("x-gb", "x", "gb", 100, 1435), rail("gb-y", "gb", "y", 200, 1520)],
        transport_types=[train("narrow", 1435), train("broad", 1520)],
        fleets=[
            {"id": "cn", "type": "narrow", "count": 3, "base": "x"},
            {"id": "ru", "type": "broad", "count": 3, "base": "gb"},
        ],
        forces=[unit("u", "x", "y", "rail", personnel=300, fleets=["cn", "ru"])],
    )
    result = run_replication(scenario(data))
    # All three leave at 0 and reach the break at 2 h (100 km at 50 km/h).
    # Transfers: 2-7, 7-12, 12-17; then 200 km = 4 h: arrivals 11, 16, 21.
    assert log(result, "transfer", "arrive") == [
        (7.0, "u#1", "transfer", "gb"),
        (11.0, "u#1", "arrive", "y"),
        (12.0, "u#2", "transfer", "gb"),
        (16.0, "u#2", "arrive", "y"),
        (17.0, "u#3", "transfer", "gb"),
        (21.0, "u#3", "arrive", "y"),
    ]
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [
        ("u#2", "transfer", 5.0),
        ("u#3", "transfer", 10.0),
    ]
    row = unit_rows(result)[0]
    assert row["waits"] == {"transfer": 10.0}  # the closing load's waits
    assert row["transfers"] == [{"place": "gb", "first": 7.0, "last": 17.0, "loads": 3}]
    top = bottleneck_rows(result)[0]
    assert (top["place"], top["cause"], top["waits"], top["load_h"]) == ("gb", "transfer", 2, 15.0)


def test_gauge_break_needs_a_transfer_point() -> None:
    data = base(
        nodes=[node("x"), node("gb", lon=1), node("y", lon=2)],
        links=[rail("x-gb", "x", "gb", 100, 1435), rail("gb-y", "gb", "y", 200, 1520)],
        transport_types=[train("narrow", 1435), train("broad", 1520)],
        fleets=[
            {"id": "cn", "type": "narrow", "count": 1, "base": "x"},
            {"id": "ru", "type": "broad", "count": 1, "base": "gb"},
        ],
        forces=[unit("u", "x", "y", "rail")],
    )
    from simulator.checks import cross_check

    (finding,) = cross_check(scenario(data))
    assert finding[0] == ("forces", 0, "destination")
    assert "cannot reach 'y'" in finding[1]


def test_airlift_in_waves() -> None:
    """Five loads, two aircraft: waves leave at 0, 8 and 16 hours."""
    data = base(
        nodes=[node("a"), node("b", lon=1)],
        links=[air("ab", "a", "b", 1000)],
        transport_types=[plane(load_h=1, unload_h=1, turnaround_h=2)],
        fleets=[{"id": "lift", "type": "plane", "count": 2, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=250)],
    )
    result = run_replication(scenario(data))
    # A sortie: load 1, fly 2, unload 1, fly home 2, turnaround 2 = 8 h.
    arrivals = [(t, who) for t, who, kind, _ in log(result, "arrive")]
    assert arrivals == [(4.0, "u#1"), (4.0, "u#2"), (12.0, "u#3"), (12.0, "u#4"), (20.0, "u#5")]
    departs = [(t, who) for t, who, kind, _ in log(result, "depart")]
    assert departs == [(1.0, "u#1"), (1.0, "u#2"), (9.0, "u#3"), (9.0, "u#4"), (17.0, "u#5")]
    aircraft_waits = {w[1]: w[4] for w in waits(result) if w[3] == "aircraft"}
    assert aircraft_waits == {"u#3": 8.0, "u#4": 8.0, "u#5": 16.0}
    fleet = asset_rows(result)[0]
    assert (fleet["uses"], fleet["busy_h"]) == (5, 40.0)
    assert fleet["utilisation"] == pytest.approx(40.0 / (2 * 24.0))


def _two_aircraft_one_apron() -> dict[str, Any]:
    """Two aircraft of 50 seats fly a unit of 100 from a to b, 1,000 km; b parks one."""
    return base(
        nodes=[node("a"), node("b", lon=1, parking=1)],
        links=[air("ab", "a", "b", 1000)],
        transport_types=[plane(unload_h=3)],
        fleets=[{"id": "lift", "type": "plane", "count": 2, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=100)],
    )


def test_parking_limit_makes_aircraft_hold() -> None:
    """Two aircraft land together at a field with room for one."""
    result = run_replication(scenario(_two_aircraft_one_apron()))
    # Both take off at 0 and reach b at 2; one unloads 2-5, the other holds
    # until 5 and unloads 5-8.
    assert [(t, who) for t, who, *_ in log(result, "arrive")] == [(5.0, "u#1"), (8.0, "u#2")]
    parking = [w for w in waits(result) if w[3] == "parking"]
    assert parking == [(5.0, "lift/2", "b", "parking", 3.0), (5.0, "u#2", "b", "parking", 3.0)]
    apron = next(r for r in asset_rows(result) if r["asset"] == "b:parking")
    assert (apron["uses"], apron["peak"], apron["busy_h"]) == (2, 1, 6.0)


def test_reach_is_over_the_field_and_land_is_on_the_apron() -> None:
    """The held aircraft of the test above reaches b at 2 and lands at 5."""
    result = run_replication(scenario(_two_aircraft_one_apron()))
    assert [e for e in log(result, "reach", "land") if e[1] == "u#2"] == [
        (2.0, "u#2", "reach", "b"),
        (5.0, "u#2", "land", "b"),
    ]


def test_loads_waiting_for_the_apron_at_the_home_base_wait_for_parking() -> None:
    """Two aircraft at their base, with room for one to load there at a time.

    Both loads are assigned an aircraft at 0 and neither needs positioning. The
    first aircraft loads 0-2 and takes off; the second waits for the apron until 2,
    loads 2-4 and takes off. 500 km at 500 km/h: arrivals at 3 and 5.
    """
    data = base(
        nodes=[node("a", parking=1), node("b", lon=1)],
        links=[air("ab", "a", "b", 500)],
        transport_types=[plane(load_h=2)],
        fleets=[{"id": "lift", "type": "plane", "count": 2, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=100)],
    )
    result = run_replication(scenario(data))
    assert [(t, who) for t, who, *_ in log(result, "arrive")] == [(3.0, "u#1"), (5.0, "u#2")]
    assert [w for w in waits(result) if w[1].startswith("u#")] == [
        (2.0, "u#2", "a", "parking", 2.0)
    ]


def test_fuel_stop_where_range_demands() -> None:
    """The direct link is beyond range; the route goes via a fuel stop."""
    data = base(
        nodes=[node("a"), node("m", lon=1), node("b", lon=2)],
        links=[air("ab", "a", "b", 1500), air("am", "a", "m", 800), air("mb", "m", "b", 800)],
        transport_types=[plane(range_km=1000, refuel_h=1)],
        fleets=[{"id": "lift", "type": "plane", "count": 1, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=50)],
    )
    result = run_replication(scenario(data))
    # 800 km = 1.6 h to m, 1 h fuel, 1.6 h to b: arrive 4.2.
    assert [x for x in log(result, "depart", "reach", "stop", "arrive") if x[1] == "u#1"] == [
        (0.0, "u#1", "depart", "a"),
        (1.6, "u#1", "reach", "m"),
        (2.6, "u#1", "stop", "m"),
        (4.2, "u#1", "reach", "b"),
        (4.2, "u#1", "arrive", "b"),
    ]


def test_weather_hold_delays_self_deploying_helicopters() -> None:
    data = base(
        nodes=[node("alt"), node("bar", lon=1, parking=2), node("dst", lon=2)],
        links=[air("l1", "alt", "bar", 400), air("l2", "bar", "dst", 400)],
        transport_types=[plane("helo", speed_kmh=200, range_km=500, refuel_h=1)],
        forces=[
            unit(
                "helos",
                "alt",
                "dst",
                "self_deploy",
                personnel=8,
                vehicle="helo",
                vehicles=4,
                group_size=2,
                group_interval_h=0.5,
            )
        ],
        injects=[
            {
                "id": "wx",
                "kind": "hold",
                "node": "alt",
                "start": "2030-01-01T00:00:00Z",
                "duration_h": 24,
                "cause": "weather",
            }
        ],
    )
    result = run_replication(scenario(data))
    # Group 1 held 0-24; group 2 starts at 0.5 and is held to 24 as well.
    # Then 2 h to bar, parking for 2 helicopters: both groups need 2 of 2 places,
    # so group 2 waits for group 1's 1 h fuel stop: 26-27 then 27-28.
    assert log(result, "depart", "arrive") == [
        (24.0, "helos#1", "depart", "alt"),
        (24.0, "helos#2", "depart", "alt"),
        (29.0, "helos#1", "arrive", "dst"),
        (30.0, "helos#2", "arrive", "dst"),
    ]
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [
        ("helos#1", "weather", 24.0),
        ("helos#2", "weather", 23.5),
        ("helos#2", "parking", 1.0),
    ]


def test_transit_denied_forces_the_long_way() -> None:
    data = base(
        nodes=[node("x"), node("k", country="B", lon=1), node("m", lon=1), node("y", lon=2)],
        links=[
            rail("xk", "x", "k", 100),
            rail("ky", "k", "y", 100),
            rail("xm", "x", "m", 300),
            rail("my", "m", "y", 300),
        ],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )
    data["countries"][1]["transit"] = {"rail": {"policy": "deny", "nations": ["A"]}}
    denied = unit_rows(run_replication(scenario(data)))[0]
    assert (denied["route"], denied["arrive"]) == (["x", "m", "y"], 12.0)
    data["countries"][1]["transit"] = {"rail": "allow"}
    allowed = unit_rows(run_replication(scenario(data)))[0]
    assert (allowed["route"], allowed["arrive"]) == (["x", "k", "y"], 4.0)


def test_policy_change_is_waited_for() -> None:
    data = base(
        nodes=[node("x"), node("k", country="B", lon=1), node("y", lon=2)],
        links=[rail("xk", "x", "k", 100), rail("ky", "k", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
        injects=[
            {
                "id": "open",
                "kind": "policy",
                "at": "2030-01-02T00:00:00Z",
                "country": "B",
                "mode": "rail",
                "policy": "allow",
            }
        ],
    )
    data["countries"][1]["transit"] = {"rail": "deny"}
    result = run_replication(scenario(data))
    assert log(result, "depart", "arrive") == [
        (24.0, "u#1", "depart", "x"),
        (28.0, "u#1", "arrive", "y"),
    ]
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [("u#1", "policy", 24.0)]


def test_trains_cycle_when_fewer_than_loads() -> None:
    """Two loads, one train: the second waits for the train to come back."""
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("xy", "x", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail", personnel=200)],
    )
    result = run_replication(scenario(data))
    # 2 h out, 2 h back: the second load leaves at 4 and arrives at 6.
    assert [(t, who) for t, who, *_ in log(result, "arrive")] == [(2.0, "u#1"), (6.0, "u#2")]
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [("u#2", "train_set", 4.0)]


def test_events_are_frozen_records() -> None:
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("xy", "x", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )
    result = run_replication(scenario(data))
    assert all(isinstance(e, Event) for e in result.events)
    assert Index.of(result).unit_of_load == {"u#1": "u"}


def corridor(range_km: float) -> Result:
    """a - w (waypoint) - m (airfield) - b, 500 km each, 500 km/h, 1 h fuel stops."""
    data = base(
        nodes=[
            node("a"),
            {**node("w", lon=1), "kind": "waypoint"},
            {**node("m", lon=2), "kind": "airfield"},
            node("b", lon=3),
        ],
        links=[air("aw", "a", "w", 500), air("wm", "w", "m", 500), air("mb", "m", "b", 500)],
        transport_types=[plane(range_km=range_km, refuel_h=1)],
        fleets=[{"id": "lift", "type": "plane", "count": 1, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=50)],
    )
    return run_replication(scenario(data))


def test_air_corridor_waypoints_are_flown_over() -> None:
    """With range enough, the aircraft flies over w and m without landing."""
    result = corridor(range_km=2000)
    # 1,500 km at 500 km/h = 3 h, no stop.
    assert [
        x for x in log(result, "depart", "reach", "overfly", "stop", "arrive") if x[1] == "u#1"
    ] == [
        (0.0, "u#1", "depart", "a"),
        (1.0, "u#1", "overfly", "w"),
        (2.0, "u#1", "overfly", "m"),
        (3.0, "u#1", "reach", "b"),
        (3.0, "u#1", "arrive", "b"),
    ]
    assert unit_rows(result)[0]["route"] == ["a", "b"]


def test_air_lands_only_where_range_demands_and_never_at_waypoints() -> None:
    """Range 1,200 km: it cannot land at waypoint w, so it lands at airfield m."""
    result = corridor(range_km=1200)
    assert [x for x in log(result, "overfly", "reach", "stop") if x[1] == "u#1"] == [
        (1.0, "u#1", "overfly", "w"),
        (2.0, "u#1", "reach", "m"),
        (3.0, "u#1", "stop", "m"),
        (4.0, "u#1", "reach", "b"),
    ]


def test_rail_fleet_is_chosen_by_nearest_base() -> None:
    """Two broad-gauge fleets: the one based at the gauge break is used."""
    data = base(
        nodes=[
            node("x"),
            node("gb", lon=1, transfer_capacity=1, transfer_h=0),
            node("y", lon=2),
            node("far", lon=3),
        ],
        links=[
            rail("x-gb", "x", "gb", 100, 1435),
            rail("gb-y", "gb", "y", 100, 1520),
            rail("y-far", "y", "far", 2000, 1520),
        ],
        transport_types=[train("narrow", 1435), train("broad", 1520)],
        fleets=[
            {"id": "cn", "type": "narrow", "count": 1, "base": "x"},
            {"id": "distant", "type": "broad", "count": 1, "base": "far"},
            {"id": "near", "type": "broad", "count": 1, "base": "gb"},
        ],
        forces=[unit("u", "x", "y", "rail", fleets=["cn", "distant", "near"])],
    )
    result = run_replication(scenario(data))
    plan = next(e for e in result.events if e.kind == "plan")
    assert plan.detail["fleets"] == ["cn", "near"]
    assert [(t, who) for t, who, *_ in log(result, "arrive")] == [(4.0, "u#1")]


def pickup_scenario(max_detour: float, kant_first: bool = False) -> Result:
    """100 people at a and 20 at k for s; one aircraft of 130 seats based at a.

    Direct a -> s is 1,900 km; a -> k -> s is 600 + 1,700 = 2,300 km.
    """
    units = [
        unit("first", "a", "s", "air", personnel=100),
        unit("second", "k", "s", "air", personnel=20),
    ]
    data = base(
        nodes=[node("a"), node("k", lon=1), node("s", lon=2)],
        links=[air("ak", "a", "k", 600), air("ks", "k", "s", 1700), air("as", "a", "s", 1900)],
        transport_types=[plane(capacity={"personnel": 130, "tonnes": 40, "outsize": 0})],
        fleets=[{"id": "lift", "type": "plane", "count": 1, "base": "a", "max_detour": max_detour}],
        forces=units[::-1] if kant_first else units,
    )
    return run_replication(scenario(data))


def test_multi_stop_pickup() -> None:
    """One aircraft collects at a and k, then delivers both to s."""
    result = pickup_scenario(1.3)
    # a -> k: 1.2 h; k -> s: 3.4 h. Both arrive at 4.6; trip 2300 <= 1.3 x 1900.
    assert log(result, "depart", "arrive") == [
        (0.0, "first#1", "depart", "a"),
        (1.2, "second#1", "depart", "k"),
        (4.6, "first#1", "arrive", "s"),
        (4.6, "second#1", "arrive", "s"),
    ]
    trip = next(e for e in result.events if e.kind == "trip")
    assert (trip.detail["stops"], trip.detail["personnel"]) == (["a", "k", "s"], 120)


def test_no_detour_means_separate_sorties() -> None:
    trips = [e.detail["stops"] for e in pickup_scenario(1.0).events if e.kind == "trip"]
    assert trips == [["a", "s"], ["k", "s"]]


def test_detour_beyond_the_limit_means_separate_sorties() -> None:
    """2,300 km is more than 1.2 x 1,900 = 2,280 km."""
    trips = [e.detail["stops"] for e in pickup_scenario(1.2).events if e.kind == "trip"]
    assert trips == [["a", "s"], ["k", "s"]]


def test_pickup_order_does_not_depend_on_file_order() -> None:
    """The unit at k is listed first, yet the aircraft flies a -> k -> s."""
    trip = next(e for e in pickup_scenario(1.3, kant_first=True).events if e.kind == "trip")
    assert (trip.detail["stops"], trip.detail["personnel"]) == (["a", "k", "s"], 120)


def test_a_unit_with_no_way_is_reported_stranded_not_crashed() -> None:
    """Run without the cross-checks: the model records why the unit could not move."""
    data = base(
        nodes=[node("x"), node("k", country="B", lon=1), node("y", lon=2)],
        links=[rail("xk", "x", "k", 100), rail("ky", "k", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail"), unit("v", "x", "k", "rail")],
    )
    data["countries"][1]["transit"] = {"rail": "deny"}
    rows = {r["id"]: r for r in unit_rows(run_replication(scenario(data)))}
    assert rows["u"]["status"].startswith("stranded: no rail route from x to y")
    assert rows["u"]["arrive"] is None
    assert rows["v"]["status"] == "closed"  # k is v's destination, not a transit


def test_allow_naming_nations_lets_only_those_pass() -> None:
    """B allows only nation B... and A's forces are not named, so they go round."""
    data = base(
        nodes=[node("x"), node("k", country="B", lon=1), node("m", lon=1), node("y", lon=2)],
        links=[
            rail("xk", "x", "k", 100), rail("ky", "k", "y", 100),
            rail("xm", "x", "m", 300), rail("my", "m", "y", 300),
        ],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )  # fmt: skip
    data["countries"].append({"id": "C"})
    data["countries"][1]["transit"] = {"rail": {"policy": "allow", "nations": ["C"]}}
    assert unit_rows(run_replication(scenario(data)))[0]["route"] == ["x", "m", "y"]
    data["countries"][1]["transit"] = {"rail": {"policy": "allow", "nations": ["A"]}}
    assert unit_rows(run_replication(scenario(data)))[0]["route"] == ["x", "k", "y"]


def test_two_gauges_between_the_same_places_are_both_kept() -> None:
    """A dual-gauge line: the broad-gauge train finds its own track."""
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("narrow", "x", "y", 100, 1435), rail("broad", "x", "y", 150, 1520)],
        transport_types=[train("broad_train", 1520)],
        fleets=[{"id": "trains", "type": "broad_train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
    )
    result = run_replication(scenario(data))
    assert unit_rows(result)[0]["arrive"] == 3.0  # 150 km at 50 km/h


def test_border_time_applies_to_airlifted_loads_too() -> None:
    data = base(
        nodes=[node("a"), node("b", lon=1, border_h=2)],
        links=[air("ab", "a", "b", 1000)],
        transport_types=[plane()],
        fleets=[{"id": "lift", "type": "plane", "count": 1, "base": "a"}],
        forces=[unit("u", "a", "b", "air", personnel=50)],
    )
    result = run_replication(scenario(data))
    assert [x for x in log(result, "border", "arrive") if x[1] == "u#1"] == [
        (4.0, "u#1", "border", "b"),
        (4.0, "u#1", "arrive", "b"),
    ]


def test_rail_departure_is_recorded_after_an_origin_hold() -> None:
    data = base(
        nodes=[node("x"), node("y", lon=1)],
        links=[rail("xy", "x", "y", 100)],
        transport_types=[train(load_h=1)],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"}],
        forces=[unit("u", "x", "y", "rail")],
        injects=[{"id": "snow", "kind": "hold", "node": "x", "start": START, "duration_h": 5}],
    )
    result = run_replication(scenario(data))
    assert log(result, "depart", "arrive") == [
        (5.0, "u#1", "depart", "x"),
        (7.0, "u#1", "arrive", "y"),
    ]
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [("u#1", "weather", 4.0)]


def test_holds_stop_empty_trains_too() -> None:
    """The train runs empty to the pickup through a node closed for 10 hours."""
    data = base(
        nodes=[node("depot"), node("mid", lon=1), node("x", lon=2), node("y", lon=3)],
        links=[rail("d-m", "depot", "mid", 50), rail("m-x", "mid", "x", 50),
               rail("x-y", "x", "y", 100)],
        transport_types=[train()],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "depot"}],
        forces=[unit("u", "x", "y", "rail")],
        injects=[{"id": "closed", "kind": "hold", "node": "mid", "start": START, "duration_h": 10}],
    )  # fmt: skip
    result = run_replication(scenario(data))
    # 1 h to mid, held to 10, 1 h to x: positioning ends at 11; then 2 h to y.
    assert log(result, "depart", "arrive") == [(11.0, "u#1", "depart", "x"),
                                               (13.0, "u#1", "arrive", "y")]  # fmt: skip
    assert [(w[1], w[3], w[4]) for w in waits(result)] == [
        ("trains/1", "weather", 9.0),
        ("u#1", "positioning", 11.0),
    ]


def test_fleet_reachable_only_after_a_policy_change_is_valid() -> None:
    """The checks plan empty moves with the policy in force when the unit moves."""
    from simulator.checks import cross_check

    data = base(
        nodes=[node("x"), node("gb", lon=1, transfer_capacity=1, transfer_h=0),
               node("k", country="B", lon=2), node("y", lon=3)],
        links=[rail("x-gb", "x", "gb", 100, 1435), rail("gb-y", "gb", "y", 100, 1520),
               rail("k-gb", "k", "gb", 100, 1520)],
        transport_types=[train("narrow", 1435), train("broad", 1520)],
        fleets=[{"id": "cn", "type": "narrow", "count": 1, "base": "x"},
                {"id": "far", "type": "broad", "count": 1, "base": "k", "nation": "B"}],
        forces=[unit("u", "x", "y", "rail", ready="2030-01-03T00:00:00Z")],
        injects=[{"id": "open", "kind": "policy", "at": "2030-01-02T00:00:00Z", "country": "A",
                  "mode": "rail", "policy": "allow"}],
    )  # fmt: skip
    data["countries"][0]["transit"] = {"rail": "deny"}
    checked = scenario(data)
    assert cross_check(checked) == []
    assert unit_rows(run_replication(checked))[0]["status"] == "closed"


def test_a_stranded_rail_unit_says_what_its_route_lacks() -> None:
    """Without the cross-checks the run records the same reasons as validation."""
    data = base(
        nodes=[node("x"), node("k", lon=1), node("y", lon=2), node("z", lon=3)],
        links=[rail("xk", "x", "k", 100), rail("ky", "k", "y", 100, gauge=1520),
               rail("yz", "y", "z", 100, gauge=1520)],
        transport_types=[train(), train("broad", gauge=1520)],
        fleets=[{"id": "trains", "type": "train", "count": 1, "base": "x"},
                {"id": "broad_trains", "type": "broad", "count": 1, "base": "z"}],
        forces=[unit("u", "x", "y", "rail", fleets=["trains"]), unit("v", "x", "z", "rail")],
    )  # fmt: skip
    rows = {r["id"]: r for r in unit_rows(run_replication(scenario(data)))}
    assert rows["u"]["status"] == (
        "stranded: the line from k to y is 1,520 mm and no fleet of 1,520 mm is listed for it "
        "(fleets: trains); no transfer_h at the gauge break at k (from 1,435 mm to 1,520 mm)"
    )
    assert rows["v"]["status"] == (
        "stranded: no transfer_h at the gauge break at k (from 1,435 mm to 1,520 mm)"
    )
