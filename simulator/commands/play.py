"""``tabletop play``: the facilitator's console (see ``simulator.play``).

Interactive on a terminal; when standard input is not a terminal, commands
are read from it line by line, so sessions can be scripted. At each stop:

    Enter / next      go on to the next stop
    status            the situation report again
    1, 2, ...         take that option of the decision asked here
    hold|policy|reinforce|lose|delay ...   a change of your own, from now on
    end               go on to the end, taking each decision's default
    quit              stop here and show the results

The session log is written after every decision, so it survives an
interruption; ``--replay LOG`` reproduces the session without questions.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from simulator import __version__
from simulator.play import CHANGE_HELP, Session, read_log
from simulator.report.safe_text import terminal_text
from simulator.scenario.errors import Problem, ScenarioError


def _commands() -> Iterator[str]:
    """Lines typed at a prompt, or read from a piped standard input."""
    if sys.stdin.isatty():
        while True:
            yield click.prompt(">", default="", show_default=False)
    else:
        for line in sys.stdin:
            yield line.rstrip("\n")


def _echo(text: str, **kwargs: Any) -> None:
    """Print to the terminal, without any control character the scenario's text carried."""
    click.echo(terminal_text(text), **kwargs)


def play_session(
    file: Path,
    seed: int,
    stop_at: tuple[str, ...],
    fmt: str,
    out: Path,
    replay: Path | None,
) -> None:
    """Run a facilitated session (or replay one) and print the final results."""
    from simulator.analysis.summary import summarize
    from simulator.loading import load_scenario
    from simulator.report.files import sanitise_name, write_atomic
    from simulator.report.render import render

    loaded = load_scenario(file)
    session = Session(loaded.scenario, seed, stop_at or ("day",))
    header = {
        "tabletop_version": __version__,
        "scenario_file": str(file),
        "scenario_sha256": loaded.sha256,
        "seed": seed,
    }
    if replay is not None:
        old_header, taken = read_log(replay.read_text().splitlines())
        if old_header.get("scenario_sha256") not in (None, loaded.sha256):
            raise ScenarioError(
                Problem(
                    str(replay),
                    1,
                    "scenario_sha256",
                    "the scenario file has changed since this session",
                )
            )
        session.seed = int(old_header.get("seed", seed))
        for t in taken:
            if t.decision is not None:
                session.choose(t.time_h, t.decision, str(t.option))
            elif t.change is not None:
                session.change(t.time_h, t.change)
        _echo(render(summarize(session.result(), loaded.sha256), fmt), nl=False)
        return
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out / sanitise_name(loaded.scenario.name)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"play-{stamp}-seed{seed}.jsonl"
    n = 2
    while log.exists():
        log = folder / f"play-{stamp}-seed{seed}-{n}.jsonl"
        n += 1
    write_atomic(log, session.log_lines(header))
    _echo(f"session log: {log}", err=True)
    commands = _commands()
    now, to_end, quitting = -1.0, False, False  # before the start: a stop at hour 0 counts
    while not quitting:
        stops = session.stops(now)
        if not stops:
            break
        now = stops[0]
        asking = [(i, d) for t, i, d in session.points if t == now and not session.decided(i)]
        if not to_end:
            _echo(session.sitrep(now))
        for inject_id, decision in asking:
            default = decision.default or decision.options[0].id
            if to_end:
                session.choose(now, inject_id, default)
                continue
            _echo(f"DECISION ({inject_id}): {decision.prompt}")
            for k, option in enumerate(decision.options, 1):
                mark = " (default)" if option.id == default else ""
                _echo(f"  {k}. {option.label}{mark}")
            choice = _ask_option(commands, len(decision.options))
            option_id = decision.options[choice - 1].id if choice else default
            session.choose(now, inject_id, option_id)
            write_atomic(log, session.log_lines(header))
            _echo(f"taken: {option_id}")
        while not to_end:
            line = next(commands, "quit").strip()
            if line in ("", "next", "n"):
                break
            if line in ("quit", "q"):
                quitting = True
                break
            if line == "end":
                to_end = True
                break
            if line == "status":
                _echo(session.sitrep(now))
                continue
            if line == "help":
                _echo("Enter/next, status, end, quit, or a change:\n" + CHANGE_HELP)
                continue
            try:
                session.change(now, line)
            except ScenarioError as error:
                for problem in error.problems:
                    _echo(f"refused: {problem.message}", err=True)
                continue
            write_atomic(log, session.log_lines(header))
            _echo(f"applied from {session.clock.iso(now)}: {line}")
    _echo(render(summarize(session.result(), loaded.sha256), fmt), nl=False)
    _echo(f"session log: {log} (replay: tabletop play {file} --replay {log})", err=True)


def _ask_option(commands: Iterator[str], count: int) -> int | None:
    """The option number typed (None: the default)."""
    while True:
        line = next(commands, "").strip()
        if not line:
            return None
        if line.isdigit() and 1 <= int(line) <= count:
            return int(line)
        _echo(f"type a number from 1 to {count}, or Enter for the default", err=True)
