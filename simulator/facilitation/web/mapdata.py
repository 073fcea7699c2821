"""The map of a scenario for the web console, as plain data in map units.

What does not change during a session is computed once: the projection,
the country outlines (:mod:`simulator.geo`, clipped to the scenario's box),
the places with their labels (placed by
:func:`~simulator.report.charts.labels.place_labels`, so that none overlaps
another), the links, the gauge breaks and the border crossings.  What does
change (the legs in use, the countries denying transit, where each load is)
comes with every state, in the same units (see :func:`point`).

The projection is equirectangular, longitudes shrunk by the cosine of the
middle latitude, so that shapes keep their look at the latitudes of one
theatre; ``x`` grows east and ``y`` south, as on a screen.  A scenario whose
countries name no Natural Earth feature (a fictional theatre) gets no
outline: the nodes and links alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simulator import geo
from simulator.scenario.models import Scenario

WIDTH = 1000.0
"""Width of the map in map units (the page scales it)."""

LABEL_SIZE = 15.0
"""Font size of a place's label, map units."""

COUNTRY_SIZE = 20.0
"""Font size of a country's name, map units."""


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to map units."""

    box: geo.Box
    scale: float
    stretch: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        """(x, y) of a place, rounded to a tenth of a unit."""
        x = (lon - self.box.west) * self.stretch * self.scale
        y = (self.box.north - lat) * self.scale
        return round(x, 1), round(y, 1)

    @property
    def height(self) -> float:
        """Height of the map in map units."""
        return round((self.box.north - self.box.south) * self.scale, 1)


def projection(scenario: Scenario) -> Projection:
    """The projection that fits the scenario's places, with a margin, into :data:`WIDTH`."""
    points = [(n.lon, n.lat) for n in scenario.nodes] or [(0.0, 0.0)]
    box = geo.scenario_box(points, margin=0.06, least=0.5)
    middle = (box.north + box.south) / 2
    stretch = max(math.cos(math.radians(middle)), 0.2)
    scale = WIDTH / ((box.east - box.west) * stretch)
    # A tall theatre is shown whole: its height is capped at the width.
    scale = min(scale, WIDTH / (box.north - box.south))
    return Projection(box, scale, stretch)


