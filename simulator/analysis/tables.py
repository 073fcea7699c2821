"""Tables computed from a run's event log: units, closure, assets, bottlenecks,
milestones and shortfalls.

Every function here is a pure function of a ``Result``: the records and the
scenario they came from. Times stay in simulated hours; ``summary`` turns them
into ISO UTC text and D+days for output.

Definitions used throughout:

* A unit *departs* when its first load leaves its origin and *arrives*
  (closes) when its last load has been unloaded at its destination.
* A nation (or all) has *closed* a share of its force when that share of its
  people, of its vehicles and of its tonnes have all arrived
  (:mod:`simulator.analysis.closure`).
* A unit's *waits* are those of its closing load (the last to arrive), by
  cause: they explain why the unit closed when it did. ``wait_load_h`` adds
  up the waits of all its loads (load-hours).
* *Utilisation* is a time-weighted share: hours busy divided by (number of
  carriers, or places, times the horizon), the horizon running from the clock
  start to the end of the run: its last event, never before the last carrier is
  ready again at its base after its turnaround.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from simulator.analysis.closure import Arrival, add, closure, time_to_share, unit_totals
from simulator.model.records import Event
from simulator.model.world import Result
from simulator.scenario.models import Measure, Node, Scenario, Unit, Window


@dataclass(frozen=True)
class Index:
    """The event log regrouped for the tables."""

    by_load: dict[str, list[Event]]
    unit_of_load: dict[str, str]
    waits: list[Event]
    plans: dict[str, Event]
    stranded: dict[str, Event]
    trips: list[Event]
    occupancy: list[Event]
    joined: dict[str, list[float]]
    """Fleet id -> when each of its reinforcing carriers joined."""
    tasks: dict[str, Event]
    """Task entity (``task:<id>``) -> its first ``task`` record."""

    @classmethod
    def of(cls, result: Result) -> Index:
        unit_of_load = {load.id: unit for unit, loads in result.loads.items() for load in loads}
        of_load: dict[str, list[Event]] = {load: [] for load in unit_of_load}
        waits, trips, occupancy = [], [], []
        plans, stranded = {}, {}
        joined: dict[str, list[float]] = defaultdict(list)
        tasks: dict[str, Event] = {}
        for event in result.events:
            kind = event.kind
            mine = of_load.get(event.entity)
            if mine is not None:
                mine.append(event)
            if kind == "wait":
                waits.append(event)
            elif kind == "occupy":
                occupancy.append(event)
            elif kind == "trip":
                trips.append(event)
            elif kind == "plan":
                plans[event.entity] = event
            elif kind == "stranded":
                stranded[event.entity] = event
            elif kind == "joined":
                joined[event.detail["fleet"]].append(event.time)
            elif kind == "task":
                tasks.setdefault(event.entity, event)
        by_load = {load: events for load, events in of_load.items() if events}
        return cls(
            by_load, unit_of_load, waits, plans, stranded, trips, occupancy, dict(joined),
            tasks,
        )  # fmt: skip


def _first(events: Iterable[Event], kind: str) -> Event | None:
    return next((e for e in events if e.kind == kind), None)


def last_arrival_h(result: Result) -> float | None:
    """Simulated hours of the last arrival, if anything arrived."""
    return max((e.time for e in result.events if e.kind == "arrive"), default=None)


def horizon_h(result: Result) -> float:
    """Hours from the clock start to the end of the run, carriers home (at least 1)."""
    return max(1.0, result.end_h)


def unit_rows(result: Result, index: Index | None = None) -> list[dict[str, Any]]:
    """One row per unit, in scenario order (times in simulated hours)."""
    index = index or Index.of(result)
    clock_start = result.scenario.clock.start
    rows = []
    for unit in result.scenario.forces:
        loads = result.loads.get(unit.id, ())
        departs = [e for ld in loads if (e := _first(index.by_load.get(ld.id, []), "depart"))]
        arrivals = [
            (e, ld.id) for ld in loads if (e := _first(index.by_load.get(ld.id, []), "arrive"))
        ]
        complete = bool(loads) and len(arrivals) == len(loads)
        depart = min((e.time for e in departs), default=None)
        arrive = max((e.time for e, _ in arrivals), default=None) if complete else None
        closing = max(arrivals, key=lambda pair: pair[0].time)[1] if complete else None
        waits_closing: dict[str, float] = defaultdict(float)
        wait_total = 0.0
        replans = 0
        for ld in loads:
            for e in index.by_load.get(ld.id, []):
                replans += e.kind == "replan"
                if e.kind == "wait":
                    wait_total += e.detail["hours"]
                    if ld.id == closing:
                        waits_closing[e.detail["cause"]] += e.detail["hours"]
        plan = index.plans.get(unit.id)
        route = _route_taken(index.by_load.get(loads[0].id, [])) if loads else []
        transfers = _transfers(index, loads)
        ready = (unit.ready - clock_start).total_seconds() / 3600
        required = required_h(unit, clock_start)
        rows.append(
            {
                "id": unit.id,
                "name": unit.name,
                "nation": unit.nation,
                "mode": unit.mode,
                "personnel": unit.personnel,
                "vehicles": sum(ld.vehicle_count for ld in loads),
                "tonnes": round(sum((ld.tonnes for ld in loads), 0.0), 6),
                "loads": len(loads),
                "origin": unit.origin,
                "destination": unit.destination,
                "ready": ready,
                "depart": depart,
                "arrive": arrive,
                "transit_h": None if arrive is None or depart is None else arrive - depart,
                "route": route or (list(plan.detail["route"]) if plan else []),
                "km": plan.detail["km"] if plan else None,
                "transfers": transfers,
                "waits": {k: waits_closing[k] for k in sorted(waits_closing)},
                "wait_load_h": wait_total,
                "replans": replans,
                "required_by": required,
                "status": _status(unit, index, complete, loads),
            }
        )
    return rows


def required_h(unit: Unit, clock_start: dt.datetime) -> float | None:
    """Simulated hours of a unit's ``required_by``, if it has one."""
    if unit.required_by is None:
        return None
    return (unit.required_by - clock_start).total_seconds() / 3600


