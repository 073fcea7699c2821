"""Injects: disturbances of the world, scheduled or random.

A *hold* stops departures from a node, or entries to a link, for a window of
time (weather, a closed pass); *weather* makes such holds at random, day by
day. A *policy* inject changes a country's transit policy for one mode from a
given time; routes are planned with the policy in force when a unit sets off.
*Breakdowns* (per 1,000 km run) and *losses* of carriers act on the movements
themselves (see ``World.traverse`` and ``World.lose``).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from simulator.model.clock import Clock
from simulator.model.streams import Streams
from simulator.scenario.distributions import draw
from simulator.scenario.models import (
    HoldInject,
    Mode,
    PolicyInject,
    Scenario,
    TransitRule,
    WeatherInject,
)


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


def holds_of(scenario: Scenario, clock: Clock, streams: Streams) -> tuple[Hold, ...]:
    """Hold windows in simulated hours, drawn for this replication, in scenario order.

    A hold inject gives one window (its length drawn if uncertain); a weather
    inject gives one window for each 24 hours from its ``start`` in which its
    draw says bad weather began.
    Each inject draws from its own stream ``inject:<id>``.
    """
    holds: list[Hold] = []
    for inj in scenario.injects:
        if isinstance(inj, HoldInject):
            rng = streams(f"inject:{inj.id}")
            start = clock.hours(inj.start)
            if inj.end is not None:
                end = clock.hours(inj.end)
            else:
                assert inj.duration_h is not None
                end = start + draw(inj.duration_h, rng)
            holds.append(
                Hold(inj.id, inj.node, inj.link, start, end, frozenset(inj.modes), inj.cause)
            )
        elif isinstance(inj, WeatherInject):
            rng = streams(f"inject:{inj.id}")
            day = clock.hours(inj.start)
            last = clock.hours(inj.end)
            while day < last:
                # Draw both numbers every day, so one day's weather does not shift the next's.
                happens, hour = rng.random(), rng.uniform(0.0, 24.0)
                length = draw(inj.duration_h, rng)
                if happens < inj.probability_per_day and day + hour < last:
                    holds.append(
                        Hold(
                            inj.id,
                            inj.node,
                            inj.link,
                            day + hour,
                            day + hour + length,
                            frozenset(inj.modes),
                            inj.cause,
                        )
                    )
                day += 24.0
    return tuple(holds)


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
        self._times = [at for at, _ in self._changes]

    def change_times(self) -> list[float]:
        """Instants (simulated hours) at which some rule changes."""
        return sorted({t for t, _ in self._changes})

    @property
    def last_epoch(self) -> int:
        """The epoch once every change has taken effect: from then on, nothing changes."""
        return len(self._times)

    def epoch(self, now: float) -> int:
        """How many policy changes have taken effect by ``now`` (a cache key)."""
        return bisect_right(self._times, now)

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
        # "allow [B]" lets only nation B pass, "deny [C]" stops only nation C.
        return rule.policy == "deny"
