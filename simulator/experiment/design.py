"""Designs of a parameter sweep: which scenario variations are run.

A *design point* is a list of ``PATH=VALUE`` assignments, applied to the
scenario exactly like ``--set`` overrides.  Two kinds of design are built here:

* A **full grid** (``--vary PATH=V1,V2,...``, repeatable): every combination of
  the listed values, the first ``--vary`` varying slowest (like nested loops
  written in the order given).  Values are YAML, read like ``--set`` values.
* A **Latin hypercube** (``--lhs N`` with ``--range PATH=LO:HI``, repeatable):
  ``N`` points spread over the box of ranges so that, along every parameter, each
  of ``N`` equal slices of its range holds exactly one point.  It covers many
  parameters with few points where a grid would explode.  A range whose bounds
  are both integers yields integers (counts of aircraft or trains cannot be
  fractional): ``LO:HI`` then means the integers ``LO`` to ``HI`` inclusive,
  each equally likely.  Other values are rounded to six significant digits so
  that tables and files stay readable.

The hypercube's random numbers come from a stream of their own, derived from the
sweep's seed but separate from the seeds of the replications, so the same seed
always gives the same points and choosing a design never shifts the
replications' random numbers.

Bad options are reported as :class:`~simulator.scenario.errors.ScenarioError`
problems whose "file" is the option (``--vary``, ``--range``), so the command
line shows them like any other input problem.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.overrides import parse_assignment

__all__ = [
    "LHS_STREAM",
    "Factor",
    "Point",
    "Range",
    "format_number",
    "grid",
    "latin_hypercube",
    "lhs_unit_sample",
    "parse_range",
    "parse_vary",
    "scale",
    "split_values",
]

LHS_STREAM = 0x4C4853
"""Mixed into the seed's entropy so the hypercube has its own random stream."""

_SIGNIFICANT = 6
_OPENING = {"[": "]", "{": "}"}


def _problem(option: str, path: str, message: str) -> ScenarioError:
    """Build the error for a bad design option."""
    return ScenarioError(Problem(option, None, path, message))


@dataclass(frozen=True)
class Factor:
    """One ``--vary`` option: a scenario path and the values it takes.

    Attributes:
        path: The dotted scenario path, as written.
        values: The value texts, in the order given (YAML, like ``--set`` values).
    """

    path: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Range:
    """One ``--range`` option: a scenario path and the bounds it is sampled between.

    Attributes:
        path: The dotted scenario path, as written.
        low: The lower bound.
        high: The upper bound (inclusive for integer ranges).
        integer: Whether both bounds are integers, so sampled values are too.
    """

    path: str
    low: float
    high: float
    integer: bool


@dataclass(frozen=True)
class Point:
    """One design point.

    Attributes:
        index: Position in the design, from 0.
        assignments: ``(path, value text)`` pairs, in the order of the options.
    """

    index: int
    assignments: tuple[tuple[str, str], ...]

    def overrides(self) -> list[str]:
        """The assignments as ``PATH=VALUE`` texts, ready for ``load_scenario``."""
        return [f"{path}={value}" for path, value in self.assignments]

    def params(self) -> dict[str, Any]:
        """The assignments as JSON-ready values (YAML scalars; anything else as its text)."""
        params: dict[str, Any] = {}
        for path, text in self.assignments:
            _, value = parse_assignment(f"{path}={text}")
            plain = value is None or isinstance(value, bool | int | float | str)
            params[path] = value if plain else text
        return params

    def label(self) -> str:
        """A short description for messages, e.g. ``point 2 (a=1, b=x)``."""
        return f"point {self.index} ({', '.join(self.overrides())})"


