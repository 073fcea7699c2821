"""The operations part of the scenario format: phases, tasks, resources, friction.

After the deployment, an exercise runs as phases of tasks. A task starts when
its predecessors are done, its trigger (a date, units closed at a place,
another task done) has fired, and the resources it needs are free; it then
runs one of eight primitives:

``hold``      a delay (a directive, a briefing)
``assemble``  wait until units have closed at a place, then take ``duration_h``
``move``      a tactical move of ``distance_km`` at ``speed_kmh``
``recon``     a sensor sets up and flies a route over targets; may shorten later tasks
``cordon``    block N exits, each needing a team and set-up time
``strike``    fire missions on N targets by aircraft sorties or artillery, with cycle times
``clear``     N objectives (buildings) cleared by teams in parallel
``airdrop``   aircraft fly to a drop zone and drop people and platforms, then assembly

Friction between forces that do not share a language or radios is a delay
per order, scaled by how short of interpreters the force is (see
``Friction``). Durations are hours, and each may be a number or a
distribution (``distributions.Quantity``), drawn from the task's own random
stream each time it is used; distances km; speeds km/h.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.scenario.distributions import Quantity
from simulator.scenario.types import (
    UTC,
    Distance,
    Frozen,
    Id,
    NonNegFloat,
    PositiveFloat,
    PositiveInt,
    Speed,
)


class Resource(Frozen):
    """A pool of things tasks need and compete for: teams, launchers, aircraft."""

    id: Id
    name: str | None = None
    count: PositiveInt
    source: str | None = None


class Need(Frozen):
    """So many of a resource, held for the whole task."""

    resource: Id
    count: PositiveInt = 1


class Trigger(Frozen):
    """What must have happened before a task may start (all that are given).

    ``at``: not before this instant. ``closed``: these units have closed at
    their destination (or at ``place`` if given). ``done``: these tasks are done.
    """

    at: UTC | None = None
    closed: list[Id] = Field(default_factory=list)
    place: Id | None = None
    done: list[Id] = Field(default_factory=list)


class Effect(Frozen):
    """A recon result: later tasks take ``factor`` times as long if it is done first."""

    tasks: list[Id] = Field(min_length=1)
    factor: Annotated[float, Field(gt=0, le=1)]


class TaskBase(Frozen):
    """Fields every task has."""

    id: Id
    name: str | None = None
    after: list[Id] = Field(default_factory=list, description="Tasks that must finish first.")
    trigger: Trigger = Field(default_factory=Trigger)
    needs: list[Need] = Field(default_factory=list, description="Resources held throughout.")
    orders: Annotated[int, Field(ge=0)] = Field(
        0, description="Orders passed between forces before it starts (see friction)."
    )
    source: str | None = None


class HoldTask(TaskBase):
    """A fixed delay."""

    kind: Literal["hold"]
    duration_h: Quantity


class AssembleTask(TaskBase):
    """Wait until ``units`` have closed (at ``place``, default their destinations), then work."""

    kind: Literal["assemble"]
    units: list[Id] = Field(min_length=1)
    place: Id | None = None
    duration_h: Quantity = 0.0


class MoveTask(TaskBase):
    """A tactical move: ``distance_km`` at ``speed_kmh``, plus ``duration_h`` of halts."""

    kind: Literal["move"]
    distance_km: Distance
    speed_kmh: Speed
    duration_h: Quantity = 0.0


class ReconTask(TaskBase):
    """A sensor is set up, flies ``route_km`` and dwells over each target."""

    kind: Literal["recon"]
    setup_h: Quantity = 0.0
    route_km: Distance
    speed_kmh: Speed
    targets: Annotated[int, Field(ge=0)] = 0
    dwell_h: Quantity = Field(0.0, description="Hours over each target.")
    effect: Effect | None = None


class CordonTask(TaskBase):
    """Block ``exits`` exits; each needs one of ``teams`` for ``setup_h``.

    The teams stay on the exits until the task ``until`` is done (or are
    released when the cordon is complete if ``until`` is not given).
    """

    kind: Literal["cordon"]
    exits: PositiveInt
    teams: Id = Field(description="Resource providing one team per exit.")
    setup_h: Quantity
    until: Id | None = None


class StrikeTask(TaskBase):
    """Fire missions against ``targets``, ``missions_per_target`` each.

    Each mission takes one of ``shooters`` (aircraft, batteries) for
    ``cycle_h`` (sortie or fire-mission cycle); missions run in parallel up to
    the pool's size.
    """

    kind: Literal["strike"]
    targets: PositiveInt
    missions_per_target: PositiveInt = 1
    shooters: Id
    cycle_h: Quantity


class ClearTask(TaskBase):
    """``objectives`` (buildings) cleared by ``teams`` in parallel, ``per_objective_h`` each."""

    kind: Literal["clear"]
    objectives: PositiveInt
    teams: Id
    per_objective_h: Quantity


class Drop(Frozen):
    """What one aircraft drops on one pass over the drop zone."""

    personnel: Annotated[int, Field(ge=0)] = 0
    platforms: Annotated[int, Field(ge=0)] = Field(0, description="Vehicles on drop platforms.")


class Serial(Frozen):
    """A group of aircraft flying in trail with one kind of load.

    Over the drop zone each aircraft drops up to ``per_pass`` on each pass,
    until the serial's ``personnel`` and ``platforms`` are all down; after
    ``passes_per_sortie`` passes the aircraft fly back to reload.
    """

    aircraft: PositiveInt
    personnel: Annotated[int, Field(ge=0)] = 0
    platforms: Annotated[int, Field(ge=0)] = 0
    per_pass: Drop
    passes_per_sortie: PositiveInt = 1
    source: str | None = None

    @model_validator(mode="after")
    def _something_to_drop(self) -> Serial:
        if self.personnel == 0 and self.platforms == 0:
            raise ValueError("a serial drops personnel, platforms or both")
        if self.personnel and not self.per_pass.personnel:
            raise ValueError("personnel to drop but per_pass.personnel is 0")
        if self.platforms and not self.per_pass.platforms:
            raise ValueError("platforms to drop but per_pass.platforms is 0")
        return self


class AirdropTask(TaskBase):
    """Serials of aircraft fly to the drop zone, drop in passes, and the force assembles.

    Serials launch ``serial_interval_min`` apart, each taking its aircraft
    from the ``aircraft`` resource, and fly ``distance_km`` at ``speed_kmh``.
    On each pass the aircraft of a serial come over the zone ``trail_s``
    apart; each drops its platforms ``platform_interval_s`` apart, then its
    jumpers ``exit_interval_s`` apart. Passes are ``pass_interval_min`` apart
    (the circuit to come round). The dropped force is ready ``assembly_h``
    after the last drop.
    """

    kind: Literal["airdrop"]
    aircraft: Id = Field(description="Resource providing the aircraft.")
    distance_km: Distance
    speed_kmh: Speed
    serials: list[Serial] = Field(min_length=1)
    serial_interval_min: NonNegFloat = 0.0
    trail_s: NonNegFloat = 0.0
    exit_interval_s: PositiveFloat = 0.7
    platform_interval_s: PositiveFloat = 5.0
    pass_interval_min: NonNegFloat = 10.0
    reload_h: Quantity = 0.0
    assembly_h: Quantity = 0.0


Task = Annotated[
    HoldTask | AssembleTask | MoveTask | ReconTask | CordonTask | StrikeTask | ClearTask
    | AirdropTask,
    Field(discriminator="kind"),
]  # fmt: skip


def pools_of(task: Task) -> set[str]:
    """Resources a task uses: those it needs and those its primitive draws on."""
    pools = {need.resource for need in task.needs}
    if isinstance(task, CordonTask | ClearTask):
        pools.add(task.teams)
    elif isinstance(task, StrikeTask):
        pools.add(task.shooters)
    elif isinstance(task, AirdropTask):
        pools.add(task.aircraft)
    return pools


class Phase(Frozen):
    """A named group of tasks (the phase spans its tasks)."""

    id: Id
    name: str | None = None
    tasks: list[Task] = Field(min_length=1)
    source: str | None = None


class Friction(Frozen):
    """Coordination delay between forces, from language and communications.

    Each order a task passes (``orders``) costs ``order_h`` hours with enough
    interpreters; with ``interpreters`` of the ``interpreters_needed`` it costs
    ``order_h * interpreters_needed / interpreters`` (orders queue for the
    interpreters there are). Radios that do not interoperate add ``relay_h``
    per order, relayed through liaison officers.
    """

    order_h: NonNegFloat = 0.0
    interpreters: PositiveInt | None = None
    interpreters_needed: PositiveInt | None = None
    relay_h: NonNegFloat = 0.0
    source: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> Friction:
        if (self.interpreters is None) != (self.interpreters_needed is None):
            raise ValueError("give interpreters and interpreters_needed together")
        return self

    def per_order_h(self) -> float:
        """Hours of coordination for one order."""
        scale = 1.0
        if self.interpreters and self.interpreters_needed:
            scale = max(1.0, self.interpreters_needed / self.interpreters)
        return self.order_h * scale + self.relay_h


class Operations(Frozen):
    """Resources, friction and phases of the operations after deployment."""

    resources: list[Resource] = Field(default_factory=list)
    friction: Friction = Field(default_factory=Friction)
    phases: list[Phase] = Field(default_factory=list)
