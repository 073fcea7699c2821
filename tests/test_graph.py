"""Shortest paths of ``model.graph`` against networkx's, ties included.

Routes must not depend on which of the two computed them, so on random
graphs with small integer weights (many ties) both must give the same
distances and the same paths.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model.graph import Graph, dijkstra, shortest_path

Edges = list[tuple[int, int, int]]

edges_strategy = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 3)), max_size=30
)


def both(edges: Edges, directed: bool) -> tuple[Graph[int], nx.Graph[int]]:
    ours: Graph[int] = Graph(directed=directed)
    theirs: nx.Graph[int] = nx.DiGraph() if directed else nx.Graph()
    for node in range(8):
        ours.add_node(node)
        theirs.add_node(node)
    for u, v, w in edges:
        ours.add_edge(u, v, w=w)
        theirs.add_edge(u, v, w=w)
    return ours, theirs


@settings(max_examples=300, deadline=None)
@given(edges_strategy, st.booleans(), st.integers(0, 7), st.integers(0, 7))
def test_shortest_path_is_networkx_s(edges: Edges, directed: bool, s: int, t: int) -> None:
    ours, theirs = both(edges, directed)
    try:
        expected: tuple[float, list[int]] | None = nx.single_source_dijkstra(
            theirs, s, t, weight="w"
        )
    except nx.NetworkXNoPath:
        expected = None
    assert shortest_path(ours, s, t, "w") == expected


@settings(max_examples=300, deadline=None)
@given(edges_strategy, st.booleans(), st.integers(0, 7), st.none() | st.integers(0, 6))
def test_all_paths_within_a_cutoff_are_networkx_s(
    edges: Edges, directed: bool, s: int, cutoff: int | None
) -> None:
    ours, theirs = both(edges, directed)
    dist, paths = dijkstra(ours, s, "w", cutoff=cutoff)
    expected_dist, expected_paths = nx.single_source_dijkstra(theirs, s, cutoff=cutoff, weight="w")
    assert list(dist.items()) == list(expected_dist.items())
    assert paths == expected_paths


def test_a_weight_function_hides_edges_and_a_repeated_edge_keeps_its_place() -> None:
    graph: Graph[str] = Graph()
    graph.add_edge("a", "b", w=1.0)
    graph.add_edge("a", "c", w=1.0)
    graph.add_edge("c", "d", w=1.0)
    graph.add_edge("b", "d", w=1.0)
    graph.add_edge("a", "b", w=1.0, tag="again")
    assert list(graph.adj["a"]) == ["b", "c"]
    assert shortest_path(graph, "a", "d", "w") == (2.0, ["a", "b", "d"])
    hide_b = lambda u, v, data: None if v == "b" else data["w"]  # noqa: E731
    assert shortest_path(graph, "a", "d", hide_b) == (2.0, ["a", "c", "d"])
    assert shortest_path(graph, "b", "b", "w") == (0.0, ["b"])
    assert shortest_path(Graph[str](), "a", "a", "w") == (0.0, ["a"])
    assert next(iter(graph.edges())) == ("a", "b", {"w": 1.0, "tag": "again"})
