"""Comparing two runs side by side: what changed, and by how much.

Two runs -- of two scenarios, of one scenario with a changed value, or of a
scenario and a saved run -- are compared table by table: milestones, closure
by nation, units, bottlenecks and phases.  Rows are matched by their id (a
milestone, unit or phase id, a nation, a (place, cause) pair); a row found on
one side only is kept, with the other side empty (``None``).

**Deltas are B minus A.**  A negative delta on a time means B is earlier.

**Instants, not clocks.**  Each scenario counts simulated hours from its own
clock start, so hours of two scenarios cannot be subtracted: a scenario that
starts a day earlier would look a day later.  Times are compared as absolute
UTC instants instead -- ISO text of the summaries is read back as datetimes,
and hours of replications are shifted by the difference of the two clock
starts.

**Single runs** (:func:`compare_summaries`) compare one replication of each
side.  The deltas are exact for the two runs but say nothing about chance:
with random durations, another seed gives other deltas.

**Replications** (:func:`compare_replications`) compare N replications of
each side run with the same seeds: replication ``i`` of A and replication
``i`` of B draw from the same random streams (*common random numbers*).  The
difference of each pair is then due to what differs between A and B, not to
luck, so the paired differences vary far less than two independent samples
would, and their mean has a much narrower confidence interval.  The interval
is Student's t on the paired differences; a side missing a value (a milestone
never reached) removes that pair.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from simulator.analysis.critical import t_975
from simulator.model.clock import Clock

__all__ = [
    "SECTIONS",
    "Replications",
    "compare_replications",
    "compare_summaries",
    "hours_between",
    "paired_difference",
]

SECTIONS = ("milestones", "closure", "units", "bottlenecks", "phases")
"""Sections of a comparison, in the order they are printed."""

SHARES = ("t50", "t90", "t100")
"""Closure fields of a run summary: when 50, 90 and 100% of every load had closed."""

REPLICATED = {"milestones": "milestone", "units": "unit", "closure": "closure", "phases": "phase"}
"""Comparison section -> prefix of the replication outputs it is made of."""

HOUR = dt.timedelta(hours=1)

K = TypeVar("K", bound=Hashable)
Row = dict[str, Any]


def _round(value: float | None, digits: int = 2) -> float | None:
    # ``+ 0.0`` turns -0.0 into 0.0, which would otherwise print as "-0.0".
    return None if value is None else round(value, digits) + 0.0


def _days(hours: float | None) -> float | None:
    return None if hours is None else _round(hours / 24)


def instant(iso: str | None) -> dt.datetime | None:
    """The UTC instant of ISO text such as ``2030-07-19T06:00Z`` (``None`` stays ``None``)."""
    if iso is None:
        return None
    when = dt.datetime.fromisoformat(iso)
    # Summaries always write UTC; a bare time is taken as UTC rather than local.
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def hours_between(a: str | None, b: str | None) -> float | None:
    """Hours from instant ``a`` to instant ``b`` (ISO text), ``None`` if either is missing."""
    start, end = instant(a), instant(b)
    if start is None or end is None:
        return None
    return _round((end - start) / HOUR)


def _match(
    rows_a: Sequence[Row], rows_b: Sequence[Row], key: Callable[[Row], K]
) -> list[tuple[K, Row | None, Row | None]]:
    """Rows of both sides matched by ``key``: A's order first, then rows only in B."""
    by_b = {key(row): row for row in rows_b}
    seen: set[K] = set()
    out: list[tuple[K, Row | None, Row | None]] = []
    for row in rows_a:
        k = key(row)
        seen.add(k)
        out.append((k, row, by_b.get(k)))
    out.extend((key(row), None, row) for row in rows_b if key(row) not in seen)
    return out


def _times(a: Row | None, b: Row | None, field: str, prefix: str = "") -> Row:
    """The instants ``field`` of both rows, with their D+days and the delta B - A."""
    a_iso = None if a is None else a.get(field)
    b_iso = None if b is None else b.get(field)
    delta = hours_between(a_iso, b_iso)
    return {
        f"{prefix}a": a_iso,
        f"{prefix}a_d": None if a is None else a.get(f"{field}_d"),
        f"{prefix}b": b_iso,
        f"{prefix}b_d": None if b is None else b.get(f"{field}_d"),
        f"{prefix}delta_h": delta,
        f"{prefix}delta_d": _days(delta),
    }


def _name(a: Row | None, b: Row | None) -> Any:
    # Prefer A's name; a row only in B still gets one.
    return (a or {}).get("name") or (b or {}).get("name")


