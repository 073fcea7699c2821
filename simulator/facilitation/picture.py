"""The picture at one moment: where every load is, milestones, closure, closed borders.

A run is computed to its end; the picture at hour ``t`` reads off its records
what was true at ``t``. It is plain data (JSON-serialisable, times in
simulated hours), so a terminal, a web page or a test can each show it in
their own way.

Where a load is, from its records (see :mod:`simulator.model.records`):

* ``not_ready``: before its unit's ready time, at its origin;
* ``moving``: between leaving node A (``leave``, or flying over it) and
  reaching the next node B (``reach`` or ``overfly``). ``progress`` is the
  share of the leg's moving time gone by (a wait on the way, such as a
  breakdown, stops it), and ``km`` that share of the leg's length;
* ``waiting``: a recorded wait covers ``t`` (``cause`` says why), or the load
  is at its origin, ready, and not yet gone (``cause`` is ``None``);
* ``busy``: at a node, loading or unloading, transshipping, on the ground,
  refuelling or at the border;
* ``at``: at a node on its route, between reaching it and leaving it;
* ``closed``: unloaded at its destination; ``stranded``: it found no way on.

A milestone's state at ``t`` is ``done`` if the run reached it by ``t``,
``missed`` if not and its observed window closed before ``t``, else ``on
track`` if the run reaches it inside its window and ``at risk`` if outside it
or never.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.analysis.closure import add, unit_totals
from simulator.analysis.tables import Index, arrivals_of, milestone_rows, unit_rows
from simulator.analysis.timeline import phase_rows
from simulator.model.injects import TransitPolicy
from simulator.model.network import Network, great_circle_km
from simulator.model.records import Event
from simulator.model.world import Result
from simulator.scenario.models import MODES, Scenario

ACTIVITIES = {
    "ramp": "loading or unloading",
    "transfer": "transshipping",
    "parking": "on the ground",
}
"""What a load occupying a node resource is doing."""

MILESTONE_STATES = ("done", "on track", "at risk", "missed")


def _covering(events: Sequence[Event], now: float) -> dict[str, Any] | None:
    """The wait or activity of a load under way at ``now``, if any."""
    for e in events:
        if e.kind == "wait" and e.detail["start"] <= now < e.time:
            return {"state": "waiting", "node": e.place, "cause": e.detail["cause"]}
    for e in events:
        if e.kind == "occupy" and e.detail["start"] <= now < e.time:
            resource = e.detail["resource"]
            return {"state": "busy", "node": e.place, "cause": ACTIVITIES.get(resource, resource)}
        if e.kind in ("border", "stop") and e.time - e.detail["hours"] <= now < e.time:
            cause = "border formalities" if e.kind == "border" else "refuelling"
            return {"state": "busy", "node": e.place, "cause": cause}
    return None


class Legs:
    """Lengths of the legs loads move along, from the scenario's links."""

    def __init__(self, scenario: Scenario) -> None:
        self._nodes = {n.id: n for n in scenario.nodes}
        network = Network(scenario)
        self._links: dict[tuple[str, str], tuple[str, float]] = {}
        for link in scenario.links:
            for ends in ((link.a, link.b), (link.b, link.a)):
                self._links.setdefault(ends, (link.id, network.link_km(link)))

    def between(self, a: str, b: str) -> tuple[str | None, float]:
        """The link id from ``a`` to ``b`` (``None`` if flown direct) and its length in km."""
        if (a, b) in self._links:
            return self._links[a, b]
        na, nb = self._nodes[a], self._nodes[b]
        return None, great_circle_km(na.lat, na.lon, nb.lat, nb.lon)


def load_position(
    events: Sequence[Event], now: float, ready_h: float, origin: str, legs: Legs
) -> dict[str, Any]:
    """Where one load is at ``now`` and what it is doing (see the module docstring)."""
    where: dict[str, Any] = {"state": "", "node": None, "from": None, "to": None, "cause": None}
    past = [e for e in events if e.time <= now]
    arrived = next((e for e in past if e.kind == "arrive"), None)
    stranded = next((e for e in past if e.kind == "stranded"), None)
    if arrived is not None:
        return {**where, "state": "closed", "node": arrived.place}
    if stranded is not None:
        return {**where, "state": "stranded", "node": stranded.place,
                "cause": str(stranded.detail.get("reason"))}  # fmt: skip
    if now < ready_h:
        return {**where, "state": "not_ready", "node": origin}
    passing = ("leave", "overfly")
    last = next((e for e in reversed(past) if e.kind in (*passing, "reach")), None)
    covering = _covering(events, now)
    ahead = next((e for e in events if e.time > now and e.kind in ("reach", "overfly")), None)
    if last is not None and last.kind in passing and ahead is not None:
        link, km = legs.between(last.place, ahead.place)
        stopped = sum(
            min(e.time, ahead.time) - max(e.detail["start"], last.time)
            for e in events
            if e.kind == "wait" and e.detail["start"] < ahead.time and e.time > last.time
        )
        moving_h = ahead.time - last.time - stopped
        gone = (
            now
            - last.time
            - sum(
                min(e.time, now) - max(e.detail["start"], last.time)
                for e in events
                if e.kind == "wait" and e.detail["start"] < now and e.time > last.time
            )
        )
        progress = 1.0 if moving_h <= 0 else min(1.0, max(0.0, gone / moving_h))
        leg = {"from": last.place, "to": ahead.place, "leg": link,
               "progress": round(progress, 6), "km": round(progress * km, 3)}  # fmt: skip
        if covering is not None and covering["state"] == "waiting":
            return {**where, **leg, "state": "waiting", "cause": covering["cause"]}
        return {**where, **leg, "state": "moving"}
    if covering is not None:
        return {**where, **covering}
    if last is None:
        return {**where, "state": "waiting", "node": origin}
    return {**where, "state": "at", "node": last.place}


