"""Runtime against scenario size: the flagship's forces and fleets at 1x, 10x and 100x.

A synthetic theatre-scale scenario is made from the flagship by copying every
unit and every fleet k times (ids suffixed ``.2``, ``.3``, ...; each copy of a
unit uses the same copy of its fleets), on the same network and node limits;
operations and milestones are left out. Prints events per replication,
seconds per replication and microseconds per event at each size, and the
growth of time per event from 1x to 100x (linear growth in the number of
events means a ratio near 1).

Usage: python benchmarks/scaling.py [--sizes 1,10,100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from simulator.loading import load_scenario
from simulator.model.run import run_replication
from simulator.scenario.models import Scenario

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"


def scaled(base: Scenario, k: int) -> Scenario:
    """The base scenario with k copies of every unit and fleet."""
    data: dict[str, Any] = base.model_dump()
    fleets, forces = [], []
    for copy in range(1, k + 1):
        tag = "" if copy == 1 else f".{copy}"
        for fleet in data["fleets"]:
            fleets.append({**fleet, "id": fleet["id"] + tag})
        for unit in data["forces"]:
            forces.append(
                {**unit, "id": unit["id"] + tag, "fleets": [f + tag for f in unit["fleets"]]}
            )
    data.update(fleets=fleets, forces=forces, milestones=[], operations={})
    data["injects"] = [
        inj for inj in data["injects"] if inj["kind"] in ("hold", "policy", "weather")
    ]
    return Scenario.model_validate(data)


def measure(scenario: Scenario, seconds: float = 3.0) -> tuple[int, float]:
    """Events per replication and seconds per replication."""
    events = len(run_replication(scenario, 0).events)
    runs, start = 0, time.perf_counter()
    while runs < 2 or time.perf_counter() - start < seconds:
        run_replication(scenario, runs)
        runs += 1
    return events, (time.perf_counter() - start) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100")
    args = parser.parse_args()
    base = load_scenario(FLAGSHIP).scenario
    per_event = {}
    print("size  units  events/replication  s/replication  us/event")
    for k in (int(x) for x in args.sizes.split(",")):
        scenario = scaled(base, k)
        events, seconds = measure(scenario)
        per_event[k] = seconds / events * 1e6
        print(f"{k:>4}x {len(scenario.forces):>6} {events:>19,} {seconds:>14.3f} "
              f"{per_event[k]:>9.1f}")  # fmt: skip
    sizes = sorted(per_event)
    print(f"time per event, {sizes[-1]}x against {sizes[0]}x: "
          f"{per_event[sizes[-1]] / per_event[sizes[0]]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