def compare_summaries(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[Row]]:
    """Compare two run summaries (as written by ``summarize``) section by section.

    Args:
        a: The summary of run A.
        b: The summary of run B.

    Returns:
        ``milestones``, ``closure``, ``units``, ``bottlenecks`` and ``phases``, each a
        list of rows.  Time fields ``a`` and ``b`` are ISO UTC text with ``a_d``/``b_d``
        (days from each scenario's own D-day); ``delta_h`` and ``delta_d`` are B - A
        in hours and days.  Closure rows carry these per share, prefixed ``t50_``,
        ``t90_`` and ``t100_``.  Bottleneck rows compare load-hours of waiting.  A
        side without the row has ``None`` values.
    """
    milestones = [
        {
            "id": key,
            "name": _name(ra, rb),
            **_times(ra, rb, "simulated"),
            "in_window_a": None if ra is None else ra["within_window"],
            "in_window_b": None if rb is None else rb["within_window"],
        }
        for key, ra, rb in _match(a["milestones"], b["milestones"], lambda r: r["id"])
    ]
    closure = []
    for nation, ra, rb in _match(a["closure"], b["closure"], lambda r: r["nation"]):
        row: Row = {"nation": nation}
        for share in SHARES:
            row.update(_times(ra, rb, share, f"{share}_"))
        closure.append(row)
    units = []
    for unit, ra, rb in _match(a["units"], b["units"], lambda r: r["id"]):
        route_a = None if ra is None else list(ra["route"])
        route_b = None if rb is None else list(rb["route"])
        units.append(
            {
                "id": unit,
                "name": _name(ra, rb),
                "nation": (ra or rb or {}).get("nation"),
                **_times(ra, rb, "arrive"),
                "route_changed": None if ra is None or rb is None else route_a != route_b,
                "route_a": route_a,
                "route_b": route_b,
            }
        )
    bottlenecks = []
    pairs = _match(a["bottlenecks"], b["bottlenecks"], lambda r: (r["place"], r["cause"]))
    for (place, cause), ra, rb in pairs:
        load_a = None if ra is None else ra["load_h"]
        load_b = None if rb is None else rb["load_h"]
        # A place where nobody waits any more has no row; its delta is still
        # meaningful (all the waiting went away), so a missing side counts as 0.
        delta = (load_b or 0.0) - (load_a or 0.0)
        bottlenecks.append(
            {
                "place": place,
                "cause": cause,
                "a": load_a,
                "b": load_b,
                "delta_h": _round(delta),
                "waits_a": None if ra is None else ra["waits"],
                "waits_b": None if rb is None else rb["waits"],
            }
        )
    # Largest waiting on either side first: the bottlenecks that matter most.
    bottlenecks.sort(key=lambda r: (-max(r["a"] or 0.0, r["b"] or 0.0), r["place"], r["cause"]))
    phases = [
        {"id": key, "name": _name(ra, rb), **_times(ra, rb, "end")}
        for key, ra, rb in _match(a["phases"], b["phases"], lambda r: r["id"])
    ]
    return {
        "milestones": milestones,
        "closure": closure,
        "units": units,
        "bottlenecks": bottlenecks,
        "phases": phases,
    }


@dataclass(frozen=True)
class Replications:
    """The outputs of N replications of one side, with what is needed to place them in time.

    Attributes:
        start: The scenario's clock start: replication outputs are hours from it.
        d_day: The scenario's D-day, for the D+days of the means.
        order: Ids in scenario order per output prefix (``milestone``, ``unit``,
            ``closure``, ``phase``), so that rows print in the order of the scenario.
        seeds: The seed of each replication, in order.
        runs: The outputs of each replication (see ``simulator.experiment.replicate``).
    """

    start: dt.datetime
    d_day: dt.datetime
    order: dict[str, tuple[str, ...]]
    seeds: tuple[int, ...]
    runs: tuple[dict[str, float | None], ...]


def paired_difference(differences: Sequence[float]) -> dict[str, Any]:
    """Mean, standard deviation and 95% t interval of paired differences.

    Args:
        differences: One difference B - A per pair (pairs with a missing side left out).

    Returns:
        ``n``, ``mean``, ``sd`` and ``ci95`` (``[low, high]``).  With no pair every
        statistic is ``None``; with one pair the mean is known but not its spread,
        so ``sd`` and ``ci95`` are ``None``.
    """
    n = len(differences)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci95": None}
    mean = math.fsum(differences) / n
    if n == 1:
        return {"n": 1, "mean": mean, "sd": None, "ci95": None}
    sd = math.sqrt(math.fsum((d - mean) ** 2 for d in differences) / (n - 1))
    half = t_975(n - 1) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "ci95": [mean - half, mean + half]}


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.fsum(present) / len(present) if present else None


def _replicated_row(a: Replications, b: Replications, key: str, offset_h: float) -> Row:
    """Means of one output on each side and the paired differences B - A."""
    clock_a, clock_b = Clock(a.start, a.d_day), Clock(b.start, b.d_day)
    values_a = [run.get(key) for run in a.runs]
    values_b = [run.get(key) for run in b.runs]
    # B's hours are moved onto A's clock; with equal starts the offset is exactly
    # zero, so identical runs give differences of exactly zero.
    differences = [
        (vb - va) + offset_h
        for va, vb in zip(values_a, values_b, strict=True)
        if va is not None and vb is not None
    ]
    paired = paired_difference(differences)
    mean_a, mean_b = _mean(values_a), _mean(values_b)
    ci = paired["ci95"]
    return {
        "a_mean": clock_a.iso(mean_a),
        "a_mean_d": clock_a.d_plus(mean_a),
        "b_mean": clock_b.iso(mean_b),
        "b_mean_d": clock_b.d_plus(mean_b),
        "delta_h": _round(paired["mean"]),
        "delta_d": _days(paired["mean"]),
        "delta_sd_h": _round(paired["sd"], 3),
        "delta_ci95_h": None if ci is None else [_round(ci[0]), _round(ci[1])],
        "pairs": paired["n"],
        "a_missing": sum(v is None for v in values_a),
        "b_missing": sum(v is None for v in values_b),
    }


