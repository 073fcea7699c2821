"""JSON Schemas (draft 2020-12) of the JSON outputs: a run's summary and replications.

:func:`run_schema` describes ``tabletop run --format json`` and ``summary.json``
(:func:`simulator.analysis.summary.summarize`); :func:`replications_schema`
describes ``tabletop run --replications N --format json`` and the replications'
``summary.json`` (:func:`simulator.report.replications.replication_summary`).
Every row lists all its fields as required and allows no other, so a field
added to or dropped from an output without the schema fails its tests. The
copies in ``docs/`` are kept equal to these by the test suite.

Conventions of both outputs: an instant ``x`` is ISO 8601 UTC text to the
minute (``2030-01-01T06:00Z``) beside ``x_d``, days from D-day to two
decimals (negative before it); both are null when the thing never happened.
Durations are hours rounded to 0.01.
"""

from __future__ import annotations

import json
from typing import Any

from simulator.analysis.summary import SCHEMA_VERSION

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ISO_MINUTE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$"
SHA256 = r"^[0-9a-f]{64}$"

Schema = dict[str, Any]


def _value(kind: str, description: str, nullable: bool = False, **extra: Any) -> Schema:
    """A scalar field; ``nullable`` lets it be null too."""
    return {"type": [kind, "null"] if nullable else kind, "description": description, **extra}


def _text(description: str, nullable: bool = False) -> Schema:
    return _value("string", description, nullable)


def _count(description: str, nullable: bool = False) -> Schema:
    return _value("integer", description, nullable, minimum=0)


def _hours(description: str, nullable: bool = False) -> Schema:
    return _value("number", f"Hours (to 0.01). {description}", nullable)


def _instant(name: str, description: str, null: str | None = None) -> Schema:
    """A time field and its ``_d`` companion; ``null`` says when they are null."""
    when = f" Null {null}." if null else ""
    return {
        name: _value("string", f"{description}: ISO 8601 UTC to the minute.{when}",
                     null is not None, pattern=ISO_MINUTE),
        f"{name}_d": _value("number", f"`{name}` in days from D-day (0.01; negative "
                            f"before it).{when}", null is not None),
    }  # fmt: skip


