"""A sweep's folder: its design, its runs as they finish, and its results.

Layout of ``<out>/<scenario>/sweep-<YYYYMMDDTHHMMSSZ>-seed<S>/`` (a new folder
for every sweep; if the name is taken, ``-2``, ``-3``, ... is appended):

``design.json``  everything needed to run or resume the sweep: the scenario
                 file(s) and their SHA-256, the ``--set`` overrides, the design
                 points with their assignments, replications, seed, outputs,
                 tabletop version, command line and start time.  Written
                 atomically before any job runs.
``runs.jsonl``   one line per finished replication,
                 ``{"point": i, "replication": r, "seed": s, "outputs": {...}}``,
                 appended, flushed and synced to disk as results arrive, in
                 whatever order they finish.
``summary.json`` the statistics of every design point (written at the end).
``points.csv``   the same, one row per design point (written at the end).

A kill can interrupt ``runs.jsonl`` only in its last line; that line is dropped
when the folder is read again (and cut off before anything is appended), and a
(point, replication) found twice counts once.  ``summary.json`` holds no times or
paths, so a resumed sweep ends with exactly the file an uninterrupted one writes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from simulator.experiment.executors import Run
from simulator.report.files import new_run_dir, write_atomic
from simulator.scenario.errors import Problem, ScenarioError

__all__ = [
    "DESIGN",
    "POINTS",
    "RUNS",
    "SUMMARY",
    "RunLog",
    "Stored",
    "dumps",
    "new_sweep_dir",
    "read_design",
    "read_runs",
    "write_json",
]

DESIGN = "design.json"
RUNS = "runs.jsonl"
SUMMARY = "summary.json"
POINTS = "points.csv"


def dumps(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as canonical JSON, atomically."""
    write_atomic(path, dumps(data))


def new_sweep_dir(root: Path, scenario: str, seed: int, now: dt.datetime) -> Path:
    """Create a fresh folder ``root/<scenario>/sweep-<UTC time>-seed<seed>``.

    Args:
        root: Results root; created if missing.
        scenario: Scenario name (made safe as a folder name).
        seed: The sweep's seed.
        now: The sweep's start time (naive means UTC).

    Returns:
        The new, empty folder; an existing folder is never reused.

    Raises:
        FileExistsError: If no free name is found after many attempts.
    """
    return new_run_dir(root, scenario, seed, now, prefix="sweep-")


def _resume_error(folder: Path, message: str) -> ScenarioError:
    return ScenarioError(Problem("--resume", None, "", f"{folder}: {message}"))


def read_design(folder: Path) -> dict[str, Any]:
    """Read a sweep folder's ``design.json``.

    Args:
        folder: The sweep folder.

    Returns:
        The design as written.

    Raises:
        ScenarioError: If the folder or the file is missing or unreadable; the
            problem's file is ``--resume``.
    """
    path = folder / DESIGN
    if not folder.is_dir():
        raise _resume_error(folder, "no such folder")
    if not path.is_file():
        raise _resume_error(folder, f"no {DESIGN}: not a sweep folder (or it never started)")
    try:
        design = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _resume_error(folder, f"cannot read {DESIGN}: {error}") from None
    if not isinstance(design, dict) or design.get("kind") != "tabletop-sweep":
        raise _resume_error(folder, f"{DESIGN} does not describe a tabletop sweep")
    return design


@dataclass(frozen=True)
class Stored:
    """What ``runs.jsonl`` holds.

    Attributes:
        runs: Runs by (point, replication), the first line of each kept.
        lines: Complete, valid lines read (duplicates included).
        valid_bytes: Length of the file up to the end of its last valid line.
    """

    runs: dict[tuple[int, int], Run]
    lines: int
    valid_bytes: int


def _parse_run(line: bytes, seeds: Sequence[int], points: int) -> Run:
    """Read one line of ``runs.jsonl``, checking it belongs to this design."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    point, replication, seed, outputs = (
        data.get(key) for key in ("point", "replication", "seed", "outputs")
    )
    if not isinstance(point, int) or not 0 <= point < points:
        raise ValueError(f"point {point!r} is not in the design")
    if not isinstance(replication, int) or not 0 <= replication < len(seeds):
        raise ValueError(f"replication {replication!r} is not in the design")
    if seed != seeds[replication]:
        raise ValueError(f"seed {seed!r} is not replication {replication}'s")
    if not isinstance(outputs, dict) or not all(
        isinstance(v, int | float | None) and not isinstance(v, bool) for v in outputs.values()
    ):
        raise ValueError("outputs are not a mapping of numbers")
    return Run(point, replication, seed, {str(k): v for k, v in outputs.items()})


def read_runs(folder: Path, seeds: Sequence[int], points: int) -> Stored:
    """Read the runs finished so far.

    The last line may have been cut short by a kill; it is ignored.  A damaged
    line anywhere else means the file is not what the sweep wrote: refused.

    Args:
        folder: The sweep folder.
        seeds: The seed of every replication, by index.
        points: Number of design points.

    Returns:
        The runs found (a missing file is no runs).

    Raises:
        ScenarioError: On a damaged line before the last.
    """
    try:
        content = (folder / RUNS).read_bytes()
    except FileNotFoundError:
        return Stored({}, 0, 0)
    lines = content.split(b"\n")
    runs: dict[tuple[int, int], Run] = {}
    offset = valid = count = 0
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        end = offset + len(line) + (0 if last else 1)
        if line.strip():
            try:
                run = _parse_run(line, seeds, points)
            except (ValueError, UnicodeDecodeError) as error:
                if last or (number == len(lines) - 1 and not lines[-1]):
                    break  # a line cut short by a kill: drop it
                raise _resume_error(folder, f"{RUNS}:{number}: {error}") from None
            if last:
                break  # complete JSON but no newline: not known to be whole
            runs.setdefault((run.point, run.replication), run)
            count += 1
        valid = end
        offset = end
    return Stored(runs, count, valid)


class RunLog:
    """``runs.jsonl``, opened for appending finished runs safely.

    Args:
        folder: The sweep folder.
        valid_bytes: Cut the file to this length first (dropping a damaged tail).
    """

    def __init__(self, folder: Path, valid_bytes: int = 0) -> None:
        """Open (creating if needed) and cut the file to ``valid_bytes``."""
        path = folder / RUNS
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        self._file: BinaryIO = os.fdopen(fd, "r+b")
        self._file.truncate(valid_bytes)
        self._file.seek(valid_bytes)

    def append(self, runs: Iterable[Run]) -> None:
        """Append runs, one line each, and make sure they are on disk."""
        text = "".join(json.dumps(run.record(), ensure_ascii=False) + "\n" for run in runs)
        self._file.write(text.encode("utf-8"))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> RunLog:
        """Use as a context manager."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the file."""
        self.close()
