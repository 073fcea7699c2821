"""Digests of everything a run produces, to check that a speed-up changes no result.

Writes one line per item, ``<key> <sha256>``: the records (as ``events.jsonl``
writes them) and the summary of single runs of several scenarios and seeds,
the ``run_many`` outputs and the replication summaries (JSON and table) of
several scenarios, and, with ``--tests``, the records of every replication
the tests run (the tiny hand-made scenarios), keyed by test. Run it before and
after a change and compare the two files: any line that differs is a changed
result.

Usage:
  python benchmarks/fingerprint.py OUT [--tests] [--replications N]
  python benchmarks/fingerprint.py --compare A B
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "scenarios/peace_mission_2007.yaml",
    "scenarios/variants/kazakhstan-transit.yaml",
    "scenarios/variants/paper-reading.yaml",
    "scenarios/peace_mission_2010.yaml",
    "scenarios/examples/one-train.yaml",
    "scenarios/examples/river-crossing.yaml",
]
SEEDS = [0, 1, 7, 12345, 2**62 + 3]
TEST_FILES = [
    # Test modules that run replications of hand-made scenarios (no hypothesis).
    "tests/test_exact_timings.py",
    "tests/test_line_capacity.py",
    "tests/test_operations.py",
    "tests/test_replan.py",
    "tests/test_uncertainty.py",
    "tests/test_closure.py",
    "tests/test_flagship.py",
    "tests/test_variants.py",
]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def records_text(events: object) -> str:
    return "".join(json.dumps(e.as_dict(), sort_keys=True) + "\n" for e in events)  # type: ignore[attr-defined]


def digests(replications: int) -> Iterator[tuple[str, str]]:
    from simulator.analysis.summary import summarize
    from simulator.experiment.replicate import run_many
    from simulator.loading import load_scenario
    from simulator.model.run import run_replication
    from simulator.report.replications import render_replications, replication_summary

    for path in SCENARIOS:
        loaded = load_scenario(ROOT / path)
        scenario = loaded.scenario
        for seed in SEEDS:
            result = run_replication(scenario, seed)
            yield f"{path}:seed{seed}:records", sha(records_text(result.events))
            yield f"{path}:seed{seed}:loads", sha(repr(sorted(result.loads.items())))
            summary = summarize(result, loaded.sha256)
            yield f"{path}:seed{seed}:summary", sha(json.dumps(summary, sort_keys=True))
        count = replications if path == SCENARIOS[0] else 20
        for seed in (0, 3):
            runs = run_many(scenario, seed, count)
            yield f"{path}:run_many{count}:seed{seed}", sha(json.dumps(runs, sort_keys=True))
            summary = replication_summary(scenario, seed, runs, loaded.sha256)
            for fmt in ("json", "table"):
                yield (
                    f"{path}:replications{count}:seed{seed}:{fmt}",
                    sha(render_replications(summary, fmt)),
                )


def test_digests() -> Iterator[tuple[str, str]]:
    """Run the test modules with a plugin that digests every replication they run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tests.txt"
        plugin_dir = Path(tmp) / "plugin"
        plugin_dir.mkdir()
        (plugin_dir / "fingerprint_plugin.py").write_text(PLUGIN.format(out=str(out)))
        # The plugin's folder first, then whatever path chose the code under test.
        env_path = os.pathsep.join(p for p in (str(plugin_dir), os.environ.get("PYTHONPATH")) if p)
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "fingerprint_plugin",
             "-p", "no:cacheprovider", "-p", "no:randomly", *TEST_FILES],
            cwd=ROOT, check=True, env={**_environ(), "PYTHONPATH": env_path},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for line in out.read_text().splitlines():
            key, digest = line.rsplit(" ", 1)
            yield key, digest


def _environ() -> dict[str, str]:
    return dict(os.environ)


PLUGIN = """
import hashlib, json, os
import simulator.model.run as run_module

_original = run_module.run_replication
_counts = {{}}
_lines = []
_current = ["?"]

def pytest_runtest_setup(item):
    _current[0] = item.nodeid

def _recording(scenario, seed=0):
    result = _original(scenario, seed)
    key = _current[0]
    n = _counts[key] = _counts.get(key, 0) + 1
    text = "".join(json.dumps(e.as_dict(), sort_keys=True) + "\\n" for e in result.events)
    _lines.append(f"test:{{key}}#{{n}} {{hashlib.sha256(text.encode()).hexdigest()}}")
    return result

run_module.run_replication = _recording

def pytest_unconfigure(config):
    with open({out!r}, "w") as f:
        f.write("".join(line + "\\n" for line in _lines))
"""


def compare(a: Path, b: Path) -> int:
    left = dict(line.rsplit(" ", 1) for line in a.read_text().splitlines())
    right = dict(line.rsplit(" ", 1) for line in b.read_text().splitlines())
    differ = [k for k in left if k in right and left[k] != right[k]]
    only = sorted(set(left) ^ set(right))
    for key in differ:
        print(f"DIFFERENT {key}")
    for key in only:
        print(f"ONLY IN ONE {key}")
    print(f"{len(left)} and {len(right)} items; {len(differ)} different, {len(only)} unmatched")
    return 1 if differ or only else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--tests", action="store_true", help="also digest the tests' runs")
    parser.add_argument("--replications", type=int, default=50)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.out is None:
        parser.error("OUT is required")
    lines = [f"{key} {digest}" for key, digest in digests(args.replications)]
    if args.tests:
        lines.extend(f"{key} {digest}" for key, digest in test_digests())
    args.out.write_text("".join(line + "\n" for line in lines))
    print(f"{len(lines)} digests written to {args.out}")


if __name__ == "__main__":
    main()
