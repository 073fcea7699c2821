"""CPU of one ``tabletop run`` of the flagship against importing its libraries.

Times, in turns and ``--repeat`` times, the CPU of
``python -m simulator run FLAGSHIP --no-save`` and of
``python -c "import numpy, pydantic, yaml, simpy"`` (the floor any run of the
model pays), and prints the median of the pair ratios. It also times parsing
the scenario's YAML on its own (in a process that has imported the parser
already) and gives the ratio with that part taken out, and times the same
imports followed by importing the scenario format (its pydantic model classes
built), the least any run that reads a scenario pays.

Usage: python benchmarks/single_run.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from machine import describe, installed_env

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = "scenarios/peace_mission_2007.yaml"
IMPORTS = "import numpy, pydantic, yaml, simpy"
FORMAT = f"{IMPORTS}; import simulator.scenario.models"
PARSE = (
    "import time\n"
    "from simulator.scenario.yamlio import load_yaml_file\n"
    "start = time.process_time()\n"
    f"load_yaml_file({FLAGSHIP!r})\n"
    "print(time.process_time() - start)\n"
)


def cpu_of(command: list[str]) -> tuple[float, str]:
    """CPU seconds of a child process, and its standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=True, text=True,
                          env=installed_env())  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(describe(capacity=False))
    run = [sys.executable, "-m", "simulator", "run", FLAGSHIP, "--no-save"]
    floor = [sys.executable, "-c", IMPORTS]
    schema = [sys.executable, "-c", FORMAT]
    for command in (run, floor, schema):
        cpu_of(command)  # untimed: fills the bytecode cache
    ratios, bare, parse, runs, formats = [], [], [], [], []
    for n in range(args.repeat):
        pair = {}
        for name, command in (("run", run), ("floor", floor))[:: 1 if n % 2 else -1]:
            pair[name] = cpu_of(command)[0]
        parse.append(float(cpu_of([sys.executable, "-c", PARSE])[1]))
        formats.append(cpu_of(schema)[0] / pair["floor"])
        ratios.append(pair["run"] / pair["floor"])
        bare.append((pair["run"] - parse[-1]) / pair["floor"])
        runs.append(pair["run"])
        floor_cpu = pair["floor"]
    print(f"tabletop run: {statistics.median(runs):.3f} s CPU; {IMPORTS!r}: {floor_cpu:.3f} s "
          f"(last); parsing the YAML alone: {statistics.median(parse):.3f} s")  # fmt: skip
    print(f"ratio run / imports, median of {args.repeat} pairs: {statistics.median(ratios):.2f}; "
          f"without the YAML parse: {statistics.median(bare):.2f}")  # fmt: skip
    print(f"the imports and the scenario format's classes / imports: "
          f"{statistics.median(formats):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
