"""Problems found in a scenario, reported as ``FILE:LINE: PATH: MESSAGE``.

Everything that can go wrong while reading a scenario -- unreadable files, YAML
syntax, unsafe YAML features, bad ``--set`` overrides, schema violations -- is
described by a :class:`Problem`: the file it came from, the 1-based line when it
is known, the *data path* of the offending value (``forces[3].equipment[0].mass_t``)
and a message written for the person editing the scenario.  Problems travel
together in a :class:`ScenarioError`, so a user sees every problem of a file at
once instead of fixing them one run at a time.

Data paths are tuples of mapping keys and list indices.  The loader records, in
a :data:`Marks` table, the line at which each path's value starts; the functions
here use that table to put a line number on errors raised by pydantic, whose
locations also contain entries (union member names, discriminator tags) that do
not exist in the data and are therefore dropped.

An unknown key is answered with the key most likely meant
(:func:`simulator.wording.suggest`), found among the fields of the model
that refused it; the model is looked up by following the error's location
through the annotations of the model validated.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.wording import did_you_mean

if TYPE_CHECKING:  # only for the annotation: importing pydantic costs start-up time
    import pydantic

__all__ = [
    "Marks",
    "Problem",
    "ScenarioError",
    "fields_at",
    "is_under",
    "path_to_str",
    "problems_from_validation_error",
]

Marks = dict[tuple[str | int, ...], int]
"""Data path -> 1-based line where the value starts (for mapping values: the key's line)."""

MAX_PROBLEMS_PER_PATH = 3
"""A value that fails every member of a union yields one error per member; keep this many."""

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_SHORT_REPR = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as possible.

    Attributes:
        file: The scenario file name, or a pseudo-file such as ``--set``.
        line: 1-based line number, or ``None`` when no line applies.
        path: Data path as produced by :func:`path_to_str`; empty for the whole file.
        message: What is wrong, in words meant for the scenario author.
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        """Render as ``FILE:LINE: PATH: MESSAGE``, leaving out the parts that are unknown."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be used; carries every :class:`Problem` that was found.

    Attributes:
        problems: The problems, in the order they were found (never empty).
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        """Create the error.

        Args:
            problems: One problem or several; at least one is required.

        Raises:
            ValueError: If ``problems`` is empty.
        """
        collected = (problems,) if isinstance(problems, Problem) else tuple(problems)
        if not collected:
            raise ValueError("ScenarioError needs at least one Problem")
        super().__init__(collected)
        self.problems = collected

    def __str__(self) -> str:
        """Return one line per problem."""
        return "\n".join(str(problem) for problem in self.problems)


def path_to_str(loc: Sequence[str | int]) -> str:
    """Render a data path the way a reader would write it.

    ``("forces", 3, "equipment", 0, "mass_t")`` becomes ``forces[3].equipment[0].mass_t``.
    Integers (list indices, integer keys) are bracketed; keys that are not plain
    words (containing dots, spaces, brackets...) are bracketed and quoted.

    Args:
        loc: Keys and indices from the document root.

    Returns:
        The rendered path; ``""`` for the root.
    """
    parts: list[str] = []
    for entry in loc:
        if isinstance(entry, int):
            parts.append(f"[{entry}]")
        elif _PLAIN_KEY.fullmatch(entry):
            parts.append(f".{entry}" if parts else entry)
        else:
            parts.append(f"[{entry!r}]")
    return "".join(parts)


def _short_repr(value: Any) -> str:
    """Return a compact, truncated representation of a scalar input."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    if len(text) > _SHORT_REPR:
        text = text[: _SHORT_REPR - 3] + "..."
    return text


def _is_scalar(value: Any) -> bool:
    """Tell whether ``value`` is a plain scalar worth quoting back in a message."""
    return value is None or isinstance(value, str | int | float | dt.date | dt.time)


def _real_path(data: Any, loc: Sequence[str | int]) -> tuple[list[str | int], bool]:
    """Follow ``loc`` through ``data``, keeping only entries that exist there.

    Args:
        data: The loaded document.
        loc: A pydantic error location.

    Returns:
        The entries of ``loc`` that are real keys or indices, and whether the last
        entry of ``loc`` was one of them.
    """
    current = data
    real: list[str | int] = []
    last_found = False
    for entry in loc:
        if isinstance(current, dict):
            last_found = entry in current
        elif isinstance(current, list):
            last_found = (
                isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < len(current)
            )
        else:
            last_found = False
        if last_found:
            current = current[entry]
            real.append(entry)
    return real, last_found


def line_for(path: Sequence[str | int], marks: Marks) -> int | None:
    """Return the line of the deepest prefix of ``path`` that has a mark."""
    key = tuple(path)
    for end in range(len(key), -1, -1):
        line = marks.get(key[:end])
        if line is not None:
            return line
    return None


def is_under(path: str, prefix: str) -> bool:
    """Tell whether rendered ``path`` is ``prefix`` or lies inside it (``a.b`` is under ``a``)."""
    if not path.startswith(prefix):
        return False
    rest = path[len(prefix) :]
    return not rest or rest[0] in ".["


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` layers from a type annotation."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _labels(member: Any) -> set[str]:
    """Names under which pydantic may put a union member into an error location."""
    labels = set()
    if typing.get_origin(member) is typing.Annotated:
        labels |= {str(meta.tag) for meta in member.__metadata__ if hasattr(meta, "tag")}
    member = _unwrap(member)
    fields = getattr(member, "model_fields", None)
    if isinstance(member, type) and fields is not None:
        labels.add(member.__name__)
        for field in fields.values():
            if typing.get_origin(field.annotation) is typing.Literal:
                labels |= {str(value) for value in typing.get_args(field.annotation)}
    return labels


def fields_at(annotation: Any, loc: Sequence[str | int]) -> list[str] | None:
    """The field names of the model found at ``loc`` when validating against ``annotation``.

    ``loc`` is a pydantic error location: besides keys and indices it may hold
    the tags or class names of union members, which choose the member.

    Args:
        annotation: A pydantic model class, or any annotation built of models,
            lists, tuples, dicts, unions and ``Annotated``.
        loc: The location of the mapping, from the root of ``annotation``.

    Returns:
        The model's field names in declaration order, or ``None`` if ``loc``
        does not lead to a model.
    """
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = typing.get_args(annotation)
        if loc and isinstance(loc[0], str):
            for member in members:
                if loc[0] in _labels(member):
                    found = fields_at(member, loc[1:])
                    if found is not None:
                        return found
        for member in members:
            found = fields_at(member, loc)
            if found is not None:
                return found
        return None
    fields = getattr(annotation, "model_fields", None)
    if isinstance(annotation, type) and fields is not None:
        if not loc:
            return list(fields)
        field = fields.get(loc[0]) if isinstance(loc[0], str) else None
        return None if field is None else fields_at(field.annotation, loc[1:])
    if not loc:
        return None
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and args and isinstance(loc[0], int):
        if origin is tuple and len(args) > 1 and args[1] is not Ellipsis:
            return fields_at(args[loc[0]], loc[1:]) if loc[0] < len(args) else None
        return fields_at(args[0], loc[1:])
    if origin is dict and len(args) == 2:
        return fields_at(args[1], loc[1:])
    return None


def _unknown_key(key: str, valid: list[str] | None, listed: bool) -> str:
    """Say a key is unknown; suggest the key meant, and list the valid ones if asked or lost."""
    if valid is None:
        return f"unknown key {key!r}"
    hint = did_you_mean(key, valid)
    if listed or not hint:
        return f"unknown key {key!r}{hint}; valid keys here: {', '.join(valid)}"
    return f"unknown key {key!r}{hint}"


def _number(value: float) -> str:
    """A number as people write it: ``40,075``, ``0.1``, ``1e+15``."""
    if float(value).is_integer() and abs(value) < 1e12:
        return f"{int(value):,}"
    return f"{value:g}"


def _limit_reason(error: Any) -> str:
    """Why a value is bounded, for the limits of :mod:`simulator.scenario.types`; else ''."""
    from simulator.scenario import types

    context = error.get("ctx") or {}
    bound = context.get("le", context.get("ge"))
    if not isinstance(error.get("input"), int | float) or isinstance(error.get("input"), bool):
        return ""
    reasons = {
        types.LARGEST: ": a million of anything is beyond any exercise",
        types.MAX_DISTANCE_KM: " km, once round the Earth",
        types.MAX_SPEED_KMH: " km/h, about Mach 4",
        types.MIN_SPEED_KMH: " km/h, a hundred metres an hour",
        types.MAX_PER_1000_KM: " per 1,000 km, one every kilometre",
        types.MAX_FLEET: " vehicles: the largest air forces field some 5,000 aircraft",
    }
    return reasons.get(bound, "") if isinstance(bound, int | float) else ""


_NUMBER_TYPES = {"float_type": "a number", "int_type": "an integer"}
"""Validation error types that text where a number belongs gives, and what was expected."""


def _looks_numeric(text: str) -> bool:
    """Whether ``text`` would be a number if it were written without quotes."""
    try:
        float(text.strip())
    except ValueError:
        return False
    return bool(text.strip())


def problems_from_validation_error(
    exc: pydantic.ValidationError,
    data: Any,
    marks: Marks,
    file: str,
    model: Any = None,
    list_keys_under: Sequence[str] = (),
) -> list[Problem]:
    """Turn a pydantic validation error into located, readable problems.

    Locations are reduced to the keys and indices that really exist in ``data``
    (union member names and discriminator tags are dropped), each problem gets the
    line of the deepest located part of its path, duplicates are removed, and at
    most :data:`MAX_PROBLEMS_PER_PATH` problems are kept for any one path (the last
    one kept says how many were left out).

    Args:
        exc: The error raised while validating ``data``.
        data: The data that was validated, as loaded from YAML.
        marks: Line marks recorded while loading ``data``.
        file: The file name to report.
        model: The model (or annotation) ``data`` was validated against; with it,
            an unknown key gets the key it most likely meant (or, if none is close,
            the list of valid keys).
        list_keys_under: Rendered paths (``forces[0]``) at or under which an
            unknown key always lists the valid keys: values set by ``--set``,
            whose author cannot see the keys around them.

    Returns:
        One problem per distinct error, grouped by path in order of first appearance.
    """
    by_path: dict[str, list[tuple[int | None, str]]] = {}
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        loc: tuple[str | int, ...] = tuple(error["loc"])
        real, last_found = _real_path(data, loc)
        kind = error["type"]
        if kind == "missing" and loc and not last_found and isinstance(loc[-1], str):
            message = f"missing required key {loc[-1]!r}"
        elif kind == "extra_forbidden" and loc and last_found:
            valid = None if model is None else fields_at(model, loc[:-1])
            listed = any(is_under(path_to_str(real), prefix) for prefix in list_keys_under)
            message = _unknown_key(str(loc[-1]), valid, listed)
        elif kind in ("less_than_equal", "greater_than_equal") and _limit_reason(error):
            bound = (error.get("ctx") or {}).get("le", (error.get("ctx") or {}).get("ge", 0))
            word = "at most" if kind == "less_than_equal" else "at least"
            shown = _number(bound), _number(error["input"])
            message = f"expected {word} {shown[0]}{_limit_reason(error)} (got {shown[1]})"
        elif kind in _NUMBER_TYPES and isinstance(error.get("input"), str):
            message = f"expected {_NUMBER_TYPES[kind]}, got the text {_short_repr(error['input'])}"
            if _looks_numeric(error["input"]):
                message += "; a number is written without quotes"
        else:
            message = str(error["msg"])
            value = error.get("input")
            if _is_scalar(value):
                message += f" (got {_short_repr(value)})"
        path = path_to_str(real)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        by_path.setdefault(path, []).append((line_for(real, marks), message))

    problems: list[Problem] = []
    for path, entries in by_path.items():
        kept = entries[:MAX_PROBLEMS_PER_PATH]
        hidden = len(entries) - len(kept)
        for position, (line, message) in enumerate(kept):
            if hidden and position == len(kept) - 1:
                message += f" (and {hidden} more error{'s' if hidden > 1 else ''} for this value)"
            problems.append(Problem(file=file, line=line, path=path, message=message))
    return problems
