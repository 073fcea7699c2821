"""Safe YAML loading that remembers where every value came from.

Scenarios are hand-written YAML, so when something is wrong the author needs a
file and a line.  :func:`load_yaml` parses with PyYAML's *safe* loader into a
node tree, then builds plain Python data (dicts, lists, str, int, float, bool,
``None``, dates and datetimes: the types of YAML 1.1's core schema) while
filling a :data:`Marks` table: data path -> 1-based line of the value (for a
mapping value, the line of its key).

The loader is stricter than ``yaml.safe_load`` where YAML is silently surprising
or dangerous:

* Only plain YAML types are accepted; any other tag (``!!python/...``, ``!!set``,
  ``!!binary``, custom ``!tags``) is refused.
* Duplicate keys in one mapping are an error (PyYAML keeps the last one quietly).
* Mapping keys must be strings or integers.  A key that YAML reads as something
  else -- ``no:`` and ``on:`` are booleans, ``null:`` is ``None`` -- is reported
  with a hint to quote it.
* Merge keys (``<<: *defaults`` or ``<<: [*a, *b]``) are supported with the usual
  semantics: keys written in the mapping win over merged ones, and among several
  merged mappings the earlier one wins.  Merged keys keep the lines where they
  were written (inside the anchored mapping).
* Anchors and aliases are expanded into independent copies (changing one copy
  does not change the others).  The expanded size is measured on the node graph
  *before* anything is built, so an alias bomb ("billion laughs") is refused at
  once, as is an alias that refers to a value containing itself.  An anchor name
  may be defined only once per document.
* Nesting is limited to :data:`MAX_DEPTH` levels, so a pathological document is
  reported as a problem instead of crashing with ``RecursionError``.
* A file holds a single document; an empty file gives ``None``.
* A number in exponent form (``1e6``, ``1.5e3``) is a number, as in YAML 1.2
  (PyYAML's YAML 1.1 reads it as text unless it has a point and a signed exponent).

One leniency: a plain ``=`` or ``<<`` written as a *value* is read as text, where
``yaml.safe_load`` fails on it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, Event, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from simulator.scenario.errors import Marks, Problem, ScenarioError, path_to_str
from simulator.wording import article

__all__ = [
    "EXPONENT_FLOAT",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "Marks",
    "load_yaml",
    "load_yaml_bytes",
    "load_yaml_file",
    "read_file",
]

MAX_BYTES = 20 * 2**20
"""Largest scenario file read, in bytes; a larger one is refused before it is parsed."""

MAX_VALUES = 200_000
"""Most keys and values a document may expand to, counting every alias expansion."""

MAX_DEPTH = 100
"""Most mappings and lists any key or value may lie inside (after alias expansion)."""

_YAML = "tag:yaml.org,2002:"
_MAP = _YAML + "map"
_SEQ = _YAML + "seq"
_STR = _YAML + "str"
_INT = _YAML + "int"
_MERGE = _YAML + "merge"
_VALUE = _YAML + "value"

_SCALARS: dict[str, Callable[[yaml.SafeLoader, ScalarNode], Any]] = {
    _YAML + "null": yaml.SafeLoader.construct_yaml_null,
    _YAML + "bool": yaml.SafeLoader.construct_yaml_bool,
    _INT: yaml.SafeLoader.construct_yaml_int,
    _YAML + "float": yaml.SafeLoader.construct_yaml_float,
    _STR: yaml.SafeLoader.construct_yaml_str,
    _YAML + "timestamp": yaml.SafeLoader.construct_yaml_timestamp,
}

_KEY_KINDS = {
    _YAML + "null": "null (None)",
    _YAML + "bool": "boolean",
    _YAML + "float": "number",
    _YAML + "timestamp": "date",
}

_DataPath = tuple[str | int, ...]


class _Refusal(Exception):
    """Internal: stop loading at once, with a line and a message."""

    def __init__(self, line: int | None, message: str, path: _DataPath = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.path = path


def _line(node: Node) -> int | None:
    """Return the 1-based line where ``node`` starts."""
    mark = node.start_mark
    return None if mark is None else mark.line + 1


def _short_tag(tag: str) -> str:
    """Write a tag the way it appears in a document (``!!python/...`` rather than a URI)."""
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


class _Checks:
    """What both loaders add to PyYAML's composer: a nesting limit, one document, one anchor."""

    _depth: int
    anchors: dict[str, Node]

    def _peek(self) -> Event:
        """Return the next parser event without consuming it."""
        event: Event = self.peek_event()  # type: ignore[attr-defined]
        return event

    def _next(self) -> Event:
        """Consume and return the next parser event."""
        event: Event = self.get_event()  # type: ignore[attr-defined]
        return event

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, refusing nesting past :data:`MAX_DEPTH` and reused anchors."""
        event = self._peek()
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, AliasEvent) and anchor in self.anchors:
            first = _line(self.anchors[anchor])
            raise _Refusal(line, f"anchor &{anchor} is defined twice (first on line {first})")
        if self._depth > MAX_DEPTH:
            raise _Refusal(line, f"nesting deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            node: Node | None = Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
            return node
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        """Compose the only document of the stream, refusing a second one."""
        self._next()  # stream start
        document = None
        if not self.check_event(StreamEndEvent):  # type: ignore[attr-defined]
            document = self.compose_document()  # type: ignore[attr-defined]
        if not self.check_event(StreamEndEvent):  # type: ignore[attr-defined]
            event = self._next()
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            raise _Refusal(line, "a second YAML document starts here; a file holds one document")
        self._next()  # stream end
        return document


class _Loader(_Checks, yaml.SafeLoader):
    """The reference loader: PyYAML's safe loader, in Python, with :class:`_Checks`.

    Its messages are the documented ones; the fast loader hands it every document
    it cannot read, and every document with characters it would refuse.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0


