"""Movement processes: how units, loads, carriers and groups move.

``deploy`` waits for a unit's ready time, plans its route under the transit
policy then in force (waiting for a policy change if none is open), and
starts one process per load or group:

* ``entrain_and_run`` for rail and road: a carrier per route segment, loading
  ramps at both ends, transshipment at every gauge break, border formalities.
* ``airlift`` for air: the load asks its fleet for a sortie; ``fly_sorties``
  (one process per aircraft) collects loads, possibly from several airfields,
  and delivers them, with fuel stops and parking limits on the way.
* ``fly_group`` for self-deploying units (helicopters, road convoys): each
  group moves itself over the legs of its route, stopping for fuel.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import simpy

from simulator.model.loads import Load, fits
from simulator.model.network import Leg, Route
from simulator.model.world import (
    Carrier,
    FleetState,
    NodeResources,
    NoPlan,
    Plan,
    Process,
    World,
)
from simulator.scenario.distributions import Distribution
from simulator.scenario.models import ReinforceInject, Unit


def deploy(world: World, unit: Unit) -> Process:
    """Wait until the unit is ready, plan it, and start its loads moving."""
    ready = world.clock.hours(unit.ready)
    yield world.env.timeout(max(0.0, ready - world.now))
    start = world.now
    while True:
        try:
            plan = world.plan(unit)
            break
        except NoPlan as why:
            later = [t for t in world.policy.change_times() if t > world.now]
            if not later:
                world.log.add(world.now, unit.id, "stranded", unit.origin, reason=str(why))
                return
            yield world.env.timeout(later[0] - world.now)
    for load in plan.loads:
        world.log.wait(start, world.now, load.id, unit.origin, "policy")
    world.plans[unit.id] = plan
    world.log.add(
        world.now,
        unit.id,
        "plan",
        unit.origin,
        mode=unit.mode,
        route=list(plan.route.nodes),
        legs=[leg.link for leg in plan.route.legs],
        km=round(plan.route.km, 3),
        fleets=[f.spec.id for f in plan.fleets],
        loads=[load.id for load in plan.loads],
    )
    move = {"air": airlift, "self_deploy": fly_group}.get(unit.mode, entrain_and_run)
    for load in plan.loads:
        world.start(move(world, plan, load), load.id, unit.origin)


def entrain_and_run(world: World, plan: Plan, load: Load) -> Process:
    """One train (or road) load from origin to destination, segment by segment.

    At the origin the load waits for a carrier, then a loading ramp, and
    entrains. At a gauge break it waits for a transfer track, is transshipped
    into the transfer yard (``transfer_h``) and its train is released; only
    then does it wait for a train of the next gauge and entrain on it. No one
    ever holds a carrier while waiting for another, so opposing flows through
    one break cannot deadlock. At the destination it waits for a ramp and
    unloads.

    When a transit policy has changed since the route was planned, the load
    re-plans before it boards at a segment's start and at each node its train
    reaches: it finishes the link it is on, then goes on by the fastest route
    open from there, which may turn back. A new route that keeps the train's
    gauge keeps the train; one that changes gauge there transships at that
    node (routes change gauge only at transfer points).
    """
    unit = plan.unit
    mode = plan.route.mode
    ramps = world.loading_ramps if mode == "rail" else NodeResources.none()
    segments: Segments = list(zip(plan.route.segments(), plan.fleets, strict=True))
    epoch = world.policy.epoch(world.now)
    here = unit.origin
    boarded = False
    carrier: Carrier | None = None
    since = speed = 0.0

    def changed(node: str) -> bool:
        return world.policy.epoch(world.now) != epoch

    while segments:
        if carrier is None and changed(here):
            segments, epoch = yield from _replan(world, plan, load, here, None, segments)
        segment, fleet = segments[0]
        on_depart = None
        if carrier is None:
            carrier, since = yield from world.acquire(fleet, load.id, here)
            yield from _handle(world, ramps, here, load.id, fleet.type.load_h)
            kind = "entrain" if boarded else "depart"
            on_depart = partial(world.log_move, kind, load, here, carrier=carrier.id)
            boarded = True
            # Once per train: a train that goes on after a re-plan keeps its speed.
            speed = world.streams.draw(load.id, fleet.type.speed_kmh)
        done = yield from world.traverse(
            segment, fleet.type, [load.id], [load.id], carrier=carrier,
            on_depart=on_depart, stop_at=_watch(world, epoch, changed), speed=speed,
        )  # fmt: skip
        here = segment[done - 1].end
        if done < len(segment):
            rest = [(segment[done:], fleet), *segments[1:]]
            segments, epoch = yield from _replan(world, plan, load, here, fleet.type.gauge_mm, rest)
            if segments[0][0][0].gauge_mm == fleet.type.gauge_mm:
                segments[0] = (segments[0][0], fleet)  # the same train goes on
                continue
        else:
            segments = segments[1:]
        if here == unit.destination:
            yield from _handle(world, ramps, here, load.id, fleet.type.unload_h)
            world.release(carrier, since, [load])
            world.log_move("arrive", load, here, carrier=carrier.id)
            return
        hours = world.network.nodes[here].limits.transfer_h or 0.0
        yield from _handle(world, world.transfer_points, here, load.id, hours, "transfer")
        world.release(carrier, since, [load])
        world.log.add(world.now, load.id, "transfer", here, previous=carrier.id)
        carrier = None


def _watch(
    world: World, epoch: int, changed: Callable[[str], bool]
) -> Callable[[str], bool] | None:
    """``changed``, or None when no policy change is left to come after ``epoch``."""
    return None if epoch == world.policy.last_epoch else changed


Segments = list[tuple[tuple[Leg, ...], FleetState]]
"""Runs of legs on one gauge, each with the fleet that carries the load over it."""


def _way_on(
    world: World, plan: Plan, entity: str, node: str, gauge: int | None
) -> Generator[simpy.Event, Any, tuple[Route, list[FleetState], int]]:
    """The fastest way on from ``node`` under the policy now, waiting for one if need be.

    If no route is open from ``node``, ``entity`` waits there (cause
    ``policy``) for the next policy change, as a unit does at its origin; with
    none to come, it is stranded there.

    Returns:
        The route, its fleets (one per segment; none for a self-deploying
        unit) and the policy epoch they were planned in.
    """
    start = world.now
    while True:
        epoch = world.policy.epoch(world.now)
        try:
            route, fleets = world.replan(plan.unit, node, gauge)
            break
        except NoPlan:
            later = [t for t in world.policy.change_times() if t > world.now]
            if not later:
                raise
            yield world.env.timeout(later[0] - world.now)
    world.log.wait(start, world.now, entity, node, "policy")
    return route, fleets, epoch


def _log_replan(
    world: World, entity: str, node: str, route: Route, fleets: list[FleetState]
) -> None:
    world.log.add(
        world.now, entity, "replan", node,
        route=list(route.nodes), legs=[leg.link for leg in route.legs], km=round(route.km, 3),
        fleets=[f.spec.id for f in fleets],
    )  # fmt: skip


def _replan(
    world: World, plan: Plan, load: Load, node: str, gauge: int | None, rest: Segments
) -> Generator[simpy.Event, Any, tuple[Segments, int]]:
    """A load's segments on from ``node`` under the policy now; ``rest`` if unchanged.

    A changed route is recorded as a ``replan`` of the load.
    """
    route, fleets, epoch = yield from _way_on(world, plan, load.id, node, gauge)
    if [leg for seg, _ in rest for leg in seg] == list(route.legs):
        return rest, epoch
    _log_replan(world, load.id, node, route, fleets)
    return list(zip(route.segments(), fleets, strict=True)), epoch


def _reroute(
    world: World, plan: Plan, group: Load, node: str, rest: Route
) -> Generator[simpy.Event, Any, tuple[Route, int]]:
    """A self-deploying group's route on from ``node``; ``rest`` if unchanged."""
    route, _, epoch = yield from _way_on(world, plan, group.id, node, None)
    if route.legs == rest.legs and route.overflown == rest.overflown:
        return rest, epoch
    _log_replan(world, group.id, node, route, [])
    return route, epoch


