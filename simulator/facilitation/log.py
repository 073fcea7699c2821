"""The session log: a file of JSON lines, created for one session alone.

Line 1 is the header::

    {"kind": "header", "scenario_file": ..., "scenario_sha256": <64 hex>, "seed": <int>,
     "tabletop_version": ...}

then one record per line, appended (and flushed to disk) as the session goes:

``decision``  ``time_h``, ``decision`` (the inject id), ``option``
``change``    ``time_h``, ``change`` (the typed text)
``undo``      ``time_h``: the last decision or change still in force is taken
              back, and the clock goes back to its time (``time_h`` is that time)
``note``      ``time_h``, ``text``: what the facilitator wrote down

The file is created with ``O_CREAT | O_EXCL`` under a name no other session
has, so two sessions started in the same second each get their own log, and
never follows a link. Reading a log checks every line and reports every
problem found, one line each (see :func:`read_log`); what it means against
the scenario (known decisions, each at its own inject's time) is checked
when the session replays it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.types import HORIZON_H

KINDS = ("decision", "change", "undo", "note")
"""The kinds of records after the header."""

MAX_HOURS = HORIZON_H
"""The latest time a record may carry: the scenario's horizon, ten years after the clock's start."""

MAX_TEXT = 2000
"""The longest note or typed change kept, in characters."""

FIELDS = {
    "decision": {"kind", "time_h", "decision", "option"},
    "change": {"kind", "time_h", "change"},
    "undo": {"kind", "time_h"},
    "note": {"kind", "time_h", "text"},
}


@dataclass(frozen=True)
class Record:
    """One line of a session log after the header."""

    kind: str
    time_h: float
    decision: str | None = None
    option: str | None = None
    change: str | None = None
    text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The record as written: only its own fields."""
        out: dict[str, Any] = {"kind": self.kind, "time_h": round(self.time_h, 6)}
        extra = {"decision": self.decision, "option": self.option, "change": self.change,
                 "text": self.text}  # fmt: skip
        out.update({k: v for k, v in extra.items() if k in FIELDS[self.kind]})
        return out


def line_of(data: dict[str, Any]) -> bytes:
    """One log line: canonical JSON (sorted keys, no NaN), then a newline."""
    return (json.dumps(data, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n").encode()


class LogFile:
    """A session log open for appending; every record is on disk when ``append`` returns."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def create(cls, folder: Path, stem: str, header: dict[str, Any]) -> LogFile:
        """Create a new log under ``folder``, named for the time and a random token.

        The name is ``<stem>-<UTC time>-<8 hex>.jsonl``; the file is created
        exclusively (an existing file, or a link, is never opened), and the
        header is written before this returns.
        """
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        while True:
            path = folder / f"{stem}-{stamp}-{secrets.token_hex(4)}.jsonl"
            try:
                fd = os.open(path, flags, 0o644)
            except FileExistsError:  # pragma: no cover - a 32-bit token drawn twice
                continue
            log = cls(path, fd)
            log._write({"kind": "header", **header})
            return log

    def _write(self, data: dict[str, Any]) -> None:
        os.write(self._fd, line_of(data))
        os.fsync(self._fd)

    def append(self, record: Record) -> None:
        """Add one record at the end of the log."""
        self._write(record.as_dict())

    def close(self) -> None:
        """Close the file (records already appended stay)."""
        os.close(self._fd)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _header_problems(header: Any, where: str) -> list[Problem]:
    if not isinstance(header, dict):
        return [Problem(where, 1, "", "the header must be a JSON object")]
    problems = []
    sha = header.get("scenario_sha256")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        problems.append(Problem(where, 1, "scenario_sha256", "expected 64 hex digits"))
    seed = header.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        problems.append(Problem(where, 1, "seed", "expected a whole number from 0"))
    if not isinstance(header.get("scenario_file"), str):
        problems.append(Problem(where, 1, "scenario_file", "expected the scenario's path"))
    return problems


def _record(data: Any, where: str, number: int) -> tuple[Record | None, list[Problem]]:
    """A record from a line's JSON value, or the problems with it."""
    if not isinstance(data, dict):
        return None, [Problem(where, number, "", "a record must be a JSON object")]
    kind = data.get("kind")
    if kind == "header":
        return None, [Problem(where, number, "kind", "a header belongs on line 1 only")]
    if kind not in KINDS:
        known = ", ".join(KINDS)
        return None, [Problem(where, number, "kind", f"unknown kind {kind!r} (known: {known})")]
    problems = []
    extra = sorted(set(data) - FIELDS[kind])
    if extra:
        problems.append(Problem(where, number, extra[0], f"not a field of a {kind} record"))
    time_h: Any = data.get("time_h")
    if not _finite(time_h) or not 0 <= time_h <= MAX_HOURS:
        problems.append(
            Problem(where, number, "time_h", f"expected hours from 0 to {MAX_HOURS:.0f}")
        )
    for name in sorted(FIELDS[kind] - {"kind", "time_h"}):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            problems.append(Problem(where, number, name, f"expected text of 1 to {MAX_TEXT}"))
    if problems:
        return None, problems
    fields = {k: data[k] for k in ("decision", "option", "change", "text") if k in data}
    return Record(kind, float(time_h), **fields), []


def read_log(path: Path) -> tuple[dict[str, Any], list[Record]]:
    """The header and records of a session log, every line checked.

    Raises:
        ScenarioError: one problem per bad line (and per bad header field):
            unreadable or non-UTF-8 bytes, an empty log, a blank or non-JSON line,
            a header without the scenario's hash or an integer seed, an unknown
            kind, a time that is not a finite number of hours inside the clock.
    """
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError(
            Problem(where, None, "", f"cannot be read ({error.strerror})")
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        at = raw[: error.start].count(b"\n") + 1
        raise ScenarioError(Problem(where, at, "", "not UTF-8 text")) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise ScenarioError(Problem(where, None, "", "empty: a session log starts with a header"))
    problems: list[Problem] = []
    header: dict[str, Any] = {}
    records: list[Record] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            blank = "blank line: line 1 must be the header" if number == 1 else "blank line"
            problems.append(Problem(where, number, "", blank))
            continue
        try:
            data = _parse(line)
        except ValueError as error:
            message = str(error).split(":")[0] if number > 1 else "the header is not JSON"
            problems.append(Problem(where, number, "", f"not JSON ({message})"))
            continue
        if number == 1:
            problems += _header_problems(data, where)
            if isinstance(data, dict):
                header = data
            continue
        record, found = _record(data, where, number)
        problems += found
        if record is not None:
            records.append(record)
    if problems:
        raise ScenarioError(problems)
    return header, records
