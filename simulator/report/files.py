"""Writing results without ever losing or mixing up earlier ones.

Two rules keep user data safe:

* A file is written *atomically*: the content goes to a temporary file in the
  same directory, is flushed to disk, and only then replaces the target in one
  ``os.replace`` step.  A crash or a full disk leaves either the old file or the
  new one, never a truncated mix.
* Every run gets a directory of its own, named after the scenario, the UTC start
  time and the random seed.  An existing directory is never reused: if the name
  is taken, ``-2``, ``-3``, ... is appended.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
from pathlib import Path

__all__ = ["new_run_dir", "sanitise_name", "write_atomic"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_SUFFIX = 10_000
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace the file at ``path`` with ``data`` in one step.

    Text is encoded as UTF-8 and written as is (``\\n`` stays ``\\n`` on every
    platform).  The new file gets the usual permissions for new files (subject
    to the umask).

    Args:
        path: The file to create or replace; its directory must exist.
        data: The full new content.

    Raises:
        OSError: If the file cannot be written; the old file, if any, is untouched
            and no temporary file is left behind.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent
    while True:
        temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(temp, _CREATE_FLAGS, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Flush a directory entry change to disk where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def sanitise_name(name: str) -> str:
    """Make ``name`` safe as a single directory name.

    Characters outside ``[A-Za-z0-9._-]`` become ``_`` and leading dots are
    dropped (no hidden directories, no ``..``).

    Args:
        name: Any text, typically a scenario name.

    Returns:
        A non-empty name; ``"scenario"`` if nothing usable is left.
    """
    cleaned = _UNSAFE.sub("_", name).lstrip(".")
    return cleaned or "scenario"


def new_run_dir(root: Path, scenario: str, seed: int, now: dt.datetime, prefix: str = "") -> Path:
    """Create a fresh directory for one run.

    The directory is ``root/<scenario>/<YYYYMMDDTHHMMSSZ>-seed<seed>``, with the
    time in UTC (a naive ``now`` is taken to be UTC already).  If that name is
    taken, ``-2``, ``-3``, ... is appended; an existing directory is never reused.

    Args:
        root: Results root; created if missing.
        scenario: Scenario name, sanitised with :func:`sanitise_name`.
        seed: The run's random seed.
        now: The run's start time.

    Returns:
        The new, empty directory.

    Raises:
        FileExistsError: If no free name is found after many attempts.
        OSError: If the directory cannot be created.
    """
    utc = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)
    base = root / sanitise_name(scenario) / f"{prefix}{utc:%Y%m%dT%H%M%SZ}-seed{seed}"
    for attempt in range(1, _MAX_SUFFIX + 1):
        candidate = base if attempt == 1 else base.with_name(f"{base.name}-{attempt}")
        try:
            candidate.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free run directory name for {base}")
