"""Cross-checks of a scenario that single-field validation cannot make.

Each check yields ``(path, message)`` pairs, the path a tuple of keys and
list indices into the scenario data (``("forces", 3, "fleets", 0)``), so the
loader can point at the file line. The checks: duplicate ids; references to
unknown countries, nodes, links, types and fleets; modes that do not match;
units that cannot be loaded on their carriers; and units with no route to
their destination under the transit policy at any time from their ready time
(including air routes with a leg beyond the aircraft's range).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import simpy

from simulator.model.loads import CannotLoad
from simulator.model.world import NoPlan, World
from simulator.scenario.models import HoldInject, PolicyInject, Scenario, Unit

Path = tuple[str | int, ...]
Finding = tuple[Path, str]


def cross_check(scenario: Scenario) -> list[Finding]:
    """All findings, in a stable order. Reachability is checked only if the
    references are sound, since it needs them."""
    findings = [*_duplicates(scenario), *_references(scenario)]
    if findings:
        return findings
    findings.extend(_modes(scenario))
    if findings:
        return findings
    findings.extend(_movements(scenario))
    findings.extend(_milestones(scenario))
    return findings


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
        if isinstance(inj, HoldInject):
            yield from ref(("injects", i, "node"), "node", inj.node, nodes)
            yield from ref(("injects", i, "link"), "link", inj.link, links)
        elif isinstance(inj, PolicyInject):
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


def _plan_times(world: World, unit: Unit) -> list[float]:
    ready = world.clock.hours(unit.ready)
    return [ready, *(t for t in world.policy.change_times() if t > ready)]


def _movements(s: Scenario) -> Iterator[Finding]:
    world = World(simpy.Environment(), s, np.random.default_rng(0))
    for i, unit in enumerate(s.forces):
        if unit.ready < s.clock.start:
            yield ("forces", i, "ready"), "ready is before clock.start"
            continue
        reason = ""
        plan = None
        for at in _plan_times(world, unit):
            try:
                plan = world.plan(unit, at)
                break
            except CannotLoad as why:
                yield ("forces", i, "equipment"), f"cannot be loaded: {why}"
                break
            except NoPlan as why:
                reason = reason or str(why)
        else:
            yield ("forces", i, "destination"), _no_route(world, unit, reason)
        if plan is None:
            continue
        if unit.mode == "self_deploy" and plan.route.mode == "air":
            group = unit.group_size or unit.vehicles
            for stop in plan.route.stops[1:-1]:
                room = world.network.nodes[stop].limits.parking
                if room is not None and group > room:
                    yield (
                        ("forces", i, "group_size"),
                        (
                            f"a group of {group} cannot make its fuel stop at '{stop}', which "
                            f"has parking for {room}"
                        ),
                    )
        for fleet in plan.fleets:
            for a, b in _carrier_trips(plan, fleet.spec.id):
                try:
                    if a != b:
                        world.empty_route(fleet, a, b)
                except NoPlan as why:
                    fleets = s.fleets.index(fleet.spec)
                    yield ("fleets", fleets, "base"), f"{why} (needed by unit '{unit.id}')"


def _carrier_trips(plan: Any, fleet_id: str) -> list[tuple[str, str]]:
    """Empty moves a carrier makes for a plan: base to pickup, drop-off to base."""
    trips = []
    for segment, fleet in zip(plan.route.segments(), plan.fleets, strict=True):
        if fleet.spec.id == fleet_id:
            if plan.unit.mode == "air":
                trips += [(fleet.spec.base, plan.unit.origin),
                          (plan.unit.destination, fleet.spec.base)]  # fmt: skip
            else:
                trips += [(fleet.spec.base, segment[0].start), (segment[-1].end, fleet.spec.base)]
    return trips


def _no_route(world: World, unit: Unit, reason: str) -> str:
    """Explain a missing route: the transit policy, an aircraft's range, or the network."""
    text = f"unit cannot reach '{unit.destination}' from '{unit.origin}': {reason}"
    try:
        world.plan(unit, ignore_policy=True)
    except NoPlan:
        pass
    else:
        return text + " (a route exists, but the transit policy closes it at every time)"
    air_type = None
    if unit.vehicle is not None and world.types[unit.vehicle].mode == "air":
        air_type = world.types[unit.vehicle]
    elif unit.mode == "air" and world.fleets_for(unit, "air"):
        air_type = world.fleets_for(unit, "air")[0].type
    if air_type is not None and air_type.range_km is not None:
        unlimited = air_type.model_copy(update={"range_km": None})
        anywhere = world.transit([], "air")
        if world.network.route_air(unit.origin, unit.destination, unlimited, anywhere):
            return text + (
                f" (every air route has a leg longer than the {air_type.id} range of "
                f"{air_type.range_km:g} km, with no stop on the way)"
            )
    return text


def _milestones(s: Scenario) -> Iterator[Finding]:
    for i, m in enumerate(s.milestones):
        selected = [
            u for u in s.forces
            if (not m.measure.units or u.id in m.measure.units)
            and (not m.measure.nations or u.nation in m.measure.nations)
        ]  # fmt: skip
        if not selected:
            yield ("milestones", i, "measure"), "selects no unit"
