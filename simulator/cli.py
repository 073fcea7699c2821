"""The ``tabletop`` command: parse, call, print. No model logic lives here.

Exit codes: 0 success; 2 bad input (usage or scenario: one message per
problem on standard error, never a traceback); 1 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from simulator import __version__
from simulator.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from simulator.scenario.load import Loaded

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _fail_cleanly(command: F) -> F:
    """Turn scenario errors into exit 2 and anything unexpected into exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as error:
            click.echo(f"internal error: {type(error).__name__}: {error}", err=True)
            click.echo("please report this with the scenario and command line", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tabletop")
def main() -> None:
    """Simulate the logistics of a tabletop exercise scenario (YAML)."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_fail_cleanly
def validate(files: Sequence[Path]) -> None:
    """Check scenario FILES and list every problem found."""
    from simulator.scenario.load import load_scenario

    problems: list[Problem] = []
    for file in files:
        try:
            loaded = load_scenario(file)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        s = loaded.scenario
        click.echo(
            f"{file}: ok ({len(s.nodes)} nodes, {len(s.links)} links, {len(s.fleets)} fleets, "
            f"{len(s.forces)} units, {len(s.injects)} injects, {len(s.milestones)} milestones)"
        )
    if problems:
        raise ScenarioError(problems)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed of the replication.",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a scenario value by dotted path (list items by id). Repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default="table",
    show_default=True,
    help="Output format on standard output.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the run's folder is created.",
)
@click.option("--no-save", is_flag=True, help="Print only; write no files.")
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Run N replications and print the statistics of every timing.",
)
@_fail_cleanly
def run(
    file: Path,
    seed: int,
    assignments: tuple[str, ...],
    fmt: str,
    out: Path,
    no_save: bool,
    replications: int | None,
) -> None:
    """Run scenario FILE and print the logistic timings (or their statistics)."""
    from simulator.analysis.summary import summarize
    from simulator.model.world import run_replication
    from simulator.report.render import render
    from simulator.report.save import save_run
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(file, assignments)
    if replications is not None:
        _run_replications(loaded, seed, replications, fmt, None if no_save else out)
        return
    result = run_replication(loaded.scenario, seed)
    summary = summarize(result, loaded.sha256)
    click.echo(render(summary, fmt), nl=False)
    if not no_save:
        folder = save_run(out, loaded, result, summary, _command_line())
        click.echo(f"saved: {folder}", err=True)


@main.command()
@_fail_cleanly
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from simulator.scenario.schema import schema_text

    click.echo(schema_text(), nl=False)


def _run_replications(loaded: Loaded, seed: int, count: int, fmt: str, out: Path | None) -> None:
    """Run ``count`` replications with a progress bar, print and save the statistics."""
    from simulator.experiment.replicate import Outputs, run_many
    from simulator.report.replications import render_replications, replication_summary
    from simulator.report.save import save_replications

    bar = _progress(count, "replications")
    closures: list[float] = []

    def done(_: int, outputs: Outputs) -> None:
        value = outputs.get("closure:all")
        if value is not None:
            closures.append(value)
        if bar is not None:
            bar.update(1)
            if len(closures) > 1:
                import statistics

                error = statistics.stdev(closures) / len(closures) ** 0.5
                bar.set_postfix_str(f"closure: standard error {error:.2f} h", refresh=False)

    try:
        runs = run_many(loaded.scenario, seed, count, done)
    finally:
        if bar is not None:
            bar.close()
    summary = replication_summary(loaded.scenario, seed, runs, loaded.sha256)
    click.echo(render_replications(summary, fmt), nl=False)
    if out is not None:
        folder = save_replications(out, loaded, seed, runs, summary, _command_line())
        click.echo(f"saved: {folder}", err=True)


def _progress(total: int, unit: str) -> Any:
    """A progress bar with an ETA on standard error, if that is a terminal."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True)


def _command_line() -> list[str]:
    return ["tabletop", *sys.argv[1:]]