def _row(description: str, properties: Schema) -> Schema:
    """An object with exactly these fields, all required."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _list(description: str, items: Schema) -> Schema:
    return {"type": "array", "description": description, "items": items}


def _ids(description: str) -> Schema:
    return _list(description, {"type": "string"})


def _waits(description: str) -> Schema:
    return {
        "type": "object",
        "description": f"{description} Cause -> hours (to 0.01), causes in alphabetical "
        "order; empty when there were none.",
        "additionalProperties": {"type": "number", "minimum": 0},
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


# --------------------------------------------------------------------- the run summary
SCENARIO = _row(
    "The scenario that was run.",
    {
        "name": _text("The scenario's `name`."),
        "title": _text("The scenario's `title`; null if it has none.", nullable=True),
        "sha256": _value("string", "SHA-256 of the scenario file(s) as loaded (a variant's "
                         "with its bases); null when the summary was made without one.",
                         nullable=True, pattern=SHA256),
        "start": _value("string", "`clock.start`: simulated hour 0, ISO 8601 UTC to the "
                        "minute.", pattern=ISO_MINUTE),
        "d_day": _value("string", "`clock.d_day`, ISO 8601 UTC to the minute (no `_d` "
                        "companion: it is day 0).", pattern=ISO_MINUTE),
        **_instant("end", "The last arrival of any load (the deployment's end, not the "
                   "operations')", "if no load arrived"),
    },
)  # fmt: skip

TRANSFER = _row(
    "Transshipments of the unit's loads at one place (a gauge break or a change of "
    "carrier), in the order the places were first met going through the loads in order.",
    {
        "place": _text("Node id where the loads were transshipped."),
        **_instant("first", "The first transshipment of one of the unit's loads there"),
        **_instant("last", "The last transshipment of one of the unit's loads there"),
        "loads": _count("Transshipments there (one per load that changed carrier)."),
    },
)

UNIT = _row(
    "One unit (`forces[]`), in scenario order.",
    {
        "id": _text("Unit id."),
        "name": _text("The unit's `name`; null if it has none.", nullable=True),
        "nation": _text("The unit's `nation`."),
        "mode": _value("string", "How it moves.", enum=["rail", "road", "air", "self_deploy"]),
        "personnel": _count("People, from the scenario."),
        "vehicles": _count("Vehicles in its planned loads (for a self-deploying unit, the "
                           "vehicles that move themselves); 0 if it was never planned "
                           "(stranded at its origin)."),
        "tonnes": _value("number", "Tonnes (to 0.01) in its planned loads; 0 if it was "
                         "never planned.", minimum=0),
        "loads": _count("Loads (or movement groups) it was split into; 0 if never planned."),
        "origin": _text("Node id it starts from."),
        "destination": _text("Node id it moves to."),
        **_instant("ready", "When it may start moving (`ready`)"),
        **_instant("depart", "When its first load left its origin", "if no load left"),
        **_instant("arrive", "When its last load was unloaded at its destination (the "
                   "unit's closure)", "unless every load arrived"),
        "transit_h": _hours("`arrive` minus `depart`. Null when either is null.",
                            nullable=True),
        "route": _ids("Node ids the unit's first load passed, from its origin (its "
                      "departures and arrivals at places, a place repeated once); if it "
                      "never left, the planned route; empty if there was no plan. Other "
                      "loads may have taken another route."),
        "km": _value("number", "Length in km of the route planned when it set off; null "
                     "if no route was planned.", nullable=True, minimum=0),
        "transfers": _list("Transshipments by place; empty if none.", _ref("transfer")),
        "waits": _waits("Waits of the unit's closing load (the load whose arrival is "
                        "`arrive`; with several at that instant, the first of them in "
                        "load order), by cause: why the unit closed when it did. Empty "
                        "when the unit did not close."),
        "wait_load_h": _hours("Waits of all its loads added up (load-hours), whether or "
                              "not the unit closed.", ),
        "replans": _count("Times its loads (or groups) changed route on the way after a "
                          "transit policy change: the `replan` events of its loads."),
        **_instant("required_by", "When it is needed at its destination (`required_by`)",
                   "if it has none"),
        "status": _value("string", "`closed` (every load arrived), `not closed` (some "
                         "load never arrived), or `stranded: <reason>` (it, or one of "
                         "its loads, found no way on).",
                         pattern=r"^(closed|not closed|stranded: .+)$"),
    },
)  # fmt: skip

_SHARES = {"t50": "50%", "t90": "90%", "t100": "100%"}


def _closure_times(of: str, null: str) -> Schema:
    out: Schema = {}
    for key, share in _SHARES.items():
        out.update(_instant(key, f"When {share} of {of} had arrived", null))
    return out


CLOSURE_MEASURE = {
    measure: _row(
        f"Closure counted in {measure} alone.",
        {
            "closed": _value("integer" if measure != "tonnes" else "number",
                             f"{measure.capitalize()} arrived by the end of the run"
                             + (" (to 0.01)." if measure == "tonnes" else "."), minimum=0),
            **_closure_times(f"its {measure}",
                             f"if it has no {measure}, or that share never arrived"),
        },
    )
    for measure in ("personnel", "vehicles", "tonnes")
}  # fmt: skip

CLOSURE = _row(
    "Closure of one nation's force (rows in order of first appearance in `forces`), then "
    "of all forces (`nation` is `all`). A share has closed when that share of its people, "
    "of its vehicles and of its tonnes (of those it has any of) had all arrived.",
    {
        "nation": _text("Nation code, or `all`."),
        "personnel": _count("People to move, from the scenario."),
        "vehicles": _count("Vehicles to move, from the scenario (equipment items; for "
                           "self-deploying units, their vehicles)."),
        "tonnes": _value("number", "Tonnes to move (to 0.01), from the scenario's equipment.",
                         minimum=0),
        "closed": _count("People arrived by the end of the run."),
        **_closure_times("every measure (the latest of the three measures' times)",
                         "if the force has nothing to move, or that share of one of its "
                         "measures never arrived"),
        "by": _row("The same per measure.", {m: _ref(f"closure_{m}") for m in CLOSURE_MEASURE}),
    },
)  # fmt: skip

ASSET = _row(
    "A fleet (in scenario order), then a limited place (node order; ramp, transfer, "
    "parking). Utilisation is busy hours over capacity times the horizon, from the clock "
    "start to the end of the run (the last carrier back at its base, at least 1 h); active "
    "utilisation is the same over the asset's active window, first use to last release.",
    {
        "asset": _text("Fleet id, or `<node id>:<ramp|transfer|parking>`."),
        "kind": _value("string", "A fleet's transport mode, or the place's limit.",
                       enum=["rail", "road", "air", "ramp", "transfer", "parking"]),
        "place": _text("A fleet's base, or the node."),
        "capacity": _count("Carriers in the fleet (its `count`), or the place's limit."),
        "uses": _count("A fleet's finished trips, or the occupations of the place."),
        "loads": _count("Loads carried over all trips; null for a place.", nullable=True),
        "personnel": _count("People carried over all trips; null for a place.",
                            nullable=True),
        "busy_h": _hours("Carrier-hours on trips, or place-hours occupied (amount x hours)."),
        "utilisation": _value("number", "Time-weighted share busy (to 0.0001).", minimum=0),
        **_instant("active_from", "First use: the start of the first trip or occupation",
                   "if never used"),
        **_instant("active_to", "Last release: the end of the last trip or occupation",
                   "if never used"),
        "active_utilisation": _value(
            "number", "Busy hours over capacity times the active window (to 0.0001); 0 if "
            "never used.", minimum=0),
        "peak": _count("Most carriers on a trip, or most of the place in use, at once."),
    },
)  # fmt: skip

BOTTLENECK = _row(
    "Waits of loads grouped by place and cause, largest `load_h` first (then by place "
    "and cause).",
    {
        "place": _text("Node id where the loads waited."),
        "cause": _text("What they waited for: `ramp`, `transfer`, `parking`, `policy`, "
                       "`aircraft`, `positioning`, a hold's or an inject's `cause` "
                       "(`weather`, ...), ..."),
        "waits": _count("Wait records (one per load and wait)."),
        "load_h": _hours("Hours waited, added up over the loads (load-hours)."),
        "max_h": _hours("The longest single wait."),
        "units": _ids("Ids of the units whose loads waited, sorted."),
    },
)  # fmt: skip

MILESTONE = _row(
    "One milestone (`milestones[]`), in scenario order.",
    {
        "id": _text("Milestone id."),
        "name": _text("The milestone's `name`; null if it has none.", nullable=True),
        **_instant("simulated", "The instant its `measure` reads off the run",
                   "if it never happened"),
        "observed": _row("The observed window, from the record.", {
            **_instant("earliest", "Its earliest bound", "if it has none"),
            **_instant("latest", "Its latest bound", "if it has none"),
        }),
        "delta_h": _hours("From the window to `simulated`: 0 inside, negative before "
                          "`earliest`, positive after `latest`. Null if it never happened.",
                          nullable=True),
        "within_window": _value("boolean", "Whether `simulated` is inside the window "
                                "(false if it never happened)."),
        "source": _text("The milestone's `source`; null if it has none.", nullable=True),
    },
)  # fmt: skip

SHORTFALL = _row(
    "A unit with a `required_by` that arrived after it or never arrived, in unit order.",
    {
        "id": _text("Unit id."),
        "nation": _text("The unit's nation."),
        **_instant("required_by", "When it was needed at its destination"),
        **_instant("arrive", "When it closed", "if it never closed"),
        "late_h": _hours("`arrive` minus `required_by`. Null if it never closed.",
                         nullable=True),
        "main_wait": _text("The cause with the most hours among the unit's `waits` (its "
                           "closing load's; with equal hours, the cause that sorts last). "
                           "Null when those waits are empty, as they are for a unit that "
                           "never closed.", nullable=True),
        "main_wait_h": _hours("Hours of `main_wait`; 0 when it is null."),
    },
)  # fmt: skip

_TASK = {
    "id": _text("Task id; `deploy:<unit id>` for the deployment's tasks."),
    "name": _text("The task's (or the unit's) `name`; null if it has none.", nullable=True),
    "kind": _text("The task's kind; `deploy (<mode>)` for a unit's movement."),
    **_instant("start", "When it started: after its predecessors, its date and its units, "
               "before its coordination (for a unit, its `depart`)", "if it never started"),
    **_instant("end", "When it ended (for a unit, its `arrive`)", "if it did not end"),
    "duration_h": _hours("`end` minus `start`. Null when either is null.", nullable=True),
    "slack_h": _hours("How much later it could have ended without ending the timeline "
                      "later, on the schedule as it ran. Null if it did not end.",
                      nullable=True),
    "critical": _value("boolean", "Slack below 1e-6 h: on the critical path."),
    "status": _value("string", "Whether it ended.", enum=["done", "not done"]),
    "waits": _waits("Hours waited by cause (`date`, `closure`, `resource:<pool>`; for a "
                    "unit, its closing load's waits); a task's jobs' waits are added up."),
    "depends": _ids("Ids of the tasks it depends on (precedence, units it waited for, "
                    "resource links), sorted."),
}  # fmt: skip

_DONE = {
    **_instant("work_start", "When it had all its `needs` and its work began"),
    "coordination_h": _hours("The coordination time its orders cost (friction)."),
}

_KIND_FIELDS: dict[str, Schema] = {
    "hold": {},
    "assemble": {},
    "move": {"distance_km": _value("number", "Its `distance_km`.", minimum=0)},
    "recon": {"targets": _count("Targets observed.")},
    "cordon": {"exits": _count("Exits blocked.")},
    "strike": {"targets": _count("Targets struck."),
               "missions": _count("Fire missions flown or fired.")},
    "clear": {"objectives": _count("Objectives cleared.")},
    "airdrop": {
        "aircraft": _count("Aircraft of all its serials."),
        "sorties": _count("Sorties flown (aircraft x sorties, over the serials)."),
        "passes": _count("Passes over the drop zone."),
        "personnel": _count("People dropped."),
        "vehicles": _count("Platforms (vehicles) dropped."),
        **_instant("first_drop", "The first exit over the drop zone"),
        **_instant("last_drop", "The last exit over the drop zone"),
        **_instant("assembled", "When the dropped force had assembled (the task's end)"),
    },
}  # fmt: skip
"""What each kind of operations task adds once done (besides :data:`_DONE`)."""


def _task_variants() -> list[Schema]:
    deploy = {
        **_TASK,
        "kind": _value("string", "`deploy (<mode>)`: a unit's movement.",
                       pattern=r"^deploy \((rail|road|air|self_deploy)\)$"),
        "unit": _text("The unit's id."),
        "nation": _text("The unit's nation."),
    }  # fmt: skip
    variants = [_row("A unit's movement, from its first departure to its closure.", deploy)]
    for kind, fields in _KIND_FIELDS.items():
        extra = {**_DONE, **fields}
        variant = _row(
            f"A `{kind}` task; what it did is given once it is done.",
            {**_TASK, "kind": _value("string", "The task's kind.", const=kind), **extra},
        )
        variant["required"] = sorted(_TASK)
        variant["if"] = {"properties": {"status": {"const": "done"}}}
        variant["then"] = {"required": sorted(extra)}
        variant["else"] = {"not": {"anyOf": [{"required": [key]} for key in sorted(extra)]}}
        variants.append(variant)
    return variants


PHASE = _row(
    "A phase of the timeline: `deployment` first (one task per unit), then the operations' "
    "phases in file order; a phase with no task is left out.",
    {
        "id": _text("Phase id (`deployment` for the movements)."),
        "name": _text("`Deployment`, or the phase's `name` (null if it has none).",
                      nullable=True),
        **_instant("start", "The earliest start of its tasks", "if none started"),
        **_instant("end", "The latest end of its tasks", "unless every task ended"),
        "duration_h": _hours("`end` minus `start`. Null when either is null.", nullable=True),
        "tasks": _list("Its tasks, in file order (units in scenario order).", _ref("task")),
    },
)  # fmt: skip

AIRDROP = _row(
    "One finished `airdrop` task, in file order.",
    {
        "id": _text("Task id."),
        **_KIND_FIELDS["airdrop"],
    },
)

TASK_RESOURCE = _row(
    "Use of one resource pool by one task, in task order then pool id.",
    {
        "task": _text("Task id."),
        "resource": _text("Pool id (`operations.resources`)."),
        "busy_h": _hours("Units x hours held (`needs` from when the task had all of them)."),
        "peak": _count("Most units held at once."),
        **_instant("first", "When the first unit was taken"),
        **_instant("last", "When the last unit was released"),
    },
)


def run_schema() -> Schema:
    """The JSON Schema of a run's summary (``tabletop run --format json``)."""
    top = _row(
        "The summary of one run of a scenario.",
        {
            "schema_version": _value("integer", "Version of the JSON outputs.",
                                     const=SCHEMA_VERSION),
            "scenario": _ref("scenario"),
            "seed": _count("The run's random seed (`--seed`)."),
            "units": _list("One row per unit, in scenario order.", _ref("unit")),
            "closure": _list("Per nation, then `all`.", _ref("closure")),
            "assets": _list("Fleets, then limited places.", _ref("asset")),
            "bottlenecks": _list("Waits by place and cause.", _ref("bottleneck")),
            "milestones": _list("Milestones against the record.", _ref("milestone")),
            "shortfalls": _list("Units late against their `required_by`.",
                                _ref("shortfall")),
            "phases": _list("The timeline, phase by phase.", _ref("phase")),
            "critical_path": _ids("Ids of the tasks with `critical` true, by start (tasks "
                                  "with no start last), then by id."),
            "airdrops": _list("Finished airdrop tasks.", _ref("airdrop")),
            "task_resources": _list("Resource use per task and pool.", _ref("task_resource")),
        },
    )  # fmt: skip
    return {
        "$schema": DRAFT,
        "title": f"tabletop run summary, schema_version {SCHEMA_VERSION}",
        **top,
        "$defs": {
            "scenario": SCENARIO,
            "unit": UNIT,
            "transfer": TRANSFER,
            "closure": CLOSURE,
            **{f"closure_{m}": s for m, s in CLOSURE_MEASURE.items()},
            "asset": ASSET,
            "bottleneck": BOTTLENECK,
            "milestone": MILESTONE,
            "shortfall": SHORTFALL,
            "phase": PHASE,
            "task": {"description": "A task of the timeline.", "oneOf": _task_variants()},
            "airdrop": AIRDROP,
            "task_resource": TASK_RESOURCE,
        },
    }


