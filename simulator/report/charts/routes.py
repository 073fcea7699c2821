"""The route map: country borders, the places, and the legs the units used.

:func:`route_map` draws a plain longitude/latitude plot, stretched by
1/cos(mean latitude) so that distances look right near the middle of the
area.  Under the routes lie the country outlines of Natural Earth
(:mod:`simulator.geo`, shipped with the package: nothing is downloaded) for
the countries that name theirs (``iso``), each named, and shaded when its
transit policy at the start turns some nation away.  On them: the legs used,
styled by mode and thicker the more units used them (the legs no unit used
faint), the places coloured by country, the gauge breaks and the border
crossings.  Labels are placed by :mod:`simulator.report.charts.labels`: no
two overlap, and places close together share one label with leader lines.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from simulator import geo
from simulator.report.charts.base import (
    FIGURE_WIDTH_IN,
    MISS,
    MODE_STYLES,
    PALETTE,
    Run,
    chart_style,
    country_names,
    freeze_layout,
    nation_colours,
    new_figure,
    short,
)
from simulator.report.charts.labels import Place, Rect, free_spot, place_labels

__all__ = ["place_label", "route_map"]

LAND = "#F3F1EA"
DENIED = "#E8B9A0"
BORDER_LINE = "#8A8A8A"
GROUP_PT = 14.0
"""Places closer than this (points on the chart) share one label."""
MARKER_PT = 6.0
"""Half-size of a place's dot, points (the largest dot, of an origin or a destination)."""
BREAK_PT = 10.0
"""Half-size of a gauge break's square, points."""
CROSSING_PT = 6.0
"""Half-size of a border crossing's cross, points."""


def place_label(node: dict[str, Any]) -> str:
    """A place's name for the map: a trailing remark in brackets dropped, to save room."""
    name = str(node.get("name") or node["id"])
    return short(re.sub(r"\s*\([^()]*\)\s*$", "", name) or name, 24)


def route_map(run: Run) -> Figure | None:
    """Borders, places and the legs the units used.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` if the scenario has no places.
    """
    with chart_style():
        return _route_map(run)


