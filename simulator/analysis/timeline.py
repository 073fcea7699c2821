"""The whole timeline: deployment and operations as phases of tasks, with the critical path.

The deployment becomes a phase of its own with one task per unit (from its
departure to its closure), so that operations waiting for units to close
link back to the movements that held them up. Every task gets its start,
end, duration and slack; the tasks with no slack form the critical path.

Slack is computed on the schedule as it ran (a backward pass): a task's
latest finish is the earliest latest start of the tasks that depend on it,
or the end of the timeline if none do; its slack is latest finish minus its
actual end. A task depends on another when it comes after it (``after``,
``trigger.done``), waits for a unit it moved (``assemble``,
``trigger.closed``), or waited for a resource that the other released at
the moment it started. A task held back by a date has slack before it: the
date, not the chain before it, then decides the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from simulator.analysis.tables import peak_use
from simulator.model.records import Event
from simulator.model.world import Result
from simulator.scenario.operations import AirdropTask, AssembleTask, CordonTask, pools_of

EPS = 1e-6
DEPLOYMENT = "deployment"
"""Id of the phase holding one movement task per unit."""


@dataclass
class Row:
    """One task of the timeline (a unit's movement, or an operations task)."""

    id: str
    phase: str
    kind: str
    name: str | None
    start: float | None
    end: float | None
    waits: dict[str, float]
    detail: dict[str, Any]
    depends: set[str]
    """Tasks that must be done before this one may start (precedence, units closed)."""
    resource_depends: set[str] = field(default_factory=set)
    """Tasks that freed a resource this one was waiting for, at the moment it got it."""
    slack: float | None = None

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def work_h(self) -> float:
        """Hours from having every resource to the end (the whole span for movements)."""
        assert self.start is not None and self.end is not None
        return self.end - float(self.detail.get("work_start", self.start))

    def needed_h(self) -> float:
        """Hours the task needs once it may start: coordination, then its work.

        Waits for resources are not counted: they are where slack can hide.
        """
        return float(self.detail.get("coordination_h", 0.0)) + self.work_h()


def _deployment_rows(result: Result, units: list[dict[str, Any]]) -> list[Row]:
    return [
        Row(
            id=f"deploy:{u['id']}",
            phase=DEPLOYMENT,
            kind=f"deploy ({u['mode']})",
            name=u["name"],
            start=u["depart"],
            end=u["arrive"],
            waits=dict(u["waits"]),
            detail={"unit": u["id"], "nation": u["nation"]},
            depends=set(),
        )
        for u in units
    ]


def _task_rows(result: Result) -> list[Row]:
    ops = result.scenario.operations
    records: dict[str, Event] = {}
    waits: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in result.events:
        if not e.entity.startswith("task:"):
            continue
        tid = e.entity[5:]
        if e.kind == "task":
            records[tid] = e
        elif e.kind == "wait":
            waits[tid][e.detail["cause"]] += e.detail["hours"]
    rows = []
    for phase in ops.phases:
        for task in phase.tasks:
            record = records.get(task.id)
            depends = set(task.after) | set(task.trigger.done)
            units = list(task.trigger.closed)
            if isinstance(task, AssembleTask):
                units += task.units
            depends |= {f"deploy:{u}" for u in units}
            detail = {}
            if record is not None:
                detail = {
                    k: v for k, v in record.detail.items()
                    if k not in ("phase", "task_kind", "start")
                }  # fmt: skip
            rows.append(
                Row(
                    id=task.id,
                    phase=phase.id,
                    kind=task.kind,
                    name=task.name,
                    start=record.detail["start"] if record else None,
                    end=record.time if record else None,
                    waits=dict(sorted(waits[task.id].items())),
                    detail=detail,
                    depends=depends,
                )
            )
    return rows


def _resource_links(result: Result, rows: dict[str, Row]) -> None:
    """Add a dependency where a task started when another freed a resource it waited for."""
    ops = result.scenario.operations
    tasks = {t.id: t for p in ops.phases for t in p.tasks}
    releasers: dict[str, list[str]] = defaultdict(list)
    for task in tasks.values():
        for pool in pools_of(task):
            releasers[pool].append(task.id)
        if isinstance(task, CordonTask) and task.until:
            releasers[task.teams].append(task.until)
    for e in result.events:
        if e.kind != "wait" or not e.entity.startswith("task:"):
            continue
        cause = e.detail["cause"]
        if not cause.startswith("resource:"):
            continue
        waiter = e.entity[5:]
        for other in releasers[cause.removeprefix("resource:")]:
            end = rows[other].end
            if other != waiter and end is not None and abs(end - e.time) < EPS:
                rows[waiter].resource_depends.add(other)


def timeline_rows(result: Result, units: list[dict[str, Any]]) -> list[Row]:
    """Every task of the timeline with slack computed; deployment first."""
    rows = {r.id: r for r in [*_deployment_rows(result, units), *_task_rows(result)]}
    _resource_links(result, rows)
    ends = [r.end for r in rows.values() if r.end is not None]
    if not ends:
        return list(rows.values())
    finish = max(ends)
    # Backward pass. Across a precedence link the successor needs its coordination
    # and its work before its latest finish; across a resource link only its work
    # after it got the resource, which the predecessor had to free.
    successors: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for row in rows.values():
        for dep in row.depends:
            if dep in rows:
                successors[dep].append((row.id, False))
        for dep in row.resource_depends:
            successors[dep].append((row.id, True))
    latest_finish: dict[str, float] = {}
    finished = [r for r in rows.values() if r.end is not None]
    for row in sorted(finished, key=lambda r: (-(r.end or 0.0), r.id)):
        candidates = [finish]
        for sid, by_resource in successors[row.id]:
            if sid in latest_finish:
                s = rows[sid]
                candidates.append(
                    latest_finish[sid] - (s.work_h() if by_resource else s.needed_h())
                )
        latest_finish[row.id] = min(candidates)
        assert row.end is not None
        row.slack = max(0.0, latest_finish[row.id] - row.end)
    return list(rows.values())


def phase_rows(result: Result, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Phases (deployment first) with their tasks, as plain rows."""
    rows = timeline_rows(result, units)
    order = [DEPLOYMENT, *(p.id for p in result.scenario.operations.phases)]
    names = {p.id: p.name for p in result.scenario.operations.phases}
    names[DEPLOYMENT] = "Deployment"
    out = []
    for phase in order:
        tasks = [r for r in rows if r.phase == phase]
        if not tasks:
            continue
        starts = [r.start for r in tasks if r.start is not None]
        ends = [r.end for r in tasks if r.end is not None]
        complete = len(ends) == len(tasks)
        start = min(starts) if starts else None
        end = max(ends) if ends and complete else None
        out.append(
            {
                "id": phase,
                "name": names.get(phase),
                "start": start,
                "end": end,
                "duration_h": None if start is None or end is None else end - start,
                "tasks": [
                    {
                        "id": r.id,
                        "name": r.name,
                        "kind": r.kind,
                        "start": r.start,
                        "end": r.end,
                        "duration_h": r.duration,
                        "slack_h": r.slack,
                        "critical": r.slack is not None and r.slack < EPS,
                        "status": "done" if r.end is not None else "not done",
                        "waits": r.waits,
                        "depends": sorted(r.depends | r.resource_depends),
                        **{k: v for k, v in r.detail.items() if k != "units"},
                    }
                    for r in tasks
                ],
            }
        )
    return out


def airdrop_rows(result: Result) -> list[dict[str, Any]]:
    """One row per airdrop task: aircraft, sorties, passes, what was dropped, when."""
    tasks = {
        t.id: t for p in result.scenario.operations.phases for t in p.tasks
        if isinstance(t, AirdropTask)
    }  # fmt: skip
    rows = []
    for e in result.events:
        if e.kind == "task" and e.entity[5:] in tasks:
            d = e.detail
            rows.append(
                {
                    "id": e.entity[5:],
                    "aircraft": d["aircraft"],
                    "sorties": d["sorties"],
                    "passes": d["passes"],
                    "personnel": d["personnel"],
                    "vehicles": d["vehicles"],
                    "first_drop": d["first_drop"],
                    "last_drop": d["last_drop"],
                    "assembled": d["assembled"],
                }
            )
    order = list(tasks)
    return sorted(rows, key=lambda r: order.index(r["id"]))


JOB_KINDS = ("objective", "mission", "serial", "held")
"""Records of a primitive holding part of a resource pool from ``start`` to their time."""


def resource_rows(result: Result) -> list[dict[str, Any]]:
    """Resource use per task: pool, busy hours (units x hours), most held at once."""
    ops = result.scenario.operations
    tasks = {t.id: t for p in ops.phases for t in p.tasks}
    spans: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for e in result.events:
        if not e.entity.startswith("task:"):
            continue
        tid = e.entity[5:]
        if e.kind in JOB_KINDS:
            amount = int(e.detail.get("amount", 1))
            spans[tid, e.detail["pool"]].append((e.detail["start"], e.time, amount))
        elif e.kind == "task":
            for need in tasks[tid].needs:
                spans[tid, need.resource].append((e.detail["work_start"], e.time, need.count))
    rows = []
    for (tid, pool), used in spans.items():
        rows.append(
            {
                "task": tid,
                "resource": pool,
                "busy_h": sum((end - start) * amount for start, end, amount in used),
                "peak": peak_use(used),
                "first": min(start for start, _, _ in used),
                "last": max(end for _, end, _ in used),
            }
        )
    order = list(tasks)
    return sorted(rows, key=lambda r: (order.index(r["task"]), r["resource"]))
