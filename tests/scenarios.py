"""Small scenario builders for tests: plain dicts, validated on demand.

Coordinates are chosen so that great-circle distances do not matter: every
link in these scenarios has an explicit ``distance_km``.
"""

from __future__ import annotations

import copy
from typing import Any

from simulator.scenario.models import Scenario

START = "2030-01-01T00:00:00Z"


def base(**extra: Any) -> dict[str, Any]:
    """A scenario skeleton: two countries, no forces yet."""
    data: dict[str, Any] = {
        "format": 1,
        "name": "test",
        "clock": {"start": START, "d_day": START},
        "countries": [{"id": "A"}, {"id": "B"}],
        "nodes": [],
        "links": [],
        "transport_types": [],
        "fleets": [],
        "forces": [],
    }
    data.update(copy.deepcopy(extra))
    return data


def node(id: str, country: str = "A", lon: float = 0.0, **limits: Any) -> dict[str, Any]:
    """A node on the equator; ``limits`` become its limits."""
    out: dict[str, Any] = {"id": id, "country": country, "lat": 0.0, "lon": lon}
    if limits:
        out["limits"] = limits
    return out


def rail(id: str, a: str, b: str, km: float, gauge: int = 1435) -> dict[str, Any]:
    """A rail link."""
    return {"id": id, "a": a, "b": b, "mode": "rail", "distance_km": km, "gauge_mm": gauge}


def air(id: str, a: str, b: str, km: float, **extra: Any) -> dict[str, Any]:
    """An air link."""
    return {"id": id, "a": a, "b": b, "mode": "air", "distance_km": km, **extra}


def train(id: str = "train", gauge: int = 1435, **extra: Any) -> dict[str, Any]:
    """A train type: 100 people, 1,000 t, 10 outsize, 50 km/h, no handling times."""
    out = {
        "id": id,
        "mode": "rail",
        "gauge_mm": gauge,
        "capacity": {"personnel": 100, "tonnes": 1000, "outsize": 10},
        "speed_kmh": 50,
    }
    out.update(extra)
    return out


def plane(id: str = "plane", **extra: Any) -> dict[str, Any]:
    """An aircraft type: 50 people, 20 t, 500 km/h, range 5,000 km."""
    out = {
        "id": id,
        "mode": "air",
        "capacity": {"personnel": 50, "tonnes": 20, "outsize": 1},
        "speed_kmh": 500,
        "range_km": 5000,
    }
    out.update(extra)
    return out


def unit(id: str, origin: str, destination: str, mode: str, **extra: Any) -> dict[str, Any]:
    """A unit of nation A ready at the start, 100 people by default."""
    out = {
        "id": id,
        "nation": "A",
        "personnel": 100,
        "origin": origin,
        "destination": destination,
        "ready": START,
        "mode": mode,
    }
    out.update(extra)
    return out


def scenario(data: dict[str, Any]) -> Scenario:
    """Validate a scenario dict."""
    return Scenario.model_validate(data)
