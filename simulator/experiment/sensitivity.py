"""Sensitivity analysis: which uncertain quantity decides an output.

The *factors* are the scenario's distributions (or ``--range`` options; see
:mod:`simulator.experiment.factors`).  A design of samples places every factor
at a point of [0, 1]; a sample is a scenario in which each factor is fixed at
its value there, run for a few replications whose seeds are the same in every
sample (common random numbers), and an output's value for the sample is its
mean over those replications (for a ``within:`` key, the share inside the
window).  Two designs, both from SALib:

* **Morris** (the default): ``r`` trajectories, each moving one factor (or
  group) at a time over ``levels`` levels, ``r (k + 1)`` samples for ``k``
  factors.  The elementary effect of a factor is the change in the output when
  it moves from one level to another, scaled to its whole range; ``mu*`` (the
  mean of their absolute values) ranks the factors, ``sigma`` (their spread)
  shows interaction or non-linearity.  The interval of ``mu*`` is a bootstrap
  over the trajectories.
* **Sobol**: Saltelli's scheme with ``N`` base samples, ``N (k + 2)`` samples;
  first-order (``S1``) and total (``ST``) indices, each with a bootstrap
  interval.  For a few chosen factors: ``N`` should be in the hundreds.

Levels are placed at the centres of ``levels`` equal slices of the quantile
range, so Morris's four levels fix a distribution at its quantiles 1/8, 3/8,
5/8 and 7/8; Sobol's points cover the quantiles 1% to 99%.

The samples are run as a sweep (:mod:`simulator.experiment.sweep`): same
executors, same folder (``design.json``, ``runs.jsonl``, ``summary.json`` and
``points.csv`` of every sample), plus ``sensitivity.json`` and
``indices.csv``, all written atomically.  SALib is imported here only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.experiment.design import Point
from simulator.experiment.executors import Executor, Run
from simulator.experiment.factors import Factor, choose, distributions, from_ranges, group_of
from simulator.experiment.replicate import outputs, replication_seed
from simulator.experiment.store import dumps, read_runs, write_json
from simulator.experiment.sweep import Request as SweepRequest
from simulator.experiment.sweep import Sweep, execute, load_points, resolve_outputs, start
from simulator.loading import finish
from simulator.report.files import write_atomic
from simulator.report.render import table_text
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.variants import compose_scenario
from simulator.wording import counted

__all__ = [
    "DEFAULT_REPLICATIONS",
    "INDICES",
    "METHODS",
    "RESULT",
    "Request",
    "Study",
    "analyse",
    "design_text",
    "factor_span",
    "index_rows",
    "indices_csv",
    "output_unit",
    "plan",
    "render",
    "run",
]

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
"""Morris: trajectories; Sobol: base samples (a power of two)."""
DEFAULT_REPLICATIONS = 4
DEFAULT_LEVELS = 4
DEFAULT_OUTPUT = "closure:all"
SOBOL_MARGIN = 0.01
"""Sobol's points cover the quantiles from this to one minus it."""
CONFIDENCE = 0.95
RESAMPLES = 1000
STREAM = 0x53454E53
"""Mixed into the seed so the design has its own random stream ('SENS')."""
RESULT = "sensitivity.json"
INDICES = "indices.csv"
_PREFIX = "sensitivity-"
_FACTOR_WIDTH = 56


@dataclass(frozen=True)
class Request:
    """A sensitivity analysis as asked for on the command line.

    Attributes:
        file: The scenario file.
        sets: ``--set`` overrides applied to every sample.
        outputs: Output keys or patterns (as a sweep's); empty for ``closure:all``.
        method: ``morris`` or ``sobol``.
        samples: Morris trajectories or Sobol base samples; None for the default.
        seed: Base seed (the replications' and, in its own stream, the design's).
        ranges: ``--range PATH=LO:HI`` factors; empty for every distribution.
        factors: Patterns choosing among the distributions (``--factor``).
        groups: ``NAME=PATTERN`` groups of factors (``--group``).
        replications: Replications per sample.
        levels: Morris levels.
    """

    file: Path
    sets: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    method: str = "morris"
    samples: int | None = None
    seed: int = 0
    ranges: tuple[str, ...] = ()
    factors: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    replications: int = DEFAULT_REPLICATIONS
    levels: int = DEFAULT_LEVELS

    def record(self) -> dict[str, Any]:
        """The request as stored in ``design.json``."""
        return {
            "file": str(self.file),
            "set": list(self.sets),
            "output": list(self.outputs),
            "method": self.method,
            "samples": self.count,
            "seed": self.seed,
            "range": list(self.ranges),
            "factor": list(self.factors),
            "group": list(self.groups),
            "replications": self.replications,
            "levels": self.levels,
        }

    @property
    def count(self) -> int:
        """Trajectories (Morris) or base samples (Sobol)."""
        return self.samples if self.samples is not None else DEFAULT_SAMPLES[self.method]

    @property
    def margin(self) -> float:
        """How far the quantiles stay from 0 and 1."""
        return 1 / (2 * self.levels) if self.method == "morris" else SOBOL_MARGIN


