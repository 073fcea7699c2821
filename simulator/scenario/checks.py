"""Cross-checks of a scenario that single-field validation cannot make, on the data alone.

Those that plan movements with the model are in :mod:`simulator.model.feasibility`;
:func:`simulator.checks.cross_check` runs both, in stages.

Each check yields ``(path, message)`` pairs, the path a tuple of keys and
list indices into the scenario data (``("forces", 3, "fleets", 0)``), so the
loader can point at the file line. The checks: duplicate ids; a unit required
before it is ready; references to unknown countries, nodes, links, types and
fleets; modes that do not match; the checks of operations; milestones that
select nothing; ``iso`` codes that name no country outline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from simulator.scenario.models import (
    BreakdownInject,
    HoldInject,
    LossInject,
    PolicyInject,
    ReinforceInject,
    RescheduleInject,
    Scenario,
    WeatherInject,
)
from simulator.scenario.operations import pools_of
from simulator.scenario.types import HORIZON_H, HORIZON_YEARS
from simulator.wording import article, counted

Path = tuple[str | int, ...]
Finding = tuple[Path, str]


def reference_findings(scenario: Scenario) -> list[Finding]:
    """Duplicates, references, operations and dates: what every other check needs sound."""
    return [
        *_duplicates(scenario), *_references(scenario), *_operations(scenario),
        *_dates(scenario), *_horizon(scenario), *_iso_codes(scenario),
    ]  # fmt: skip


def mode_findings(scenario: Scenario) -> list[Finding]:
    """Modes that do not match (fleets, types, units), once the references are sound."""
    return list(_modes(scenario))


def milestone_findings(scenario: Scenario) -> list[Finding]:
    """Milestones that select no unit, once the references are sound."""
    return list(_milestones(scenario))


def _duplicates(scenario: Scenario) -> Iterator[Finding]:
    for section in (
        "countries", "nodes", "links", "transport_types", "fleets", "forces", "injects",
        "milestones",
    ):  # fmt: skip
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(scenario, section)):
            if item.id in seen:
                yield (
                    (section, i, "id"),
                    (f"duplicate id '{item.id}' (first used at {section}[{seen[item.id]}])"),
                )
            else:
                seen[item.id] = i


def _utc(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%MZ")


def _dates(s: Scenario) -> Iterator[Finding]:
    """Dates of one unit that contradict each other."""
    for i, u in enumerate(s.forces):
        if u.required_by is not None and u.required_by < u.ready:
            yield (
                ("forces", i, "required_by"),
                f"required_by {_utc(u.required_by)} is before ready {_utc(u.ready)}",
            )


def _instants(value: Any, path: Path) -> Iterator[tuple[Path, dt.datetime]]:
    """Every instant in a validated model, with its path."""
    if isinstance(value, dt.datetime):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _instants(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _instants(item, (*path, index))


def _horizon(s: Scenario) -> Iterator[Finding]:
    """Every instant lies within :data:`HORIZON_YEARS` years of the clock's start."""
    start = s.clock.start
    reach = dt.timedelta(hours=HORIZON_H)
    for path, instant in _instants(s, ()):
        if path != ("clock", "start") and not start - reach <= instant <= start + reach:
            yield (
                path,
                f"{_utc(instant)} is more than {HORIZON_YEARS} years from the clock's start "
                f"({_utc(start)}); every date lies within {HORIZON_YEARS} years of it",
            )


def _iso_codes(s: Scenario) -> Iterator[Finding]:
    """Every ``iso`` must name a Natural Earth feature (the table is read only if one is given)."""
    given = [(i, c) for i, c in enumerate(s.countries) if c.iso is not None]
    if not given:
        return
    from simulator.geo import iso_codes, nearest_iso

    known = iso_codes()
    for i, country in given:
        assert country.iso is not None
        if country.iso in known:
            continue
        near = nearest_iso(country.iso, country.name)
        hint = f" (did you mean {near!r}, {known[near]}?)" if near else ""
        yield (
            ("countries", i, "iso"),
            f"unknown ISO 3166-1 alpha-3 code {country.iso!r}: expected a code such as "
            f"'KAZ' that names a Natural Earth country{hint}",
        )


