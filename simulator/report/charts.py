"""Charts of a saved run: the timeline, the closure curve, the route map and asset use.

A saved run (see :mod:`simulator.report.save`) is read back as a :class:`Run`:
the summary, the manifest (with the resolved scenario) and the model events.
Each chart is one function that takes a ``Run`` and returns a matplotlib
:class:`~matplotlib.figure.Figure`, or ``None`` when the run gives it nothing
to show (no place, no arrival, no asset):

* :func:`timeline` - a Gantt chart: each unit's move from departure to arrival
  (coloured by nation), then the operations' tasks grouped by phase, tasks on
  the critical path outlined, the milestones' observed windows as numbered
  bands and D-day marked.
* :func:`operations` - the same for the last operations phases alone, when
  they are short beside the whole run (hours after weeks of deployment): on
  the whole run's axis their tasks would be slivers.  Two figures rather than
  two panels of one, so that each fits a printed page.
* :func:`closure` - the share of the force closed over time, one line per
  nation and one for all, counted load by load from the arrivals in the event
  log, with the deadlines of the ``closed`` milestones.
* :func:`route_map` - the places on a plain longitude/latitude plot (no map
  tiles, nothing downloaded) and the legs the units used, styled by mode and
  thicker the more units used them.
* :func:`asset_use` - utilisation of every fleet and limited place, with the
  peak in use against the capacity.

The figures are built without pyplot: a ``Figure`` attached to an Agg canvas,
so neither the process-wide backend nor pyplot's list of open figures
changes, and a figure is freed like any object.  Drawing and saving both run
inside ``matplotlib.rc_context(STYLE)`` (the settings are restored on the way
out): the same fonts and sizes whatever the
user's matplotlibrc, a fixed salt for SVG ids and no dates in the metadata, so
that one run always gives byte-identical PNG and SVG files.

The charts are meant to be projected and printed: type of at least 11 points
at the figure's size, black text on white, the colour-blind-safe Okabe-Ito
palette, and line styles and hatching that still tell things apart in
grey-scale print.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import math
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import Bbox, blended_transform_factory

from simulator.analysis.closure import Amounts, Arrival, add, curve

__all__ = [
    "CHARTS",
    "MODE_STYLES",
    "PALETTE",
    "STYLE",
    "Run",
    "asset_label",
    "asset_use",
    "closure",
    "country_names",
    "load_run",
    "milestone_numbers",
    "nation_colours",
    "operations",
    "parse_time",
    "place_label",
    "png_bytes",
    "route_map",
    "short",
    "svg_bytes",
    "timeline",
]

PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)  # fmt: skip
"""Okabe-Ito colours, strongest first; yellow comes late as it is weak on white paper."""

LineStyle = Literal["-", "--", "-.", ":"]

MODE_STYLES: dict[str, tuple[str, LineStyle]] = {
    "rail": ("#1A1A1A", "-"),
    "road": ("#A0522D", "--"),
    "air": ("#3A7DC9", ":"),
}
"""Colour and line style per mode: the style alone still tells modes apart in grey print."""

NATION_STYLES: tuple[LineStyle, ...] = ("-", "--", "-.", ":")
"""Line styles cycled over the nations of the closure curve, for the same reason."""

TASK_FILL = "#BDBDBD"
HEADER_FILL = "#4D4D4D"
BAND_FILL = "#9ECAE1"
MISS = "#D55E00"
DEADLINE = "#5E3C99"

STYLE: dict[str, Any] = {
    # DejaVu Sans ships with matplotlib: the same glyphs (and so the same bytes) everywhere.
    "font.family": "DejaVu Sans",
    "font.size": 13.0,
    "axes.titlesize": 15.0,
    "axes.titleweight": "bold",
    "figure.titlesize": 15.0,
    "figure.titleweight": "bold",
    "axes.labelsize": 13.0,
    "xtick.labelsize": 12.0,
    "ytick.labelsize": 12.0,
    "legend.fontsize": 12.0,
    "legend.title_fontsize": 12.0,
    "text.color": "#000000",
    "axes.labelcolor": "#000000",
    "axes.edgecolor": "#000000",
    "xtick.color": "#000000",
    "ytick.color": "#000000",
    "axes.linewidth": 1.0,
    "axes.facecolor": "#FFFFFF",
    "figure.facecolor": "#FFFFFF",
    "savefig.facecolor": "#FFFFFF",
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
    "svg.fonttype": "path",
    "svg.hashsalt": "tabletop-report",
    # Scenario text is user input: a "$" must stay a dollar sign, not start mathtext.
    "text.parse_math": False,
    "text.usetex": False,
}
"""matplotlib settings for every chart, applied while drawing and while saving."""

FIGURE_WIDTH_IN = 10.0
"""Wide enough for a projector, narrow enough to print on A4/Letter at about 70 %."""

ROW_IN = 0.31
"""Height of one bar row in the timeline and asset charts."""


@dataclass(frozen=True)
class Run:
    """A saved run read back from its folder.

    Attributes:
        folder: The run's folder.
        summary: Content of ``summary.json``.
        manifest: Content of ``manifest.json``; ``manifest["scenario"]`` is the
            resolved scenario.
        events: The records of ``events.jsonl``, in order.
    """

    folder: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario stored in the manifest (empty if absent)."""
        scenario: dict[str, Any] = self.manifest.get("scenario") or {}
        return scenario

    @property
    def start(self) -> dt.datetime:
        """The instant of simulated hour 0."""
        return parse_time(self.summary["scenario"]["start"])

    @property
    def d_day(self) -> dt.datetime:
        """D-day, the origin of the ``D+days`` figures."""
        return parse_time(self.summary["scenario"]["d_day"])

    @property
    def title(self) -> str:
        """The scenario's title, or its name when it has none."""
        head = self.summary["scenario"]
        return str(head.get("title") or head.get("name") or "scenario")


