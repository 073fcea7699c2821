"""The SimPy world built from a scenario, and the one entry point to run it.

``build(env, scenario, seed)`` turns a validated scenario into SimPy resources
named for the things they stand for (``loading_ramps``, ``transfer_points``,
``parking``, fleets of carriers) and starts one ``deploy`` process per unit.
``run_replication(scenario, seed)`` builds a fresh world, runs it to the end
and returns the frozen event log. Everything else (replications, reports)
is built on ``run_replication``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

import simpy

from simulator.model.clock import Clock
from simulator.model.injects import TransitPolicy, hold_until, holds_of
from simulator.model.loads import Load, split
from simulator.model.network import Leg, Network, Route
from simulator.model.records import Event, EventLog
from simulator.model.streams import Streams
from simulator.model.windows import flying_wait, local_hour, utc_offsets
from simulator.scenario.distributions import Distribution, mean
from simulator.scenario.models import (
    BreakdownInject,
    Capacity,
    Fleet,
    LossInject,
    Mode,
    Scenario,
    TransportType,
    Unit,
)
from simulator.wording import article

Process = Generator[simpy.Event, Any, Any]

CARRIER_WAIT = {"rail": "train_set", "road": "vehicle", "air": "aircraft"}
"""Cause recorded while a load waits for a free carrier of each mode."""


@dataclass(eq=False)
class Carrier:
    """One train set, aircraft or vehicle of a fleet."""

    id: str
    fleet: FleetState
    location: str
    process: simpy.Process | None = None
    """Air only: the carrier's sortie loop (interrupted if it is lost while idle)."""
    idle_since: float | None = None
    """Air only: when it began waiting at base for a request (None while busy)."""


@dataclass(eq=False)
class FleetState:
    """A fleet in the running world: its idle carriers and pending requests."""

    spec: Fleet
    type: TransportType
    idle: simpy.Store
    carriers: list[Carrier] = field(default_factory=list)
    retiring: int = 0
    """Carriers to withdraw as soon as they are back at base (losses)."""
    requests: simpy.Store | None = None
    """Air only: loads waiting for an aircraft, in the order they became ready."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How one unit moves: its route, the fleet for each segment, its loads."""

    unit: Unit
    route: Route
    fleets: tuple[FleetState, ...]
    loads: tuple[Load, ...]


@dataclass(eq=False)
class Line:
    """One direction of a rail link with a capacity: its train paths.

    Trains take paths in the order they are ready to enter, ``headway_h``
    apart, and leave in the order they entered: each waits at the end of the
    link for the ``last`` train that entered before it.
    """

    headway_h: float
    next_entry: float = 0.0
    """The earliest time the next train may enter."""
    last: TrainPath | None = None


@dataclass(eq=False, slots=True)
class TrainPath:
    """One train's passage over a line: whether it has left, and who waits for that."""

    left: bool = False
    follower: simpy.Event | None = None
    """Made only when the next train reaches the end first and must wait (rarely)."""


R = TypeVar("R")


class NodeResources(Generic[R]):
    """One kind of resource (ramps, transfer tracks, aprons) at the nodes that have it.

    A resource is made the first time it is asked for: a replication uses
    few of the scenario's, and making the others in every replication
    would cost more than using these.
    """

    def __init__(self, sizes: dict[str, int], make: Callable[[int], R]) -> None:
        self._sizes = sizes
        self._make = make
        self._made: dict[str, R] = {}

    @classmethod
    def none(cls) -> NodeResources[Any]:
        """Resources that no node has (road movements use no loading ramps)."""
        return NodeResources({}, _none)

    def __contains__(self, node: object) -> bool:
        return node in self._sizes

    def get(self, node: str) -> R | None:
        """The node's resource, or None if it has none."""
        made = self._made.get(node)
        if made is None and node in self._sizes:
            made = self._made[node] = self._make(self._sizes[node])
        return made

    def __getitem__(self, node: str) -> R:
        made = self.get(node)
        if made is None:
            raise KeyError(node)
        return made


class Lines:
    """The train paths of every direction of a link with ``trains_per_day``, made on use."""

    def __init__(self, headways: dict[tuple[str, str], float]) -> None:
        self._headways = headways
        self._made: dict[tuple[str, str], Line] = {}

    def __bool__(self) -> bool:
        return bool(self._headways)

    def get(self, key: tuple[str, str]) -> Line | None:
        """The line of (link, entry node), or None if that link has no limit."""
        line = self._made.get(key)
        if line is None and key in self._headways:
            line = self._made[key] = Line(self._headways[key])
        return line


def _none(size: int) -> None:
    raise AssertionError("no node has this resource")


def _apron(env: simpy.Environment, places: int) -> simpy.Container:
    return simpy.Container(env, capacity=places, init=places)


