"""``tabletop goal FILE``: the least of a parameter (or the latest date) that meets a milestone.

The command parses its options, starts the workers, runs the search of
:func:`simulator.experiment.goal.search` and prints the frontier it explored
and the answer; with ``--against``, :func:`simulator.experiment.goal.trade_off`
runs it at each value of a second parameter and one row per value is printed.
Warnings (a share met that does not follow the assumed order) follow the
table, or go to standard error with ``--format json`` (they are in the JSON
too).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from simulator.commands.exits import fail_cleanly
from simulator.commands.options import WORKERS, replications_option, seed_option, set_option
from simulator.report.safe_text import for_terminal
from simulator.scenario.errors import Problem, ScenarioError

__all__ = ["goal"]


def _date(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ScenarioError(
            Problem(
                "--by",
                None,
                text,
                "expected a date and time with its zone, e.g. 2030-01-05T00:00:00Z",
            )
        )
    return moment.astimezone(dt.UTC)


@click.command("goal")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", required=True, metavar="MILESTONE", help="The milestone to meet.")
@click.option(
    "--by",
    metavar="DATE",
    default=None,
    help="Met means reached at or before DATE (ISO, with zone).  [default: inside the "
    "milestone's observed window]",
)
@click.option(
    "--confidence",
    type=float,
    default=0.9,
    show_default=True,
    help="The lower bound of the 95% Wilson interval of P(met) must reach this.",
)
@click.option(
    "--vary",
    required=True,
    metavar="PATH=LO:HI",
    help="The scenario value searched: integers, numbers or dates (the latest date is "
    "sought; for numbers the least).",
)
@click.option(
    "--against",
    metavar="PATH=V1,V2,...",
    default=None,
    help="A second scenario value: the search is run at each of these values (the same "
    "seeds) and one row per value is printed, e.g. the latest ready date against a fleet's "
    "count.",
)
@replications_option("Replications per value tried (the same seeds for every value).", 60)
@seed_option("Base seed.")
@set_option("Change a scenario value for every value tried. Repeatable.")
@WORKERS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format on standard output.",
)
@fail_cleanly
def goal(
    file: Path,
    target: str,
    by: str | None,
    confidence: float,
    vary: str,
    against: str | None,
    replications: int,
    seed: int,
    assignments: tuple[str, ...],
    workers: int,
    fmt: str,
) -> None:
    """Find the least value of --vary (or the latest date) that meets --target in FILE.

    P(met) is assumed to rise with a number and fall with a date; the search
    bisects the range and prints every value it tried.  With --against, the
    search runs at each value of a second parameter and prints one row for each.
    """
    from simulator.experiment.executors import local

    with local(workers) as executor:
        from simulator.experiment.goal import Request, render, render_trade_off, search, trade_off

        request = Request(
            file, target, vary, confidence, _date(by), replications, seed, assignments, against
        )
        if against is not None:
            table = trade_off(request, executor)
            text = render_trade_off(table, fmt)
            warnings = [f"{table.path}={v}: {w}" for v, found in table.rows for w in found.warnings]
        else:
            found = search(request, executor)
            text = render(found, fmt)
            warnings = list(found.warnings)
    click.echo(for_terminal(text, fmt), nl=False)
    if fmt == "json":  # the table shows them below the frontier
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
