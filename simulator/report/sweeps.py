"""A sweep's summary as a table a person reads: instants as dates, folded to the screen.

The summary (:func:`simulator.experiment.sweep.summarise`) holds simulated hours from
its ``time_origin``; here instants become ``MM-DD hh:mm (+d.dd)``, days from its
``d_day``, as in the replications' tables. Durations (``sd``) stay hours, shares
(``within:``, ``late:``) stay shares, utilisations are percentages.

**One row per point, or one row per statistic.** A sweep has a few points and many
outputs (every milestone's P(within) by default), or many points (a Latin hypercube)
and a few outputs. The table puts the longer of the two down the page: with more
columns of statistics than points it is *transposed*, one column per point (its
number and its values above it) and one row per statistic, the outputs of a kind
gathered under a row naming them (``P(within observed window)``), so that a long
milestone id is written once, down the side, instead of as the header of a column.
Otherwise it has one row per point, each statistic a column headed by its output
and the statistic's name. Either way a table wider than the screen folds
(:func:`simulator.report.render.table_text`). Markdown keeps one row per point,
whatever the shape: a document's table is read by programs too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from simulator.analysis.outputs import is_share
from simulator.model.clock import Clock
from simulator.report.render import interval, short_instant, table_text
from simulator.wording import counted

__all__ = ["sweep_table"]

_QUANTITY_STATS = ("mean", "sd", "p10", "p50", "p90", "ci95")
_SHARE_STATS = ("p", "ci95")
_COMPACT_QUANTITY = ("mean", "p90")

INSTANT_PREFIXES = ("milestone:", "unit:", "closure:", "phase:")
"""Outputs that are instants (simulated hours from the clock start)."""

KINDS = {"within:": "P(within observed window)", "late:": "P(late against required_by)"}
"""Shares of a kind, gathered under one row in a transposed table."""

_LABELS = {"mean": "mean", "p10": "P10", "p50": "P50", "p90": "P90", "p": "P", "ci95": "95% CI"}


def _stats_for(key: str, compact: bool) -> tuple[str, ...]:
    """The statistics shown for an output key."""
    if is_share(key):
        return ("p",) if compact else _SHARE_STATS
    return _COMPACT_QUANTITY if compact else _QUANTITY_STATS


def _label(key: str, stat: str) -> str:
    if stat == "sd":
        return "sd" if key.startswith("util:") else "sd h"
    return _LABELS[stat]


def _param(value: Any) -> str:
    """A parameter value as written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cell(key: str, stat: str, value: Any, clock: Clock) -> str:
    """One statistic of one output as printed."""
    if value is None:
        return "-"
    if is_share(key):
        return f"[{value[0]:.2f}, {value[1]:.2f}]" if stat == "ci95" else f"{value:.2f}"
    if key.startswith("util:"):
        return f"{value[0]:.1%} .. {value[1]:.1%}" if stat == "ci95" else f"{value:.1%}"
    if key.startswith(INSTANT_PREFIXES) and stat != "sd":
        if stat == "ci95":
            return interval([_iso(clock, value[0]), _iso(clock, value[1])])
        return short_instant(clock.iso(value), clock.d_plus(value))
    if stat == "ci95":
        return f"{value[0]:,.1f} .. {value[1]:,.1f}"
    return f"{value:,.1f}"


def _iso(clock: Clock, hours: float) -> str:
    text = clock.iso(hours)
    assert text is not None
    return text


def _clock(summary: dict[str, Any]) -> Clock:
    def utc(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC)

    return Clock(utc(summary["time_origin"]), utc(summary["d_day"]))


def _by_point(
    summary: dict[str, Any], columns: Sequence[tuple[str, str]], clock: Clock, newline: str
) -> tuple[list[str], list[list[str]]]:
    """One row per point: its number, its values, then a column per statistic."""
    parameters = summary["parameters"]
    headers = ["point", *parameters,
               *(f"{key}{newline}{_label(key, stat)}" for key, stat in columns)]  # fmt: skip
    rows = [
        [str(point["point"]), *(_param(point["params"][p]) for p in parameters),
         *(_cell(key, stat, point["statistics"][key][stat], clock) for key, stat in columns)]
        for point in summary["points"]
    ]  # fmt: skip
    return headers, rows


def _by_statistic(
    summary: dict[str, Any], compact: bool, clock: Clock
) -> tuple[list[str], list[list[str]]]:
    """One column per point, one row per statistic: the point's values first."""
    parameters = summary["parameters"]
    points = summary["points"]
    headers = ["point", *(str(p["point"]) for p in points)]
    blank = [""] * len(points)
    rows = [[name, *(_param(p["params"][name]) for p in points)] for name in parameters]
    if rows:
        rows.append(["", *blank])
    kind = None
    for key in summary["outputs"]:
        prefix, _, name = key.partition(":")

        def values(stat: str, key: str = key) -> list[str]:
            return [_cell(key, stat, p["statistics"][key][stat], clock) for p in points]

        shares = f"{prefix}:" if is_share(key) and f"{prefix}:" in KINDS else None
        if kind != shares and rows and rows[-1][0]:
            rows.append(["", *blank])  # a group of shares stands apart from what is around it
        if shares is not None and kind != shares:
            rows.append([KINDS[shares], *blank])
        kind = shares
        for stat in _stats_for(key, compact):
            label = (
                name if shares and stat == "p" else f"{name if shares else key} {_label(key, stat)}"
            )
            rows.append([label, *values(stat)])
    return headers, rows


def sweep_table(summary: dict[str, Any], fmt: str, compact: bool, width: int | None) -> str:
    """The summary as a ``table`` or ``markdown``, ending with a newline."""
    markdown = fmt == "markdown"
    clock = _clock(summary)
    title = summary["title"] or summary["scenario"]
    count = len(summary["points"])
    kind = "grid" if summary["design"] == "grid" else "Latin hypercube"
    d_day = summary["d_day"].replace("T", " ")
    lines = [
        f"{'# ' if markdown else ''}{title}: {kind} sweep, {counted(count, 'point')} x "
        f"{counted(summary['replications'], 'replication')}, seed {summary['seed']}",
        f"Instants as MM-DD hh:mm UTC (days from D-day, {d_day}); sd in hours; "
        "P = share of replications.",
        "",
    ]
    if summary["set"]:
        lines[-1:] = [f"With --set {' '.join(summary['set'])}", ""]
    columns = [(key, stat) for key in summary["outputs"] for stat in _stats_for(key, compact)]
    if not markdown and len(columns) > count:
        headers, rows = _by_statistic(summary, compact, clock)
        keys = 1
    else:
        headers, rows = _by_point(summary, columns, clock, " " if markdown else "\n")
        keys = 1 + len(summary["parameters"])
    lines.append(table_text(headers, rows, fmt, keys=keys, width=width))
    return "\n".join(lines) + "\n"
