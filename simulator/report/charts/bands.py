"""Closure across replications: each nation's share closed, its median and P10-P90 band.

:func:`closure_bands` draws one panel per nation (then all nations), on one
date axis: the band between the 10th and 90th percentiles of the share
closed at each instant across the replications, the median (P50) as a line,
and the nation's deadlines: the ``required_by`` of its units and the
``closed`` milestones that measure it.  The numbers are those of
:func:`simulator.analysis.bands.band`, exact at every instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from simulator.analysis.bands import ALL, Step, band
from simulator.report.charts.base import (
    DEADLINE,
    FIGURE_WIDTH_IN,
    NATION_STYLES,
    PALETTE,
    chart_style,
    country_names,
    date_axis,
    date_number,
    freeze_layout,
    nation_colours,
    new_figure,
    short,
    span_of,
    stagger,
)
from simulator.report.charts.closure import deadline_label
from simulator.report.charts.studies import Replications

__all__ = ["closure_bands", "nation_bands", "nation_deadlines"]

_REQUIRED = "#4D4D4D"
_DASH_DOT = (0, (8, 3, 2, 3))


def nation_bands(reps: Replications) -> dict[str, list[Step]]:
    """Nation (then ``all``, when there are several nations) -> its band, where it has one.

    A nation none of whose loads arrived in any replication has no band.
    """
    curves = reps.curves or {}
    nations = [key for key in curves if key != ALL]
    keys = [*nations, ALL] if len(nations) > 1 else nations
    bands = {key: band(curves[key]) for key in keys}
    return {key: steps for key, steps in bands.items() if steps}


def nation_deadlines(reps: Replications) -> dict[str, list[tuple[dt.datetime, str, bool]]]:
    """Nation (or ``all``) -> (instant, label, is a milestone) of each of its deadlines.

    The deadlines of a nation are the distinct ``required_by`` of its units and
    the bound (``latest``, else ``earliest``) of every ``closed`` milestone that
    measures it: by its nations, by its units, or (measuring neither) all nations.
    """
    model = reps.model
    nation_of = {u.id: u.nation for u in model.forces}
    out: dict[str, list[tuple[dt.datetime, str, bool]]] = {}
    for unit in model.forces:
        if unit.required_by is not None:
            mine = out.setdefault(unit.nation, [])
            if all(when != unit.required_by for when, _, _ in mine):
                mine.append((unit.required_by, "required by", False))
    for ms in model.milestones:
        measure = ms.measure
        bound = ms.observed.latest or ms.observed.earliest
        if measure.event != "closed" or bound is None:
            continue
        who = list(measure.nations) or list(measure.units)
        nations = list(measure.nations) or [nation_of[u] for u in measure.units if u in nation_of]
        label = deadline_label(ms.name or ms.id, measure.share, ", ".join(who))
        for nation in dict.fromkeys(nations or [ALL]):
            out.setdefault(nation, []).append((bound, label, True))
    return out


def closure_bands(reps: Replications) -> Figure | None:
    """Each nation's share closed across the replications: P10-P90 band and median.

    Args:
        reps: The saved replications.

    Returns:
        The figure, or ``None`` if the replications kept no record of their loads
        or none arrived.
    """
    with chart_style():
        fig = _closure_bands(reps)
    return None if fig is None else freeze_layout(fig)


def _closure_bands(reps: Replications) -> Figure | None:
    bands = nation_bands(reps)
    if not bands:
        return None
    start = reps.start

    def at(hours: float) -> float:
        return date_number(start + dt.timedelta(hours=hours))

    deadlines = {
        key: [(date_number(when), text, milestone) for when, text, milestone in rows]
        for key, rows in nation_deadlines(reps).items()
    }
    span = span_of(
        [
            *(at(t) for steps in bands.values() for t, _ in steps),
            *(t for key in bands for t, _, _ in deadlines.get(key, [])),
        ]
    )
    assert span is not None
    pad = max(0.03 * (span[1] - span[0]), 1 / 24)
    lo, hi = span[0] - pad, span[1] + pad
    panel = 1.55 if len(bands) > 2 else 2.4
    fig = new_figure(FIGURE_WIDTH_IN, 2.3 + panel * len(bands))
    axes = fig.subplots(len(bands), 1, sharex=True, squeeze=False)[:, 0]
    colours, names = nation_colours(reps), country_names(reps)
    for index, (key, steps) in enumerate(bands.items()):
        ax = axes[index]
        colour = "#000000" if key == ALL else colours.get(key, PALETTE[-1])
        style = "-" if key == ALL else NATION_STYLES[index % len(NATION_STYLES)]
        _draw_band(ax, [(at(t), q) for t, q in steps], hi, colour, style)
        name = "all nations" if key == ALL else short(names.get(key, key), 24)
        ax.text(0.005, 0.93, name, transform=ax.transAxes, ha="left", va="top",
                fontsize=13, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "#FFFFFF",
                      "edgecolor": "none", "alpha": 0.85})  # fmt: skip
        _draw_deadlines(ax, deadlines.get(key, []), lo, hi)
        ax.set_ylim(0, 105)
        ax.set_yticks([0, 50, 100])
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.grid(color="#D9D9D9", linewidth=0.8)
        ax.set_axisbelow(True)
        if index == 0:
            date_axis(ax, date_number(reps.d_day), lo, hi)
            ax.set_xlabel("")
        else:
            d_day = date_number(reps.d_day)
            if lo <= d_day <= hi:
                ax.axvline(d_day, color="#000000", linewidth=2.0, zorder=4)
    axes[-1].set_xlabel("date and time (UTC)")
    axes[-1].tick_params(axis="x", labelbottom=True)
    fig.supylabel("closed (people, vehicles, tonnes)", fontsize=13)
    handles: list[Line2D | Patch] = [
        Patch(facecolor="#808080", alpha=0.35, edgecolor="#808080"),
        Line2D([], [], color="#000000", linewidth=2.6),
    ]
    labels = ["P10 \u2013 P90 of the replications", "median (P50)"]
    marks = [milestone for rows in deadlines.values() for _, _, milestone in rows]
    if any(marks):
        handles.append(Line2D([], [], color=DEADLINE, linewidth=2.2, linestyle=_DASH_DOT))
        labels.append("milestone deadline")
    if not all(marks):
        handles.append(Line2D([], [], color=_REQUIRED, linewidth=1.8, linestyle="--"))
        labels.append("units' required_by")
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), frameon=False)
    fig.suptitle(f"Closure across {reps.count:,} replications\n{short(reps.title, 70)}")
    return fig


def _draw_band(
    ax: Axes, steps: Sequence[tuple[float, tuple[float, ...]]], hi: float, colour: str, style: str
) -> None:
    """The band and the median as steps, from 0 before the first change to ``hi``."""
    xs = [steps[0][0], *(t for t, _ in steps), hi]
    low = [0.0, *(100.0 * q[0] for _, q in steps)]
    mid = [0.0, *(100.0 * q[1] for _, q in steps)]
    top = [0.0, *(100.0 * q[2] for _, q in steps)]
    low.append(low[-1])
    mid.append(mid[-1])
    top.append(top[-1])
    ax.fill_between(xs, low, top, step="post", color=colour, alpha=0.28, linewidth=0, zorder=2)
    for edge in (low, top):
        ax.step(xs, edge, where="post", color=colour, linewidth=0.9, alpha=0.8, zorder=3)
    ax.step(xs, mid, where="post", color=colour, linewidth=2.6, linestyle=style, zorder=4)


def _draw_deadlines(
    ax: Axes, rows: Sequence[tuple[float, str, bool]], lo: float, hi: float
) -> None:
    """Vertical lines at the deadlines, labelled left of the line."""
    levels = stagger([t for t, _, _ in rows], 0.22 * (hi - lo), 2)
    for (when, text, milestone), level in zip(rows, levels, strict=True):
        colour = DEADLINE if milestone else _REQUIRED
        ax.axvline(
            when, color=colour, linewidth=2.2 if milestone else 1.8,
            linestyle=_DASH_DOT if milestone else "--", zorder=6,
        )  # fmt: skip
        ax.text(
            when, 0.62 - 0.36 * level, text + " ", transform=ax.get_xaxis_transform(),
            ha="right", va="center", fontsize=10.5, color=colour, zorder=7,
            # A box that lets the band show through (an outline of each letter would
            # triple the size of the SVG).
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "#FFFFFF", "edgecolor": "none",
                  "alpha": 0.6},
        )  # fmt: skip
