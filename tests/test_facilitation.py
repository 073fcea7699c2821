"""The session engine: the picture, stops, decisions, what they change, undo, replay, debrief.

The tiny scenario is ``one-train``: ready 06:00, 2 h to load, 600 km at
50 km/h (12 h), 1 h to unload: departs 08:00, reaches the camp at 20:00,
closes at 21:00, the train home at 33:00.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.facilitation import Session, parse_change
from simulator.facilitation.debrief import debrief
from simulator.facilitation.delta import delta
from simulator.facilitation.log import Record
from simulator.facilitation.picture import Legs, load_position, picture
from simulator.facilitation.places import Places
from simulator.model.records import Event
from simulator.scenario.errors import ScenarioError
from simulator.scenario.models import Scenario

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"

STRIKE = {
    "id": "strike_threat",
    "kind": "decision",
    "at": "2030-01-01T04:00:00Z",
    "decision": {
        "prompt": "A strike?",
        "default": "go",
        "options": [
            {"id": "go", "label": "Go"},
            {"id": "wait", "label": "Wait",
             "changes": [{"kind": "hold", "node": "depot", "duration_h": 5, "cause": "strike"}]},
        ],
    },
}  # fmt: skip


def tiny(**changes: Any) -> Scenario:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["injects"] = [STRIKE]
    for key, value in changes.items():
        data[key] = value
    return Scenario.model_validate(data)


def load_of(session: Session, now: float) -> dict[str, Any]:
    (load,) = session.state(at=now)["loads"]
    return load


# ---------------------------------------------------------------- the picture
def test_a_load_moves_along_its_leg_at_the_speed_of_its_train() -> None:
    session = Session(tiny())
    assert load_of(session, 1.0)["state"] == "not_ready"
    assert load_of(session, 7.0) == {"id": "battalion#1", "unit": "battalion", "nation": "A",
                                     "state": "waiting", "node": "depot", "from": None,
                                     "to": None, "cause": None}  # fmt: skip
    at_14 = load_of(session, 14.0)  # 6 of the 12 hours: half way, 300 of 600 km
    assert (at_14["state"], at_14["from"], at_14["to"], at_14["leg"]) == (
        "moving",
        "depot",
        "camp",
        "main_line",
    )
    assert (at_14["progress"], at_14["km"]) == (0.5, 300.0)
    assert load_of(session, 11.0)["km"] == 150.0
    assert load_of(session, 20.5)["state"] == "at"  # reached, unloading (no ramp limit)
    assert load_of(session, 21.0)["state"] == "closed"


def test_a_wait_on_the_way_stops_the_progress() -> None:
    events = [
        Event(0.0, "x#1", "leave", "a"),
        Event(12.0, "x#1", "wait", "b", {"cause": "breakdown", "start": 8.0, "hours": 4.0}),
        Event(14.0, "x#1", "reach", "b"),
    ]
    scenario = tiny()
    legs = Legs(scenario)
    legs._links["a", "b"] = ("ab", 1000.0)
    # 10 hours of moving for 1000 km; 4 hours held from hour 8.
    assert load_position(events, 5.0, 0.0, "a", legs)["km"] == 500.0
    held = load_position(events, 10.0, 0.0, "a", legs)
    assert (held["state"], held["cause"], held["km"]) == ("waiting", "breakdown", 800.0)
    assert load_position(events, 13.0, 0.0, "a", legs)["km"] == 900.0


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0.0, max_value=40.0))
def test_progress_never_runs_back(now: float) -> None:
    session = Session(tiny())
    earlier, later = load_of(session, now), load_of(session, now + 0.5)
    order = ["not_ready", "waiting", "moving", "at", "closed"]
    assert order.index(earlier["state"]) <= order.index(later["state"])
    if earlier["state"] == later["state"] == "moving":
        assert earlier["progress"] <= later["progress"] <= 1.0


def test_closure_counts_what_has_arrived_by_then() -> None:
    session = Session(tiny())
    before, after = session.state(at=20.9)["closure"], session.state(at=21.0)["closure"]
    assert before[0] == {"nation": "A", "personnel": [0, 350], "vehicles": [0, 40],
                         "tonnes": [0, 400]}  # fmt: skip
    assert after[1] == {"nation": "all", "personnel": [350, 350], "vehicles": [40, 40],
                        "tonnes": [400, 400]}  # fmt: skip


def test_milestone_states_over_time() -> None:
    session = Session(tiny())
    states = [session.state(at=t)["milestones"][0]["state"] for t in (1.0, 21.0)]
    assert states == ["on track", "done"]
    session.advance()  # 00:00
    session.advance()  # 04:00, the decision
    session.choose("strike_threat", "wait")  # closes at 22:00, an hour after the record
    states = [session.state(at=t)["milestones"][0]["state"] for t in (5.0, 21.5, 22.0)]
    assert states == ["at risk", "missed", "done"]


def test_transit_denied_now_follows_the_policy_injects() -> None:
    closed_to_a = {"rail": {"policy": "deny", "nations": ["A"]}}
    countries = [{"id": "A"}, {"id": "B", "transit": closed_to_a}]
    opening = {"id": "open", "kind": "policy", "at": "2030-01-01T10:00:00Z", "country": "B",
               "mode": "rail", "policy": "allow"}  # fmt: skip
    scenario = tiny(countries=countries, injects=[opening])
    session = Session(scenario)
    assert session.state(at=9.0)["denied"] == [{"country": "B", "mode": "rail", "nations": ["A"]}]
    assert session.state(at=10.0)["denied"] == []


def test_the_picture_is_plain_json() -> None:
    session = Session(tiny())
    session.advance(14.0)
    text = json.dumps(session.state(), allow_nan=False)
    assert json.loads(text)["time_h"] == 4.0  # stopped at the decision on the way
    assert json.loads(text)["pending"][0]["options"][1] == {"id": "wait", "label": "Wait"}


# ---------------------------------------------------------------- local time
def test_local_time_is_the_nodes_else_the_countrys() -> None:
    countries = [{"id": "A", "utc_offset_h": 2}]
    nodes = [
        {"id": "depot", "country": "A", "lat": 50.0, "lon": 10.0, "utc_offset_h": 5.5},
        {"id": "camp", "country": "A", "lat": 50.0, "lon": 18.0},
    ]
    places = Places(tiny(countries=countries, nodes=nodes))
    assert places.when(6.0, "depot") == "2030-01-01 06:00 UTC (01 Jan 11:30 local, UTC+5:30)"
    assert places.when(23.0, "camp") == "2030-01-01 23:00 UTC (02 Jan 01:00 local, UTC+2)"
    assert Places(tiny()).when(6.0, "depot") == "2030-01-01 06:00 UTC"


@pytest.mark.parametrize("offset", [-12.5, 14.5, 99])
def test_an_offset_outside_the_zones_is_refused(offset: float) -> None:
    with pytest.raises(ValueError, match="utc_offset_h"):
        tiny(countries=[{"id": "A", "utc_offset_h": offset}])


# ---------------------------------------------------------------- stops
def test_days_with_the_same_picture_are_skipped() -> None:
    # Ready on 3 January 06:00: nothing changes on 1 and 2 January.
    forces = yaml.safe_load(EXAMPLE.read_text())["forces"]
    forces[0]["ready"] = "2030-01-03T06:00:00Z"
    session = Session(tiny(forces=forces, injects=[], milestones=[]))
    # 54 h ready, 56 depart, 68 reach, 69 closed, 81 the train home.
    assert session.stops() == [0.0, 72.0, 81.0]


def test_advance_stops_at_a_decision_on_the_way() -> None:
    session = Session(tiny())
    assert session.advance(20.0) == 4.0
    with pytest.raises(ScenarioError, match="decide 'strike_threat' first"):
        session.advance()
    session.choose("strike_threat", "go")
    assert session.advance("closed") == 21.0  # to a milestone, by id
    assert session.advance(10.0) == 21.0  # never back
    with pytest.raises(ScenarioError, match=r"no inject or milestone 'closd'.*closed"):
        session.advance("closd")


def test_a_decision_is_taken_at_its_own_time_once() -> None:
    session = Session(tiny())
    with pytest.raises(ScenarioError, match="decided at 2030-01-01T04:00Z, not now"):
        session.choose("strike_threat", "go")
    session.advance()
    session.advance()
    with pytest.raises(ScenarioError, match="no option 'run'"):
        session.choose("strike_threat", "run")
    session.choose("strike_threat", "go")
    with pytest.raises(ScenarioError, match="already decided"):
        session.choose("strike_threat", "wait")


# ---------------------------------------------------------------- what changed
def test_delta_of_a_hold_is_hand_computable() -> None:
    session = Session(tiny())
    session.advance(4.0)
    change = session.choose("strike_threat", "wait")
    (ms,) = change["milestones"]
    assert ms == {"id": "closed", "before": 21.0, "after": 22.0, "moved_h": 1.0,
                  "state_before": "on track", "state_after": "at risk"}  # fmt: skip
    assert change["closure"][0]["t100"] == {"before": 21.0, "after": 22.0, "moved_h": 1.0}
    assert change["waits"] == [{"place": "depot", "cause": "strike", "before_load_h": 0.0,
                                "after_load_h": 1.0, "units": ["battalion"]}]  # fmt: skip
    assert change["routes"] == []


def test_delta_of_nothing_is_empty() -> None:
    session = Session(tiny())
    result = session.result()
    empty = delta(result, result, 0.0, session.places)
    assert empty == {"time_h": 0.0, "milestones": [], "closure": [], "routes": [], "waits": []}


def test_a_change_with_a_cause_of_several_words() -> None:
    change = parse_change("hold  zabaykalsk 48 customs   dispute")
    assert (change.node, change.duration_h, change.cause) == ("zabaykalsk", 48.0, "customs dispute")
    assert parse_change("policy KZ rail allow CN").nations == ["CN"]
    with pytest.raises(ScenarioError, match="not a finite number"):
        parse_change("hold depot inf")


def test_typed_changes_go_through_the_scenario_models() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_change("reinforce trains 0")
    (problem,) = caught.value.problems
    assert problem.message == "'reinforce trains 0': count: Input should be greater than 0 (got 0)"


# ---------------------------------------------------------------- undo and replay
def test_undo_goes_back_to_the_decision_and_asks_it_again() -> None:
    session = Session(tiny())
    base = session.result().events
    session.advance(4.0)
    session.choose("strike_threat", "wait")
    session.advance(15.0)
    change = session.undo()
    assert session.now == 4.0 and [i for i, _ in session.pending()] == ["strike_threat"]
    assert change["milestones"][0]["moved_h"] == -1.0
    assert session.result().events == base
    assert [r.kind for r in session.records] == ["decision", "undo"]
    with pytest.raises(ScenarioError, match="nothing to undo"):
        session.undo()


def test_undo_then_replay_equals_the_session() -> None:
    session = Session(tiny(), seed=3)
    session.advance(4.0)
    session.choose("strike_threat", "wait")
    session.change("hold camp 2 fog")
    session.note("the room hesitates")
    session.undo()
    session.undo()
    session.choose("strike_threat", "go")
    session.advance(12.0)
    session.change("reinforce trains 1")
    session.finish()
    again = Session(tiny(), seed=3)
    again.replay(session.records, "log")
    assert again.records == session.records
    assert again.in_force() == session.in_force()
    assert again.result().events == session.result().events


def test_replay_checks_each_record_against_the_scenario() -> None:
    bad = [
        Record("decision", 5.0, decision="strike_threat", option="go"),
        Record("decision", 4.0, decision="strike", option="go"),
        Record("decision", 4.0, decision="strike_threat", option="run"),
        Record("undo", 4.0),
        Record("change", 4.0, change="hold nowhere 2"),
    ]
    with pytest.raises(ScenarioError) as caught:
        Session(tiny()).replay(bad, "log")
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (2, "'strike_threat' is decided at 2030-01-01T04:00Z, not now"),
        (3, "no decision 'strike' (decisions: strike_threat)"),
        (4, "no option 'run' (options: go, wait)"),
        (5, "undoes nothing taken at that time"),
        (6, "unknown node 'nowhere' (known: camp, depot)"),
    ]


def test_replay_refuses_a_decision_taken_twice_or_back_in_time() -> None:
    twice = [Record("decision", 4.0, decision="strike_threat", option="go")] * 2
    with pytest.raises(ScenarioError, match="already decided"):
        Session(tiny()).replay(twice, "log")
    back = [
        Record("change", 10.0, change="hold camp 1"),
        Record("change", 9.0, change="hold camp 1"),
    ]
    with pytest.raises(ScenarioError, match="before the last decision in force"):
        Session(tiny()).replay(back, "log")


def test_finish_takes_the_defaults() -> None:
    session = Session(tiny())
    session.finish()
    assert [(r.decision, r.option) for r in session.records] == [("strike_threat", "go")]
    assert session.now == session.end_h() == 33.0


# ---------------------------------------------------------------- debrief
def test_debrief_lists_the_decisions_and_compares_with_no_decision() -> None:
    session = Session(tiny())
    session.advance(4.0)
    session.choose("strike_threat", "wait")
    session.note("why?")
    session.change("hold camp 1")
    session.undo()
    session.finish()
    data = debrief(session)
    assert [(r["kind"], r["undone"]) for r in data["records"]] == [
        ("decision", False), ("note", False), ("change", True), ("undo", False)]  # fmt: skip
    assert data["records"][0]["label"] == "Wait"
    (ms,) = data["against_baseline"]["milestones"]
    assert (ms["a"], ms["b"], ms["delta_h"]) == ("2030-01-01T21:00Z", "2030-01-01T22:00Z", 1.0)
    (record,) = data["milestones"]
    assert (record["simulated"], record["within_window"], record["delta_h"]) == (22.0, False, 1.0)
    assert math.isfinite(json.loads(json.dumps(data))["milestones"][0]["delta_h"])


def test_the_picture_of_the_flagship_on_the_day_the_trains_leave() -> None:
    from simulator.loading import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "peace_mission_2007.yaml").scenario
    session = Session(scenario)
    shown = picture(session.result(), 24.0 * 5, session.legs)
    states = {ld["state"] for ld in shown["loads"] if ld["unit"] == "pla_rail_echelon_1"}
    assert states == {"moving"}
    assert all(0 < ld["progress"] < 1 for ld in shown["loads"] if ld["state"] == "moving")


def test_a_milestone_is_shown_in_the_local_time_of_its_place() -> None:
    milestones = [
        {"id": "off", "measure": {"event": "depart"}, "observed": "2030-01-01T08:00:00Z"},
        {"id": "in", "measure": {"event": "arrive"}, "observed": "2030-01-01T21:00:00Z"},
        {"id": "half", "measure": {"event": "reach", "at": "camp"}, "observed": "2030-01-01"},
    ]
    places = Places(tiny(milestones=milestones))
    assert [places.milestone_place(m) for m in places.scenario.milestones] == [
        "depot",
        "camp",
        "camp",
    ]