try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader: type[_Checks] | None = None
else:

    class _CLoader(_Checks, CParser, Composer, SafeConstructor, Resolver):
        """The same checks and values, with libyaml scanning and parsing (several times faster)."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._depth = 0

        compose_document = Composer.compose_document

    _FastLoader = _CLoader


# PyYAML reads a number in exponent form only with a decimal point and a signed exponent
# (`1.0e+6`), so `1e6` and `1.5e3` would be text; YAML 1.2, and every author, read them as
# numbers.
EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""A number in exponent form, which this loader reads as a float."""
for _loader in (_Loader, _FastLoader):
    if _loader is not None:
        _loader.add_implicit_resolver(  # type: ignore[attr-defined]
            _YAML + "float", EXPONENT_FLOAT, list("-+.0123456789")
        )


class _Builder:
    """Turns a composed node tree into plain data, recording marks and problems."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.marks: Marks = {}
        self.problems: list[tuple[int | None, _DataPath, str]] = []
        self._reported: set[tuple[int | None, str]] = set()

    def report(self, node: Node, path: _DataPath, message: str) -> None:
        """Record a problem, once per source line even when aliases repeat it."""
        line = _line(node)
        if (line, message) in self._reported:
            return
        self._reported.add((line, message))
        self.problems.append((line, path, message))

    # -- measuring ---------------------------------------------------------------

    def measure(self, root: Node) -> None:
        """Refuse recursive aliases, deep nesting and alias bombs before building.

        Every node is visited once (sizes are memoised per node), so the cost is
        proportional to the document text even when its expansion is huge.
        """
        sizes: dict[int, int] = {}
        active: set[int] = set()

        def size(node: Node, depth: int) -> int:
            key = id(node)
            known = sizes.get(key)
            if known is not None:
                return known
            if key in active:
                raise _Refusal(
                    _line(node), "an alias refers to a value that contains it (recursive alias)"
                )
            if depth > MAX_DEPTH:
                raise _Refusal(_line(node), f"nesting deeper than {MAX_DEPTH} levels")
            total = 1
            if isinstance(node, SequenceNode | MappingNode):
                active.add(key)
                children: list[Node] = (
                    node.value
                    if isinstance(node, SequenceNode)
                    else [child for pair in node.value for child in pair]
                )
                for child in children:
                    total += size(child, depth + 1)
                    if total > MAX_VALUES:
                        raise _Refusal(
                            _line(node),
                            f"document expands to more than {MAX_VALUES} values (alias bomb?)",
                        )
                active.discard(key)
            sizes[key] = total
            return total

        size(root, 0)

    # -- building ----------------------------------------------------------------

    def build(self, node: Node, path: _DataPath, depth: int) -> Any:
        """Build the value of ``node`` found at ``path`` and record its mark."""
        if depth > MAX_DEPTH:
            raise _Refusal(_line(node), f"nesting deeper than {MAX_DEPTH} levels", path)
        line = _line(node)
        if line is not None:
            self.marks[path] = line
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.report(node, path, f"tag {_short_tag(node.tag)} is not allowed")
                return None
            return [
                self.build(child, (*path, index), depth + 1)
                for index, child in enumerate(node.value)
            ]
        if not isinstance(node, MappingNode):  # pragma: no cover - PyYAML has no other kind
            raise TypeError(f"unexpected YAML node {type(node).__name__}")
        if node.tag != _MAP:
            self.report(node, path, f"tag {_short_tag(node.tag)} is not allowed")
            return None
        result: dict[str | int, Any] = {}
        for key, key_line, value_node in self.entries(node, path):
            child_path = (*path, key)
            result[key] = self.build(value_node, child_path, depth + 1)
            if key_line is not None:
                self.marks[child_path] = key_line
        return result

    def scalar(self, node: ScalarNode, path: _DataPath) -> Any:
        """Construct a scalar as ``yaml.safe_load`` would, refusing unsafe tags."""
        construct = _SCALARS.get(node.tag)
        if construct is None:
            if node.tag in (_VALUE, _MERGE):  # plain '=' or '<<' used as a value
                return node.value
            self.report(node, path, f"tag {_short_tag(node.tag)} is not allowed")
            return None
        try:
            return construct(self.loader, node)
        except (ValueError, TypeError, AttributeError, OverflowError, yaml.YAMLError):
            self.report(node, path, f"cannot read {node.value!r} as {_short_tag(node.tag)}")
            return None

    def key(self, node: Node, path: _DataPath) -> str | int | None:
        """Return the key written at ``node``, or ``None`` (after reporting) if unusable."""
        if not isinstance(node, ScalarNode):
            self.report(node, path, "mapping keys must be plain text, not a list or mapping")
            return None
        if node.tag == _STR:
            return str(node.value)
        if node.tag == _INT:
            value = self.scalar(node, path)
            return value if isinstance(value, int) else None
        kind = _KEY_KINDS.get(node.tag)
        if kind is not None:
            self.report(
                node,
                path,
                f"key {node.value} is read by YAML as {article(kind)}; "
                f'quote it ("{node.value}") to use it as text',
            )
            return None
        self.report(node, path, f"tag {_short_tag(node.tag)} is not allowed")
        return None

    def entries(
        self, node: MappingNode, path: _DataPath
    ) -> list[tuple[str | int, int | None, Node]]:
        """List the ``(key, key line, value node)`` entries of a mapping, merges resolved."""
        own: list[tuple[str | int, int | None, Node]] = []
        own_lines: dict[str | int, int | None] = {}
        merged: list[tuple[str | int, int | None, Node]] = []
        merge_at: int | None = None
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                if merge_at is not None:
                    self.report(key_node, path, "duplicate key '<<' (merge key)")
                    continue
                merge_at = len(own)
                merged = self.merge_sources(key_node, value_node, path)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in own_lines:
                first = own_lines[key]
                self.report(
                    key_node, (*path, key), f"duplicate key {key!r} (first on line {first})"
                )
                continue
            own_lines[key] = _line(key_node)
            own.append((key, own_lines[key], value_node))
        if merge_at is None:
            return own
        extra = [entry for entry in merged if entry[0] not in own_lines]
        return own[:merge_at] + extra + own[merge_at:]

    def merge_sources(
        self, key_node: Node, value_node: Node, path: _DataPath
    ) -> list[tuple[str | int, int | None, Node]]:
        """Collect the entries a merge key brings in; earlier sources win."""
        if isinstance(value_node, MappingNode):
            sources = [value_node]
        elif isinstance(value_node, SequenceNode) and all(
            isinstance(item, MappingNode) for item in value_node.value
        ):
            sources = list(value_node.value)
        else:
            self.report(key_node, path, "'<<' (merge key) needs a mapping or a list of mappings")
            return []
        result: list[tuple[str | int, int | None, Node]] = []
        seen: set[str | int] = set()
        for source in sources:
            if source.tag != _MAP:
                self.report(source, path, f"tag {_short_tag(source.tag)} is not allowed")
                continue
            for entry in self.entries(source, path):
                if entry[0] not in seen:
                    seen.add(entry[0])
                    result.append(entry)
        return result


def _syntax_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    """Describe a PyYAML error as a :class:`Problem`."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        if exc.context and exc.problem:
            where = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            message += f" ({exc.context}{where})"
        return Problem(file, line, "", message)
    if isinstance(exc, yaml.reader.ReaderError):
        position = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, position) + 1
        character = exc.character
        code = ord(character) if isinstance(character, str) else int(character)
        return Problem(file, line, "", f"invalid YAML: character #x{code:04x} is not allowed")
    return Problem(file, None, "", f"invalid YAML: {exc}")


