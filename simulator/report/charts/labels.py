"""Labels of places on a map, placed so that no two labels overlap.

Pure geometry in display units (pixels), with no matplotlib: the caller
measures the text and draws the result.  :func:`place_labels`

1. groups places that lie closer together than ``group_px`` (a chain of
   near places is one group) into one label listing their names, north first,
   with a leader line to each of them: three towns a few kilometres apart get
   one readable label instead of three that collide;
2. tries, for each label in order of importance, offsets around its place,
   nearest first, starting beyond its own marker.  A label never overlaps
   another label, a reserved box (a country name, a marker that is not a
   place), the marker of another place or the frame's edge; among the offsets
   left it prefers covering as little of the drawn lines as possible;
3. leaves out a label that finds no free spot, and the label of a minor place
   that would cover much of a line.

A place's marker is the box of half-size :attr:`Place.radius` around it: the
dot, a larger symbol, or the room where other markers gather there (the
units waiting at a place on a live map).  :func:`free_spot` does the same for
a text with a list of preferred centres (a country's name).

The result is a list of :class:`Label`; no two of their boxes overlap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Label", "Place", "Rect", "free_spot", "group_places", "place_labels"]


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
    """A place to label: its key, its position in pixels, its name, and whether it matters.

    ``radius`` is the half-size of its marker's box in pixels (0: the
    ``marker_px`` of :func:`place_labels`).
    """

    key: str
    x: float
    y: float
    name: str
    important: bool
    radius: float = 0.0


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
_PAD = 2.0
"""Pixels of room kept around a label's text."""
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
        marker_px: Half-size of a place's marker, pixels, where its ``radius`` is 0.
        group_px: Places closer than this share one label.
        reserved: Boxes no label may overlap (country names, symbols, ...).
        lines: Small boxes along the drawn lines, to keep labels off them.

    Returns:
        The labels placed.
    """
    radius = {p.key: p.radius or marker_px for p in places}
    keys = [p.key for p in places]
    markers = _array(
        Rect(p.x - radius[p.key], p.y - radius[p.key], p.x + radius[p.key], p.y + radius[p.key])
        for p in places
    )
    line_boxes = _array(lines)
    taken = _array(reserved)
    out: list[Label] = []
    for group in group_places(places, group_px):
        important = any(p.important for p in group)
        text = "\n".join(p.name for p in group)
        width, height = measure(text, important)
        cx, cy = _centre(group)
        own = {p.key for p in group}
        blocked = np.vstack([taken, markers[[k not in own for k in keys]]])
        # A group's label starts beyond its spread and its own markers, never on them.
        reach = max((math.hypot(p.x - cx, p.y - cy) for p in group), default=0.0)
        reach += max(max(radius[p.key] for p in group) + _PAD - marker_px, 0.0)
        best: tuple[float, Label] | None = None
        for ring in RINGS:
            for ux, uy in _DIRECTIONS:
                dx = ux * (ring * points_to_px + reach)
                dy = uy * (ring * points_to_px + reach)
                ha = "left" if ux > 0 else "right" if ux < 0 else "center"
                va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
                box = _box(cx + dx, cy + dy, width, height, ha, va)
                if not box.inside(frame) or _overlaps(box, blocked).any():
                    continue
                on_lines = float(_overlaps(box, line_boxes).sum())
                cost = on_lines + _LINE_COST * math.hypot(dx, dy) / points_to_px
                if best is None or cost < best[0]:
                    far = len(group) > 1 or ring > RINGS[0]
                    best = (cost, Label(group, text, box, dx, dy, ha, va, far, important))
                if on_lines == 0:
                    break  # the nearest clean spot: offsets go nearest first
            else:
                continue
            break
        if best is None:
            continue
        cost, label = best
        distance = _LINE_COST * math.hypot(label.dx, label.dy) / points_to_px
        if not important and cost - distance > 40:
            continue
        taken = np.vstack([taken, _array([label.box])])
        out.append(label)
    return out


def free_spot(
    centres: Sequence[tuple[float, float]],
    width: float,
    height: float,
    blocked: Sequence[Rect],
) -> tuple[float, float] | None:
    """The first of ``centres`` where a text of that size, centred, overlaps none of ``blocked``.

    Args:
        centres: Candidate centres in pixels, the preferred first.
        width: The text's width, pixels.
        height: Its height, pixels.
        blocked: Boxes the text may not overlap (markers, other texts).

    Returns:
        The centre chosen, or ``None`` when every candidate is blocked.
    """
    boxes = _array(blocked)
    for x, y in centres:
        box = _box(x, y, width, height, "center", "center")
        if not _overlaps(box, boxes).any():
            return x, y
    return None


def _array(boxes: Iterable[Rect]) -> np.ndarray:
    """Boxes as an (n, 4) array of x0, y0, x1, y1."""
    rows = [(b.x0, b.y0, b.x1, b.y1) for b in boxes]
    return np.array(rows, dtype=float).reshape(-1, 4)


def _overlaps(box: Rect, boxes: np.ndarray) -> np.ndarray:
    """Area ``box`` shares with each row of ``boxes`` (as :meth:`Rect.overlap`)."""
    w = np.minimum(box.x1, boxes[:, 2]) - np.maximum(box.x0, boxes[:, 0])
    h = np.minimum(box.y1, boxes[:, 3]) - np.maximum(box.y0, boxes[:, 1])
    return np.where((w > 0) & (h > 0), w * h, 0.0)


def _box(x: float, y: float, width: float, height: float, ha: str, va: str) -> Rect:
    """The padded box of a text of that size anchored at (x, y) with that alignment."""
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return Rect(x0 - _PAD, y0 - _PAD, x0 + width + _PAD, y0 + height + _PAD)
