"""A sweep's folder: its design, its runs as they finish, and its results.

Layout of ``<out>/<scenario>/sweep-<YYYYMMDDTHHMMSSZ>-seed<S>/`` (a new folder
for every sweep; if the name is taken, ``-2``, ``-3``, ... is appended):

``design.json``  everything needed to run or resume the sweep: the scenario
                 file(s) and their SHA-256, the ``--set`` overrides, the design
                 points with their assignments, replications, seed, outputs,
                 tabletop version, command line and start time.  Written
                 atomically before any job runs.
``runs.jsonl``   one line per finished replication,
                 ``{"point": i, "replication": r, "seed": s, "outputs": {...},
                 "check": c}``, appended, flushed and synced to disk as results
                 arrive, in whatever order they finish.  ``check`` binds the
                 line to the sweep's design (:func:`line_check`), so a line
                 edited by hand, or copied from another sweep, is refused.
``.lock``        held (``flock``) by the one process running the sweep, so a
                 second ``--resume`` at the same time is refused.
``summary.json`` the statistics of every design point (written at the end).
``points.csv``   the same, one row per design point (written at the end).

A kill can interrupt ``runs.jsonl`` only in its last line; that line is dropped
when the folder is read again (and cut off before anything is appended), and a
(point, replication) found twice counts once.  Every other line read back is
checked: its type, its point and replication, its seed, its set of outputs,
finite numbers and its ``check``.  ``runs.jsonl`` and ``.lock`` are never
opened through a symbolic link, and runs are only ever appended.  ``summary.json`` holds no times or
paths, so a resumed sweep ends with exactly the file an uninterrupted one writes.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import math
import os
from collections.abc import Iterable
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
    "Expected",
    "RunLog",
    "Stored",
    "SweepLock",
    "dumps",
    "line_check",
    "new_sweep_dir",
    "read_design",
    "read_runs",
    "write_json",
]

DESIGN = "design.json"
RUNS = "runs.jsonl"
LOCK = ".lock"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
SUMMARY = "summary.json"
POINTS = "points.csv"


def dumps(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as canonical JSON, atomically."""
    write_atomic(path, dumps(data))


def new_sweep_dir(
    root: Path, scenario: str, seed: int, now: dt.datetime, prefix: str = "sweep-"
) -> Path:
    """Create a fresh folder ``root/<scenario>/<prefix><UTC time>-seed<seed>``.

    Args:
        root: Results root; created if missing.
        scenario: Scenario name (made safe as a folder name).
        seed: The sweep's seed.
        now: The sweep's start time (naive means UTC).
        prefix: Names the kind of experiment (``sweep-``, ``sensitivity-``).

    Returns:
        The new, empty folder; an existing folder is never reused.

    Raises:
        FileExistsError: If no free name is found after many attempts.
    """
    return new_run_dir(root, scenario, seed, now, prefix=prefix)


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


@dataclass(frozen=True)
class Expected:
    """What every line of a sweep's ``runs.jsonl`` must agree with.

    Attributes:
        seeds: The seed of every replication, by index.
        points: Number of design points.
        outputs: The output keys every run records (among others).
        key: The sweep's identity (see :func:`line_check`).
    """

    seeds: tuple[int, ...]
    points: int
    outputs: tuple[str, ...]
    key: str