def load_run(folder: Path) -> Run:
    """Read a saved run.

    Args:
        folder: A folder written by ``tabletop run``.

    Returns:
        The run.

    Raises:
        OSError: If a file cannot be read.
        ValueError: If a file is not valid JSON (the message names the file).
    """

    def read_json(name: str, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{name} is not valid JSON: {error}") from None

    summary = read_json("summary.json", (folder / "summary.json").read_text("utf-8"))
    manifest = read_json("manifest.json", (folder / "manifest.json").read_text("utf-8"))
    events = [
        read_json(f"events.jsonl line {number}", line)
        for number, line in enumerate(
            (folder / "events.jsonl").read_text("utf-8").splitlines(), start=1
        )
        if line.strip()
    ]
    if not isinstance(summary, dict) or not isinstance(manifest, dict):
        raise ValueError("summary.json and manifest.json must each hold a JSON object")
    if "scenario" not in summary or "units" not in summary:
        raise ValueError("summary.json is not the summary of a single run")
    return Run(folder, summary, manifest, [e for e in events if isinstance(e, dict)])


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 instant of the summary (``2030-01-01T06:00Z``) as an aware UTC datetime."""
    when = dt.datetime.fromisoformat(text)
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _maybe_time(text: str | None) -> dt.datetime | None:
    return None if not text else parse_time(text)


def _num(when: dt.datetime) -> float:
    """matplotlib's date number (days) of an instant."""
    return float(mdates.date2num(when))  # type: ignore[no-untyped-call]


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so labels keep their room."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@contextmanager
def _style() -> Iterator[None]:
    # STYLE's keys are valid rc keys; the stubs want them as literal types.
    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def _figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, no global backend switch."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, without the software tag (the same bytes on every call)."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG, text as paths (no font needed), with no date in the metadata."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "tabletop"})
    return buffer.getvalue()


def nation_colours(run: Run) -> dict[str, str]:
    """One palette colour per country id, the nations that have forces first.

    The same mapping colours the timeline bars, the closure lines and the map's
    places, so a nation keeps its colour across the report.
    """
    scenario = run.scenario
    with_forces = [u["nation"] for u in run.summary.get("units", [])]
    others = [c["id"] for c in scenario.get("countries", [])]
    others += [n["country"] for n in scenario.get("nodes", [])]
    ordered = list(dict.fromkeys([*with_forces, *others]))
    return {nation: PALETTE[i % len(PALETTE)] for i, nation in enumerate(ordered)}


def country_names(run: Run) -> dict[str, str]:
    """Country id -> its name (the id when the scenario gives none)."""
    return {c["id"]: c.get("name") or c["id"] for c in run.scenario.get("countries", [])}


def milestone_numbers(run: Run) -> dict[str, int]:
    """Milestone id -> its number on the timeline (1, 2, ... in summary order)."""
    return {m["id"]: i for i, m in enumerate(run.summary.get("milestones", []), start=1)}


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class _Bar:
    """One row of the Gantt chart."""

    label: str
    start: float | None
    end: float | None
    colour: str
    critical: bool = False
    header: bool = False
    note: str = ""
    nation: str | None = None


@dataclass(frozen=True)
class _Window:
    """A milestone's observed window on the time axis."""

    number: int
    name: str
    lo: float | None
    hi: float | None
    missed: bool

    @property
    def centre(self) -> float:
        values = [v for v in (self.lo, self.hi) if v is not None]
        return sum(values) / len(values)


def _windows(run: Run) -> list[_Window]:
    numbers = milestone_numbers(run)
    windows = []
    for m in run.summary.get("milestones", []):
        observed = m.get("observed") or {}
        lo, hi = _maybe_time(observed.get("earliest")), _maybe_time(observed.get("latest"))
        if lo is None and hi is None:
            continue
        windows.append(
            _Window(
                numbers[m["id"]],
                m.get("name") or m["id"],
                None if lo is None else _num(lo),
                None if hi is None else _num(hi),
                not m.get("within_window", True),
            )
        )
    return windows


def _unit_bars(run: Run, end_of_plot: float) -> list[_Bar]:
    colours = nation_colours(run)
    critical = {t["id"] for p in run.summary.get("phases", []) for t in p["tasks"] if t["critical"]}
    bars = []
    for u in run.summary.get("units", []):
        depart, arrive = _maybe_time(u.get("depart")), _maybe_time(u.get("arrive"))
        note = "" if u.get("status", "closed") == "closed" else str(u.get("status"))
        bars.append(
            _Bar(
                short(u.get("name") or u["id"], 30),
                None if depart is None else _num(depart),
                # A unit that never closed runs to the edge of the chart, marked by its note.
                (end_of_plot if depart is not None else None) if arrive is None else _num(arrive),
                colours.get(u["nation"], PALETTE[-1]),
                critical=f"deploy:{u['id']}" in critical,
                note=note,
                nation=u["nation"],
            )
        )
    return bars


def _phase_bar(phase: dict[str, Any]) -> _Bar:
    start, end = _maybe_time(phase.get("start")), _maybe_time(phase.get("end"))
    return _Bar(
        short(phase.get("name") or phase["id"], 30),
        None if start is None else _num(start),
        None if end is None else _num(end),
        HEADER_FILL,
        header=True,
        note="" if start is not None else "not started",
    )


def _task_bars(phase: dict[str, Any]) -> list[_Bar]:
    bars = []
    for t in phase["tasks"]:
        start, end = _maybe_time(t.get("start")), _maybe_time(t.get("end"))
        bars.append(
            _Bar(
                short(t.get("name") or t["id"], 30),
                None if start is None else _num(start),
                None if end is None else _num(end),
                TASK_FILL,
                critical=bool(t.get("critical")),
                note="" if t.get("status", "done") == "done" else "not done",
            )
        )
    return bars


def _span(values: Iterable[float | None]) -> tuple[float, float] | None:
    present = [v for v in values if v is not None]
    return (min(present), max(present)) if present else None


def _stagger(positions: Sequence[float], gap: float, levels: int) -> list[int]:
    """A label level per position so that labels closer than ``gap`` do not collide.

    Greedy, in order of position: each label takes the lowest level whose last
    label is far enough away; when none is, the level whose last label is farthest.
    """
    last: list[float] = [-math.inf] * levels
    out = [0] * len(positions)
    for index in sorted(range(len(positions)), key=lambda i: positions[i]):
        x = positions[index]
        level = next((k for k in range(levels) if x - last[k] >= gap), None)
        if level is None:
            level = min(range(levels), key=lambda k: last[k])
        last[level] = x
        out[index] = level
    return out


def _date_axis(ax: Axes, d_day: float, lo: float, hi: float) -> None:
    """Dates (UTC) below, days from D-day above, D-day as a solid line."""
    ax.set_xlim(lo, hi)
    locator = mdates.AutoDateLocator(tz=dt.UTC, minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=dt.UTC)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel("date and time (UTC)")

    def to_d(x: Any) -> Any:
        return x - d_day

    def from_d(x: Any) -> Any:
        return x + d_day

    top = ax.secondary_xaxis("top", functions=(to_d, from_d))
    top.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "D" if abs(v) < 1e-9 else f"D{v:+g}"))
    top.set_xlabel("days from D-day")
    if lo <= d_day <= hi:
        ax.axvline(d_day, color="#000000", linewidth=2.0, zorder=4)