def _paired_means(
    a: Replications, b: Replications, key: str
) -> tuple[float | None, float | None, dict[str, Any]]:
    """The mean of output ``key`` on each side and the paired differences B - A.

    For an output that is not an instant (a 0/1 outcome, load-hours of waiting):
    nothing to shift between clocks.
    """
    # Imported here: the command line loads this module at start to register its command.
    from simulator.analysis.outputs import value

    values_a = [value(run, key) for run in a.runs]
    values_b = [value(run, key) for run in b.runs]
    differences = [
        vb - va
        for va, vb in zip(values_a, values_b, strict=True)
        if va is not None and vb is not None
    ]
    return _mean(values_a), _mean(values_b), paired_difference(differences)


def _within_row(a: Replications, b: Replications, name: str) -> Row:
    """P(in window) on each side and the paired difference of the 0/1 outcomes."""
    mean_a, mean_b, paired = _paired_means(a, b, f"within:{name}")
    ci = paired["ci95"]
    return {
        "p_within_a": _round(mean_a, 6),
        "p_within_b": _round(mean_b, 6),
        "p_within_delta": _round(paired["mean"], 6),
        "p_within_delta_ci95": None if ci is None else [_round(ci[0], 6), _round(ci[1], 6)],
    }


def _wait_row(a: Replications, b: Replications, key: str) -> Row:
    """Mean load-hours of one wait on each side (0 where none) and the paired difference."""
    place, cause = key.split(":", 2)[1:]
    mean_a, mean_b, paired = _paired_means(a, b, key)
    ci = paired["ci95"]
    return {
        "place": place,
        "cause": cause,
        "a": _round(mean_a),
        "b": _round(mean_b),
        "delta_h": _round(paired["mean"]),
        "delta_sd_h": _round(paired["sd"], 3),
        "delta_ci95_h": None if ci is None else [_round(ci[0]), _round(ci[1])],
    }


def compare_replications(a: Replications, b: Replications) -> dict[str, list[Row]]:
    """Compare N replications of A with N replications of B, paired by replication.

    Args:
        a: The replications of A.
        b: The replications of B, with the same seeds in the same order.

    Returns:
        ``milestones``, ``closure`` (100% of every load), ``units``, ``phases`` (end),
        and ``bottlenecks``.  Each row but a bottleneck's has ``a_mean``/``b_mean``
        (ISO UTC instants of the means, with ``_d`` days from each side's D-day),
        ``delta_h``/``delta_d`` (mean of the paired
        differences B - A), ``delta_sd_h``, ``delta_ci95_h`` (95% t interval of
        that mean), ``pairs`` (replications where both sides had the value) and
        ``a_missing``/``b_missing``.  Milestones add ``p_within_a``,
        ``p_within_b``, ``p_within_delta`` and ``p_within_delta_ci95``.  A bottleneck
        (a place and cause where a load waited in some replication of either side) has
        ``place``, ``cause``, ``a`` and ``b`` (mean load-hours, 0 in a replication
        without that wait), ``delta_h``, ``delta_sd_h`` and ``delta_ci95_h``; the
        largest on either side first.  Replications saved without their waits give
        none.

    Raises:
        ValueError: If the two sides do not have the same seeds: their differences
            would not be paired.
    """
    if a.seeds != b.seeds:
        raise ValueError("replications of A and B must have the same seeds to be paired")
    offset_h = (b.start - a.start) / HOUR
    keys = {k for run in (*a.runs, *b.runs) for k in run}
    out: dict[str, list[Row]] = {section: [] for section in SECTIONS}
    for section, prefix in REPLICATED.items():
        # Scenario order of A, then ids only B has, then anything neither lists.
        ids = list(dict.fromkeys((*a.order.get(prefix, ()), *b.order.get(prefix, ()))))
        extra = sorted(k.split(":", 1)[1] for k in keys if k.startswith(f"{prefix}:"))
        for name in dict.fromkeys((*ids, *extra)):
            key = f"{prefix}:{name}"
            if key not in keys:
                continue
            label = "nation" if section == "closure" else "id"
            row: Row = {label: name, **_replicated_row(a, b, key, offset_h)}
            if section == "milestones":
                row.update(_within_row(a, b, name))
            out[section].append(row)
    waits = [_wait_row(a, b, key) for key in sorted(keys) if key.startswith("wait:")]
    waits.sort(key=lambda r: (-max(r["a"], r["b"]), r["place"], r["cause"]))
    out["bottlenecks"] = waits
    return out
