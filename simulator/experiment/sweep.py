"""Parameter sweeps: replications of many variations of one scenario, side by side.

A sweep changes some scenario values (by dotted path, like ``--set``) over a
*design* -- a full grid or a Latin hypercube, see
:mod:`simulator.experiment.design` -- and runs the same replications at every
design point.  It answers questions such as "how much earlier does the force
close with eight aircraft instead of six, and how sure is that?".

**Common random numbers.**  Replication ``r`` uses the seed
``replication_seed(seed, r)`` at *every* point.  The points then differ only in
the values varied, not in their luck: a difference between two points is the
effect of the change, measured far more sharply than with independent seeds.

**Order independence.**  Jobs -- (point, replication, seed) -- may finish in any
order, in any process, on any machine; the results are always sorted by (point,
replication) before statistics are taken, and every job's random numbers depend
on its seed alone.  So the summary is byte for byte the same whichever executor
ran it and however often it was interrupted and resumed.

**Failing early.**  Every point's scenario is loaded and validated before
anything runs, so a bad path or value stops the sweep at once with the point
named.  One replication of the first point is run first to learn which outputs
exist (its result is kept as the first job).

The steps are :func:`plan` (or :func:`reopen` to resume), :func:`start` (new
folder and ``design.json``), :func:`read_runs` / :meth:`Sweep.missing`,
:func:`execute`, then :func:`render`.  The folder layout is described in
:mod:`simulator.experiment.store`.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import hashlib
import io
import json
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.analysis.outputs import is_share, is_sparse
from simulator.experiment.design import (
    Point,
    grid,
    latin_hypercube,
    parse_range,
    parse_vary,
)
from simulator.experiment.executors import Executor, Job, Run
from simulator.experiment.replicate import describe, outputs, proportion, replication_seed
from simulator.experiment.store import (
    DESIGN,
    POINTS,
    SUMMARY,
    Expected,
    RunLog,
    Stored,
    dumps,
    new_sweep_dir,
    read_design,
    read_runs,
    write_json,
)
from simulator.loading import Loaded, finish
from simulator.report.files import write_atomic
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.models import Scenario
from simulator.scenario.overrides import OVERRIDE_FILE
from simulator.scenario.variants import Composed, compose_scenario

__all__ = [
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SEED",
    "FORMATS",
    "Request",
    "Sweep",
    "execute",
    "load_points",
    "plan",
    "points_csv",
    "read_runs",
    "render",
    "reopen",
    "resolve_outputs",
    "start",
    "summarise",
]

DESIGN_FORMAT = 2
"""Version of ``design.json`` and ``runs.jsonl``; 2 added each line's ``check``."""

DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 0
FORMATS = ("table", "json", "csv", "markdown")

_DEFAULT_QUANTITY = "closure:all"
_PATTERN = set("*?[")


@dataclass(frozen=True)
class Request:
    """A sweep as asked for on the command line.

    For a new sweep, ``file`` and either ``vary`` or ``lhs`` with ``ranges`` are
    needed.  When resuming, every field may be left out (``None`` or empty);
    those given must match the sweep being resumed.

    Attributes:
        file: The scenario file.
        sets: ``--set`` overrides applied at every point.
        vary: ``--vary PATH=V1,V2,...`` options (a grid).
        ranges: ``--range PATH=LO:HI`` options (with ``lhs``).
        lhs: Number of Latin hypercube points.
        replications: Replications per point.
        seed: Base seed.
        outputs: Output keys (or ``fnmatch`` patterns); empty for the default.
    """

    file: Path | None = None
    sets: tuple[str, ...] = ()
    vary: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()
    lhs: int | None = None
    replications: int | None = None
    seed: int | None = None
    outputs: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        """The request as stored in ``design.json`` (defaults filled in)."""
        return {
            "file": None if self.file is None else str(self.file),
            "set": list(self.sets),
            "vary": list(self.vary),
            "range": list(self.ranges),
            "lhs": self.lhs,
            "replications": self.replications or DEFAULT_REPLICATIONS,
            "seed": DEFAULT_SEED if self.seed is None else self.seed,
            "output": list(self.outputs),
        }


