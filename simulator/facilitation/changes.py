"""Changes typed by the facilitator, and the injects that make a change happen.

A typed change has the same kinds as a decision option's ``changes``::

    hold NODE HOURS [CAUSE ...]        departures stop at NODE for HOURS
    policy COUNTRY MODE allow|deny [NATION ...]
    reinforce FLEET COUNT              COUNT more carriers at the fleet's base
    lose FLEET COUNT                   COUNT carriers withdrawn
    delay TASK HOURS                   an operations task put back

A cause may be several words (``hold depot 48 customs dispute``). The
values go through the scenario format's own validation (:class:`Change`), so
the bounds a scenario file has apply to typed changes too; a problem is one
line.
"""

from __future__ import annotations

import math
from typing import Any

import pydantic

from simulator.model.clock import Clock
from simulator.scenario.errors import Problem, ScenarioError, problems_from_validation_error
from simulator.scenario.models import (
    Change,
    HoldInject,
    LossInject,
    PolicyInject,
    ReinforceInject,
    RescheduleInject,
)

COMMAND = "(command)"
"""The pseudo-file problems with a typed change are reported against."""

CHANGE_HELP = """\
  hold NODE HOURS [CAUSE ...]  departures stop at NODE for HOURS
  policy COUNTRY MODE allow|deny [NATION ...]
  reinforce FLEET COUNT        more carriers at the fleet's base
  lose FLEET COUNT             carriers withdrawn
  delay TASK HOURS             an operations task put back"""

VERBS = ("hold", "policy", "reinforce", "lose", "delay")


def _refuse(text: str, message: str) -> ScenarioError:
    return ScenarioError(Problem(COMMAND, None, "", f"{text!r}: {message}"))


def _number(text: str, word: str, integer: bool = False) -> float | int:
    """A number typed in a change: finite, and whole where a count is asked."""
    try:
        value = float(word)
    except ValueError:
        raise _refuse(text, f"{word!r} is not a number") from None
    if not math.isfinite(value):
        raise _refuse(text, f"{word!r} is not a finite number")
    if integer:
        if not value.is_integer():
            raise _refuse(text, f"{word!r} is not a whole number")
        return int(value)
    return value


def _fields(text: str, verb: str, args: list[str]) -> dict[str, Any] | None:
    """The fields of the change a typed line asks for (``None``: not one of the forms)."""
    if verb == "hold" and len(args) >= 2:
        cause = " ".join(args[2:]) or "decision"
        return {"kind": "hold", "node": args[0], "duration_h": _number(text, args[1]),
                "cause": cause}  # fmt: skip
    if verb == "policy" and len(args) >= 3:
        return {"kind": "policy", "country": args[0], "mode": args[1], "policy": args[2],
                "nations": args[3:] or None}  # fmt: skip
    if verb in ("reinforce", "lose") and len(args) == 2:
        kind = "reinforce" if verb == "reinforce" else "loss"
        return {"kind": kind, "fleet": args[0], "count": _number(text, args[1], integer=True)}
    if verb == "delay" and len(args) == 2:
        return {"kind": "delay_task", "task": args[0], "delay_h": _number(text, args[1])}
    return None


def parse_change(text: str) -> Change:
    """A typed change (see the module docstring), validated as a scenario's ``Change``.

    Raises:
        ScenarioError: one line per problem, if the text is not one of the forms or a
            value is refused by the scenario format.
    """
    words = text.split()
    if not words:
        raise _refuse(text, "empty")
    fields = _fields(text, words[0], words[1:])
    if fields is None:
        forms = "; ".join(line.strip().split("  ")[0] for line in CHANGE_HELP.splitlines())
        raise _refuse(text, f"not a change; the changes are: {forms}")
    try:
        return Change.model_validate(fields)
    except pydantic.ValidationError as error:
        problems = problems_from_validation_error(error, fields, {}, COMMAND, Change)
        raise ScenarioError(
            Problem(COMMAND, None, "", f"{text!r}: {p.path + ': ' if p.path else ''}{p.message}")
            for p in problems
        ) from None


def normalised(text: str) -> str:
    """A typed change as logged: its words separated by single spaces."""
    return " ".join(text.split())


def injects_for(change: Change, at_h: float, clock: Clock, ident: str) -> list[Any]:
    """The injects that make ``change`` happen ``change.after_h`` hours after ``at_h``."""
    when = clock.instant(at_h + change.after_h)
    common: dict[str, Any] = {"id": ident}
    if change.kind == "policy":
        spec = {"kind": "policy", "at": when, "country": change.country, "mode": change.mode,
                "policy": change.policy, "nations": change.nations}  # fmt: skip
        return [PolicyInject.model_validate({**common, **spec})]
    if change.kind == "hold":
        spec = {"kind": "hold", "node": change.node, "link": change.link, "start": when,
                "duration_h": change.duration_h, "modes": change.modes,
                "cause": change.cause}  # fmt: skip
        return [HoldInject.model_validate({**common, **spec})]
    if change.kind == "reinforce":
        spec = {"kind": "reinforce", "fleet": change.fleet, "count": change.count, "at": when}
        return [ReinforceInject.model_validate({**common, **spec})]
    if change.kind == "loss":
        spec = {"kind": "loss", "fleet": change.fleet, "count": change.count, "at": when}
        return [LossInject.model_validate({**common, **spec})]
    spec = {"kind": "reschedule", "task": change.task, "delay_h": change.delay_h, "at": when}
    return [RescheduleInject.model_validate({**common, **spec})]
