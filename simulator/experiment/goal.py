"""Goal search: the least of a parameter that meets a milestone with confidence.

``--vary PATH=LO:HI`` names one scenario value and its range: integers (a fleet
count, a ramp count), real numbers (a transfer time), or dates (a ready time).
A candidate value is *good* when the milestone is met -- inside its observed
window, or at or before ``--by`` -- in enough replications that the lower bound
of the 95% Wilson interval of the share met reaches ``--confidence``.  Every
candidate runs the same replications (same seeds: common random numbers), so
two candidates differ only by the value.

The search assumes the share met is monotone in the value: more of a number
helps, a later date hurts.  It looks for the *least* good number or the
*latest* good date by bisection: integers and dates (whole hours) exactly, real
numbers to a tolerance.  It first tries the end of the range that helps most;
if that end is not good, nothing in the range is.  Every value tried is kept
(the *frontier*), and a share that does not follow the assumed order among
them is reported as a warning.

A *trade-off* (``--against PATH=V1,V2,...``, :func:`trade_off`) runs the same
search once at each listed value of a second scenario value, with the same
seeds everywhere, and gives one row per value: the answer there, or none in
the range.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.experiment.design import Point, format_number, parse_vary
from simulator.experiment.executors import Executor, Job, Run
from simulator.experiment.replicate import proportion, replication_seed
from simulator.experiment.sweep import load_points
from simulator.loading import finish
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.overrides import parse_assignment
from simulator.scenario.variants import Composed, compose_scenario

__all__ = [
    "DEFAULT_REPLICATIONS",
    "Request",
    "Search",
    "TradeOff",
    "render",
    "render_trade_off",
    "search",
    "trade_off",
]

DEFAULT_REPLICATIONS = 60
REAL_STEPS = 64
"""A real range is bisected down to 1/64 of its width."""


@dataclass(frozen=True)
class Request:
    """A goal search as asked for on the command line."""

    file: Path
    target: str
    vary: str
    confidence: float = 0.9
    by: dt.datetime | None = None
    replications: int = DEFAULT_REPLICATIONS
    seed: int = 0
    sets: tuple[str, ...] = ()
    against: str | None = None
    """``PATH=V1,V2,...``: a second value, searched at each of these (see :func:`trade_off`)."""


@dataclass(frozen=True)
class Span:
    """The range searched: numbers (``kind`` int or real) or dates (whole hours from ``low``)."""

    path: str
    kind: str
    low: float
    high: float
    origin: dt.datetime | None = None

    def text(self, x: float) -> str:
        """The value text of a candidate (hours from ``low`` for dates)."""
        if self.kind == "date":
            assert self.origin is not None
            moment = self.origin + dt.timedelta(hours=x)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return str(int(x)) if self.kind == "int" else format_number(float(f"{x:.6g}"))


def _bound(path: str, text: str) -> Any:
    try:
        return parse_assignment(f"{path}={text}")[1]
    except ScenarioError as error:
        raise ScenarioError(Problem("--vary", None, path, error.problems[0].message)) from None


def parse_span(text: str) -> Span:
    """Read ``PATH=LO:HI``: two integers, two numbers, or two dates (ISO, UTC)."""
    path, equals, rest = (part.strip() for part in text.partition("="))
    # A date holds colons itself: split at the colon before the second date or number.
    low_text, high_text = _halves(rest)
    if not equals or not path or low_text is None or high_text is None:
        raise ScenarioError(
            Problem(
                "--vary",
                None,
                text,
                "expected PATH=LO:HI, e.g. "
                "fleets.lift.count=1:8 or forces.x.ready=2030-01-01T00:00:00Z:"
                "2030-01-03T00:00:00Z",
            )
        )
    low, high = _bound(path, low_text), _bound(path, high_text)
    if isinstance(low, dt.datetime) and isinstance(high, dt.datetime):
        if low.tzinfo is None or high.tzinfo is None:
            raise ScenarioError(Problem("--vary", None, path, "dates need a time zone, e.g. Z"))
        if low > high:
            raise ScenarioError(Problem("--vary", None, path, "the first date is after the second"))
        hours = (high - low).total_seconds() / 3600
        return Span(path, "date", 0.0, float(math.floor(hours)), low.astimezone(dt.UTC))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    if not numbers or not all(math.isfinite(v) for v in (low, high)):
        raise ScenarioError(
            Problem(
                "--vary",
                None,
                path,
                f"bounds {low_text!r} and {high_text!r} are not two numbers or two dates",
            )
        )
    if low > high:
        raise ScenarioError(
            Problem("--vary", None, path, f"the lower bound {low} is above the upper bound {high}")
        )
    kind = "int" if isinstance(low, int) and isinstance(high, int) else "real"
    return Span(path, kind, float(low), float(high))


def _halves(rest: str) -> tuple[str | None, str | None]:
    """Split ``LO:HI`` where LO and HI may be dates containing colons."""
    colons = [i for i, char in enumerate(rest) if char == ":"]
    if len(colons) == 1:
        return rest[: colons[0]], rest[colons[0] + 1 :]
    if len(colons) % 2 == 1:  # two dates with as many colons each: the middle one splits
        middle = colons[len(colons) // 2]
        return rest[:middle], rest[middle + 1 :]
    return None, None


@dataclass(frozen=True)
class Trial:
    """One candidate tried: its value, the share met and its interval, and the verdict."""

    value: str
    met: int
    n: int
    p: float
    low: float
    high: float
    good: bool


@dataclass(frozen=True)
class Search:
    """The outcome: the answer (or None) and every candidate tried, in the range's order."""

    request: Request
    span: Span
    answer: str | None
    frontier: tuple[Trial, ...]
    warnings: tuple[str, ...]
    time_origin: dt.datetime
    deciding: Trial
    """The trial at the answer; with no answer, at the end of the range that helps most."""