def _unknown(kind: str, value: str, known: Sequence[str]) -> str:
    listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
    return f"unknown {kind} '{value}' (known: {listed or 'none'})"


def _references(s: Scenario) -> Iterator[Finding]:
    countries = [c.id for c in s.countries]
    nodes = [n.id for n in s.nodes]
    links = [link.id for link in s.links]
    types = [t.id for t in s.transport_types]
    fleets = [f.id for f in s.fleets]
    units = [u.id for u in s.forces]
    tasks = [t.id for p in s.operations.phases for t in p.tasks]

    def ref(path: Path, kind: str, value: str | None, known: list[str]) -> Iterator[Finding]:
        if value is not None and value not in known:
            yield path, _unknown(kind, value, known)

    for i, country in enumerate(s.countries):
        for mode in ("rail", "road", "air"):
            for j, nation in enumerate(getattr(country.transit, mode).nations or []):
                yield from ref(("countries", i, "transit", mode, "nations", j), "country",
                               nation, countries)  # fmt: skip
    for i, n in enumerate(s.nodes):
        yield from ref(("nodes", i, "country"), "country", n.country, countries)
    for i, link in enumerate(s.links):
        yield from ref(("links", i, "a"), "node", link.a, nodes)
        yield from ref(("links", i, "b"), "node", link.b, nodes)
        for j, crossed in enumerate(link.crosses):
            yield from ref(("links", i, "crosses", j), "country", crossed, countries)
    for i, fleet in enumerate(s.fleets):
        yield from ref(("fleets", i, "type"), "transport type", fleet.type, types)
        yield from ref(("fleets", i, "base"), "node", fleet.base, nodes)
        yield from ref(("fleets", i, "nation"), "country", fleet.nation, countries)
    for i, u in enumerate(s.forces):
        yield from ref(("forces", i, "nation"), "country", u.nation, countries)
        yield from ref(("forces", i, "origin"), "node", u.origin, nodes)
        yield from ref(("forces", i, "destination"), "node", u.destination, nodes)
        yield from ref(("forces", i, "vehicle"), "transport type", u.vehicle, types)
        for j, fid in enumerate(u.fleets):
            yield from ref(("forces", i, "fleets", j), "fleet", fid, fleets)
    for i, inj in enumerate(s.injects):
        if isinstance(inj, HoldInject | WeatherInject):
            yield from ref(("injects", i, "node"), "node", inj.node, nodes)
            yield from ref(("injects", i, "link"), "link", inj.link, links)
        elif isinstance(inj, BreakdownInject):
            for j, fid in enumerate(inj.fleets):
                yield from ref(("injects", i, "fleets", j), "fleet", fid, fleets)
            for j, uid in enumerate(inj.units):
                yield from ref(("injects", i, "units", j), "unit", uid, units)
                moved = next((u for u in s.forces if u.id == uid), None)
                if moved is not None and moved.mode != "self_deploy":
                    yield (
                        ("injects", i, "units", j),
                        (f"'{uid}' is carried by a fleet: name its fleet under `fleets` instead"),
                    )
        elif isinstance(inj, LossInject):
            yield from ref(("injects", i, "fleet"), "fleet", inj.fleet, fleets)
            lost = next((f for f in s.fleets if f.id == inj.fleet), None)
            if lost is not None and inj.count > lost.count:
                yield (
                    ("injects", i, "count"),
                    (f"loses {inj.count} of '{inj.fleet}', which has only {lost.count}"),
                )
        elif isinstance(inj, ReinforceInject):
            yield from ref(("injects", i, "fleet"), "fleet", inj.fleet, fleets)
        elif isinstance(inj, RescheduleInject):
            yield from ref(("injects", i, "task"), "task", inj.task, tasks)
        decision = getattr(inj, "decision", None)
        if decision is not None:
            for j, option in enumerate(decision.options):
                for k, change in enumerate(option.changes):
                    at: Path = ("injects", i, "decision", "options", j, "changes", k)
                    yield from ref((*at, "country"), "country", change.country, countries)
                    yield from ref((*at, "node"), "node", change.node, nodes)
                    yield from ref((*at, "link"), "link", change.link, links)
                    yield from ref((*at, "fleet"), "fleet", change.fleet, fleets)
                    yield from ref((*at, "task"), "task", change.task, tasks)
        if isinstance(inj, PolicyInject):
            yield from ref(("injects", i, "country"), "country", inj.country, countries)
            for j, nation in enumerate(inj.nations or []):
                yield from ref(("injects", i, "nations", j), "country", nation, countries)
    for i, m in enumerate(s.milestones):
        for j, unit in enumerate(m.measure.units):
            yield from ref(("milestones", i, "measure", "units", j), "unit", unit, units)
        for j, nation in enumerate(m.measure.nations):
            yield from ref(("milestones", i, "measure", "nations", j), "country", nation,
                           countries)  # fmt: skip
        yield from ref(("milestones", i, "measure", "at"), "node", m.measure.at, nodes)


