"""The start and the end of a session, the same for every front end.

:func:`open_session` loads the scenario and creates the session's own log
(its header names the scenario's path, hash and the seed), which every
record is appended to. :func:`save_session` writes the session's final run as a run folder, like
``tabletop run`` (so ``tabletop report`` reads it), with three more files:
``session.jsonl`` (a copy of the log), ``debrief.md`` and ``debrief.html``
(the page to keep and print).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import __version__
from simulator.facilitation.log import LogFile
from simulator.facilitation.session import Session
from simulator.loading import Loaded


@dataclass(frozen=True)
class Saved:
    """What :func:`save_session` wrote: the folder, the debrief (Markdown), the summary."""

    folder: Path
    review: str
    summary: dict[str, Any]

    @property
    def page(self) -> Path:
        """The debrief page."""
        return self.folder / "debrief.html"


def open_session(
    file: Path, seed: int, stop_at: Sequence[str], out: Path
) -> tuple[Loaded, LogFile, Session]:
    """Load ``file`` and start a session on it, logged under ``out/<scenario>/``.

    Raises:
        ScenarioError: if the scenario is bad input.
    """
    from simulator.loading import load_scenario
    from simulator.report.files import sanitise_name

    loaded = load_scenario(file)
    header = {"tabletop_version": __version__, "scenario_file": str(file),
              "scenario_sha256": loaded.sha256, "seed": seed}  # fmt: skip
    log = LogFile.create(out / sanitise_name(loaded.scenario.name), "play", header)
    session = Session(loaded.scenario, seed, stop_at or ("day",), on_record=log.append)
    return loaded, log, session


def save_session(
    session: Session, loaded: Loaded, log: Path, out: Path, command: Sequence[str]
) -> Saved:
    """Save the session's final run under ``out``, with its log and debrief."""
    from simulator.analysis.summary import summarize
    from simulator.facilitation.debrief import debrief, render_debrief
    from simulator.facilitation.debrief_page import debrief_page
    from simulator.report.files import write_atomic
    from simulator.report.save import save_run

    now = dt.datetime.now(dt.UTC)
    result = session.result()
    summary = summarize(result, loaded.sha256)
    folder = save_run(out, loaded, result, summary, command, now)
    data = debrief(session)
    review = render_debrief(data, session)
    write_atomic(folder / "debrief.md", review)
    write_atomic(folder / "debrief.html", debrief_page(data, session, now))
    write_atomic(folder / "session.jsonl", log.read_text("utf-8"))
    return Saved(folder, review, summary)