@dataclass(frozen=True)
class TradeOff:
    """The search at each value of a second parameter: (its value text, the search) each."""

    request: Request
    path: str
    rows: tuple[tuple[str, Search], ...]


@dataclass(frozen=True)
class _Setup:
    """What every search of a request shares: the range, the file as read once, the seeds."""

    request: Request
    span: Span
    composed: Composed
    start: dt.datetime
    by_h: float | None
    seeds: tuple[int, ...]


def _prepare(request: Request) -> _Setup:
    """Check the options, read the scenario once and check the milestone."""
    if not 0 < request.confidence < 1:
        raise ScenarioError(
            Problem(
                "--confidence",
                None,
                str(request.confidence),
                "expected a probability between 0 and 1",
            )
        )
    best = proportion([1.0] * request.replications)["ci95"][0]
    if best < request.confidence:
        raise ScenarioError(
            Problem(
                "--replications",
                None,
                str(request.replications),
                f"even {request.replications} met out of "
                f"{request.replications} gives a lower bound of {best:.3f}, "
                f"below --confidence {request.confidence:g}: use more",
            )
        )
    span = parse_span(request.vary)
    composed = compose_scenario(request.file)
    scenario = finish(composed, request.sets, request.file).scenario
    ids = [m.id for m in scenario.milestones]
    if request.target not in ids:
        raise ScenarioError(
            Problem(
                "--target",
                None,
                request.target,
                f"no such milestone; milestones are: {', '.join(ids) or '(none)'}",
            )
        )
    start = scenario.clock.start
    by_h = None if request.by is None else (request.by - start).total_seconds() / 3600
    seeds = tuple(replication_seed(request.seed, r) for r in range(request.replications))
    return _Setup(request, span, composed, start, by_h, seeds)


def search(
    request: Request, executor: Executor, progress: Callable[[int], Any] | None = None
) -> Search:
    """Find the least good number, or the latest good date, in the range.

    Raises:
        ScenarioError: For a bad option, scenario, milestone or candidate value.
    """
    setup = _prepare(request)
    return _search(setup, request.sets, executor, progress)