def _modes(s: Scenario) -> Iterator[Finding]:
    types = {t.id: t for t in s.transport_types}
    fleets = {f.id: f for f in s.fleets}
    on_network = {(link.mode, end) for link in s.links for end in (link.a, link.b)}
    for i, f in enumerate(s.fleets):
        ttype = types[f.type]
        if (ttype.mode, f.base) not in on_network:
            yield ("fleets", i, "base"), f"base '{f.base}' has no {ttype.mode} link"
        if ttype.mode != "air" and f.max_detour != 1.0:
            yield ("fleets", i, "max_detour"), "max_detour applies to air fleets only"
    for i, u in enumerate(s.forces):
        if u.mode == "self_deploy":
            assert u.vehicle is not None
            if types[u.vehicle].mode == "rail":
                yield ("forces", i, "vehicle"), "a rail transport type cannot self-deploy"
            seats = types[u.vehicle].capacity.personnel
            if seats and u.personnel > seats * u.vehicles:
                yield (
                    ("forces", i, "personnel"),
                    (
                        f"{u.personnel} people do not fit in {u.vehicles} {u.vehicle} of "
                        f"{counted(seats, 'seat')}"
                    ),
                )
            if u.equipment:
                yield (
                    ("forces", i, "equipment"),
                    (
                        "a self_deploy unit moves only its own vehicles: list them with "
                        "`vehicle` and `vehicles`, not `equipment`"
                    ),
                )
            continue
        for j, fid in enumerate(u.fleets):
            mode = types[fleets[fid].type].mode
            if mode != u.mode:
                yield (
                    ("forces", i, "fleets", j),
                    (f"fleet '{fid}' is {mode}, the unit moves by {u.mode}"),
                )
        if not any(types[f.type].mode == u.mode for f in s.fleets):
            yield ("forces", i, "mode"), f"no {u.mode} fleet exists to carry it"


def _milestones(s: Scenario) -> Iterator[Finding]:
    for i, m in enumerate(s.milestones):
        selected = [
            u for u in s.forces
            if (not m.measure.units or u.id in m.measure.units)
            and (not m.measure.nations or u.nation in m.measure.nations)
        ]  # fmt: skip
        if m.measure.task is not None:
            tasks = [t.id for p in s.operations.phases for t in p.tasks]
            if m.measure.task not in tasks:
                yield ("milestones", i, "measure", "task"), _unknown("task", m.measure.task, tasks)
        elif not selected:
            yield ("milestones", i, "measure"), "selects no unit"