# --------------------------------------------------------------------- replications
def _statistic(milestone: bool) -> Schema:
    fields: Schema = {
        "n": _count("Replications in which it happened."),
        "missing": _count("Replications in which it never happened (left out)."),
        **_instant("mean", "Mean instant", "if it never happened"),
        "sd": _value("number", "Standard deviation in hours (to 0.001; 0 with one value). "
                     "Null if it never happened.", nullable=True, minimum=0),
        **_instant("p10", "10th percentile", "if it never happened"),
        **_instant("p50", "Median", "if it never happened"),
        **_instant("p90", "90th percentile", "if it never happened"),
        "ci95": {
            "type": ["array", "null"],
            "description": "95% confidence interval of the mean (Student's t, n - 1 degrees "
            "of freedom), two instants as ISO 8601 UTC to the minute, no `_d` companion. "
            "Null if it never happened.",
            "items": {"type": "string", "pattern": ISO_MINUTE},
            "minItems": 2,
            "maxItems": 2,
        },
    }  # fmt: skip
    if milestone:
        fields["p_within_window"] = _value(
            "number", "Share of replications in which it fell in its observed window (to "
            "1e-6; a replication where it never happened counts as outside).",
            nullable=True, minimum=0, maximum=1)  # fmt: skip
        fields["p_within_window_ci95"] = {
            "type": ["array", "null"],
            "description": "95% Wilson score interval of `p_within_window` (to 1e-6).",
            "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 2,
            "maxItems": 2,
        }
    what = "a milestone's simulated instant" if milestone else "an instant"
    return _row(f"Statistics of {what} over the replications.", fields)


