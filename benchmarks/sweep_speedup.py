"""Speed-up of a sweep with several worker processes over one.

Runs the same sweep of the flagship scenario -- a 2 x 2 grid over the PLA Il-76
fleet and the transfer capacity at Zabaykalsk -- once in this process alone and
once with ``--workers W``, alternately, and prints the best time of each and
the speed-up.  Each time
covers the whole sweep: loading and checking every point, running the
replications, and writing the folder.  The two summaries must be identical.

Before that it measures how much parallel capacity the machine offers right
now: the time of a fixed CPU-bound task in one process against the same task in
W processes at once.  On a machine busy with other work that capacity, not the
sweep, bounds the speed-up.

Usage: python benchmarks/sweep_speedup.py [--replications R] [--workers W] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from machine import parallel_capacity

from simulator.experiment.executors import Executor, InProcess, ProcessPool
from simulator.experiment.store import SUMMARY
from simulator.experiment.sweep import Request, execute, plan, read_runs, start

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"
VARY = ("fleets.pla_il76.count=2,8", "nodes.manzhouli.limits.transfer_capacity=2,4")


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
        execute(sweep, folder, executor, read_runs(folder, sweep.seeds, len(sweep.points)))
    wall, cpu = time.perf_counter() - begin, cpu_seconds() - cpu
    return wall, cpu, (folder / SUMMARY).read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=120, help="per point")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many of each")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"parallel capacity now with {args.workers} processes: "
          f"{parallel_capacity(args.workers):.2f}")  # fmt: skip
    print(f"sweep: 4 points x {args.replications} replications of {FLAGSHIP.name}")
    serial: list[tuple[float, float]] = []
    parallel: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as root:
        for _ in range(args.repeat):
            # Alternate, so that a slower spell of the machine hits both alike.
            wall, cpu, one = timed_sweep(args.replications, InProcess(), Path(root))
            serial.append((wall, cpu))
            pool = ProcessPool(args.workers)
            wall, cpu, many = timed_sweep(args.replications, pool, Path(root))
            parallel.append((wall, cpu))
            assert one == many, "the summaries differ"
    for label, runs in (("1 worker", serial), (f"{args.workers} workers", parallel)):
        best = min(runs)
        print(f"{label}: {best[0]:.2f} s, {best[1]:.2f} s CPU in all processes "
              f"(all runs: {', '.join(f'{wall:.2f}' for wall, _ in runs)} s)")  # fmt: skip
    print(f"speed-up (best against best): {min(serial)[0] / min(parallel)[0]:.2f}")
    # What the machine would allow with every core free for the sweep: the extra
    # CPU time of the parallel run (worker start-up, shipping work and results,
    # contention) is what separates the speed-up from the number of workers.
    extra = min(parallel)[1] - min(serial)[1]
    bound = args.workers * min(serial)[0] / min(parallel)[1]
    print(f"extra CPU time with {args.workers} workers: {extra:.2f} s; "
          f"speed-up on {args.workers} free cores at most {bound:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
