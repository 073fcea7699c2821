"""``tabletop report RUN_DIR``: the HTML report of a saved folder, with its charts.

The command looks at what the folder holds and builds its page:

* a single run (``summary.json``, ``manifest.json``, ``events.jsonl``):
  :func:`simulator.report.html.build_report`, the timeline, the closure
  curve, the route map, the tables;
* replications (``tabletop run --replications``: ``replications.jsonl``, or a
  manifest that counts replications):
  :func:`simulator.report.replications_page.build_replications_report`, the
  closure curves with their P10-P90 band and the milestones' histograms;
* a sensitivity study (``tabletop sensitivity``: ``sensitivity.json``, or a
  ``design.json`` of that kind):
  :func:`simulator.report.sensitivity_page.build_sensitivity_report`, a
  tornado chart per output.

It prints the page's path.  :func:`report_for` does the same without the
command line, for ``tabletop run --report``.  A folder that holds none of
these, or a file that is missing or broken, is a :class:`ScenarioError`, so
the command line reports it as bad input (exit 2) in one line, naming the
file (and its line), without a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from simulator.commands.exits import fail_cleanly
from simulator.scenario.errors import Problem, ScenarioError

__all__ = ["folder_kind", "report", "report_for"]

_NEEDED = ("summary.json", "manifest.json", "events.jsonl")
_WHAT = {
    "run": "a saved run",
    "replications": "saved replications",
    "sensitivity": "a saved sensitivity study",
}


def report_for(run_dir: Path) -> Path:
    """Build the HTML report of the saved folder ``run_dir``.

    Args:
        run_dir: A folder written by ``tabletop run`` (with or without
            ``--replications``) or by ``tabletop sensitivity``.

    Returns:
        The path of the new page (``report.html``, or ``report-N.html`` when
        earlier reports exist).

    Raises:
        ScenarioError: If ``run_dir`` holds none of those, or one of its files
            is missing or not what it should be.
        OSError: If a file cannot be read or written.
    """
    kind = folder_kind(run_dir)
    # Imported here: matplotlib takes a while to load, and most commands never draw.
    if kind == "sensitivity":
        from simulator.report.charts.studies import load_sensitivity
        from simulator.report.sensitivity_page import build_sensitivity_report

        study = _read(kind, load_sensitivity, run_dir)
        return build_sensitivity_report(run_dir, study)
    if kind == "replications":
        from simulator.report.charts.studies import load_replications
        from simulator.report.replications_page import build_replications_report

        reps = _read(kind, load_replications, run_dir)
        return build_replications_report(run_dir, reps)
    from simulator.report.charts import load_run
    from simulator.report.html import build_report

    _check(run_dir)
    return build_report(run_dir, _read(kind, load_run, run_dir))


def folder_kind(run_dir: Path) -> str:
    """``run``, ``replications`` or ``sensitivity``: what a saved folder holds.

    Raises:
        ScenarioError: If ``run_dir`` is not a folder, or holds a sweep.
    """
    if not run_dir.is_dir():
        raise _not_a(run_dir, "run", "no such folder")
    if (run_dir / "sensitivity.json").is_file():
        return "sensitivity"
    design = _peek(run_dir / "design.json")
    if design.get("kind") == "tabletop-sensitivity":
        return "sensitivity"
    if design.get("kind") == "tabletop-sweep":
        raise _not_a(
            run_dir, "run",
            "this folder holds a sweep, which the report does not draw; its summary.json "
            "and points.csv hold the statistics of every point",
        )  # fmt: skip
    if (run_dir / "replications.jsonl").is_file() or "replications" in _peek(
        run_dir / "manifest.json"
    ):
        return "replications"
    return "run"


def _peek(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, or ``{}`` if there is none (the loaders say why)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read(kind: str, load: Callable[[Path], Any], run_dir: Path) -> Any:
    try:
        return load(run_dir)
    except ValueError as error:
        raise _not_a(run_dir, kind, str(error)) from None


def _check(run_dir: Path) -> None:
    missing = [name for name in _NEEDED if not (run_dir / name).is_file()]
    if missing:
        raise _not_a(run_dir, "run", f"missing {', '.join(missing)}")


def _not_a(run_dir: Path, kind: str, why: str) -> ScenarioError:
    return ScenarioError(Problem(str(run_dir), None, "", f"not {_WHAT[kind]}: {why}"))


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path))
def report(run_dir: Path) -> None:
    """Write an HTML report with charts of the saved folder RUN_DIR.

    RUN_DIR is a run (timeline, closure curve, route map), a run of
    replications (closure curves with their P10-P90 band, a histogram per
    milestone) or a sensitivity study (a tornado chart per output).  The page
    (report.html, or report-2.html, ... if one exists) and the charts
    (charts/*.png and *.svg) go into RUN_DIR; the page's path is printed.
    """
    fail_cleanly(_report)(run_dir)


def _report(run_dir: Path) -> None:
    click.echo(str(report_for(run_dir)))
