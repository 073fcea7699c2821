"""Milestones across replications: the histogram of each simulated instant against its window.

:func:`milestone_histograms` draws, for every milestone with an observed
window (or one bound of it), the counts of its simulated instant across the
replications in bins of a round width (15 minutes to 30 days, at most 40 bins
over the chart), the observed window shaded, and the share of replications
inside the window printed (the summary's ``p_within_window``, over all
replications: one in which the milestone never happened counts as outside).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.analysis.bands import bin_width, histogram
from simulator.report.charts.base import (
    BAND_FILL,
    HEADER_FILL,
    chart_style,
    date_axis,
    date_number,
    freeze_layout,
    new_figure,
    span_of,
)
from simulator.report.charts.studies import Replications
from simulator.scenario.models import Milestone

__all__ = ["HISTOGRAM_WIDTH_IN", "milestone_bins", "milestone_histogram", "milestone_histograms"]

HISTOGRAM_WIDTH_IN = 5.6
"""Half the width of the other charts: two side by side on a wide page."""

_MOST_BINS = 40


def _hours(reps: Replications, when: dt.datetime | None) -> float | None:
    return None if when is None else (when - reps.start).total_seconds() / 3600


def milestone_bins(
    reps: Replications, ms: Milestone
) -> tuple[list[tuple[float, int]], float, tuple[float, float]] | None:
    """A milestone's histogram: (bins, bin width, (first, last) hours the chart spans).

    The bins are (lower edge in simulated hours, count), the edges on whole
    multiples of the width from UTC midnight before the clock's start; the
    span covers the instants and the window's bounds.  None if the milestone
    never happened in any replication.
    """
    values = [v for v in reps.instants.get(ms.id, []) if v is not None]
    if not values:
        return None
    bounds = [_hours(reps, ms.observed.earliest), _hours(reps, ms.observed.latest)]
    span = span_of([*values, *bounds])
    assert span is not None
    width = bin_width(span[1] - span[0], _MOST_BINS)
    midnight = reps.start.replace(hour=0, minute=0, second=0, microsecond=0)
    origin = _hours(reps, midnight)
    assert origin is not None
    return histogram(values, width, origin), width, span


def milestone_histograms(reps: Replications) -> list[tuple[str, Figure]]:
    """(milestone id, figure) for every milestone with an observed bound that happened."""
    out = []
    for ms in reps.model.milestones:
        fig = milestone_histogram(reps, ms)
        if fig is not None:
            out.append((ms.id, fig))
    return out


def milestone_histogram(reps: Replications, ms: Milestone) -> Figure | None:
    """The histogram of one milestone's instant, its window shaded, the share inside printed.

    Returns:
        The figure, or None if the milestone has no observed bound or never happened.
    """
    if ms.observed.earliest is None and ms.observed.latest is None:
        return None
    made = milestone_bins(reps, ms)
    if made is None:
        return None
    with chart_style():
        fig = _histogram(reps, ms, *made)
    # Read on the page beside the others: SVG only, laid out without pixels.
    return freeze_layout(fig, pixels=False)


def _histogram(
    reps: Replications,
    ms: Milestone,
    bins: list[tuple[float, int]],
    width: float,
    span: tuple[float, float],
) -> Figure:
    def at(hours: float) -> float:
        return date_number(reps.start + dt.timedelta(hours=hours))

    fig = new_figure(HISTOGRAM_WIDTH_IN, 3.9)
    ax = fig.add_subplot()
    pad = max(0.04 * (span[1] - span[0]), width)
    lo, hi = at(span[0] - pad), at(span[1] + pad)
    earliest = ms.observed.earliest
    latest = ms.observed.latest
    left = lo if earliest is None else date_number(earliest)
    right = hi if latest is None else date_number(latest)
    ax.axvspan(left, right, color=BAND_FILL, alpha=0.55, linewidth=0, zorder=0)
    for bound in (earliest, latest):
        if bound is not None:
            ax.axvline(date_number(bound), color="#3A7DC9", linewidth=1.4, zorder=1)
    ax.bar(
        [at(edge) for edge, _ in bins], [count for _, count in bins], width=width / 24,
        align="edge", color=HEADER_FILL, edgecolor="#FFFFFF", linewidth=0.5, zorder=3,
    )  # fmt: skip
    top = max(count for _, count in bins)
    ax.set_ylim(0, top * 1.32)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.set_ylabel("replications")
    ax.grid(axis="y", color="#D9D9D9", linewidth=0.8)
    ax.set_axisbelow(True)
    date_axis(ax, date_number(reps.d_day), lo, hi, most=5)
    ax.set_xlabel(f"UTC; bins of {_width_text(width)}")
    entry: dict[str, Any] = reps.statistics("milestones").get(ms.id, {})
    ax.text(
        0.02, 0.96, _inside_text(entry, reps.count), transform=ax.transAxes, ha="left", va="top",
        fontsize=12, fontweight="bold",
        bbox={"boxstyle": "round,pad=0.25", "facecolor": "#FFFFFF", "edgecolor": "#808080"},
    )  # fmt: skip
    title = textwrap.wrap(ms.name or ms.id, 44)
    fig.suptitle("\n".join(title[:2]) + ("\u2026" if len(title) > 2 else ""), fontsize=13)
    return fig


def _inside_text(entry: dict[str, Any], count: int) -> str:
    p = entry.get("p_within_window")
    ci = entry.get("p_within_window_ci95")
    text = "in window: \u2013" if p is None else f"in window: {p:.0%}"
    if p is not None and ci:
        text += f" (95% CI {ci[0]:.0%}\u2013{ci[1]:.0%})"
    missing = entry.get("missing")
    if missing:
        text += f"\nnever happened in {missing:,} of {count:,}"
    return text


def _width_text(width: float) -> str:
    if width < 1:
        return f"{round(width * 60)} min"
    if width < 24:
        return f"{width:g} h"
    days = width / 24
    return f"{days:g} day" if days == 1 else f"{days:g} days"
