"""The ``tabletop`` command: parse, call, print. No model logic lives here.

Exit codes: 0 success; 2 bad input (usage or scenario: one message per
problem on standard error, never a traceback); 3 a file could not be written or
read (the path and the system's reason); 130 interrupted; 1 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from simulator import __version__
from simulator.commands.exits import F, fail_cleanly
from simulator.commands.options import WORKERS, replications_option, seed_option, set_option
from simulator.report.safe_text import for_terminal
from simulator.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from simulator.experiment.executors import Executor
    from simulator.loading import Loaded


def _format_option(help_text: str) -> Callable[[F], F]:
    """The ``--format`` option every printing command shares."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv", "markdown"]),
        default="table",
        show_default=True,
        help=help_text,
    )


class _Commands(click.Group):
    """The command group, with the commands that live in modules of their own
    (``simulator/commands``) imported only when named (or listed by ``--help``), so that
    no command pays for importing the others."""

    elsewhere: ClassVar[dict[str, str]] = {
        "compare": "simulator.commands.compare",
        "goal": "simulator.commands.goal",
        "report": "simulator.commands.report",
        "sensitivity": "simulator.commands.sensitivity",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.elsewhere})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.elsewhere:
            from importlib import import_module

            command = getattr(import_module(self.elsewhere[cmd_name]), cmd_name)
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tabletop")
@click.option(
    "--extends-root",
    "extends_roots",
    multiple=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help=(
        "Also let a variant's 'extends' reach base files under DIR (by default only the "
        "working directory and the folder above the scenario file's). Repeatable."
    ),
)
def main(extends_roots: tuple[Path, ...]) -> None:
    """Simulate the logistics of a tabletop exercise scenario (YAML)."""
    if extends_roots:
        from simulator.scenario.variants import EXTRA_ROOTS

        EXTRA_ROOTS.set(extends_roots)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@fail_cleanly
def validate(files: Sequence[Path]) -> None:
    """Check scenario FILES and list every problem found."""
    from simulator.loading import load_scenario
    from simulator.wording import counted

    problems: list[Problem] = []
    for file in files:
        try:
            loaded = load_scenario(file)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        s = loaded.scenario
        click.echo(
            f"{file}: ok ({counted(len(s.nodes), 'node')}, {counted(len(s.links), 'link')}, "
            f"{counted(len(s.fleets), 'fleet')}, {counted(len(s.forces), 'unit')}, "
            f"{counted(len(s.injects), 'inject')}, {counted(len(s.milestones), 'milestone')})"
        )
    if problems:
        raise ScenarioError(problems)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@seed_option("Random seed of the replication.")
@set_option("Change a scenario value by dotted path (list items by id). Repeatable.")
@_format_option("Output format on standard output.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the run's folder is created.",
)
@click.option("--no-save", is_flag=True, help="Print only; write no files.")
@replications_option("Run N replications and print the statistics of every timing.", metavar="N")
@click.option(
    "--report",
    "with_report",
    is_flag=True,
    help="Also write the HTML report of the saved run or replications (see tabletop report).",
)
@fail_cleanly
def run(
    file: Path,
    seed: int,
    assignments: tuple[str, ...],
    fmt: str,
    out: Path,
    no_save: bool,
    replications: int | None,
    with_report: bool,
) -> None:
    """Run scenario FILE and print the logistic timings (or their statistics)."""
    from simulator.analysis.summary import summarize
    from simulator.loading import load_scenario
    from simulator.model.run import run_replication
    from simulator.report.render import render
    from simulator.report.save import save_run

    if with_report and no_save:
        raise click.UsageError("--report needs a saved run (no --no-save)")
    loaded = load_scenario(file, assignments)
    if replications is not None:
        saved = _run_replications(loaded, seed, replications, fmt, None if no_save else out)
        if with_report and saved is not None:
            _report_on(saved)
        return
    result = run_replication(loaded.scenario, seed)
    summary = summarize(result, loaded.sha256)
    click.echo(render(summary, fmt), nl=False)
    if not no_save:
        folder = save_run(out, loaded, result, summary, _command_line())
        click.echo(f"saved: {folder}", err=True)
        if with_report:
            _report_on(folder)


