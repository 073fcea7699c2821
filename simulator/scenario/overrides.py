"""Command-line overrides: ``--set PATH=VALUE`` changes one value of a loaded scenario.

An override is applied to the plain data loaded from YAML, before validation, so
an overridden value is checked exactly like one written in the file.

``PATH`` is a dotted list of segments.  On a mapping a segment is a key; on a
list of mappings it is the ``id`` of an element (``forces.first_battalion.ready``,
``countries.B.transit.rail.policy``), or -- only when no element has that id --
a 0-based index (``nodes.0.lat``).  Segments may also be written in brackets:
``forces[first_battalion].ready``, ``nodes[0].lat``.  Setting a key that does not exist
creates it (and any missing or ``null`` mapping on the way), so that validation
can then name the unknown key.

``VALUE`` is read as a YAML value with the safe loader: ``8`` is an integer,
``2030-07-20T00:00:00Z`` a datetime, ``[a, b]`` a list, ``null`` is ``None``, an
empty value is ``None`` too, and anything else is text.

Overridden values have no line in the scenario file.  Applying an override
therefore removes the marks of the changed path and everything under it, and
:func:`apply_overrides` returns the changed paths in canonical form so that
:func:`attribute_to_overrides` can report problems found there as
``--set: PATH: message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from simulator.scenario.errors import Marks, Problem, ScenarioError, is_under, path_to_str
from simulator.scenario.yamlio import load_yaml
from simulator.wording import counted

__all__ = [
    "OVERRIDE_FILE",
    "apply_override",
    "apply_overrides",
    "attribute_to_overrides",
    "parse_assignment",
    "parse_path",
]

OVERRIDE_FILE = "--set"
"""Pseudo file name under which problems with overrides are reported."""

_MAX_LISTED_IDS = 10
_INDEX = re.compile(r"[0-9]+")


def _fail(path: str, message: str) -> ScenarioError:
    """Build the error for a bad override of ``path``."""
    return ScenarioError(Problem(OVERRIDE_FILE, None, path, message))


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE`` and read the value as YAML.

    Args:
        text: One ``--set`` argument.

    Returns:
        The path text (stripped) and the parsed value.

    Raises:
        ScenarioError: If there is no ``=``, the path is empty or the value is not
            acceptable YAML; the problem's file is ``--set``.
    """
    path, equals, value_text = text.partition("=")
    path = path.strip()
    if not equals:
        raise _fail(text, "expected PATH=VALUE, e.g. forces.first_battalion.ready=2030-07-20")
    if not path:
        raise _fail(text, "the path before '=' is empty")
    try:
        value, _ = load_yaml(value_text, OVERRIDE_FILE)
    except ScenarioError as exc:
        raise ScenarioError(
            Problem(OVERRIDE_FILE, None, path, f"value {value_text!r}: {problem.message}")
            for problem in exc.problems
        ) from None
    return path, value


def parse_path(path: str) -> list[str]:
    """Split an override path into its segments.

    ``forces.first_battalion.ready``, ``forces[first_battalion].ready`` and
    ``forces.[first_battalion].ready`` all give ``["forces", "first_battalion", "ready"]``.

    Args:
        path: The path text.

    Returns:
        The segments, in order (never empty).

    Raises:
        ScenarioError: On an empty segment or unbalanced brackets.
    """
    segments: list[str] = []
    position = 0
    length = len(path)
    expect_segment = True
    while position < length:
        char = path[position]
        if char == "[":
            end = path.find("]", position + 1)
            if end < 0:
                raise _fail(path, "'[' without a matching ']'")
            segment = path[position + 1 : end].strip()
            if not segment or "[" in segment:
                raise _fail(path, f"bad bracket segment at character {position + 1}")
            segments.append(segment)
            position = end + 1
            expect_segment = False
        elif char == ".":
            if expect_segment:
                raise _fail(path, f"empty segment at character {position + 1}")
            position += 1
            expect_segment = True
        elif char == "]":
            raise _fail(path, f"']' without a matching '[' at character {position + 1}")
        else:
            if not expect_segment:
                raise _fail(path, f"expected '.' or '[' at character {position + 1}")
            end = position
            while end < length and path[end] not in ".[]":
                end += 1
            segment = path[position:end].strip()
            if not segment:
                raise _fail(path, f"empty segment at character {position + 1}")
            segments.append(segment)
            position = end
            expect_segment = False
    if expect_segment:
        raise _fail(path, "the path is empty" if not segments else "the path ends with '.'")
    return segments