def load_yaml(text: str, file: str) -> tuple[Any, Marks]:
    """Parse one YAML document safely, recording the line of every value.

    Args:
        text: The document.
        file: Name used in problems (usually the path the text came from).

    Returns:
        The data (``None`` for an empty document) and its :data:`Marks`.

    Raises:
        ScenarioError: On invalid YAML or any refused construct; every problem of
            the kind that does not stop reading (duplicate keys, refused tags, bad
            keys) is reported together.
    """
    if _FastLoader is not None and not Reader.NON_PRINTABLE.search(text):
        try:
            return _load(text, file, _FastLoader)
        except ScenarioError:
            pass  # read it again with the reference loader, whose messages are documented
    return _load(text, file, _Loader)


def _load(text: str, file: str, kind: Callable[[str], Any]) -> tuple[Any, Marks]:
    """:func:`load_yaml` with one loader."""
    loader: Any = None
    try:
        loader = kind(text)
        builder = _Builder(loader)
        root = loader.get_single_node()
        if root is None:
            return None, {}
        builder.measure(root)
        data = builder.build(root, (), 0)
    except _Refusal as refusal:
        raise ScenarioError(
            Problem(file, refusal.line, path_to_str(refusal.path), refusal.message)
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(_syntax_problem(exc, text, file)) from None
    except RecursionError:
        raise ScenarioError(Problem(file, None, "", "document nests too deeply")) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:
        ordered = sorted(builder.problems, key=lambda found: found[0] or 0)
        raise ScenarioError(
            Problem(file, line, path_to_str(path), message) for line, path, message in ordered
        )
    return data, builder.marks


def read_file(path: str | Path) -> bytes:
    """Read a scenario file's bytes, once, refusing what is not a regular file or too large.

    Args:
        path: The file to read.

    Returns:
        The bytes read: the same bytes are then hashed and parsed.

    Raises:
        ScenarioError: If the file cannot be read, is not a regular file or is too large.
    """
    name = str(path)
    try:
        if "\0" in name:
            raise ScenarioError(Problem(name, None, "", "a file name cannot hold a NUL character"))
        if Path(path).is_dir():
            raise IsADirectoryError(name)
        if not stat.S_ISREG(os.stat(path).st_mode):
            # A device or a FIFO could hang the read or never end.
            raise ScenarioError(Problem(name, None, "", "not a regular file"))
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(Problem(name, None, "", "file not found")) from None
    except IsADirectoryError:
        raise ScenarioError(Problem(name, None, "", "is a directory, not a file")) from None
    except PermissionError:
        raise ScenarioError(Problem(name, None, "", "permission denied")) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ScenarioError(Problem(name, None, "", f"cannot read file: {reason}")) from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(
            Problem(name, None, "", f"larger than {MAX_BYTES // 2**20} MiB, the most a scenario "
                    "file may be")
        )  # fmt: skip
    return raw


def load_yaml_bytes(raw: bytes, name: str) -> tuple[Any, Marks]:
    """Decode UTF-8 bytes and load them with :func:`load_yaml`.

    Args:
        raw: The bytes of a file, as :func:`read_file` returned them.
        name: The file's name, used in problems.

    Returns:
        The data and its marks.

    Raises:
        ScenarioError: If the bytes are not UTF-8 or the YAML is refused.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise ScenarioError(
            Problem(name, line, "", f"not valid UTF-8 (byte 0x{byte:02x} at offset {exc.start})")
        ) from None
    return load_yaml(text, name)


def load_yaml_file(path: str | Path) -> tuple[Any, Marks]:
    """Read a UTF-8 YAML file and load it with :func:`load_yaml`.

    Args:
        path: The file to read.

    Returns:
        The data and its marks; problems name the file as given.

    Raises:
        ScenarioError: If the file cannot be read or decoded, or its YAML is refused.
    """
    return load_yaml_bytes(read_file(path), str(path))