class NoPlan(Exception):
    """A unit cannot be planned (no route, no fleet, cannot load)."""


@dataclass(frozen=True, slots=True)
class TransitCheck:
    """Passability for one unit at one moment (see ``network.Passable``)."""

    world: World
    nations: tuple[str, ...]
    mode: Mode
    now: float
    exempt: frozenset[str]

    def _allowed(self, country: str) -> bool:
        policy = self.world.policy
        return all(policy.allows(country, self.mode, n, self.now) for n in self.nations)

    def node_ok(self, node: str) -> bool:
        return node in self.exempt or self._allowed(self.world.network.nodes[node].country)

    def link_ok(self, link: str) -> bool:
        return all(self._allowed(c) for c in self.world.network.links[link].crosses)


class World:
    """Everything a run needs: clock, network, policies, resources, log."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, seed: int = 0):
        self.env = env
        self.scenario = scenario
        self.seed = seed
        self.streams = Streams(seed)
        """Named random streams, one per entity (``fleet/n``, ``unit#n``, ``task:<id>``)."""
        derived = _derived(scenario)
        self.clock = derived.clock
        self.network, self._routes, self._plans = derived.network, derived.routes, derived.plans
        self._empty_routes = derived.empty_routes
        self._border_h = derived.border_h
        self.policy = derived.policy
        self.holds = holds_of(scenario, self.clock, self.streams)
        self._held_nodes = {hold.node for hold in self.holds}
        self._held_links = {hold.link for hold in self.holds}
        """Where some hold applies: only there can a departure have to wait for one."""
        self.breakdowns = derived.breakdowns
        """Fleet or unit id -> the breakdown injects that apply to it."""
        self.log = EventLog()
        self.plans: dict[str, Plan] = {}
        self.closed: dict[str, simpy.Event] = {u.id: env.event() for u in scenario.forces}
        """Succeeds when the unit's last load has arrived."""
        self._arrived: dict[str, int] = {}
        self.types = derived.types
        self._offsets: dict[str, float] | None = None
        """Node id -> local time offset, built when a flying window first needs it."""
        self.loading_ramps = NodeResources(derived.loading_ramps, partial(simpy.Resource, env))
        self.transfer_points = NodeResources(derived.transfer_points, partial(simpy.Resource, env))
        self.parking = NodeResources(derived.parking, partial(_apron, env))
        self.lines = Lines(derived.headways)
        """(rail link id, entry node) -> the train paths of that direction, if limited."""
        self.fleets: dict[str, FleetState] = {}
        for spec in scenario.fleets:
            ttype = self.types[spec.type]
            state = FleetState(spec, ttype, simpy.Store(env))
            if ttype.mode == "air":
                # Aircraft run their own sortie loop and take requests from this queue.
                state.requests = simpy.Store(env)
            for n in range(spec.count):
                carrier = Carrier(f"{spec.id}/{n + 1}", state, spec.base)
                state.carriers.append(carrier)
                if state.requests is None:
                    # Straight into the store: nothing can be waiting for it yet, so a put
                    # event would only be scheduled to find no one (and change nothing).
                    state.idle.items.append(carrier)
            self.fleets[spec.id] = state

    @property
    def now(self) -> float:
        """Simulated hours since the clock start."""
        return float(self.env.now)

    # ----------------------------------------------------------- planning
    def transit(
        self,
        nations: Iterable[str | None],
        mode: Mode,
        exempt: Iterable[str] = (),
        at: float | None = None,
    ) -> TransitCheck:
        """Passability by ``mode`` for a movement carrying forces of ``nations``.

        The policy is read at ``at`` (simulated hours), by default now.
        """
        known = tuple(sorted({n for n in nations if n is not None}))
        return TransitCheck(self, known, mode, self.now if at is None else at, frozenset(exempt))

    def fleets_for(self, unit: Unit, mode: Mode) -> list[FleetState]:
        """Candidate fleets of a unit, in its order of preference."""
        if unit.fleets:
            chosen = [self.fleets[f] for f in unit.fleets]
        else:
            chosen = list(self.fleets.values())
        return [f for f in chosen if f.type.mode == mode]

    def plan(self, unit: Unit, at: float | None = None, ignore_policy: bool = False) -> Plan:
        """Route, fleets and loads of a unit under the policy in force now (or ``at``).

        A plan depends only on the scenario, the policy epoch and which of the
        unit's fleets have carriers, so it is made once per scenario for each of
        those and shared by every replication (as fleet ids: the fleets are the
        world's).

        Raises:
            NoPlan: with the reason, if the unit cannot move then.
            CannotLoad: if its equipment does not fit its carriers.
        """
        candidates = () if unit.mode == "self_deploy" else self.fleets_for(unit, unit.mode)
        key = (
            unit.id, ignore_policy, self.policy.epoch(self.now if at is None else at),
            tuple(bool(f.carriers) for f in candidates),
        )  # fmt: skip
        known = self._plans.get(key)
        if known is None:
            plan = self._make_plan(unit, at, ignore_policy)
            self._plans[key] = (plan.route, tuple(f.spec.id for f in plan.fleets), plan.loads)
            return plan
        route, ids, loads = known
        return Plan(unit, route, tuple(self.fleets[i] for i in ids), loads)

    def _make_plan(self, unit: Unit, at: float | None, ignore_policy: bool) -> Plan:
        nations = [] if ignore_policy else [unit.nation]
        check = self.transit(nations, _route_mode(self, unit), (unit.origin, unit.destination), at)
        if unit.mode == "self_deploy":
            assert unit.vehicle is not None
            vtype = self.types[unit.vehicle]
            route = self._route_for(unit, [vtype], check)
            return Plan(unit, route, (), _groups(unit, vtype))
        candidates = self.fleets_for(unit, unit.mode)
        if not candidates:
            raise NoPlan(f"no {unit.mode} fleet can carry it")
        if unit.mode == "air":
            fleet = candidates[0]
            route = self._route_for(unit, [fleet.type], check)
            return Plan(unit, route, (fleet,), tuple(_split(unit, [fleet.type])))
        if unit.mode == "road":
            route = self._route_for(unit, [candidates[0].type], check)
            return Plan(unit, route, (candidates[0],), tuple(_split(unit, [candidates[0].type])))
        types = [f.type for f in _first_per_gauge(candidates).values()]
        found = self.route(unit.origin, unit.destination, types, check)
        if found is None:
            raise NoPlan(self._no_rail_route(unit, candidates, check))
        fleets = self._segment_fleets(candidates, found, at)
        return Plan(unit, found, fleets, tuple(_split(unit, [f.type for f in fleets])))

    def replan(self, unit: Unit, node: str, gauge: int | None) -> tuple[Route, list[FleetState]]:
        """A unit's way on from ``node`` under the policy in force now (not by air fleet).

        ``gauge`` is that of the train the load is aboard (None if it is not
        aboard one, or off rail). The fleets are chosen as in :meth:`plan`,
        one per segment, the nearest of the right gauge; a self-deploying unit
        has none.

        Raises:
            NoPlan: if no route is open from ``node`` now.
        """
        if unit.mode == "self_deploy":
            assert unit.vehicle is not None
            vtype = self.types[unit.vehicle]
            check = self.transit([unit.nation], vtype.mode, (unit.origin, unit.destination))
            found = self.route(node, unit.destination, [vtype], check)
            if found is None:
                raise NoPlan(f"no {vtype.mode} route from {node} to {unit.destination} is open now")
            return found, []
        assert unit.mode == "rail" or unit.mode == "road"
        candidates = self.fleets_for(unit, unit.mode)
        check = self.transit([unit.nation], unit.mode, (unit.origin, unit.destination))
        if unit.mode == "road":
            types = [candidates[0].type]
        else:
            types = [f.type for f in _first_per_gauge(candidates).values()]
        route = self.route(node, unit.destination, types, check, gauge)
        if route is None:
            raise NoPlan(f"no {unit.mode} route from {node} to {unit.destination} is open now")
        if unit.mode == "road":
            return route, [candidates[0]]
        return route, list(self._segment_fleets(candidates, route, None))

    def _no_rail_route(
        self, unit: Unit, candidates: Sequence[FleetState], check: TransitCheck
    ) -> str:
        """Why no rail route takes a unit from origin to destination on its fleets.

        The transit policy (a route exists when it is ignored: "... open now"),
        a gauge on the way that none of the unit's candidate fleets runs on, a
        change of gauge at a node with no transfer point, or no rail line at all.
        """
        by_gauge = _first_per_gauge(candidates)
        types = [fleet.type for fleet in by_gauge.values()]
        closed = f"no rail route from {unit.origin} to {unit.destination} is open now"
        if check.nations:
            anyone = self.transit([], "rail", check.exempt, check.now)
            if self.route(unit.origin, unit.destination, types, anyone) is not None:
                return closed
        speed = mean(types[0].speed_kmh)
        gauges = {g for g in by_gauge if g is not None}
        gaps = self.network.rail_gaps(unit.origin, unit.destination, gauges, speed)
        if gaps is None:
            return f"no rail line runs from {unit.origin} to {unit.destination}"
        ids = ", ".join(fleet.spec.id for fleet in candidates)
        reasons = []
        for gauge in dict.fromkeys(g for g, _, _ in gaps.gauges):
            a, b = next((a, b) for g, a, b in gaps.gauges if g == gauge)
            missing = (
                f"no fleet of {gauge:,} mm is listed for it (fleets: {ids})"
                if unit.fleets
                else f"no rail fleet runs on {gauge:,} mm (rail fleets: {ids})"
            )
            reasons.append(f"the line from {a} to {b} is {gauge:,} mm and {missing}")
        for node, g1, g2 in gaps.breaks:
            reasons.append(
                f"no transfer_h at the gauge break at {node} (from {g1:,} mm to {g2:,} mm)"
            )
        return "; ".join(reasons) or closed

    def _segment_fleets(
        self, candidates: Sequence[FleetState], route: Route, at: float | None
    ) -> tuple[FleetState, ...]:
        """For each stretch of one gauge of ``route``, the nearest candidate fleet on it."""
        return tuple(
            self._nearest_fleet(candidates, seg[0].gauge_mm, seg[0].start, at)
            for seg in route.segments()
        )

    def _nearest_fleet(
        self, fleets: Sequence[FleetState], gauge: int | None, start: str, at: float | None
    ) -> FleetState:
        """The fleet on ``gauge`` whose base is the fewest hours away from ``start``.

        Ties go to the fleet listed first. Rail fleets of other gauges, fleets
        with no carriers (yet), and fleets whose carriers cannot reach ``start``
        at all, are skipped.
        """
        best: tuple[float, int, FleetState] | None = None
        for order, fleet in enumerate(fleets):
            if fleet.type.gauge_mm != gauge or not fleet.carriers:
                continue
            base = fleet.spec.base
            try:
                hours = 0.0 if base == start else self.empty_route(fleet, base, start, at).cost_h
            except NoPlan:
                continue
            if best is None or (hours, order) < best[:2]:
                best = (hours, order, fleet)
        if best is None:
            raise NoPlan(f"no fleet on gauge {gauge} mm can reach {start}")
        return best[2]

    def route(
        self,
        start: str,
        end: str,
        types: Sequence[TransportType],
        check: TransitCheck,
        start_gauge: int | None = None,
    ) -> Route | None:
        """Fastest route for the carrier types under ``check``, or None.

        Routes depend only on the scenario, the types, the nations, the exempt
        nodes and which policy changes have taken effect, so they are computed
        once per scenario and shared by every replication.
        """
        key: tuple[Any, ...] = (
            start, end, tuple(t.id for t in types), check.nations, check.mode, check.exempt,
            self.policy.epoch(check.now),
        )  # fmt: skip
        if start_gauge is not None:
            key = (*key, start_gauge)
        if key not in self._routes:
            if types[0].mode == "air":
                found = self.network.route_air(start, end, types[0], check)
            else:
                found = self.network.route_surface(
                    start, end, types[0].mode, types, check, start_gauge
                )
            self._routes[key] = found
        return self._routes[key]

    def _route_for(self, unit: Unit, types: Sequence[TransportType], check: TransitCheck) -> Route:
        mode = types[0].mode
        route = self.route(unit.origin, unit.destination, types, check)
        if route is None:
            raise NoPlan(f"no {mode} route from {unit.origin} to {unit.destination} is open now")
        return route

    # ------------------------------------------------------------ waiting
    def hold_gate(self, entities: Sequence[str], mode: str, node: str, link: str) -> Process:
        """Wait while a hold stops departures from ``node`` onto ``link``."""
        while (hold := hold_until(self.holds, self.now, mode, node, link)) is not None:
            start = self.now
            yield self.env.timeout(hold.end - start)
            place = node if hold.node == node else link
            for entity in entities:
                self.log.wait(start, self.now, entity, place, hold.cause, inject=hold.id)

    def occupy(
        self, resources: NodeResources[simpy.Resource], node: str, entity: str, cause: str
    ) -> Generator[simpy.Event, Any, simpy.resources.resource.Request | None]:
        """Request the node's resource if it has one; record the wait."""
        resource = resources.get(node)
        if resource is None:
            return None
        start = self.now
        request = resource.request()
        yield request
        self.log.wait(start, self.now, entity, node, cause)
        return request

    def vacate(
        self,
        resources: NodeResources[simpy.Resource],
        node: str,
        request: simpy.resources.resource.Request | None,
        since: float,
        entity: str,
        what: str,
    ) -> None:
        """Release a node resource taken by ``occupy`` and record the use."""
        if request is None:
            return
        resources[node].release(request)
        self.log.add(self.now, entity, "occupy", node, resource=what, start=since, amount=1)

    def park(self, entities: Sequence[str], node: str, aircraft: int) -> Process:
        """Wait for ``aircraft`` parking places at ``node`` (if it has a limit)."""
        apron = self.parking.get(node)
        if apron is None:
            return
        if aircraft > apron.capacity:
            raise NoPlan(f"{aircraft} aircraft cannot park at {node}: room for {apron.capacity}")
        start = self.now
        yield apron.get(aircraft)
        for entity in entities:
            self.log.wait(start, self.now, entity, node, "parking")

    def unpark(self, entity: str, node: str, aircraft: int, since: float) -> None:
        """Give back parking places taken by ``park`` and record the use."""
        apron = self.parking.get(node)
        if apron is None:
            return
        apron.put(aircraft)
        self.log.add(
            self.now, entity, "occupy", node, resource="parking", start=since, amount=aircraft
        )

    def enter_line(
        self,
        line: Line,
        train: str,
        waiting: Sequence[str],
        loads: Sequence[str],
        node: str,
        link: str,
    ) -> Generator[simpy.Event, Any, tuple[TrainPath | None, TrainPath]]:
        """Take the next train path onto ``link`` from ``node``; record the wait.

        Paths go in the order trains ask for them (the order they are ready),
        ``line.headway_h`` apart. Returns the path of the train ahead (None if
        there is none) and this train's own, to mark when it leaves.
        The ``train`` gets an ``enter_line`` record naming the ``loads`` aboard.
        """
        start = float(self.env.now)
        entry = max(start, line.next_entry)
        line.next_entry = entry + line.headway_h
        ahead, path = line.last, TrainPath()
        line.last = path
        if entry > start:
            yield self.env.timeout(entry - start)
            for entity in waiting:
                self.log.wait(start, self.now, entity, node, "line", link=link)
        self.log.add(self.env.now, train, "enter_line", node, link=link, loads=list(loads))
        return ahead, path

    def leave_line(
        self, ahead: TrainPath | None, path: TrainPath, train: str, waiting: Sequence[str],
        loads: Sequence[str], node: str, link: str,
    ) -> Process:  # fmt: skip
        """Leave a line at ``node``, never before the train ahead; record the wait.

        The ``train`` gets a ``leave_line`` record naming the ``loads`` aboard.
        """
        if ahead is not None and not ahead.left:
            start = self.now
            ahead.follower = self.env.event()
            yield ahead.follower
            for entity in waiting:
                self.log.wait(start, self.now, entity, node, "line", link=link)
        self.log.add(self.env.now, train, "leave_line", node, link=link, loads=list(loads))
        path.left = True
        if path.follower is not None:
            path.follower.succeed()

    # ----------------------------------------------------------- carriers
    def acquire(self, fleet: FleetState, entity: str, node: str) -> Process:
        """Wait for a free carrier of ``fleet`` and bring it to ``node``."""
        start = self.now
        carrier: Carrier = yield fleet.idle.get()
        self.log.wait(
            start, self.now, entity, node, CARRIER_WAIT[fleet.type.mode], carrier=carrier.id
        )
        carrier_since = self.now
        if carrier.location != node:
            start = self.now
            yield from self.reposition(carrier, node)
            self.log.wait(start, self.now, entity, node, "positioning", carrier=carrier.id)
        return carrier, carrier_since

    def empty_route(
        self, fleet: FleetState, start: str, end: str, at: float | None = None
    ) -> Route:
        """Route for an empty carrier of ``fleet`` (its own nation's transit rights).

        The policy is read at ``at`` (simulated hours), by default now.

        Raises:
            NoPlan: if there is none.
        """
        when = self.now if at is None else at
        key = (fleet.spec.id, start, end, self.policy.epoch(when))
        if key in self._empty_routes:
            route = self._empty_routes[key]
        else:
            check = self.transit([fleet.spec.nation], fleet.type.mode, (start, end), when)
            route = self._empty_routes[key] = self.route(start, end, [fleet.type], check)
        if route is None:
            raise NoPlan(f"{article(fleet.spec.id)} carrier has no route from {start} to {end}")
        return route

    def reposition(self, carrier: Carrier, node: str) -> Process:
        """Move a carrier empty to ``node`` over its own mode's network.

        Raises:
            NoPlan: at once, if the carrier has no route there.
        """
        route = self.empty_route(carrier.fleet, carrier.location, node)
        # The movement itself, not a generator around it: one frame less at every step.
        return self.traverse(route, carrier.fleet.type, [carrier.id], [], carrier=carrier)

    def traverse(
        self,
        route: Route | Sequence[Leg],
        ttype: TransportType,
        waiting: Sequence[str],
        recorded: Sequence[str],
        *,
        aircraft: int = 1,
        carrier: Carrier | None = None,
        unit: str | None = None,
        on_depart: Callable[[], None] | None = None,
        stop_at: Callable[[str], bool] | None = None,
        speed: float | None = None,
    ) -> Generator[simpy.Event, Any, int]:
        """Move over a route's legs, the same way for every carrier and group.

        Before each departure from a place it halted at, and before entering
        each link, wait out any hold (``waiting`` all wait); then, on a rail
        link with ``trains_per_day``, wait for the next train path in that
        direction and, at its end, for the train that entered before (cause
        ``line``). Aircraft make a
        fuel stop (``aircraft`` parking places, ``refuel_h``) wherever they
        land on the way and fly over the other nodes. Every halt costs the
        node's border time. A carrier of a fleet (or a group of a
        self-deploying ``unit``) named by a breakdown inject may break down on
        each leg. ``recorded`` entities get ``leave`` (each departure from a
        place it halted at), ``reach``, ``overfly``, ``border`` and ``stop``
        records; ``on_depart`` is called as the movement leaves
        its first place, after any hold there. If ``stop_at`` is given, it is
        asked at each node reached before the last; when it says so, the
        movement stops there. ``speed`` is the one drawn for a movement that
        goes on after such a stop (else drawn here).

        Uncertain quantities are drawn from the stream of ``waiting[0]`` (the
        carrier, or the load or group that moves itself): the speed once for
        the whole movement, the other times at each use.

        Returns:
            The number of legs moved over: all of them, unless ``stop_at`` stopped it.
        """
        legs = route.legs if isinstance(route, Route) else tuple(route)
        overflown = route.overflown if isinstance(route, Route) else frozenset()
        env, log, streams = self.env, self.log, self.streams
        record = log.record
        who = waiting[0]
        if speed is None:
            speed = streams.draw(who, ttype.speed_kmh)
        key = carrier.fleet.spec.id if carrier is not None else unit
        breakdowns = self.breakdowns.get(key, ()) if key is not None else ()
        mode = ttype.mode
        air = mode == "air"
        window = ttype.flying_window
        lines = self.lines if self.lines else None
        held_nodes, held_links = self._held_nodes, self._held_links
        border_h = self._border_h
        last = len(legs) - 1
        for n, leg in enumerate(legs):
            halted = n == 0 or (n - 1) not in overflown
            if halted:
                if n and air:
                    hours = streams.draw(who, ttype.refuel_h)
                    yield from self.fuel_stop(waiting, recorded, leg.start, aircraft, hours)
                gate = leg.start
            else:
                gate = ""
            # Most departures meet no hold: only then is the gate's process needed.
            if (gate in held_nodes or leg.link in held_links) and hold_until(
                self.holds, env.now, mode, gate, leg.link
            ) is not None:
                yield from self.hold_gate(waiting, mode, gate, leg.link)
            if halted and window is not None:
                yield from self.await_window(waiting, ttype, legs, n, overflown, speed)
            line = None if lines is None else lines.get((leg.link, leg.start))
            if line is not None:
                train = carrier.id if carrier is not None else who
                ahead, path = yield from self.enter_line(
                    line, train, waiting, recorded, leg.start, leg.link
                )
            if n == 0 and on_depart is not None:
                on_depart()
            if halted and recorded:
                now = float(env.now)
                for entity in recorded:
                    record(now, entity, "leave", leg.start)
            # Leg.hours, written out (the same arithmetic): this runs on every leg.
            limit = leg.speed_limit_kmh
            yield env.timeout(leg.km / (speed if limit is None else min(speed, limit)))
            if carrier is not None:
                carrier.location = leg.end
            for inj in breakdowns:
                count = int(streams(who).poisson(inj.per_1000_km * leg.km / 1000.0))
                if count:
                    start = self.now
                    repair = sum(streams.draw(who, inj.repair_h) for _ in range(count))
                    yield env.timeout(repair)
                    for entity in waiting:
                        log.wait(start, self.now, entity, leg.end, inj.cause,
                                 inject=inj.id, breakdowns=count)  # fmt: skip
            if line is not None:
                yield from self.leave_line(ahead, path, train, waiting, recorded, leg.end, leg.link)
            if n in overflown:
                if recorded:
                    now = float(env.now)
                    for entity in recorded:
                        record(now, entity, "overfly", leg.end)
                continue
            time_h = border_h[leg.end]
            border = 0.0 if time_h is None else streams.draw(who, time_h)
            if border:
                yield env.timeout(border)
                for entity in recorded:
                    log.add(self.now, entity, "border", leg.end, hours=border)
            if recorded:
                now = float(env.now)
                for entity in recorded:
                    record(now, entity, "reach", leg.end)
            if stop_at is not None and n < last and stop_at(leg.end):
                return n + 1
        return len(legs)

    def await_window(
        self,
        waiting: Sequence[str],
        ttype: TransportType,
        legs: Sequence[Leg],
        n: int,
        overflown: frozenset[int],
        speed: float,
    ) -> Process:
        """Before taking off on ``legs[n]``, wait until the flight to the next landing fits
        the type's flying window (cause ``flying_window``); a hold met after the wait is
        waited out too."""
        assert ttype.flying_window is not None
        last = n
        while last in overflown:
            last += 1
        flight = sum(legs[i].hours(speed) for i in range(n, last + 1))
        node = legs[n].start
        if self._offsets is None:
            self._offsets = utc_offsets(self.scenario)
        while True:
            local = local_hour(self.clock.start, self.now, self._offsets[node])
            hours = flying_wait(ttype.flying_window, local, flight)
            if hours <= 0.0:
                return
            start = self.now
            yield self.env.timeout(hours)
            for entity in waiting:
                self.log.wait(start, self.now, entity, node, "flying_window")
            yield from self.hold_gate(waiting, ttype.mode, node, legs[n].link)

    def fuel_stop(
        self, waiting: Sequence[str], recorded: Sequence[str], node: str, aircraft: int,
        hours: float,
    ) -> Process:  # fmt: skip
        """Land, wait for parking, refuel, take off."""
        yield from self.park(waiting, node, aircraft)
        parked = self.now
        for entity in recorded:
            self.log.add(self.now, entity, "land", node)
        yield self.env.timeout(hours)
        for entity in recorded:
            self.log.add(self.now, entity, "stop", node, hours=hours)
        self.unpark(waiting[0], node, aircraft, parked)

    def start(self, process: Process, entity: str, place: str) -> simpy.Process:
        """Start a process; if it finds no way on, it is logged as stranded."""
        return self.env.process(self._guarded(process, entity, place))

    def _guarded(self, process: Process, entity: str, place: str) -> Process:
        try:
            yield from process
        except NoPlan as why:
            self.log.add(self.now, entity, "stranded", place, reason=str(why))

    def release(self, carrier: Carrier, since: float, loads: Sequence[Load]) -> None:
        """Send a carrier home after a trip; it is free again after turnaround."""
        self.start(self._go_home(carrier, since, tuple(loads)), carrier.id, carrier.location)

    def _go_home(self, carrier: Carrier, since: float, loads: tuple[Load, ...]) -> Process:
        base = carrier.fleet.spec.base
        if carrier.location != base:
            yield from self.reposition(carrier, base)
        yield self.env.timeout(self.streams.draw(carrier.id, carrier.fleet.type.turnaround_h))
        self.log_trip(carrier, since, loads)
        if not self.retire(carrier):
            yield carrier.fleet.idle.put(carrier)

    def retire(self, carrier: Carrier) -> bool:
        """Withdraw a carrier back at base if its fleet still owes a loss."""
        if carrier.fleet.retiring <= 0:
            return False
        carrier.fleet.retiring -= 1
        self.log.add(self.now, carrier.id, "lost", carrier.location, fleet=carrier.fleet.spec.id)
        return True

    def lose(self, inject: LossInject) -> Process:
        """At the inject's time, withdraw carriers: idle ones at once, busy ones on return."""
        yield self.env.timeout(max(0.0, self.clock.hours(inject.at) - self.now))
        fleet = self.fleets[inject.fleet]
        owed = inject.count
        if fleet.requests is None:
            while owed and fleet.idle.items:
                carrier = fleet.idle.items.pop(0)
                self.log.add(self.now, carrier.id, "lost", carrier.location, fleet=fleet.spec.id,
                             inject=inject.id)  # fmt: skip
                owed -= 1
        else:
            for carrier in fleet.carriers:
                if owed and carrier.idle_since is not None and carrier.process is not None:
                    carrier.process.interrupt(inject.id)
                    carrier.idle_since = None
                    owed -= 1
        fleet.retiring += owed

    def log_trip(self, carrier: Carrier, since: float, loads: Sequence[Load], **extra: Any) -> None:
        """Record a carrier's finished trip: when it began, what it carried."""
        self.log.add(
            self.now,
            carrier.id,
            "trip",
            carrier.fleet.spec.base,
            fleet=carrier.fleet.spec.id,
            start=since,
            hours=self.now - since,
            loads=[load.id for load in loads],
            personnel=sum(load.personnel for load in loads),
            tonnes=round(sum(load.tonnes for load in loads), 6),
            outsize=sum(load.outsize for load in loads),
            **extra,
        )

    def log_move(self, kind: str, load: Load, place: str, **detail: Any) -> None:
        """Record a load's departure, entraining or arrival, with what it carries.

        The arrival of a unit's last load closes the unit.
        """
        if kind == "arrive":
            count = self._arrived[load.unit] = self._arrived.get(load.unit, 0) + 1
            if count == len(self.plans[load.unit].loads):
                self.closed[load.unit].succeed()
        self.log.add(
            self.now,
            load.id,
            kind,
            place,
            personnel=load.personnel,
            vehicles=load.vehicle_count,
            tonnes=load.tonnes,
            **detail,
        )


RouteCache = dict[tuple[Any, ...], Route | None]
PlanCache = dict[tuple[Any, ...], tuple[Route, tuple[str, ...], tuple[Load, ...]]]
"""(unit, ignore policy, policy epoch, which of its fleets have carriers) -> its plan."""


@dataclass
class Derived:
    """What a world takes from its scenario alone: made once, shared by its replications.

    Scenarios are immutable, so all of it stays valid; nothing here changes
    during a run except the route and plan caches, which only grow.
    """

    scenario: Scenario
    """Kept so that the scenario's id is not reused while its entry lives."""
    network: Network
    clock: Clock
    policy: TransitPolicy
    types: dict[str, TransportType]
    breakdowns: dict[str, list[BreakdownInject]]
    border_h: dict[str, float | Distribution | None]
    loading_ramps: dict[str, int]
    transfer_points: dict[str, int]
    parking: dict[str, int]
    headways: dict[tuple[str, str], float]
    """(rail link id, entry node) -> hours between train paths, for links with a limit."""
    routes: RouteCache = field(default_factory=dict)
    plans: PlanCache = field(default_factory=dict)
    empty_routes: RouteCache = field(default_factory=dict)
    """(fleet id, start, end, policy epoch) -> an empty carrier's route (see ``route``)."""

    @classmethod
    def of(cls, scenario: Scenario) -> Derived:
        clock = Clock(scenario.clock.start, scenario.clock.d_day)
        breakdowns: dict[str, list[BreakdownInject]] = {}
        for inj in scenario.injects:
            if isinstance(inj, BreakdownInject):
                for key in (*inj.fleets, *inj.units):
                    breakdowns.setdefault(key, []).append(inj)
        limits = {node.id: node.limits for node in scenario.nodes}
        return cls(
            scenario, Network(scenario), clock, TransitPolicy(scenario, clock),
            {t.id: t for t in scenario.transport_types}, breakdowns,
            {n: lim.border_h for n, lim in limits.items()},
            {n: lim.loading_ramps for n, lim in limits.items() if lim.loading_ramps},
            {n: lim.transfer_capacity for n, lim in limits.items() if lim.transfer_capacity},
            {n: lim.parking for n, lim in limits.items() if lim.parking},
            {(link.id, entry): 24.0 / link.trains_per_day
             for link in scenario.links if link.trains_per_day is not None
             for entry in (link.a, link.b)},
        )  # fmt: skip


_CACHES: OrderedDict[int, Derived] = OrderedDict()
_CACHE_SCENARIOS = 8


def _derived(scenario: Scenario) -> Derived:
    """What is derived from a scenario (network, caches, limits), for its replications."""
    entry = _CACHES.get(id(scenario))
    if entry is None or entry.scenario is not scenario:
        entry = Derived.of(scenario)
        _CACHES[id(scenario)] = entry
        while len(_CACHES) > _CACHE_SCENARIOS:
            _CACHES.popitem(last=False)
    _CACHES.move_to_end(id(scenario))
    return entry


def _first_per_gauge(fleets: Sequence[FleetState]) -> dict[int | None, FleetState]:
    """The first of ``fleets`` on each gauge, in their order: the types a route may use."""
    by_gauge: dict[int | None, FleetState] = {}
    for fleet in fleets:
        by_gauge.setdefault(fleet.type.gauge_mm, fleet)
    return by_gauge


def _route_mode(world: World, unit: Unit) -> Mode:
    if unit.mode == "self_deploy":
        assert unit.vehicle is not None
        return world.types[unit.vehicle].mode
    return unit.mode


def _split(unit: Unit, types: Sequence[TransportType]) -> list[Load]:
    """Loads that fit every carrier type on the route (the smallest of each measure)."""
    capacity = Capacity(
        personnel=min(t.capacity.personnel for t in types),
        tonnes=min(t.capacity.tonnes for t in types),
        outsize=min(t.capacity.outsize for t in types),
    )
    return split(unit.id, unit.personnel, list(unit.equipment), capacity)


def _groups(unit: Unit, vtype: TransportType) -> tuple[Load, ...]:
    """A self-deploying unit's movement groups, as loads: vehicles and crews."""
    size = unit.group_size or unit.vehicles
    count = math.ceil(unit.vehicles / size)
    sizes = [min(size, unit.vehicles - k * size) for k in range(count)]
    people = [unit.personnel * s // unit.vehicles for s in sizes]
    for k in range(unit.personnel - sum(people)):
        people[k % count] += 1
    return tuple(Load(unit.id, k, people[k], 0.0, 0, ((vtype.id, sizes[k]),)) for k in range(count))


@dataclass(frozen=True)
class Result:
    """What one replication produced: the event log and the planned loads."""

    scenario: Scenario
    seed: int
    events: tuple[Event, ...]
    loads: dict[str, tuple[Load, ...]]
    end_h: float
