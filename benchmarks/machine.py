"""What the benchmarks print about the machine: cores, load, parallel capacity, versions.

The machine may be shared, so every figure is printed with the load at the
time and the parallel capacity measured in the same run: the time of a fixed
CPU-bound task in one process against the same task in two processes at once.
"""

from __future__ import annotations

import atexit
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def spin(n: int) -> int:
    """A fixed amount of pure-Python work."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def parallel_capacity(
    workers: int = 2,
    n: int = 3_000_000,
    trials: int = 3,
    task: Callable[[int], object] = spin,
    warm: int = 1000,
) -> float:
    """How many times one process's work ``workers`` processes get done in its time.

    The median over ``trials`` of one process's time for ``task(n)`` against
    ``workers`` processes each doing the same at once, timed in turn: one trial
    alone swings with the machine's other work. ``task(warm)`` runs first in
    every process, untimed. The default task, :func:`spin`, barely touches
    memory; a task that does (a replication) also meets the caches and memory
    bandwidth the cores share.
    """
    ratios = []
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(task, [warm] * workers))  # start the workers first
        task(warm)
        for _ in range(trials):
            start = time.perf_counter()
            task(n)
            one = time.perf_counter() - start
            start = time.perf_counter()
            list(pool.map(task, [n] * workers))
            many = time.perf_counter() - start
            ratios.append(workers * one / many)
    return statistics.median(ratios)


def describe(capacity: bool = True) -> str:
    """One line: machine, cores, load average, parallel capacity, Python."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    parts = [f"{platform.machine()}, {os.cpu_count()} cores, load average {load}"]
    if capacity:
        parts.append(f"parallel capacity with 2 processes {parallel_capacity():.2f}")
    parts.append(f"{platform.python_implementation()} {platform.python_version()}")
    return "machine: " + "; ".join(parts)


_BYTECODE: str | None = None


def installed_env() -> dict[str, str]:
    """The environment for a timed child process: Python's bytecode cache on.

    An installed package ships its compiled bytecode, and the libraries the
    floor imports have theirs. Where ``PYTHONDONTWRITEBYTECODE`` is set (as on
    some build machines), a checkout would otherwise be compiled from source
    in every run while the libraries are not, which is not what a user meets.
    The cache goes to a temporary folder of this benchmark run, removed at exit;
    run each command once untimed to fill it.
    """
    global _BYTECODE
    if _BYTECODE is None:
        _BYTECODE = tempfile.mkdtemp(prefix="tabletop-bytecode-")
        atexit.register(shutil.rmtree, _BYTECODE, True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _BYTECODE
    return env
