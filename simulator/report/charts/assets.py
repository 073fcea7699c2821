"""Asset use: utilisation of every fleet and limited place, with peak use.

:func:`asset_use` draws, per asset, its utilisation over the whole run (the
bar) and over its active window, from first use to last release (the
outlined bar), with the most in use at once against the capacity (the
diamond).
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import blended_transform_factory

from simulator.report.charts.base import (
    FIGURE_WIDTH_IN,
    ROW_IN,
    Folder,
    Run,
    chart_style,
    freeze_layout,
    new_figure,
    short,
)
from simulator.report.charts.routes import place_label

__all__ = ["asset_label", "asset_use"]

_PLACE_KINDS = {"ramp": "loading ramps", "parking": "parking", "transfer": "transfer"}


def asset_label(run: Folder, row: dict[str, Any]) -> str:
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
    with chart_style():
        fig = _asset_use(run)
    # Read on the page beside its table: SVG only (see PNG_CHARTS), no pixels to draw.
    return None if fig is None else freeze_layout(fig, pixels=False)


def _asset_use(run: Run) -> Figure | None:
    rows = run.summary.get("assets", [])
    if not rows:
        return None
    fleets = {f["id"] for f in run.scenario.get("fleets", [])}
    fig = new_figure(FIGURE_WIDTH_IN, ROW_IN * 1.15 * len(rows) + 2.7)
    ax = fig.add_subplot()
    ys = range(len(rows))
    peak_x = []
    for y, row in zip(ys, rows, strict=True):
        fleet = row["asset"] in fleets
        value = 100.0 * float(row.get("utilisation") or 0.0)
        active = 100.0 * float(row.get("active_utilisation") or 0.0)
        colour = "#0072B2" if fleet else "#E69F00"
        # Behind: the share of its active window (first use to last release), outlined.
        ax.barh(
            y, active, height=0.74, color="#FFFFFF", edgecolor=colour, linewidth=2.0, zorder=2,
        )  # fmt: skip
        ax.barh(
            y, value, height=0.5, color=colour, edgecolor="#000000", linewidth=0.6,
            hatch=None if fleet else "//", zorder=3,
        )  # fmt: skip
        capacity, peak = row.get("capacity"), row.get("peak")
        share = 100.0 * peak / capacity if capacity and peak is not None else None
        peak_x.append(share)
        text = f"{value:.1f} % ({active:.0f} % active)" + (
            f"   peak {peak}/{capacity}" if share is not None else ""
        )
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
    ax.set_xlabel("busy hours / (capacity \u00d7 hours of the run, or of the active window)")
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    handles = [
        Patch(facecolor="#0072B2", edgecolor="#000000"),
        Patch(facecolor="#E69F00", edgecolor="#000000", hatch="//"),
        Patch(facecolor="#FFFFFF", edgecolor="#0072B2", linewidth=2.0),
        Line2D([], [], linestyle="none", marker="D", color="#000000", markersize=8),
    ]
    labels = ["fleet (whole run)", "limited place (whole run)", "over the active window",
              "peak in use / capacity"]  # fmt: skip
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle(f"Asset use \u2013 {short(run.title, 60)}")
    return fig
