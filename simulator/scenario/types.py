"""Base types of the scenario format: identifiers, numbers, UTC instants, the model base."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Id = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64),
]
"""Identifier: letters, digits, ``_``, ``-`` and ``.``; starts with a letter or digit."""

# -- Limits -------------------------------------------------------------------------------
# Values beyond these are not exercises but mistakes, and some (a speed of 1e-10 km/h,
# a count of 1e8) would make a run take years or all the memory there is. Each limit is
# far beyond anything real; a run that still grows too large within them is stopped by
# the run's own budget (``simulator.model.run``).

LARGEST = 1_000_000
"""Largest count, number of people, tonnes or hours in one value: a million of anything is
beyond any exercise (the largest armies muster about two million people in all)."""

HORIZON_YEARS = 10
"""Every date lies within this many years of the clock's start, and a run ends within it."""

HORIZON_H = 24.0 * 366 * HORIZON_YEARS
""":data:`HORIZON_YEARS` in hours (leap years counted at their longest)."""

MIN_SPEED_KMH = 0.1
"""Slowest speed, km/h: a hundred metres an hour (the slowest march is some 2 km/h)."""

MAX_SPEED_KMH = 5_000.0
"""Fastest speed, km/h: about Mach 4 (transport aircraft cruise below 1,000)."""

MAX_DISTANCE_KM = 40_075.0
"""Longest distance, km: once round the Earth at the equator."""

MAX_FLEET = 10_000
"""Most vehicles in a fleet, or joining or leaving one at once: the largest air forces field
some 5,000 aircraft, a railway some thousands of train sets."""

MAX_PER_1000_KM = 1_000.0
"""Most breakdowns per 1,000 km: one every kilometre."""

PositiveFloat = Annotated[float, Field(gt=0, le=LARGEST, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, le=LARGEST, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0, le=LARGEST)]
NonNegInt = Annotated[int, Field(ge=0, le=LARGEST)]
FleetSize = Annotated[int, Field(ge=0, le=MAX_FLEET)]
"""Vehicles in a fleet, up to :data:`MAX_FLEET`."""
Vehicles = Annotated[int, Field(gt=0, le=MAX_FLEET)]
"""Vehicles that join or leave a fleet at once, 1 to :data:`MAX_FLEET`."""
Speed = Annotated[float, Field(ge=MIN_SPEED_KMH, le=MAX_SPEED_KMH, allow_inf_nan=False)]
"""A speed in km/h, within :data:`MIN_SPEED_KMH` and :data:`MAX_SPEED_KMH`."""
Distance = Annotated[float, Field(ge=0, le=MAX_DISTANCE_KM, allow_inf_nan=False)]
"""A distance in km, up to :data:`MAX_DISTANCE_KM`."""
PositiveDistance = Annotated[float, Field(gt=0, le=MAX_DISTANCE_KM, allow_inf_nan=False)]
"""A distance in km, more than 0 and up to :data:`MAX_DISTANCE_KM`."""


def as_utc(value: Any) -> Any:
    """Accept a date, a naive datetime (taken as UTC) or an aware datetime."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return value  # pydantic then reports the bad value
        return as_utc(parsed)
    return value


UTC = Annotated[dt.datetime, BeforeValidator(as_utc, json_schema_input_type=dt.datetime | dt.date)]
"""A UTC instant: ISO 8601 text or a YAML timestamp; a bare date is midnight UTC."""


def as_date(value: Any) -> Any:
    """Accept a date, or its ISO 8601 text (as a resolved scenario writes it)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value  # pydantic then reports the bad value
    return value


Day = Annotated[dt.date, BeforeValidator(as_date, json_schema_input_type=dt.date)]
"""A calendar day: a YAML date or ISO 8601 text (``2030-01-01``)."""


class Frozen(BaseModel):
    """Base of every scenario model: immutable, strict about unknown keys and about types.

    Types are strict: a number must be written as a number (``"12"`` in quotes
    is text, refused where a number is expected) and ``true`` is not 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)
