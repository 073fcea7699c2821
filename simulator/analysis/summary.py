"""The run summary: every table with times as ISO UTC text and D+days.

This is the stable JSON contract of ``tabletop run --format json`` and of
``summary.json``: top-level ``schema_version`` (:data:`SCHEMA_VERSION`),
``scenario``, ``seed``, ``units``, ``closure``,
``assets``, ``bottlenecks``, ``milestones``, ``shortfalls``, ``phases`` (the
timeline, deployment first, each task with start, end, slack and whether it is
critical), ``critical_path`` (task ids in order of start), ``airdrops`` and
``task_resources``. Each time
field ``x`` is ISO 8601 UTC text (``2030-07-19T06:00Z``) and is accompanied
by ``x_d``, days relative to D-day. Durations are hours, rounded to 0.01.
"""

from __future__ import annotations

from typing import Any

from simulator.analysis.tables import (
    Index,
    asset_rows,
    bottleneck_rows,
    closure_rows,
    last_arrival_h,
    milestone_rows,
    shortfall_rows,
    unit_rows,
)
from simulator.analysis.timeline import airdrop_rows, phase_rows, resource_rows
from simulator.model.clock import Clock
from simulator.model.world import Result

SCHEMA_VERSION = 4
"""Version of the JSON outputs (run summary and replications). 4: replications carry each
unit's ``required_by`` and ``p_late``, and the statistics of ``assets`` (utilisation) and
``bottlenecks`` (waits); 3: assets carry their active window (``active_from``,
``active_to``) and ``active_utilisation``; 2: closure counts every load (people, vehicles
and tonnes); 1 (no ``schema_version`` field) counted people only."""

TIME_FIELDS = {
    "ready", "depart", "arrive", "required_by", "first", "last", "simulated",
    "earliest", "latest", "t50", "t90", "t100", "start", "end", "work_start", "first_drop",
    "last_drop", "assembled", "active_from", "active_to",
}  # fmt: skip
"""Row fields holding simulated hours, shown as instants."""


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2) + 0.0


def _convert(row: dict[str, Any], clock: Clock) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in TIME_FIELDS:
            out[key] = clock.iso(value)
            out[f"{key}_d"] = clock.d_plus(value)
        elif key in ("utilisation", "active_utilisation"):
            out[key] = round(value, 4) + 0.0
        elif isinstance(value, float):
            out[key] = _hours(value)
        elif isinstance(value, dict):
            out[key] = _convert(value, clock)
        elif isinstance(value, list):
            out[key] = [_convert(v, clock) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def summarize(result: Result, scenario_sha256: str | None = None) -> dict[str, Any]:
    """The whole summary of one run as plain JSON-able data."""
    scenario = result.scenario
    clock = Clock(scenario.clock.start, scenario.clock.d_day)
    index = Index.of(result)
    units = unit_rows(result, index)
    phases = phase_rows(result, units)
    critical = [
        t["id"]
        for t in sorted(
            (t for p in phases for t in p["tasks"] if t["critical"]),
            key=lambda t: (t["start"] if t["start"] is not None else float("inf"), t["id"]),
        )
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {
            "name": scenario.name,
            "title": scenario.title,
            "sha256": scenario_sha256,
            "start": clock.iso(0.0),
            "d_day": scenario.clock.d_day.strftime("%Y-%m-%dT%H:%MZ"),
            "end": clock.iso(last_arrival_h(result)),
            "end_d": clock.d_plus(last_arrival_h(result)),
        },
        "seed": result.seed,
        "units": [_convert(r, clock) for r in units],
        "closure": [_convert(r, clock) for r in closure_rows(result, index)],
        "assets": [_convert(r, clock) for r in asset_rows(result, index)],
        "bottlenecks": [_convert(r, clock) for r in bottleneck_rows(result, index)],
        "milestones": [_convert(r, clock) for r in milestone_rows(result, index)],
        "shortfalls": [_convert(r, clock) for r in shortfall_rows(units)],
        "phases": [_convert(r, clock) for r in phases],
        "critical_path": critical,
        "airdrops": [_convert(r, clock) for r in airdrop_rows(result)],
        "task_resources": [_convert(r, clock) for r in resource_rows(result)],
    }
