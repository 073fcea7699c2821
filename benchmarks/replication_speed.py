"""Replications per second of a scenario, and the model's time per SimPy event.

Prints, from one run on this machine:
  * replications per second of the scenario (one core, model only: no analysis);
  * per replication, the SimPy events the engine processed (counted in a
    separate pass over the same seeds, so that counting costs nothing in the
    timed pass) and the records the model wrote (``events.jsonl`` lines);
  * the model's time per SimPy event, beside the time of a bare SimPy timeout
    loop in the same process (the engine alone: a floor, not a target, since
    its event mix is not any model's; ``peer.py`` compares with a model).

Usage: python benchmarks/replication_speed.py [SCENARIO] [--seconds S]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import simpy
from machine import describe

from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.scenario.models import Scenario

DEFAULT = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"


def bare_simpy_timeouts_per_second(seconds: float) -> float:
    """Timeouts per second of a trivial SimPy process loop."""

    def ticker(env: simpy.Environment, n: int) -> simpy.events.ProcessGenerator:
        for _ in range(n):
            yield env.timeout(1.0)

    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        env = simpy.Environment()
        for _ in range(10):
            env.process(ticker(env, 1000))
        env.run()
        done += 10_000
    return done / (time.perf_counter() - start)


def count_engine_events(scenario: Scenario, runs: int) -> int:
    """SimPy events processed by replications 0..runs-1 (an instrumented pass)."""
    steps = 0
    original = simpy.Environment.step

    def counting_step(env: simpy.Environment) -> None:
        nonlocal steps
        steps += 1
        original(env)

    simpy.Environment.step = counting_step  # type: ignore[method-assign]
    try:
        for seed in range(runs):
            run_replication(scenario, seed)
    finally:
        simpy.Environment.step = original  # type: ignore[method-assign]
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario).scenario
    result = run_replication(scenario, 0)  # warm up (and fill the route cache)
    runs = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        run_replication(scenario, runs)
        runs += 1
    elapsed = time.perf_counter() - start
    events = count_engine_events(scenario, runs)
    model_eps = events / elapsed
    bare_eps = bare_simpy_timeouts_per_second(args.seconds)
    print(describe(capacity=False))
    print(f"scenario: {scenario.name}: {events / runs:,.0f} SimPy events and "
          f"{len(result.events)} records per replication")  # fmt: skip
    print(f"replications per second: {runs / elapsed:.1f}")
    print(f"model: {1e6 / model_eps:.1f} us per SimPy event; bare SimPy timeouts: "
          f"{1e6 / bare_eps:.1f} us each")  # fmt: skip


if __name__ == "__main__":
    main()
