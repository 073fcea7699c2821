"""The event log: one immutable record for everything that happens in a run.

Every table, chart and statistic is a pure function of these records. A
record says when (simulated hours since the scenario's clock start), who (the
entity: a unit's load, a carrier, a unit), what (the kind), where (a node or
link id) and a detail mapping of plain JSON values.

Kinds written by the model:

``plan``      a unit's route is fixed (detail: route, legs, km, mode, loads)
``depart``    a load leaves its origin
``reach``     a load (or group) gets to a node on its route
``transfer``  a load is transshipped at a gauge break
``stop``      a load or group makes a fuel stop
``arrive``    a load has closed at its destination (unloaded)
``wait``      something waited (detail: cause, start, hours, and who)
``trip``      a carrier finished a trip (detail: start, hours busy, loads)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, NamedTuple


class Event(NamedTuple):
    """One thing that happened at one simulated time.

    A named tuple, like a frozen record but cheap to make: a replication
    writes several hundred of them.
    """

    time: float
    entity: str
    kind: str
    place: str
    detail: Mapping[str, Any] = MappingProxyType({})
    """Plain JSON values; none by default (an empty mapping that cannot be changed)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON lines."""
        return {
            "time_h": round(self.time, 6),
            "entity": self.entity,
            "kind": self.kind,
            "place": self.place,
            "detail": dict(self.detail),
        }


class EventLog:
    """Append-only list of events, in the order the simulation produced them."""

    def __init__(self) -> None:
        self._records: list[tuple[float, str, str, str, Mapping[str, Any]]] = []
        """The records' fields, made into events when the log is frozen (cheaper)."""
        self._append = self._records.append

    def add(self, time: float, entity: str, kind: str, place: str, **detail: Any) -> None:
        """Record an event."""
        self._append((float(time), entity, kind, place, detail))

    def record(self, time: float, entity: str, kind: str, place: str) -> None:
        """Record an event with no detail (``time`` already a float)."""
        self._append((time, entity, kind, place, {}))

    def wait(
        self,
        start: float,
        end: float,
        entity: str,
        place: str,
        cause: str,
        **detail: Any,
    ) -> None:
        """Record a wait from ``start`` to ``end`` if it lasted at all."""
        if end > start:
            detail = {"cause": cause, "start": start, "hours": end - start, **detail}
            self._append((float(end), entity, "wait", place, detail))

    def freeze(self) -> tuple[Event, ...]:
        """The events so far, immutable."""
        # tuple.__new__ makes each named tuple in C, without a call of Event's own __new__.
        return tuple(map(partial(tuple.__new__, Event), self._records))
