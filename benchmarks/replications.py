"""1,000 flagship replications in one process against the same command at another commit.

Runs ``python -m simulator run FLAGSHIP --replications N --no-save --format json``
with this checkout and with a base checkout (its own directory and Python,
e.g. a ``git worktree`` of the base commit in /tmp with its own venv), in
turns, ``--pairs`` times. Each command is timed whole, start-up and analysis
included (wall time and CPU time of the child process); each pair gives a
ratio (this checkout's time / the base's) and the median of those is printed.
The two outputs must be byte-identical: a speed-up changes no result.

Usage: python benchmarks/replications.py --base-dir DIR --base-python PYTHON
           [--replications N] [--pairs P]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = "scenarios/peace_mission_2007.yaml"


def timed(python: str, root: Path, replications: int) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one command, and its standard output."""
    command = [python, "-m", "simulator", "run", FLAGSHIP, "--replications", str(replications),
               "--no-save", "--format", "json"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-dir", type=Path, required=True)
    parser.add_argument("--base-python", required=True)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    walls, cpus = [], []
    for pair in range(args.pairs):
        runs = {}
        order = ("base", "this") if pair % 2 == 0 else ("this", "base")
        for who in order:
            python, root = (sys.executable, ROOT) if who == "this" else (
                args.base_python, args.base_dir)  # fmt: skip
            runs[who] = timed(python, root, args.replications)
        if runs["this"][2] != runs["base"][2]:
            sys.exit("the outputs differ: this is not a speed-up")
        walls.append(runs["this"][0] / runs["base"][0])
        cpus.append(runs["this"][1] / runs["base"][1])
        this, base = runs["this"], runs["base"]
        print(f"pair {pair + 1}: this {this[0]:.2f} s ({this[1]:.2f} s CPU), "
              f"base {base[0]:.2f} s ({base[1]:.2f} s CPU); outputs identical")  # fmt: skip
    print(f"{args.replications} replications, this / base, median of {args.pairs} pairs: "
          f"wall {statistics.median(walls):.2f}, CPU {statistics.median(cpus):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
