"""Air routes: flights found as the search reaches each landing place are the routes of
the whole graph of flights, made first (as the route planner once did)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from simulator.loading import load_scenario
from simulator.model.graph import Graph, dijkstra, shortest_path
from simulator.model.network import Leg, Network, Route
from simulator.scenario.distributions import mean
from simulator.scenario.models import TransportType

SCENARIOS = Path(__file__).parent.parent / "scenarios"


class Denying:
    """Passability that refuses a few nodes and links, to make the graphs differ."""

    def __init__(self, nodes: set[str], links: set[str]) -> None:
        self.nodes, self.links = nodes, links

    def node_ok(self, node: str) -> bool:
        return node not in self.nodes

    def link_ok(self, link: str) -> bool:
        return link not in self.links


def eager_route(
    net: Network, origin: str, destination: str, ttype: TransportType, passable: Denying
) -> Route | None:
    """The reference: every flight between landing places made before the search."""
    graph = net.graphs["air"]
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
    landings = sorted(n for n in corridors if n in (origin, destination) or net.can_land(n))
    flights: Graph[str] = Graph(directed=True)
    for start in landings:
        lengths, paths = dijkstra(corridors, start, "km", cutoff=reach)
        for end in sorted(lengths):
            if end == start or end not in landings:
                continue
            legs = tuple(
                net.leg_from(corridors, a, b, "air") for a, b in itertools.pairwise(paths[end])
            )
            hours = sum(leg.hours(mean(ttype.speed_kmh)) for leg in legs)
            stop = 0.0 if end == destination else mean(ttype.refuel_h)
            flights.add_edge(start, end, legs=legs, w=hours + stop)
    if origin not in flights or destination not in flights:
        return None
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


@pytest.mark.parametrize("path", ["peace_mission_2007.yaml", "peace_mission_2010.yaml"])
def test_lazy_flights_give_the_routes_of_all_flights_made_first(path: str) -> None:
    scenario = load_scenario(SCENARIOS / path).scenario
    net = Network(scenario)
    nodes = sorted(net.graphs["air"])
    links = sorted({data["link"] for _, _, data in net.graphs["air"].edges()})
    denials = [Denying(set(), set()), Denying(set(nodes[::7]), set(links[::5]))]
    compared = 0
    for ttype in (t for t in scenario.transport_types if t.mode == "air"):
        for passable in denials:
            for origin, destination in itertools.product(nodes[::2], nodes[1::3]):
                expected = eager_route(net, origin, destination, ttype, passable)
                assert net.route_air(origin, destination, ttype, passable) == expected
                compared += expected is not None
    assert compared > 100  # most pairs have a route: the comparison is not of Nones
