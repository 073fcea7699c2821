"""One session behind the web pages: the controls, mapped onto the :class:`Session`.

:class:`Console` owns the session, its log and, at the end, the saved run.
Every control (:meth:`Console.act`) takes the lock, drives the session the
way the terminal does, and publishes a new view: a version number and the
JSON text every page receives (the room view waits for it with
:meth:`Console.wait`).  Nothing here computes the picture: that is the
session's, and :mod:`.view` only puts it into words.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.facilitation.lifecycle import Saved, save_session
from simulator.facilitation.log import MAX_TEXT, LogFile
from simulator.facilitation.places import target_of
from simulator.facilitation.session import Session
from simulator.facilitation.web.mapdata import map_data, projection
from simulator.facilitation.web.view import important_places, targets, view
from simulator.loading import Loaded
from simulator.scenario.errors import ScenarioError

ACTIONS = ("advance", "choose", "change", "undo", "note", "end")
"""The controls of the facilitator's view, each a ``POST /api/<action>``."""


class BadRequest(Exception):
    """A request the console cannot take (an HTTP 4xx): its status and its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _text(body: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(400, f"'{key}' must be text")
    if len(value) > MAX_TEXT:
        raise BadRequest(400, f"'{key}' is longer than {MAX_TEXT} characters")
    return value


@dataclass
class Ending:
    """How a session is saved at its end: where, and with what command line."""

    loaded: Loaded
    log: LogFile
    out: Path
    command: Sequence[str]


class Console:
    """The session of a web console, safe to drive from several request threads."""

    def __init__(self, session: Session, ending: Ending) -> None:
        self.session = session
        self.ending = ending
        self.saved: Saved | None = None
        self._lock = threading.Condition()
        self._projection = projection(session.scenario)
        self.map = map_data(session.scenario, important_places(session.result()))
        self.targets = targets(session)
        self._change: dict[str, Any] | None = None
        self._said: str | None = None
        self.version = 0
        self.closing = False
        session.advance()
        with self._lock:
            self._publish()

    # ----------------------------------------------------------- reading
    def snapshot(self) -> tuple[int, bytes]:
        """The current version and its view as JSON."""
        with self._lock:
            return self.version, self._json

    def wait(self, seen: int, timeout: float) -> tuple[int, bytes] | None:
        """The view once its version is past ``seen``; ``None`` after ``timeout`` seconds
        without a new one, or when the server is closing."""
        with self._lock:
            self._lock.wait_for(lambda: self.version > seen or self.closing, timeout)
            if self.closing or self.version <= seen:
                return None
            return self.version, self._json

    def close(self) -> None:
        """Wake every waiting page so that its stream ends."""
        with self._lock:
            self.closing = True
            self._lock.notify_all()

    def _publish(self) -> None:
        data = view(self.session, self._projection, self._change, self._said)
        data["version"] = self.version + 1
        data["ended"] = self.saved is not None
        data["debrief"] = "/debrief" if self.saved is not None else None
        self._json = json.dumps(data, ensure_ascii=False, allow_nan=False).encode()
        self.version += 1
        self._lock.notify_all()

    # ----------------------------------------------------------- the controls
    def act(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Take one control: ``advance``, ``choose``, ``change``, ``undo``, ``note`` or ``end``.

        Returns:
            ``{"ok": true, "version": N}`` and, where the control says something,
            ``said``.

        Raises:
            BadRequest: 404 for an unknown action, 409 once the session is over,
                400 for a body without the fields the action needs.
            ScenarioError: what the session refused (the caller answers 400).
        """
        controls: dict[str, Callable[[dict[str, Any]], str]] = {
            "advance": self._advance, "choose": self._choose, "change": self._apply,
            "undo": self._undo, "note": self._note, "end": self._end,
        }  # fmt: skip
        if action not in controls:
            raise BadRequest(404, f"no action '{action}' (actions: {', '.join(ACTIONS)})")
        with self._lock:
            if self.saved is not None:
                raise BadRequest(409, "the session is over; its debrief is at /debrief")
            said = controls[action](body)
            self._publish()
            return {"ok": True, "version": self.version, "said": said}

    def _advance(self, body: dict[str, Any]) -> str:
        to = body.get("to")
        if (to is not None and not isinstance(to, str | int | float)) or isinstance(to, bool):
            raise BadRequest(400, "'to' must be a UTC time, an inject or milestone id, or hours")
        before = self.session.now
        target = target_of(self.session.clock, to) if isinstance(to, str) and to.strip() else None
        if isinstance(to, int | float):
            target = float(to)
        self.session.advance(target)
        if self.session.now == before and not self.session.pending():
            return "the end of the run"
        return f"now {self.session.places.utc(self.session.now)}"

    def _choose(self, body: dict[str, Any]) -> str:
        inject, option = _text(body, "inject"), _text(body, "option")
        assert inject is not None and option is not None
        self._change = self.session.choose(inject, option)
        decision = self.session.options(inject)
        label = next(o.label for o in decision.options if o.id == option)
        self._said = f"taken: {label}"
        return self._said

    def _apply(self, body: dict[str, Any]) -> str:
        text = _text(body, "text")
        assert text is not None
        self._change = self.session.change(text)
        self._said = f"applied from {self.session.places.utc(self.session.now)}: " + " ".join(
            text.split()
        )
        return self._said

    def _undo(self, body: dict[str, Any]) -> str:
        self._change = self.session.undo()
        self._said = f"undone; the clock is back at {self.session.places.utc(self.session.now)}"
        return self._said

    def _note(self, body: dict[str, Any]) -> str:
        text = _text(body, "text")
        assert text is not None
        self.session.note(text)
        return "noted"

    def _end(self, body: dict[str, Any]) -> str:
        self.session.finish()
        self.saved = self.end()
        return f"saved: {self.saved.folder}"

    def end(self) -> Saved:
        """Save the session as it stands (the run folder, the debrief) and close its log."""
        with self._lock:
            if self.saved is None:
                e = self.ending
                self.saved = save_session(self.session, e.loaded, e.log.path, e.out, e.command)
                e.log.close()
                self._publish()
            return self.saved

    def debrief_page(self) -> bytes | None:
        """The debrief page, once the session is over."""
        if self.saved is None:
            return None
        return self.saved.page.read_bytes()


def refused(error: ScenarioError) -> list[str]:
    """The messages of what the session refused, one per problem."""
    return [p.message if not p.path else f"{p.path}: {p.message}" for p in error.problems]
