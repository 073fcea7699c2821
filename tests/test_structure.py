"""The package's layers import one way: no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "simulator"


def _imports(module: Path) -> set[str]:
    """Every ``simulator.*`` module a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("simulator")}


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("model/world.py", ("simulator.model.movement", "simulator.model.operations",
                            "simulator.model.run")),
        ("model/movement.py", ("simulator.model.run",)),
        ("model/operations.py", ("simulator.model.run",)),
        *((f"commands/{p.name}", ("simulator.cli",)) for p in (PACKAGE / "commands").glob("*.py")),
    ],
)  # fmt: skip
def test_no_import_against_the_layers(module: str, forbidden: tuple[str, ...]) -> None:
    imported = _imports(PACKAGE / module)
    assert not imported & set(forbidden), sorted(imported & set(forbidden))


def test_the_scenario_format_does_not_depend_on_the_command_line() -> None:
    for path in (PACKAGE / "scenario").glob("*.py"):
        assert not {
            n for n in _imports(path) if n.startswith(("simulator.cli", "simulator.commands"))
        }, path


def test_the_session_engine_does_not_depend_on_a_front_end() -> None:
    # The terminal (commands/play.py) and any later front end drive the engine, never the
    # other way round; the layers below do not know it exists.
    for path in (PACKAGE / "facilitation").glob("*.py"):
        front = {n for n in _imports(path) if n.startswith(("simulator.cli", "simulator.commands"))}
        assert not front, path
    for layer in ("model", "analysis", "scenario", "report", "experiment"):
        for path in (PACKAGE / layer).glob("*.py"):
            assert not {n for n in _imports(path) if n.startswith("simulator.facilitation")}, path
