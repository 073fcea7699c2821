"""The phase and task engine: operations after (and alongside) the deployment.

One process per task, started in file order. A task waits, in this order, for
its predecessors (``after``, ``trigger.done``), for its trigger date, for the
units it needs to have closed, then spends the coordination time its orders
cost (friction), then takes the resources it needs (tasks compete for them
first come, first served), runs its primitive, releases what it took, and
is done. Every wait is recorded with its cause, as in the deployment.

Records: ``task`` (at the end: start, end, phase, kind and what the primitive
did), ``wait`` (entity ``task:<id>``), and per primitive ``drop``,
``objective``, ``mission``, ``exit``.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simulator.model.world import Process, World
from simulator.scenario.distributions import Distribution
from simulator.scenario.models import RescheduleInject
from simulator.scenario.operations import (
    AirdropTask,
    AssembleTask,
    ClearTask,
    CordonTask,
    HoldTask,
    MoveTask,
    Operations,
    ReconTask,
    Serial,
    StrikeTask,
    Task,
)

SECOND_H = 1 / 3600
MINUTE_H = 1 / 60


def entity(task: Task) -> str:
    """Entity name of a task in the records."""
    return f"task:{task.id}"


class Engine:
    """Runs the operations of a scenario inside a world."""

    def __init__(self, world: World, operations: Operations) -> None:
        self.world = world
        self.env = world.env
        self.ops = operations
        # Pools are counts of interchangeable units, taken and given back atomically,
        # so two tasks needing several units each never hold half a pool apiece.
        self.pools: dict[str, simpy.Container] = {
            r.id: simpy.Container(self.env, capacity=r.count, init=r.count)
            for r in operations.resources
        }
        self.tasks: dict[str, tuple[str, Task]] = {}
        for phase in operations.phases:
            for task in phase.tasks:
                self.tasks[task.id] = (phase.id, task)
        self.done: dict[str, simpy.Event] = {tid: self.env.event() for tid in self.tasks}
        self.factor: dict[str, float] = {}
        self.later: dict[str, float] = {}
        """Task id -> the simulated hour a reschedule has put it back to."""
        self.retimed: dict[str, simpy.Event] = {tid: self.env.event() for tid in self.tasks}

    def start(self) -> None:
        """Start every task's process, in file order, and the reschedules."""
        for phase_id, task in self.tasks.values():
            self.world.start(self.run(phase_id, task), entity(task), "")
        for inj in self.world.scenario.injects:
            if isinstance(inj, RescheduleInject):
                self.world.start(self.reschedule(inj), inj.id, "")

    def not_before(self, task: Task) -> float | None:
        """The task's date in simulated hours, as rescheduled so far (None: no date)."""
        dates = [self.world.clock.hours(task.trigger.at)] if task.trigger.at else []
        if task.id in self.later:
            dates.append(self.later[task.id])
        return max(dates) if dates else None

    def reschedule(self, inject: RescheduleInject) -> Process:
        """At the inject's time, put a task back by ``delay_h`` (from its date, or from now)."""
        yield self.env.timeout(max(0.0, self.world.clock.hours(inject.at) - self.world.now))
        task = self.tasks[inject.task][1]
        base = self.not_before(task)
        self.later[task.id] = (self.world.now if base is None else base) + inject.delay_h
        self.world.log.add(self.world.now, entity(task), "rescheduled", "", inject=inject.id,
                           to=self.later[task.id])  # fmt: skip
        wake, self.retimed[task.id] = self.retimed[task.id], self.env.event()
        wake.succeed()

    def take(self, task: Task, pool: str, count: int, **detail: Any) -> Process:
        """Wait until ``count`` units of ``pool`` are free together, and take them."""
        queued = self.world.now
        yield self.pools[pool].get(count)
        self.world.log.wait(queued, self.world.now, entity(task), "", f"resource:{pool}",
                            **detail)  # fmt: skip

    def _wait(self, event: simpy.Event, task: Task, cause: str, **detail: Any) -> Process:
        start = self.world.now
        yield event
        self.world.log.wait(start, self.world.now, entity(task), "", cause, **detail)

    def run(self, phase_id: str, task: Task) -> Process:
        """The life of one task."""
        world = self.world
        name = entity(task)
        before = [*task.after, *task.trigger.done]
        if before:
            # Not a wait: the precedence itself (the timeline shows it as such).
            yield self.env.all_of([self.done[t] for t in before])
        start_wait = world.now
        while (at := self.not_before(task)) is not None and at > world.now:
            # A reschedule may put the date back while the task waits for it.
            yield self.env.any_of([self.env.timeout(at - world.now), self.retimed[task.id]])
        if before and world.now > start_wait:
            world.log.wait(start_wait, world.now, name, "", "date")
        units = [*task.trigger.closed]
        if isinstance(task, AssembleTask):
            units += [u for u in task.units if u not in units]
        if units:
            closed = self.env.all_of([world.closed[u] for u in units])
            if before or task.trigger.at is not None:
                yield from self._wait(closed, task, "closure", units=units)
            else:
                yield closed  # nothing else sets its time: it is scheduled on closure
        start = world.now
        coordination = task.orders * self.ops.friction.per_order_h()
        if coordination:
            yield self.env.timeout(coordination)
        for need in task.needs:
            yield from self.take(task, need.resource, need.count)
        work_start = world.now
        detail: dict[str, Any] = yield from self.primitive(task)
        for need in task.needs:
            self.pools[need.resource].put(need.count)
        world.log.add(
            world.now,
            name,
            "task",
            getattr(task, "place", None) or "",
            phase=phase_id,
            task_kind=task.kind,
            start=start,
            work_start=work_start,
            coordination_h=coordination,
            **detail,
        )
        self.done[task.id].succeed()

    # ------------------------------------------------------------ primitives
    def primitive(self, task: Task) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Run the task's primitive; return what it did for the record."""
        factor = self.factor.get(task.id, 1.0)
        if isinstance(task, HoldTask):
            yield self.env.timeout(self.draw(task, task.duration_h) * factor)
            return {}
        if isinstance(task, AssembleTask):
            yield self.env.timeout(self.draw(task, task.duration_h) * factor)
            return {"units": list(task.units)}
        if isinstance(task, MoveTask):
            halts = self.draw(task, task.duration_h)
            yield self.env.timeout((task.distance_km / task.speed_kmh + halts) * factor)
            return {"distance_km": task.distance_km}
        if isinstance(task, ReconTask):
            return (yield from self.recon(task))
        if isinstance(task, CordonTask):
            return (yield from self.cordon(task, factor))
        if isinstance(task, StrikeTask):
            return (yield from self.strike(task, factor))
        if isinstance(task, ClearTask):
            return (yield from self.clear(task, factor))
        assert isinstance(task, AirdropTask)
        return (yield from self.airdrop(task))

    def recon(self, task: ReconTask) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Set up, fly the route, dwell over each target; then apply the effect."""
        dwell = sum(self.draw(task, task.dwell_h) for _ in range(task.targets))
        hours = self.draw(task, task.setup_h) + task.route_km / task.speed_kmh + dwell
        yield self.env.timeout(hours)
        if task.effect is not None:
            for later in task.effect.tasks:
                self.factor[later] = self.factor.get(later, 1.0) * task.effect.factor
        return {"targets": task.targets}

    def draw(self, task: Task, value: float | Distribution) -> float:
        """A value of a task's quantity, from the task's own random stream."""
        return self.world.streams.draw(entity(task), value)

    def _parallel(
        self,
        count: int,
        pool: str,
        hours: float | Distribution,
        task: Task,
        what: str,
        factor: float,
    ) -> Generator[simpy.Event, Any, list[tuple[float, float]]]:
        """``count`` jobs, each holding one of ``pool``'s units for a draw of ``hours``."""
        spans: list[tuple[float, float]] = []

        def job(n: int) -> Process:
            yield from self.take(task, pool, 1, job=f"{what} {n + 1}")
            began = self.world.now
            yield self.env.timeout(self.draw(task, hours) * factor)
            self.pools[pool].put(1)
            spans.append((began, self.world.now))
            self.world.log.add(self.world.now, entity(task), what, "", number=n + 1, start=began,
                               pool=pool)  # fmt: skip

        yield self.env.all_of([self.env.process(job(n)) for n in range(count)])
        return spans

    def strike(
        self, task: StrikeTask, factor: float
    ) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Every fire mission takes a shooter for one cycle; all in parallel."""
        missions = task.targets * task.missions_per_target
        spans = yield from self._parallel(
            missions, task.shooters, task.cycle_h, task, "mission", factor
        )
        return {"targets": task.targets, "missions": len(spans)}

    def clear(self, task: ClearTask, factor: float) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Each objective takes a team for ``per_objective_h``; teams work in parallel."""
        spans = yield from self._parallel(
            task.objectives, task.teams, task.per_objective_h, task, "objective", factor
        )
        return {"objectives": len(spans)}

    def cordon(
        self, task: CordonTask, factor: float
    ) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Each exit takes a team for ``setup_h``; the teams then stay on the exits."""
        blocked: list[float] = []

        def block(n: int) -> Process:
            yield from self.take(task, task.teams, 1, job=f"exit {n + 1}")
            began = self.world.now
            blocked.append(began)
            yield self.env.timeout(self.draw(task, task.setup_h) * factor)
            self.world.log.add(self.world.now, entity(task), "exit", "", number=n + 1,
                               start=began, pool=task.teams)  # fmt: skip

        yield self.env.all_of([self.env.process(block(n)) for n in range(task.exits)])
        if task.until is None:
            self._release_exits(task, blocked)
        else:
            self.world.start(self._lift(task, task.until, blocked), entity(task), "")
        return {"exits": task.exits}

    def _lift(self, task: CordonTask, until: str, blocked: Sequence[float]) -> Process:
        yield self.done[until]
        self._release_exits(task, blocked)

    def _release_exits(self, task: CordonTask, blocked: Sequence[float]) -> None:
        """Teams leave the exits: free them and record how long each was held."""
        self.pools[task.teams].put(len(blocked))
        for began in blocked:
            self.world.log.add(self.world.now, entity(task), "held", "", start=began,
                               pool=task.teams, amount=1)  # fmt: skip

    def airdrop(self, task: AirdropTask) -> Generator[simpy.Event, Any, dict[str, Any]]:
        """Serials launch in order, fly to the drop zone, drop in passes, come back."""
        results: list[dict[str, Any]] = []
        dropped = []
        for k, serial in enumerate(task.serials):
            if k:
                yield self.env.timeout(task.serial_interval_min * MINUTE_H)
            done = self.env.event()
            dropped.append(done)
            self.world.start(self.fly_serial(task, k, serial, results, done), entity(task), "")
        # The task is over once its force has assembled; the aircraft fly home meanwhile.
        yield self.env.all_of(dropped)
        first = min(r["first_drop"] for r in results)
        last = max(r["last_drop"] for r in results)
        assembled = last + self.draw(task, task.assembly_h)
        if assembled > self.world.now:
            yield self.env.timeout(assembled - self.world.now)
        return {
            "aircraft": sum(s.aircraft for s in task.serials),
            "sorties": sum(r["sorties"] for r in results),
            "passes": sum(r["passes"] for r in results),
            "personnel": sum(r["personnel"] for r in results),
            "vehicles": sum(r["platforms"] for r in results),
            "first_drop": first,
            "last_drop": last,
            "assembled": assembled,
        }

    def fly_serial(
        self,
        task: AirdropTask,
        k: int,
        serial: Serial,
        results: list[dict[str, Any]],
        dropped: simpy.Event,
    ) -> Process:
        """One serial: take its aircraft, fly sorties of passes until all is dropped.

        ``dropped`` succeeds after the last drop; the aircraft are given back to
        their pool when they are home.
        """
        yield from self.take(task, task.aircraft, serial.aircraft, job=f"serial {k + 1}")
        taken = self.world.now
        leg_h = task.distance_km / task.speed_kmh
        left = {"personnel": serial.personnel, "platforms": serial.platforms}
        sorties = passes = 0
        first = last = math.nan
        while left["personnel"] or left["platforms"]:
            sorties += 1
            yield self.env.timeout(leg_h)
            for p in range(serial.passes_per_sortie):
                if not (left["personnel"] or left["platforms"]):
                    break
                if p:
                    yield self.env.timeout(task.pass_interval_min * MINUTE_H)
                passes += 1
                over = self.world.now
                drops = []
                for i in range(serial.aircraft):
                    platforms = min(serial.per_pass.platforms, left["platforms"])
                    people = min(serial.per_pass.personnel, left["personnel"])
                    if not (platforms or people):
                        break
                    left["platforms"] -= platforms
                    left["personnel"] -= people
                    begin = over + i * task.trail_s * SECOND_H
                    seconds = drop_seconds(
                        people, platforms, task.exit_interval_s, task.platform_interval_s
                    )
                    drops.append((begin + seconds * SECOND_H, begin, i, people, platforms))
                    first = begin if math.isnan(first) else min(first, begin)
                for end, begin, i, people, platforms in sorted(drops):
                    yield self.env.timeout(end - self.world.now)
                    last = end
                    self.world.log.add(
                        end, entity(task), "drop", "", serial=k + 1, sortie=sorties,
                        pass_number=passes, aircraft=i + 1, start=begin, personnel=people,
                        platforms=platforms,
                    )  # fmt: skip
            if not (left["personnel"] or left["platforms"]):
                results.append(
                    {
                        "sorties": sorties * serial.aircraft,
                        "passes": passes,
                        "personnel": serial.personnel,
                        "platforms": serial.platforms,
                        "first_drop": first,
                        "last_drop": last,
                    }
                )
                dropped.succeed()
            yield self.env.timeout(leg_h)
            if left["personnel"] or left["platforms"]:
                yield self.env.timeout(self.draw(task, task.reload_h))
        self.pools[task.aircraft].put(serial.aircraft)
        self.world.log.add(self.world.now, entity(task), "serial", "", number=k + 1,
                           start=taken, pool=task.aircraft, amount=serial.aircraft)  # fmt: skip


def drop_seconds(people: int, platforms: int, exit_s: float, platform_s: float) -> float:
    """Seconds from an aircraft's first exit to its last on one pass.

    Platforms go first, ``platform_s`` apart; jumpers follow, the first one
    ``platform_s`` after the last platform, then ``exit_s`` apart.
    """
    seconds = 0.0
    if platforms:
        seconds += (platforms - 1) * platform_s
    if people:
        seconds += (platform_s if platforms else 0.0) + (people - 1) * exit_s
    return seconds
