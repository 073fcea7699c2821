"""Scenario variants: a file that names a base scenario and says only what differs.

A *variant* is an ordinary scenario file with up to four extra top-level keys::

    format: 1
    extends: ../exercise.yaml   # the base, relative to this file
    name: exercise_transit_allowed
    set:                                   # dotted path -> value, as with --set
      countries.B.transit: {rail: allow, road: allow, air: allow}
    add:                                   # items appended to top-level lists
      fleets:
        - {id: transit_trains, type: broad_gauge_train, count: 6, base: border_station}
    remove:                                # ids removed from top-level lists
      milestones: [reach_border]

The variant is applied to its base in a fixed order:

1. the base is composed (it may itself be a variant; chains are limited to
   :data:`MAX_EXTENDS` levels and may not loop back on themselves);
2. every other top-level key of the variant (``name``, ``title``, ``clock``...)
   replaces the base's key wholesale;
3. ``remove`` drops list elements by ``id`` (each id must exist);
4. ``add`` appends elements to lists of the base, in the order written;
5. ``set`` assigns values by path, exactly as ``--set`` would, except that the
   value is the YAML value written in the variant rather than text to parse.

The result is plain data, to be overridden, validated and cross-checked like a
scenario read from a single file.

So that a problem can be fixed where it was written, every value of the
composed data keeps an *origin*: the file and line it came from.  Values the
variant supplied (a replaced key, an added item, a ``set`` value) point into the
variant; everything else points into the base file that supplied it.  The root
of the document belongs to the file that was loaded.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.scenario.errors import Marks, Problem, ScenarioError, path_to_str
from simulator.scenario.models import Scenario
from simulator.scenario.overrides import assign_path
from simulator.scenario.yamlio import load_yaml_bytes, read_file
from simulator.wording import article, did_you_mean

__all__ = [
    "EXTRA_ROOTS",
    "MAX_EXTENDS",
    "VARIANT_KEYS",
    "Composed",
    "Origins",
    "compose_scenario",
    "roots_for",
]

MAX_EXTENDS = 5
"""Most ``extends`` steps from the loaded file to the last base of its chain."""

VARIANT_KEYS = ("extends", "set", "add", "remove")
"""Top-level keys that describe how a variant changes its base (not scenario keys)."""

DataPath = tuple[str | int, ...]
Origins = dict[DataPath, tuple[str, int]]
"""Data path -> (file, 1-based line) where the value was written."""

_MAX_LISTED = 10

EXTRA_ROOTS: ContextVar[tuple[Path, ...]] = ContextVar("EXTRA_ROOTS", default=())
"""Folders, besides the default roots, that a base named by ``extends`` may lie in."""


LIST_SECTIONS = frozenset(
    name
    for name, field in Scenario.model_fields.items()
    if typing.get_origin(field.annotation) is list
)
"""Top-level sections of the format that are lists of items."""


@dataclass
class Composed:
    """A scenario's data with its variant chain applied, and where each value came from.

    Attributes:
        data: The composed scenario data, not yet validated.
        origins: File and line of every value written in one of the files.
        files: The files involved: the loaded file first, then its bases in order.
        file: The name of the loaded file, as given.
        contents: The bytes read of each of :attr:`files`, the same bytes that were parsed.
    """

    data: dict[str, Any]
    origins: Origins
    files: tuple[Path, ...]
    file: str
    contents: tuple[bytes, ...] = ()

    def lines(self) -> Marks:
        """Return a plain line table (path -> line), whatever the file of each line."""
        return {path: line for path, (_, line) in self.origins.items()}

    def locate(self, path: Iterable[str | int]) -> tuple[str, int | None]:
        """Return the file and line of the deepest part of ``path`` that has an origin.

        Args:
            path: A data path from the document root.

        Returns:
            The file and line; the loaded file without a line if nothing matches.
        """
        key = tuple(path)
        for end in range(len(key), -1, -1):
            origin = self.origins.get(key[:end])
            if origin is not None:
                return origin
        return self.file, None

    def relocate(self, problems: Iterable[Problem]) -> list[Problem]:
        """Point problems found in the composed data at the file and line that supplied them.

        Problems built from validation errors carry their path as text only, so the
        text is matched against the rendered paths of the origins, from the whole
        path up to the root.

        Args:
            problems: Problems whose ``path`` is a path of :attr:`data`.

        Returns:
            The problems, each with the file and line of its deepest located part.
        """
        by_text = {path_to_str(path): origin for path, origin in self.origins.items()}
        result: list[Problem] = []
        for problem in problems:
            text = problem.path
            # Every prefix of a rendered path ends just before a '.' or a '['.
            cuts = [len(text), *(i for i in range(len(text) - 1, 0, -1) if text[i] in ".["), 0]
            origin = next((by_text[text[:c]] for c in cuts if text[:c] in by_text), None)
            if origin is not None:
                problem = Problem(origin[0], origin[1], problem.path, problem.message)
            result.append(problem)
        return result


def roots_for(path: Path) -> tuple[Path, ...]:
    """The folders a base of ``path`` may lie in: the working directory, the folder above the
    file's own folder, and any :data:`EXTRA_ROOTS`, all resolved."""
    top = path.resolve()
    return tuple(dict.fromkeys([Path.cwd().resolve(), top.parent.parent, *(
        Path(root).resolve() for root in EXTRA_ROOTS.get()
    )]))  # fmt: skip


