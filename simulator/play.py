"""The facilitator mode: walk a room through a scenario, stop by stop, with decisions.

A session is the scenario plus the decisions taken so far. A decision taken
at hour t becomes injects that act only from t on (a policy change, a hold, a
reinforcement, a loss, a task put back), so nothing before t changes: running
the scenario with the decisions gives exactly the state at t, and a look
ahead to the end. The run at each stop is a fresh replication with the same
seed, cheap enough to redo every time, and always reproducible: the session
log (the decisions and their times) replays the session exactly.

Free-form changes typed by the facilitator use the same change kinds::

    hold NODE HOURS [CAUSE]            departures stop at NODE for HOURS
    policy COUNTRY MODE allow|deny [NATION ...]
    reinforce FLEET COUNT              COUNT more carriers at the fleet's base
    lose FLEET COUNT                   COUNT carriers withdrawn
    delay TASK HOURS                   an operations task put back
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.analysis.tables import Index, milestone_rows, unit_rows
from simulator.analysis.timeline import phase_rows
from simulator.checks import cross_check
from simulator.model.clock import Clock
from simulator.model.records import Event
from simulator.model.run import run_replication
from simulator.model.world import Result
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.models import (
    Change,
    Decision,
    HoldInject,
    LossInject,
    PolicyInject,
    ReinforceInject,
    RescheduleInject,
    Scenario,
)

STOPS = ("day", "inject", "milestone", "phase")
"""What the clock stops at, besides every decision point."""

CHANGE_HELP = """\
  hold NODE HOURS [CAUSE]      departures stop at NODE for HOURS
  policy COUNTRY MODE allow|deny [NATION ...]
  reinforce FLEET COUNT        more carriers at the fleet's base
  lose FLEET COUNT             carriers withdrawn
  delay TASK HOURS             an operations task put back"""


@dataclass(frozen=True)
class Taken:
    """A decision option chosen, or a change typed, at a simulated hour."""

    time_h: float
    decision: str | None = None
    option: str | None = None
    change: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"time_h": round(self.time_h, 6)}
        if self.decision is not None:
            out.update(decision=self.decision, option=self.option)
        if self.change is not None:
            out["change"] = self.change
        return out


def decision_points(scenario: Scenario, clock: Clock) -> list[tuple[float, str, Decision]]:
    """(hour, inject id, decision) of every inject that asks the room, in time order."""
    points = []
    for inj in scenario.injects:
        decision = getattr(inj, "decision", None)
        if decision is None:
            continue
        when = getattr(inj, "start", None) or getattr(inj, "at", None)
        assert when is not None
        points.append((clock.hours(when), inj.id, decision))
    return sorted(points, key=lambda p: (p[0], p[1]))


def parse_change(text: str) -> Change:
    """A typed change (see the module docstring), as a ``Change``.

    Raises:
        ScenarioError: if the text is not one of the forms.
    """
    words = text.split()
    try:
        verb, args = words[0], words[1:]
        if verb == "hold" and len(args) in (2, 3):
            cause = args[2] if len(args) == 3 else "decision"
            return Change(kind="hold", node=args[0], duration_h=float(args[1]), cause=cause)
        if verb == "policy" and len(args) >= 3:
            nations = args[3:] or None
            return Change.model_validate(
                {
                    "kind": "policy",
                    "country": args[0],
                    "mode": args[1],
                    "policy": args[2],
                    "nations": nations,
                }
            )
        if verb in ("reinforce", "lose") and len(args) == 2:
            kind = "reinforce" if verb == "reinforce" else "loss"
            return Change.model_validate({"kind": kind, "fleet": args[0], "count": int(args[1])})
        if verb == "delay" and len(args) == 2:
            return Change(kind="delay_task", task=args[0], delay_h=float(args[1]))
    except (IndexError, ValueError) as error:
        raise ScenarioError(Problem("(command)", None, "", f"{text!r}: {error}")) from None
    raise ScenarioError(
        Problem("(command)", None, "", f"not a change: {text!r}; the changes are:\n{CHANGE_HELP}")
    )


def injects_for(change: Change, at_h: float, clock: Clock, ident: str) -> list[Any]:
    """The injects that make ``change`` happen ``after_h`` hours after ``at_h``."""
    when = clock.instant(at_h + change.after_h)
    common: dict[str, Any] = {"id": ident}
    if change.kind == "policy":
        spec = {
            "kind": "policy",
            "at": when,
            "country": change.country,
            "mode": change.mode,
            "policy": change.policy,
            "nations": change.nations,
        }
        return [PolicyInject.model_validate({**common, **spec})]
    if change.kind == "hold":
        spec = {
            "kind": "hold",
            "node": change.node,
            "link": change.link,
            "start": when,
            "duration_h": change.duration_h,
            "modes": change.modes,
            "cause": change.cause,
        }
        return [HoldInject.model_validate({**common, **spec})]
    if change.kind == "reinforce":
        spec = {"kind": "reinforce", "fleet": change.fleet, "count": change.count, "at": when}
        return [ReinforceInject.model_validate({**common, **spec})]
    if change.kind == "loss":
        spec = {"kind": "loss", "fleet": change.fleet, "count": change.count, "at": when}
        return [LossInject.model_validate({**common, **spec})]
    spec = {"kind": "reschedule", "task": change.task, "delay_h": change.delay_h, "at": when}
    return [RescheduleInject.model_validate({**common, **spec})]


@dataclass
class Session:
    """A facilitated run of one scenario with one seed."""

    scenario: Scenario
    seed: int = 0
    stop_at: Sequence[str] = ("day",)
    taken: list[Taken] = field(default_factory=list)
    _cache: dict[int, Result] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.scenario.clock.start, self.scenario.clock.d_day)
        self.points = decision_points(self.scenario, self.clock)

    # ----------------------------------------------------------- decisions
    def options(self, inject_id: str) -> Decision:
        """The decision an inject asks."""
        return next(d for _, i, d in self.points if i == inject_id)

    def choose(self, time_h: float, inject_id: str, option_id: str) -> None:
        """Take an option of a decision point (checked against the scenario)."""
        decision = self.options(inject_id)
        if option_id not in {o.id for o in decision.options}:
            known = ", ".join(o.id for o in decision.options)
            raise ScenarioError(
                Problem("(command)", None, inject_id, f"no option '{option_id}' (options: {known})")
            )
        self._take(Taken(time_h, decision=inject_id, option=option_id))

    def change(self, time_h: float, text: str) -> None:
        """Apply a typed change from ``time_h`` on (checked against the scenario)."""
        parse_change(text)
        self._take(Taken(time_h, change=" ".join(text.split())))

    def _take(self, taken: Taken) -> None:
        self.taken.append(taken)
        try:
            findings = cross_check(self.effective())
        except ScenarioError:
            self.taken.pop()
            raise
        if findings:
            self.taken.pop()
            raise ScenarioError(
                [
                    Problem("(command)", None, ".".join(map(str, where)), message)
                    for where, message in findings
                ]
            )

    def decided(self, inject_id: str) -> bool:
        """True if the decision of this inject has been taken."""
        return any(t.decision == inject_id for t in self.taken)

    def effective(self) -> Scenario:
        """The scenario with every decision taken so far, as injects from their times."""
        extra: list[Any] = []
        for n, taken in enumerate(self.taken):
            if taken.decision is not None:
                option = next(
                    o for o in self.options(taken.decision).options if o.id == taken.option
                )
                changes = list(option.changes)
            else:
                assert taken.change is not None
                changes = [parse_change(taken.change)]
            for k, change in enumerate(changes):
                extra += injects_for(change, taken.time_h, self.clock, f"play.{n + 1}.{k + 1}")
        return self.scenario.model_copy(update={"injects": [*self.scenario.injects, *extra]})

    # ------------------------------------------------------------- the run
    def result(self) -> Result:
        """The run with the decisions so far (computed once per set of decisions)."""
        key = len(self.taken)
        if key not in self._cache:
            self._cache = {key: run_replication(self.effective(), self.seed)}
        return self._cache[key]

    def end_h(self) -> float:
        """The last moment anything happens in the current run."""
        return max((e.time for e in self.result().events), default=0.0)

    def stops(self, after: float) -> list[float]:
        """The stops after ``after``: the chosen kinds, and every decision point."""
        result = self.result()
        end = self.end_h()
        times = {t for t, _, _ in self.points}
        if "day" in self.stop_at:
            day = 24.0 * (int(after // 24) + 1)
            while day < end:
                times.add(day)
                day += 24.0
        if "inject" in self.stop_at:
            for inj in self.scenario.injects:
                when = getattr(inj, "start", None) or getattr(inj, "at", None)
                if when is not None:
                    times.add(self.clock.hours(when))
        if "milestone" in self.stop_at:
            times.update(r["simulated"] for r in milestone_rows(result) if r["simulated"])
        if "phase" in self.stop_at:
            for phase in phase_rows(result, unit_rows(result)):
                times.update(t for t in (phase["start"], phase["end"]) if t is not None)
        times.add(end)
        return sorted(t for t in times if after < t <= end)

    # ----------------------------------------------------- situation report
    def sitrep(self, now: float) -> str:
        """Where every unit is and what it is doing, what waits, what is next."""
        result = self.result()
        index = Index.of(result)
        lines = [f"== {self.clock.iso(now)} ({self.clock.d_label(now)}) =="]
        lines.append("Units:")
        for unit in self.scenario.forces:
            loads = result.loads.get(unit.id, ())
            states = [_load_state(index.by_load.get(ld.id, []), now) for ld in loads]
            ready = self.clock.hours(unit.ready)
            if now < ready or not loads:
                state = f"not yet moving (ready {self.clock.iso(ready)})"
            else:
                state = _summary_of(states)
            lines.append(f"  {unit.id} ({unit.nation}): {state}")
        lines.append("Operations:")
        tasks = [t for p in phase_rows(result, unit_rows(result, index))[1:] for t in p["tasks"]]
        busy = [
            t["id"]
            for t in tasks
            if t["start"] is not None and t["start"] <= now and (t["end"] is None or now < t["end"])
        ]
        upcoming = [t for t in tasks if t["start"] is not None and t["start"] > now][:3]
        lines.append(f"  under way: {', '.join(busy) or '-'}")
        for task in upcoming:
            lines.append(f"  next: {task['id']} at {self.clock.iso(task['start'])}")
        lines.append("Milestones ahead (as things stand):")
        for row in milestone_rows(result, index):
            latest = row["observed"]["latest"]
            if latest is not None and latest < now:
                continue
            if row["simulated"] is None:
                verdict = "AT RISK: not reached"
            elif row["within_window"]:
                verdict = "on track"
            else:
                verdict = f"AT RISK: {row['delta_h']:+.1f} h from the window"
            when = self.clock.iso(row["simulated"]) or "-"
            lines.append(f"  {row['id']}: {when} - {verdict}")
        return "\n".join(lines)

    def log_lines(self, header: dict[str, Any]) -> str:
        """The session log as JSON lines: a header, then each decision or change."""
        return "".join(
            json.dumps(d, sort_keys=True) + "\n"
            for d in [header, *(t.as_dict() for t in self.taken)]
        )


def read_log(lines: Iterable[str]) -> tuple[dict[str, Any], list[Taken]]:
    """The header and the decisions of a session log.

    Raises:
        ScenarioError: if a line is not a valid record.
    """
    header: dict[str, Any] = {}
    taken = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if number == 1:
                header = record
                continue
            taken.append(
                Taken(
                    float(record["time_h"]),
                    record.get("decision"),
                    record.get("option"),
                    record.get("change"),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ScenarioError(
                Problem("(log)", number, "", f"not a session record: {error}")
            ) from None
    return header, taken


def _load_state(events: list[Event], now: float) -> str:
    """What one load is doing at ``now``, from its records."""
    for e in events:
        if e.kind == "wait" and e.detail["start"] <= now < e.time:
            return f"waiting ({e.detail['cause']} at {e.place})"
        # Activities are recorded when they end, with their span.
        if e.kind == "occupy" and e.detail["start"] <= now < e.time:
            doing = {"ramp": "loading or unloading", "transfer": "transshipping"}
            return f"{doing.get(e.detail['resource'], e.detail['resource'])} at {e.place}"
        if e.kind in ("border", "stop") and e.time - e.detail["hours"] <= now < e.time:
            activity = "border formalities" if e.kind == "border" else "refuelling"
            return f"{activity} at {e.place}"
    if any(e.kind == "arrive" and e.time <= now for e in events):
        return "closed"
    moves = ("depart", "reach", "transfer", "entrain", "stop", "border")
    past = [e for e in events if e.time <= now and e.kind in moves]
    if not past:
        return "waiting to depart"
    last = past[-1]
    ahead = next((e for e in events if e.time > now and e.kind in ("reach", "arrive")), None)
    if ahead is not None and ahead.place != last.place:
        return f"moving {last.place} -> {ahead.place}"
    return f"at {last.place}"


def _summary_of(states: list[str]) -> str:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    if list(counts) == ["closed"]:
        return "closed"
    return "; ".join(f"{n} x {state}" if n > 1 else state for state, n in counts.items())
