"""The facilitator mode: one session engine for every front end.

``session``  the :class:`Session`: clock and stops, decisions, typed changes,
             undo, notes, replay of a log
``changes``  the typed changes and the injects that make them happen
``picture``  the state at one moment: loads, milestones, closure, closed borders
``delta``    what a decision changed
``log``      the session log file: created exclusively, appended, validated
``places``   names and local times
``debrief``  the after-action review

Everything a session returns (:meth:`Session.state`, the deltas, the log
records) is plain JSON-serialisable data with times in simulated hours, so a
terminal and a web page can each show it their own way.
"""

from __future__ import annotations

from simulator.facilitation.changes import CHANGE_HELP, parse_change
from simulator.facilitation.delta import delta, describe
from simulator.facilitation.log import LogFile, Record, read_log
from simulator.facilitation.session import STOPS, Session

__all__ = [
    "CHANGE_HELP",
    "STOPS",
    "LogFile",
    "Record",
    "Session",
    "delta",
    "describe",
    "parse_change",
    "read_log",
]
