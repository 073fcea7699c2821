"""Folders of many runs read back for their charts: replications and sensitivity studies.

A folder saved by ``tabletop run --replications N`` is read as
:class:`Replications`: its summary, its manifest with the scenario (validated
again, so the charts read the milestones' windows and the forces' totals as
the model did), and from ``replications.jsonl``, the durable record of every
replication, what the charts need of each one: each nation's closure curve
(from the records of its loads) and each milestone's instant.  The file is
read a line at a time and each line dropped once read, so a large folder
costs the curves, not the whole file, in memory.

A folder saved by ``tabletop sensitivity`` is read as :class:`Sensitivity`:
its ``sensitivity.json`` (the indices, ranked) and ``design.json``.

Anything wrong in a file is a :class:`ValueError` whose message names the
file (and the line), for the command line to report as bad input.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.analysis.bands import Curve, nation_totals, replication_curves
from simulator.report.charts.base import read_json
from simulator.scenario.models import Scenario

__all__ = [
    "REPLICATIONS", "SENSITIVITY", "Replications", "Sensitivity", "load_replications",
    "load_sensitivity",
]  # fmt: skip

REPLICATIONS = "replications.jsonl"
SENSITIVITY = "sensitivity.json"
DESIGN = "design.json"
STUDY_KIND = "tabletop-sensitivity"


@dataclass(frozen=True)
class Replications:
    """A saved run of replications, as its charts read it.

    Attributes:
        folder: The folder.
        summary: Content of ``summary.json`` (``statistics`` of every section).
        manifest: Content of ``manifest.json``.
        model: The scenario, validated from the manifest.
        count: Replications in ``replications.jsonl``.
        curves: Nation (then ``all``) -> each replication's closure curve; None
            when the replications kept no record of their loads (a folder saved
            before they did).
        instants: Milestone id -> its instant (simulated hours, None if it never
            happened) in each replication.
    """

    folder: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    model: Scenario
    count: int
    curves: dict[str, list[Curve]] | None
    instants: dict[str, list[float | None]]

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario stored in the manifest."""
        scenario: dict[str, Any] = self.manifest["scenario"]
        return scenario

    @property
    def start(self) -> dt.datetime:
        """The instant of simulated hour 0."""
        return self.model.clock.start

    @property
    def d_day(self) -> dt.datetime:
        """D-day, the origin of the ``D+days`` figures."""
        return self.model.clock.d_day

    @property
    def title(self) -> str:
        """The scenario's title, or its name when it has none."""
        return self.model.title or self.model.name

    def statistics(self, section: str) -> dict[str, Any]:
        """The summary's statistics of one section (``milestones``, ``units``, ...).

        In the order of the terminal's tables (``summary.json`` sorts its keys):
        the scenario's order, nations then ``all``, the waits largest mean first.
        """
        found = self.summary["statistics"].get(section)
        if not isinstance(found, dict):
            return {}
        entries = {k: v for k, v in found.items() if isinstance(v, dict)}
        if section == "bottlenecks":
            # As replication_summary orders them: largest mean first, then place and cause.
            order = sorted(entries, key=lambda k: (-(entries[k].get("mean") or 0.0),
                           str(entries[k].get("place")), str(entries[k].get("cause"))))  # fmt: skip
        else:
            order = [k for k in self._order(section) if k in entries]
            order += [k for k in entries if k not in order]
        return {key: entries[key] for key in order}

    def _order(self, section: str) -> list[str]:
        from simulator.analysis.tables import assets

        model = self.model
        orders = {
            "milestones": lambda: [m.id for m in model.milestones],
            "units": lambda: [u.id for u in model.forces],
            "closure": lambda: [*dict.fromkeys(u.nation for u in model.forces), "all"],
            "phases": lambda: ["deployment", *(p.id for p in model.operations.phases)],
            "assets": lambda: [asset for asset, _, _ in assets(model)],
        }
        return orders[section]() if section in orders else []


