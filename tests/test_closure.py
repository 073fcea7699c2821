"""Closure counts every load: people, vehicles and tonnes, worked out by hand."""

from __future__ import annotations

import pytest

from simulator.analysis.closure import add, closure, curve, time_to_share, unit_totals
from simulator.analysis.summary import SCHEMA_VERSION, summarize
from simulator.analysis.tables import closure_rows, measure_time, unit_rows
from simulator.model.run import run_replication
from simulator.model.world import Result
from simulator.scenario.models import Measure
from tests.scenarios import base, node, rail, scenario, train, unit


def _two_trips() -> Result:
    """One train carries a unit in two trips: its people and one gun, then the other gun.

    Each gun weighs 600 t and a train takes 1,000 t, so the split makes two loads; the
    100 people are seated in the first. 600 km at 50 km/h: the first load arrives at
    12 h, the train is back at 24 h and the second load arrives at 36 h. A second
    unit, of nation B, has people only and arrives at 12 h on a train of its own.
    """
    data = base(
        nodes=[node("x", lon=0), node("y", lon=1)],
        links=[rail("xy", "x", "y", 600)],
        transport_types=[train()],
        fleets=[
            {"id": "trains", "type": "train", "count": 1, "base": "x"},
            {"id": "others", "type": "train", "count": 1, "base": "x"},
        ],
        forces=[
            unit("guns", "x", "y", "rail", fleets=["trains"],
                 equipment=[{"type": "gun", "count": 2, "mass_t": 600}]),
            unit("staff", "x", "y", "rail", nation="B", personnel=40, fleets=["others"]),
        ],
    )  # fmt: skip
    return run_replication(scenario(data))


def test_a_unit_closes_when_its_last_load_arrives_whatever_it_carries() -> None:
    result = _two_trips()
    guns = next(r for r in unit_rows(result) if r["id"] == "guns")
    assert (guns["loads"], guns["vehicles"], guns["tonnes"], guns["arrive"]) == (2, 2, 1200, 36)
    rows = {r["nation"]: r for r in closure_rows(result)}
    a = rows["A"]
    assert (a["personnel"], a["vehicles"], a["tonnes"], a["closed"]) == (100, 2, 1200.0, 100)
    assert a["by"]["personnel"] == {"closed": 100, "t50": 12.0, "t90": 12.0, "t100": 12.0}
    assert a["by"]["vehicles"] == {"closed": 2, "t50": 12.0, "t90": 36.0, "t100": 36.0}
    assert a["by"]["tonnes"] == {"closed": 1200.0, "t50": 12.0, "t90": 36.0, "t100": 36.0}
    # The headline is the latest of the three: people alone closed at 12 h.
    assert (a["t50"], a["t90"], a["t100"]) == (12.0, 36.0, 36.0)
    assert a["t100"] == guns["arrive"]


def test_measures_a_force_has_none_of_do_not_count() -> None:
    rows = {r["nation"]: r for r in closure_rows(_two_trips())}
    b = rows["B"]
    assert (b["personnel"], b["vehicles"], b["tonnes"]) == (40, 0, 0.0)
    assert b["by"]["vehicles"] == {"closed": 0, "t50": None, "t90": None, "t100": None}
    assert (b["t50"], b["t90"], b["t100"]) == (12.0, 12.0, 12.0)
    everyone = rows["all"]
    assert (everyone["personnel"], everyone["vehicles"], everyone["tonnes"]) == (140, 2, 1200.0)
    assert (everyone["t50"], everyone["t100"]) == (12.0, 36.0)


@pytest.mark.parametrize(("share", "expected"), [(0.5, 12.0), (0.9, 36.0), (1.0, 36.0)])
def test_a_closed_milestone_reads_the_same_headline(share: float, expected: float) -> None:
    result = _two_trips()
    measure = Measure(event="closed", nations=["A"], share=share)
    assert measure_time(result, measure) == expected


def test_the_summary_carries_its_schema_version_and_every_measure() -> None:
    summary = summarize(_two_trips())
    assert summary["schema_version"] == SCHEMA_VERSION == 4
    row = summary["closure"][0]
    assert row["t100"] == "2030-01-02T12:00Z" and row["by"]["personnel"]["t100"] == (
        "2030-01-01T12:00Z"
    )
    assert row["by"]["vehicles"]["t100_d"] == 1.5


def test_unit_totals() -> None:
    guns = scenario(
        base(
            nodes=[node("x"), node("y", lon=1)],
            links=[rail("xy", "x", "y", 1)],
            transport_types=[train()],
            forces=[
                unit("guns", "x", "y", "rail", personnel=7,
                     equipment=[{"type": "gun", "count": 3, "mass_t": 2.5},
                                {"type": "truck", "count": 1, "mass_t": 10}]),
            ],
        )
    ).forces[0]  # fmt: skip
    assert unit_totals(guns) == (7.0, 4.0, 17.5)
    assert add([(1, 2, 3), (10, 20, 30.5)]) == (11, 22, 33.5)


def test_time_to_share_is_the_latest_measure_and_none_until_every_one_is_reached() -> None:
    arrivals = [(1.0, (60.0, 0.0, 0.0)), (2.0, (40.0, 1.0, 5.0)), (3.0, (0.0, 1.0, 5.0))]
    totals = (100.0, 2.0, 10.0)
    assert time_to_share(arrivals, totals, 0.5) == 2.0  # people at 1, vehicles at 2
    assert time_to_share(arrivals, totals, 1.0) == 3.0
    assert time_to_share(arrivals[:2], totals, 1.0) is None
    assert time_to_share([], (0.0, 0.0, 0.0), 1.0) is None  # nothing to move
    # Tonnes that add up to the total with rounding error still count as all.
    thirds = [(float(k), (0.0, 0.0, 0.1)) for k in range(3)]
    assert time_to_share(thirds, (0.0, 0.0, 0.3), 1.0) == 2.0


def test_closure_row_of_a_force_short_of_its_vehicles() -> None:
    row = closure([(5.0, (10.0, 0.0, 0.0))], (10.0, 1.0, 4.0))
    assert row["closed"] == 10 and row["by"]["personnel"]["t100"] == 5.0
    assert row["by"]["vehicles"] == {"closed": 0, "t50": None, "t90": None, "t100": None}
    assert row["t100"] is None


def test_curve_follows_the_least_closed_measure() -> None:
    arrivals = [(2.0, (0.0, 1.0, 5.0)), (1.0, (60.0, 0.0, 0.0)), (2.0, (40.0, 0.0, 0.0))]
    # At 1: people 60%, vehicles 0 -> 0. At 2 (two arrivals, one point): people 100%,
    # vehicles 50%, tonnes 50% -> 50%.
    assert curve(arrivals, (100.0, 2.0, 10.0)) == [(1.0, 0.0), (2.0, 0.5)]
    assert curve(arrivals, (100.0, 0.0, 0.0)) == [(1.0, 0.6), (2.0, 1.0)]