def compose_scenario(path: str | Path) -> Composed:
    """Read a scenario file and, if it is a variant, apply it to its base chain.

    A file without ``extends`` is returned as read.

    Args:
        path: The scenario file to load.

    Returns:
        The composed data with the origin of every value.

    Raises:
        ScenarioError: With every problem found in the file that failed; problems
            with ``extends``, ``set``, ``add`` and ``remove`` point at their line in
            the variant.
    """
    path = Path(path)
    return _compose(path, (), roots_for(path) if "\0" not in str(path) else ())


def _compose(path: Path, chain: tuple[Path, ...], roots: Sequence[Path]) -> Composed:
    """Compose ``path``, reached through the files of ``chain`` (resolved, outermost first),
    its bases lying in one of ``roots``."""
    file = str(path)
    raw = read_file(path)
    data, marks = load_yaml_bytes(raw, file)
    if not isinstance(data, dict):
        kind = "empty" if data is None else article(type(data).__name__)
        problem = Problem(file, 1, "", f"a scenario is a mapping of keys; this is {kind}")
        raise ScenarioError([problem])
    own: Origins = {key: (file, line) for key, line in marks.items()}
    if "extends" not in data:
        misplaced = [key for key in VARIANT_KEYS if key in data]
        if misplaced:
            raise ScenarioError(
                Problem(
                    file,
                    marks.get((key,)),
                    key,
                    f"{key!r} is only allowed in a variant, a file that names its base "
                    "scenario with 'extends'",
                )
                for key in misplaced
            )
        return Composed(data, own, (path,), file, (raw,))

    base_path = _base_path(path, data["extends"], marks, chain, roots)
    base = _compose(base_path, (*chain, path.resolve()), roots)
    variant = _Variant(file, data, marks)
    variant.apply(base)
    return Composed(base.data, base.origins, (path, *base.files), file, (raw, *base.contents))