def _route_map(run: Run) -> Figure | None:
    nodes = {n["id"]: n for n in run.scenario.get("nodes", [])}
    if not nodes:
        return None
    links = {link["id"]: link for link in run.scenario.get("links", [])}
    used = {leg: units for leg, units in _legs(run).items() if leg in links}
    lons = [float(n["lon"]) for n in nodes.values()]
    lats = [float(n["lat"]) for n in nodes.values()]
    mean_lat = sum(lats) / len(lats)
    stretch = 1 / max(math.cos(math.radians(mean_lat)), 0.2)
    lon_pad = max(0.06 * (max(lons) - min(lons)), 0.3)
    lat_pad = max(0.08 * (max(lats) - min(lats)), 0.3 / stretch)
    x0, x1 = min(lons) - lon_pad, max(lons) + lon_pad
    y0, y1 = min(lats) - lat_pad, max(lats) + lat_pad
    # The axes' height follows from its width and the corrected aspect ratio.
    plot_w = FIGURE_WIDTH_IN - 1.0
    plot_h = min(max(plot_w * (y1 - y0) * stretch / (x1 - x0), 3.0), 8.0)
    shaded = _denied(run)
    outlines = _outlines(run, geo.Box(x0, y0, x1, y1))
    breaks = geo.gauge_breaks(run.scenario)
    crossings = geo.border_crossings(run.scenario)
    handles, labels = _map_legend(run, used, nodes, bool(outlines), bool(shaded & set(outlines)),
                                  bool(breaks), bool(crossings))  # fmt: skip
    ncols = min(5, len(handles))
    fig = new_figure(FIGURE_WIDTH_IN, plot_h + 1.1 + 0.34 * math.ceil(len(handles) / ncols))
    ax = fig.add_subplot()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(stretch, adjustable="box")
    ax.grid(color="#E0E0E0", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{abs(v):g}\u00b0{'E' if v >= 0 else 'W'}")
    )
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{abs(v):g}\u00b0{'N' if v >= 0 else 'S'}")
    )
    _draw_outlines(ax, outlines, shaded)
    counts = {leg: len(units) for leg, units in used.items()}
    # The legs no unit used, faint: a closed corridor still shows where it runs.
    idle = [
        [(nodes[k["a"]]["lon"], nodes[k["a"]]["lat"]), (nodes[k["b"]]["lon"], nodes[k["b"]]["lat"])]
        for k in links.values()
        if k["id"] not in used and k["mode"] != "air" and k["a"] in nodes and k["b"] in nodes
    ]
    if idle:
        ax.add_collection(LineCollection(idle, colors="#9A9A9A", linewidths=1.0,
                                         linestyles=(0, (2, 2)), zorder=2))  # fmt: skip
    segments: list[tuple[float, float, float, float, float]] = []
    for leg in sorted(used, key=lambda k: (counts[k], k)):
        link = links[leg]
        a, b = nodes.get(link["a"]), nodes.get(link["b"])
        if a is None or b is None:
            continue
        colour, dash = MODE_STYLES.get(link["mode"], ("#555555", "-"))  # an unknown mode
        segments.append((a["lon"], a["lat"], b["lon"], b["lat"], _leg_width(counts[leg])))
        ax.plot(
            [a["lon"], b["lon"]], [a["lat"], b["lat"]], color=colour, linestyle=dash,
            linewidth=_leg_width(counts[leg]), solid_capstyle="round", dash_capstyle="round",
            zorder=3,
        )  # fmt: skip
    on_route = Counter(place for u in run.summary.get("units", []) for place in u.get("route", []))
    ends = {
        u[k] for u in run.summary.get("units", []) for k in ("origin", "destination") if u.get(k)
    }
    colours = nation_colours(run)
    order = sorted(nodes, key=lambda k: (k not in ends, k not in on_route, -on_route.get(k, 0), k))
    for important in (False, True):
        group = [nodes[k] for k in order if (k in on_route) == important]
        if not group:
            continue
        ax.scatter(
            [n["lon"] for n in group], [n["lat"] for n in group],
            s=[150 if n["id"] in ends else 80 if important else 40 for n in group],
            color=[colours.get(n["country"], PALETTE[-1]) for n in group],
            edgecolors="#000000", linewidths=1.2 if important else 0.6,
            alpha=1.0 if important else 0.55, zorder=5,
        )  # fmt: skip
    if breaks:
        ax.scatter([nodes[k]["lon"] for k in breaks], [nodes[k]["lat"] for k in breaks],
                   marker="s", s=330, facecolors="none", edgecolors="#000000", linewidths=2.0,
                   zorder=6)  # fmt: skip
    if crossings:
        ax.scatter([p[0] for _, p in crossings], [p[1] for _, p in crossings], marker="X",
                   s=110, color=MISS, edgecolors="#FFFFFF", linewidths=0.8, zorder=7)  # fmt: skip
    fig.legend(
        handles, labels, loc="outside lower center", ncols=ncols, frameon=False,
        handlelength=2.6, columnspacing=1.2,
    )  # fmt: skip
    fig.suptitle(f"Routes \u2013 {short(run.title, 60)}")
    # Labels are placed after the layout is fixed: their room is measured on the canvas.
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    scale = fig.dpi / 72
    radius = {k: (BREAK_PT if k in breaks else MARKER_PT) * scale for k in nodes}
    symbols = [_square(ax, p, CROSSING_PT * scale) for _, p in crossings]
    marks = [_square(ax, (n["lon"], n["lat"]), radius[k]) for k, n in nodes.items()]
    avoid = [(float(n["lon"]), float(n["lat"])) for n in nodes.values()]
    # The places first, the country names then where they find room: a name has many
    # good spots in its country, a place's label only a few around its place.
    taken = _label_places(fig, ax, [nodes[k] for k in order], ends | set(on_route), segments,
                          symbols, radius)  # fmt: skip
    _name_countries(fig, ax, run, outlines, shaded, avoid, [*marks, *symbols, *taken])
    return freeze_layout(fig)


def _square(ax: Axes, lonlat: Sequence[float], half: float) -> Rect:
    """The box of half-size ``half`` pixels around a point of the map."""
    x, y = ax.transData.transform((lonlat[0], lonlat[1]))
    return Rect(float(x) - half, float(y) - half, float(x) + half, float(y) + half)


