"""Country borders for maps: Natural Earth outlines shipped with the package.

A scenario's country may name its Natural Earth feature by its ISO 3166-1
alpha-3 code (``iso: KAZ``).  The outlines come from
``simulator/report/data/borders.json.gz`` (Natural Earth 1:50m Admin 0
countries, public domain; made once by ``tools/make_borders.py``), so a map
needs no network.  This module reads that file with the standard library
alone (no matplotlib), for the report's route map and for any other map:

* :func:`iso_codes` - the codes a scenario may use, with the feature names;
* :func:`borders` - every outline, clipped to a box of longitude and latitude;
* :func:`scenario_box` - the box around a scenario's places, with a margin.

Coordinates are (lon, lat) in degrees, as in the file: rings of points, the
last point not repeating the first.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BORDERS_FILE", "CODES_FILE", "Border", "Box", "borders", "clip_ring", "iso_codes",
    "nearest_iso", "scenario_box",
]  # fmt: skip

DATA = Path(__file__).parent / "report" / "data"
BORDERS_FILE = DATA / "borders.json.gz"
CODES_FILE = DATA / "iso_codes.json"

Point = tuple[float, float]
Ring = tuple[Point, ...]


@dataclass(frozen=True)
class Box:
    """A box of longitude and latitude (degrees): west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def overlaps(self, other: Box) -> bool:
        """True if the two boxes share any area or edge."""
        return not (
            other.east < self.west
            or other.west > self.east
            or other.north < self.south
            or other.south > self.north
        )


@dataclass(frozen=True)
class Border:
    """One Natural Earth feature, its outline clipped to a box.

    Attributes:
        iso: ISO 3166-1 alpha-3 code, or ``None`` for a feature without one.
        name: The feature's name in Natural Earth (English).
        rings: Outer rings, each a closed polygon of (lon, lat) points.
    """

    iso: str | None
    name: str
    rings: tuple[Ring, ...]


@dataclass(frozen=True)
class _Feature:
    iso: str | None
    name: str
    rings: tuple[Ring, ...]
    boxes: tuple[Box, ...]


@functools.cache
def _features() -> tuple[_Feature, ...]:
    content = json.loads(gzip.decompress(BORDERS_FILE.read_bytes()))
    features = []
    for country in content["countries"]:
        rings = tuple(tuple((float(x), float(y)) for x, y in ring) for ring in country["polygons"])
        boxes = tuple(
            Box(min(x for x, _ in r), min(y for _, y in r), max(x for x, _ in r),
                max(y for _, y in r))
            for r in rings
        )  # fmt: skip
        features.append(_Feature(country["iso"], str(country["name"]), rings, boxes))
    return tuple(features)


@functools.cache
def _code_table() -> dict[str, tuple[str | None, str]]:
    table = json.loads(CODES_FILE.read_text("utf-8"))
    return {str(code): (row[0], str(row[1])) for code, row in table.items()}


def iso_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code -> Natural Earth name, for every feature that has a code.

    Read from a small table beside the outlines, so validating a scenario does
    not load the outlines themselves.
    """
    return {code: name for code, (_, name) in _code_table().items()}


def nearest_iso(value: str, name: str | None = None) -> str | None:
    """The valid code a wrong ``iso`` value most likely meant, or ``None``.

    In order: the alpha-3 code of an alpha-2 code (``KZ`` -> ``KAZ``); of a
    country name given as the code (``Kazakhstan``); of the scenario
    country's own ``name``; else the code spelt most alike.
    """
    table = _code_table()
    wanted = value.strip().upper()
    for code, (alpha2, feature) in table.items():
        if wanted in (alpha2, feature.upper()):
            return code
    if name:
        for code, (_, feature) in table.items():
            if feature.casefold() == name.strip().casefold():
                return code
    close = difflib.get_close_matches(wanted, list(table), n=1, cutoff=0.5)
    return close[0] if close else None


def scenario_box(points: Iterable[Point], margin: float = 0.15, least: float = 1.0) -> Box:
    """The box around ``points`` (lon, lat), widened on each side.

    Args:
        points: The places to show.
        margin: Share of the width (and of the height) added on each side.
        least: Degrees added on each side at least (one place still gets a box).

    Raises:
        ValueError: If ``points`` is empty.
    """
    listed = list(points)
    if not listed:
        raise ValueError("no points to put in a box")
    lons, lats = [p[0] for p in listed], [p[1] for p in listed]
    dx = max(margin * (max(lons) - min(lons)), least)
    dy = max(margin * (max(lats) - min(lats)), least)
    return Box(
        max(min(lons) - dx, -180.0), max(min(lats) - dy, -90.0),
        min(max(lons) + dx, 180.0), min(max(lats) + dy, 90.0),
    )  # fmt: skip


def borders(box: Box) -> list[Border]:
    """Every country outline that reaches into ``box``, clipped to it.

    Args:
        box: The area of the map.

    Returns:
        One :class:`Border` per feature with something inside the box, ordered
        by ISO code (features without one last); each ring is clipped to the box
        (Sutherland-Hodgman), so it never leaves it.
    """
    out = []
    for feature in _features():
        rings = []
        for ring, ring_box in zip(feature.rings, feature.boxes, strict=True):
            if not box.overlaps(ring_box):
                continue
            clipped = clip_ring(ring, box)
            if len(clipped) >= 3:
                rings.append(clipped)
        if rings:
            out.append(Border(feature.iso, feature.name, tuple(rings)))
    return out


def clip_ring(ring: Sequence[Point], box: Box) -> Ring:
    """A closed polygon clipped to a box (Sutherland-Hodgman, one edge at a time)."""
    points: list[Point] = list(ring)
    edges = (
        (lambda p: p[0] >= box.west, lambda a, b: _at_x(a, b, box.west)),
        (lambda p: p[0] <= box.east, lambda a, b: _at_x(a, b, box.east)),
        (lambda p: p[1] >= box.south, lambda a, b: _at_y(a, b, box.south)),
        (lambda p: p[1] <= box.north, lambda a, b: _at_y(a, b, box.north)),
    )
    for inside, cross in edges:
        if not points:
            break
        kept: list[Point] = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    kept.append(cross(previous, point))
                kept.append(point)
            elif inside(previous):
                kept.append(cross(previous, point))
            previous = point
        points = kept
    return tuple(points)


def _at_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)
