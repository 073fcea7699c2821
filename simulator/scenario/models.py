"""The scenario format, version 1, as immutable pydantic models.

A scenario says everything the simulator knows about an exercise: its clock,
the places and the links between them, the countries and what they let pass,
the transport types and fleets, the limits at each place, the forces that
move, the injects that disturb them, and the historical record to compare
with. Nothing in the simulator names a real place or force; it all comes from
here. Every model rejects unknown keys and is frozen once validated.

Units: distances in kilometres, speeds in km/h, durations in hours, masses in
tonnes, times in UTC. Most items carry an optional ``source`` string:
``paper``, ``facts:<section>`` or ``assumption: <why>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from simulator.scenario.distributions import Quantity, SpeedQuantity
from simulator.scenario.operations import Operations
from simulator.scenario.types import (
    MAX_PER_1000_KM,
    UTC,
    Day,
    FleetSize,
    Frozen,
    Id,
    NonNegFloat,
    NonNegInt,
    PositiveDistance,
    PositiveFloat,
    PositiveInt,
    Speed,
    Vehicles,
    as_utc,
)
from simulator.wording import article

FORMAT_VERSION = 1

Mode = Literal["rail", "road", "air"]
"""A way of moving over a link. Helicopters and aircraft both use ``air``."""

MODES: tuple[Mode, ...] = ("rail", "road", "air")


UtcOffset = Annotated[float, Field(ge=-12, le=14)]
"""Hours ahead of UTC of a place's local time (India is 5.5; west of Greenwich, negative)."""


def _given(model: Frozen, name: str) -> bool:
    """True if a field holds something other than its default.

    (Not "was it written": a resolved scenario, dumped with every default,
    must validate again.)
    """
    field = type(model).model_fields[name]
    default = field.get_default(call_default_factory=True)
    return bool(getattr(model, name) != default)


class Clock(Frozen):
    """When the scenario starts and which instant is D-day (D+0)."""

    start: UTC = Field(description="Simulation time zero, UTC.")
    d_day: UTC = Field(description="The reference instant reported as D+0, UTC.")
    source: str | None = None


class NodeLimits(Frozen):
    """Limits on what a place can handle at once; absent means unlimited."""

    parking: PositiveInt | None = Field(
        None, description="Aircraft that can stand on the apron at once (MOG)."
    )
    loading_ramps: PositiveInt | None = Field(
        None, description="Trains that can be loaded or unloaded at once."
    )
    transfer_capacity: PositiveInt | None = Field(
        None, description="Train loads that can be transshipped at once at a gauge break."
    )
    transfer_h: Quantity | None = Field(
        None, description="Hours to transship one train load at a gauge break."
    )
    border_h: Quantity | None = Field(
        None, description="Hours of border and customs formalities for each load crossing here."
    )
    source: str | None = None

    @model_validator(mode="after")
    def _transfer_pair(self) -> NodeLimits:
        if (self.transfer_capacity is None) != (self.transfer_h is None):
            raise ValueError("transfer_capacity and transfer_h go together: give both or neither")
        return self


NodeKind = Literal["station", "airfield", "garrison", "border", "area", "waypoint"]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Node(Frozen):
    """A place: station, airfield, garrison, border crossing or exercise area."""

    id: Id
    name: str | None = None
    country: Id = Field(description="Country id; must be listed under `countries`.")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, degrees.")
    kind: Annotated[
        list[NodeKind],
        BeforeValidator(_listed, json_schema_input_type=list[NodeKind] | NodeKind),
    ] = Field(
        default_factory=list,
        description=(
            "What the place is. Aircraft land only at airfields (or at nodes of no stated "
            "kind); a waypoint is a point on an air corridor that is flown over."
        ),
    )
    limits: NodeLimits = Field(default_factory=NodeLimits)
    utc_offset_h: UtcOffset | None = Field(
        None, description="Local time, hours ahead of UTC; default: the country's."
    )
    source: str | None = None


