"""JSON Schema of the scenario format, generated from the models.

Editors that understand JSON Schema (for YAML too) can use it to complete and
check scenario files as they are typed. The copy in ``docs/`` is kept equal
to ``scenario_schema()`` by the test suite.
"""

from __future__ import annotations

import json
from typing import Any

from simulator.scenario.models import FORMAT_VERSION, Scenario


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    required = schema.pop("required", [])
    schema["properties"].update(VARIANT_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"tabletop scenario, format {FORMAT_VERSION}",
        **{k: v for k, v in schema.items() if k != "title"},
        # A variant names its base and may leave out whatever it takes from it.
        "if": {"not": {"required": ["extends"]}},
        "then": {"required": required},
    }


VARIANT_KEYS: dict[str, Any] = {
    "extends": {
        "type": "string",
        "description": "Base scenario file this variant changes (path relative to this file).",
    },
    "set": {
        "type": "object",
        "description": "Dotted path (list items by id) -> value, applied after add and remove.",
    },
    "add": {
        "type": "object",
        "description": "Top-level section -> items appended to the base's list.",
        "additionalProperties": {"type": "array"},
    },
    "remove": {
        "type": "object",
        "description": "Top-level section -> ids removed from the base's list.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}


def schema_text() -> str:
    """The schema as canonical JSON text."""
    return json.dumps(scenario_schema(), indent=2, sort_keys=True) + "\n"