def _window_levels(
    windows: Sequence[_Window], lo: float, hi: float
) -> list[tuple[_Window, float, int]]:
    """The windows visible between ``lo`` and ``hi``: (window, label x, label row)."""
    visible = []
    for w in windows:
        a = w.lo if w.lo is not None else w.hi
        b = w.hi if w.hi is not None else w.lo
        assert a is not None and b is not None
        if lo <= b and a <= hi:
            visible.append((w, min(max(w.centre, lo), hi)))
    # A label is about 3 % of the axis wide; closer ones go on the second row.
    levels = _stagger([x for _, x in visible], 0.045 * (hi - lo), 2)
    return [(w, x, level) for (w, x), level in zip(visible, levels, strict=True)]


def _draw_windows(ax: Axes, placed: Sequence[tuple[_Window, float, int]], top: float) -> None:
    """Shade the observed windows; number them in the label rows above the bars.

    ``top`` is the y of the first label row; a second row goes above it (the y
    axis is inverted, so above means a smaller y).
    """
    for w, x, level in placed:
        if w.lo is not None and w.hi is not None and w.hi > w.lo:
            ax.axvspan(w.lo, w.hi, color=BAND_FILL, alpha=0.4, linewidth=0, zorder=0)
        else:
            # An open-ended window ("by ..." or "from ...") is a dashed line at its bound.
            bound = w.hi if w.hi is not None else w.lo
            assert bound is not None  # a window has at least one bound (see _windows)
            ax.axvline(bound, color="#2171B5", linewidth=1.6, linestyle="--", zorder=1)
        ax.text(
            x, top - level, f"{w.number}\u2717" if w.missed else str(w.number),
            ha="center", va="center", fontsize=12, fontweight="bold",
            color=MISS if w.missed else "#08306B", zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "#FFFFFF", "edgecolor": "none",
                  "alpha": 0.85},
        )  # fmt: skip


