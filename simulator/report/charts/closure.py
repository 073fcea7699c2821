"""The closure curve: the share of the force that has arrived, over time.

:func:`closure` draws one line per nation and one for all, counted load by
load from the arrivals in the event log, with the deadlines of the ``closed``
milestones.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import defaultdict
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from simulator.analysis.closure import Amounts, Arrival, add, curve
from simulator.report.charts.base import (
    DEADLINE,
    FIGURE_WIDTH_IN,
    NATION_STYLES,
    PALETTE,
    Run,
    chart_style,
    country_names,
    date_axis,
    date_number,
    freeze_layout,
    maybe_time,
    nation_colours,
    new_figure,
    short,
    span_of,
    stagger,
)

__all__ = ["closure", "deadline_label"]


def _closure_deadlines(run: Run) -> list[tuple[float, str]]:
    """(instant, label) of every ``closed`` milestone's deadline, from the scenario."""
    measures = {m["id"]: m for m in run.scenario.get("milestones", [])}
    out = []
    for m in run.summary.get("milestones", []):
        spec = measures.get(m["id"], {})
        if (spec.get("measure") or {}).get("event") != "closed":
            continue
        observed = m.get("observed") or {}
        bound = maybe_time(observed.get("latest") or observed.get("earliest"))
        if bound is None:
            continue
        measure = spec["measure"]
        who = ", ".join(measure.get("nations") or []) or ", ".join(measure.get("units") or [])
        share = float(measure.get("share", 1.0))
        out.append((date_number(bound), deadline_label(m.get("name") or m["id"], share, who)))
    return out


def deadline_label(name: str, share: float, who: str) -> str:
    """A closure milestone's label: its name on two lines at most, then what it asks for."""
    words = textwrap.wrap(name, 34)
    lines = [*words[:2]]
    if len(words) > 2:
        lines[-1] = short(lines[-1] + " " + " ".join(words[2:]), 34)
    return "\n".join([*lines, f"deadline: {share:.0%} of {who or 'all'}"])


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
    with chart_style():
        fig = _closure(run)
    return None if fig is None else freeze_layout(fig)


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
        when = date_number(start + dt.timedelta(hours=float(e["time_h"])))
        arrivals[nation_of[unit]].append((when, amounts))
        arrivals["all"].append((when, amounts))
    if not arrivals:
        return None
    fig = new_figure(FIGURE_WIDTH_IN, 6.2)
    deadlines = _closure_deadlines(run)
    d_day = date_number(run.d_day)
    span = span_of(
        [*(t for rows in arrivals.values() for t, _ in rows), *(t for t, _ in deadlines)]
    )
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
    date_axis(ax, d_day, lo, hi)
    levels = stagger([t for t, _ in deadlines], 0.22 * (hi - lo), 3)
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