def _element_id(element: Any) -> str | None:
    """Return the ``id`` of a list element as text, if it has a usable one."""
    if isinstance(element, dict):
        value = element.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _list_position(items: list[Any], segment: str, path: str, where: str) -> int:
    """Resolve a segment against a list: by element id first, then by index."""
    matches = [index for index, item in enumerate(items) if _element_id(item) == segment]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _fail(path, f"{len(matches)} elements of {where} have id {segment!r}")
    if _INDEX.fullmatch(segment):
        index = int(segment)
        if index < len(items):
            return index
        raise _fail(
            path, f"index {index} is out of range: {where} has {counted(len(items), 'element')}"
        )
    ids = [element_id for element_id in map(_element_id, items) if element_id is not None]
    if not ids:
        raise _fail(path, f"{where} is a list without ids; address its elements by index")
    listed = ", ".join(ids[:_MAX_LISTED_IDS])
    more = f", ... ({len(ids) - _MAX_LISTED_IDS} more)" if len(ids) > _MAX_LISTED_IDS else ""
    raise _fail(path, f"no element of {where} has id {segment!r}; ids are: {listed}{more}")


def _mapping_key(mapping: dict[Any, Any], segment: str) -> str | int:
    """Return the existing key ``segment`` names (text first, then integer), or the text."""
    if segment in mapping:
        return segment
    if _INDEX.fullmatch(segment) and int(segment) in mapping:
        return int(segment)
    return segment


def _kind(value: Any) -> str:
    """Name the kind of a scalar value for messages."""
    if value is None:
        return "null"
    return type(value).__name__


def assign_path(data: dict[str, Any], path: str, value: Any, marks: Marks) -> tuple[str | int, ...]:
    """Do the work of :func:`apply_override` and return the real data path changed."""
    segments = parse_path(path)
    current: Any = data
    real: list[str | int] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        where = path_to_str(real) or "the scenario"
        step: str | int
        if isinstance(current, dict):
            step = _mapping_key(current, segment)
            if not last and current.get(step) is None:
                current[step] = {}
        elif isinstance(current, list):
            step = _list_position(current, segment, path, where)
        else:
            raise _fail(
                path, f"{where} is a single value ({_kind(current)}), so it has no {segment!r}"
            )
        real.append(step)
        if last:
            current[step] = value
        else:
            current = current[step]
    changed = tuple(real)
    size = len(changed)
    for key in [key for key in marks if key[:size] == changed]:
        del marks[key]
    return changed


def apply_override(data: dict[str, Any], path: str, value: Any, marks: Marks) -> None:
    """Set the value at ``path`` in ``data``.

    Missing keys (and missing or ``null`` intermediate mappings) are created.  The
    marks of the changed path and of everything under it are removed, so no
    overridden value points at a line of the scenario file.

    Args:
        data: The loaded scenario; modified in place.
        path: The override path (see the module documentation).
        value: The new value.
        marks: The scenario's line marks; modified in place.

    Raises:
        ScenarioError: If the path is malformed, names an unknown list element or
            goes through a scalar; the problem's file is ``--set``.
    """
    assign_path(data, path, value, marks)


def apply_overrides(data: dict[str, Any], assignments: Sequence[str], marks: Marks) -> list[str]:
    """Apply ``--set`` assignments in order.

    Every assignment is tried even when an earlier one fails, so all problems
    are reported together.

    Args:
        data: The loaded scenario; modified in place.
        assignments: ``PATH=VALUE`` texts, in command-line order.
        marks: The scenario's line marks; modified in place.

    Returns:
        The changed paths in canonical form (``forces[3].ready``), each once, in
        the order first changed.

    Raises:
        ScenarioError: With every problem found, if any assignment failed.
    """
    changed: list[str] = []
    problems: list[Problem] = []
    for assignment in assignments:
        try:
            path, value = parse_assignment(assignment)
            canonical = path_to_str(assign_path(data, path, value, marks))
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if canonical not in changed:
            changed.append(canonical)
    if problems:
        raise ScenarioError(problems)
    return changed


def attribute_to_overrides(problems: Iterable[Problem], changed: Sequence[str]) -> list[Problem]:
    """Report problems that concern overridden values as coming from ``--set``.

    Args:
        problems: Problems found while validating the overridden scenario.
        changed: Canonical paths returned by :func:`apply_overrides`.

    Returns:
        The problems, with those at or under a changed path moved to file
        ``--set`` without a line.
    """
    result: list[Problem] = []
    for problem in problems:
        if any(is_under(problem.path, prefix) for prefix in changed):
            problem = Problem(OVERRIDE_FILE, None, problem.path, problem.message)
        result.append(problem)
    return result