def _draw_bars(ax: Axes, bars: Sequence[_Bar], lo: float, hi: float) -> None:
    # Bars narrower than this share of the axis get a marker so they stay visible.
    tiny = 0.004 * (hi - lo)
    for y, bar in enumerate(bars):
        if bar.header:
            ax.axhspan(y - 0.5, y + 0.5, color="#EBEBEB", zorder=0, linewidth=0)
        if bar.start is None:
            ax.text(lo, y, f"  {bar.note or 'not started'}", va="center", fontsize=11,
                    style="italic", color="#404040")  # fmt: skip
            continue
        end = bar.end if bar.end is not None else bar.start
        ax.barh(
            y, max(end - bar.start, 0.0), left=bar.start, height=0.36 if bar.header else 0.7,
            color=bar.colour, edgecolor="#000000", linewidth=2.6 if bar.critical else 0.6,
            hatch="//" if bar.note else None, zorder=3,
        )  # fmt: skip
        if end - bar.start < tiny:
            ax.plot([bar.start], [y], marker="D", markersize=7, color=bar.colour,
                    markeredgecolor="#000000", markeredgewidth=2.0 if bar.critical else 0.8,
                    zorder=5)  # fmt: skip
        if bar.note:
            ax.text(end, y, f"  {bar.note}", va="center", fontsize=11, style="italic",
                    color="#404040", zorder=5, clip_on=True)  # fmt: skip
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([b.label for b in bars])
    for tick, bar in zip(ax.get_yticklabels(), bars, strict=True):
        if bar.header or bar.critical:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)


def timeline(run: Run) -> Figure | None:
    """Gantt chart of the whole run: units' moves, operations' tasks, milestones.

    Operations phases that :func:`operations` zooms into appear here as one
    phase bar each, without their tasks.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` if nothing moved and no task ran.
    """
    with _style():
        plan = _plan(run)
        if plan is None:
            return None
        bars, lo, hi = plan.overview
        return _gantt(run, bars, lo, hi, f"Timeline \u2013 {short(run.title, 60)}")


def operations(run: Run) -> Figure | None:
    """Gantt chart of the last operations phases, zoomed in, or ``None``.

    Operations often take hours after a deployment of weeks: on the whole
    run's axis their tasks would be slivers.  The latest phases that together
    last under a tenth of the whole run get this chart of their own; when
    there are none (no operations, or long ones) there is no chart.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` when the timeline shows every task well enough.
    """
    with _style():
        plan = _plan(run)
        if plan is None or plan.zoom is None:
            return None
        bars, lo, hi = plan.zoom
        return _gantt(run, bars, lo, hi, f"Operations \u2013 {short(run.title, 60)}")


@dataclass(frozen=True)
class _Plan:
    """The rows and time ranges of the timeline and of the zoomed operations."""

    overview: tuple[list[_Bar], float, float]
    zoom: tuple[list[_Bar], float, float] | None


def _phase_span(phase: dict[str, Any]) -> tuple[float, float] | None:
    times = [phase.get("start"), phase.get("end")]
    times += [t.get(k) for t in phase["tasks"] for k in ("start", "end")]
    return _span(_num(w) for w in map(_maybe_time, times) if w is not None)


def _zoomed_phases(
    operations: Sequence[dict[str, Any]], width: float
) -> tuple[list[dict[str, Any]], tuple[float, float] | None]:
    """The latest operations phases that together last under a tenth of ``width``.

    Operations often take hours after a deployment of weeks; on the whole run's
    axis their tasks would be slivers, so these phases get a chart of their own.
    """
    dated = sorted(
        ((found, p) for p in operations if (found := _phase_span(p)) is not None),
        key=lambda item: item[0],
    )
    chosen: list[dict[str, Any]] = []
    span: tuple[float, float] | None = None
    for phase_span, phase in reversed(dated):
        joined = phase_span if span is None else (
            min(span[0], phase_span[0]), max(span[1], phase_span[1])
        )  # fmt: skip
        if joined[1] - joined[0] >= 0.1 * width:
            break
        chosen.insert(0, phase)
        span = joined
    return chosen, span


def _plan(run: Run) -> _Plan | None:
    phases = run.summary.get("phases", [])
    ops = [p for p in phases if p["id"] != "deployment"]
    deployment = next((p for p in phases if p["id"] == "deployment"), None)
    windows = _windows(run)
    units = run.summary.get("units", [])
    times = [_num(t) for u in units for k in ("depart", "arrive") if (t := _maybe_time(u.get(k)))]
    op_times = [x for p in ops if (dated := _phase_span(p)) is not None for x in dated]
    whole = _span(
        [*times, *op_times, _num(run.d_day), *(w.lo for w in windows), *(w.hi for w in windows)]
    )
    if whole is None or not (times or op_times):
        return None
    pad = max(0.02 * (whole[1] - whole[0]), 1 / 24)
    lo, hi = whole[0] - pad, whole[1] + pad
    zoomed, zoom_span = _zoomed_phases(ops, hi - lo)
    overview = [*([_phase_bar(deployment)] if deployment else []), *_unit_bars(run, hi)]
    for phase in ops:
        overview.append(_phase_bar(phase))
        if not any(phase is z for z in zoomed):
            overview += _task_bars(phase)
    if not zoomed or zoom_span is None:
        return _Plan((overview, lo, hi), None)
    zpad = max(0.04 * (zoom_span[1] - zoom_span[0]), 1 / 48)
    bars = [bar for p in zoomed for bar in (_phase_bar(p), *_task_bars(p))]
    return _Plan((overview, lo, hi), (bars, zoom_span[0] - zpad, zoom_span[1] + zpad))


