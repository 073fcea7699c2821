"""``tabletop play``: the facilitator's console in a terminal (the engine is
:mod:`simulator.facilitation`; this module only reads commands and prints).

Interactive on a terminal; when standard input is not a terminal, commands
are read from it line by line, so sessions can be scripted. At each stop:

    Enter / next      go on to the next stop
    to WHEN|ID        go on to a UTC time (2030-01-05, 2030-01-05T06:00) or an inject or milestone
    status            the situation report again
    1, 2, ...         take that option of the decision asked here
    hold|policy|reinforce|lose|delay ...   a change of your own, from now on
    undo              take back the last decision or change
    note TEXT         keep a note in the log
    end               go on to the end, taking each decision's default
    quit              stop here and show the results

The session log is appended after every decision, so it survives an
interruption; ``--replay LOG`` reproduces the session without questions. When
the session ends it is saved as a run folder (``tabletop report`` reads it)
with its debrief. With ``--web`` the same session is served to a browser
instead (:mod:`simulator.facilitation.web`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from simulator.facilitation import CHANGE_HELP, Session, describe
from simulator.facilitation.places import target_of
from simulator.facilitation.words import unit_words
from simulator.report.safe_text import terminal_text
from simulator.scenario.errors import ScenarioError

HELP = (
    """\
  Enter/next    the next stop          to WHEN|ID   a time (UTC) or an inject or milestone
  status        this report again      undo         take back the last decision or change
  note TEXT     a note for the log     end / quit   to the end / stop here
  a change of your own, from now on:
"""
    + CHANGE_HELP
)


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


def sitrep(session: Session) -> str:
    """The situation report at the session's time: units, operations, milestones, closure."""
    places = session.places
    state = session.state()
    now = state["time_h"]
    lines = [f"== {places.utc(now)} ({session.clock.d_label(now)}) =="]
    lines.append("Units:")
    for unit in unit_words(places, state["loads"]):
        lines.append(f"  {unit['name']} ({unit['nation']}): {unit['doing']}")
    tasks = state["tasks"]
    names = {t.id: t.name or t.id for p in session.scenario.operations.phases for t in p.tasks}
    if tasks:
        busy = [names[t["id"]] for t in tasks if t["state"] == "under way"]
        upcoming = sorted((t for t in tasks if t["state"] == "ahead"), key=lambda t: t["start"])[:3]
        lines.append("Operations:")
        lines.append(f"  under way: {', '.join(busy) or '-'}")
        lines += [f"  next: {names[t['id']]} at {places.utc(t['start'])}" for t in upcoming]
    by_id = {m.id: m for m in session.scenario.milestones}
    reached = [m for m in state["milestones"] if m["state"] == "done"]
    ahead = [m for m in state["milestones"] if m["state"] != "done"]
    for title, group in (("Milestones reached:", reached),
                         ("Milestones ahead (as things stand):", ahead)):  # fmt: skip
        if not group:
            continue
        lines.append(title)
        for m in group:
            where = places.milestone_place(by_id[m["id"]])
            name = by_id[m["id"]].name or m["id"]
            verdict = m["state"].upper() if m["state"] in ("at risk", "missed") else m["state"]
            if m["simulated"] is None:
                verdict += ": not reached"
            elif m["delta_h"]:
                verdict += f", {m['delta_h']:+.1f} h from the window"
            lines.append(f"  {name}: {places.when(m['simulated'], where)} - {verdict}")
    lines.append("Closed (people, vehicles, tonnes arrived of the total):")
    for c in state["closure"]:
        nation = "All" if c["nation"] == "all" else places.country(c["nation"])
        figures = ", ".join(
            f"{c[k][0]:,.0f}/{c[k][1]:,.0f}" for k in ("personnel", "vehicles", "tonnes")
        )
        lines.append(f"  {nation}: {figures}")
    if state["denied"]:
        lines.append("Transit denied now:")
        for d in state["denied"]:
            whom = ", ".join(places.country(n) for n in d["nations"])
            lines.append(f"  {places.country(d['country'])} ({d['mode']}): to {whom}")
    return "\n".join(lines)