def _operations(s: Scenario) -> Iterator[Finding]:
    """Operations: ids, references, resource sizes, cycles, impossible triggers."""
    ops = s.operations
    units = {u.id: u for u in s.forces}
    nodes = [n.id for n in s.nodes]
    pools = {r.id: r.count for r in ops.resources}
    located: dict[str, Path] = {}
    seen_pools: dict[str, int] = {}
    for i, resource in enumerate(ops.resources):
        if resource.id in seen_pools:
            yield (
                ("operations", "resources", i, "id"),
                (
                    f"duplicate id '{resource.id}' (first used at operations.resources"
                    f"[{seen_pools[resource.id]}])"
                ),
            )
        seen_pools.setdefault(resource.id, i)
    seen_phases: set[str] = set()
    for i, phase in enumerate(ops.phases):
        if phase.id in seen_phases:
            yield ("operations", "phases", i, "id"), f"duplicate id '{phase.id}'"
        if phase.id == "deployment":
            yield (
                ("operations", "phases", i, "id"),
                ("'deployment' is the name of the phase of the units' movements: choose another"),
            )
        seen_phases.add(phase.id)
        for j, task in enumerate(phase.tasks):
            where: Path = ("operations", "phases", i, "tasks", j)
            if task.id in located:
                yield (*where, "id"), f"duplicate task id '{task.id}'"
            else:
                located[task.id] = where
    tasks = {t.id: t for p in ops.phases for t in p.tasks}

    def known(where: Path, kind: str, value: str | None, ids: Sequence[str]) -> Iterator[Finding]:
        if value is not None and value not in ids:
            yield where, _unknown(kind, value, list(ids))

    for tid, where in located.items():
        task = tasks[tid]
        for field in ("after",):
            for k, other in enumerate(task.after):
                yield from known((*where, field, k), "task", other, list(tasks))
                if other == tid:
                    yield (*where, field, k), "a task cannot come after itself"
        for k, other in enumerate(task.trigger.done):
            yield from known((*where, "trigger", "done", k), "task", other, list(tasks))
        for k, unit in enumerate(task.trigger.closed):
            yield from known((*where, "trigger", "closed", k), "unit", unit, list(units))
        yield from known((*where, "trigger", "place"), "node", task.trigger.place, nodes)
        for k, need in enumerate(task.needs):
            yield from known((*where, "needs", k, "resource"), "resource", need.resource,
                             list(pools))  # fmt: skip
            if need.resource in pools and need.count > pools[need.resource]:
                yield (
                    (*where, "needs", k, "count"),
                    (
                        f"needs {need.count} of '{need.resource}', which has only "
                        f"{pools[need.resource]}: it could never start"
                    ),
                )
        for field in ("teams", "shooters", "aircraft"):
            value = getattr(task, field, None)
            if isinstance(value, str):
                yield from known((*where, field), "resource", value, list(pools))
        until = getattr(task, "until", None)
        yield from known((*where, "until"), "task", until, list(tasks))
        if until is not None and until in tasks:
            teams = getattr(task, "teams", "")
            blockers = [
                t for t in sorted(_ancestors(tasks, until) | {until})
                if t != tid and teams in pools_of(tasks[t])
            ]  # fmt: skip
            spare = pools.get(teams, 0) - getattr(task, "exits", 0)
            if blockers and spare < 1:
                yield (
                    (*where, "until"),
                    (
                        f"'{blockers[0]}' needs the teams this cordon holds until '{until}' is "
                        "done, and none are left: it could never start"
                    ),
                )
        effect = getattr(task, "effect", None)
        if effect is not None:
            for k, other in enumerate(effect.tasks):
                yield from known((*where, "effect", "tasks", k), "task", other, list(tasks))
                if other in tasks and tasks[other].kind in ("recon", "airdrop"):
                    yield (
                        (*where, "effect", "tasks", k),
                        (
                            f"'{other}' is {article(tasks[other].kind)}: a recon effect shortens "
                            "hold, assemble, move, cordon, strike and clear tasks only"
                        ),
                    )
        jobs = _job_pools(task)
        for k, need in enumerate(task.needs):
            if (
                need.resource in pools
                and need.resource in jobs
                and need.count + 1 > pools[need.resource]
            ):
                yield (
                    (*where, "needs", k, "count"),
                    (
                        f"holds {need.count} of '{need.resource}' ({pools[need.resource]} in "
                        "all), leaving none for its own work: it could never finish"
                    ),
                )
        if task.trigger.place is not None and not task.trigger.closed:
            yield (*where, "trigger", "place"), "`place` applies to the units in `closed`"
        closing = list(task.trigger.closed) + list(getattr(task, "units", []))
        place = task.trigger.place or getattr(task, "place", None)
        for k, unit in enumerate(getattr(task, "units", [])):
            yield from known((*where, "units", k), "unit", unit, list(units))
        yield from known((*where, "place"), "node", getattr(task, "place", None), nodes)
        if place is not None:
            for unit in closing:
                if unit in units and units[unit].destination != place:
                    yield (
                        (*where, "trigger" if task.trigger.place else "place"),
                        (
                            f"unit '{unit}' closes at '{units[unit].destination}', never at "
                            f"'{place}'"
                        ),
                    )
        aircraft = getattr(task, "aircraft", None)
        if isinstance(aircraft, str) and aircraft in pools:
            for k, serial in enumerate(getattr(task, "serials", [])):
                if serial.aircraft > pools[aircraft]:
                    yield (
                        (*where, "serials", k, "aircraft"),
                        (
                            f"{serial.aircraft} aircraft, but '{aircraft}' has only "
                            f"{pools[aircraft]}"
                        ),
                    )
    yield from _cycles(tasks, located)


