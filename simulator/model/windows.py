"""Flying windows: the local hours of the day in which an aircraft type flies.

A type with a ``flying_window`` takes off no earlier than its start and lands
no later than its end, both in the local time of the place of take-off (the
node's ``utc_offset_h``, else its country's). A flight that would end after
the window waits on the ground until the window opens again: this is how a
daylight-only ferry flight stays overnight at a staging airfield, and how far
it goes in a day follows from it. A flight longer than the whole window takes
off as the window opens.
"""

from __future__ import annotations

import datetime as dt

from simulator.scenario.models import FlyingWindow, Scenario

_EPS = 1e-9


def utc_offsets(scenario: Scenario) -> dict[str, float]:
    """Node id -> hours ahead of UTC of its local time."""
    countries = {c.id: c.utc_offset_h for c in scenario.countries}
    return {
        n.id: float(n.utc_offset_h if n.utc_offset_h is not None else countries[n.country] or 0.0)
        for n in scenario.nodes
    }


def local_hour(start: dt.datetime, hours: float, offset_h: float) -> float:
    """Local hour of the day (0 to 24) at ``hours`` after the UTC instant ``start``."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return ((start - midnight).total_seconds() / 3600.0 + hours + offset_h) % 24.0


def flying_wait(window: FlyingWindow, local: float, flight_h: float) -> float:
    """Hours to wait before a flight of ``flight_h`` hours may take off at local hour ``local``."""
    span = window.end_h - window.start_h
    if flight_h > span + _EPS:
        # Longer than a whole window: off as soon as the window opens.
        return 0.0 if abs(local - window.start_h) <= _EPS else (window.start_h - local) % 24.0
    if window.start_h - _EPS <= local and local + flight_h <= window.end_h + _EPS:
        return 0.0
    return (window.start_h - local) % 24.0
