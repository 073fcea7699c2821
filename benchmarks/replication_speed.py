"""Replications per second of a scenario, and the model's overhead over bare SimPy.

Prints, from one run on this machine:
  * replications per second of the scenario (one core);
  * simulated events per second of the model (records written per second of
    wall time) against bare SimPy timeouts per second in the same process,
    and their ratio (the model's speed relative to the engine's floor).

Usage: python benchmarks/replication_speed.py [SCENARIO] [--seconds S]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import simpy

from simulator.model.world import run_replication
from simulator.scenario.load import load_scenario

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario).scenario
    run_replication(scenario, 0)  # warm up
    runs = events = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        result = run_replication(scenario, runs)
        events += len(result.events)
        runs += 1
    elapsed = time.perf_counter() - start
    model_eps = events / elapsed
    bare_eps = bare_simpy_timeouts_per_second(args.seconds)
    print(f"machine: {platform.machine()} {platform.python_implementation()} "
          f"{platform.python_version()}")  # fmt: skip
    print(f"scenario: {scenario.name}: {len(result.events)} events per replication")
    print(f"replications per second: {runs / elapsed:.1f}")
    print(f"model events per second: {model_eps:,.0f}")
    print(f"bare SimPy timeouts per second: {bare_eps:,.0f}")
    print(f"ratio model / bare SimPy: {model_eps / bare_eps:.3f}")


if __name__ == "__main__":
    main()