def _rest_of(route: Route, done: int) -> Route:
    """The legs of ``route`` after the first ``done``."""
    legs = route.legs[done:]
    overflown = frozenset(i - done for i in route.overflown if i >= done)
    return Route(route.mode, legs, route.cost_h, overflown)


def _handle(
    world: World,
    resources: NodeResources[simpy.Resource],
    node: str,
    entity: str,
    hours: float | Distribution,
    what: str = "ramp",
) -> Process:
    """Take the node's ramp (or transfer track) if it has any, work, give it back.

    The working time is drawn from the stream of ``entity`` if uncertain.
    """
    held = (yield from world.occupy(resources, node, entity, what)) if node in resources else None
    since = world.now
    yield world.env.timeout(world.streams.draw(entity, hours))
    world.vacate(resources, node, held, since, entity, what)


@dataclass(eq=False)
class Sortie:
    """A load's request for an aircraft, and the events that answer it."""

    load: Load
    unit: Unit
    origin: str
    destination: str
    assigned: simpy.Event
    overhead: simpy.Event
    """The aircraft is over the load's airfield (it may still wait for a parking place)."""
    boarded: simpy.Event
    direct_km: float
    aircraft: str | None = None
    extra: list[str] = field(default_factory=list)


def airlift(world: World, plan: Plan, load: Load) -> Process:
    """A load waits for an aircraft of its fleet; the aircraft does the rest."""
    fleet = plan.fleets[0]
    assert fleet.requests is not None
    unit = plan.unit
    sortie = Sortie(
        load,
        unit,
        unit.origin,
        unit.destination,
        world.env.event(),
        world.env.event(),
        world.env.event(),
        plan.route.km,
    )
    start = world.now
    yield fleet.requests.put(sortie)
    yield sortie.assigned
    world.log.wait(start, world.now, load.id, unit.origin, "aircraft", carrier=sortie.aircraft)
    start = world.now
    yield sortie.overhead
    world.log.wait(start, world.now, load.id, unit.origin, "positioning", carrier=sortie.aircraft)
    start = world.now
    yield sortie.boarded
    world.log.wait(start, world.now, load.id, unit.origin, "parking", carrier=sortie.aircraft)


