"""Names and local times of a scenario's places, units, countries and milestones.

What a room reads are names, not ids, and the time on the clock of the place
concerned. A node's local time is ``utc_offset_h`` hours ahead of UTC: the
node's own offset if it has one, else its country's; with neither, only UTC is
shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from simulator.model.clock import Clock
from simulator.scenario.models import Milestone, Scenario


@dataclass(frozen=True)
class Places:
    """Look-ups over one scenario: names, UTC offsets and times shown two ways."""

    scenario: Scenario
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        clock = Clock(self.scenario.clock.start, self.scenario.clock.d_day)
        object.__setattr__(self, "clock", clock)

    def node(self, node_id: str | None) -> str:
        """The name of a node (its id if it has no name; ``-`` for none)."""
        if node_id is None:
            return "-"
        found = next((n for n in self.scenario.nodes if n.id == node_id), None)
        return (found.name or found.id) if found else node_id

    def unit(self, unit_id: str) -> str:
        """The name of a unit (its id if it has no name)."""
        found = next((u for u in self.scenario.forces if u.id == unit_id), None)
        return (found.name or found.id) if found else unit_id

    def country(self, country_id: str) -> str:
        """The name of a country (its id if it has no name)."""
        found = next((c for c in self.scenario.countries if c.id == country_id), None)
        return (found.name or found.id) if found else country_id

    def offset_h(self, node_id: str | None) -> float | None:
        """Hours ahead of UTC at a node: its own offset, else its country's, else ``None``."""
        found = next((n for n in self.scenario.nodes if n.id == node_id), None)
        if found is None:
            return None
        if found.utc_offset_h is not None:
            return found.utc_offset_h
        country = next((c for c in self.scenario.countries if c.id == found.country), None)
        return None if country is None else country.utc_offset_h

    def milestone_place(self, milestone: Milestone) -> str | None:
        """The node a milestone happens at: its ``at``, else its units' one origin (for a
        departure) or one destination (for the rest); ``None`` if they have several."""
        measure = milestone.measure
        if measure.at is not None:
            return measure.at
        if measure.task is not None:
            return None
        units = [
            u
            for u in self.scenario.forces
            if (not measure.units or u.id in measure.units)
            and (not measure.nations or u.nation in measure.nations)
        ]
        ends = {u.origin if measure.event == "depart" else u.destination for u in units}
        return ends.pop() if len(ends) == 1 else None

    def utc(self, hours: float | None) -> str:
        """``2030-01-01 00:00 UTC`` (``-`` for none)."""
        if hours is None:
            return "-"
        return self.clock.instant(hours).strftime("%Y-%m-%d %H:%M UTC")

    def local(self, hours: float | None, node_id: str | None) -> str | None:
        """The local time at a node (``15 Jul 08:00 local, UTC+8``), if its offset is known."""
        offset = self.offset_h(node_id)
        if hours is None or offset is None:
            return None
        when = self.clock.instant(hours) + dt.timedelta(hours=offset)
        sign = "+" if offset >= 0 else "-"
        whole, minutes = divmod(round(abs(offset) * 60), 60)
        zone = f"UTC{sign}{whole}" + (f":{minutes:02d}" if minutes else "")
        return f"{when:%d %b %H:%M} local, {zone}"

    def when(self, hours: float | None, node_id: str | None = None) -> str:
        """A time in UTC, with the local time of the place when it is known."""
        local = self.local(hours, node_id)
        utc = self.utc(hours)
        return f"{utc} ({local})" if local else utc


def target_of(clock: Clock, text: str) -> float | str:
    """Where ``advance`` aims, from what a facilitator typed: a UTC date or time (as
    simulated hours; ``2030-01-05``, ``2030-01-05T06:00``), else an inject or milestone id."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text.strip()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return clock.hours(when)