@dataclass(frozen=True)
class Study:
    """A planned sensitivity analysis: its factors, its samples as a sweep.

    Attributes:
        request: What was asked for.
        factors: The factors, in order.
        groups: The group of each factor, or None.
        unit: The design in [0, 1], one row per sample, one column per factor.
        sweep: The samples as the points of a sweep.
    """

    request: Request
    factors: tuple[Factor, ...]
    groups: tuple[str, ...] | None
    unit: np.ndarray[Any, np.dtype[np.float64]]
    sweep: Sweep

    def problem(self) -> dict[str, Any]:
        """The problem as SALib describes it."""
        return _problem(self.factors, self.groups)

    def design(self) -> dict[str, Any]:
        """The study's own fields in ``design.json``."""
        return {
            "kind": "tabletop-sensitivity",
            "sensitivity": {
                "request": self.request.record(),
                "factors": [f.describe() for f in self.factors],
                "groups": None if self.groups is None else list(self.groups),
                "unit": [[float(x) for x in row] for row in self.unit],
                "margin": self.request.margin,
            },
        }


def _problem(factors: Sequence[Factor], groups: Sequence[str] | None) -> dict[str, Any]:
    """SALib's description of the factors: names, bounds in [0, 1], groups if any."""
    problem: dict[str, Any] = {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }
    if groups is not None:
        problem["groups"] = list(groups)
    return problem


def _seed(seed: int, offset: int) -> int:
    """A seed of the design's own stream (never 0: SALib reads 0 as 'no seed')."""
    words = np.random.SeedSequence([seed, STREAM, offset]).generate_state(1, dtype=np.uint32)
    return int(words[0]) | 1


def _check(request: Request) -> None:
    problems = []
    if request.method not in METHODS:
        problems.append(
            Problem("--method", None, request.method, f"expected one of: {', '.join(METHODS)}")
        )
    if request.ranges and request.factors:
        problems.append(
            Problem(
                "--factor",
                None,
                "",
                "chooses among the scenario's "
                "distributions; with --range the ranges are the factors",
            )
        )
    count = request.count
    if request.method == "sobol" and (count < 2 or count & (count - 1)):
        problems.append(
            Problem(
                "--samples",
                None,
                str(count),
                "Sobol needs a power of two (e.g. 64, 128, 256) for its sequence to balance",
            )
        )
    if request.method == "morris" and count < 2:
        problems.append(
            Problem(
                "--samples",
                None,
                str(count),
                "Morris needs at least 2 trajectories for an interval",
            )
        )
    if request.levels < 2 or request.levels % 2:
        problems.append(
            Problem("--levels", None, str(request.levels), "expected an even number of at least 2")
        )
    if problems:
        raise ScenarioError(problems)