def _gantt(run: Run, bars: list[_Bar], lo: float, hi: float, title: str) -> Figure:
    """One Gantt figure: the bars, the date axes, the windows, a legend and a key."""
    placed = _window_levels(_windows(run), lo, hi)
    label_rows = 1 + max((level for *_, level in placed), default=-1)
    d_day = _num(run.d_day)
    handles, labels = _timeline_legend(run, bars, lo <= d_day <= hi, bool(placed))
    marks = _milestone_key([w for w, *_ in placed])
    ncols = min(5, len(handles))
    key_in = 0.26 * (len(marks) + 1) if marks else 0.0
    legend_in = 0.32 * math.ceil(len(handles) / ncols)
    height = len(bars) + label_rows + 0.6
    fig = _figure(FIGURE_WIDTH_IN, ROW_IN * height + 1.5 + key_in + legend_in + 0.4)
    fig.suptitle(title)
    fig.legend(
        handles, labels, loc="outside lower center", ncols=ncols, frameon=False,
        handlelength=1.6, columnspacing=1.2,
    )  # fmt: skip
    ratios = [height, key_in / ROW_IN] if marks else [height]
    grid = fig.add_gridspec(len(ratios), 1, height_ratios=ratios)
    ax = fig.add_subplot(grid[0])
    _draw_bars(ax, bars, lo, hi)
    ax.set_ylim(len(bars) - 0.5, -0.5 - label_rows)
    _date_axis(ax, d_day, lo, hi)
    _draw_windows(ax, placed, -1.0)
    if marks:
        key_ax = fig.add_subplot(grid[1])
        key_ax.set_axis_off()
        # The key starts at the figure's left edge: it needs more room than the bars' width.
        key_ax.text(
            0.02, 1.0, "Milestones, by their number on the chart (\u2717 missed)\n"
            + "\n".join(marks), transform=blended_transform_factory(fig.transFigure,
            key_ax.transAxes), ha="left", va="top", fontsize=12, linespacing=1.3,
        )  # fmt: skip
    return fig


def _timeline_legend(
    run: Run, bars: Sequence[_Bar], d_day: bool, windows: bool
) -> tuple[list[Any], list[str]]:
    """Legend entries for what the chart shows: nations, tasks, critical path, ..."""
    colours = nation_colours(run)
    names = country_names(run)
    nations = list(dict.fromkeys(b.nation for b in bars if b.nation is not None))
    handles: list[Any] = [
        Patch(facecolor=colours[n], edgecolor="#000000", linewidth=0.6) for n in nations
    ]
    labels = [short(names.get(n, n), 18) for n in nations]
    if any(b.colour == TASK_FILL for b in bars):
        handles.append(Patch(facecolor=TASK_FILL, edgecolor="#000000", linewidth=0.6))
        labels.append("operations task")
    if any(b.critical for b in bars):
        handles.append(Patch(facecolor="#FFFFFF", edgecolor="#000000", linewidth=2.6))
        labels.append("on the critical path")
    handles.append(Patch(facecolor=HEADER_FILL))
    labels.append("phase")
    if d_day:
        handles.append(Line2D([], [], color="#000000", linewidth=2.0))
        labels.append("D-day")
    if windows:
        handles.append(Patch(facecolor=BAND_FILL, alpha=0.4))
        labels.append("observed window")
    if any(b.note for b in bars):
        handles.append(Patch(facecolor="#FFFFFF", edgecolor="#000000", hatch="//"))
        labels.append("not closed / not done")
    return handles, labels


def _milestone_key(windows: Sequence[_Window]) -> list[str]:
    cross = " \u2717"
    return [f"{w.number}{cross if w.missed else ''}  {short(w.name, 76)}" for w in windows]


# --------------------------------------------------------------------------- closure


def _closure_deadlines(run: Run) -> list[tuple[float, str]]:
    """(instant, label) of every ``closed`` milestone's deadline, from the scenario."""
    measures = {m["id"]: m for m in run.scenario.get("milestones", [])}
    out = []
    for m in run.summary.get("milestones", []):
        spec = measures.get(m["id"], {})
        if (spec.get("measure") or {}).get("event") != "closed":
            continue
        observed = m.get("observed") or {}
        bound = _maybe_time(observed.get("latest") or observed.get("earliest"))
        if bound is None:
            continue
        measure = spec["measure"]
        who = ", ".join(measure.get("nations") or []) or ", ".join(measure.get("units") or [])
        share = float(measure.get("share", 1.0))
        name = textwrap.wrap(m.get("name") or m["id"], 34)
        lines = [*name[:2]]
        if len(name) > 2:
            lines[-1] = short(lines[-1] + " " + " ".join(name[2:]), 34)
        text = "\n".join([*lines, f"deadline: {share:.0%} of {who or 'all'}"])
        out.append((_num(bound), text))
    return out


