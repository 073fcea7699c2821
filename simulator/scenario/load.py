"""Loading a scenario: YAML, overrides, validation, cross-checks, in one call.

``load_scenario(path, overrides)`` either returns a ``Loaded`` scenario or
raises ``ScenarioError`` listing every problem found, each with file, line
and the path of the value. Overridden values (``--set``) are reported
against ``--set``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from simulator.scenario.checks import cross_check
from simulator.scenario.errors import (
    Marks,
    Problem,
    ScenarioError,
    _line_for,
    path_to_str,
    problems_from_validation_error,
)
from simulator.scenario.models import Scenario
from simulator.scenario.overrides import apply_overrides, attribute_to_overrides
from simulator.scenario.yamlio import load_yaml_file


@dataclass(frozen=True)
class Loaded:
    """A validated scenario and where it came from."""

    scenario: Scenario
    path: Path
    sha256: str
    """SHA-256 of the file's bytes, before overrides."""
    overrides: tuple[str, ...]
    """``PATH=VALUE`` assignments applied, in order."""

    def resolved(self) -> dict[str, Any]:
        """The scenario as validated (defaults filled, overrides applied), as JSON data."""
        return self.scenario.model_dump(mode="json")


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Loaded:
    """Load, override, validate and cross-check a scenario file.

    Raises:
        ScenarioError: listing every problem found.
    """
    path = Path(path)
    file = str(path)
    data, marks = load_yaml_file(path)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problem = Problem(file, 1, "", f"a scenario is a mapping of keys; this is {kind}")
        raise ScenarioError([problem])
    changed = apply_overrides(data, overrides, marks)
    try:
        scenario = Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = problems_from_validation_error(exc, data, marks, file)
        raise ScenarioError(attribute_to_overrides(problems, changed)) from None
    findings = cross_check(scenario)
    if findings:
        problems = [_located(file, marks, where, message) for where, message in findings]
        raise ScenarioError(attribute_to_overrides(problems, changed))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Loaded(scenario, path, digest, tuple(overrides))


def _located(file: str, marks: Marks, where: tuple[str | int, ...], message: str) -> Problem:
    return Problem(file, _line_for(where, marks), path_to_str(where), message)