def milestone_state(row: dict[str, Any], now: float) -> str:
    """One of :data:`MILESTONE_STATES` for a row of ``milestone_rows`` at ``now``."""
    simulated, latest = row["simulated"], row["observed"]["latest"]
    if simulated is not None and simulated <= now:
        return "done"
    if latest is not None and latest < now:
        return "missed"
    return "on track" if simulated is not None and row["within_window"] else "at risk"


def denied_transit(scenario: Scenario, now: float) -> list[dict[str, Any]]:
    """Per country and mode, the foreign nations of the forces it refuses passage at ``now``."""
    from simulator.model.clock import Clock

    policy = TransitPolicy(scenario, Clock(scenario.clock.start, scenario.clock.d_day))
    nations = list(dict.fromkeys(u.nation for u in scenario.forces))
    out = []
    for country in scenario.countries:
        for mode in MODES:
            refused = [
                n
                for n in nations
                if n != country.id and not policy.allows(country.id, mode, n, now)
            ]
            if refused:
                out.append({"country": country.id, "mode": mode, "nations": refused})
    return out


def task_rows(result: Result, now: float, index: Index) -> list[dict[str, Any]]:
    """Each operations task at ``now``: ``done``, ``under way``, ``ahead`` or ``not started``.

    A task is ``not started`` when the run never starts it; ``ahead`` when it
    starts after ``now``.
    """
    rows = []
    for phase in phase_rows(result, unit_rows(result, index))[1:]:
        for task in phase["tasks"]:
            start, end = task["start"], task["end"]
            if start is None:
                state = "not started"
            elif now < start:
                state = "ahead"
            elif end is None or now < end:
                state = "under way"
            else:
                state = "done"
            rows.append({"id": task["id"], "phase": phase["id"], "state": state,
                         "start": start, "end": end})  # fmt: skip
    return rows


def picture(result: Result, now: float, legs: Legs, index: Index | None = None) -> dict[str, Any]:
    """The whole picture at ``now`` (simulated hours), as plain data.

    Returns:
        ``time_h``; ``loads`` (per load: ``id``, ``unit``, ``nation`` and its
        position, see :func:`load_position`); ``milestones`` (``id``, ``state``,
        ``simulated``, ``observed`` window, ``delta_h``); ``closure`` per nation
        then ``all`` (``personnel``, ``vehicles``, ``tonnes``, each ``[arrived,
        total]``); ``tasks`` (see :func:`task_rows`); ``denied`` (see
        :func:`denied_transit`).
    """
    index = index or Index.of(result)
    scenario = result.scenario
    start = scenario.clock.start
    loads = []
    for unit in scenario.forces:
        ready = (unit.ready - start).total_seconds() / 3600
        for ld in result.loads.get(unit.id, ()):
            events = index.by_load.get(ld.id, [])
            if unit.id in index.stranded and index.stranded[unit.id].time <= now:
                events = [*events, index.stranded[unit.id]]
            position = load_position(events, now, ready, unit.origin, legs)
            loads.append({"id": ld.id, "unit": unit.id, "nation": unit.nation, **position})
        if not result.loads.get(unit.id) and unit.id in index.stranded:
            stranded = index.stranded[unit.id]
            if stranded.time <= now:
                loads.append({"id": unit.id, "unit": unit.id, "nation": unit.nation,
                              "state": "stranded", "node": stranded.place, "from": None,
                              "to": None, "cause": str(stranded.detail.get("reason"))})  # fmt: skip
    milestones = [
        {
            "id": row["id"],
            "state": milestone_state(row, now),
            "simulated": row["simulated"],
            "observed": row["observed"],
            "delta_h": row["delta_h"],
        }
        for row in milestone_rows(result, index)
    ]
    nations = list(dict.fromkeys(u.nation for u in scenario.forces))
    closure = []
    for key in [*nations, "all"]:
        units = [u for u in scenario.forces if key in ("all", u.nation)]
        totals = add(map(unit_totals, units))
        done = add(amounts for t, amounts in arrivals_of(result, index, units) if t <= now)
        closure.append(
            {
                "nation": key,
                **{
                    name: [round(done[k], 6), round(totals[k], 6)]
                    for k, name in enumerate(("personnel", "vehicles", "tonnes"))
                },
            }
        )
    return {
        "time_h": now,
        "loads": loads,
        "milestones": milestones,
        "closure": closure,
        "tasks": task_rows(result, now, index),
        "denied": denied_transit(scenario, now),
    }
