"""The scalar outputs of one run, read off its records without the full tables.

Replications and sweeps keep a few dozen numbers of each run (see
``experiment.replicate.outputs``): per milestone its simulated instant and
whether it fell within the observed window, per unit its closure, per nation
(and all) the closure of its whole force, per phase its end. Those are the
same values as the tables' (``milestone_rows``, ``unit_rows``,
``closure_rows``, ``phase_rows``), computed by the same functions where one
exists, without building every row of every table.
"""

from __future__ import annotations

from simulator.analysis.closure import Arrival, add, time_to_share, unit_totals
from simulator.analysis.tables import Index, measure_time, window_delta_h
from simulator.analysis.timeline import DEPLOYMENT
from simulator.model.records import Event
from simulator.model.world import Result

Outputs = dict[str, float | None]


def _first(events: list[Event], kind: str) -> Event | None:
    return next((e for e in events if e.kind == kind), None)


def _last(times: list[float | None]) -> float | None:
    """The latest of ``times``, or None if any is missing (not done, not closed)."""
    present = [t for t in times if t is not None]
    return max(present) if len(present) == len(times) else None


def scalar_outputs(result: Result) -> Outputs:
    """``milestone:<id>``, ``within:<id>`` (0 or 1), ``unit:<id>``, ``closure:<nation>``
    (and ``closure:all``) and ``phase:<id>`` of one run, in simulated hours."""
    scenario = result.scenario
    index = Index.of(result)
    out: Outputs = {}
    for ms in scenario.milestones:
        simulated = measure_time(result, ms.measure, index)
        inside = simulated is not None and window_delta_h(simulated, ms.observed, scenario)[1]
        out[f"milestone:{ms.id}"] = simulated
        out[f"within:{ms.id}"] = 1.0 if inside else 0.0
    arrivals: dict[str, list[Arrival]] = {}
    closed: dict[str, float | None] = {}
    for unit in scenario.forces:
        loads = result.loads.get(unit.id, ())
        mine: list[Arrival] = []
        for ld in loads:
            arrive = _first(index.by_load.get(ld.id, []), "arrive")
            if arrive is not None:
                mine.append((arrive.time, (ld.personnel, ld.vehicle_count, ld.tonnes)))
        arrivals[unit.id] = mine
        complete = bool(loads) and len(mine) == len(loads)
        closed[unit.id] = _last([t for t, _ in mine]) if complete else None
        out[f"unit:{unit.id}"] = closed[unit.id]
    nations = list(dict.fromkeys(u.nation for u in scenario.forces))
    for key in [*nations, "all"]:
        units = [u for u in scenario.forces if key in ("all", u.nation)]
        series = sorted((a for u in units for a in arrivals[u.id]), key=lambda arrival: arrival[0])
        out[f"closure:{key}"] = time_to_share(series, add(map(unit_totals, units)), 1.0)
    if scenario.forces:
        out[f"phase:{DEPLOYMENT}"] = _last(list(closed.values()))
    done: dict[str, float] = {}
    for event in result.events:
        if event.kind == "task" and event.entity.startswith("task:"):
            done[event.entity[5:]] = event.time  # the last record of a task, as the timeline
    for phase in scenario.operations.phases:
        if phase.tasks:
            out[f"phase:{phase.id}"] = _last([done.get(t.id) for t in phase.tasks])
    return out
