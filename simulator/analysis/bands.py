"""Many replications at a glance: the closure curve's band and the histogram of an instant.

A replication's closure curve (:func:`simulator.analysis.closure.curve`) is a
step function: the share of a nation's force closed rises at each arrival of
one of its loads.  Across replications, :func:`band` gives the 10th, 50th and
90th percentiles of that share *at every instant*: not a curve of one
replication, but, at each time, the share that a tenth, a half and nine
tenths of the replications had reached.  It is exact: the quantiles can only
change where some replication's share does, so they are computed there, and
hold until the next such instant.

The percentile is numpy's default (linear between order statistics, type 7 of
Hyndman and Fan), the one of every other statistic of replications
(:func:`simulator.experiment.replicate.describe`), computed here on a sorted
list kept up to date, since at each instant only one replication's share moves.

The curves are made from the records a replication keeps of each load that
arrived (``arrive:<load>``, ``load:<load>:<measure>``, see
:mod:`simulator.analysis.outputs`), against what each nation has to move
according to the scenario, so that a unit that never arrived still counts.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Mapping, Sequence

from simulator.analysis.closure import MEASURES, Amounts, Arrival, add, curve, unit_totals
from simulator.analysis.outputs import value
from simulator.scenario.models import Scenario

__all__ = [
    "ALL", "ARRIVE", "QUANTILES", "Curve", "Step", "band", "bin_width", "histogram",
    "nation_totals", "quantile", "replication_curves",
]  # fmt: skip

QUANTILES = (0.1, 0.5, 0.9)
"""The quantiles of the band: its lower edge, its middle line and its upper edge."""

ALL = "all"
"""The key of every nation together, as in the closure table."""

ARRIVE = "arrive:"
"""Prefix of a load's arrival among a replication's outputs; the rest is the load id."""

Curve = list[tuple[float, float]]
"""(simulated hours, share closed from 0 to 1) at each instant the share changed."""

Step = tuple[float, tuple[float, ...]]
"""(simulated hours, the quantiles of the share from then on)."""

_NICE_WIDTHS_H = (0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0)


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, exactly as ``numpy.percentile(values, 100 q)``.

    Args:
        ordered: At least one value, in ascending order.
        q: Between 0 and 1.
    """
    where = (len(ordered) - 1) * q
    below = math.floor(where)
    above = min(below + 1, len(ordered) - 1)
    a, b, t = ordered[below], ordered[above], where - below
    # numpy's interpolation, term for term: from the nearer end, so the result is the same.
    step = b - a
    return b - step * (1 - t) if t >= 0.5 else a + step * t


def band(curves: Sequence[Curve], quantiles: Sequence[float] = QUANTILES) -> list[Step]:
    """The quantiles across replications of the share closed, wherever they change.

    Args:
        curves: One curve per replication (its share is 0 before its first
            point; a replication with no arrival has an empty curve).
        quantiles: Between 0 and 1.

    Returns:
        (instant, quantiles) in time order: from that instant until the next,
        the quantiles of the replications' shares are those.  Before the first
        instant every share is 0.  An instant where no quantile changes is left
        out (a first instant where they are still 0 too); so is everything when
        there are no replications.
    """
    current = [0.0] * len(curves)
    ordered = sorted(current)
    changes = sorted(
        (time, index, share) for index, points in enumerate(curves) for time, share in points
    )
    steps: list[Step] = []
    last = tuple(0.0 for _ in quantiles)
    i = 0
    while i < len(changes):
        now = changes[i][0]
        # Every change at one instant first: the share holds from the instant on.
        while i < len(changes) and changes[i][0] == now:
            _, index, share = changes[i]
            del ordered[bisect_left(ordered, current[index])]
            insort(ordered, share)
            current[index] = share
            i += 1
        values = tuple(quantile(ordered, q) for q in quantiles)
        if values != last:
            steps.append((now, values))
            last = values
    return steps


def nation_totals(scenario: Scenario) -> dict[str, Amounts]:
    """What each nation (in order of first appearance in ``forces``), then all, has to move."""
    nations = list(dict.fromkeys(u.nation for u in scenario.forces))
    return {
        key: add(unit_totals(u) for u in scenario.forces if key in (ALL, u.nation))
        for key in [*nations, ALL]
    }


def replication_curves(
    outputs: Mapping[str, float | None], nation_of: Mapping[str, str], totals: Mapping[str, Amounts]
) -> dict[str, Curve]:
    """One replication's closure curve of each nation, and of all nations.

    Args:
        outputs: The replication's outputs, with the records of its loads.
        nation_of: Unit id -> its nation, for every unit of the scenario.
        totals: Nation (and ``all``) -> what it has to move (:func:`nation_totals`).

    Returns:
        Nation -> its curve (empty if none of its loads arrived), in the order of ``totals``.

    Raises:
        ValueError: If a load's unit is not one of the scenario's, or its arrival is
            not a number.
    """
    arrivals: dict[str, list[Arrival]] = {key: [] for key in totals}
    for key, when in outputs.items():
        if not key.startswith(ARRIVE):
            continue
        load = key[len(ARRIVE) :]
        unit = load.rpartition("#")[0]
        if unit not in nation_of:
            raise ValueError(f"{key} is a load of no unit of the scenario")
        if when is None:
            raise ValueError(f"{key} is null, not the instant the load arrived")
        p, v, t = (float(value(outputs, f"load:{load}:{m}") or 0.0) for m in MEASURES)
        for nation in (nation_of[unit], ALL):
            arrivals[nation].append((float(when), (p, v, t)))
    return {key: curve(arrivals[key], total) for key, total in totals.items()}


def bin_width(span_h: float, most: int = 40) -> float:
    """The narrowest of 15 min, 30 min, 1, 2, 3, 6, 12 h, 1, 2, 3 days, 1, 2 weeks or 30 days
    that cuts ``span_h`` hours into at most ``most`` bins (the widest if none does)."""
    return next((w for w in _NICE_WIDTHS_H if span_h / w <= most), _NICE_WIDTHS_H[-1])


def histogram(
    values: Sequence[float], width: float, origin: float = 0.0
) -> list[tuple[float, int]]:
    """Counts of ``values`` in bins ``[origin + k width, origin + (k + 1) width)``.

    Returns:
        (lower edge, count) of every bin from the one of the least value to the
        one of the greatest, empty bins included; ``[]`` without values.
    """
    if not values:
        return []
    index = [math.floor((v - origin) / width) for v in values]
    first, last = min(index), max(index)
    counts = [0] * (last - first + 1)
    for k in index:
        counts[k - first] += 1
    return [(origin + (first + k) * width, count) for k, count in enumerate(counts)]