def _path(rings: Any, proj: Projection) -> str:
    parts = []
    for ring in rings:
        points = [proj.point(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
    return "".join(parts)


def _area(ring: Any) -> float:
    pairs = zip(ring, [*ring[1:], ring[0]], strict=True)
    return 0.5 * math.fsum(a[0] * b[1] - b[0] * a[1] for a, b in pairs)


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Even-odd rule: True if (x, y) is inside the polygon ``ring``."""
    inside = False
    for (xa, ya), (xb, yb) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            inside = not inside
    return inside


def _name_spot(
    rings: Any, proj: Projection, avoid: list[tuple[float, float]], width: float
) -> tuple[float, float] | None:
    """A spot for a country's name (map units) inside its largest ring, or ``None``.

    Points of a grid over the ring whose name would lie inside it are tried;
    the one farthest from the ring's corners and from the places to
    ``avoid`` wins (a place beside the wide text counts more than one above).
    """
    ring = [proj.point(lon, lat) for lon, lat in max(rings, key=lambda r: abs(_area(r)))]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    if max(xs) - min(xs) < width or max(ys) - min(ys) < 2 * COUNTRY_SIZE:
        return None  # too small on the map for a name
    best: tuple[float, float, float] | None = None
    for i in range(1, 16):
        for j in range(1, 16):
            x = min(xs) + (max(xs) - min(xs)) * i / 16
            y = min(ys) + (max(ys) - min(ys)) * j / 16
            if not all(_inside(x + dx, y, ring) for dx in (0.0, -width / 2, width / 2)):
                continue
            gap = min(math.hypot(x - a, y - b) for a, b in ring)
            for a, b in avoid:
                dx = max(abs(x - a) - width / 2, 0.0)
                gap = min(gap, math.hypot(dx, (y - b) * 0.8))
            if best is None or gap > best[0]:
                best = (gap, x, y)
    return None if best is None else (round(best[1], 1), round(best[2], 1))


def countries(scenario: Scenario, proj: Projection) -> list[dict[str, Any]]:
    """Outlines in the map's box: the scenario's countries named, their neighbours not."""
    named = {c.iso: c for c in scenario.countries if c.iso}
    if not named:
        return []  # a fictional theatre: no outlines at all
    out = []
    avoid = [proj.point(n.lon, n.lat) for n in scenario.nodes]
    for border in geo.borders(proj.box):
        country = named.get(border.iso or "")
        name = (country.name or country.id) if country else border.name
        width = 0.75 * COUNTRY_SIZE * len(name)
        spot = _name_spot(border.rings, proj, avoid, width) if country else None
        out.append({
            "id": country.id if country else None, "name": name,
            "path": _path(border.rings, proj),
            "x": spot[0] if spot else None, "y": spot[1] if spot else None,
            "width": round(width, 1),
        })  # fmt: skip
    return out


def _labels(
    scenario: Scenario, proj: Projection, important: set[str], names: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Labels of the places: none overlaps another or a country's name."""
    from simulator.report.charts.labels import Place, Rect, place_labels
    from simulator.report.charts.routes import place_label

    height = proj.height

    def measure(text: str, key: bool) -> tuple[float, float]:
        lines = text.split("\n")
        size = LABEL_SIZE * (1.1 if key else 1.0)
        return 0.6 * size * max(map(len, lines)), 1.25 * size * len(lines)

    order = sorted(scenario.nodes, key=lambda n: (n.id not in important, n.id))
    places = []
    for node in order:
        x, y = proj.point(node.lon, node.lat)
        name = place_label({"id": node.id, "name": node.name})
        # The labels' geometry has y growing upwards.
        places.append(Place(node.id, x, height - y, name, node.id in important))
    reserved = [
        Rect(c["x"] - c["width"] / 2, height - c["y"] - 0.4 * COUNTRY_SIZE,
             c["x"] + c["width"] / 2, height - c["y"] + COUNTRY_SIZE)
        for c in names
        if c["x"] is not None
    ]  # fmt: skip
    placed = place_labels(
        places, measure, Rect(0, 0, WIDTH, height), points_to_px=1.2, marker_px=7.0,
        group_px=18.0, reserved=reserved,
    )  # fmt: skip
    out = []
    for label in placed:
        cx, cy = label.anchor
        out.append({
            "lines": label.text.split("\n"),
            "x": round(cx + label.dx, 1), "y": round(height - (cy + label.dy), 1),
            "ha": label.ha, "va": label.va, "important": label.important,
            "leader": [list(proj.point(*_lonlat(scenario, p.key))) for p in label.places]
            if label.leader else [],
        })  # fmt: skip
    return out


def _lonlat(scenario: Scenario, node_id: str) -> tuple[float, float]:
    node = next(n for n in scenario.nodes if n.id == node_id)
    return node.lon, node.lat


def map_data(scenario: Scenario, important: set[str]) -> dict[str, Any]:
    """The map's fixed part: ``width``, ``height``, ``countries``, ``nodes``, ``links``,
    ``labels``, ``gauge_breaks`` and ``crossings``.

    Args:
        scenario: The scenario.
        important: Node ids to label first and mark larger (origins, destinations, routes).
    """
    proj = projection(scenario)
    plain = scenario.model_dump(mode="json")
    outlines = countries(scenario, proj)
    nodes = []
    for node in scenario.nodes:
        x, y = proj.point(node.lon, node.lat)
        nodes.append({"id": node.id, "name": node.name or node.id, "x": x, "y": y,
                      "country": node.country, "important": node.id in important})  # fmt: skip
    where = {n["id"]: n for n in nodes}
    links = [
        {"id": link.id, "mode": link.mode, "a": link.a, "b": link.b,
         "x1": where[link.a]["x"], "y1": where[link.a]["y"],
         "x2": where[link.b]["x"], "y2": where[link.b]["y"]}
        for link in scenario.links
        if link.a in where and link.b in where
    ]  # fmt: skip
    breaks = [
        {"id": k, "name": where[k]["name"], "x": where[k]["x"], "y": where[k]["y"]}
        for k in geo.gauge_breaks(plain)
    ]
    crossings = []
    for key, (lon, lat) in geo.border_crossings(plain):
        x, y = proj.point(lon, lat)
        crossings.append({"id": key, "x": x, "y": y})
    return {
        "width": WIDTH,
        "height": proj.height,
        "countries": outlines,
        "nodes": nodes,
        "links": links,
        "labels": _labels(scenario, proj, important, outlines),
        "gauge_breaks": breaks,
        "crossings": crossings,
        "country_size": COUNTRY_SIZE,
        "label_size": LABEL_SIZE,
    }