def closure(run: Run) -> Figure | None:
    """Share of the force closed over time, per nation and for all.

    Every arrival of a load (event ``arrive`` of ``<unit>#<n>``) adds its
    people, vehicles and tonnes to its unit's nation; the share closed is the
    least of the three shares, of the totals in the summary's closure table
    (:func:`simulator.analysis.closure.curve`), so a line reaches 100% at the
    last load's arrival.  Deadlines of ``closed`` milestones are vertical
    lines.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` if no load arrived.
    """
    with _style():
        return _closure(run)


def _closure(run: Run) -> Figure | None:
    start = run.start
    nation_of = {u["id"]: u["nation"] for u in run.summary.get("units", [])}
    totals: dict[str, Amounts] = {
        c["nation"]: (c["personnel"], c.get("vehicles", 0), c.get("tonnes", 0.0))
        for c in run.summary.get("closure", [])
    }
    arrivals: dict[str, list[Arrival]] = defaultdict(list)
    for e in run.events:
        entity = str(e.get("entity", ""))
        if e.get("kind") != "arrive" or "#" not in entity:
            continue
        unit = entity.rsplit("#", 1)[0]
        detail = e.get("detail") or {}
        amounts = (
            float(detail.get("personnel") or 0),
            float(detail.get("vehicles") or 0),
            float(detail.get("tonnes") or 0),
        )
        if unit not in nation_of or not any(amounts):
            continue
        when = _num(start + dt.timedelta(hours=float(e["time_h"])))
        arrivals[nation_of[unit]].append((when, amounts))
        arrivals["all"].append((when, amounts))
    if not arrivals:
        return None
    fig = _figure(FIGURE_WIDTH_IN, 6.2)
    deadlines = _closure_deadlines(run)
    d_day = _num(run.d_day)
    span = _span([*(t for rows in arrivals.values() for t, _ in rows), *(t for t, _ in deadlines)])
    assert span is not None
    pad = max(0.03 * (span[1] - span[0]), 1 / 24)
    lo, hi = span[0] - pad, span[1] + pad
    ax = fig.add_subplot()
    colours = nation_colours(run)
    names = country_names(run)
    nations = [n for n in dict.fromkeys(nation_of.values()) if n in arrivals]
    for index, nation in enumerate([*nations, "all"]):
        rows = arrivals[nation]
        total = totals.get(nation) or add(amounts for _, amounts in rows)
        points = curve(rows, total)
        # A line starts at its first arrival: a run of zeros along the axis says nothing.
        xs = [points[0][0], *(t for t, _ in points)]
        ys = [0.0, *(100.0 * share for _, share in points)]
        xs.append(hi)
        ys.append(ys[-1])
        if nation == "all":
            # Under the nations' lines: with a single nation the two coincide.
            style: dict[str, Any] = {"color": "#000000", "linewidth": 3.2, "zorder": 3}
            label = "all nations"
        else:
            style = {
                "color": colours.get(nation, PALETTE[-1]),
                "linewidth": 2.4,
                "linestyle": NATION_STYLES[index % len(NATION_STYLES)],
                "zorder": 4,
            }
            label = short(names.get(nation, nation), 20)
        ax.step(xs, ys, where="post", label=label, **style)
    ax.set_ylim(0, 108)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylabel("closed (people, vehicles, tonnes)")
    ax.grid(color="#D9D9D9", linewidth=0.8)
    ax.set_axisbelow(True)
    _date_axis(ax, d_day, lo, hi)
    levels = _stagger([t for t, _ in deadlines], 0.22 * (hi - lo), 3)
    for (when, text), level in zip(deadlines, levels, strict=True):
        ax.axvline(when, color=DEADLINE, linewidth=2.2, linestyle=(0, (8, 3, 2, 3)), zorder=6)
        # Labels go left of their line (deadlines tend to sit at the right end).
        ax.text(
            when, 62 - 20 * level, text + " ", ha="right", va="center", fontsize=11,
            color=DEADLINE, zorder=7,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "#FFFFFF", "edgecolor": "none",
                  "alpha": 0.85},
        )  # fmt: skip
    handles, labels = ax.get_legend_handles_labels()
    if deadlines:
        handles.append(Line2D([], [], color=DEADLINE, linewidth=2.2, linestyle=(0, (8, 3, 2, 3))))
        labels.append("deadline")
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(4, len(handles)), frameon=False
    )
    fig.suptitle(f"Closure \u2013 {short(run.title, 60)}")
    return fig


# --------------------------------------------------------------------------- route map


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


def place_label(node: dict[str, Any]) -> str:
    """A place's name for the map: a trailing remark in brackets dropped, to save room."""
    name = str(node.get("name") or node["id"])
    return short(re.sub(r"\s*\([^()]*\)\s*$", "", name) or name, 24)