class Link(Frozen):
    """A connection between two nodes, usable both ways by one mode.

    The length is ``distance_km`` if given, else the great-circle distance
    between the end nodes times ``detour`` (1.0 = straight line).
    """

    id: Id
    a: Id = Field(description="One end node id.")
    b: Id = Field(description="The other end node id.")
    mode: Mode
    distance_km: PositiveDistance | None = None
    detour: Annotated[float, Field(ge=1.0, le=5.0)] = 1.0
    gauge_mm: PositiveInt | None = Field(None, description="Rail gauge; required for rail.")
    speed_kmh: Speed | None = Field(
        None, description="Speed limit on this link; a vehicle runs at min(its speed, this)."
    )
    crosses: list[Id] = Field(
        default_factory=list,
        description="Countries crossed on the way whose transit policy also applies.",
    )
    trains_per_day: PositiveFloat | None = Field(
        None,
        description=(
            "Rail only: train paths a day in each direction; trains enter the link at least "
            "24 / trains_per_day hours apart, in the order they are ready, and leave it in "
            "the order they entered. Absent: no limit."
        ),
    )
    source: str | None = None

    @field_validator("trains_per_day")
    @classmethod
    def _rail_capacity(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("mode", "rail") != "rail":
            raise ValueError("trains_per_day applies to rail links only")
        return value

    @model_validator(mode="after")
    def _rail_gauge(self) -> Link:
        if self.mode == "rail" and self.gauge_mm is None:
            raise ValueError("a rail link needs gauge_mm")
        if self.mode != "rail" and self.gauge_mm is not None:
            raise ValueError("gauge_mm applies to rail links only")
        if self.a == self.b:
            raise ValueError("a link joins two different nodes")
        return self


Policy = Literal["allow", "deny"]


class TransitRule(Frozen):
    """Whether foreign forces may pass through a country by one mode."""

    policy: Policy = "allow"
    nations: list[Id] | None = Field(
        None,
        description=(
            "Nations the policy applies to; every other foreign nation gets the opposite "
            "(allow [B] lets only forces of nation B pass). Absent: every foreign nation."
        ),
    )


def _rule(value: Any) -> Any:
    return {"policy": value} if isinstance(value, str) else value


Rule = Annotated[TransitRule, BeforeValidator(_rule, json_schema_input_type=TransitRule | Policy)]
"""A transit rule, or just its policy (``deny`` = deny every foreign nation)."""


class Transit(Frozen):
    """A transit rule per mode; a mode not given is allowed."""

    rail: Rule = Field(default_factory=TransitRule)
    road: Rule = Field(default_factory=TransitRule)
    air: Rule = Field(default_factory=TransitRule)


class Country(Frozen):
    """A country, with the transit policy it applies to foreign forces."""

    id: Id
    name: str | None = None
    iso: str | None = Field(
        None,
        description=(
            "ISO 3166-1 alpha-3 code of the country's Natural Earth outline, drawn on maps "
            "(e.g. KAZ). Absent (a fictional country): no border is drawn."
        ),
    )
    transit: Transit = Field(default_factory=Transit)
    utc_offset_h: UtcOffset | None = Field(
        None, description="Local time, hours ahead of UTC (times are shown in UTC without it)."
    )
    source: str | None = None


class Capacity(Frozen):
    """What one vehicle (a train set, an aircraft) can carry in one load."""

    personnel: NonNegInt = 0
    tonnes: NonNegFloat = 0.0
    outsize: NonNegInt = Field(0, description="Outsize vehicles (slots) per load.")


class FlyingWindow(Frozen):
    """The local hours of the day in which an aircraft type flies (daylight, a duty day)."""

    start_h: Annotated[float, Field(ge=0, lt=24)] = Field(
        description="Earliest take-off, local hours after midnight at the place of take-off."
    )
    end_h: Annotated[float, Field(gt=0, le=24)] = Field(
        description="Latest landing, local hours after midnight at the place of take-off."
    )

    @model_validator(mode="after")
    def _ordered(self) -> FlyingWindow:
        if self.end_h <= self.start_h:
            raise ValueError(
                f"end_h ({self.end_h:g}) must be later than start_h ({self.start_h:g}): "
                "the window lies within one local day"
            )
        return self


class TransportType(Frozen):
    """A kind of carrier: a train set, a transport aircraft, a helicopter, a convoy."""

    id: Id
    name: str | None = None
    mode: Mode
    capacity: Capacity = Field(default_factory=Capacity)
    speed_kmh: SpeedQuantity = Field(description="Average speed, halts included.")
    gauge_mm: PositiveInt | None = Field(None, description="Rail only: the gauge it runs on.")
    range_km: PositiveDistance | None = Field(
        None, description="Air only: longest leg without refuelling (with the load carried)."
    )
    load_h: Quantity = Field(0.0, description="Hours to load (entrain, emplane) one load.")
    unload_h: Quantity = Field(0.0, description="Hours to unload one load.")
    turnaround_h: Quantity = Field(
        0.0, description="Hours at home base between trips (servicing, crew rest)."
    )
    refuel_h: Quantity = Field(0.0, description="Air only: hours on the ground per fuel stop.")
    flying_window: FlyingWindow | None = Field(
        None,
        description=(
            "Air only: flights take off and land within these local hours of the day; "
            "a flight that would end later waits on the ground for the next window."
        ),
    )
    source: str | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> TransportType:
        if self.mode == "rail" and self.gauge_mm is None:
            raise ValueError("a rail transport type needs gauge_mm")
        if self.mode != "rail" and self.gauge_mm is not None:
            raise ValueError("gauge_mm applies to rail transport types only")
        if self.mode != "air":
            for name in ("range_km", "refuel_h", "flying_window"):
                if _given(self, name):
                    raise ValueError(f"`{name}` applies to air transport types only")
        return self


class Fleet(Frozen):
    """A number of carriers of one type, kept at a home base."""

    id: Id
    name: str | None = None
    type: Id = Field(description="Transport type id.")
    count: FleetSize = Field(
        description="Carriers at the start; 0 for a fleet that has carriers only once a "
        "reinforcement (an inject or a decision) brings them."
    )
    base: Id = Field(description="Node where the carriers start and return between trips.")
    nation: Id | None = None
    max_detour: Annotated[float, Field(ge=1.0, le=3.0)] = Field(
        1.0,
        description=(
            "Air only: an aircraft with room to spare also collects loads for the same "
            "destination at another airfield if the trip grows by at most this factor."
        ),
    )
    source: str | None = None


class Equipment(Frozen):
    """Vehicles or items of one type in a unit."""

    type: str = Field(min_length=1)
    count: PositiveInt
    mass_t: NonNegFloat = Field(description="Mass of one item, tonnes.")
    outsize: bool = Field(False, description="Needs an outsize slot (flatcar, drop platform).")
    source: str | None = None


Movement = Literal["rail", "road", "air", "self_deploy"]


class Unit(Frozen):
    """A force element that moves as one: its size, where and when, and how."""

    id: Id
    name: str | None = None
    nation: Id
    personnel: NonNegInt
    equipment: list[Equipment] = Field(default_factory=list)
    origin: Id
    destination: Id
    ready: UTC = Field(description="Earliest departure, UTC.")
    required_by: UTC | None = Field(None, description="Needed at destination by, UTC.")
    mode: Movement
    fleets: list[Id] = Field(
        default_factory=list,
        description="Fleets that may carry it, in order of preference (rail, road, air).",
    )
    vehicle: Id | None = Field(
        None, description="self_deploy: the transport type the unit flies or drives itself."
    )
    vehicles: PositiveInt = Field(1, description="self_deploy: how many vehicles move.")
    group_size: PositiveInt | None = Field(
        None, description="self_deploy: vehicles per group; default all in one group."
    )
    group_interval_h: NonNegFloat = Field(
        0.0, description="self_deploy: hours between the departures of successive groups."
    )
    source: str | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> Unit:
        if self.origin == self.destination:
            raise ValueError("origin and destination are the same node")
        if self.mode == "self_deploy":
            if self.vehicle is None:
                raise ValueError("a self_deploy unit needs `vehicle` (a transport type id)")
            if self.fleets:
                raise ValueError("a self_deploy unit moves itself: `fleets` does not apply")
        else:
            for name in ("vehicle", "vehicles", "group_size", "group_interval_h"):
                if _given(self, name):
                    raise ValueError(f"`{name}` applies to self_deploy units only")
        return self


class Change(Frozen):
    """One change a decision makes, ``after_h`` hours after it is taken.

    ``policy``: a country's transit rule for a mode (``country``, ``mode``,
    ``policy``, ``nations``). ``hold``: departures stop at ``node`` or on
    ``link`` for ``duration_h``. ``reinforce``: ``count`` more carriers join
    ``fleet`` at its base. ``loss``: ``count`` carriers of ``fleet`` are
    withdrawn. ``delay_task``: operations task ``task`` is put back
    ``delay_h`` hours from its date (or from now, if it has none).
    """

    kind: Literal["policy", "hold", "reinforce", "loss", "delay_task"]
    after_h: NonNegFloat = 0.0
    country: Id | None = None
    mode: Mode | None = None
    policy: Policy | None = None
    nations: list[Id] | None = None
    node: Id | None = None
    link: Id | None = None
    duration_h: Quantity | None = None
    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    cause: str = Field("decision", min_length=1)
    fleet: Id | None = None
    count: Vehicles = 1
    task: Id | None = None
    delay_h: NonNegFloat | None = None

    @model_validator(mode="after")
    def _fields(self) -> Change:
        needed = {
            "policy": ("country", "mode", "policy"),
            "hold": ("duration_h",),
            "reinforce": ("fleet",),
            "loss": ("fleet",),
            "delay_task": ("task", "delay_h"),
        }[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{article(self.kind)} change needs {', '.join(missing)}")
        if self.kind == "hold" and (self.node is None) == (self.link is None):
            raise ValueError("a hold change applies at exactly one of `node` or `link`")
        return self


class Option(Frozen):
    """One choice a facilitator may take at a decision point."""

    id: Id
    label: str = Field(min_length=1)
    changes: list[Change] = Field(default_factory=list)


class Decision(Frozen):
    """A question for the room when an inject fires, with its options."""

    prompt: str = Field(min_length=1)
    options: list[Option] = Field(min_length=1)
    default: Id | None = Field(None, description="Option taken when none is chosen.")

    @model_validator(mode="after")
    def _ids(self) -> Decision:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must differ")
        if self.default is not None and self.default not in ids:
            raise ValueError(f"default '{self.default}' is not one of the options")
        return self


class HoldInject(Frozen):
    """Nothing departs a node, or enters a link, during a window (e.g. weather)."""

    id: Id
    kind: Literal["hold"]
    node: Id | None = None
    link: Id | None = None
    start: UTC
    end: UTC | None = None
    duration_h: Quantity | None = None
    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    cause: str = Field("weather", min_length=1, description="Reported as the wait's cause.")
    decision: Decision | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _where_when(self) -> HoldInject:
        if (self.node is None) == (self.link is None):
            raise ValueError("a hold applies at exactly one of `node` or `link`")
        if (self.end is None) == (self.duration_h is None):
            raise ValueError("give exactly one of `end` or `duration_h`")
        if self.end is not None and self.end <= self.start:
            raise ValueError("`end` must be after `start`")
        return self


class PolicyInject(Frozen):
    """A country changes its transit policy for one mode from a given time."""

    id: Id
    kind: Literal["policy"]
    at: UTC
    country: Id
    mode: Mode
    policy: Policy
    nations: list[Id] | None = None
    decision: Decision | None = None
    source: str | None = None


class DecisionInject(Frozen):
    """A decision point with no change of its own: the room is asked at ``at``."""

    id: Id
    kind: Literal["decision"]
    at: UTC
    decision: Decision
    source: str | None = None


class ReinforceInject(Frozen):
    """``count`` more carriers join ``fleet`` at its base at ``at``."""

    id: Id
    kind: Literal["reinforce"]
    fleet: Id
    count: Vehicles = 1
    at: UTC
    source: str | None = None


class RescheduleInject(Frozen):
    """Operations task ``task`` is put back ``delay_h`` hours, from ``at`` on."""

    id: Id
    kind: Literal["reschedule"]
    task: Id
    delay_h: NonNegFloat
    at: UTC
    source: str | None = None


class WeatherInject(Frozen):
    """Random holds: on each day of a window, with a probability, a hold begins.

    Each UTC day from ``start`` to ``end``, a hold of a drawn ``duration_h``
    begins at a uniformly drawn hour with probability ``probability_per_day``,
    at ``node`` or on ``link``, for the given modes.
    """

    id: Id
    kind: Literal["weather"]
    node: Id | None = None
    link: Id | None = None
    start: UTC
    end: UTC
    probability_per_day: Annotated[float, Field(ge=0, le=1)]
    duration_h: Quantity
    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    cause: str = Field("weather", min_length=1)
    source: str | None = None

    @model_validator(mode="after")
    def _where_when(self) -> WeatherInject:
        if (self.node is None) == (self.link is None):
            raise ValueError("weather applies at exactly one of `node` or `link`")
        if self.end <= self.start:
            raise ValueError("`end` must be after `start`")
        return self


class BreakdownInject(Frozen):
    """Carriers of ``fleets`` and vehicles of self-deploying ``units`` break down on the way.

    On a leg of L km a carrier or group suffers a Poisson number of breakdowns
    with mean ``per_1000_km * L / 1000``; each costs a drawn ``repair_h`` before
    it goes on.
    """

    id: Id
    kind: Literal["breakdown"]
    fleets: list[Id] = Field(default_factory=list)
    units: list[Id] = Field(default_factory=list)
    per_1000_km: Annotated[float, Field(ge=0, le=MAX_PER_1000_KM, allow_inf_nan=False)]
    repair_h: Quantity
    cause: str = Field("breakdown", min_length=1)
    source: str | None = None

    @model_validator(mode="after")
    def _who(self) -> BreakdownInject:
        if not self.fleets and not self.units:
            raise ValueError("name the `fleets` or self-deploying `units` that break down")
        return self


class LossInject(Frozen):
    """``count`` carriers of ``fleet`` are lost at ``at`` (with ``probability``).

    An idle carrier is lost at once; a busy one when it is next back at base.
    """

    id: Id
    kind: Literal["loss"]
    fleet: Id
    count: Vehicles = 1
    at: UTC
    probability: Annotated[float, Field(gt=0, le=1)] = 1.0
    decision: Decision | None = None
    source: str | None = None


Inject = Annotated[
    HoldInject | PolicyInject | WeatherInject | BreakdownInject | LossInject | DecisionInject
    | ReinforceInject | RescheduleInject,
    Field(discriminator="kind"),
]  # fmt: skip


class Window(Frozen):
    """An observed time: a window, a deadline (only ``latest``), a floor, or a day.

    ``day`` is a calendar day of the record, read in local time at
    ``utc_offset_h`` hours ahead of UTC (a report dated 27 July at
    UTC+8, covers 26 July 16:00 to 27 July 16:00 UTC); it sets ``earliest``
    and ``latest`` to that day's bounds.
    """

    day: Day | None = None
    utc_offset_h: UtcOffset = 0.0
    earliest: UTC | None = None
    latest: UTC | None = None

    @model_validator(mode="before")
    @classmethod
    def _day_bounds(cls, value: Any) -> Any:
        if not isinstance(value, dict) or value.get("day") is None:
            return value
        day = value["day"]
        if isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day.strip())
            except ValueError:
                return value  # the field validator reports it
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            return value
        offset = value.get("utc_offset_h", 0.0)
        if not isinstance(offset, int | float) or isinstance(offset, bool):
            return value
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - dt.timedelta(
            hours=offset
        )
        bounds = {"earliest": start, "latest": start + dt.timedelta(days=1)}
        for key, bound in bounds.items():
            # A resolved scenario writes the bounds out; they must be the day's own.
            given = value.get(key)
            if given is not None and as_utc(given) != bound:
                raise ValueError("give either `day` or `earliest`/`latest`, not both")
        return {**value, **bounds}

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.day is None and _given(self, "utc_offset_h"):
            raise ValueError("`utc_offset_h` applies to `day` only")
        if self.earliest is None and self.latest is None:
            raise ValueError("give `earliest`, `latest` or both")
        if self.earliest and self.latest and self.latest < self.earliest:
            raise ValueError("`latest` is before `earliest`")
        return self


def _observed(value: Any) -> Any:
    """A bare date means that whole UTC day; a bare datetime means that instant."""
    if isinstance(value, dt.datetime) or (
        isinstance(value, str) and ("T" in value or " " in value.strip())
    ):
        return {"earliest": value, "latest": value}
    if isinstance(value, dt.date | str):
        return {"day": value}
    return value


class Measure(Frozen):
    """Which simulated instant a milestone reads off the run.

    ``depart``: a unit leaves its origin. ``reach``: a unit gets to node ``at``
    (on its route or at its destination). ``leave``: a unit leaves node ``at``
    (its origin or a node on its route). ``arrive``: a unit closes at its
    destination. ``closed``: a ``share`` of the selected personnel has closed.
    Units are selected by ``units`` and/or ``nations`` (neither: all units);
    ``which`` picks the first or the last of the selected units' instants.
    ``task_start`` and ``task_end`` read the start or end of operations task
    ``task``.
    """

    event: Literal["depart", "reach", "leave", "arrive", "closed", "task_start", "task_end"]
    task: Id | None = None
    units: list[Id] = Field(default_factory=list)
    nations: list[Id] = Field(default_factory=list)
    at: Id | None = None
    which: Literal["first", "last"] = "first"
    share: Annotated[float, Field(gt=0, le=1)] = 1.0

    @model_validator(mode="after")
    def _fields(self) -> Measure:
        if (self.event in ("reach", "leave")) != (self.at is not None):
            raise ValueError("`at` is required for `reach` and `leave` and applies to them only")
        if self.event.startswith("task_") != (self.task is not None):
            raise ValueError("`task` is required for task_start and task_end, and only there")
        if self.task is not None and (self.units or self.nations):
            raise ValueError("a task milestone selects no units")
        if self.task is not None and _given(self, "which"):
            raise ValueError("`which` does not apply to a task milestone (one task, one time)")
        if self.event != "closed" and _given(self, "share"):
            raise ValueError("`share` applies to `closed` only")
        if self.event == "closed" and _given(self, "which"):
            raise ValueError("`which` does not apply to `closed` (it reads a share of all)")
        return self


class Milestone(Frozen):
    """A dated event of the historical record, and how to read it off the run."""

    id: Id
    name: str | None = None
    measure: Measure
    observed: Annotated[
        Window,
        BeforeValidator(_observed, json_schema_input_type=Window | dt.date | dt.datetime),
    ]
    source: str | None = None


class Scenario(Frozen):
    """A whole scenario file (format version 1)."""

    format: Literal[1] = 1
    name: Id
    title: str | None = None
    description: str | None = None
    clock: Clock
    countries: list[Country] = Field(min_length=1)
    nodes: list[Node] = Field(min_length=2)
    links: list[Link] = Field(min_length=1)
    transport_types: list[TransportType] = Field(default_factory=list)
    fleets: list[Fleet] = Field(default_factory=list)
    forces: list[Unit] = Field(min_length=1)
    injects: list[Inject] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    operations: Operations = Field(default_factory=Operations)
    sources: dict[str, str] = Field(
        default_factory=dict, description="Named references cited by `source` fields."
    )
