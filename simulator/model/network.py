"""Geography and routing: the network of places and links, and route planning.

Each mode (rail, road, air) has its own graph. A route is planned for one
carrier type at one moment: it may only use links that type can run (the rail
gauge, an aircraft's range per leg), and only pass through countries whose
transit policy lets the unit's nation pass by that mode at that moment.

Rail routes are planned on a graph of (node, gauge) states, so that a change
of gauge is only possible at a node with a transfer point, and costs its
transshipment time. Route cost is the expected travel time in hours:
running time, border formalities, fuel stops and transshipments.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from simulator.model.graph import EdgeData, Graph, dijkstra, shortest_path
from simulator.scenario.distributions import mean
from simulator.scenario.models import Link, Mode, Node, Scenario, TransportType

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), used for great-circle distances."""


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, km (haversine formula)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Leg:
    """One link traversed in one direction."""

    link: str
    start: str
    end: str
    km: float
    gauge_mm: int | None
    speed_limit_kmh: float | None

    def hours(self, speed_kmh: float) -> float:
        """Running time at a carrier's speed, within the link's limit."""
        speed = speed_kmh if self.speed_limit_kmh is None else min(speed_kmh, self.speed_limit_kmh)
        return self.km / speed


@dataclass(frozen=True, slots=True)
class Route:
    """A planned route: legs in order; ``nodes`` lists every node passed."""

    mode: Mode
    legs: tuple[Leg, ...]
    cost_h: float
    overflown: frozenset[int] = frozenset()
    """Air only: indices of legs whose end node is flown over, not landed at."""
    _segments: tuple[tuple[Leg, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        runs: list[list[Leg]] = []
        for leg in self.legs:
            if runs and runs[-1][-1].gauge_mm == leg.gauge_mm:
                runs[-1].append(leg)
            else:
                runs.append([leg])
        object.__setattr__(self, "_segments", tuple(tuple(run) for run in runs))

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node ids from origin to destination, including those flown over."""
        if not self.legs:
            return ()
        return (self.legs[0].start, *(leg.end for leg in self.legs))

    @property
    def stops(self) -> tuple[str, ...]:
        """Node ids where the movement halts: origin, intermediate stops, destination."""
        if not self.legs:
            return ()
        ends = (leg.end for n, leg in enumerate(self.legs) if n not in self.overflown)
        return (self.legs[0].start, *ends)

    @property
    def km(self) -> float:
        """Route length."""
        return sum(leg.km for leg in self.legs)

    def segments(self) -> list[tuple[Leg, ...]]:
        """Maximal runs of legs on the same gauge (one segment off rail)."""
        return list(self._segments)


GAP_PENALTY_H = 1e6
"""Cost of each gap in the search for what a rail route lacks: more than any real route."""


@dataclass(frozen=True, slots=True)
class RailGaps:
    """What a rail route lacks (see :meth:`Network.rail_gaps`)."""

    gauges: tuple[tuple[int, str, str], ...]
    """Runs of the route on a gauge no carrier of the unit runs on: (gauge, from, to)."""
    breaks: tuple[tuple[str, int, int], ...]
    """Changes of gauge at a node without a transfer point: (node, from gauge, to gauge)."""


class Passable(Protocol):
    """Says whether a moving unit may pass a node or use a link now."""

    def node_ok(self, node: str) -> bool:
        """True if the unit may pass through (or stop at) ``node``."""
        ...

    def link_ok(self, link: str) -> bool:
        """True if the unit may use ``link`` (including the countries it crosses)."""
        ...


class Network:
    """The scenario's places and links as one graph per mode."""

    def __init__(self, scenario: Scenario) -> None:
        self.nodes: dict[str, Node] = {n.id: n for n in scenario.nodes}
        self.links: dict[str, Link] = {link.id: link for link in scenario.links}
        self.graphs: dict[Mode, Graph[str]] = {m: Graph() for m in ("rail", "road", "air")}
        self.rail_links: list[tuple[Link, float]] = []
        """Every rail link with its length: two gauges may join the same places."""
        for link in scenario.links:
            graph = self.graphs[link.mode]
            km = self.link_km(link)
            if link.mode == "rail":
                self.rail_links.append((link, km))
            current = graph.edge(link.a, link.b)
            # Two links of one mode between the same places: keep the shorter.
            if current is None or km < current["km"]:
                graph.add_edge(link.a, link.b, link=link.id, km=km)

    def link_km(self, link: Link) -> float:
        """Length of a link: as given, or great circle times the detour factor."""
        if link.distance_km is not None:
            return link.distance_km
        a, b = self.nodes[link.a], self.nodes[link.b]
        return great_circle_km(a.lat, a.lon, b.lat, b.lon) * link.detour

    def border_h(self, node: str) -> float:
        """Expected border and customs hours at ``node`` (for planning routes)."""
        hours = self.nodes[node].limits.border_h
        return 0.0 if hours is None else mean(hours)

    def transfer_h(self, node: str) -> float | None:
        """Expected transshipment hours at ``node``, or None if it has no transfer point."""
        hours = self.nodes[node].limits.transfer_h
        return None if hours is None else mean(hours)

    def route_surface(
        self,
        origin: str,
        destination: str,
        mode: Mode,
        types: Sequence[TransportType],
        passable: Passable,
        start_gauge: int | None = None,
    ) -> Route | None:
        """Fastest rail or road route for the given carrier types.

        Rail: each type runs on its own gauge; the route may change gauge only
        at a transfer point. With ``start_gauge`` (a load already aboard a
        train of that gauge) the route sets off on that gauge, or changes gauge
        at the origin if the origin is a transfer point. Road: the first type's
        speed is used.
        """
        graph = self.graphs[mode]
        if origin not in graph or destination not in graph:
            return None
        if mode == "road":
            speed = mean(types[0].speed_kmh)
            return self._shortest(
                graph,
                origin,
                destination,
                mode,
                lambda leg: leg.hours(speed) + self.border_h(leg.end),
                passable,
            )
        speeds: dict[int, float] = {}
        for ttype in types:
            assert ttype.gauge_mm is not None
            speeds.setdefault(ttype.gauge_mm, mean(ttype.speed_kmh))
        states: Graph[tuple[str, ...] | tuple[str, int | None]] = Graph(directed=True)
        for link, km in self.rail_links:
            gauge = link.gauge_mm
            if gauge not in speeds or not passable.link_ok(link.id):
                continue
            for a, b in ((link.a, link.b), (link.b, link.a)):
                if not passable.node_ok(b):
                    continue
                leg = Leg(link.id, a, b, km, gauge, link.speed_kmh)
                weight = leg.hours(speeds[gauge]) + self.border_h(b)
                known = states.edge((a, gauge), (b, gauge))
                # Two links of one gauge between the same places: the faster one.
                if known is None or weight < known["w"]:
                    states.add_edge((a, gauge), (b, gauge), leg=leg, w=weight)
        for node_id in sorted(graph):
            hours = self.transfer_h(node_id)
            if hours is None:
                continue
            for g1 in speeds:
                for g2 in speeds:
                    if g1 != g2 and (node_id, g1) in states and (node_id, g2) in states:
                        states.add_edge((node_id, g1), (node_id, g2), leg=None, w=hours)
        src, dst = ("src",), ("dst",)
        for gauge in sorted(speeds):
            if (origin, gauge) in states and start_gauge in (None, gauge):
                states.add_edge(src, (origin, gauge), leg=None, w=0.0)
            if (destination, gauge) in states:
                states.add_edge((destination, gauge), dst, leg=None, w=0.0)
        if src not in states or dst not in states:
            return None
        found = shortest_path(states, src, dst, "w")
        if found is None:
            return None
        cost, path = found
        legs = [states.adj[a][b]["leg"] for a, b in itertools.pairwise(path)]
        return Route(mode, tuple(leg for leg in legs if leg is not None), float(cost))

    def rail_gaps(
        self, origin: str, destination: str, gauges: Collection[int], speed_kmh: float
    ) -> RailGaps | None:
        """What the rail network lacks for a route: fleet gauges and gauge breaks.

        Called when no rail route exists for a unit's carrier ``gauges``, to say
        why. The search runs on every gauge of the network, may change gauge at
        any node, and ignores transit policy; a leg on a gauge outside ``gauges``
        and a change of gauge at a node without a transfer point each cost
        :data:`GAP_PENALTY_H`, so the route found is one that needs the fewest
        of them.

        Returns:
            The gaps of that route, or ``None`` if no rail line joins the two
            places at all.
        """
        states: Graph[tuple[str, ...] | tuple[str, int | None]] = Graph(directed=True)
        at_node: dict[str, set[int]] = {}
        for link, km in self.rail_links:
            gauge = link.gauge_mm
            assert gauge is not None
            for a, b in ((link.a, link.b), (link.b, link.a)):
                leg = Leg(link.id, a, b, km, gauge, link.speed_kmh)
                weight = leg.hours(speed_kmh) + (0.0 if gauge in gauges else GAP_PENALTY_H)
                known = states.edge((a, gauge), (b, gauge))
                if known is None or weight < known["w"]:
                    states.add_edge((a, gauge), (b, gauge), leg=leg, w=weight)
                at_node.setdefault(a, set()).add(gauge)
        for node_id in sorted(at_node):
            hours = self.transfer_h(node_id)
            for g1, g2 in itertools.permutations(sorted(at_node[node_id]), 2):
                weight = GAP_PENALTY_H if hours is None else hours
                states.add_edge((node_id, g1), (node_id, g2), leg=None, w=weight)
        src, dst = ("src",), ("dst",)
        for gauge in sorted(at_node.get(origin, ())):
            states.add_edge(src, (origin, gauge), leg=None, w=0.0)
        for gauge in sorted(at_node.get(destination, ())):
            states.add_edge((destination, gauge), dst, leg=None, w=0.0)
        if src not in states or dst not in states:
            return None
        found = shortest_path(states, src, dst, "w")
        if found is None:
            return None
        legs = [states.adj[a][b]["leg"] for a, b in itertools.pairwise(found[1])]
        route = Route("rail", tuple(leg for leg in legs if leg is not None), 0.0)
        runs = [
            (segment[0].gauge_mm, segment[0].start, segment[-1].end)
            for segment in route.segments()
            if segment[0].gauge_mm not in gauges
        ]
        breaks = [
            (left[-1].end, left[0].gauge_mm, right[0].gauge_mm)
            for left, right in itertools.pairwise(route.segments())
            if self.transfer_h(left[-1].end) is None
        ]
        return RailGaps(tuple(runs), tuple(breaks))  # type: ignore[arg-type]

    def can_land(self, node: str) -> bool:
        """Aircraft may land at airfields, and at nodes of no stated kind."""
        kinds = self.nodes[node].kind
        return not kinds or "airfield" in kinds

    def route_air(
        self,
        origin: str,
        destination: str,
        ttype: TransportType,
        passable: Passable,
    ) -> Route | None:
        """Fastest flight over the air corridors, landing only to refuel.

        Air links are corridors. A flight leg follows one or more corridors
        between two landing places (airfields, the origin, the destination)
        as long as its length is within the type's range; the nodes in
        between are flown over. Each intermediate landing is a fuel stop of
        ``refuel_h``. Transit policy applies to every node landed at or flown
        over, and to the countries a corridor ``crosses``.
        """
        graph = self.graphs["air"]
        if origin not in graph or destination not in graph:
            return None
        if origin == destination:
            return Route("air", (), 0.0)
        reach = ttype.range_km if ttype.range_km is not None else math.inf
        corridors: Graph[str] = Graph()
        for node in sorted(graph):
            corridors.add_node(node)
        for u, v, data in sorted(graph.edges(), key=lambda e: e[2]["link"]):
            if passable.link_ok(data["link"]) and passable.node_ok(u) and passable.node_ok(v):
                corridors.add_edge(u, v, **data)
        landings = {n for n in corridors if n in (origin, destination) or self.can_land(n)}
        speed, refuel = mean(ttype.speed_kmh), mean(ttype.refuel_h)

        def flights_from(start: str) -> dict[str, EdgeData]:
            """The flights from ``start`` to every landing place within range."""
            lengths, paths = dijkstra(corridors, start, "km", cutoff=reach)
            out: dict[str, EdgeData] = {}
            for end in sorted(lengths):
                if end == start or end not in landings:
                    continue
                legs = tuple(
                    self.leg_from(corridors, a, b, "air") for a, b in itertools.pairwise(paths[end])
                )
                hours = sum(leg.hours(speed) for leg in legs)
                stop = 0.0 if end == destination else refuel
                out[end] = {"legs": legs, "w": hours + stop}
            return out

        # The flights from a landing place are found only when the search reaches it:
        # the same graph, edges in the same order, as if every one were made first.
        flights: Graph[str] = Graph(directed=True)
        flights.adj = _Lazy(flights_from)
        found = shortest_path(flights, origin, destination, "w")
        if found is None:
            return None
        cost, path = found
        legs_out: list[Leg] = []
        overflown: set[int] = set()
        for a, b in itertools.pairwise(path):
            flight = flights.adj[a][b]["legs"]
            overflown.update(range(len(legs_out), len(legs_out) + len(flight) - 1))
            legs_out.extend(flight)
        return Route("air", tuple(legs_out), float(cost), frozenset(overflown))

    def _shortest(
        self,
        graph: Graph[str],
        origin: str,
        destination: str,
        mode: Mode,
        cost: Callable[[Leg], float],
        passable: Passable,
    ) -> Route | None:
        def weight(u: str, v: str, data: dict[str, object]) -> float | None:
            if not passable.node_ok(v):
                return None
            return cost(self.leg_from(graph, u, v, mode))

        if origin not in graph or destination not in graph:
            return None
        found = shortest_path(graph, origin, destination, weight)
        if found is None:
            return None
        total, path = found
        legs = tuple(self.leg_from(graph, u, v, mode) for u, v in itertools.pairwise(path))
        return Route(mode, legs, float(total))

    def leg_from(self, graph: Graph[str], u: str, v: str, mode: Mode) -> Leg:
        """The leg u -> v over ``graph``'s edge (a subgraph of the mode's graph)."""
        data = graph.adj[u][v]
        link = self.links[data["link"]]
        return Leg(data["link"], u, v, data["km"], link.gauge_mm, link.speed_kmh)


class _Lazy(dict[str, dict[str, EdgeData]]):
    """A graph's adjacency whose entries are made by ``make`` when first looked up."""

    def __init__(self, make: Callable[[str], dict[str, EdgeData]]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, node: str) -> dict[str, EdgeData]:
        made = self[node] = self._make(node)
        return made
