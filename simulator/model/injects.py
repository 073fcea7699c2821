"""Injects: scheduled disturbances of the world.

Two kinds in format v1. A *hold* stops departures from a node, or entries to
a link, for a window of time (weather, a closed pass). A *policy* inject
changes a country's transit policy for one mode from a given time; routes are
planned with the policy in force when a unit sets off.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.clock import Clock
from simulator.scenario.models import HoldInject, Mode, PolicyInject, Scenario, TransitRule


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold window in simulated hours."""

    id: str
    node: str | None
    link: str | None
    start: float
    end: float
    modes: frozenset[str]
    cause: str


def holds_of(scenario: Scenario, clock: Clock) -> tuple[Hold, ...]:
    """Hold injects as windows in simulated hours, in scenario order."""
    return tuple(
        Hold(
            inj.id,
            inj.node,
            inj.link,
            clock.hours(inj.start),
            clock.hours(inj.finish),
            frozenset(inj.modes),
            inj.cause,
        )
        for inj in scenario.injects
        if isinstance(inj, HoldInject)
    )


def hold_until(holds: tuple[Hold, ...], now: float, mode: str, node: str, link: str) -> Hold | None:
    """The hold that keeps a departure from ``node`` onto ``link`` waiting now, if any.

    When several overlap, the one ending last is returned, so that one wait
    covers them all.
    """
    found: Hold | None = None
    for hold in holds:
        if mode not in hold.modes or not hold.start <= now < hold.end:
            continue
        here = hold.node == node or hold.link == link
        if here and (found is None or hold.end > found.end):
            found = hold
    return found


class TransitPolicy:
    """Each country's transit rule per mode, as it changes over time."""

    def __init__(self, scenario: Scenario, clock: Clock) -> None:
        self._initial: dict[tuple[str, str], TransitRule] = {}
        for country in scenario.countries:
            for mode in ("rail", "road", "air"):
                self._initial[country.id, mode] = getattr(country.transit, mode)
        changes = [inj for inj in scenario.injects if isinstance(inj, PolicyInject)]
        # Stable sort: injects at the same instant apply in file order.
        self._changes: list[tuple[float, PolicyInject]] = sorted(
            ((clock.hours(inj.at), inj) for inj in changes), key=lambda pair: pair[0]
        )

    def change_times(self) -> list[float]:
        """Instants (simulated hours) at which some rule changes."""
        return sorted({t for t, _ in self._changes})

    def epoch(self, now: float) -> int:
        """How many policy changes have taken effect by ``now`` (a cache key)."""
        return sum(1 for at, _ in self._changes if at <= now)

    def rule(self, country: str, mode: Mode, now: float) -> TransitRule:
        """The rule in force for ``country`` and ``mode`` at ``now``."""
        rule = self._initial.get((country, mode), TransitRule())
        for at, inj in self._changes:
            if at > now:
                break
            if inj.country == country and inj.mode == mode:
                rule = TransitRule(policy=inj.policy, nations=inj.nations)
        return rule

    def allows(self, country: str, mode: Mode, nation: str, now: float) -> bool:
        """May forces of ``nation`` pass through ``country`` by ``mode`` at ``now``?"""
        if country == nation:
            return True
        rule = self.rule(country, mode, now)
        if rule.nations is None or nation in rule.nations:
            return rule.policy == "allow"
        # A rule naming nations sets the opposite for every other foreign nation:
        # "allow [KG]" lets only Kyrgyz forces pass, "deny [CN]" stops only Chinese.
        return rule.policy == "deny"
