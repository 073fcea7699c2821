"""Country borders for maps: Natural Earth outlines shipped with the package.

A scenario's country may name its Natural Earth feature by its ISO 3166-1
alpha-3 code (``iso: KAZ``).  The outlines come from
``simulator/report/data/borders.json.gz`` (Natural Earth 1:50m Admin 0
countries, public domain; made once by ``tools/make_borders.py``), so a map
needs no network.  This module reads that file with the standard library
alone (no matplotlib), for the report's route map and for any other map:

* :func:`iso_codes` - the codes a scenario may use, with the feature names;
* :func:`borders` - every outline, clipped to a box of longitude and latitude;
* :func:`scenario_box` - the box around a scenario's places, with a margin;
* :func:`gauge_breaks`, :func:`border_crossings` and :func:`transit_denied` -
  what a map of a scenario marks (on the scenario as plain data).

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
from typing import Any

__all__ = [
    "BORDERS_FILE", "CODES_FILE", "Border", "Box", "border_crossings", "borders", "clip_ring",
    "gauge_breaks", "iso_codes", "nearest_iso", "scenario_box", "transit_denied",
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

    In order: the alpha-3 code of an alpha-2 code (``FR`` -> ``FRA``); of a
    country name given as the code (``France``); of the scenario
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
    for side in ("west", "east", "south", "north"):
        if not points:
            break
        kept: list[Point] = []
        previous = points[-1]
        for point in points:
            if _inside(point, box, side):
                if not _inside(previous, box, side):
                    kept.append(_cross(previous, point, box, side))
                kept.append(point)
            elif _inside(previous, box, side):
                kept.append(_cross(previous, point, box, side))
            previous = point
        points = kept
    return tuple(points)


def _inside(p: Point, box: Box, side: str) -> bool:
    if side == "west":
        return p[0] >= box.west
    if side == "east":
        return p[0] <= box.east
    if side == "south":
        return p[1] >= box.south
    return p[1] <= box.north


def _cross(a: Point, b: Point, box: Box, side: str) -> Point:
    """Where the segment a-b crosses the line of that side of the box."""
    if side in ("west", "east"):
        x = box.west if side == "west" else box.east
        t = (x - a[0]) / (b[0] - a[0])
        return (x, a[1] + t * (b[1] - a[1]))
    y = box.south if side == "south" else box.north
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def gauge_breaks(scenario: dict[str, Any]) -> list[str]:
    """Nodes where the rail gauge changes: rail links of different gauges meet there.

    Args:
        scenario: A scenario as plain data (``countries``, ``nodes``, ``links``).

    Returns:
        Node ids, in the order of ``nodes``.
    """
    gauges: dict[str, set[int]] = {}
    for link in scenario.get("links", []):
        if link.get("mode") == "rail" and link.get("gauge_mm") is not None:
            for end in (link["a"], link["b"]):
                gauges.setdefault(end, set()).add(int(link["gauge_mm"]))
    return [n["id"] for n in scenario.get("nodes", []) if len(gauges.get(n["id"], ())) > 1]


def border_crossings(scenario: dict[str, Any]) -> list[tuple[str, Point]]:
    """Where ground routes cross a border: border nodes, rail or road links between countries.

    A node of kind ``border`` is a crossing at its place.  A rail or road link
    whose two ends lie in different countries crosses at its middle, unless
    one of its ends is a border node (already a crossing).

    Args:
        scenario: A scenario as plain data.

    Returns:
        (node id or link id, (lon, lat)) pairs: the border nodes in node order,
        then the links in link order.
    """
    nodes = {n["id"]: n for n in scenario.get("nodes", [])}

    def is_border(node: dict[str, Any]) -> bool:
        kind = node.get("kind") or []
        return "border" in ([kind] if isinstance(kind, str) else kind)

    out: list[tuple[str, Point]] = [
        (n["id"], (float(n["lon"]), float(n["lat"]))) for n in nodes.values() if is_border(n)
    ]
    for link in scenario.get("links", []):
        a, b = nodes.get(link["a"]), nodes.get(link["b"])
        if link.get("mode") not in ("rail", "road") or a is None or b is None:
            continue
        if a["country"] == b["country"] or is_border(a) or is_border(b):
            continue
        middle = ((float(a["lon"]) + float(b["lon"])) / 2, (float(a["lat"]) + float(b["lat"])) / 2)
        out.append((link["id"], middle))
    return out


def transit_denied(country: dict[str, Any]) -> dict[str, list[str] | None]:
    """Mode -> the nations a country's transit policy turns away (None: every foreign one).

    Only the modes that deny someone appear: ``deny`` with or without
    ``nations``, and ``allow`` limited to some ``nations`` (everyone else is
    denied, shown as None).
    """
    out: dict[str, list[str] | None] = {}
    for mode in ("rail", "road", "air"):
        rule = (country.get("transit") or {}).get(mode) or "allow"
        if isinstance(rule, str):
            rule = {"policy": rule}
        nations = rule.get("nations")
        if rule.get("policy") == "deny":
            out[mode] = list(nations) if nations else None
        elif nations:
            out[mode] = None
    return out