def _air_route(world: World, carrier: Carrier, a: str, b: str, nations: Sequence[str]) -> Route:
    ttype = carrier.fleet.type
    if a == b:
        return Route("air", (), 0.0)
    check = world.transit([*nations, carrier.fleet.spec.nation], "air", (a, b))
    route = world.route(a, b, [ttype], check)
    if route is None:
        raise NoPlan(f"{carrier.id} has no open air route from {a} to {b}")
    return route


MAX_PICKUPS = 4
"""Most airfields one sortie collects from (pickup orders are tried exhaustively)."""


def _best_trip(
    world: World,
    carrier: Carrier,
    pickups: Sequence[str],
    destination: str,
    nations: Sequence[str],
) -> tuple[float, list[str]] | None:
    """Shortest trip through every pickup then to the destination: (km, pickup order).

    Orders are tried exhaustively (at most ``MAX_PICKUPS``!); on a tie the
    first order found wins, so the result is deterministic.
    """
    best: tuple[float, list[str]] | None = None
    for order in itertools.permutations(pickups):
        try:
            km = sum(
                _air_route(world, carrier, a, b, nations).km
                for a, b in itertools.pairwise([*order, destination])
            )
        except NoPlan:
            continue
        if best is None or km < best[0] - 1e-9:
            best = (km, list(order))
    return best


def _consolidate(world: World, carrier: Carrier, first: Sortie) -> tuple[list[Sortie], list[str]]:
    """Top up a sortie with waiting loads for the same destination.

    A waiting load joins if it fits the space left and its airfield is
    already a pickup, or can be added as one while the shortest trip through
    all pickups stays within the fleet's ``max_detour`` times the longest
    direct route among the loads aboard. Returns the loads and the pickups in
    the order flown.
    """
    fleet = carrier.fleet
    assert fleet.requests is not None
    batch = [first]
    pickups = [first.origin]
    for other in list(fleet.requests.items):
        if other.destination != first.destination:
            continue
        if not fits([s.load for s in (*batch, other)], fleet.type.capacity):
            continue
        if other.origin not in pickups:
            if len(pickups) >= MAX_PICKUPS or fleet.spec.max_detour <= 1.0:
                continue
            nations = [s.unit.nation for s in (*batch, other)]
            trip = _best_trip(world, carrier, [*pickups, other.origin], first.destination, nations)
            direct = max(s.direct_km for s in (*batch, other))
            if trip is None or trip[0] > fleet.spec.max_detour * direct + 1e-6:
                continue
            pickups.append(other.origin)
        fleet.requests.items.remove(other)
        batch.append(other)
    if len(pickups) > 1:
        trip = _best_trip(
            world, carrier, pickups, first.destination, [s.unit.nation for s in batch]
        )
        assert trip is not None  # the pickups were accepted with a trip found
        pickups = trip[1]
    return batch, pickups