def _search(
    setup: _Setup,
    sets: Sequence[str],
    executor: Executor,
    progress: Callable[[int], Any] | None,
) -> Search:
    """The bisection of :func:`search`, every value tried with the overrides ``sets``."""
    request, span, by_h = setup.request, setup.span, setup.by_h
    tried: dict[float, Trial] = {}

    def trial(x: float) -> Trial:
        if x in tried:
            return tried[x]
        point = Point(len(tried), ((span.path, span.text(x)),))
        scenarios = load_points(setup.composed, request.file, sets, [point], "--vary")
        runs: list[Run] = []
        jobs = [Job(0, r, seed) for r, seed in enumerate(setup.seeds)]

        def done(batch: list[Run]) -> None:
            runs.extend(batch)
            if progress is not None:
                progress(len(batch))

        executor.run(scenarios, jobs, done)
        runs.sort(key=lambda run: run.replication)
        hits = [_met(run.outputs, request.target, by_h) for run in runs]
        share = proportion(hits)
        low, high = share["ci95"]
        good = low >= request.confidence
        tried[x] = Trial(span.text(x), int(sum(hits)), len(hits), share["p"], low, high, good)
        return tried[x]

    # Numbers: more helps (search for the least good); dates: later hurts (the latest good).
    helps, hurts = (span.high, span.low) if span.kind != "date" else (span.low, span.high)
    answer: float | None = None
    if trial(helps).good:
        answer = helps
        if trial(hurts).good:
            answer = hurts
        else:
            bad = hurts
            good = helps
            step = 1.0 if span.kind != "real" else (span.high - span.low) / REAL_STEPS
            while abs(good - bad) > step * (1 + 1e-9):
                middle = (good + bad) / 2
                if span.kind != "real":
                    middle = float(math.floor(middle)) if good > bad else float(math.ceil(middle))
                if trial(middle).good:
                    good = middle
                else:
                    bad = middle
            answer = good
    order = sorted(tried)
    frontier = tuple(tried[x] for x in order)
    warnings = _order_warnings(frontier, span.kind == "date")
    text = None if answer is None else span.text(answer)
    return Search(
        request,
        span,
        text,
        frontier,
        warnings,
        setup.start,
        tried[helps if answer is None else answer],
    )


def trade_off(
    request: Request, executor: Executor, progress: Callable[[int], Any] | None = None
) -> TradeOff:
    """The search of :func:`search` once for each value of ``request.against``.

    Every search runs the same replications (same seeds) with the --against
    value as one more override; the values are checked before any is run.

    Raises:
        ScenarioError: For a bad option (the --against list included), scenario,
            milestone or value.
    """
    assert request.against is not None
    against = parse_vary(request.against, "--against")
    setup = _prepare(request)
    if against.path == setup.span.path:
        raise ScenarioError(
            Problem("--against", None, against.path, "the same path as --vary: give another")
        )
    if against.path in (text.partition("=")[0].strip() for text in request.sets):
        raise ScenarioError(
            Problem("--against", None, against.path, "also given with --set: give it once")
        )
    points = [Point(i, ((against.path, value),)) for i, value in enumerate(against.values)]
    load_points(setup.composed, request.file, request.sets, points, "--against")
    rows = tuple(
        (value, _search(setup, [*request.sets, *point.overrides()], executor, progress))
        for value, point in zip(against.values, points, strict=True)
    )
    return TradeOff(request, against.path, rows)


def _met(outputs: dict[str, float | None], target: str, by_h: float | None) -> float:
    if by_h is None:
        return float(outputs.get(f"within:{target}") or 0.0)
    reached = outputs.get(f"milestone:{target}")
    return 1.0 if reached is not None and reached <= by_h + 1e-9 else 0.0


def _order_warnings(frontier: tuple[Trial, ...], falling: bool) -> tuple[str, ...]:
    """Where the share met goes against the assumed order between neighbours."""
    warnings = []
    for before, after in itertools.pairwise(frontier):
        against = after.p > before.p if falling else after.p < before.p
        if against:
            warnings.append(
                f"the share met is {before.p:.2f} at {before.value} but {after.p:.2f} "
                f"at {after.value}: not monotone here, so bisection may have "
                "missed a better value"
            )
    return tuple(warnings)


