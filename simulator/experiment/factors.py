"""The uncertain quantities of a scenario, as factors that an experiment sets.

A *factor* is one scenario value that a sensitivity analysis moves over its
range.  By default the factors are every distribution in the scenario, found by
walking the validated scenario (nothing here knows its fields): a factor's name
is the dotted path of the value, list items by their ``id`` as in ``--set``
(``transport_types.heavy_train.load_h``).  Or they are the ``--range PATH=LO:HI``
options of the command line.

An experiment places each factor at a point ``x`` of [0, 1] and the factor turns
that into a value text for an override:

* a **distribution** becomes the fixed number at the quantile
  ``u = margin + x (1 - 2 margin)`` of it (its inverse CDF, see
  :func:`simulator.scenario.distributions.quantile`).  The quantity is then that
  number in the whole replication: every draw of it gives the same value, while
  every other random number of the run stays as its seed makes it (common random
  numbers).  The margin keeps ``u`` off 0 and 1, where unbounded families are
  infinite;
* a **range** becomes ``LO + x (HI - LO)``, or for integer bounds one of the
  integers ``LO``..``HI`` (as in a sweep's Latin hypercube).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from simulator.experiment.design import Range, format_number, parse_range, scale
from simulator.scenario.distributions import FAMILIES, Distribution, quantile
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.models import Scenario

__all__ = ["Factor", "choose", "distributions", "from_ranges", "group_of"]

_SIGNIFICANT = 6
_DISTRIBUTIONS = tuple(FAMILIES.values())


@dataclass(frozen=True)
class Factor:
    """One quantity an experiment sets.

    Attributes:
        path: The dotted scenario path (the factor's name).
        distribution: The distribution it replaces, for a distribution factor.
        bounds: The range, for a ``--range`` factor.
    """

    path: str
    distribution: Distribution | None = None
    bounds: Range | None = None

    def value(self, x: float, margin: float) -> str:
        """The value text at ``x`` in [0, 1] (see the module's description)."""
        if self.bounds is not None:
            return scale(x, self.bounds)
        assert self.distribution is not None
        u = margin + x * (1 - 2 * margin)
        number = quantile(self.distribution, u)
        return format_number(float(f"{number:.{_SIGNIFICANT}g}"))

    def describe(self) -> dict[str, Any]:
        """The factor as recorded in the experiment's files."""
        if self.bounds is not None:
            return {
                "path": self.path,
                "range": [self.bounds.low, self.bounds.high],
                "integer": self.bounds.integer,
            }
        assert self.distribution is not None
        return {"path": self.path, "distribution": self.distribution.model_dump(mode="json")}


def _segment(text: str) -> str:
    """A path segment as ``--set`` reads it (brackets around one with a dot)."""
    return f"[{text}]" if "." in text else text


def _join(prefix: str, segment: str) -> str:
    if segment.startswith("["):
        return prefix + segment
    return f"{prefix}.{segment}" if prefix else segment


def _walk(value: Any, path: str) -> Iterator[tuple[str, Distribution]]:
    """Every distribution under ``value``, in field order, with its path."""
    if isinstance(value, _DISTRIBUTIONS):
        yield path, value  # type: ignore[misc]
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), _join(path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            ident = getattr(item, "id", None)
            segment = ident if isinstance(ident, str) and ident else str(index)
            yield from _walk(item, _join(path, _segment(segment)))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, _join(path, _segment(str(key))))


def distributions(scenario: Scenario) -> list[Factor]:
    """Every distribution in the scenario, as factors, in the order of the format."""
    return [Factor(path, distribution=d) for path, d in _walk(scenario, "")]


def from_ranges(texts: Sequence[str]) -> list[Factor]:
    """The ``--range PATH=LO:HI`` options as factors (a path given twice is refused)."""
    factors = [Factor(r.path, bounds=r) for r in (parse_range(text) for text in texts)]
    seen: set[str] = set()
    for factor in factors:
        if factor.path in seen:
            raise ScenarioError(Problem("--range", None, factor.path, "this path is given twice"))
        seen.add(factor.path)
    return factors


def _nearest(paths: Sequence[str]) -> str:
    return ", ".join(paths) if paths else "(none)"


def choose(factors: Sequence[Factor], patterns: Sequence[str], option: str) -> list[Factor]:
    """The factors whose path matches one of ``patterns`` (``fnmatch``), in their order.

    Raises:
        ScenarioError: For every pattern that matches no factor, listing the factors.
    """
    if not patterns:
        return list(factors)
    paths = [f.path for f in factors]
    listed = _nearest(paths)
    problems = [
        Problem(option, None, pattern, f"matches no uncertain quantity; they are: {listed}")
        for pattern in patterns
        if not any(fnmatch.fnmatchcase(path, pattern) for path in paths)
    ]
    if problems:
        raise ScenarioError(problems)
    return [f for f in factors if any(fnmatch.fnmatchcase(f.path, p) for p in patterns)]


def group_of(factors: Sequence[Factor], groups: Sequence[str]) -> list[str] | None:
    """The group of each factor from ``--group NAME=PATTERN`` options, or None without any.

    A factor takes the first group whose pattern its path matches; a factor in
    no group is a group of its own, named by its path.

    Raises:
        ScenarioError: For a malformed option, a name given twice or used by a
            factor, or a pattern that matches no factor.
    """
    if not groups:
        return None
    paths = [f.path for f in factors]
    named: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for text in groups:
        name, equals, pattern = (part.strip() for part in text.partition("="))
        if not equals or not name or not pattern:
            problems.append(
                Problem(
                    "--group",
                    None,
                    text,
                    "expected NAME=PATTERN, e.g. border='nodes.*.limits.border_h'",
                )
            )
        elif name in (n for n, _ in named) or name in paths:
            problems.append(Problem("--group", None, name, "this name is already taken"))
        elif not any(fnmatch.fnmatchcase(path, pattern) for path in paths):
            problems.append(
                Problem("--group", None, pattern, f"matches no factor; they are: {_nearest(paths)}")
            )
        else:
            named.append((name, pattern))
    if problems:
        raise ScenarioError(problems)
    return [next((n for n, p in named if fnmatch.fnmatchcase(path, p)), path) for path in paths]
