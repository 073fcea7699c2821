"""``tabletop sensitivity FILE``: which uncertain quantity decides an output.

The command parses its options, starts the workers (before the model is
imported, so that they warm up while the samples are checked), plans the study
(:func:`simulator.experiment.sensitivity.plan`), runs it with a progress bar and
prints the indices; the folder is named on standard error.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from simulator.commands.exits import fail_cleanly
from simulator.commands.options import WORKERS, replications_option, seed_option, set_option
from simulator.report.safe_text import for_terminal

__all__ = ["sensitivity"]


@click.command("sensitivity")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "output_keys",
    multiple=True,
    metavar="KEY",
    help="Output to explain, as a sweep's (closure:CN, within:<milestone>, milestone:<id>; "
    "* and ? match). Repeatable.  [default: closure:all]",
)
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="Morris screening of every factor, or Sobol indices of a chosen few.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Morris trajectories, or Sobol base samples N (a power of two).  "
    "[default: 10 for Morris, 64 for Sobol]",
)
@replications_option(
    "Replications per sample (the same seeds in every sample); an output is their mean.", 4
)
@click.option(
    "--levels",
    type=click.IntRange(min=2),
    default=4,
    show_default=True,
    help="Morris: levels of each factor (even).",
)
@seed_option("Base seed of the replications and of the design.")
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="PATH=LO:HI",
    help="Vary this scenario value instead of the distributions (integers if both bounds "
    "are). Repeatable.",
)
@click.option(
    "--factor",
    "factors",
    multiple=True,
    metavar="PATTERN",
    help="Only the distributions whose path matches (* and ? match). Repeatable.",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="NAME=PATTERN",
    help="Move the factors whose path matches together, as one factor NAME. Repeatable.",
)
@set_option("Change a scenario value in every sample (dotted path, list items by id). Repeatable.")
@WORKERS
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the study's folder is created.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default="table",
    show_default=True,
    help="Output format on standard output.",
)
@fail_cleanly
def sensitivity(
    file: Path,
    output_keys: tuple[str, ...],
    method: str,
    samples: int | None,
    replications: int,
    levels: int,
    seed: int,
    ranges: tuple[str, ...],
    factors: tuple[str, ...],
    groups: tuple[str, ...],
    assignments: tuple[str, ...],
    workers: int,
    out: Path,
    fmt: str,
) -> None:
    """Rank the uncertain quantities of scenario FILE by their effect on outputs.

    Each factor (every distribution in FILE, or each --range) is fixed at one
    quantile per sample, for every draw of it; the other random numbers are the
    same in every sample. Indices with 95% intervals are printed; the samples,
    their runs and the indices are saved in a new folder under --out.
    """
    from simulator.experiment.executors import local

    with local(workers) as executor:
        from simulator.commands.progress import progress_bar
        from simulator.experiment.sensitivity import Request, plan, render, run

        request = Request(
            file,
            assignments,
            output_keys,
            method,
            samples,
            seed,
            ranges,
            factors,
            groups,
            replications,
            levels,
        )
        study = plan(request)
        total = study.sweep.total
        with progress_bar(total, "run", initial=1) as bar:
            result, folder = run(
                study,
                out,
                executor,
                ["tabletop", *sys.argv[1:]],
                dt.datetime.now(dt.UTC),
                bar.update,
                lambda folder: click.echo(f"sensitivity: {folder}", err=True),
            )
    click.echo(for_terminal(render(result, fmt), fmt), nl=False)
    click.echo(f"saved: {folder}", err=True)
