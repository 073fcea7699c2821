"""One replication: build the world, start every process, run it to the end.

This is the model's entry point, :func:`run_replication`; replications, sweeps,
the facilitator's session and every executor are built on it. It sits above
the world (resources, routing, records) and the processes that act in it
(movement and operations), so that the world never imports them.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Iterator
from contextlib import contextmanager

import simpy

from simulator.model.movement import deploy, fly_sorties, reinforce
from simulator.model.operations import Engine
from simulator.model.world import Result, World
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.models import LossInject, ReinforceInject, Scenario
from simulator.scenario.types import HORIZON_H, HORIZON_YEARS

__all__ = ["MAX_EVENTS", "RunBudgetExceeded", "build", "run_replication"]

MAX_EVENTS = 5_000_000
"""Most SimPy events one replication may process (the flagship needs about 1,300)."""


class RunBudgetExceeded(ScenarioError):
    """A run grew past its budget: simulated time past the horizon, or too many events.

    Every value of the scenario may be within its limits and the run still be
    enormous (a million loads on one slow link); the budget stops it with a
    message instead of a hang.
    """

    def __init__(self, message: str) -> None:
        super().__init__(Problem("run", None, "", message))
        self.message = message

    def __reduce__(self) -> tuple[type[RunBudgetExceeded], tuple[str]]:
        """Pickle by message (a worker's error reaches the sweep process whole)."""
        return (RunBudgetExceeded, (self.message,))


def build(env: simpy.Environment, scenario: Scenario, seed: int) -> World:
    """Build the world and start every process, in scenario order."""
    world = World(env, scenario, seed)
    for fleet in world.fleets.values():
        if fleet.requests is not None:
            for carrier in fleet.carriers:
                carrier.process = world.start(
                    fly_sorties(world, carrier), carrier.id, carrier.location
                )
    for inj in scenario.injects:
        # Whether a loss happens is drawn once, from the inject's own stream.
        if isinstance(inj, LossInject) and world.streams(f"inject:{inj.id}").random() < (
            inj.probability
        ):
            world.start(world.lose(inj), inj.id, inj.fleet)
        if isinstance(inj, ReinforceInject):
            world.start(reinforce(world, inj), inj.id, inj.fleet)
    for unit in scenario.forces:
        world.start(deploy(world, unit), unit.id, unit.origin)
    if scenario.operations.phases:
        Engine(world, scenario.operations).start()
    return world


def run_replication(scenario: Scenario, seed: int = 0) -> Result:
    """Run one replication of a scenario to completion."""
    with collector_paused():
        env = simpy.Environment()
        world = build(env, scenario, seed)
        run_within_budget(env, HORIZON_H, MAX_EVENTS)
        loads = {unit_id: plan.loads for unit_id, plan in world.plans.items()}
        return Result(scenario, seed, world.log.freeze(), loads, float(env.now))


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection while the world runs.

    A run makes many small objects, nearly all freed by reference counting as
    it goes; the collector's passes over them (ever longer as the log grows)
    would find little. What a run leaves in cycles, the world itself, is
    collected after it in the usual way. (Results do not depend on this.)
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def run_within_budget(env: simpy.Environment, horizon: float, max_events: int) -> None:
    """Run ``env`` until nothing is scheduled, as ``env.run()`` does, within a budget.

    Args:
        env: The environment, with its processes started.
        horizon: The latest simulated hour an event may happen at.
        max_events: Most events processed.

    Raises:
        RunBudgetExceeded: At the first event past ``horizon``, or past ``max_events``.
    """
    queue = getattr(env, "_queue", None)
    if not isinstance(queue, list):  # a SimPy without the event heap it has today
        _run_by_steps(env, horizon, max_events)
        return
    # Environment.step, written out: the event loop is the hottest code of a run, and
    # two calls per event (peek and step) cost more than the rest of the loop.
    pop = heapq.heappop
    for _ in range(max_events):
        if not queue:
            return
        if queue[0][0] > horizon:
            raise _past_horizon(horizon)
        env._now, _, _, event = pop(queue)
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            # As SimPy does: a failure nobody waited for ends the run, as a copy.
            error = type(event._value)(*event._value.args)
            error.__cause__ = event._value
            raise error
    if not queue:
        return
    raise _too_many(max_events)


def _past_horizon(horizon: float) -> RunBudgetExceeded:
    return RunBudgetExceeded(
        f"stopped at {horizon:,.0f} simulated hours ({HORIZON_YEARS} years after the "
        "clock's start) with events still to come; some duration, distance or speed "
        "makes the run longer than any exercise"
    )


def _too_many(max_events: int) -> RunBudgetExceeded:
    return RunBudgetExceeded(
        f"stopped after {max_events:,} events with more to come; the forces, fleets or "
        "counts make the run larger than this model runs"
    )


def _run_by_steps(env: simpy.Environment, horizon: float, max_events: int) -> None:
    """``run_within_budget`` through SimPy's public ``peek`` and ``step``."""
    for _ in range(max_events):
        when = env.peek()
        if when == math.inf:
            return
        if when > horizon:
            raise _past_horizon(horizon)
        env.step()
    if env.peek() != math.inf:
        raise _too_many(max_events)