def _report_on(folder: Path) -> None:
    from simulator.commands.report import report_for

    click.echo(f"report: {report_for(folder)}", err=True)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--vary",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="Values of a scenario path; all combinations are run (a grid). Repeatable.",
)
@click.option(
    "--lhs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Instead of a grid, N points of a Latin hypercube over the --range bounds.",
)
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="PATH=LO:HI",
    help="Bounds of a scenario path for --lhs (integers if both bounds are). Repeatable.",
)
@replications_option("Replications per design point.  [default: 20]")
@seed_option("Base seed; replication r has the same seed at every point.  [default: 0]", None)
@click.option(
    "--output",
    "output_keys",
    multiple=True,
    metavar="KEY",
    help="Output to summarise (e.g. closure:all, within:<milestone>, unit:<id>; "
    "* and ? match). Repeatable.  [default: every within:* and closure:all]",
)
@set_option("Change a scenario value at every point (dotted path, list items by id). Repeatable.")
@WORKERS
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run on a Dask cluster instead, e.g. tcp://10.0.0.5:8786.",
)
@click.option(
    "--scheduler-timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="With --scheduler: the longest wait for the scheduler to answer, and for a worker.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder under which the sweep's folder is created.  [default: results]",
)
@click.option(
    "--resume",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Finish an interrupted sweep in DIR (its design is read from DIR/design.json).",
)
@_format_option("Output format on standard output.")
@fail_cleanly
def sweep(
    file: Path | None,
    vary: tuple[str, ...],
    lhs: int | None,
    ranges: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    output_keys: tuple[str, ...],
    assignments: tuple[str, ...],
    workers: int,
    scheduler: str | None,
    scheduler_timeout: float,
    out: Path | None,
    resume: Path | None,
    fmt: str,
) -> None:
    """Run scenario FILE over a grid or Latin hypercube of changed values.

    Every design point runs the same replications (same seeds: common random
    numbers); one row per point is printed, times in hours.  Results go to a new
    folder under --out; an interrupted sweep is finished with --resume DIR.
    """
    from simulator.experiment.executors import DaskCluster, InProcess, ProcessPool

    if scheduler is not None and workers != 1:
        raise click.UsageError("--workers and --scheduler exclude each other")
    if resume is not None and out is not None:
        raise click.UsageError("--out does not apply to --resume: the sweep stays in DIR")
    if resume is None and file is None:
        raise click.UsageError("Missing argument 'FILE' (or give --resume DIR).")
    request_args = (file, assignments, vary, ranges, lhs, replications, seed, output_keys)
    executor: Executor
    try:
        if scheduler is not None:
            executor = DaskCluster(scheduler, scheduler_timeout)
        elif workers > 1:
            executor = ProcessPool(workers)
        else:
            executor = InProcess()
        # Entered before the model is imported and the sweep planned, so that spawned
        # workers start up meanwhile (forked ones start at the first run), and a
        # cluster that cannot be reached is found out before any folder is made.
        with executor:
            summary, folder, compact = _sweep(executor, request_args, resume, out)
    except ConnectionError as error:
        raise ScenarioError(Problem("--scheduler", None, "", str(error))) from None
    from simulator.experiment.sweep import render

    click.echo(for_terminal(render(summary, fmt, compact), fmt), nl=False)
    click.echo(f"saved: {folder}", err=True)


def _sweep(
    executor: Executor, request_args: tuple[Any, ...], resume: Path | None, out: Path | None
) -> tuple[dict[str, Any], Path, bool]:
    """Plan (or reopen) a sweep and run what is missing; return summary, folder, compactness."""
    import datetime as dt

    from simulator.commands.progress import progress_bar
    from simulator.experiment.store import SweepLock
    from simulator.experiment.sweep import Request, execute, plan, read_runs, reopen
    from simulator.experiment.sweep import start as start_sweep

    request = Request(*request_args)
    if resume is not None:
        plan_ = reopen(resume, request)
        folder = resume
    else:
        plan_ = plan(request)
        now = dt.datetime.now(dt.UTC)
        folder = start_sweep(plan_, out or Path("results"), _command_line(), now)
    click.echo(f"sweep: {folder}", err=True)
    try:
        with SweepLock(folder):
            stored = read_runs(folder, plan_.expected)
            done = plan_.total - len(plan_.missing(stored))
            with progress_bar(plan_.total, "run", done) as bar:
                summary = execute(plan_, folder, executor, stored, bar.update)
    except KeyboardInterrupt:
        click.echo(f"interrupted; finish with: tabletop sweep --resume {folder}", err=True)
        sys.exit(130)
    return summary, folder, plan_.compact


@main.command()
@click.option(
    "--output",
    type=click.Choice(["run", "replications"]),
    default=None,
    help="Instead, the schema of a JSON output: a run's summary (tabletop run --format "
    "json) or replications' (with --replications N).",
)
@fail_cleanly
def schema(output: str | None) -> None:
    """Print the JSON Schema of the scenario format (for editors), or of an output."""
    if output is not None:
        from simulator.analysis.output_schema import schema_text as output_schema_text

        click.echo(output_schema_text(output), nl=False)
        return
    from simulator.scenario.schema import schema_text

    click.echo(schema_text(), nl=False)


