"""``tabletop report RUN_DIR``: the HTML report of a saved run, with its charts.

The command checks that the folder is a saved run (a ``summary.json``, a
``manifest.json`` and an ``events.jsonl``; a run of replications has no event
log and so no timeline to draw), builds the report with
:func:`simulator.report.html.build_report` and prints the page's path.

:func:`report_for` does the same without the command line, for ``tabletop run
--report``.  A folder that is not a saved run is a :class:`ScenarioError`, so
the command line reports it as bad input (exit 2) in one line, without a
traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from simulator.commands.exits import fail_cleanly
from simulator.scenario.errors import Problem, ScenarioError

__all__ = ["report", "report_for"]

_NEEDED = ("summary.json", "manifest.json", "events.jsonl")


def report_for(run_dir: Path) -> Path:
    """Build the HTML report of the saved run in ``run_dir``.

    Args:
        run_dir: A folder written by ``tabletop run``.

    Returns:
        The path of the new page (``report.html``, or ``report-N.html`` when
        earlier reports exist).

    Raises:
        ScenarioError: If ``run_dir`` is not a saved run of one replication, or
            one of its files is not valid JSON.
        OSError: If a file cannot be read or written.
    """
    # Imported here: matplotlib takes a while to load, and most commands never draw.
    from simulator.report.charts import load_run
    from simulator.report.html import build_report

    _check(run_dir)
    try:
        run = load_run(run_dir)
    except ValueError as error:
        raise _not_a_run(run_dir, str(error)) from None
    return build_report(run_dir, run)


def _check(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise _not_a_run(run_dir, "no such folder")
    missing = [name for name in _NEEDED if not (run_dir / name).is_file()]
    if not missing:
        return
    if "events.jsonl" in missing and (run_dir / "replications.jsonl").is_file():
        raise _not_a_run(
            run_dir,
            "this folder holds replications, which have no single timeline; "
            "report on a run made without --replications",
        )
    raise _not_a_run(run_dir, f"missing {', '.join(missing)}")


def _not_a_run(run_dir: Path, why: str) -> ScenarioError:
    return ScenarioError(Problem(str(run_dir), None, "", f"not a saved run: {why}"))


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path))
def report(run_dir: Path) -> None:
    """Write an HTML report with charts of the saved run in RUN_DIR.

    The page (report.html, or report-2.html, ... if one exists) and the charts
    (charts/*.png and *.svg) go into RUN_DIR; the page's path is printed.
    """
    fail_cleanly(_report)(run_dir)


def _report(run_dir: Path) -> None:
    click.echo(str(report_for(run_dir)))
