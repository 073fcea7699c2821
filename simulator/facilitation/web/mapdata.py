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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator import geo
from simulator.scenario.models import Scenario

if TYPE_CHECKING:
    from simulator.report.charts.labels import Rect

WIDTH = 1000.0
"""Width of the map in map units (the page scales it)."""

LABEL_SIZE = 15.0
"""Font size of a place's label, map units."""

COUNTRY_SIZE = 20.0
"""Font size of a country's name, map units."""

GATHER = 26.0
"""Half-size of the room the load markers take at a place, map units: one marker in the
middle and six around it (see ``console.js``); labels and names keep out of it."""

BREAK_HALF = 10.0
"""Half-size of a gauge break's square, map units (with its stroke)."""

CROSSING_HALF = 8.0
"""Half-size of a border crossing's cross, map units (with its stroke)."""


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


_GRID = 32


def _name_spots(
    rings: Any, proj: Projection, avoid: list[tuple[float, float]], width: float
) -> list[tuple[float, float]]:
    """Spots for a country's name (map units) inside its largest ring, the best first.

    Points of a grid over the ring whose name would lie inside it are kept;
    the farther from the ring's corners and from the places to ``avoid``, the
    better (a place beside the wide text counts more than one above).  Empty
    when the ring is too small on the map for a name.
    """
    ring = [proj.point(lon, lat) for lon, lat in max(rings, key=lambda r: abs(_area(r)))]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    if max(xs) - min(xs) < width or max(ys) - min(ys) < 2 * COUNTRY_SIZE:
        return []  # too small on the map for a name
    scored: list[tuple[float, int, float, float]] = []
    # A fine grid: the best spots may be taken by labels and markers.
    for i in range(1, _GRID):
        for j in range(1, _GRID):
            x = min(xs) + (max(xs) - min(xs)) * i / _GRID
            y = min(ys) + (max(ys) - min(ys)) * j / _GRID
            if not all(_inside(x + dx, y, ring) for dx in (0.0, -width / 2, width / 2)):
                continue
            gap = min(math.hypot(x - a, y - b) for a, b in ring)
            for a, b in avoid:
                dx = max(abs(x - a) - width / 2, 0.0)
                gap = min(gap, math.hypot(dx, (y - b) * 0.8))
            scored.append((-gap, len(scored), round(x, 1), round(y, 1)))
    return [(x, y) for *_, x, y in sorted(scored)]


def _covered(centre: tuple[float, float], width: float, boxes: Sequence[Rect]) -> float:
    """Area of ``boxes`` under a country's name centred at ``centre``, map units."""
    from simulator.report.charts.labels import Rect

    x, y = centre
    half = 0.7 * COUNTRY_SIZE
    box = Rect(x - width / 2, y - half, x + width / 2, y + half)
    return sum(box.overlap(b) for b in boxes)


def _name_box(x: float, y: float, width: float) -> Rect:
    """The box of a country's name written at (x, y) (its baseline), map units."""
    from simulator.report.charts.labels import Rect

    return Rect(x - width / 2, y - COUNTRY_SIZE, x + width / 2, y + 0.4 * COUNTRY_SIZE)


def countries(
    scenario: Scenario,
    proj: Projection,
    blocked: Sequence[Rect] = (),
    labels: Sequence[Rect] = (),
) -> list[dict[str, Any]]:
    """Outlines in the map's box: the scenario's countries named, their neighbours not.

    A name goes to the best spot in its country where it covers none of the
    ``blocked`` boxes (map units: the markers) and no other name, and none of
    the place ``labels`` if it can (the labels are drawn over it, haloed).
    """
    from simulator.report.charts.labels import free_spot  # the charts import matplotlib

    named = {c.iso: c for c in scenario.countries if c.iso}
    if not named:
        return []  # a fictional theatre: no outlines at all
    out = []
    avoid = [proj.point(n.lon, n.lat) for n in scenario.nodes]
    taken = list(blocked)
    texts = list(labels)
    for border in geo.borders(proj.box):
        country = named.get(border.iso or "")
        name = (country.name or country.id) if country else border.name
        width = 0.75 * COUNTRY_SIZE * len(name)
        spots = _name_spots(border.rings, proj, avoid, width) if country else []
        # free_spot centres a box: shift the candidates by the name's box offset.
        lift = 0.3 * COUNTRY_SIZE
        centres = [(x, y - lift) for x, y in spots]
        found = free_spot(centres, width, 1.4 * COUNTRY_SIZE, [*taken, *texts])
        if found is None:
            # Clear of the markers, under as little of the labels as can be.
            free = [c for c in centres if free_spot([c], width, 1.4 * COUNTRY_SIZE, taken)]
            found = min(free, key=lambda c: _covered(c, width, texts), default=None)
        spot = None if found is None else (found[0], round(found[1] + lift, 1))
        if spot is not None:
            taken.append(_name_box(spot[0], spot[1], width))
        out.append({
            "id": country.id if country else None, "name": name,
            "path": _path(border.rings, proj),
            "x": spot[0] if spot else None, "y": spot[1] if spot else None,
            "width": round(width, 1),
        })  # fmt: skip
    return out