def _asked(request: Request, path: str) -> dict[str, Any]:
    """What the JSON of a search says of the request (``path``: that of --vary)."""
    return {
        "target": request.target,
        "by": None if request.by is None else request.by.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "path": path,
        "confidence": request.confidence,
        "replications": request.replications,
        "seed": request.seed,
        "interval": "wilson-95",
    }


def render(found: Search, fmt: str) -> str:
    """The answer and the frontier, as a table or JSON."""
    request = found.request
    where = (
        f"by {request.by.strftime('%Y-%m-%d %H:%MZ')}"
        if request.by is not None
        else "inside its observed window"
    )
    if fmt == "json":
        from simulator.experiment.store import dumps

        return dumps(
            {
                **_asked(request, found.span.path),
                "answer": found.answer,
                "frontier": [t.__dict__ for t in found.frontier],
                "warnings": list(found.warnings),
            }
        )
    from simulator.report.render import table_text

    what = "latest" if found.span.kind == "date" else "least"
    head = [
        f"Goal: {request.target} met {where}",
        f"Enough: the lower bound of the 95% Wilson interval of P(met) is at least "
        f"{request.confidence:g}.",
        f"{request.replications} replications per value (the same seeds), seed {request.seed}; "
        f"assumed: P(met) {'falls' if found.span.kind == 'date' else 'rises'} with "
        f"{found.span.path}.",
        "",
    ]
    rows = [
        [
            t.value,
            f"{t.met}/{t.n}",
            f"{t.p:.2f}",
            f"[{t.low:.2f}, {t.high:.2f}]",
            "yes" if t.good else "no",
        ]
        for t in found.frontier
    ]
    table = table_text([found.span.path, "met", "P(met)", "95% CI", "enough"], rows)
    if found.answer is None:
        tail = f"No value in the range is enough: the {what} would be outside it."
    else:
        tail = f"The {what} value that is enough: {found.span.path} = {found.answer}"
    return (
        "\n".join([*head, str(table), "", tail, *(f"warning: {w}" for w in found.warnings)]) + "\n"
    )


def render_trade_off(table: TradeOff, fmt: str) -> str:
    """One row per value of the second parameter: the answer there, P(met) and its bound."""
    request = table.request
    first = table.rows[0][1]
    what = "latest" if first.span.kind == "date" else "least"
    if fmt == "json":
        from simulator.experiment.store import dumps

        return dumps(
            {
                **_asked(request, first.span.path),
                "against": table.path,
                "rows": [
                    {
                        "value": value,
                        "answer": found.answer,
                        "deciding": found.deciding.__dict__,
                        "tried": len(found.frontier),
                        "frontier": [t.__dict__ for t in found.frontier],
                        "warnings": list(found.warnings),
                    }
                    for value, found in table.rows
                ],
            }
        )
    from tabulate import tabulate

    where = (
        "inside its observed window"
        if request.by is None
        else "by " + request.by.strftime("%Y-%m-%d %H:%MZ")
    )
    rows = [
        [
            value,
            found.answer or "not met in range",
            f"{found.deciding.p:.2f}",
            f"{found.deciding.low:.2f}",
            str(len(found.frontier)),
        ]
        for value, found in table.rows
    ]
    text = tabulate(
        rows,
        [table.path, f"{what} {first.span.path}", "P(met)", "lower bound", "tried"],
        tablefmt="simple",
        disable_numparse=True,
    )
    lines = [
        f"Goal: {request.target} met {where}, at each {table.path}:",
        f"the {what} {first.span.path} that is enough.",
        f"Enough: the lower bound of the 95% Wilson interval of P(met) is at least "
        f"{request.confidence:g}.",
        f"{request.replications} replications per value (the same seeds everywhere), "
        f"seed {request.seed}.",
        "P(met) and lower bound: at the value found; if none is enough, at the end of the "
        "range that helps most.",
        "",
        str(text),
    ]
    warnings = [
        f"warning: {table.path}={v}: {w}" for v, found in table.rows for w in found.warnings
    ]
    return "\n".join([*lines, *warnings]) + "\n"