def is_late(arrive: float | None, required: float) -> bool:
    """Whether a unit needed at ``required`` closed after it, or never closed."""
    return arrive is None or arrive > required


def _status(unit: Unit, index: Index, complete: bool, loads: Iterable[Any]) -> str:
    for entity in (unit.id, *(ld.id for ld in loads)):
        if entity in index.stranded:
            return "stranded: " + str(index.stranded[entity].detail["reason"])
    return "closed" if complete else "not closed"


def _route_taken(events: list[Event]) -> list[str]:
    route: list[str] = []
    for e in events:
        if e.kind in ("depart", "reach") and (not route or route[-1] != e.place):
            route.append(e.place)
    return route


def _transfers(index: Index, loads: Iterable[Any]) -> list[dict[str, Any]]:
    """Per transfer place: first and last transshipment of the unit's loads."""
    spans: dict[str, list[float]] = {}
    for ld in loads:
        for e in index.by_load.get(ld.id, []):
            if e.kind == "transfer":
                spans.setdefault(e.place, []).append(e.time)
    return [
        {"place": place, "first": min(times), "last": max(times), "loads": len(times)}
        for place, times in spans.items()
    ]


def closure_rows(result: Result, index: Index | None = None) -> list[dict[str, Any]]:
    """When 50, 90 and 100% of every load had closed, per nation and overall.

    See :mod:`simulator.analysis.closure`: the headline times count people,
    vehicles and tonnes alike, so a nation's ``t100`` is its last unit's arrival.
    """
    index = index or Index.of(result)
    forces = result.scenario.forces
    nations = list(dict.fromkeys(u.nation for u in forces))
    rows = []
    for key in [*nations, "all"]:
        units = [u for u in forces if key in ("all", u.nation)]
        row: dict[str, Any] = {"nation": key}
        row.update(closure(arrivals_of(result, index, units), add(map(unit_totals, units))))
        rows.append(row)
    return rows


def arrivals_of(result: Result, index: Index, units: Iterable[Unit]) -> list[Arrival]:
    """Every arrival of a load of ``units``: when, and what it brought."""
    out: list[Arrival] = []
    for unit in units:
        for ld in result.loads.get(unit.id, ()):
            arrive = _first(index.by_load.get(ld.id, []), "arrive")
            if arrive is not None:
                out.append((arrive.time, (ld.personnel, ld.vehicle_count, ld.tonnes)))
    return out


