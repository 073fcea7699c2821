"""What the benchmarks print about the machine: cores, load, parallel capacity, versions.

The machine may be shared, so every figure is printed with the load at the
time and the parallel capacity measured in the same run: the time of a fixed
CPU-bound task in one process against the same task in two processes at once.
"""

from __future__ import annotations

import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor


def spin(n: int) -> int:
    """A fixed amount of pure-Python work."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def parallel_capacity(workers: int = 2, n: int = 3_000_000) -> float:
    """How many times one process's work ``workers`` processes get done in its time."""
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(spin, [1000] * workers))  # start the workers first
        start = time.perf_counter()
        spin(n)
        one = time.perf_counter() - start
        start = time.perf_counter()
        list(pool.map(spin, [n] * workers))
        many = time.perf_counter() - start
    return workers * one / many


def describe(capacity: bool = True) -> str:
    """One line: machine, cores, load average, parallel capacity, Python."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    parts = [f"{platform.machine()}, {os.cpu_count()} cores, load average {load}"]
    if capacity:
        parts.append(f"parallel capacity with 2 processes {parallel_capacity():.2f}")
    parts.append(f"{platform.python_implementation()} {platform.python_version()}")
    return "machine: " + "; ".join(parts)
