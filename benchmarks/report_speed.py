"""Build time of ``tabletop report`` on the flagship, against ``tabletop validate``.

The flagship is run once into a temporary folder; then ``tabletop report`` on
that run and ``tabletop validate`` on the scenario (the start-up every command
pays: Python, the package, the scenario) are timed in turns, interleaved so
that a busy machine slows both alike.  Prints the median of each, the median
of the per-round ratios, and the median report build time, the figure held
to at most 4 s.  Each report is a new page in the run folder (``report-N.html``),
so every build does the whole work.

Usage: python benchmarks/report_speed.py [--repeat N] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios/peace_mission_2007.yaml")
    args = parser.parse_args()
    tabletop = shutil.which("tabletop")
    base = [tabletop] if tabletop else [sys.executable, "-m", "simulator"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*base, "run", str(args.scenario), "--out", tmp], capture_output=True,
                       check=True)  # fmt: skip
        (run_dir,) = [p for p in Path(tmp).glob("*/*") if p.is_dir()]
        reports, validates, ratios = [], [], []
        for _ in range(args.repeat):
            report = seconds([*base, "report", str(run_dir)])
            validate = seconds([*base, "validate", str(args.scenario)])
            reports.append(report)
            validates.append(validate)
            ratios.append(report / validate)
    print(f"tabletop validate: {statistics.median(validates):.2f} s (median of {args.repeat})")
    print(f"tabletop report:   {statistics.median(reports):.2f} s (median of {args.repeat})")
    print(f"ratio report / validate: {statistics.median(ratios):.2f} (median of ratios)")


if __name__ == "__main__":
    main()