def _labels(
    scenario: Scenario,
    proj: Projection,
    important: set[str],
    symbols: Sequence[tuple[float, float, float]],
) -> tuple[list[dict[str, Any]], list[Rect]]:
    """Labels of the places, and the boxes they take (map units, y down).

    No label overlaps another, a place's marker (for the places where loads
    can be, the room their markers take, :data:`GATHER`) or a symbol (x, y,
    half-size).  They keep off the links where they can.
    """
    from simulator.report.charts.labels import Place, Rect, place_labels
    from simulator.report.charts.routes import place_label

    height = proj.height

    def measure(text: str, key: bool) -> tuple[float, float]:
        lines = text.split("\n")
        size = LABEL_SIZE * (1.1 if key else 1.0)
        return 0.6 * size * max(map(len, lines)), 1.25 * size * len(lines)

    order = sorted(scenario.nodes, key=lambda n: (n.id not in important, n.id))
    places = []
    where = {}
    for node in order:
        x, y = proj.point(node.lon, node.lat)
        where[node.id] = (x, height - y)
        name = place_label({"id": node.id, "name": node.name})
        # The labels' geometry has y growing upwards.
        places.append(Place(node.id, x, height - y, name, node.id in important,
                            GATHER if node.id in important else 0.0))  # fmt: skip
    reserved = [Rect(x - r, height - y - r, x + r, height - y + r) for x, y, r in symbols]
    lines = []
    for link in scenario.links:
        if link.a in where and link.b in where and link.mode != "air":
            (xa, ya), (xb, yb) = where[link.a], where[link.b]
            steps = max(int(math.hypot(xb - xa, yb - ya) / 6), 1)
            for i in range(steps + 1):
                x, y = xa + (xb - xa) * i / steps, ya + (yb - ya) * i / steps
                lines.append(Rect(x - 2.5, y - 2.5, x + 2.5, y + 2.5))
    placed = place_labels(
        places, measure, Rect(0, 0, WIDTH, height), points_to_px=1.2, marker_px=7.0,
        group_px=18.0, reserved=reserved, lines=lines,
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
    boxes = [Rect(b.x0, height - b.y1, b.x1, height - b.y0) for b in (x.box for x in placed)]
    return out, boxes


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
    symbols = [(*proj.point(n.lon, n.lat), BREAK_HALF) for n in scenario.nodes
               if n.id in geo.gauge_breaks(plain)]  # fmt: skip
    crossings = []
    for key, (lon, lat) in geo.border_crossings(plain):
        x, y = proj.point(lon, lat)
        crossings.append({"id": key, "x": x, "y": y})
        symbols.append((x, y, CROSSING_HALF))
    from simulator.report.charts.labels import Rect

    # The places first, the country names then where they find room (many spots fit a
    # name; few fit a place's label).
    labels, label_boxes = _labels(scenario, proj, important, symbols)
    marks = []
    for node in scenario.nodes:
        x, y = proj.point(node.lon, node.lat)
        r = GATHER if node.id in important else 7.0
        marks.append(Rect(x - r, y - r, x + r, y + r))
    marks += [Rect(x - r, y - r, x + r, y + r) for x, y, r in symbols]
    outlines = countries(scenario, proj, marks, label_boxes)
    return {
        "width": WIDTH,
        "height": proj.height,
        "countries": outlines,
        "nodes": nodes,
        "links": links,
        "labels": labels,
        "gauge_breaks": breaks,
        "crossings": crossings,
        "country_size": COUNTRY_SIZE,
        "label_size": LABEL_SIZE,
    }