def assets(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(asset, kind, place) of every asset, in the order of the assets table.

    Fleets in scenario order (kind: their transport mode; place: their base), then
    each node's ``ramp``, ``transfer`` and ``parking`` limits that are set (kind: the
    limit; asset ``<node>:<limit>``).
    """
    types = {t.id: t for t in scenario.transport_types}
    out: list[tuple[str, str, str]] = [
        (fleet.id, types[fleet.type].mode, fleet.base) for fleet in scenario.fleets
    ]
    for node in scenario.nodes:
        for what, capacity in limits(node).items():
            if capacity:
                out.append((f"{node.id}:{what}", what, node.id))
    return out


def limits(node: Node) -> dict[str, int | None]:
    """A node's limits on what it holds at once, by asset kind."""
    return {
        "ramp": node.limits.loading_ramps,
        "transfer": node.limits.transfer_capacity,
        "parking": node.limits.parking,
    }


def asset_rows(result: Result, index: Index | None = None) -> list[dict[str, Any]]:
    """Fleets (trips, busy hours, utilisation) then limited places (uses, peak)."""
    index = index or Index.of(result)
    horizon = horizon_h(result)
    types = {t.id: t for t in result.scenario.transport_types}
    rows: list[dict[str, Any]] = []
    # Each fleet's trips and each place's occupations, in the order of the log.
    trips_of: dict[str, list[Event]] = defaultdict(list)
    for e in index.trips:
        trips_of[e.detail["fleet"]].append(e)
    uses_of: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for e in index.occupancy:
        uses_of[e.place, e.detail["resource"]].append(
            (e.detail["start"], e.time, int(e.detail["amount"]))
        )
    for fleet in result.scenario.fleets:
        joined = index.joined.get(fleet.id, [])
        trips = trips_of.get(fleet.id, [])
        busy = sum(e.detail["hours"] for e in trips)
        available = carrier_hours(fleet.count, joined, horizon)
        spans = [(e.detail["start"], e.time) for e in trips]
        window = _active_window(spans)
        active = (
            0.0 if window is None
            else fleet.count * (window[1] - window[0])
            + sum(max(window[1] - max(t, window[0]), 0.0) for t in joined)
        )  # fmt: skip
        rows.append(
            {
                "asset": fleet.id,
                "kind": types[fleet.type].mode,
                "place": fleet.base,
                "capacity": fleet.count + len(joined),
                "uses": len(trips),
                "loads": sum(len(e.detail["loads"]) for e in trips),
                "personnel": sum(e.detail["personnel"] for e in trips),
                "busy_h": busy,
                "utilisation": busy / available if available else 0.0,
                **_active_fields(window, busy, active),
                "peak": peak_use([(e.detail["start"], e.time, 1) for e in trips]),
            }
        )
    for node in result.scenario.nodes:
        for what, capacity in limits(node).items():
            if not capacity:
                continue
            uses = uses_of.get((node.id, what), [])
            busy = sum((end - start) * amount for start, end, amount in uses)
            window = _active_window([(start, end) for start, end, _ in uses])
            active = 0.0 if window is None else capacity * (window[1] - window[0])
            rows.append(
                {
                    "asset": f"{node.id}:{what}",
                    "kind": what,
                    "place": node.id,
                    "capacity": capacity,
                    "uses": len(uses),
                    "loads": None,
                    "personnel": None,
                    "busy_h": busy,
                    "utilisation": busy / (capacity * horizon),
                    **_active_fields(window, busy, active),
                    "peak": peak_use(uses),
                }
            )
    return rows


def carrier_hours(count: int, joined: Iterable[float], horizon: float) -> float:
    """Carrier-hours a fleet had: its ``count`` carriers over the whole horizon, and each
    reinforcement from the moment it ``joined``."""
    return count * horizon + sum(horizon - t for t in joined)


def _active_window(spans: list[tuple[float, float]]) -> tuple[float, float] | None:
    """An asset's active window: from its first use to its last release (None if unused)."""
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def _active_fields(
    window: tuple[float, float] | None, busy: float, available: float
) -> dict[str, Any]:
    """``active_from``, ``active_to`` and the utilisation over that window alone."""
    return {
        "active_from": None if window is None else window[0],
        "active_to": None if window is None else window[1],
        "active_utilisation": busy / available if available > 0 else 0.0,
    }


def peak_use(intervals: list[tuple[float, float, int]]) -> int:
    """Largest amount in use at once over half-open intervals [start, end)."""
    points = sorted(
        [(s, 1, a) for s, e, a in intervals if e > s]
        + [(e, 0, -a) for s, e, a in intervals if e > s]
    )
    level = peak = 0
    for _, _, delta in points:
        level += delta
        peak = max(peak, level)
    return peak