def _run_replications(
    loaded: Loaded, seed: int, count: int, fmt: str, out: Path | None
) -> Path | None:
    """Run ``count`` replications with a progress bar, print and save the statistics.

    Each replication's outputs go to a column store (bounded memory, see
    ``experiment.scalars``) and, when saving, its line to ``replications.jsonl``
    in the run's staging folder, as it finishes, with the arrival of each load
    (for the report's closure curves; the statistics have no use for them).

    Returns:
        The folder they were saved in, or None if ``out`` is None.
    """
    import contextlib
    import gc

    from simulator.analysis.outputs import is_record
    from simulator.experiment.replicate import Outputs, each_replication
    from simulator.experiment.scalars import Scalars, limit_from_env
    from simulator.report.replications import render_replications, replication_summary
    from simulator.report.save import ReplicationsRun

    limit = limit_from_env()
    # What lives now (modules, the scenario) lives to the end: taking it out of the
    # garbage collector's view spares every later full collection from scanning it.
    gc.collect()
    gc.freeze()
    from simulator.commands.progress import progress_bar

    bar = progress_bar(count, "replications")
    # Closure times so far, as a running count, mean and sum of squared deviations
    # (Welford), so that each update costs the same however many have run.
    n, mean, squares = 0, 0.0, 0.0

    def done(outputs: Outputs) -> None:
        nonlocal n, mean, squares
        if bar.disable:
            return
        value = outputs.get("closure:all")
        if value is not None:
            n += 1
            delta = value - mean
            mean += delta / n
            squares += delta * (value - mean)
        bar.update(1)
        if n > 1:
            error = (squares / (n - 1) / n) ** 0.5
            bar.set_postfix_str(f"closure: standard error {error:.2f} h", refresh=False)

    with contextlib.ExitStack() as stack:
        saving = None
        if out is not None:
            saving = stack.enter_context(ReplicationsRun(out, loaded, seed, count, _command_line()))
        # Columns that go to disk stay beside the run's files, removed before it is complete.
        store = stack.enter_context(Scalars(limit, None if saving is None else saving.path))
        try:
            replications = each_replication(
                loaded.scenario, seed, count, load_arrivals=saving is not None
            )
            for index, child_seed, outputs in replications:
                store.append({k: v for k, v in outputs.items() if not is_record(k)})
                if saving is not None:
                    saving.add(index, child_seed, outputs)
                done(outputs)
        finally:
            gc.unfreeze()
            bar.close()
        summary = replication_summary(loaded.scenario, seed, store, loaded.sha256)
        click.echo(for_terminal(render_replications(summary, fmt), fmt), nl=False)
        if saving is not None:
            saving.finish(summary)
    if saving is None:
        return None
    click.echo(f"saved: {saving.final}", err=True)
    return saving.final


def _command_line() -> list[str]:
    return ["tabletop", *sys.argv[1:]]


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@seed_option("Random seed of the session's runs.")
@click.option(
    "--stop",
    "stop_at",
    multiple=True,
    type=click.Choice(["day", "inject", "milestone", "phase"]),
    help="Where the clock stops besides decision points (repeatable; default: day).",
)
@_format_option("Format of the final results.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the session log is written.",
)
@click.option(
    "--replay",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Replay a session log without questions.",
)
@click.option(
    "--web",
    is_flag=True,
    help="Serve the session in a browser: a facilitator's view and a room view.",
)
@click.option(
    "--host",
    default=None,
    help="With --web: the address to bind (default 127.0.0.1); the controls need a token.",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    show_default="a free port",
    help="With --web: the port to listen on.",
)
@fail_cleanly
def play(
    file: Path,
    seed: int,
    stop_at: tuple[str, ...],
    fmt: str,
    out: Path,
    replay: Path | None,
    web: bool,
    host: str | None,
    port: int,
) -> None:
    """Facilitate scenario FILE: stop by stop, with decisions (reads stdin when piped)."""
    from simulator.commands.play import play_session, play_web

    if web:
        if replay is not None:
            raise click.UsageError("--web starts a new session; --replay reads a finished one")
        play_web(file, seed, stop_at, out, host, port)
        return
    if host is not None or port:
        raise click.UsageError("--host and --port go with --web")
    play_session(file, seed, stop_at, fmt, out, replay)