def _show_delta(session: Session, change: dict[str, Any]) -> None:
    _echo("What it changed:")
    for line in describe(change, session.places):
        _echo(line)


def _decide(session: Session, commands: Iterator[str]) -> bool:
    """Ask every decision pending now; False if the room quit instead."""
    for inject_id, decision in session.pending():
        default = decision.default or decision.options[0].id
        _echo(f"DECISION: {decision.prompt}")
        for k, option in enumerate(decision.options, 1):
            mark = " (default)" if option.id == default else ""
            _echo(f"  {k}. {option.label}{mark}")
        while True:
            line = next(commands, "quit").strip()
            if line in ("quit", "q"):
                return False
            if not line or (line.isdigit() and 1 <= int(line) <= len(decision.options)):
                break
            _echo(f"type a number from 1 to {len(decision.options)}, or Enter for the default",
                  err=True)  # fmt: skip
        option = (
            decision.options[int(line) - 1]
            if line
            else next(o for o in decision.options if o.id == default)
        )
        change = session.choose(inject_id, option.id)
        _echo(f"taken: {option.label}")
        _show_delta(session, change)
    return True


def _drive(session: Session, commands: Iterator[str]) -> None:
    """The session's loop: stops, decisions and commands, until the end or ``quit``."""
    session.advance()
    _echo(sitrep(session))
    while True:
        if session.pending() and not _decide(session, commands):
            return
        line = next(commands, "quit").strip()
        try:
            if line in ("", "next", "n") or line.startswith("to "):
                before = session.now
                session.advance(
                    target_of(session.clock, line[3:].strip()) if line.startswith("to ") else None
                )
                if session.now == before and not session.pending():
                    return  # the end of the run
                _echo(sitrep(session))
            elif line in ("quit", "q"):
                return
            elif line == "end":
                session.finish()
                return
            elif line == "status":
                _echo(sitrep(session))
            elif line == "help":
                _echo(HELP)
            elif line == "undo":
                change = session.undo()
                _echo(f"undone; the clock is back at {session.places.utc(session.now)}")
                _show_delta(session, change)
            elif line.startswith("note "):
                session.note(line[5:])
                _echo("noted")
            else:
                change = session.change(line)
                _echo(f"applied from {session.places.utc(session.now)}: {' '.join(line.split())}")
                _show_delta(session, change)
        except ScenarioError as error:
            for problem in error.problems:
                _echo(f"refused: {problem.message}", err=True)


def play_session(
    file: Path, seed: int, stop_at: tuple[str, ...], fmt: str, out: Path, replay: Path | None
) -> None:
    """Run a facilitated session (or replay one) and print the final results."""
    from simulator.analysis.summary import summarize
    from simulator.facilitation.lifecycle import open_session, save_session
    from simulator.facilitation.replay import replay_log
    from simulator.report.render import render

    if replay is not None:
        loaded, session = replay_log(replay, file)
        _echo(render(summarize(session.result(), loaded.sha256), fmt), nl=False)
        return
    loaded, log, session = open_session(file, seed, stop_at, out)
    _echo(f"session log: {log.path}", err=True)
    try:
        _drive(session, _commands())
    finally:
        log.close()
    command = ["tabletop", "play", str(file), "--replay", str(log.path)]
    saved = save_session(session, loaded, log.path, out, command)
    _echo(saved.review)
    _echo(render(saved.summary, fmt), nl=False)
    _echo(f"session log: {log.path} (replay: tabletop play {file} --replay {log.path})", err=True)
    _echo(f"run folder: {saved.folder} (tabletop report {saved.folder})", err=True)
    _echo(f"debrief page: {saved.page}", err=True)


def play_web(
    file: Path, seed: int, stop_at: tuple[str, ...], out: Path, host: str | None, port: int
) -> None:
    """Serve a facilitated session in a browser until Ctrl-C (:mod:`simulator.facilitation.web`)."""
    from simulator.facilitation.web.server import serve

    serve(file, seed, stop_at, out, host, port, lambda line: _echo(line, err=True))
