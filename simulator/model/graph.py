"""Weighted graphs and Dijkstra's shortest paths, as route planning needs them.

Routing needs only a graph that keeps its nodes and edges in the order they
were added, and Dijkstra's algorithm; this module is that, instead of a
graph library that would take a third of a run's start-up to import.

Ties are broken as networkx 3 breaks them, so that routes do not depend on
which was used: the search takes the nearest node first and, among equally
near ones, the one reached first; a node's neighbours are visited in the
order their edges were added; a node's path is the one that last improved
its distance before it was reached.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

N = TypeVar("N", bound=Hashable)
EdgeData = dict[str, Any]
Weight = Callable[[Any, Any, EdgeData], float | None]
"""Cost of the edge u -> v with its data; None hides the edge."""


class Graph(Generic[N]):
    """A graph whose edges carry attributes, undirected unless ``directed``.

    Adding an edge that exists updates its attributes and keeps its place.
    """

    def __init__(self, directed: bool = False) -> None:
        self.directed = directed
        self.adj: dict[N, dict[N, EdgeData]] = {}
        """Node -> neighbour (successor, if directed) -> the edge's attributes."""

    def add_node(self, node: N) -> None:
        """Add a node (no effect if it is there)."""
        if node not in self.adj:
            self.adj[node] = {}

    def add_edge(self, u: N, v: N, **data: Any) -> None:
        """Add the edge u - v (u -> v if directed), or update its attributes."""
        self.add_node(u)
        self.add_node(v)
        edge = self.adj[u].get(v, {})
        edge.update(data)
        self.adj[u][v] = edge
        if not self.directed:
            self.adj[v][u] = edge

    def edge(self, u: N, v: N) -> EdgeData | None:
        """The attributes of the edge u - v, or None if there is none."""
        return self.adj.get(u, {}).get(v)

    def edges(self) -> Iterator[tuple[N, N, EdgeData]]:
        """Every edge once, with its attributes, in the order of the nodes."""
        done: set[N] = set()
        for u, neighbours in self.adj.items():
            for v, data in neighbours.items():
                if self.directed or v not in done:
                    yield u, v, data
            done.add(u)

    def __contains__(self, node: object) -> bool:
        return node in self.adj

    def __iter__(self) -> Iterator[N]:
        return iter(self.adj)


def _weight_of(weight: str | Weight) -> Weight:
    if callable(weight):
        return weight
    return lambda u, v, data: data.get(weight, 1)


def dijkstra(
    graph: Graph[N], source: N, weight: str | Weight, cutoff: float | None = None
) -> tuple[dict[N, float], dict[N, list[N]]]:
    """Distances and shortest paths from ``source`` to every node it reaches.

    ``weight`` is an edge attribute (1 where missing) or a function; nodes
    farther than ``cutoff`` are left out.
    """
    dist, pred = _search(graph, source, _weight_of(weight), None, cutoff)
    paths: dict[N, list[N]] = {source: [source]}
    for node in itertools.islice(dist, 1, None):
        paths[node] = [*paths[pred[node]], node]
    return dist, paths


def shortest_path(
    graph: Graph[N], source: N, target: N, weight: str | Weight
) -> tuple[float, list[N]] | None:
    """The length and nodes of a shortest path, or None if ``target`` is not reached."""
    if source == target:
        return 0.0, [target]
    dist, pred = _search(graph, source, _weight_of(weight), target, None)
    if target not in dist:
        return None
    path = [target]
    while path[-1] in pred:
        path.append(pred[path[-1]])
    path.reverse()
    return dist[target], path


def _search(
    graph: Graph[N], source: N, weight: Weight, target: N | None, cutoff: float | None
) -> tuple[dict[N, float], dict[N, N]]:
    """Dijkstra's algorithm: final distances in the order reached, and predecessors."""
    adj = graph.adj
    dist: dict[N, float] = {}
    seen: dict[N, float] = {source: 0}
    pred: dict[N, N] = {}
    order = itertools.count()
    fringe: list[tuple[float, int, N]] = [(0, next(order), source)]
    while fringe:
        d, _, v = heapq.heappop(fringe)
        if v in dist:
            continue
        dist[v] = d
        if v == target:
            break
        for u, data in adj[v].items():
            cost = weight(v, u, data)
            if cost is None:
                continue
            vu = d + cost
            if cutoff is not None and vu > cutoff:
                continue
            if u not in dist and (u not in seen or vu < seen[u]):
                seen[u] = vu
                heapq.heappush(fringe, (vu, next(order), u))
                pred[u] = v
    return dist, pred
