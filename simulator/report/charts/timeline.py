"""The timeline: a Gantt chart of the units' moves, the operations and the milestones.

* :func:`timeline` - each unit's move from departure to arrival (coloured by
  nation), its wait before departure (from ready to departure, pale) and its
  waits on the way (hatched), then the operations' tasks grouped by phase,
  tasks on the critical path outlined, the milestones' observed windows as
  numbered bands and D-day marked.
* :func:`operations` - the same for the last operations phases alone, when
  they are short beside the whole run (hours after weeks of deployment): on
  the whole run's axis their tasks would be slivers.  Two figures rather than
  two panels of one, so that each fits a printed page.

Row labels are never cut: a long name wraps onto a second line and the rows
grow to hold it.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from simulator.report.charts.base import (
    BAND_FILL,
    FIGURE_WIDTH_IN,
    HEADER_FILL,
    MISS,
    PALETTE,
    ROW_IN,
    TASK_FILL,
    Run,
    chart_style,
    country_names,
    date_axis,
    date_number,
    freeze_layout,
    maybe_time,
    milestone_numbers,
    nation_colours,
    new_figure,
    short,
    span_of,
    stagger,
)

__all__ = ["LABEL_WIDTH", "operations", "row_label", "timeline", "unit_waits"]

LABEL_WIDTH = 32
"""Characters per line of a row label; a longer name wraps onto a second line."""

KEY_WIDTH = 52
"""Characters of a milestone's line in the key (two columns across the chart)."""

KEY_LINE_IN = 0.21
"""Height of a line of the key, inches (11 points, spaced 1.25)."""

WAIT_FILL = "#FFFFFF"
"""Waits on the way: white hatched blocks over the unit's bar."""


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
    ready: float | None = None
    waits: tuple[tuple[float, float], ...] = field(default=())


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
        lo, hi = maybe_time(observed.get("earliest")), maybe_time(observed.get("latest"))
        if lo is None and hi is None:
            continue
        windows.append(
            _Window(
                numbers[m["id"]],
                m.get("name") or m["id"],
                None if lo is None else date_number(lo),
                None if hi is None else date_number(hi),
                not m.get("within_window", True),
            )
        )
    return windows


def row_label(name: str) -> str:
    """A row's label: the whole name, on two lines of :data:`LABEL_WIDTH` at most."""
    lines = textwrap.wrap(" ".join(name.split()), LABEL_WIDTH) or [""]
    if len(lines) > 2:
        lines = [lines[0], short(" ".join(lines[1:]), LABEL_WIDTH)]
    return "\n".join(lines)


def unit_waits(run: Run) -> dict[str, list[tuple[float, float]]]:
    """Unit id -> the hours (start, end) when one of its loads waited, merged and sorted.

    From the ``wait`` events of the loads (``<unit>#<n>``): each names its start
    and ends at its time.
    """
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in run.events:
        entity = str(e.get("entity", ""))
        detail = e.get("detail") or {}
        if e.get("kind") != "wait" or "#" not in entity or "start" not in detail:
            continue
        start, end = float(detail["start"]), float(e["time_h"])
        if end > start:
            spans[entity.rsplit("#", 1)[0]].append((start, end))
    merged: dict[str, list[tuple[float, float]]] = {}
    for unit, intervals in spans.items():
        out: list[tuple[float, float]] = []
        for start, end in sorted(intervals):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        merged[unit] = out
    return merged


