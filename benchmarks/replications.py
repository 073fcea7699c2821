"""1,000 flagship replications in one process against the same command at another commit.

Runs ``python -m simulator run FLAGSHIP --replications N --no-save --format json``
with this checkout and with a base checkout (its own directory and Python,
e.g. a ``git worktree`` of the base commit in /tmp with its own venv), in
turns, ``--pairs`` times. Each command is timed whole, start-up and analysis
included (wall time and CPU time of the child process); each pair gives a
ratio (this checkout's time / the base's) and the median of those is printed.
Every value the base prints must come out the same, to the last digit, in
this checkout's output (which may hold more: statistics added since, and a
higher ``schema_version``): a speed-up changes no result.

The base commit may not read today's flagship: fields added since (places'
``utc_offset_h`` and countries' ``iso``, which only the presentation reads, and
transport types' ``flying_window``) are unknown to it. With ``--compatible``
both checkouts run a copy of today's flagship without those fields, written
to a temporary folder; everything else in it runs as it stands.

Usage: python benchmarks/replications.py --base-dir DIR --base-python PYTHON
           [--replications N] [--pairs P] [--compatible]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from machine import describe, installed_env

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = "scenarios/peace_mission_2007.yaml"
NEWER_FIELDS = ("utc_offset_h", "iso", "flying_window")
"""Fields the base commit does not know (see the module's docstring)."""


def without_newer_fields(source: Path, target: Path) -> Path:
    """Write ``source`` without :data:`NEWER_FIELDS` to ``target``, and return it."""

    def strip(value: object) -> None:
        if isinstance(value, dict):
            for key in NEWER_FIELDS:
                value.pop(key, None)
            for item in value.values():
                strip(item)
        elif isinstance(value, list):
            for item in value:
                strip(item)

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    strip(data)
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def holds(this: object, base: object) -> bool:
    """Whether ``this`` output has every value of ``base``, equal, but ``schema_version``.

    Later commits added statistics (and raised ``schema_version`` for them); what
    the base computed must come out exactly the same.
    """
    if isinstance(base, dict):
        return isinstance(this, dict) and all(
            key == "schema_version" or (key in this and holds(this[key], value))
            for key, value in base.items()
        )
    return this == base and type(this) is type(base)


def timed(python: str, root: Path, scenario: str, replications: int) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one command, and its standard output."""
    command = [python, "-m", "simulator", "run", scenario, "--replications", str(replications),
               "--no-save", "--format", "json"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, check=True, env=installed_env())
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
    parser.add_argument(
        "--compatible",
        action="store_true",
        help="run a copy of the flagship without the fields the base lacks",
    )
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        scenario = FLAGSHIP
        if args.compatible:
            scenario = str(without_newer_fields(ROOT / FLAGSHIP, Path(tmp) / "flagship.yaml"))
        compare(args, scenario)


def compare(args: argparse.Namespace, scenario: str) -> None:
    """Time the pairs and print the ratios."""
    for python, root in ((sys.executable, ROOT), (args.base_python, args.base_dir)):
        timed(python, root, scenario, 1)  # untimed: fills the bytecode cache
    walls, cpus = [], []
    for pair in range(args.pairs):
        runs = {}
        order = ("base", "this") if pair % 2 == 0 else ("this", "base")
        for who in order:
            python, root = (sys.executable, ROOT) if who == "this" else (
                args.base_python, args.base_dir)  # fmt: skip
            runs[who] = timed(python, root, scenario, args.replications)
        if not holds(json.loads(runs["this"][2]), json.loads(runs["base"][2])):
            sys.exit("this checkout's outputs differ from the base's: this is not a speed-up")
        walls.append(runs["this"][0] / runs["base"][0])
        cpus.append(runs["this"][1] / runs["base"][1])
        this, base = runs["this"], runs["base"]
        print(f"pair {pair + 1}: this {this[0]:.2f} s ({this[1]:.2f} s CPU), "
              f"base {base[0]:.2f} s ({base[1]:.2f} s CPU); outputs the same")  # fmt: skip
    print(f"{args.replications} replications, this / base, median of {args.pairs} pairs: "
          f"wall {statistics.median(walls):.2f}, CPU {statistics.median(cpus):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