@dataclass(frozen=True)
class Sweep:
    """A validated sweep, ready to run.

    Attributes:
        request: What was asked for.
        kind: ``"grid"`` or ``"lhs"``.
        loaded: The base scenario (``--set`` applied, no design values).
        points: The design points.
        scenarios: The validated scenario of every point.
        replications: Replications per point.
        seed: Base seed.
        seeds: The seed of each replication (the same at every point).
        outputs: Output keys summarised, in order.
        probe: Replication 0 of point 0, if it was run while planning.
    """

    request: Request
    kind: str
    loaded: Loaded
    points: tuple[Point, ...]
    scenarios: tuple[Scenario, ...]
    replications: int
    seed: int
    seeds: tuple[int, ...]
    outputs: tuple[str, ...]
    probe: Run | None = field(default=None, compare=False)

    @property
    def total(self) -> int:
        """Number of jobs in the sweep."""
        return len(self.points) * self.replications

    @property
    def compact(self) -> bool:
        """Whether the table shows only the main statistic of the default outputs."""
        return not self.request.outputs

    @property
    def key(self) -> str:
        """The sweep's identity: its version, scenario bytes, overrides, points, seeds, outputs.

        Two sweeps share a key only if they would compute the same runs.
        """
        identity = {
            "tabletop_version": __version__,
            "scenario_sha256": self.loaded.sha256,
            "set": list(self.request.sets),
            "points": [point.overrides() for point in self.points],
            "seeds": list(self.seeds),
            "outputs": list(self.outputs),
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    @property
    def expected(self) -> Expected:
        """What every line of the sweep's ``runs.jsonl`` must agree with."""
        return Expected(self.seeds, len(self.points), self.outputs, self.key)

    def jobs(self) -> list[Job]:
        """Every job, sorted by (point, replication)."""
        return [
            Job(point.index, r, self.seeds[r])
            for point in self.points
            for r in range(self.replications)
        ]

    def missing(self, stored: Stored) -> list[Job]:
        """The jobs not in ``stored`` yet, sorted by (point, replication)."""
        return [job for job in self.jobs() if (job.point, job.replication) not in stored.runs]

    def design(self, command: Sequence[str], now: dt.datetime) -> dict[str, Any]:
        """The contents of ``design.json``."""
        loaded = self.loaded
        return {
            "kind": "tabletop-sweep",
            "format": DESIGN_FORMAT,
            "tabletop_version": __version__,
            "python": platform.python_version(),
            "created": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": list(command),
            "scenario": loaded.scenario.name,
            "scenario_file": str(loaded.path),
            "scenario_path": str(loaded.path.resolve()),
            "scenario_files": [str(path) for path in loaded.files] or [str(loaded.path)],
            "scenario_files_sha256": list(loaded.file_sha256),
            "scenario_sha256": loaded.sha256,
            "request": self.request.record(),
            "design": self.kind,
            "parameters": _parameters(self.points),
            "points": [
                {"point": p.index, "assignments": p.overrides(), "params": p.params()}
                for p in self.points
            ],
            "replications": self.replications,
            "seed": self.seed,
            "seeds": list(self.seeds),
            "outputs": list(self.outputs),
        }


def _parameters(points: Sequence[Point]) -> list[str]:
    """The paths varied, in option order."""
    return [path for path, _ in points[0].assignments] if points else []


def _design_points(request: Request, seed: int) -> tuple[str, list[Point]]:
    """Build the design the request asks for (no scenario needed yet)."""
    if request.vary and (request.lhs is not None or request.ranges):
        option = "--lhs" if request.lhs is not None else "--range"
        raise ScenarioError(
            Problem(option, None, "", "cannot be combined with --vary: a sweep is either a "
                    "grid (--vary) or a Latin hypercube (--lhs N with --range)")
        )  # fmt: skip
    if request.vary:
        return "grid", grid([parse_vary(text) for text in request.vary])
    if request.lhs is not None:
        if not request.ranges:
            raise ScenarioError(
                Problem("--lhs", None, "", "needs at least one --range PATH=LO:HI to sample")
            )
        ranges = [parse_range(text) for text in request.ranges]
        return "lhs", latin_hypercube(ranges, request.lhs, seed)
    if request.ranges:
        raise ScenarioError(
            Problem("--range", None, "", "needs --lhs N, the number of points to sample")
        )
    raise ScenarioError(
        Problem("--vary", None, "", "nothing to sweep: give --vary PATH=V1,V2,... (a grid) or "
                "--lhs N with --range PATH=LO:HI (a Latin hypercube)")
    )  # fmt: skip


def load_points(
    composed: Composed, file: Path, sets: Sequence[str], points: Sequence[Point], option: str
) -> list[Scenario]:
    """Validate every point's scenario, stopping at the first bad one.

    The file was read and parsed once (``composed``); each point's overrides are
    applied to a copy of it, so every point runs on the same bytes.

    Problems with the design values are reported against ``option`` (``--vary``
    or ``--range``) rather than ``--set``, since the base scenario with the
    ``--set`` overrides alone has already loaded; every problem names the point.
    """
    scenarios = []
    for point in points:
        try:
            scenarios.append(finish(composed, [*sets, *point.overrides()], file).scenario)
        except ScenarioError as error:
            raise ScenarioError(
                Problem(
                    option if p.file == OVERRIDE_FILE else p.file,
                    p.line,
                    p.path,
                    f"{point.label()}: {p.message}",
                )
                for p in error.problems
            ) from None
    return scenarios


def _available(probe: Mapping[str, float | None]) -> str:
    return ", ".join(probe)


def resolve_outputs(requested: Sequence[str], probe: Mapping[str, float | None]) -> list[str]:
    """The output keys to summarise.

    Args:
        requested: Keys or ``fnmatch`` patterns (``closure:*``), in order; empty
            for the default: every ``within:*`` key and ``closure:all``.
        probe: The outputs of one replication (every key the scenario has); its
            waits (``wait:`` and ``top:``) are left out, as a run has them only where
            it waited.

    Returns:
        The keys, each once, in the order asked for (patterns in scenario order).

    Raises:
        ScenarioError: If a key is unknown or a pattern matches nothing; the
            message lists the keys available.
    """
    probe = {key: value for key, value in probe.items() if not is_sparse(key)}
    if not requested:
        keys = [key for key in probe if key.startswith("within:")]
        return keys + ([_DEFAULT_QUANTITY] if _DEFAULT_QUANTITY in probe else [])
    keys = []
    problems = []
    for wanted in requested:
        if _PATTERN & set(wanted):
            matched = [key for key in probe if fnmatch.fnmatchcase(key, wanted)]
        else:
            matched = [wanted] if wanted in probe else []
        if not matched and is_sparse(wanted):
            problems.append(
                Problem("--output", None, wanted, "waits are not outputs of a sweep (a run has "
                        "one only where it waited); tabletop run --replications gives their "
                        f"statistics; available: {_available(probe)}")
            )  # fmt: skip
        elif not matched:
            problems.append(
                Problem("--output", None, wanted, f"no such output; available: {_available(probe)}")
            )
        keys.extend(key for key in matched if key not in keys)
    if problems:
        raise ScenarioError(problems)
    return keys


def plan(request: Request) -> Sweep:
    """Validate a new sweep: design, every point's scenario, and the outputs.

    Args:
        request: The sweep asked for; ``file`` is required.

    Returns:
        The sweep, with replication 0 of point 0 already run (``probe``).

    Raises:
        ScenarioError: On any problem with the options or the scenario; problems
            with a point's values name the point.
    """
    if request.file is None:
        raise ScenarioError(Problem("FILE", None, "", "no scenario file given"))
    seed = DEFAULT_SEED if request.seed is None else request.seed
    replications = request.replications or DEFAULT_REPLICATIONS
    kind, points = _design_points(request, seed)
    composed = compose_scenario(request.file)
    loaded = finish(composed, request.sets, request.file)
    option = "--vary" if kind == "grid" else "--range"
    scenarios = load_points(composed, request.file, request.sets, points, option)
    seeds = tuple(replication_seed(seed, r) for r in range(replications))
    probe = Run(0, 0, seeds[0], outputs(scenarios[0], seeds[0]))
    keys = resolve_outputs(request.outputs, probe.outputs)
    return Sweep(
        request, kind, loaded, tuple(points), tuple(scenarios), replications, seed, seeds,
        tuple(keys), probe,
    )  # fmt: skip


def start(
    sweep: Sweep,
    root: Path,
    command: Sequence[str],
    now: dt.datetime,
    prefix: str = "sweep-",
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Create the sweep's folder and write ``design.json`` (and the probe run).

    Args:
        sweep: A planned sweep.
        root: Results root (``--out``).
        command: The command line, for the record.
        now: Start time, for the folder name and the record.
        prefix: Start of the folder's name (another experiment built on a sweep
            names itself here).
        extra: More fields for ``design.json`` (such an experiment's own design).

    Returns:
        The new folder.
    """
    folder = new_sweep_dir(root, sweep.loaded.scenario.name, sweep.seed, now, prefix)
    write_json(folder / DESIGN, {**sweep.design(command, now), **(extra or {})})
    with RunLog(folder, sweep.key) as log:
        if sweep.probe is not None:
            log.append([sweep.probe])
    return folder


def _differs(option: str, given: Any, recorded: Any) -> ScenarioError:
    return ScenarioError(
        Problem(option, None, "", f"{given!r} differs from the sweep being resumed "
                f"({recorded!r}); leave it out to resume, or start a new sweep")
    )  # fmt: skip


def _check_request(request: Request, design: dict[str, Any]) -> None:
    """Refuse a resume whose command-line design options differ from the recorded ones."""
    recorded = design["request"]
    if request.file is not None and request.file.resolve() != Path(design["scenario_path"]):
        raise _differs("FILE", str(request.file), design["scenario_file"])
    pairs: list[tuple[str, Any, Any]] = [
        ("--set", list(request.sets) or None, recorded["set"]),
        ("--vary", list(request.vary) or None, recorded["vary"]),
        ("--range", list(request.ranges) or None, recorded["range"]),
        ("--lhs", request.lhs, recorded["lhs"]),
        ("--replications", request.replications, recorded["replications"]),
        ("--seed", request.seed, recorded["seed"]),
        ("--output", list(request.outputs) or None, recorded["output"]),
    ]
    for option, given, was in pairs:
        if given is not None and given != was:
            raise _differs(option, given, was)


_DESIGN_TYPES: dict[str, Any] = {
    "tabletop_version": str, "scenario_path": str, "scenario_file": str,
    "scenario_sha256": str, "request": dict, "design": str, "points": list,
    "replications": int, "seed": int, "seeds": list, "outputs": list,
}  # fmt: skip
_REQUEST_TYPES: dict[str, Any] = {
    "file": str, "set": list, "vary": list, "range": list, "lhs": (int, type(None)),
    "replications": int, "seed": int, "output": list,
}  # fmt: skip


def _check_design(design: dict[str, Any]) -> None:
    """Refuse a ``design.json`` whose fields do not have the types this module writes."""

    def typed(where: str, value: Any, kind: Any) -> None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if type(value) not in kinds:
            raise ValueError(f"{where} is {value!r}, not {' or '.join(k.__name__ for k in kinds)}")

    for key, kind in _DESIGN_TYPES.items():
        typed(key, design[key], kind)
    for key, kind in _REQUEST_TYPES.items():
        typed(f"request.{key}", design["request"][key], kind)
    for key in ("set", "vary", "range", "output"):
        for text in design["request"][key]:
            typed(f"request.{key}[]", text, str)
    if design["design"] not in ("grid", "lhs"):
        raise ValueError(f"design is {design['design']!r}, not 'grid' or 'lhs'")
    if design["replications"] < 1 or len(design["seeds"]) != design["replications"]:
        raise ValueError("replications and seeds disagree")
    for value in (*design["seeds"], design["seed"]):
        typed("seed", value, int)
    for index, point in enumerate(design["points"]):
        typed(f"points[{index}]", point, dict)
        if point.get("point") != index or type(point.get("point")) is not int:
            raise ValueError(f"points[{index}] is numbered {point.get('point')!r}")
        typed(f"points[{index}].assignments", point["assignments"], list)
        for text in point["assignments"]:
            typed(f"points[{index}].assignments[]", text, str)
    for key in design["outputs"]:
        typed("outputs[]", key, str)


def _assignment(text: str) -> tuple[str, str]:
    """Split a recorded ``PATH=VALUE`` (as written by :meth:`Point.overrides`)."""
    path, equals, value = text.partition("=")
    if not equals:
        raise ValueError(f"bad assignment {text!r}")
    return path, value


def reopen(folder: Path, request: Request) -> Sweep:
    """Rebuild the sweep recorded in ``folder`` so that it can be finished.

    Args:
        folder: A sweep folder (with ``design.json``).
        request: Options given with ``--resume``; those given must match.

    Returns:
        The sweep, exactly as first planned (without a probe run).

    Raises:
        ScenarioError: If the folder is not a sweep, the options differ, the
            scenario changed since (SHA-256), or it no longer loads.
    """
    design = read_design(folder)
    if design.get("format") != DESIGN_FORMAT:
        raise ScenarioError(
            Problem("--resume", None, "", f"{folder}: {DESIGN} is of format "
                    f"{design.get('format')!r}; this tabletop resumes format {DESIGN_FORMAT} "
                    "only: start a new sweep")
        )  # fmt: skip
    try:
        _check_design(design)
        _check_request(request, design)
        if design["tabletop_version"] != __version__:
            raise ScenarioError(
                Problem("--resume", None, "", f"{folder}: started with tabletop "
                        f"{design['tabletop_version']}, this is {__version__}; results of two "
                        "versions would be mixed")
            )  # fmt: skip
        recorded = design["request"]
        file = Path(design["scenario_path"])
        sets = tuple(recorded["set"])
        points = tuple(
            Point(p["point"], tuple(_assignment(a) for a in p["assignments"]))
            for p in design["points"]
        )
        seeds = tuple(int(s) for s in design["seeds"])
        replications, seed, keys = design["replications"], design["seed"], design["outputs"]
        kind = design["design"]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ScenarioError(
            Problem("--resume", None, "", f"{folder}: {DESIGN} is incomplete ({error})")
        ) from None
    original = Request(
        Path(recorded["file"]), sets, tuple(recorded["vary"]), tuple(recorded["range"]),
        recorded["lhs"], replications, seed, tuple(recorded["output"]),
    )  # fmt: skip
    if _design_points(original, seed) != (kind, list(points)):
        raise ScenarioError(
            Problem("--resume", None, "", f"{folder}: the points in {DESIGN} are not the ones "
                    "its recorded --vary, --range and --lhs give; it was changed by hand")
        )  # fmt: skip
    composed = compose_scenario(file)
    loaded = finish(composed, sets, file)
    if loaded.sha256 != design["scenario_sha256"]:
        raise ScenarioError(
            Problem(str(file), None, "", f"changed since the sweep started (sha256 "
                    f"{design['scenario_sha256'][:12]}..., now {loaded.sha256[:12]}...); "
                    "resuming would mix two scenarios: restore it or start a new sweep")
        )  # fmt: skip
    if seeds != tuple(replication_seed(seed, r) for r in range(replications)):
        raise ScenarioError(Problem("--resume", None, "", f"{folder}: {DESIGN} seeds disagree"))
    option = "--vary" if kind == "grid" else "--range"
    scenarios = load_points(composed, file, sets, points, option)
    return Sweep(
        original, kind, loaded, points, tuple(scenarios), replications, seed, seeds, tuple(keys)
    )


def execute(
    sweep: Sweep,
    folder: Path,
    executor: Executor,
    stored: Stored,
    progress: Callable[[int], Any] | None = None,
) -> dict[str, Any]:
    """Run the missing jobs, record them, and write the summary files.

    Args:
        sweep: The sweep.
        folder: Its folder (``design.json`` already written).
        executor: Where the jobs run.
        stored: The runs already in ``runs.jsonl`` (see :func:`read_runs`).
        progress: Called with the number of jobs just finished.

    Returns:
        The summary (as written to ``summary.json``).
    """
    runs = dict(stored.runs)

    def done(batch: list[Run]) -> None:
        log.append(batch)
        for run in batch:
            runs.setdefault((run.point, run.replication), run)
        if progress is not None:
            progress(len(batch))

    with RunLog(folder, sweep.key, stored.valid_bytes) as log:
        executor.run(sweep.scenarios, sweep.missing(stored), done)
    summary = summarise(sweep, runs)
    write_json(folder / SUMMARY, summary)
    write_atomic(folder / POINTS, points_csv(summary))
    return summary


def summarise(sweep: Sweep, runs: Mapping[tuple[int, int], Run]) -> dict[str, Any]:
    """Statistics of the chosen outputs at every design point.

    Args:
        sweep: The sweep.
        runs: Every job's run, by (point, replication).

    Returns:
        ``{"scenario", "title", "scenario_sha256", "set", "design", "parameters",
        "replications", "seed", "outputs", "time_origin", "d_day", "points": [{"point",
        "params", "statistics": {key: stats}}]}``; times are simulated hours from
        ``time_origin`` (the scenario's clock start); ``d_day`` is its D-day.
    """
    scenario = sweep.loaded.scenario
    points = []
    for point in sweep.points:
        rows = [runs[(point.index, r)].outputs for r in range(sweep.replications)]
        statistics = {}
        for key in sweep.outputs:
            values = [row.get(key) for row in rows]
            statistics[key] = proportion(values) if is_share(key) else describe(values)
        points.append({"point": point.index, "params": point.params(), "statistics": statistics})
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_sha256": sweep.loaded.sha256,
        "set": list(sweep.request.sets),
        "design": sweep.kind,
        "parameters": _parameters(sweep.points),
        "replications": sweep.replications,
        "seed": sweep.seed,
        "outputs": list(sweep.outputs),
        "time_origin": scenario.clock.start.strftime("%Y-%m-%dT%H:%MZ"),
        "d_day": scenario.clock.d_day.strftime("%Y-%m-%dT%H:%MZ"),
        "points": points,
    }


def render(
    summary: dict[str, Any], fmt: str, compact: bool = False, width: int | None = None
) -> str:
    """The summary in one of :data:`FORMATS`.

    Args:
        summary: As returned by :func:`summarise`.
        fmt: ``table``, ``markdown`` (see :func:`simulator.report.sweeps.sweep_table`),
            ``json`` (the summary itself, as in ``summary.json``) or ``csv`` (as in
            ``points.csv``).
        compact: Show only P(within) and the mean and P90 of quantities.
        width: Columns a table folds to (default: the terminal's).

    Returns:
        The text, ending with a newline.
    """
    if fmt == "json":
        return dumps(summary)
    if fmt == "csv":
        return points_csv(summary)
    from simulator.report.sweeps import sweep_table

    return sweep_table(summary, fmt, compact, width)


def _csv_value(value: Any) -> Any:
    from simulator.report.safe_text import spreadsheet_cell

    return "" if value is None else spreadsheet_cell(value)


def points_csv(summary: dict[str, Any]) -> str:
    """One row per design point: its parameters, then every statistic of every output.

    Columns are ``point``, the parameter paths, then ``<key>.<stat>`` with the
    95% interval split into ``ci95_low`` and ``ci95_high``.
    """
    parameters = summary["parameters"]
    header = ["point", *parameters]
    first = summary["points"][0]["statistics"] if summary["points"] else {}
    for key in summary["outputs"]:
        for stat in first.get(key, {}):
            names = ["ci95_low", "ci95_high"] if stat == "ci95" else [stat]
            header.extend(f"{key}.{name}" for name in names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_value(name) for name in header])
    for point in summary["points"]:
        row = [point["point"], *(_csv_value(point["params"][p]) for p in parameters)]
        for key in summary["outputs"]:
            for stat, value in point["statistics"][key].items():
                if stat == "ci95":
                    low, high = value if value is not None else (None, None)
                    row.extend([_csv_value(low), _csv_value(high)])
                else:
                    row.append(_csv_value(value))
        writer.writerow(row)
    return buffer.getvalue()