def _waits_on(tasks: dict[str, Any]) -> dict[str, list[str]]:
    """Each task id -> the tasks it waits on (``after`` and ``trigger.done``), sorted by id."""
    return {
        tid: [o for o in (*tasks[tid].after, *tasks[tid].trigger.done) if o in tasks and o != tid]
        for tid in sorted(tasks)
    }  # a self-reference is reported on its own


def _ancestors(tasks: dict[str, Any], tid: str) -> set[str]:
    waits = _waits_on(tasks)
    found: set[str] = set()
    todo = list(waits.get(tid, ()))
    while todo:
        other = todo.pop()
        if other not in found:
            found.add(other)
            todo.extend(waits[other])
    found.discard(tid)
    return found


def _has_cycle(waits: dict[str, list[str]]) -> bool:
    done: set[str] = set()
    for root in waits:
        path, stack = {root}, [(root, iter(waits[root]))]
        while stack:
            node, rest = stack[-1]
            other = next(rest, None)
            if other is None:
                stack.pop()
                path.discard(node)
                done.add(node)
            elif other in path:
                return True
            elif other not in done:
                path.add(other)
                stack.append((other, iter(waits[other])))
    return False


def _job_pools(task: Any) -> set[str]:
    """Pools a task's own primitive draws on, job by job (teams, shooters, aircraft)."""
    return {getattr(task, f) for f in ("teams", "shooters", "aircraft") if hasattr(task, f)}


def _cycles(tasks: dict[str, Any], located: dict[str, Path]) -> Iterator[Finding]:
    """Tasks that wait on each other, directly or through others, could never start."""
    waits = _waits_on(tasks)
    if not _has_cycle(waits):
        return
    import networkx as nx  # only to list the cycles of a file that has some

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(waits)
    for tid, others in waits.items():
        graph.add_edges_from((other, tid) for other in others)
    found = []
    for cycle in nx.simple_cycles(graph):
        # Start each cycle at its smallest id, so the message does not depend on hashing.
        k = cycle.index(min(cycle))
        found.append([*cycle[k:], *cycle[:k]])
    for cycle in sorted(found):
        path = " -> ".join([*cycle, cycle[0]])
        first = min(cycle, key=lambda t: located[t])
        yield (*located[first], "after"), f"tasks wait on each other in a cycle: {path}"