def bottleneck_rows(result: Result, index: Index | None = None) -> list[dict[str, Any]]:
    """Waits grouped by place and cause, largest total first."""
    index = index or Index.of(result)
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in index.waits:
        if e.entity in index.unit_of_load:
            groups[e.place, e.detail["cause"]].append(e)
    rows = []
    for (place, cause), events in groups.items():
        hours = [e.detail["hours"] for e in events]
        units = sorted({index.unit_of_load[e.entity] for e in events})
        rows.append(
            {
                "place": place,
                "cause": cause,
                "waits": len(events),
                "load_h": sum(hours),
                "max_h": max(hours),
                "units": units,
            }
        )
    rows.sort(key=lambda r: (-r["load_h"], r["place"], r["cause"]))
    return rows


def measure_time(result: Result, measure: Measure, index: Index | None = None) -> float | None:
    """The simulated instant (hours) a milestone's measure reads off the run."""
    index = index or Index.of(result)
    if measure.task is not None:
        record = index.tasks.get(f"task:{measure.task}")
        if record is None:
            return None
        return float(record.detail["start"]) if measure.event == "task_start" else record.time
    units = [
        u
        for u in result.scenario.forces
        if (not measure.units or u.id in measure.units)
        and (not measure.nations or u.nation in measure.nations)
    ]
    if measure.event == "closed":
        arrivals = sorted(arrivals_of(result, index, units), key=lambda arrival: arrival[0])
        return time_to_share(arrivals, add(map(unit_totals, units)), measure.share)
    times: list[float] = []
    for unit in units:
        loads = result.loads.get(unit.id, ())
        per_load = []
        for ld in loads:
            events = index.by_load.get(ld.id, [])
            if measure.event == "depart":
                hit = _first(events, "depart")
            elif measure.event == "arrive":
                hit = _first(events, "arrive")
            elif measure.event == "leave":
                # Its last departure from there (a route may pass a node twice).
                hit = next(
                    (e for e in reversed(events) if e.kind == "leave" and e.place == measure.at),
                    None,
                )
            else:
                hit = next(
                    (
                        e
                        for e in events
                        if e.kind in ("reach", "arrive", "depart") and e.place == measure.at
                    ),
                    None,
                )
            if hit is not None:
                per_load.append(hit.time)
        if measure.event == "arrive":
            if per_load and len(per_load) == len(loads):
                times.append(max(per_load))
        elif per_load:
            times.append(min(per_load) if measure.which == "first" else max(per_load))
    if not times:
        return None
    return min(times) if measure.which == "first" else max(times)


def window_delta_h(simulated: float, window: Window, scenario: Scenario) -> tuple[float, bool]:
    """Hours from the observed window to the simulated instant, and whether inside.

    Zero inside the window; negative when earlier than its earliest bound,
    positive when later than its latest bound.
    """
    start = scenario.clock.start
    lo = (window.earliest - start).total_seconds() / 3600 if window.earliest else None
    hi = (window.latest - start).total_seconds() / 3600 if window.latest else None
    if lo is not None and simulated < lo:
        return simulated - lo, False
    if hi is not None and simulated > hi:
        return simulated - hi, False
    return 0.0, True


def milestone_rows(result: Result, index: Index | None = None) -> list[dict[str, Any]]:
    """Each observed milestone against the simulated instant."""
    index = index or Index.of(result)
    rows = []
    start = result.scenario.clock.start
    for ms in result.scenario.milestones:
        simulated = measure_time(result, ms.measure, index)
        delta, inside = (
            (None, False)
            if simulated is None
            else window_delta_h(simulated, ms.observed, result.scenario)
        )
        rows.append(
            {
                "id": ms.id,
                "name": ms.name,
                "simulated": simulated,
                "observed": {
                    "earliest": (ms.observed.earliest - start).total_seconds() / 3600
                    if ms.observed.earliest
                    else None,
                    "latest": (ms.observed.latest - start).total_seconds() / 3600
                    if ms.observed.latest
                    else None,
                },
                "delta_h": delta,
                "within_window": inside,
                "source": ms.source,
            }
        )
    return rows


def shortfall_rows(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units closing after their required time, with the wait that weighed most."""
    rows = []
    for row in units:
        required = row["required_by"]
        if required is None:
            continue
        arrive = row["arrive"]
        if not is_late(arrive, required):
            continue
        waits = row["waits"]
        cause = max(waits, key=lambda k: (waits[k], k)) if waits else None
        rows.append(
            {
                "id": row["id"],
                "nation": row["nation"],
                "required_by": required,
                "arrive": arrive,
                "late_h": None if arrive is None else arrive - required,
                "main_wait": cause,
                "main_wait_h": waits[cause] if cause else 0.0,
            }
        )
    return rows