def split_values(text: str) -> list[str]:
    """Split a comma-separated list of YAML values.

    Commas inside brackets, braces or quotes do not split, so ``[a, b],[c]`` is
    two values.  Whitespace around each value is dropped.

    Args:
        text: The text after ``=`` of a ``--vary`` option.

    Returns:
        The value texts, in order (empty ones included, for the caller to refuse).
    """
    values: list[str] = []
    depth: list[str] = []
    quote = ""
    start = 0
    for position, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in _OPENING:
            depth.append(_OPENING[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "," and not depth:
            values.append(text[start:position].strip())
            start = position + 1
    values.append(text[start:].strip())
    return values


def _split_option(option: str, text: str, example: str) -> tuple[str, str]:
    """Split ``PATH=REST``, refusing a missing ``=`` or an empty path."""
    path, equals, rest = text.partition("=")
    path = path.strip()
    if not equals or not path:
        raise _problem(option, text, f"expected {example}")
    return path, rest


def parse_vary(text: str, option: str = "--vary") -> Factor:
    """Read one ``--vary PATH=V1,V2,...`` option (or another option of that form).

    Args:
        text: The option's argument.
        option: The option's name, for messages.

    Returns:
        The factor.

    Raises:
        ScenarioError: If the text is malformed, a value is empty, repeated or not
            valid YAML; the problem's file is ``option``.
    """
    path, rest = _split_option(option, text, "PATH=V1,V2,..., e.g. fleets.lift.count=6,8")
    values = split_values(rest)
    problems: list[Problem] = []
    seen: set[str] = set()
    for value in values:
        if not value:
            problems.append(Problem(option, None, path, f"empty value in {rest!r}"))
            continue
        if value in seen:
            problems.append(Problem(option, None, path, f"value {value!r} is given twice"))
        seen.add(value)
        try:
            parse_assignment(f"{path}={value}")
        except ScenarioError as error:
            problems.extend(Problem(option, None, path, p.message) for p in error.problems)
    if problems:
        raise ScenarioError(problems)
    return Factor(path, tuple(values))


def _bound(path: str, text: str) -> float:
    """Read one bound of a range as a number (YAML, like ``--set`` values)."""
    try:
        _, value = parse_assignment(f"{path}={text}")
    except ScenarioError as error:
        raise _problem("--range", path, error.problems[0].message) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _problem("--range", path, f"bound {text.strip()!r} is not a finite number")
    return value


def parse_range(text: str) -> Range:
    """Read one ``--range PATH=LO:HI`` option.

    Args:
        text: The option's argument.

    Returns:
        The range; ``integer`` when both bounds are written as integers.

    Raises:
        ScenarioError: If the text is malformed, a bound is not a number or the
            bounds are the wrong way round; the problem's file is ``--range``.
    """
    path, rest = _split_option("--range", text, "PATH=LO:HI, e.g. fleets.lift.count=4:12")
    low_text, colon, high_text = rest.partition(":")
    if not colon or not low_text.strip() or not high_text.strip():
        raise _problem("--range", path, f"expected LO:HI after '=', got {rest!r}")
    low, high = _bound(path, low_text), _bound(path, high_text)
    if low > high:
        raise _problem("--range", path, f"the lower bound {low} is above the upper bound {high}")
    integer = isinstance(low, int) and isinstance(high, int)
    return Range(path, low, high, integer)


def _unique_paths(option: str, paths: Sequence[str]) -> None:
    """Refuse a path that is varied twice (the second would silently win)."""
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise _problem(option, path, "this path is given twice")
        seen.add(path)


def grid(factors: Sequence[Factor]) -> list[Point]:
    """Every combination of the factors' values, the first factor varying slowest.

    Args:
        factors: The ``--vary`` options, in command-line order (at least one).

    Returns:
        The points, numbered from 0.

    Raises:
        ScenarioError: If a path is varied twice.
    """
    _unique_paths("--vary", [f.path for f in factors])
    combos = itertools.product(*(f.values for f in factors))
    return [
        Point(i, tuple((f.path, value) for f, value in zip(factors, combo, strict=True)))
        for i, combo in enumerate(combos)
    ]


def format_number(value: float) -> str:
    """A float as YAML reads it back as a float (``1e-07`` would be text to YAML 1.1)."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def scale(u: float, bounds: Range) -> str:
    """Map a uniform ``u`` in [0, 1] into the range, as a value text (``HI`` at ``u = 1``)."""
    if bounds.integer:
        low, high = int(bounds.low), int(bounds.high)
        # Floor over HI - LO + 1 equal slices: every integer equally likely, HI included.
        return str(min(high, low + math.floor(u * (high - low + 1))))
    value = bounds.low + u * (bounds.high - bounds.low)
    return format_number(float(f"{value:.{_SIGNIFICANT}g}"))


def lhs_unit_sample(dimensions: int, n: int, seed: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``n`` points of a Latin hypercube in the unit cube, reproducible from ``seed``.

    Args:
        dimensions: Number of parameters.
        n: Number of points.
        seed: The sweep's seed; the hypercube uses its own stream derived from it.

    Returns:
        An ``(n, dimensions)`` array of values in [0, 1).
    """
    from scipy.stats import qmc

    generator = np.random.default_rng(np.random.SeedSequence([seed, LHS_STREAM]))
    try:
        sampler = qmc.LatinHypercube(dimensions, rng=generator)
    except TypeError:  # SciPy before 1.15 names the argument ``seed``
        sampler = qmc.LatinHypercube(dimensions, seed=generator)
    sample: np.ndarray[Any, np.dtype[np.float64]] = sampler.random(n)
    return sample


def latin_hypercube(ranges: Sequence[Range], n: int, seed: int) -> list[Point]:
    """``n`` points of a Latin hypercube over the ranges.

    Args:
        ranges: The ``--range`` options, in command-line order (at least one).
        n: Number of points (at least one).
        seed: The sweep's seed.

    Returns:
        The points, numbered from 0, in the order the sampler produced them.

    Raises:
        ScenarioError: If a path is given twice.
    """
    _unique_paths("--range", [r.path for r in ranges])
    sample = lhs_unit_sample(len(ranges), n, seed)
    return [
        Point(i, tuple((r.path, scale(float(u), r)) for r, u in zip(ranges, row, strict=True)))
        for i, row in enumerate(sample)
    ]