def route_map(run: Run) -> Figure | None:
    """Places by longitude and latitude and the legs the units used.

    A plain equirectangular plot, stretched by 1/cos(mean latitude) so that
    distances look right near the middle of the area; no tiles, nothing
    downloaded.  Places are coloured by country, legs by mode, and a leg is the
    thicker the more units used it.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` if the scenario has no places.
    """
    with _style():
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
    handles, labels = _map_legend(run, used, nodes)
    ncols = min(6, len(handles))
    fig = _figure(FIGURE_WIDTH_IN, plot_h + 1.1 + 0.34 * math.ceil(len(handles) / ncols))
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
    counts = {leg: len(units) for leg, units in used.items()}
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
            zorder=2,
        )  # fmt: skip
    on_route = Counter(place for u in run.summary.get("units", []) for place in u.get("route", []))
    ends = {
        u[k] for u in run.summary.get("units", []) for k in ("origin", "destination") if u.get(k)
    }
    colours = nation_colours(run)
    for node_id, node in nodes.items():
        important = node_id in on_route
        ax.scatter(
            [node["lon"]], [node["lat"]], s=150 if node_id in ends else 80 if important else 40,
            color=colours.get(node["country"], PALETTE[-1]), edgecolors="#000000",
            linewidths=1.2 if important else 0.6, alpha=1.0 if important else 0.55, zorder=4,
        )  # fmt: skip
    fig.legend(
        handles, labels, loc="outside lower center", ncols=ncols, frameon=False,
        handlelength=2.6, columnspacing=1.2,
    )  # fmt: skip
    fig.suptitle(f"Routes \u2013 {short(run.title, 60)}")
    # Labels are placed after the layout is fixed: their room is measured on the canvas.
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    order = sorted(nodes, key=lambda k: (k not in ends, k not in on_route, -on_route.get(k, 0), k))
    _label_places(fig, ax, [nodes[k] for k in order], ends | set(on_route), segments)
    return fig


def _leg_width(units: int) -> float:
    return min(1.8 + 1.6 * (units - 1), 9.0)


def _map_legend(
    run: Run, used: dict[str, set[str]], nodes: dict[str, dict[str, Any]]
) -> tuple[list[Any], list[str]]:
    """Legend entries: countries, the modes drawn, and sample widths."""
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
    return handles, labels


_OFFSETS = [
    (dx * r, dy * r)
    for r in (7.0, 15.0, 26.0, 40.0)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
]
"""Candidate label offsets (points), nearest first; far ones get a leader line."""


def _label_places(
    fig: Figure,
    ax: Axes,
    nodes: Sequence[dict[str, Any]],
    key: set[str],
    segments: Sequence[tuple[float, float, float, float, float]],
) -> None:
    """Label places without overlaps where possible, most important first.

    Each label tries offsets around its place, nearest first.  A label never
    covers another label or leaves the axes; among the offsets left it prefers
    covering no other place, then covering as little of the drawn legs as
    possible.  A place on a route takes the best offset found; a place on no
    route is labelled only where it is in nobody's way, else left unlabelled.
    """
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()  # type: ignore[no-untyped-call]
    frame = ax.get_window_extent(renderer)
    radius = 6.0 * fig.dpi / 72
    markers = {}
    for node in nodes:
        x, y = ax.transData.transform((node["lon"], node["lat"]))
        markers[node["id"]] = Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
    lines = _segment_boxes(fig, ax, segments)
    taken: list[Bbox] = []
    for node in nodes:
        important = node["id"] in key
        own = markers[node["id"]]
        # Places drawn on top of this one cannot be kept clear of: they do not count.
        others = [box for box in markers.values() if _area(box, own) == 0]
        best: tuple[float, float, tuple[float, float], Bbox] | None = None
        for dx, dy in _OFFSETS:
            box = _label_box(ax, renderer, node, dx, dy, important)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if not inside or any(_area(box, label) for label in taken):
                continue
            # Covering a line costs more than moving away a little, less than moving far.
            on_places, on_lines = sum(_area(box, o) for o in others), _covered(box, lines)
            cost = (on_places, on_lines + 25.0 * math.hypot(dx, dy))
            if best is None or cost < best[:2]:
                best = (*cost, (dx, dy), box)
            if on_places == 0 and on_lines == 0:
                break  # the nearest clean spot (offsets are tried nearest first)
        if best is None:
            continue
        on_places, on_lines, (dx, dy), box = best
        if not important and (on_places > 0 or on_lines - 25.0 * math.hypot(dx, dy) > 40):
            continue
        far = abs(dx) > 8 or abs(dy) > 8
        ax.annotate(
            place_label(node), (node["lon"], node["lat"]), xytext=(dx, dy),
            textcoords="offset points", fontsize=12 if important else 11,
            color="#000000" if important else "#505050", zorder=6,
            ha="left" if dx > 0 else "right" if dx < 0 else "center",
            va="bottom" if dy > 0 else "top" if dy < 0 else "center",
            arrowprops={"arrowstyle": "-", "color": "#606060", "linewidth": 0.8,
                        "shrinkA": 1, "shrinkB": 5} if far else None,
        )  # fmt: skip
        # Only the text is kept clear of later labels: a leader line may be crossed.
        taken.append(box)


