"""Feasibility of a scenario's movements, checked by planning them with the model.

Each unit is planned at its ready time, and after every later transit policy
change, as the model would plan it: units that cannot be loaded on their
carriers, units with no route to their destination (the message says whether
the transit policy, an aircraft's range or the network is to blame), air
groups too large for a fuel stop's apron, and fleets whose carriers cannot run
empty between their base and the places a plan needs them. Findings are
``(path, message)`` pairs, as in :mod:`simulator.scenario.checks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import simpy

from simulator.model.loads import CannotLoad
from simulator.model.world import NoPlan, World
from simulator.scenario.models import Scenario, Unit

Finding = tuple[tuple[str | int, ...], str]


def movement_findings(s: Scenario) -> Iterator[Finding]:
    """Every movement problem of the scenario, unit by unit."""
    return _movements(s)


def _plan_times(world: World, unit: Unit) -> list[float]:
    ready = world.clock.hours(unit.ready)
    return [ready, *(t for t in world.policy.change_times() if t > ready)]


def _movements(s: Scenario) -> Iterator[Finding]:
    world = World(simpy.Environment(), s)
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
                        world.empty_route(fleet, a, b, at)
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
