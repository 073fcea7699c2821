"""Speed-up of a sweep with two worker processes over one, against the machine's capacity.

Runs the same sweep of the flagship scenario -- a 2 x 2 x 2 grid over the PLA
Il-76 fleet and the two fleets of Chinese and Russian train sets, 8 points --
in this process alone and with ``--workers W``, in turns, ``--pairs`` times.
Each time covers the whole sweep: planning every point, running the
replications, and writing the folder; the two summaries must be identical.

Beside each pair it measures the machine's parallel capacity at that moment:
the time of a fixed CPU-bound task in one process against the same task in W
processes at once (W on an idle machine with W free cores). On a machine busy
with other work that capacity, not the sweep, bounds the speed-up, so the
figure to read is the speed-up as a share of the capacity, per pair; the
median of the pairs is printed. The capacity is measured twice: with a task
that spins in pure Python and barely touches memory (the yardstick of the
target), and with replications of the flagship, which also meet the caches
and memory bandwidth the cores share. Against the second, the share is what
the sweep's own overheads leave (planning in one process, shipping work,
waiting for the last batch).

Usage: python benchmarks/sweep_speedup.py [--replications R] [--workers W] [--pairs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from machine import describe, installed_env, parallel_capacity

from simulator.experiment.executors import Executor, InProcess, ProcessPool
from simulator.experiment.store import SUMMARY
from simulator.experiment.sweep import Request, execute, plan, read_runs, start
from simulator.loading import load_scenario
from simulator.scenario.models import Scenario

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"
VARY = (
    "fleets.pla_il76.count=2,8",
    "fleets.cn_trains_korla.count=1,2",
    "fleets.ru_trains_zabaykalsk.count=2,4",
)


_SCENARIO: list[Scenario] = []


def replicate(count: int) -> None:
    """``count`` replications of the flagship, outputs included (a capacity task)."""
    from simulator.experiment.replicate import outputs

    if not _SCENARIO:
        _SCENARIO.append(load_scenario(FLAGSHIP).scenario)
    for seed in range(count):
        outputs(_SCENARIO[0], seed)


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_sweep(replications: int, executor: Executor, root: Path) -> tuple[float, float, bytes]:
    """Run the sweep from scratch, as the command does.

    Returns:
        Wall time, CPU time (all processes) and the summary file.
    """
    begin, cpu = time.perf_counter(), cpu_seconds()
    with executor:  # entered first, as in the command: workers start while planning
        sweep = plan(Request(FLAGSHIP, vary=VARY, replications=replications))
        folder = start(sweep, root, ["benchmark"], dt.datetime.now(dt.UTC))
        execute(sweep, folder, executor, read_runs(folder, sweep.expected))
    wall, cpu = time.perf_counter() - begin, cpu_seconds() - cpu
    return wall, cpu, (folder / SUMMARY).read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40, help="per point")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    # Worker processes import the package as an installed one would: from bytecode.
    os.environ.clear()
    os.environ.update(installed_env())
    print(describe(capacity=False))
    print(f"sweep: 8 points x {args.replications} replications of {FLAGSHIP.name}")
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for pair in range(args.pairs):
            capacity = parallel_capacity(args.workers)
            # The same, with replications of the flagship as the work.
            work = parallel_capacity(args.workers, n=40, task=replicate, warm=2)
            times = {}
            # In turns, so that a slower spell of the machine hits both alike.
            for who in ("one", "many") if pair % 2 == 0 else ("many", "one"):
                executor = InProcess() if who == "one" else ProcessPool(args.workers)
                times[who] = timed_sweep(args.replications, executor, Path(root))
            assert times["one"][2] == times["many"][2], "the summaries differ"
            speedup = times["one"][0] / times["many"][0]
            rows.append((speedup, capacity, speedup / capacity, work, speedup / work))
            print(f"pair {pair + 1}: 1 worker {times['one'][0]:.2f} s "
                  f"({times['one'][1]:.2f} s CPU), {args.workers} workers "
                  f"{times['many'][0]:.2f} s ({times['many'][1]:.2f} s CPU in all processes); "
                  f"speed-up {speedup:.2f}; parallel capacity {capacity:.2f}, share "
                  f"{speedup / capacity:.2f}; capacity for replications {work:.2f}, share "
                  f"{speedup / work:.2f}; summaries identical")  # fmt: skip
    speedup, capacity, share, work, work_share = (
        statistics.median(column) for column in zip(*rows, strict=True)
    )
    print(f"median of {args.pairs} pairs: speed-up {speedup:.2f}, "
          f"parallel capacity {capacity:.2f}, speed-up / capacity {share:.2f}; "
          f"capacity for replications {work:.2f}, speed-up / that capacity "
          f"{work_share:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
