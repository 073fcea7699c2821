"""One replication: build the world, start every process, run it to the end.

This is the model's entry point, :func:`run_replication`; replications, sweeps,
the facilitator's session and every executor are built on it. It sits above
the world (resources, routing, records) and the processes that act in it
(movement and operations), so that the world never imports them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import simpy

from simulator.model.movement import deploy, fly_sorties, reinforce
from simulator.model.operations import Engine
from simulator.model.world import Result, World
from simulator.scenario.models import LossInject, ReinforceInject, Scenario

__all__ = ["build", "run_replication"]


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
    with _collector_paused():
        env = simpy.Environment()
        world = build(env, scenario, seed)
        env.run()
        loads = {unit_id: plan.loads for unit_id, plan in world.plans.items()}
        return Result(scenario, seed, world.log.freeze(), loads, float(env.now))


@contextmanager
def _collector_paused() -> Iterator[None]:
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