def _share_of(name: str, description: str) -> Schema:
    """``p_<name>`` and its 95% Wilson interval ``p_<name>_ci95``."""
    return {
        f"p_{name}": _value("number", f"{description} (to 1e-6).", nullable=True, minimum=0,
                            maximum=1),
        f"p_{name}_ci95": {
            "type": ["array", "null"],
            "description": f"95% Wilson score interval of `p_{name}` (to 1e-6).",
            "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 2,
            "maxItems": 2,
        },
    }  # fmt: skip


def _unit_statistic() -> Schema:
    fields = dict(_statistic(False)["properties"])
    fields.update(_instant("required_by", "Its `required_by`", "if it has none"))
    fields.update(_share_of(
        "late", "Share of replications in which it closed after its `required_by` or never "
        "closed (as `shortfalls` of a run). Null if it has no `required_by`"))  # fmt: skip
    return _row("Statistics of a unit's closure (`arrive`) over the replications.", fields)


def _figures(what: str, unit: str, digits: str) -> Schema:
    """Mean, sd, percentiles and 95% interval of a quantity that is not an instant."""

    def one(name: str) -> Schema:
        return _value("number", f"{name} of {what}, {unit} (to {digits}).")

    return {
        "mean": one("Mean"),
        "p10": one("10th percentile"),
        "p50": one("Median"),
        "p90": one("90th percentile"),
        "sd": _value("number", f"Standard deviation of {what}, {unit} (to 0.001 or finer; 0 "
                     "with one replication).", minimum=0),
        "ci95": {
            "type": "array",
            "description": f"95% confidence interval of the mean (Student's t), {unit}.",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
    }  # fmt: skip


ASSET_STATISTIC = _row(
    "Statistics of an asset's utilisation over the replications, in the order of a run's "
    "`assets`.",
    {
        "kind": _text("A fleet's transport mode (`rail`, `road`, `air`), or the limit "
                      "(`ramp`, `transfer`, `parking`)."),
        "place": _text("A fleet's base, or the node."),
        **_figures("its `utilisation` (busy hours over capacity x horizon, as in a run)",
                   "a share", "0.0001"),
    },
)  # fmt: skip

BOTTLENECK_STATISTIC = _row(
    "Statistics of the load-hours of waiting at one place for one cause, over every "
    "replication (0 in one where nothing waited so), keyed `<place>:<cause>`, largest "
    "`mean` first, then by place and cause.",
    {
        "place": _text("Where the loads waited (node id)."),
        "cause": _text("What they waited for, as in a run's `bottlenecks`."),
        **_figures("the load-hours waited (a run's `bottlenecks[].load_h`)", "load-hours",
                   "0.01"),
        **_share_of("largest", "Share of replications in which this was the largest wait "
                    "(the first row of the run's `bottlenecks`)"),
    },
)  # fmt: skip


def _keyed(description: str, entry: str) -> Schema:
    return {"type": "object", "description": description, "additionalProperties": _ref(entry)}


def replications_schema() -> Schema:
    """The JSON Schema of ``tabletop run --replications N --format json``."""
    top = _row(
        "Statistics of many replications of a scenario.",
        {
            "schema_version": _value("integer", "Version of the JSON outputs.",
                                     const=SCHEMA_VERSION),
            "scenario": _row("The scenario that was run.", {
                k: SCENARIO["properties"][k] for k in ("name", "title", "sha256")}),
            "seed": _count("The base seed (`--seed`); replication i runs with the i-th "
                           "child of SeedSequence(seed)."),
            "replications": _value("integer", "N, the number of replications.", minimum=1),
            "statistics": _row("Statistics of each quantity, keyed by id.", {
                "milestones": _keyed("Each milestone's simulated instant, by milestone id.",
                                     "milestone_statistic"),
                "units": _keyed("Each unit's closure (`arrive`) and lateness, by unit id.",
                                "unit_statistic"),
                "closure": _keyed("Closure of 100% of every load (`t100`), by nation and "
                                  "`all`.", "statistic"),
                "phases": _keyed("Each phase's end, by phase id (`deployment` included).",
                                 "statistic"),
                "assets": _keyed("Each asset's utilisation, by asset id.", "asset_statistic"),
                "bottlenecks": _keyed("The waits by place and cause, keyed "
                                      "`<place>:<cause>`.", "bottleneck_statistic"),
            }),
        },
    )  # fmt: skip
    return {
        "$schema": DRAFT,
        "title": f"tabletop replications summary, schema_version {SCHEMA_VERSION}",
        **top,
        "$defs": {
            "statistic": _statistic(False),
            "milestone_statistic": _statistic(True),
            "unit_statistic": _unit_statistic(),
            "asset_statistic": ASSET_STATISTIC,
            "bottleneck_statistic": BOTTLENECK_STATISTIC,
        },
    }


SCHEMAS = {"run": run_schema, "replications": replications_schema}
"""``tabletop schema --output`` choice -> schema."""


def schema_text(output: str) -> str:
    """One output's schema as canonical JSON text."""
    return json.dumps(SCHEMAS[output](), indent=2, sort_keys=True) + "\n"


def _fields(schema: Schema, defs: Schema) -> list[str]:
    """The field names of a row schema, following ``$ref`` and every ``oneOf`` variant."""
    if "$ref" in schema:
        return _fields(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    names: list[str] = list(schema.get("properties", {}))
    for variant in schema.get("oneOf", []):
        names.extend(_fields(variant, defs))
    return list(dict.fromkeys(names))


def run_row_fields(section: str) -> list[str]:
    """The columns of a run summary's table ``section`` (``tasks``: the phases' tasks).

    Used to write the header of a table that has no rows.
    """
    schema = run_schema()
    defs = schema["$defs"]
    if section == "tasks":
        return ["phase", *_fields(defs["task"], defs)]
    return _fields(schema["properties"][section]["items"], defs)


def statistics_fields(section: str) -> list[str]:
    """The columns of a replications summary's statistics ``section``, ``id`` first."""
    schema = replications_schema()
    entry = schema["properties"]["statistics"]["properties"][section]["additionalProperties"]
    return ["id", *_fields(entry, schema["$defs"])]