def _unit_bars(run: Run, end_of_plot: float) -> list[_Bar]:
    colours = nation_colours(run)
    waits = unit_waits(run)

    def when(hours: float) -> float:
        return date_number(run.start + dt.timedelta(hours=hours))

    critical = {t["id"] for p in run.summary.get("phases", []) for t in p["tasks"] if t["critical"]}
    bars = []
    for u in run.summary.get("units", []):
        depart, arrive = maybe_time(u.get("depart")), maybe_time(u.get("arrive"))
        ready = maybe_time(u.get("ready"))
        note = "" if u.get("status", "closed") == "closed" else str(u.get("status"))
        first = None if depart is None else date_number(depart)
        # Waits on the way: those after the first departure (before it, the pale bar shows).
        on_way = tuple(
            (max(when(a), first), when(b))
            for a, b in waits.get(u["id"], [])
            if first is not None and when(b) > first
        )
        bars.append(
            _Bar(
                row_label(u.get("name") or u["id"]),
                None if depart is None else date_number(depart),
                # A unit that never closed runs to the edge of the chart, marked by its note.
                (end_of_plot if depart is not None else None)
                if arrive is None
                else date_number(arrive),
                colours.get(u["nation"], PALETTE[-1]),
                critical=f"deploy:{u['id']}" in critical,
                note=note,
                nation=u["nation"],
                ready=None if ready is None else date_number(ready),
                waits=on_way,
            )
        )
    return bars


def _phase_bar(phase: dict[str, Any]) -> _Bar:
    start, end = maybe_time(phase.get("start")), maybe_time(phase.get("end"))
    return _Bar(
        row_label(phase.get("name") or phase["id"]),
        None if start is None else date_number(start),
        None if end is None else date_number(end),
        HEADER_FILL,
        header=True,
        note="" if start is not None else "not started",
    )


def _task_bars(phase: dict[str, Any]) -> list[_Bar]:
    bars = []
    for t in phase["tasks"]:
        start, end = maybe_time(t.get("start")), maybe_time(t.get("end"))
        bars.append(
            _Bar(
                row_label(t.get("name") or t["id"]),
                None if start is None else date_number(start),
                None if end is None else date_number(end),
                TASK_FILL,
                critical=bool(t.get("critical")),
                note="" if t.get("status", "done") == "done" else "not done",
            )
        )
    return bars


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
    levels = stagger([x for _, x in visible], 0.045 * (hi - lo), 2)
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
        if bar.ready is not None and bar.start - bar.ready > tiny:
            # Ready but not yet gone: a pale bar from ready to the first departure.
            ax.barh(
                y, bar.start - bar.ready, left=bar.ready, height=0.34, color=bar.colour,
                alpha=0.35, edgecolor="none", linewidth=0, zorder=2,
            )  # fmt: skip
        ax.barh(
            y, max(end - bar.start, 0.0), left=bar.start, height=0.36 if bar.header else 0.7,
            color=bar.colour, edgecolor="#000000", linewidth=2.6 if bar.critical else 0.6,
            hatch="//" if bar.note else None, zorder=3,
        )  # fmt: skip
        if bar.waits:
            ax.barh(
                [y] * len(bar.waits), [b - a for a, b in bar.waits],
                left=[a for a, _ in bar.waits], height=0.7, color=WAIT_FILL, alpha=0.75,
                edgecolor="#303030", linewidth=0, hatch="xx", zorder=4,
            )  # fmt: skip
        if end - bar.start < tiny:
            ax.plot([bar.start], [y], marker="D", markersize=7, color=bar.colour,
                    markeredgecolor="#000000", markeredgewidth=2.0 if bar.critical else 0.8,
                    zorder=5)  # fmt: skip
        if bar.note:
            # Near the right edge the note goes inside the bar's end, so it is never cut.
            inside = end > lo + 0.8 * (hi - lo)
            ax.text(end, y, f"{bar.note}  " if inside else f"  {bar.note}", va="center",
                    ha="right" if inside else "left", fontsize=11, style="italic",
                    color="#404040", zorder=6,
                    bbox={"facecolor": "#FFFFFF", "edgecolor": "none", "pad": 1,
                          "alpha": 0.8})  # fmt: skip
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([b.label for b in bars], linespacing=0.95, fontsize=11)
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
    with chart_style():
        plan = _plan(run)
        if plan is None:
            return None
        bars, lo, hi = plan.overview
        return freeze_layout(_gantt(run, bars, lo, hi, f"Timeline \u2013 {short(run.title, 60)}"))


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
    with chart_style():
        plan = _plan(run)
        if plan is None or plan.zoom is None:
            return None
        bars, lo, hi = plan.zoom
        figure = _gantt(run, bars, lo, hi, f"Operations \u2013 {short(run.title, 60)}")
        return freeze_layout(figure, pixels=False)  # SVG only (see PNG_CHARTS)