def _denied(run: Run) -> set[str]:
    """Ids of the countries whose transit policy at the start turns some nation away."""
    return {c["id"] for c in run.scenario.get("countries", []) if geo.transit_denied(c)}


def _outlines(run: Run, box: geo.Box) -> dict[str, geo.Border]:
    """Country id -> its outline clipped to the map, for the countries that name one.

    The neighbours that no scenario country names are drawn too, unnamed,
    under the key ``""`` + their ISO code.
    """
    countries = [c for c in run.scenario.get("countries", []) if c.get("iso")]
    if not countries:
        return {}  # a fictional theatre: no outlines at all
    by_iso = {c["iso"]: c["id"] for c in countries}
    out: dict[str, geo.Border] = {}
    for border in geo.borders(box):
        key = by_iso.get(border.iso or "") or f"\u0000{border.iso or border.name}"
        out[key] = border
    return out


def _draw_outlines(ax: Axes, outlines: dict[str, geo.Border], shaded: set[str]) -> None:
    if not outlines:
        return
    rings = [ring for border in outlines.values() for ring in border.rings]
    fills = [DENIED if key in shaded else LAND for key, b in outlines.items() for _ in b.rings]
    hatches = [key in shaded for key, b in outlines.items() for _ in b.rings]
    ax.add_collection(PolyCollection(rings, facecolors=fills, edgecolors=BORDER_LINE,
                                     linewidths=0.9, zorder=0.5))  # fmt: skip
    denied = [ring for ring, hatched in zip(rings, hatches, strict=True) if hatched]
    if denied:
        ax.add_collection(PolyCollection(denied, facecolors="none", edgecolors="#B5643C",
                                         linewidths=0, hatch="//", zorder=0.6))  # fmt: skip
    ax.set_facecolor("#E4EEF5")  # sea and land beyond the outlines


def _name_countries(
    fig: Figure,
    ax: Axes,
    run: Run,
    outlines: dict[str, geo.Border],
    shaded: set[str],
    avoid: list[tuple[float, float]],
    marks: list[Rect],
) -> list[Rect]:
    """Write each scenario country's name inside its outline, away from the places.

    The name goes to the best spot whose box covers no marker or label
    (``marks``) and no other name, or is left out.  Returns the boxes the
    names took.
    """
    names = country_names(run)
    countries = {c["id"]: c for c in run.scenario.get("countries", [])}
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()  # type: ignore[no-untyped-call]
    frame = ax.get_window_extent(renderer)
    taken: list[Rect] = []
    for key, border in outlines.items():
        if key not in countries:
            continue
        spots = _inner_points(ax, border, avoid)
        if not spots:
            continue
        text = names.get(key, key).upper()
        if key in shaded:
            denied = geo.transit_denied(countries[key])
            who = sorted({n for v in denied.values() for n in (v or ["all"])})
            whom = ", ".join("foreign forces" if n == "all" else names.get(n, n) for n in who)
            text += f"\ntransit denied to {whom}"
        to_data = ax.transData.inverted()
        first = to_data.transform(spots[0])
        artist = ax.text(first[0], first[1], text, ha="center", va="center",
                         fontsize=11, color="#6E6E6E", style="italic", zorder=1,
                         linespacing=1.1)  # fmt: skip
        size = artist.get_window_extent(renderer)
        spot = free_spot(spots, size.width + 4, size.height + 4, [*marks, *taken])
        if spot is None:
            artist.remove()
            continue
        artist.set_position(tuple(to_data.transform(spot)))
        box = artist.get_window_extent(renderer)
        if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
            artist.remove()
            continue
        taken.append(Rect(box.x0, box.y0, box.x1, box.y1))
    return taken


