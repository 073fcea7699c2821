"""All the cross-checks of a scenario, in stages: the data, then the movements.

The checks on the data alone live with the format (:mod:`simulator.scenario.checks`);
those that plan movements live with the model (:mod:`simulator.model.feasibility`).
This module sits above both and runs them in order: a later stage runs only if the
earlier ones found nothing, since it needs them sound.
"""

from __future__ import annotations

from simulator.model.feasibility import movement_findings
from simulator.scenario.checks import (
    Finding,
    milestone_findings,
    mode_findings,
    reference_findings,
)
from simulator.scenario.models import Scenario

__all__ = ["Finding", "cross_check"]


def cross_check(scenario: Scenario) -> list[Finding]:
    """All findings, in a stable order."""
    findings = reference_findings(scenario)
    if findings:
        return findings
    findings = mode_findings(scenario)
    if findings:
        return findings
    return [*movement_findings(scenario), *milestone_findings(scenario)]
