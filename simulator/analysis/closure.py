"""Closure: when a force, or a share of it, has arrived, counting every load.

A force is measured three ways: its people, its vehicles and the tonnes of its
equipment. A share ``s`` of it has *closed* when ``s`` of each measure has
arrived (for the measures it has any of), so the time to a share is the latest
of the three. At ``s = 1`` that is the arrival of its last load, whatever that
load carries: a unit whose vehicles come on a later train than its people
closes when that train unloads.

These functions work on plain numbers, so that the tables of a run (from its
records) and the charts of a saved run (from its ``events.jsonl``) read closure
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from simulator.scenario.models import Unit

MEASURES = ("personnel", "vehicles", "tonnes")
"""What a force is counted in, in the order of :data:`Amounts`."""

SHARES = (0.5, 0.9, 1.0)
"""The shares every closure row gives a time for (``t50``, ``t90``, ``t100``)."""

Amounts = tuple[float, float, float]
"""(personnel, vehicles, tonnes)."""

Arrival = tuple[float, Amounts]
"""(simulated hours, what arrived then)."""

_TOLERANCE = 1e-9


def unit_totals(unit: Unit) -> Amounts:
    """What a unit has to move: its people, its vehicles, its equipment's tonnes.

    A self-deploying unit's vehicles are the ones that move themselves (they
    carry no freight); another unit's are the items of its equipment list.
    """
    if unit.mode == "self_deploy":
        return (float(unit.personnel), float(unit.vehicles), 0.0)
    vehicles = sum(item.count for item in unit.equipment)
    tonnes = sum(item.count * item.mass_t for item in unit.equipment)
    return (float(unit.personnel), float(vehicles), tonnes)


def add(totals: Iterable[Amounts]) -> Amounts:
    """The sum of several amounts."""
    people = vehicles = tonnes = 0.0
    for p, v, t in totals:
        people, vehicles, tonnes = people + p, vehicles + v, tonnes + t
    return (people, vehicles, tonnes)


def _reached(done: float, total: float, share: float) -> bool:
    return done >= share * total - _TOLERANCE * max(1.0, total)


def _measure_time(arrivals: Sequence[Arrival], total: float, k: int, share: float) -> float | None:
    done = 0.0
    for time, amounts in arrivals:
        done += amounts[k]
        if _reached(done, total, share):
            return time
    return None


def time_to_share(arrivals: Sequence[Arrival], totals: Amounts, share: float) -> float | None:
    """When ``share`` of every measure the force has any of had arrived, or None.

    Args:
        arrivals: Every load's arrival, in time order.
        totals: What the force has in all.
        share: Between 0 (excluded) and 1.

    Returns:
        Simulated hours; None if the share was never reached, or the force has
        nothing to move.
    """
    times = [_measure_time(arrivals, total, k, share) for k, total in enumerate(totals) if total]
    if not times or None in times:
        return None
    return max(t for t in times if t is not None)


def closure(arrivals: Iterable[Arrival], totals: Amounts) -> dict[str, Any]:
    """A closure row's figures: totals, what closed, and the time to each share.

    Returns:
        ``personnel``, ``vehicles``, ``tonnes`` (totals), ``closed`` (people
        arrived), ``t50``, ``t90``, ``t100`` (the headline: every measure), and
        ``by``: per measure its ``closed`` amount and its own ``t50`` to
        ``t100``.
    """
    series = sorted(arrivals, key=lambda arrival: arrival[0])
    arrived = add(amounts for _, amounts in series)
    row: dict[str, Any] = {
        "personnel": int(totals[0]),
        "vehicles": int(totals[1]),
        "tonnes": totals[2],
        "closed": int(arrived[0]),
    }
    for share in SHARES:
        row[_key(share)] = time_to_share(series, totals, share)
    by: dict[str, dict[str, Any]] = {}
    for k, measure in enumerate(MEASURES):
        figures: dict[str, Any] = {"closed": arrived[k] if k == 2 else int(arrived[k])}
        for share in SHARES:
            figures[_key(share)] = _measure_time(series, totals[k], k, share) if totals[k] else None
        by[measure] = figures
    row["by"] = by
    return row


def curve(arrivals: Iterable[Arrival], totals: Amounts) -> list[tuple[float, float]]:
    """The share closed after each arrival: the least share of any measure.

    Returns:
        (simulated hours, share from 0 to 1) at each arrival, in time order;
        several arrivals at one instant give one point.
    """
    measured = [k for k, total in enumerate(totals) if total]
    done = [0.0, 0.0, 0.0]
    points: list[tuple[float, float]] = []
    for time, amounts in sorted(arrivals, key=lambda arrival: arrival[0]):
        for k in measured:
            done[k] += amounts[k]
        share = min(
            (1.0 if _reached(done[k], totals[k], 1.0) else done[k] / totals[k] for k in measured),
            default=0.0,
        )
        if points and points[-1][0] == time:
            points[-1] = (time, share)
        else:
            points.append((time, share))
    return points


def _key(share: float) -> str:
    return f"t{round(share * 100)}"
