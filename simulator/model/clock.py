"""Simulated time: hours since the scenario's start, shown as UTC and D+days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Clock:
    """Converts between simulated hours and UTC instants."""

    start: dt.datetime
    d_day: dt.datetime

    def hours(self, when: dt.datetime) -> float:
        """Simulated hours of a UTC instant."""
        return (when - self.start) / HOUR

    def instant(self, hours: float) -> dt.datetime:
        """UTC instant of a simulated time, to the second."""
        return self.start + dt.timedelta(seconds=round(hours * 3600))

    def iso(self, hours: float | None) -> str | None:
        """ISO 8601 UTC text of a simulated time, to the minute (``2030-01-01T06:00Z``)."""
        if hours is None:
            return None
        return self.instant(hours).strftime("%Y-%m-%dT%H:%MZ")

    def d_plus(self, hours: float | None) -> float | None:
        """Days relative to D-day (negative before it), to two decimals."""
        if hours is None:
            return None
        days = (self.instant(hours) - self.d_day) / dt.timedelta(days=1)
        return round(days, 2) + 0.0

    def d_label(self, hours: float | None) -> str:
        """``D-3.25`` / ``D+0.50`` label of a simulated time."""
        days = self.d_plus(hours)
        return "" if days is None else f"D{days:+.2f}"
