"""Replaying a session log: the scenario it names, checked against its hash, then every record."""

from __future__ import annotations

from pathlib import Path

from simulator.facilitation.log import read_log
from simulator.facilitation.session import Session
from simulator.loading import Loaded, load_scenario
from simulator.scenario.errors import Problem, ScenarioError


def replay_log(log: Path, scenario_file: Path | None = None) -> tuple[Loaded, Session]:
    """The scenario of a log and the session the log replays to.

    Args:
        log: The session log.
        scenario_file: The scenario to replay it on (default: the one its header names).

    Raises:
        ScenarioError: if the log is malformed, the scenario cannot be loaded or has
            changed since the session (its SHA-256 differs), or a record cannot be
            replayed; one problem per line.
    """
    header, records = read_log(log)
    path = scenario_file if scenario_file is not None else Path(header["scenario_file"])
    if not path.is_file():
        message = f"the scenario of this session, {path}, is not a file"
        raise ScenarioError(Problem(str(log), 1, "scenario_file", message))
    loaded = load_scenario(path)
    if header["scenario_sha256"] != loaded.sha256:
        message = f"the scenario file {path} has changed since this session"
        raise ScenarioError(Problem(str(log), 1, "scenario_sha256", message))
    session = Session(loaded.scenario, header["seed"])
    session.replay(records, str(log))
    return loaded, session
