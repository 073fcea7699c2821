"""Writing results without ever losing or mixing up earlier ones.

Two rules keep user data safe:

* A file is written *atomically*: the content goes to a temporary file in the
  same directory, is flushed to disk, and only then replaces the target in one
  ``os.replace`` step.  A crash or a full disk leaves either the old file or the
  new one, never a truncated mix.
* Every run gets a directory of its own, named after the scenario, the UTC start
  time and the random seed.  An existing directory is never reused: if the name
  is taken, ``-2``, ``-3``, ... is appended.
* A run directory is filled as a hidden temporary directory beside its target
  and renamed into place only when complete (:func:`staged_run_dir`), so a crash
  or a full disk leaves no half-written run among the others.  Temporary
  directories left by a process that died are removed the next time a run is
  saved beside them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
from pathlib import Path

__all__ = ["new_run_dir", "sanitise_name", "staged_run_dir", "write_atomic"]

_STAGED = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.partial$")

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


def _run_base(root: Path, scenario: str, seed: int, now: dt.datetime, prefix: str) -> Path:
    utc = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)
    return root / sanitise_name(scenario) / f"{prefix}{utc:%Y%m%dT%H%M%SZ}-seed{seed}"


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _remove_stale(parent: Path) -> None:
    """Remove temporary run directories in ``parent`` whose process has died."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _STAGED.match(entry.name)
        if match and not _alive(int(match["pid"])) and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


class staged_run_dir:
    """A fresh, hidden directory to fill, renamed into a new run directory when complete.

    The temporary directory lies beside the target (same file system) and is
    named after this process, so that one left by a process that died can be
    told from one still being written.  Leaving the ``with`` block normally
    renames it to a name chosen as by :func:`new_run_dir`, never over an
    existing run, and sets :attr:`final`; leaving it by an error removes it.

    Args:
        root: Results root; created if missing.
        scenario: Scenario name, sanitised with :func:`sanitise_name`.
        seed: The run's random seed.
        now: The run's start time.
        prefix: Put before the time in the directory's name.

    Raises:
        OSError: If a directory cannot be created or renamed.
    """

    def __init__(
        self, root: Path, scenario: str, seed: int, now: dt.datetime, prefix: str = ""
    ) -> None:
        self._base = _run_base(root, scenario, seed, now, prefix)
        self.path = self._base.with_name(
            f".{self._base.name}.{os.getpid()}.{secrets.token_hex(6)}.partial"
        )
        """The temporary directory to write into."""
        self.final: Path | None = None
        """The run directory, once the block has ended normally."""

    def __enter__(self) -> staged_run_dir:
        """Create the temporary directory (removing stale ones beside it)."""
        self._base.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(self._base.parent)
        self.path.mkdir()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Rename the directory into place, or remove it if the block failed."""
        if kind is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        try:
            _sync_directory(self.path)
            target = _reserve(self._base)
            # Renaming a directory onto an empty one replaces it in one step; the
            # empty one was made by this process only to hold the name.
            os.replace(self.path, target)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        _sync_directory(self._base.parent)
        self.final = target


def _reserve(base: Path) -> Path:
    """Create an empty directory at ``base`` or ``base-2``, ``base-3``..., whichever is free."""
    for attempt in range(1, _MAX_SUFFIX + 1):
        candidate = base if attempt == 1 else base.with_name(f"{base.name}-{attempt}")
        try:
            candidate.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free run directory name for {base}")


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
    return _reserve(_run_base(root, scenario, seed, now, prefix))
