"""Saving a run: its own new folder, every file written atomically.

Layout of ``<root>/<scenario>/<UTC time>-seed<N>/``:

``manifest.json``  scenario file and sha256, overrides, the resolved scenario,
                   seed, tabletop version, command line, creation time
``summary.json``   the JSON summary, identical to ``--format json``
``<table>.csv``    one CSV per summary section (units, closure, assets, ...)
``events.jsonl``   every model event, one JSON object per line
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def save_replications(
    root: Path,
    loaded: Loaded,
    seed: int,
    runs: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    command: Sequence[str],
    now: dt.datetime | None = None,
) -> Path:
    """Write a run of many replications to a new folder and return the folder.

    Files: ``manifest.json``, ``summary.json`` (as ``--format json``), one CSV
    per statistics section, and ``replications.jsonl`` (every replication's
    outputs, in order, with its seed).
    """
    from simulator.experiment.replicate import replication_seed
    from simulator.report.replications import SECTIONS as STAT_SECTIONS
    from simulator.report.replications import statistics_csv

    now = now or dt.datetime.now(dt.UTC)
    with staged_run_dir(root, loaded.scenario.name, seed, now) as staged:
        folder = staged.path
        manifest = _manifest(loaded, seed, command, now, replications=len(runs))
        write_atomic(folder / "manifest.json", dumps(manifest))
        write_atomic(folder / "summary.json", dumps(summary))
        for section in STAT_SECTIONS.values():
            write_atomic(folder / f"{section}.csv", statistics_csv(summary, section))
        lines = (
            json.dumps({"replication": i, "seed": replication_seed(seed, i), "outputs": run},
                       sort_keys=True)
            for i, run in enumerate(runs)
        )  # fmt: skip
        write_atomic(folder / "replications.jsonl", "".join(line + "\n" for line in lines))
    assert staged.final is not None
    return staged.final