def load_replications(folder: Path) -> Replications:
    """Read a folder saved by ``tabletop run --replications``.

    Raises:
        OSError: If a file cannot be read.
        ValueError: If a file is missing, not valid JSON or not what it should
            be; the message names the file and the line.
    """
    summary = _object(folder, "summary.json")
    manifest = _object(folder, "manifest.json")
    statistics = summary.get("statistics")
    if not isinstance(statistics, dict) or not isinstance(summary.get("replications"), int):
        raise ValueError("summary.json is not the summary of replications (no statistics)")
    model = _scenario(manifest)
    path = folder / REPLICATIONS
    if not path.is_file():
        raise ValueError(f"missing {REPLICATIONS}")
    nation_of = {u.id: u.nation for u in model.forces}
    totals = nation_totals(model)
    curves: dict[str, list[Curve]] = {}
    instants: dict[str, list[float | None]] = {m.id: [] for m in model.milestones}
    recorded = False
    count = 0
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{REPLICATIONS} line {number}"
            outputs = _outputs(where, read_json(where, line), count)
            try:
                made = replication_curves(outputs, nation_of, totals)
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
            for key, points in made.items():
                curves.setdefault(key, []).append(points)
            recorded = recorded or any(key.startswith("arrive:") for key in outputs)
            for milestone, values in instants.items():
                values.append(outputs.get(f"milestone:{milestone}"))
            count += 1
    if count != summary["replications"]:
        raise ValueError(
            f"{REPLICATIONS} holds {count} replications where summary.json says "
            f"{summary['replications']}"
        )
    # No record of any load: a folder saved before replications kept them, unless
    # truly nothing arrived (then no unit closed either, and the curves are flat at 0).
    closed = any(
        isinstance(entry, dict) and entry.get("n") for entry in statistics.get("units", {}).values()
    )
    kept = curves if recorded or not closed else None
    return Replications(folder, summary, manifest, model, count, kept, instants)


def _object(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    if not path.is_file():
        raise ValueError(f"missing {name}")
    data = read_json(name, path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name} must hold a JSON object")
    return data


def _scenario(manifest: Mapping[str, Any]) -> Scenario:
    from pydantic import ValidationError

    raw = manifest.get("scenario")
    if not isinstance(raw, dict):
        raise ValueError("manifest.json holds no scenario")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"manifest.json: scenario.{path}: {first['msg']}") from None


def _outputs(where: str, data: Any, expected: int) -> dict[str, float | None]:
    """A line's ``outputs``, checked: an object of numbers (or null) named by text."""
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
        raise ValueError(f"{where}: expected an object with the replication's outputs")
    if data.get("replication") != expected:
        raise ValueError(
            f"{where}: replication {json.dumps(data.get('replication'))} where "
            f"{expected} was expected (the lines are in replication order)"
        )
    outputs: dict[str, float | None] = data["outputs"]
    for key, value in outputs.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{where}: output {key} is {json.dumps(value)}, not a number")
    return outputs


@dataclass(frozen=True)
class Sensitivity:
    """A saved sensitivity study, as its charts read it.

    Attributes:
        folder: The folder.
        result: Content of ``sensitivity.json``: the indices of every output, ranked.
        design: Content of ``design.json`` (the command line, the seeds, ...).
    """

    folder: Path
    result: dict[str, Any]
    design: dict[str, Any]

    @property
    def title(self) -> str:
        """The scenario's title, or its name when it has none."""
        return str(self.result.get("title") or self.result.get("scenario") or "scenario")

    @property
    def rank_key(self) -> str:
        """The index the factors are ranked by: ``mu_star`` (Morris) or ``ST`` (Sobol)."""
        return "mu_star" if self.result["method"] == "morris" else "ST"


_INDICES = {"morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
            "sobol": ("S1", "S1_conf", "ST", "ST_conf")}  # fmt: skip


def load_sensitivity(folder: Path) -> Sensitivity:
    """Read a folder saved by ``tabletop sensitivity``.

    Raises:
        OSError: If a file cannot be read.
        ValueError: If a file is missing, not valid JSON or not a study's.
    """
    design = _object(folder, DESIGN)
    if design.get("kind") != STUDY_KIND:
        raise ValueError(f"{DESIGN} is not a sensitivity study's (kind {STUDY_KIND!r})")
    result = _object(folder, SENSITIVITY)
    method = result.get("method")
    if method not in _INDICES:
        raise ValueError(f"{SENSITIVITY}: method is {json.dumps(method)}, not morris or sobol")
    factors, outputs = result.get("factors"), result.get("outputs")
    if not isinstance(factors, list) or not isinstance(outputs, dict):
        raise ValueError(f"{SENSITIVITY}: expected its factors (a list) and outputs (an object)")
    for key, entry in outputs.items():
        indices = entry.get("indices") if isinstance(entry, dict) else []
        if indices is None:
            continue
        where = f"{SENSITIVITY}: outputs.{key}"
        if not isinstance(indices, list):
            raise ValueError(f"{where}: expected an object with its indices (a list, or null)")
        for rank, row in enumerate(indices, start=1):
            if not isinstance(row, dict) or not isinstance(row.get("factor"), str):
                raise ValueError(f"{where}: index {rank} names no factor")
            for name in _INDICES[method]:
                number = row.get(name)
                if number is not None and (
                    isinstance(number, bool) or not isinstance(number, int | float)
                ):
                    raise ValueError(f"{where}: index {rank}: {name} is {json.dumps(number)}")
    return Sensitivity(folder, result, design)