def _base_path(
    path: Path, extends: Any, marks: Marks, chain: tuple[Path, ...], roots: Sequence[Path]
) -> Path:
    """Check the ``extends`` entry of ``path`` and return the base file to read."""
    file = str(path)
    line = marks.get(("extends",))

    def refuse(message: str) -> ScenarioError:
        return ScenarioError(Problem(file, line, "extends", message))

    if not isinstance(extends, str) or not extends.strip():
        shown = "nothing" if extends is None else repr(extends)
        raise refuse(
            f"expected the path of the base scenario file, relative to this file (got {shown})"
        )
    if "\0" in extends:
        raise refuse("the path of the base scenario cannot hold a NUL character")
    base = path.parent / extends.strip()
    try:
        resolved = base.resolve(strict=True)
    except FileNotFoundError:
        raise refuse(f"base scenario {extends!r} not found (looked for {_tidy(base)})") from None
    except (RuntimeError, OSError) as exc:
        # A loop of symbolic links, or a path the system refuses.
        reason = (
            "a loop of symbolic links"
            if isinstance(exc, RuntimeError)
            else (exc.strerror or str(exc))
        )
        raise refuse(f"base scenario {extends!r} cannot be read: {reason}") from None
    if not resolved.is_file():
        raise refuse(f"base scenario {extends!r} is not a regular file")
    if not any(resolved.is_relative_to(root) for root in roots):
        allowed = ", ".join(str(root) for root in roots)
        raise refuse(
            f"base scenario {extends!r} lies outside the folders a base may be read from "
            f"({allowed}); widen them with --extends-root"
        )
    base = _tidy(base)
    names = [*chain, path.resolve()]
    if resolved in names:
        loop = " -> ".join(str(name) for name in [*names, resolved])
        raise refuse(f"the chain of 'extends' loops back on itself: {loop}")
    if len(names) > MAX_EXTENDS:
        raise refuse(f"more than {MAX_EXTENDS} levels of 'extends'")
    return base


def _tidy(path: Path) -> Path:
    """Drop ``..`` steps from a path for messages, unless a symlink makes that wrong."""
    tidy = Path(os.path.normpath(path))
    return tidy if tidy.resolve() == path.resolve() else path


def _id_of(element: Any) -> str | None:
    """Return the ``id`` of a list element as text, as override paths see it."""
    if isinstance(element, dict):
        value = element.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _listed(ids: Iterable[str]) -> str:
    """Join ids for a message, cutting long lists short."""
    shown = list(ids)
    more = f", ... ({len(shown) - _MAX_LISTED} more)" if len(shown) > _MAX_LISTED else ""
    return ", ".join(shown[:_MAX_LISTED]) + more or "none"


