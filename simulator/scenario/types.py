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

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegInt = Annotated[int, Field(ge=0)]


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
"""A calendar day: a YAML date or ISO 8601 text (``2007-08-17``)."""


class Frozen(BaseModel):
    """Base of every scenario model: immutable, strict about unknown keys and about types.

    Types are strict: a number must be written as a number (``"12"`` in quotes
    is text, refused where a number is expected) and ``true`` is not 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)
