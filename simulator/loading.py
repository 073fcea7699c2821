"""Loading a scenario: YAML, variants, overrides, validation, cross-checks, in one call.

``load_scenario(path, overrides)`` either returns a ``Loaded`` scenario or
raises ``ScenarioError`` listing every problem found, each with file, line
and the path of the value.

A scenario file may be a *variant* of another (see
:mod:`simulator.scenario.variants`); it is composed with its chain of bases
first.  A problem is reported against the file, and the line, that supplied
the value concerned: the variant for what it replaced, added or set, the base
for the rest.  Overridden values (``--set``) are reported against ``--set``.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from simulator.checks import cross_check
from simulator.scenario.errors import Problem, ScenarioError, path_to_str
from simulator.scenario.errors import problems_from_validation_error as _from_validation
from simulator.scenario.models import Scenario
from simulator.scenario.overrides import apply_overrides, attribute_to_overrides
from simulator.scenario.variants import Composed, compose_scenario


@dataclass(frozen=True)
class Loaded:
    """A validated scenario and where it came from."""

    scenario: Scenario
    path: Path
    sha256: str
    """SHA-256 over the bytes of every file in :attr:`files`, in that order, before overrides.

    For a plain scenario this is the SHA-256 of its one file; for a variant it
    changes whenever the variant or any of its bases changes.
    """
    overrides: tuple[str, ...]
    """``PATH=VALUE`` assignments applied, in order."""
    files: tuple[Path, ...] = ()
    """The files read: the scenario file first, then its chain of bases, if any."""
    file_sha256: tuple[str, ...] = ()
    """The SHA-256 of each of :attr:`files`, over the very bytes that were parsed."""

    def resolved(self) -> dict[str, Any]:
        """The scenario as validated (variants and overrides applied, defaults filled)."""
        return self.scenario.model_dump(mode="json")


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Loaded:
    """Load a scenario file (composing it with its bases), override, validate, cross-check.

    Each file is read once: the bytes hashed are the bytes parsed.

    Args:
        path: The scenario file.
        overrides: ``PATH=VALUE`` assignments, applied after the variant chain.

    Returns:
        The validated scenario with the files it came from.

    Raises:
        ScenarioError: listing every problem found.
    """
    return finish(compose_scenario(path), overrides, Path(path))


def finish(composed: Composed, overrides: Sequence[str], path: Path) -> Loaded:
    """Override, validate and cross-check a composed scenario, leaving ``composed`` unchanged.

    A sweep composes its file once and finishes it for every point.

    Args:
        composed: The scenario as read, with its variant chain applied.
        overrides: ``PATH=VALUE`` assignments.
        path: The scenario file, as given.

    Returns:
        The validated scenario with the files it came from.

    Raises:
        ScenarioError: listing every problem found.
    """
    data = copy.deepcopy(composed.data) if overrides else composed.data
    marks = composed.lines()
    changed = apply_overrides(data, overrides, marks)
    try:
        scenario = Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        found = _from_validation(exc, data, marks, composed.file, Scenario, changed)
        problems = composed.relocate(found)
        raise ScenarioError(attribute_to_overrides(problems, changed)) from None
    findings = cross_check(scenario)
    if findings:
        problems = [
            Problem(*composed.locate(where), path_to_str(where), message)
            for where, message in findings
        ]
        raise ScenarioError(attribute_to_overrides(problems, changed))
    digest = hashlib.sha256()
    for content in composed.contents:
        digest.update(content)
    hashes = tuple(hashlib.sha256(content).hexdigest() for content in composed.contents)
    return Loaded(scenario, path, digest.hexdigest(), tuple(overrides), composed.files, hashes)
