"""The Peace Mission 2007 replay against the historical record.

These check the replay's structure and its comparison with the record, not
tuned numbers: every observed milestone is compared, the refusal of Kazakh
transit is a real constraint, and the counterfactual closes earlier by the
shorter corridor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.analysis.tables import milestone_rows, unit_rows
from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.model.world import Result

SCENARIOS = Path(__file__).parent.parent / "scenarios"
RAIL_UNITS = ("pla_rail_echelon_1", "pla_rail_echelon_2", "pla_rail_echelon_3")


@pytest.fixture(scope="module")
def flagship() -> Result:
    return run_replication(load_scenario(SCENARIOS / "peace_mission_2007.yaml").scenario, 0)


@pytest.fixture(scope="module")
def variant() -> Result:
    path = SCENARIOS / "variants" / "kazakhstan-transit.yaml"
    return run_replication(load_scenario(path).scenario, 0)


def test_every_unit_closes_and_every_milestone_is_compared(flagship: Result) -> None:
    units = unit_rows(flagship)
    assert all(u["status"] == "closed" for u in units), [u["status"] for u in units]
    rows = milestone_rows(flagship)
    assert len(rows) == len(flagship.scenario.milestones) >= 6
    assert all(r["simulated"] is not None for r in rows)


def test_pla_rail_avoids_kazakhstan_and_changes_gauge_at_the_border(flagship: Result) -> None:
    countries = {n.id: n.country for n in flagship.scenario.nodes}
    for row in unit_rows(flagship):
        if row["id"] in RAIL_UNITS:
            assert "KZ" not in {countries[n] for n in row["route"]}
            assert [t["place"] for t in row["transfers"]] == ["manzhouli"]
            assert 10_000 <= row["km"] <= 10_600  # the paper's 10,300 km


def test_kazakh_transit_closes_the_rail_group_days_earlier(
    flagship: Result, variant: Result
) -> None:
    def closed(result: Result) -> float:
        return max(r["arrive"] for r in unit_rows(result) if r["id"] in RAIL_UNITS)

    saved_days = (closed(flagship) - closed(variant)) / 24
    assert saved_days >= 5
    countries = {n.id: n.country for n in variant.scenario.nodes}
    route = next(r["route"] for r in unit_rows(variant) if r["id"] == "pla_rail_echelon_2")
    assert "KZ" in {countries[n] for n in route}


def test_weather_hold_delays_the_helicopters_a_day(flagship: Result) -> None:
    holds = [
        e for e in flagship.events
        if e.kind == "wait" and e.detail["cause"] == "weather" and e.place == "altay"
    ]  # fmt: skip
    assert holds and max(e.detail["hours"] for e in holds) == pytest.approx(24.0)


def test_tajik_and_kyrgyz_share_one_aircraft_via_kant(flagship: Result) -> None:
    trips = [
        e.detail for e in flagship.events
        if e.kind == "trip" and "tj_airborne_company#1" in e.detail["loads"]
    ]  # fmt: skip
    assert len(trips) == 1
    assert "kg_airborne_platoon#1" in trips[0]["loads"]
    assert trips[0]["stops"] == ["dushanbe", "kant", "shagol"]


def test_milestone_comparison_reports_misses_honestly(flagship: Result) -> None:
    rows = {r["id"]: r for r in milestone_rows(flagship)}
    for row in rows.values():
        if row["within_window"]:
            assert row["delta_h"] == 0.0
        else:
            assert row["delta_h"] != 0.0


def test_operations_end_on_17_august_after_the_airborne_assault(flagship: Result) -> None:
    from simulator.analysis.summary import summarize

    summary = summarize(flagship)
    ends = {m["id"]: m for m in summary["milestones"]}
    assert ends["exercise_ends"]["within_window"]
    # The airborne assault: 240 personnel and 24 vehicles in all (paper).
    drops = summary["airdrops"]
    assert [d["id"] for d in drops] == ["ru_airdrop", "pla_airdrop"]
    assert sum(d["personnel"] for d in drops) == 240
    assert sum(d["vehicles"] for d in drops) == 24
    for key in ("id", "aircraft", "sorties", "personnel", "vehicles", "first_drop", "last_drop",
                "assembled"):  # fmt: skip
        assert all(key in d for d in drops)
    # One timeline from the first train to the last paratrooper.
    phases = summary["phases"]
    assert [p["id"] for p in phases] == [
        "deployment", "preparation", "liberation", "airborne_assault",
    ]  # fmt: skip
    for phase in phases:
        for key in ("id", "start", "end", "duration_h", "tasks"):
            assert key in phase
        for task in phase["tasks"]:
            for key in ("id", "start", "end", "duration_h", "critical"):
                assert key in task
    assert phases[0]["start"].startswith("2007-07-19T")  # the first train, 19 July


def test_the_critical_path_runs_through_the_storm_not_the_deployment(flagship: Result) -> None:
    from simulator.analysis.summary import summarize

    summary = summarize(flagship)
    critical = summary["critical_path"]
    assert {"storm_buildings", "assault_leader", "arrests"} <= set(critical)
    assert not [t for t in critical if t.startswith("deploy:")]
    deployment = summary["phases"][0]["tasks"]
    assert min(t["slack_h"] for t in deployment) > 24  # closed with days in hand


def test_every_nation_closes_with_its_last_unit(flagship: Result) -> None:
    from simulator.analysis.tables import closure_rows

    units = unit_rows(flagship)
    for row in closure_rows(flagship):
        arrivals = [u["arrive"] for u in units if row["nation"] in ("all", u["nation"])]
        assert row["t100"] == max(arrivals), row["nation"]
        assert row["t100"] >= row["by"]["personnel"]["t100"]


def test_trains_leave_each_shared_line_in_the_order_they_entered(flagship: Result) -> None:
    """No train reaches the end of a line with a capacity before one that entered it earlier."""
    lines = {link.id: link for link in flagship.scenario.links if link.trains_per_day}
    assert "rail_turpan_hami" in lines
    entered: dict[tuple[str, str], list[str]] = {}
    left: dict[tuple[str, str], list[str]] = {}
    for e in flagship.events:
        if e.kind == "enter_line":
            entered.setdefault((e.detail["link"], e.place), []).append(e.entity)
        elif e.kind == "leave_line":
            link = lines[e.detail["link"]]
            entry = link.a if e.place == link.b else link.b
            left.setdefault((e.detail["link"], entry), []).append(e.entity)
    assert ("rail_turpan_hami", "turpan") in entered
    assert left == entered


def _approved_at(tmp_path: Path, at: str) -> Result:
    """The flagship with Kazakh rail transit and six Dostyk train sets from ``at``."""
    variant = tmp_path / "approval.yaml"
    variant.write_text(
        f"format: 1\nextends: {SCENARIOS / 'peace_mission_2007.yaml'}\nname: approval\n"
        "add:\n  injects:\n"
        f"    - {{id: open, kind: policy, at: {at}, country: KZ, mode: rail, policy: allow}}\n"
        f"    - {{id: sets, kind: reinforce, at: {at}, fleet: kz_trains_dostyk, count: 6}}\n"
    )
    return run_replication(load_scenario(variant).scenario, 0)


def test_approval_in_ten_days_reroutes_trains_under_way(tmp_path: Path) -> None:
    """The decision's third option, as injects: the trains on the Chinese lines re-plan.

    Ten days after the start (25 Jul) the echelons are in Manchuria, past the point
    where turning back for the corridor through Kazakhstan would be faster: they re-plan
    and keep to Manzhouli. Approval on 21 Jul, while they are near Lanzhou, turns
    them back through Dostyk.
    """
    result = _approved_at(tmp_path, "2007-07-25T00:00:00Z")
    replans = [e for e in result.events if e.kind == "replan"]
    assert {e.entity.split("#")[0] for e in replans} == set(RAIL_UNITS)
    countries = {n.id: n.country for n in result.scenario.nodes}
    assert all(countries[e.place] == "CN" for e in replans)
    assert all("manzhouli" in e.detail["route"] for e in replans)
    rows = {r["id"]: r for r in unit_rows(result)}
    assert all(rows[u]["replans"] >= 1 for u in RAIL_UNITS)
    early = _approved_at(tmp_path, "2007-07-21T00:00:00Z")
    turned = [e for e in early.events if e.kind == "replan" and "dostyk" in e.detail["route"]]
    assert {e.entity.split("#")[0] for e in turned} == set(RAIL_UNITS)
