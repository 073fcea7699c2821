"""Saving a run: its own new folder, every file written atomically.

Layout of ``<root>/<scenario>/<UTC time>-seed<N>/``:

``manifest.json``  scenario file and sha256, overrides, the resolved scenario,
                   seed, tabletop version, command line, creation time
``summary.json``   the JSON summary, identical to ``--format json``
``<table>.csv``    one CSV per summary section (units, closure, assets, ...)
``events.jsonl``   every model event, one JSON object per line

A run of many replications (:class:`ReplicationsRun`) has ``replications.jsonl``
instead of ``events.jsonl``, and statistics CSVs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from simulator import __version__
from simulator.loading import Loaded
from simulator.model.world import Result
from simulator.report.files import staged_run_dir, write_atomic
from simulator.report.render import SECTIONS, table_csv


def dumps(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save_run(
    root: Path,
    loaded: Loaded,
    result: Result,
    summary: dict[str, Any],
    command: Sequence[str],
    now: dt.datetime | None = None,
) -> Path:
    """Write a run to a new folder under ``root`` and return the folder."""
    now = now or dt.datetime.now(dt.UTC)
    with staged_run_dir(root, loaded.scenario.name, result.seed, now) as staged:
        folder = staged.path
        manifest = _manifest(loaded, result.seed, command, now)
        write_atomic(folder / "manifest.json", dumps(manifest))
        write_atomic(folder / "summary.json", dumps(summary))
        for key in SECTIONS:
            write_atomic(folder / f"{key}.csv", table_csv(summary, key))
        lines = (json.dumps(e.as_dict(), sort_keys=True) for e in result.events)
        write_atomic(folder / "events.jsonl", "".join(line + "\n" for line in lines))
    assert staged.final is not None
    return staged.final


def _manifest(
    loaded: Loaded, seed: int, command: Sequence[str], now: dt.datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "tabletop_version": __version__,
        "python": platform.python_version(),
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": list(command),
        "scenario_file": str(loaded.path),
        "scenario_files": [str(path) for path in loaded.files] or [str(loaded.path)],
        "scenario_files_sha256": list(loaded.file_sha256),
        "scenario_sha256": loaded.sha256,
        "overrides": list(loaded.overrides),
        "seed": seed,
        **extra,
        "scenario": loaded.resolved(),
    }


class ReplicationsRun:
    """A run of many replications saved as it runs, in a new folder under ``root``.

    The folder is staged (see :func:`staged_run_dir`): it appears, complete,
    only when the block ends normally after :meth:`finish`; until then, or if
    the block ends by an error, no other reader sees it. Files:
    ``manifest.json``, ``replications.jsonl`` (one line per replication, in
    order, written as each finishes: its index, its seed and its outputs),
    ``summary.json`` (as ``--format json``) and one CSV per statistics section.

    Args:
        root: Results root.
        loaded: The scenario run.
        seed: The base seed.
        count: The number of replications that will be added.
        command: The command line, for the manifest.
        now: The run's start time (default: now).
    """

    def __init__(
        self,
        root: Path,
        loaded: Loaded,
        seed: int,
        count: int,
        command: Sequence[str],
        now: dt.datetime | None = None,
    ) -> None:
        self._now = now or dt.datetime.now(dt.UTC)
        self._staged = staged_run_dir(root, loaded.scenario.name, seed, self._now)
        self._manifest = _manifest(loaded, seed, command, self._now, replications=count)
        self._count = count
        self._added = 0
        self._finished = False
        self._log: TextIO | None = None
        self.path = self._staged.path
        """The staging folder (hidden until the run is complete)."""

    @property
    def final(self) -> Path:
        """The run's folder, once the block has ended."""
        assert self._staged.final is not None, "the run is not saved yet"
        return self._staged.final

    def __enter__(self) -> ReplicationsRun:
        """Create the staging folder, write the manifest and open the replications' log."""
        self._staged.__enter__()
        try:
            write_atomic(self.path / "manifest.json", dumps(self._manifest))
            self._log = (self.path / "replications.jsonl").open("x", encoding="utf-8", newline="\n")
        except BaseException as error:
            self._staged.__exit__(type(error), error, error.__traceback__)
            raise
        return self

    def add(self, index: int, seed: int, outputs: Mapping[str, float | None]) -> None:
        """Write the line of replication ``index`` (they come in order)."""
        assert self._log is not None and index == self._added
        record = {"replication": index, "seed": seed, "outputs": outputs}
        self._log.write(json.dumps(record, sort_keys=True) + "\n")
        self._added += 1

    def finish(self, summary: dict[str, Any]) -> None:
        """Write the summary and its CSVs, once every replication has been added."""
        from simulator.report.replications import SECTIONS as STAT_SECTIONS
        from simulator.report.replications import statistics_csv

        assert self._added == self._count, f"{self._added} of {self._count} replications added"
        write_atomic(self.path / "summary.json", dumps(summary))
        for section in STAT_SECTIONS.values():
            write_atomic(self.path / f"{section}.csv", statistics_csv(summary, section))
        self._finished = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Sync the log and rename the folder into place; or remove it after an error."""
        log, self._log = self._log, None
        try:
            if log is not None:
                with log:
                    if kind is None:
                        log.flush()
                        os.fsync(log.fileno())
            if kind is None and not self._finished:
                raise RuntimeError("a run of replications left without its summary")
        except BaseException as failure:
            self._staged.__exit__(type(failure), failure, failure.__traceback__)
            raise
        self._staged.__exit__(kind, error, trace)