def _inner_points(
    ax: Axes, border: geo.Border, avoid: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Points well inside the largest ring of an outline, in pixels, the best first.

    Points on a grid over the ring are tested for being inside; the farther a
    point from the ring's corners and from the places to ``avoid``, the better
    (a cheap stand-in for the pole of inaccessibility).  Empty when the ring
    is too small on the chart for a name.
    """
    ring = max(border.rings, key=lambda r: abs(_area(r)))
    pts = ax.transData.transform(np.array(ring, dtype=float))
    (xa, ya), (xb, yb) = pts.min(axis=0), pts.max(axis=0)
    if xb - xa < 60 or yb - ya < 25:
        return []  # too small on the chart for a name
    xs, ys = np.meshgrid(np.linspace(xa, xb, 14)[1:-1], np.linspace(ya, yb, 14)[1:-1])
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    inside = _contains(pts, grid)
    if not inside.any():
        return []
    grid = grid[inside]
    nearest = np.sqrt(((grid[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    if avoid:
        places = ax.transData.transform(np.array(avoid, dtype=float))
        # Wide boxes: a place beside the name matters more than one above or below it.
        gap = np.sqrt(
            (((grid[:, None, :] - places[None, :, :]) * [0.5, 1.6]) ** 2).sum(axis=2)
        ).min(axis=1)
        nearest = np.minimum(nearest, gap)
    order = np.argsort(-nearest, kind="stable")
    return [(float(grid[i, 0]), float(grid[i, 1])) for i in order]


def _area(ring: Any) -> float:
    """Signed area of a ring (shoelace formula), in its own units."""
    pairs = itertools.pairwise([*ring, ring[0]])
    return 0.5 * float(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairs))


def _contains(polygon: Any, points: Any) -> Any:
    """Even-odd test of many points against one polygon (arrays of x, y)."""
    x, y = points[:, 0][:, None], points[:, 1][:, None]
    ax_, ay = polygon[:, 0][None, :], polygon[:, 1][None, :]
    bx, by = np.roll(polygon[:, 0], -1)[None, :], np.roll(polygon[:, 1], -1)[None, :]
    crosses = (ay > y) != (by > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = ax_ + (y - ay) * (bx - ax_) / (by - ay)
    return (crosses & (x < at)).sum(axis=1) % 2 == 1


def _legs(run: Run) -> dict[str, set[str]]:
    """Link id -> the units that moved over it.

    The ``plan`` event of a unit names its links; the last plan counts (a unit
    may be re-planned).  Units without a plan fall back to their route, each
    pair of consecutive places matched to a link between them.
    """
    links = run.scenario.get("links", [])
    by_pair: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        by_pair[frozenset((link["a"], link["b"]))].append(link)
    planned: dict[str, list[str]] = {}
    for e in run.events:
        legs = (e.get("detail") or {}).get("legs")
        if e.get("kind") == "plan" and isinstance(legs, list):
            planned[str(e.get("entity"))] = [str(leg) for leg in legs]
    used: dict[str, set[str]] = defaultdict(set)
    for u in run.summary.get("units", []):
        if u["id"] in planned:
            for leg in planned[u["id"]]:
                used[leg].add(u["id"])
            continue
        route = u.get("route") or []
        for a, b in itertools.pairwise(route):
            candidates = by_pair.get(frozenset((a, b)), [])
            # Prefer a link of the unit's own mode when several join the two places.
            link = next((c for c in candidates if c["mode"] == u.get("mode")), None)
            link = link or (candidates[0] if candidates else None)
            if link is not None:
                used[link["id"]].add(u["id"])
    return used


def _label_places(
    fig: Figure,
    ax: Axes,
    nodes: list[dict[str, Any]],
    key: set[str],
    segments: list[tuple[float, float, float, float, float]],
    reserved: list[Rect],
    radius: dict[str, float],
) -> list[Rect]:
    """Place the labels (see :mod:`~simulator.report.charts.labels`); draw them; their boxes."""
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()  # type: ignore[no-untyped-call]
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72
    sizes: dict[tuple[str, bool], tuple[float, float]] = {}

    def measure(text: str, important: bool) -> tuple[float, float]:
        if (text, important) not in sizes:
            artist = ax.text(0, 0, text, fontsize=12 if important else 11, linespacing=1.15)
            box = artist.get_window_extent(renderer)
            artist.remove()
            sizes[text, important] = (box.width, box.height)
        return sizes[text, important]

    places = []
    for node in nodes:
        x, y = ax.transData.transform((node["lon"], node["lat"]))
        places.append(Place(node["id"], float(x), float(y), place_label(node), node["id"] in key,
                            radius[node["id"]]))  # fmt: skip
    lines = [Rect(*row) for row in _segment_boxes(fig, ax, segments)]
    placed = place_labels(
        places, measure, Rect(frame.x0, frame.y0, frame.x1, frame.y1), points_to_px=scale,
        marker_px=MARKER_PT * scale, group_px=GROUP_PT * scale, reserved=reserved, lines=lines,
    )  # fmt: skip
    to_data = ax.transData.inverted()
    for label in placed:
        cx, cy = label.anchor
        ax.annotate(
            label.text, tuple(to_data.transform((cx, cy))),
            xytext=(label.dx / scale, label.dy / scale), textcoords="offset points",
            fontsize=12 if label.important else 11,
            color="#000000" if label.important else "#505050", zorder=9, linespacing=1.15,
            ha=label.ha, va=label.va,
            # A light backing keeps a label readable where it has to cross a line.
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "#FFFFFF", "edgecolor": "none",
                  "alpha": 0.75},
        )  # fmt: skip
        if not label.leader:
            continue
        leaders = []
        for place in label.places:
            ex, ey = label.box.nearest(place.x, place.y)
            leaders.append(to_data.transform([(ex, ey), (place.x, place.y)]))
        ax.add_collection(LineCollection(leaders, colors="#606060", linewidths=0.8, zorder=8))
    return [label.box for label in placed]


def _segment_boxes(
    fig: Figure, ax: Axes, segments: Sequence[tuple[float, float, float, float, float]]
) -> Any:
    """Small boxes (x0, y0, x1, y1 rows) along every drawn leg, to keep labels off lines."""
    boxes = []
    for x0, y0, x1, y1, width in segments:
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        half = width * fig.dpi / 72 / 2 + 1
        steps = max(int(math.hypot(c - a, d - b) / 6), 1)
        for i in range(steps + 1):
            x, y = a + (c - a) * i / steps, b + (d - b) * i / steps
            boxes.append((x - half, y - half, x + half, y + half))
    return np.array(boxes, dtype=float).reshape(-1, 4)


def _leg_width(units: int) -> float:
    return min(1.8 + 1.6 * (units - 1), 9.0)


def _map_legend(
    run: Run,
    used: dict[str, set[str]],
    nodes: dict[str, dict[str, Any]],
    idle: bool,
    shaded: bool,
    breaks: bool,
    crossings: bool,
) -> tuple[list[Any], list[str]]:
    """Legend entries: countries, the modes drawn, sample widths and the markers."""
    colours = nation_colours(run)
    names = country_names(run)
    countries = list(dict.fromkeys(n["country"] for n in nodes.values()))
    links = {link["id"]: link for link in run.scenario.get("links", [])}
    modes = [m for m in MODE_STYLES if any(links[leg]["mode"] == m for leg in used)]
    handles: list[Any] = [
        Line2D([], [], linestyle="none", marker="o", markersize=11,
               color=colours.get(c, PALETTE[-1]), markeredgecolor="#000000")
        for c in countries
    ]  # fmt: skip
    labels = [short(names.get(c, c), 16) for c in countries]
    for mode in modes:
        colour, dash = MODE_STYLES[mode]
        handles.append(Line2D([], [], color=colour, linestyle=dash, linewidth=3.0))
        labels.append(mode)
    widths = sorted({len(units) for units in used.values()})
    if len(widths) > 3:
        widths = [widths[0], widths[len(widths) // 2], widths[-1]]
    for n in widths:
        handles.append(Line2D([], [], color="#8C8C8C", linewidth=_leg_width(n)))
        labels.append(f"{n} unit{'s' if n != 1 else ''}")
    links_idle = any(k["id"] not in used and k["mode"] != "air" for k in links.values())
    extras: list[tuple[Any, str, bool]] = [
        (Line2D([], [], color="#9A9A9A", linewidth=1.0, linestyle=(0, (2, 2))), "not used",
         links_idle),
        (Line2D([], [], linestyle="none", marker="s", markersize=13, markerfacecolor="none",
                markeredgecolor="#000000", markeredgewidth=2.0), "gauge break", breaks),
        (Line2D([], [], linestyle="none", marker="X", markersize=10, color=MISS,
                markeredgecolor="#FFFFFF"), "border crossing", crossings),
        (Patch(facecolor=DENIED, edgecolor="#B5643C", hatch="//"), "transit denied", shaded),
    ]  # fmt: skip
    for handle, label, present in extras:
        if present:
            handles.append(handle)
            labels.append(label)
    del idle  # outlines need no entry: they are the map itself
    return handles, labels