@dataclass(frozen=True)
class _Plan:
    """The rows and time ranges of the timeline and of the zoomed operations."""

    overview: tuple[list[_Bar], float, float]
    zoom: tuple[list[_Bar], float, float] | None


def _phase_span(phase: dict[str, Any]) -> tuple[float, float] | None:
    times = [phase.get("start"), phase.get("end")]
    times += [t.get(k) for t in phase["tasks"] for k in ("start", "end")]
    return span_of(date_number(w) for w in map(maybe_time, times) if w is not None)


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
    times = [
        date_number(t)
        for u in units
        for k in ("ready", "depart", "arrive")
        if (t := maybe_time(u.get(k)))
    ]
    op_times = [x for p in ops if (dated := _phase_span(p)) is not None for x in dated]
    whole = span_of(
        [
            *times,
            *op_times,
            date_number(run.d_day),
            *(w.lo for w in windows),
            *(w.hi for w in windows),
        ]
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
    d_day = date_number(run.d_day)
    handles, labels = _timeline_legend(run, bars, lo <= d_day <= hi, bool(placed))
    marks = _milestone_key([w for w, *_ in placed])
    ncols = min(5, len(handles))
    # The key in two columns, one line a milestone (the milestone table has the whole
    # names): with the rows it keeps the chart to one printed page at full width.
    key_rows = math.ceil(len(marks) / 2)
    key_in = KEY_LINE_IN * (key_rows + 1) + 0.1 if marks else 0.0
    legend_in = 0.3 * math.ceil(len(handles) / ncols)
    height = len(bars) + label_rows + 0.6
    # Two-line labels need taller rows.
    row_in = ROW_IN * (1.1 if any("\n" in b.label for b in bars) else 1.0)
    fig = new_figure(FIGURE_WIDTH_IN, row_in * height + 1.4 + key_in + legend_in + 0.2)
    fig.suptitle(title)
    fig.legend(
        handles, labels, loc="outside lower center", ncols=ncols, frameon=False,
        handlelength=1.6, columnspacing=1.2,
    )  # fmt: skip
    ratios = [height, key_in / row_in] if marks else [height]
    grid = fig.add_gridspec(len(ratios), 1, height_ratios=ratios)
    ax = fig.add_subplot(grid[0])
    _draw_bars(ax, bars, lo, hi)
    ax.set_ylim(len(bars) - 0.5, -0.5 - label_rows)
    date_axis(ax, d_day, lo, hi)
    _draw_windows(ax, placed, -1.0)
    if marks:
        key_ax = fig.add_subplot(grid[1])
        key_ax.set_axis_off()
        # The key starts at the figure's left edge: it needs more room than the bars' width.
        where = blended_transform_factory(fig.transFigure, key_ax.transAxes)
        columns = [
            "Milestones, by their number on the chart (\u2717 missed)\n"
            + "\n".join(marks[:key_rows]),
            "\n" + "\n".join(marks[key_rows:]),
        ]
        for x, text in zip((0.02, 0.51), columns, strict=True):
            key_ax.text(x, 1.0, text, transform=where, ha="left", va="top", fontsize=11,
                        linespacing=1.25)  # fmt: skip
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
    if any(b.ready is not None and b.start is not None and b.start > b.ready for b in bars):
        handles.append(Patch(facecolor=PALETTE[0], alpha=0.35))
        labels.append("ready, not yet gone")
    if any(b.waits for b in bars):
        handles.append(Patch(facecolor=WAIT_FILL, edgecolor="#000000", hatch="xx"))
        labels.append("waiting on the way")
    if any(b.note for b in bars):
        handles.append(Patch(facecolor="#FFFFFF", edgecolor="#000000", hatch="//"))
        labels.append("not closed / not done")
    return handles, labels


def _milestone_key(windows: Sequence[_Window]) -> list[str]:
    cross = " \u2717"
    return [short(f"{w.number}{cross if w.missed else ''}  {w.name}", KEY_WIDTH) for w in windows]