def _sample(request: Request, problem: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The design in [0, 1] (SALib imported here only: no other command needs it)."""
    seed = _seed(request.seed, 0)
    if request.method == "morris":
        from SALib.sample import morris as morris_sample

        unit = morris_sample.sample(problem, request.count, num_levels=request.levels, seed=seed)
    else:
        from SALib.sample import sobol as sobol_sample

        unit = sobol_sample.sample(problem, request.count, calc_second_order=False, seed=seed)
    return np.asarray(unit, dtype=float)


def plan(request: Request) -> Study:
    """Validate an analysis: options, factors, every sample's scenario and the outputs.

    Raises:
        ScenarioError: On any problem, every one listed where they can be found together.
    """
    _check(request)
    composed = compose_scenario(request.file)
    loaded = finish(composed, request.sets, request.file)
    if request.ranges:
        factors = from_ranges(request.ranges)
    else:
        factors = choose(distributions(loaded.scenario), request.factors, "--factor")
        if not factors:
            raise ScenarioError(
                Problem(
                    str(request.file),
                    None,
                    "",
                    "has no distribution to vary; give --range PATH=LO:HI",
                )
            )
    groups = group_of(factors, request.groups)
    unit = _sample(request, _problem(factors, groups))
    points = tuple(
        Point(
            i,
            tuple(
                (f.path, f.value(float(x), request.margin))
                for f, x in zip(factors, row, strict=True)
            ),
        )
        for i, row in enumerate(unit)
    )
    option = "--range" if request.ranges else "--factor"
    scenarios = load_points(composed, request.file, request.sets, points, option)
    seeds = tuple(replication_seed(request.seed, r) for r in range(request.replications))
    probe = Run(0, 0, seeds[0], outputs(scenarios[0], seeds[0]))
    keys = resolve_outputs(request.outputs or (DEFAULT_OUTPUT,), probe.outputs)
    sweep_request = SweepRequest(
        request.file,
        request.sets,
        ranges=request.ranges,
        replications=request.replications,
        seed=request.seed,
        outputs=request.outputs,
    )
    sweep = Sweep(
        sweep_request,
        request.method,
        loaded,
        points,
        tuple(scenarios),
        request.replications,
        request.seed,
        seeds,
        tuple(keys),
        probe,
    )
    return Study(request, tuple(factors), None if groups is None else tuple(groups), unit, sweep)


def run(
    study: Study,
    root: Path,
    executor: Executor,
    command: Sequence[str],
    now: dt.datetime,
    progress: Callable[[int], Any] | None = None,
    on_start: Callable[[Path], Any] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Run every sample, analyse, and write the folder.

    Returns:
        The result (as in ``sensitivity.json``) and the folder.
    """
    folder = start(study.sweep, root, command, now, _PREFIX, study.design())
    if on_start is not None:
        on_start(folder)
    stored = read_runs(folder, study.sweep.expected)
    summary = execute(study.sweep, folder, executor, stored, progress)
    result = analyse(study, summary)
    write_json(folder / RESULT, result)
    write_atomic(folder / INDICES, indices_csv(result))
    return result, folder


def _plain(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _responses(study: Study, summary: Mapping[str, Any], key: str) -> list[float | None]:
    """Each sample's value of ``key``: the mean (or share) over its replications."""
    stat = "p" if key.startswith("within:") else "mean"
    return [point["statistics"][key][stat] for point in summary["points"]]


def _indices(study: Study, values: list[float]) -> list[dict[str, Any]]:
    """SALib's indices of one output, one entry per factor or group."""
    request, problem = study.request, study.problem()
    y = np.asarray(values, dtype=float)
    seed = _seed(request.seed, 1)
    if request.method == "morris":
        from SALib.analyze import morris as morris_analyze

        found = morris_analyze.analyze(
            problem,
            study.unit,
            y,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            num_levels=request.levels,
            seed=seed,
        )
        names = list(found["names"])
        return [
            {
                "factor": name,
                "mu_star": _plain(found["mu_star"][i]),
                "mu_star_conf": _plain(found["mu_star_conf"][i]),
                "mu": _plain(found["mu"][i]),
                "sigma": _plain(found["sigma"][i]),
            }
            for i, name in enumerate(names)
        ]
    names = list(dict.fromkeys(study.groups)) if study.groups else problem["names"]
    if float(np.var(y)) == 0.0:  # nothing varies: every index is 0 (SALib would divide by 0)
        zero = {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
        return [{"factor": name, **zero} for name in names]
    from SALib.analyze import sobol as sobol_analyze

    found = sobol_analyze.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        seed=seed,
    )
    return [
        {
            "factor": name,
            "S1": _plain(found["S1"][i]),
            "S1_conf": _plain(found["S1_conf"][i]),
            "ST": _plain(found["ST"][i]),
            "ST_conf": _plain(found["ST_conf"][i]),
        }
        for i, name in enumerate(names)
    ]


def _rank_key(method: str) -> str:
    return "mu_star" if method == "morris" else "ST"


def analyse(study: Study, summary: Mapping[str, Any]) -> dict[str, Any]:
    """The indices of every output, ranked, from the sweep's summary of the samples.

    A sample where an output has no value in any replication (a milestone never
    reached) leaves that output without indices; ``missing`` counts such samples.
    """
    request = study.request
    results = {}
    for key in study.sweep.outputs:
        values = _responses(study, summary, key)
        missing = sum(v is None for v in values)
        entry: dict[str, Any] = {"missing": missing, "indices": None}
        if not missing:
            indices = _indices(study, [float(v) for v in values if v is not None])
            rank = _rank_key(request.method)
            order = sorted(range(len(indices)), key=lambda i: (-(indices[i][rank] or 0.0), i))
            entry["indices"] = [indices[i] for i in order]
        results[key] = entry
    scenario = study.sweep.loaded.scenario
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_sha256": study.sweep.loaded.sha256,
        "set": list(request.sets),
        "method": request.method,
        "samples": request.count,
        "runs": len(study.sweep.points),
        "replications": request.replications,
        "levels": request.levels if request.method == "morris" else None,
        "quantiles": [request.margin, 1 - request.margin],
        "confidence": CONFIDENCE,
        "seed": request.seed,
        "factors": [
            {
                **f.describe(),
                "low": f.value(0.0, request.margin),
                "high": f.value(1.0, request.margin),
                "group": None if study.groups is None else study.groups[i],
            }
            for i, f in enumerate(study.factors)
        ],
        "outputs": results,
    }


def output_unit(key: str) -> str:
    """The unit of an output's Morris indices: ``h`` for an instant, ``share`` for within:."""
    return "share" if key.startswith("within:") else "h"


def factor_span(result: Mapping[str, Any], name: str) -> str:
    """The values a factor took (or how many factors a group holds)."""
    members = [f for f in result["factors"] if name in (f["path"], f["group"])]
    if len(members) == 1 and members[0]["path"] == name:
        low, high = (float(members[0][end]) for end in ("low", "high"))
        return f"{low:.4g} .. {high:.4g}"
    return f"group of {counted(len(members), 'factor')}"


def _conf(value: float | None, conf: float | None, digits: int) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text if conf is None else f"{text} ± {conf:.{digits}f}"


def index_rows(result: Mapping[str, Any], key: str) -> tuple[list[str], list[list[str]]]:
    """The headers and rows of one output's table of indices (the terminal's and the report's)."""
    indices = result["outputs"][key]["indices"]
    digits = 3 if key.startswith("within:") or result["method"] == "sobol" else 2
    unit = "" if result["method"] == "sobol" else f" {output_unit(key)}"
    if result["method"] == "morris":
        headers = ["rank", "factor", "values", f"mu*{unit} (95% CI)", f"mu{unit}", f"sigma{unit}"]
        rows = [
            [
                str(i + 1),
                x["factor"],
                factor_span(result, x["factor"]),
                _conf(x["mu_star"], x["mu_star_conf"], digits),
                _conf(x["mu"], None, digits),
                _conf(x["sigma"], None, digits),
            ]
            for i, x in enumerate(indices)
        ]
    else:
        headers = ["rank", "factor", "values", "S1 (95% CI)", "ST (95% CI)"]
        rows = [
            [
                str(i + 1),
                x["factor"],
                factor_span(result, x["factor"]),
                _conf(x["S1"], x["S1_conf"], digits),
                _conf(x["ST"], x["ST_conf"], digits),
            ]
            for i, x in enumerate(indices)
        ]
    return headers, rows


def design_text(result: Mapping[str, Any]) -> str:
    """The method and its design in words: ``Morris, 10 trajectories, 4 levels``."""
    if result["method"] == "morris":
        return (
            f"Morris, {counted(result['samples'], 'trajectory', 'trajectories')}, "
            f"{result['levels']} levels"
        )
    return f"Sobol, N = {result['samples']}"


def render(result: Mapping[str, Any], fmt: str) -> str:
    """The result as a table per output (``table`` or ``markdown``), ``json`` or ``csv``."""
    if fmt == "json":
        return dumps(result)
    if fmt == "csv":
        return indices_csv(result)
    markdown = fmt == "markdown"
    title = result["title"] or result["scenario"]
    quantiles = f"{result['quantiles'][0]:.3g} to {result['quantiles'][1]:.3g}"
    lines = [
        f"{'# ' if markdown else ''}{title}: sensitivity",
        f"{design_text(result)}: {counted(result['runs'], 'sample')} x "
        f"{counted(result['replications'], 'replication')}, seed {result['seed']}.",
        f"Distributions fixed at one quantile per sample ({quantiles}); other randomness common "
        "to all samples.",
    ]
    if result["method"] == "morris":
        lines.append(
            "mu* = mean |change| of the output over the factor's whole range; "
            "sigma = spread of the changes."
        )
    else:
        lines.append(
            "S1 = share of the output's variance due to the factor alone; ST = with "
            "its interactions."
        )
    for key, entry in result["outputs"].items():
        lines.extend(["", f"{'## ' if markdown else ''}{key}", ""])
        if entry["indices"] is None:
            lines.append(f"no indices: missing in {counted(entry['missing'], 'sample')}")
            continue
        headers, rows = index_rows(result, key)
        widths = None if markdown else [None, _FACTOR_WIDTH, None, None, None, None]
        lines.append(table_text(headers, rows, fmt, keys=2, maxcolwidths=widths))
    return "\n".join(lines) + "\n"


def indices_csv(result: Mapping[str, Any]) -> str:
    """One row per (output, factor): its rank and every index with its interval."""
    from simulator.report.safe_text import spreadsheet_cell

    stats = (
        ("mu_star", "mu_star_conf", "mu", "sigma")
        if result["method"] == "morris"
        else ("S1", "S1_conf", "ST", "ST_conf")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["output", "rank", "factor", *stats])
    for key, entry in result["outputs"].items():
        for rank, row in enumerate(entry["indices"] or [], start=1):
            values = ["" if row[s] is None else row[s] for s in stats]
            writer.writerow([spreadsheet_cell(key), rank, spreadsheet_cell(row["factor"]), *values])
    return buffer.getvalue()