def line_check(key: str, record: dict[str, Any]) -> str:
    """A short digest binding one run's record to the sweep ``key`` it belongs to."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(f"{key}\n{text}".encode()).hexdigest()[:24]


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a run can produce")


def _parse_run(line: bytes, expected: Expected) -> Run:
    """Read one line of ``runs.jsonl``, checking it belongs to this design."""
    data = json.loads(line, parse_constant=_refuse_constant)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if set(data) != {"point", "replication", "seed", "outputs", "check"}:
        raise ValueError("not a run: its keys are " + ", ".join(sorted(map(str, data))))
    point, replication, seed, outputs, check = (
        data[key] for key in ("point", "replication", "seed", "outputs", "check")
    )
    if type(point) is not int or not 0 <= point < expected.points:
        raise ValueError(f"point {point!r} is not in the design")
    if type(replication) is not int or not 0 <= replication < len(expected.seeds):
        raise ValueError(f"replication {replication!r} is not in the design")
    if seed != expected.seeds[replication] or type(seed) is not int:
        raise ValueError(f"seed {seed!r} is not replication {replication}'s")
    if not isinstance(outputs, dict) or not set(expected.outputs) <= set(outputs):
        raise ValueError("its outputs lack some of the sweep's outputs")
    for name, value in outputs.items():
        if value is not None and (type(value) not in (int, float) or not math.isfinite(value)):
            raise ValueError(f"output {name!r} is {value!r}, not a finite number or null")
    run = Run(point, replication, seed, {str(k): v for k, v in outputs.items()})
    if check != line_check(expected.key, run.record()):
        raise ValueError("its check does not match: the line was changed after it was written")
    return run


def _open_nofollow(path: Path, flags: int) -> int:
    """Open ``path`` without following a symbolic link at its last step."""
    try:
        return os.open(path, flags | _NOFOLLOW | _BINARY, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ScenarioError(
                Problem("--resume", None, "", f"{path}: is a symbolic link; a sweep's files "
                        "are never written through a link")
            ) from None  # fmt: skip
        raise


def read_runs(folder: Path, expected: Expected) -> Stored:
    """Read the runs finished so far.

    The last line may have been cut short by a kill; it is ignored.  A damaged
    line anywhere else means the file is not what the sweep wrote: refused.

    Args:
        folder: The sweep folder.
        expected: What every line must agree with.

    Returns:
        The runs found (a missing file is no runs).

    Raises:
        ScenarioError: On a damaged or foreign line before the last, or if the
            file is a symbolic link.
    """
    try:
        fd = _open_nofollow(folder / RUNS, os.O_RDONLY)
    except FileNotFoundError:
        return Stored({}, 0, 0)
    with os.fdopen(fd, "rb") as handle:
        content = handle.read()
    lines = content.split(b"\n")
    runs: dict[tuple[int, int], Run] = {}
    offset = valid = count = 0
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        end = offset + len(line) + (0 if last else 1)
        if line.strip():
            try:
                run = _parse_run(line, expected)
            except (ValueError, UnicodeDecodeError, RecursionError) as error:
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

    The file is opened for appending only (``O_APPEND``), never through a
    symbolic link; every line carries its :func:`line_check`.

    Args:
        folder: The sweep folder.
        key: The sweep's identity, for each line's check.
        valid_bytes: Cut the file to this length first (dropping a damaged tail);
            ``None`` leaves it as it is.
    """

    def __init__(self, folder: Path, key: str, valid_bytes: int | None = None) -> None:
        """Open (creating if needed) and cut the file to ``valid_bytes``."""
        fd = _open_nofollow(folder / RUNS, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self._file: BinaryIO = os.fdopen(fd, "ab")
        self._key = key
        if valid_bytes is not None:
            self._file.truncate(valid_bytes)

    def append(self, runs: Iterable[Run]) -> None:
        """Append runs, one line each, and make sure they are on disk."""
        lines = []
        for run in runs:
            record = run.record()
            record["check"] = line_check(self._key, record)
            lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        self._file.write("".join(lines).encode("utf-8"))
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


class SweepLock:
    """The exclusive right to run a sweep folder, held from reading it to its summary.

    A second process that asks for it while it is held is refused at once with
    a message saying which process holds it.  The lock is the operating
    system's (``flock``), so it goes with the process that held it, however
    that process ends.

    Args:
        folder: The sweep folder.
    """

    def __init__(self, folder: Path) -> None:
        self._path = folder / LOCK
        self._fd: int | None = None

    def __enter__(self) -> SweepLock:
        """Take the lock, or raise :class:`ScenarioError` if another process has it."""
        import fcntl

        fd = _open_nofollow(self._path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "another process"
            os.close(fd)
            raise ScenarioError(
                Problem("--resume", None, "", f"{self._path.parent}: the sweep is being run "
                        f"by process {holder}; wait for it to end, then resume")
            ) from None  # fmt: skip
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd
        return self

    def __exit__(self, *_: object) -> None:
        """Release the lock."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
