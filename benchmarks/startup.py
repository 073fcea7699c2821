"""Start-up time of ``tabletop --help`` against a bare ``python -c pass``.

Heavy libraries (pydantic, numpy, networkx, simpy) are imported only by the
commands that use them; this prints the median of several starts of each and
their ratio.

Usage: python benchmarks/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from machine import installed_env


def median_seconds(command: list[str], repeat: int) -> float:
    times = []
    subprocess.run(command, capture_output=True, check=True, env=installed_env())  # untimed
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=installed_env())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    tabletop = shutil.which("tabletop")
    command = [tabletop, "--help"] if tabletop else [sys.executable, "-m", "simulator", "--help"]
    bare = median_seconds([sys.executable, "-c", "pass"], args.repeat)
    cli = median_seconds(command, args.repeat)
    print(f"python -c pass: {bare * 1000:.0f} ms")
    print(f"tabletop --help: {cli * 1000:.0f} ms")
    print(f"ratio: {cli / bare:.2f}")


if __name__ == "__main__":
    main()