def _covered(box: Bbox, lines: Any) -> float:
    """Area of ``box`` covered by the boxes along the legs (an (n, 4) array)."""
    if len(lines) == 0:
        return 0.0
    w = np.clip(np.minimum(box.x1, lines[:, 2]) - np.maximum(box.x0, lines[:, 0]), 0, None)
    h = np.clip(np.minimum(box.y1, lines[:, 3]) - np.maximum(box.y0, lines[:, 1]), 0, None)
    return float((w * h).sum())


def _label_box(
    ax: Axes, renderer: Any, node: dict[str, Any], dx: float, dy: float, important: bool
) -> Bbox:
    """The box a label would take at offset (dx, dy), measured and then removed."""
    text = ax.annotate(
        place_label(node), (node["lon"], node["lat"]), xytext=(dx, dy),
        textcoords="offset points", fontsize=12 if important else 11,
        ha="left" if dx > 0 else "right" if dx < 0 else "center",
        va="bottom" if dy > 0 else "top" if dy < 0 else "center",
    )  # fmt: skip
    box = text.get_window_extent(renderer).padded(2)
    text.remove()
    return box


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


def _area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


# --------------------------------------------------------------------------- asset use

_PLACE_KINDS = {"ramp": "loading ramps", "parking": "parking", "transfer": "transfer"}


def asset_label(run: Run, row: dict[str, Any]) -> str:
    """A readable name for a row of the assets table: the fleet's name, or place: limit."""
    fleets = {f["id"]: f for f in run.scenario.get("fleets", [])}
    nodes = {n["id"]: n for n in run.scenario.get("nodes", [])}
    asset = str(row["asset"])
    if asset in fleets:
        return str(fleets[asset].get("name") or asset)
    place = nodes.get(row.get("place") or "", {})
    where = place_label(place) if place else str(row.get("place") or asset)
    return f"{where}: {_PLACE_KINDS.get(row.get('kind', ''), row.get('kind', ''))}"


def asset_use(run: Run) -> Figure | None:
    """Utilisation of every fleet and limited place, with peak use against capacity.

    Args:
        run: The saved run.

    Returns:
        The figure, or ``None`` if the run has no fleets and no limited places.
    """
    with _style():
        return _asset_use(run)


def _asset_use(run: Run) -> Figure | None:
    rows = run.summary.get("assets", [])
    if not rows:
        return None
    fleets = {f["id"] for f in run.scenario.get("fleets", [])}
    fig = _figure(FIGURE_WIDTH_IN, ROW_IN * 1.15 * len(rows) + 2.4)
    ax = fig.add_subplot()
    ys = range(len(rows))
    peak_x = []
    for y, row in zip(ys, rows, strict=True):
        fleet = row["asset"] in fleets
        value = 100.0 * float(row.get("utilisation") or 0.0)
        ax.barh(
            y, value, height=0.66, color="#0072B2" if fleet else "#E69F00",
            edgecolor="#000000", linewidth=0.6, hatch=None if fleet else "//", zorder=3,
        )  # fmt: skip
        capacity, peak = row.get("capacity"), row.get("peak")
        share = 100.0 * peak / capacity if capacity and peak is not None else None
        peak_x.append(share)
        text = f"{value:.1f} %" + (f"   peak {peak}/{capacity}" if share is not None else "")
        ax.text(1.01, y, text, transform=blended_transform_factory(ax.transAxes, ax.transData),
                va="center", ha="left", fontsize=12)  # fmt: skip
    marks = [(x, y) for y, x in zip(ys, peak_x, strict=True) if x is not None]
    if marks:
        ax.scatter([x for x, _ in marks], [y for _, y in marks], marker="D", s=60,
                   color="#000000", zorder=5)  # fmt: skip
    ax.set_yticks(list(ys))
    ax.set_yticklabels([short(asset_label(run, r), 38) for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 102)
    ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel("utilisation: busy hours / (capacity \u00d7 hours of the run)")
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    handles = [
        Patch(facecolor="#0072B2", edgecolor="#000000"),
        Patch(facecolor="#E69F00", edgecolor="#000000", hatch="//"),
        Line2D([], [], linestyle="none", marker="D", color="#000000", markersize=8),
    ]
    labels = ["fleet", "limited place", "peak in use / capacity"]
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle(f"Asset use \u2013 {short(run.title, 60)}")
    return fig


CHARTS: dict[str, tuple[str, Callable[[Run], Figure | None]]] = {
    "timeline": ("Timeline", timeline),
    "operations": ("Operations, zoomed in", operations),
    "closure": ("Closure curve", closure),
    "routes": ("Route map", route_map),
    "assets": ("Asset use", asset_use),
}
"""Chart file name -> (title, function), in report order.  A function returns None when
its chart has nothing to show for the run (no zoom needed, no asset, ...)."""
