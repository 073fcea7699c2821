"""Labels of places on a map, placed so that no two labels overlap.

Pure geometry in display units (pixels), with no matplotlib: the caller
measures the text and draws the result.  :func:`place_labels`

1. groups places that lie closer together than ``group_px`` (a chain of
   near places is one group) into one label listing their names, north first,
   with a leader line to each of them: three towns a few kilometres apart get
   one readable label instead of three that collide;
2. tries, for each label in order of importance, offsets around its place,
   nearest first.  A label never overlaps another label, a reserved box (a
   country name) or the frame's edge; among the offsets left it prefers
   covering no place, then covering as little of the drawn lines as possible;
3. leaves out a label that finds no free spot, and the label of a minor place
   that would cover a place or much of a line.

The result is a list of :class:`Label`; no two of their boxes overlap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Label", "Place", "Rect", "group_places", "place_labels"]


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Rect) -> float:
        """Area shared with ``other`` (0 when they only touch or are apart)."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def inside(self, frame: Rect) -> bool:
        """True if the box lies wholly within ``frame``."""
        return (
            self.x0 >= frame.x0 and self.y0 >= frame.y0
            and self.x1 <= frame.x1 and self.y1 <= frame.y1
        )  # fmt: skip

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """The point of the box nearest to (x, y)."""
        return (min(max(x, self.x0), self.x1), min(max(y, self.y0), self.y1))


@dataclass(frozen=True)
class Place:
    """A place to label: its key, its position in pixels, its name, and whether it matters."""

    key: str
    x: float
    y: float
    name: str
    important: bool


@dataclass(frozen=True)
class Label:
    """A placed label.

    Attributes:
        places: The places it names (more than one for a group).
        text: The text (a group's names one per line).
        box: Where the text goes, padded.
        dx: Offset of the text's anchor from the group's centre, pixels.
        dy: The same, vertically.
        ha: Horizontal alignment of the text at its anchor.
        va: Vertical alignment.
        leader: True if lines should join the label to its places.
        important: True if any of its places matters (drawn darker).
    """

    places: tuple[Place, ...]
    text: str
    box: Rect
    dx: float
    dy: float
    ha: str
    va: str
    leader: bool
    important: bool

    @property
    def anchor(self) -> tuple[float, float]:
        """The centre of the group of places, pixels."""
        return _centre(self.places)


Measure = Callable[[str, bool], tuple[float, float]]
"""(text, important) -> (width, height) of the text in pixels."""

RINGS = (7.0, 15.0, 26.0, 40.0, 58.0, 80.0)
"""Distances tried from a place, in points: nearest first; far ones get a leader line."""

_DIRECTIONS = (
    (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1),
    (1, 0.5), (-1, 0.5), (1, -0.5), (-1, -0.5), (0.5, 1), (-0.5, 1), (0.5, -1), (-0.5, -1),
)  # fmt: skip
"""Unit offsets tried on each ring: the four sides, the corners, then between them."""
_LINE_COST = 25.0
"""Pixels of extra distance worth one pixel of line covered."""


def _centre(places: Sequence[Place]) -> tuple[float, float]:
    return (sum(p.x for p in places) / len(places), sum(p.y for p in places) / len(places))


def group_places(places: Sequence[Place], group_px: float) -> list[tuple[Place, ...]]:
    """Places closer than ``group_px`` to another of their group, chained; in input order.

    Within a group the places are listed north first (largest y first: the
    caller's pixels grow upwards), then by name.
    """
    parent = list(range(len(places)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(places):
        for j in range(i + 1, len(places)):
            b = places[j]
            if math.hypot(a.x - b.x, a.y - b.y) < group_px:
                parent[root(j)] = root(i)
    groups: dict[int, list[Place]] = {}
    for i, place in enumerate(places):
        groups.setdefault(root(i), []).append(place)
    return [tuple(sorted(g, key=lambda p: (-p.y, p.name))) for g in groups.values()]


def place_labels(
    places: Sequence[Place],
    measure: Measure,
    frame: Rect,
    *,
    points_to_px: float,
    marker_px: float,
    group_px: float,
    reserved: Sequence[Rect] = (),
    lines: Sequence[Rect] = (),
) -> list[Label]:
    """Labels for ``places``, most important first, none overlapping another.

    Args:
        places: The places, most important first (the order labels are placed).
        measure: Size of a text in pixels.
        frame: The labels stay inside it.
        points_to_px: Pixels per point (dpi / 72), for the offsets.
        marker_px: Radius of a place's marker, pixels.
        group_px: Places closer than this share one label.
        reserved: Boxes no label may overlap (country names, ...).
        lines: Small boxes along the drawn lines, to keep labels off them.

    Returns:
        The labels placed.
    """
    markers = {
        p.key: Rect(p.x - marker_px, p.y - marker_px, p.x + marker_px, p.y + marker_px)
        for p in places
    }
    taken: list[Rect] = list(reserved)
    out: list[Label] = []
    for group in group_places(places, group_px):
        important = any(p.important for p in group)
        text = "\n".join(p.name for p in group)
        width, height = measure(text, important)
        cx, cy = _centre(group)
        own = {p.key for p in group}
        others = [box for key, box in markers.items() if key not in own]
        # A group's label starts beyond its spread, so it never sits on its own places.
        reach = max((math.hypot(p.x - cx, p.y - cy) for p in group), default=0.0)
        best: tuple[float, float, Label] | None = None
        clean = False
        for ring in RINGS:
            for ux, uy in _DIRECTIONS:
                dx = ux * (ring * points_to_px + reach)
                dy = uy * (ring * points_to_px + reach)
                ha = "left" if ux > 0 else "right" if ux < 0 else "center"
                va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
                box = _box(cx + dx, cy + dy, width, height, ha, va)
                if not box.inside(frame) or any(box.overlap(t) for t in taken):
                    continue
                on_places = sum(box.overlap(o) for o in others)
                on_lines = sum(box.overlap(line) for line in lines)
                cost = (on_places, on_lines + _LINE_COST * math.hypot(dx, dy) / points_to_px)
                if best is None or cost < best[:2]:
                    far = len(group) > 1 or ring > RINGS[0]
                    best = (*cost, Label(group, text, box, dx, dy, ha, va, far, important))
                if on_places == 0 and on_lines == 0:
                    clean = True  # the nearest clean spot: offsets go nearest first
                    break
            if clean:
                break
        if best is None:
            continue
        on_places, on_lines, label = best
        distance = _LINE_COST * math.hypot(label.dx, label.dy) / points_to_px
        if not important and (on_places > 0 or on_lines - distance > 40):
            continue
        taken.append(label.box)
        out.append(label)
    return out


def _box(x: float, y: float, width: float, height: float, ha: str, va: str) -> Rect:
    """The padded box of a text of that size anchored at (x, y) with that alignment."""
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    pad = 2.0
    return Rect(x0 - pad, y0 - pad, x0 + width + pad, y0 + height + pad)
