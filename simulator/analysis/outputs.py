"""The scalar outputs of one run, read off its records without the full tables.

Replications and sweeps keep a few dozen numbers of each run (see
``experiment.replicate.outputs``): per milestone its simulated instant and
whether it fell within the observed window, per unit its closure, per nation
(and all) the closure of its whole force, per phase its end; then per unit
with a ``required_by`` whether it was late, per asset its utilisation, and
the load-hours of waiting per place and cause with the one that was largest.
Those are the same values as the tables' (``milestone_rows``, ``unit_rows``,
``closure_rows``, ``phase_rows``, ``shortfall_rows``, ``asset_rows``,
``bottleneck_rows``), computed by the same functions where one exists,
without building every row of every table.

Most keys are in every run of a scenario. The waits are not: a run has
``wait:<place>:<cause>`` only where its loads waited for that cause, and
``top:`` only for its largest wait, so a key absent from a run means 0
(:func:`value`).

Asked for (``load_arrivals=True``, as ``tabletop run --replications`` does), a run
also keeps what makes its closure curves: per load that arrived, the instant
(``arrive:<load>``) and what it carried (``load:<load>:personnel``,
``:vehicles``, ``:tonnes``, left out when 0).  A nation's share closed at any time is then
exact (:func:`simulator.analysis.closure.curve` over its loads), four numbers
per load, where the closure times alone give only its end.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.analysis.closure import MEASURES, Arrival, add, time_to_share, unit_totals
from simulator.analysis.tables import (
    Index,
    carrier_hours,
    horizon_h,
    is_late,
    limits,
    measure_time,
    required_h,
    window_delta_h,
)
from simulator.analysis.timeline import DEPLOYMENT
from simulator.model.records import Event
from simulator.model.world import Result

Outputs = dict[str, float | None]

SHARES = ("within:", "late:", "top:")
"""Prefixes of the outputs that are 0 or 1: their statistic is the share of ones."""

SPARSE = ("wait:", "top:", "load:")
"""Prefixes of the outputs a run has only when it waited so (or a load carried some of
a measure): absent means 0."""

RECORDS = ("arrive:", "load:")
"""Prefixes of the outputs kept as a record of each load (with ``load_arrivals``), not
summarised: each replication has its own loads."""


def is_share(key: str) -> bool:
    """Whether output ``key`` is 0 or 1 (summarised as a share with a Wilson interval)."""
    return key.startswith(SHARES)


def is_sparse(key: str) -> bool:
    """Whether output ``key`` is left out of the runs where it is 0 (see :data:`SPARSE`)."""
    return key.startswith(SPARSE)


def is_record(key: str) -> bool:
    """Whether output ``key`` records one load (see :data:`RECORDS`), left out of statistics."""
    return key.startswith(RECORDS)


def value(outputs: Mapping[str, float | None], key: str) -> float | None:
    """Output ``key`` of one run: None if it never happened, 0 for a wait it did not have."""
    return outputs.get(key, 0.0 if is_sparse(key) else None)


def _first(events: list[Event], kind: str) -> Event | None:
    return next((e for e in events if e.kind == kind), None)


def _last(times: list[float | None]) -> float | None:
    """The latest of ``times``, or None if any is missing (not done, not closed)."""
    present = [t for t in times if t is not None]
    return max(present) if len(present) == len(times) else None


def scalar_outputs(result: Result, *, load_arrivals: bool = False) -> Outputs:
    """The outputs of one run; instants in simulated hours.

    ``milestone:<id>``, ``within:<id>`` (0 or 1), ``unit:<id>``, ``closure:<nation>``
    (and ``closure:all``), ``phase:<id>``; then ``late:<unit>`` (0 or 1, for a unit
    with a ``required_by``: 1 if it closed after it or never), ``util:<asset>`` (its
    utilisation, a share), ``wait:<place>:<cause>`` (load-hours of waiting there for
    that cause, where there were any) and ``top:<place>:<cause>`` (1, for the largest
    of those waits, the first row of the bottleneck table).

    With ``load_arrivals``, also ``arrive:<load>`` (the instant) and ``load:<load>:<measure>``
    (its people, vehicles and tonnes, :data:`~simulator.analysis.closure.MEASURES`;
    a measure it carried none of is left out) for every load that arrived; a load
    that never arrived has none of them.
    """
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
                carried = (ld.personnel, ld.vehicle_count, ld.tonnes)
                mine.append((arrive.time, carried))
                if load_arrivals:
                    out[f"arrive:{ld.id}"] = arrive.time
                    for measure, amount in zip(MEASURES, carried, strict=True):
                        if amount:
                            out[f"load:{ld.id}:{measure}"] = float(amount)
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
    start = scenario.clock.start
    for unit in scenario.forces:
        required = required_h(unit, start)
        if required is not None:
            out[f"late:{unit.id}"] = 1.0 if is_late(closed[unit.id], required) else 0.0
    out.update(_utilisation(result, index))
    waits = _waits(index)
    ranked = sorted(waits, key=lambda where: (-waits[where], where))
    for place, cause in ranked:
        out[f"wait:{place}:{cause}"] = waits[place, cause]
    if ranked:
        out["top:{}:{}".format(*ranked[0])] = 1.0
    return out


def _utilisation(result: Result, index: Index) -> Outputs:
    """``util:<asset>``: the ``utilisation`` column of ``asset_rows``, without the rest.

    Busy hours are summed in the order of the log, as the table sums them, so
    the values are the same to the last bit.
    """
    scenario = result.scenario
    horizon = horizon_h(result)
    busy: dict[str, float] = {}
    for e in index.trips:
        fleet = e.detail["fleet"]
        busy[fleet] = busy.get(fleet, 0) + e.detail["hours"]
    used: dict[tuple[str, str], float] = {}
    for e in index.occupancy:
        key = (e.place, e.detail["resource"])
        used[key] = used.get(key, 0) + (e.time - e.detail["start"]) * int(e.detail["amount"])
    out: Outputs = {}
    for fleet in scenario.fleets:
        joined = index.joined.get(fleet.id, [])
        available = carrier_hours(fleet.count, joined, horizon)
        hours = busy.get(fleet.id, 0)
        out[f"util:{fleet.id}"] = hours / available if available else 0.0
    for node in scenario.nodes:
        for what, capacity in limits(node).items():
            if capacity:
                out[f"util:{node.id}:{what}"] = used.get((node.id, what), 0) / (capacity * horizon)
    return out


def _waits(index: Index) -> dict[tuple[str, str], float]:
    """Load-hours of waiting by (place, cause), summed in the order of the log."""
    waits: dict[tuple[str, str], float] = {}
    loads = index.unit_of_load
    for e in index.waits:
        if e.entity in loads:
            key = (e.place, e.detail["cause"])
            waits[key] = waits.get(key, 0) + e.detail["hours"]
    return waits
