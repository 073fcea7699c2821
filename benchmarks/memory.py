"""Peak memory of ``tabletop run FLAGSHIP --replications N --out DIR`` at several N.

Each command runs in a child process of its own, ``python -m simulator run``
from this checkout's folder (and, with ``--base-dir``, from a base checkout's,
e.g. ``git archive`` of the base commit unpacked in /tmp, with ``--base-python``);
its peak resident set size is the child's ``ru_maxrss`` as ``os.wait4``
reports it. The runs are saved to a temporary folder, removed at the end. The
figures are printed; nothing is asserted.

Usage: python benchmarks/memory.py [--replications 100,1000,10000]
           [--base-dir DIR --base-python PYTHON]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe, installed_env

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = "scenarios/peace_mission_2007.yaml"


def peak(python: str, root: Path, replications: int, out: Path) -> tuple[float, float, int]:
    """Peak RSS in MB, wall seconds, and the size of ``replications.jsonl`` in bytes."""
    command = [python, "-m", "simulator", "run", FLAGSHIP, "--replications", str(replications),
               "--format", "json", "--out", str(out)]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=root, stdout=subprocess.DEVNULL, stderr=errors, env=installed_env()
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(command)} failed:\n{errors.read().decode(errors='replace')}")
    (log,) = out.glob("*/*/replications.jsonl")
    size = log.stat().st_size
    log.unlink()  # the next run's log is the only one found
    return usage.ru_maxrss / 1024, wall, size  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", default="100,1000,10000", help="N values, by commas")
    parser.add_argument("--base-dir", type=Path, default=None)
    parser.add_argument("--base-python", default=None)
    args = parser.parse_args()
    counts = [int(text) for text in args.replications.split(",")]
    sides = [("this", sys.executable, ROOT)]
    if args.base_dir is not None:
        sides.append(("base", args.base_python or sys.executable, args.base_dir.resolve()))
    print(describe(capacity=False))
    with tempfile.TemporaryDirectory(prefix="tabletop-memory-") as folder:
        for _, python, root in sides:  # once untimed, to fill the bytecode cache
            peak(python, root, 1, Path(folder) / "warm")
        for count in counts:
            for name, python, root in sides:
                rss, wall, size = peak(python, root, count, Path(folder) / f"{name}-{count}")
                print(
                    f"{name}: {count} replications: peak RSS {rss:.1f} MB "
                    f"({wall:.0f} s; replications.jsonl {size / 1e6:.1f} MB)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