def fly_sorties(world: World, carrier: Carrier) -> Process:
    """One aircraft: take waiting loads, collect them, deliver, fly home, repeat."""
    fleet = carrier.fleet
    assert fleet.requests is not None
    ttype = fleet.type
    while True:
        if world.retire(carrier):
            return
        request = fleet.requests.get()
        carrier.idle_since = world.now
        try:
            first: Sortie = yield request
        except simpy.Interrupt as lost:
            request.cancel()
            world.log.add(world.now, carrier.id, "lost", carrier.location, fleet=fleet.spec.id,
                          inject=str(lost.cause))  # fmt: skip
            return
        carrier.idle_since = None
        batch, pickups = _consolidate(world, carrier, first)
        since = world.now
        for sortie in batch:
            sortie.aircraft = carrier.id
            sortie.assigned.succeed()
        aboard: list[Sortie] = []
        for stop in [*pickups, first.destination]:
            # Empty, the aircraft flies on its own nation's rights (the fleet's).
            nations = [s.unit.nation for s in aboard]
            route = _air_route(world, carrier, carrier.location, stop, nations)
            yield from _fly(world, carrier, route, aboard)
            boarding = [s for s in batch if s.origin == stop]
            for sortie in boarding:
                sortie.overhead.succeed()
            entities = [carrier.id, *(s.load.id for s in aboard)]
            yield from world.park(entities, stop, 1)
            parked = world.now
            for sortie in aboard:
                world.log.add(world.now, sortie.load.id, "land", stop)
            if stop == first.destination:
                yield world.env.timeout(world.streams.draw(carrier.id, ttype.unload_h))
                for sortie in aboard:
                    world.log_move("arrive", sortie.load, stop, carrier=carrier.id)
            else:
                for sortie in boarding:
                    sortie.boarded.succeed()
                yield world.env.timeout(world.streams.draw(carrier.id, ttype.load_h))
                yield from world.hold_gate(
                    [carrier.id, *(s.load.id for s in aboard + boarding)], "air", stop, ""
                )
                for sortie in boarding:
                    world.log_move("depart", sortie.load, stop, carrier=carrier.id)
                aboard.extend(boarding)
            world.unpark(carrier.id, stop, 1, parked)
        home = _air_route(world, carrier, carrier.location, fleet.spec.base, [])
        yield from _fly(world, carrier, home, [])
        yield world.env.timeout(world.streams.draw(carrier.id, ttype.turnaround_h))
        world.log_trip(carrier, since, [s.load for s in batch], stops=[*pickups, first.destination])


def _fly(world: World, carrier: Carrier, route: Route, aboard: Sequence[Sortie]) -> Process:
    """Fly a route with the loads aboard (fuel stops, overflights, holds, borders)."""
    loads = [s.load.id for s in aboard]
    yield from world.traverse(route, carrier.fleet.type, [carrier.id, *loads], loads,
                              carrier=carrier)  # fmt: skip


def fly_group(world: World, plan: Plan, group: Load) -> Process:
    """A self-deploying group (helicopters, a convoy) moves itself over its route.

    Aircraft make a fuel stop wherever the route lands on the way and fly
    over the other nodes; road groups halt at every node. After a transit
    policy change the group re-plans where it halts next (before setting off,
    or where it lands or halts on the way), like a train load.
    """
    unit = plan.unit
    assert unit.vehicle is not None
    vtype = world.types[unit.vehicle]
    epoch = world.policy.epoch(world.now)
    yield world.env.timeout(group.index * unit.group_interval_h)

    def changed(node: str) -> bool:
        return world.policy.epoch(world.now) != epoch

    route, here, speed = plan.route, unit.origin, None
    while True:
        if changed(here):
            route, epoch = yield from _reroute(world, plan, group, here, route)
        if here != unit.origin and vtype.mode == "air":
            # Resumed at a fuel stop: refuel before the next flight.
            hours = world.streams.draw(group.id, vtype.refuel_h)
            yield from world.fuel_stop([group.id], [group.id], here, group.vehicle_count, hours)
        on_depart = None
        if here == unit.origin:
            on_depart = partial(world.log_move, "depart", group, unit.origin)
        if speed is None:
            speed = world.streams.draw(group.id, vtype.speed_kmh)
        done = yield from world.traverse(
            route, vtype, [group.id], [group.id], aircraft=group.vehicle_count, unit=unit.id,
            on_depart=on_depart, stop_at=_watch(world, epoch, changed), speed=speed,
        )  # fmt: skip
        if done == len(route.legs):
            break
        here = route.legs[done - 1].end
        route = _rest_of(route, done)
    world.log_move("arrive", group, unit.destination)


def reinforce(world: World, inject: ReinforceInject) -> Process:
    """At the inject's time, new carriers join the fleet at its base and go to work."""
    yield world.env.timeout(max(0.0, world.clock.hours(inject.at) - world.now))
    fleet = world.fleets[inject.fleet]
    for _ in range(inject.count):
        carrier = Carrier(f"{fleet.spec.id}/{len(fleet.carriers) + 1}", fleet, fleet.spec.base)
        fleet.carriers.append(carrier)
        world.log.add(world.now, carrier.id, "joined", carrier.location, fleet=fleet.spec.id,
                      inject=inject.id)  # fmt: skip
        if fleet.requests is None:
            yield fleet.idle.put(carrier)
        else:
            carrier.process = world.start(fly_sorties(world, carrier), carrier.id, carrier.location)