class _Variant:
    """The changes one variant file makes to its composed base."""

    def __init__(self, file: str, data: dict[str, Any], marks: Marks) -> None:
        self.file = file
        self.data = data
        self.marks = marks
        self.problems: list[Problem] = []

    def report(self, where: DataPath, message: str) -> None:
        """Record a problem at ``where`` in the variant file."""
        line = self.marks.get(where)
        self.problems.append(Problem(self.file, line, path_to_str(where), message))

    def take(self, source: DataPath, target: DataPath, origins: Origins) -> None:
        """Give ``target`` and everything under it the variant's lines of ``source``."""
        size = len(source)
        for key, line in self.marks.items():
            if key[:size] == source:
                origins[target + key[size:]] = (self.file, line)

    def section(self, key: str) -> dict[str | int, Any]:
        """Return the mapping under ``set``, ``add`` or ``remove`` (empty when absent)."""
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.report(
                (key,), f"expected a mapping under {key!r}, not {article(type(value).__name__)}"
            )
            return {}
        return value

    def apply(self, base: Composed) -> None:
        """Apply the variant to ``base`` in place.

        Raises:
            ScenarioError: With every problem found in the variant's changes.
        """
        data, origins = base.data, base.origins
        for key, value in self.data.items():
            if key in VARIANT_KEYS:
                continue
            data[key] = value
            _drop(origins, (key,))
            self.take((key,), (key,), origins)
        # The root belongs to the file that was loaded, so whole-scenario problems
        # (a required key missing everywhere) are reported there.
        origins[()] = (self.file, self.marks.get((), 1))

        for name, ids in self.section("remove").items():
            items = self.target_list(data, "remove", name)
            if items is not None:
                self.remove(items, name, ids, origins)
        for name, added in self.section("add").items():
            items = self.target_list(data, "add", name)
            if items is None:
                continue
            if not isinstance(added, list):
                self.report(("add", name), f"expected a list of items to append to {name!r}")
                continue
            start = len(items)
            items.extend(added)
            for position in range(len(added)):
                self.take(("add", name, position), (name, start + position), origins)
        for path, value in self.section("set").items():
            self.assign(data, str(path), path, value, origins)
        if self.problems:
            raise ScenarioError(self.problems)

    def target_list(self, data: dict[Any, Any], action: str, name: str | int) -> list[Any] | None:
        """Return the base's top-level list ``name``, or report why there is none."""
        items = data.get(name)
        if isinstance(items, list):
            return items
        if action == "add" and name not in data and name in LIST_SECTIONS:
            # A list the base leaves out (it defaults to empty) can be added to.
            data[name] = []
            created: list[Any] = data[name]
            return created
        if name not in data:
            lists = [str(key) for key, value in data.items() if isinstance(value, list)]
            self.report(
                (action, name),
                f"unknown key {name!r}{did_you_mean(str(name), lists)}: the base scenario has "
                f"no list of that name (its lists are: {_listed(lists)})",
            )
        else:
            kind = "null" if items is None else type(items).__name__
            self.report(
                (action, name),
                f"{name!r} is {article(kind)} in the base scenario, not a list of items",
            )
        return None

    def remove(self, items: list[Any], name: str | int, ids: Any, origins: Origins) -> None:
        """Remove the elements of list ``name`` whose id is listed in ``ids``."""
        if not isinstance(ids, list):
            self.report(("remove", name), f"expected a list of ids to remove from {name!r}")
            return
        doomed: set[int] = set()
        for position, wanted in enumerate(ids):
            where = ("remove", name, position)
            if not isinstance(wanted, str | int) or isinstance(wanted, bool):
                self.report(where, f"expected an id, not {wanted!r}")
                continue
            found = [index for index, item in enumerate(items) if _id_of(item) == str(wanted)]
            if not found:
                known = [i for i in map(_id_of, items) if i is not None]
                self.report(
                    where, f"no element of {name!r} has id {wanted!r}; ids are: {_listed(known)}"
                )
            doomed.update(found)
        if not doomed:
            return
        kept = [index for index in range(len(items)) if index not in doomed]
        items[:] = [items[index] for index in kept]
        # Later elements move up, so their origins must follow them.
        _renumber(origins, name, {old: new for new, old in enumerate(kept)})

    def assign(
        self, data: dict[str, Any], text: str, key: str | int, value: Any, origins: Origins
    ) -> None:
        """Apply one ``set`` entry and give the changed value its line in the variant."""
        where = ("set", key)
        try:
            changed = assign_path(data, text, value, {})
        except ScenarioError as error:
            for problem in error.problems:
                self.report(where, problem.message)
            return
        _drop(origins, changed)
        self.take(where, changed, origins)
        line = self.marks.get(where)
        if line is None:  # pragma: no cover - every loaded key has a line
            return
        # Mappings the assignment had to create exist only because of this entry.
        for end in range(len(changed), 0, -1):
            origins.setdefault(changed[:end], (self.file, line))


def _drop(origins: Origins, prefix: DataPath) -> None:
    """Forget the origins of ``prefix`` and everything under it."""
    size = len(prefix)
    for key in [key for key in origins if key[:size] == prefix]:
        del origins[key]


def _renumber(origins: Origins, name: str | int, moves: dict[int, int]) -> None:
    """Move the origins of elements of top-level list ``name`` to their new indices.

    Elements missing from ``moves`` were removed, and lose their origins.
    """
    moved: Origins = {}
    for key in [key for key in origins if len(key) > 1 and key[0] == name]:
        origin = origins.pop(key)
        index = key[1]
        if isinstance(index, int) and index in moves:
            moved[(name, moves[index], *key[2:])] = origin
    origins.update(moved)
