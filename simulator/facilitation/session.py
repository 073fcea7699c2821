"""A facilitated session: one scenario, one seed, a clock, the decisions taken so far.

A decision taken at hour t becomes injects that act only from t on (a policy
change, a hold, a reinforcement, a loss, a task put back), so nothing before
t changes: running the scenario with the decisions gives exactly the state at
t, and a look ahead to the end. The run is a fresh replication with the same
seed, redone when the decisions change, and always reproducible: the log (the
decisions, changes, undos and notes with their times) replays the session.

The session is driven by calls, each of which a front end (the terminal, a
web page) maps to a control:

* :meth:`Session.advance` moves the clock to the next stop, to a given hour or
  to a named inject or milestone, and never past a decision not yet taken;
* :meth:`Session.choose` takes a decision's option, at the decision's own time;
* :meth:`Session.change` applies a typed change from now on;
* :meth:`Session.undo` takes back the last decision or change; the clock goes
  back to its time and the decision is asked again;
* :meth:`Session.note` keeps the facilitator's words in the log;
* :meth:`Session.state` is the picture now (plain data), and every call that
  takes or undoes something returns :func:`~simulator.facilitation.delta.delta`,
  what it changed.

The decisions of a log replay through :meth:`Session.replay`, which checks
each against the scenario: a known decision and option, taken at its inject's
time, once unless undone; times never before the last decision in force.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from simulator.analysis.tables import milestone_rows
from simulator.analysis.timeline import phase_rows
from simulator.checks import cross_check
from simulator.facilitation.changes import COMMAND, injects_for, normalised, parse_change
from simulator.facilitation.delta import delta
from simulator.facilitation.log import MAX_HOURS, Record
from simulator.facilitation.picture import Legs, picture
from simulator.facilitation.places import Places
from simulator.model.clock import Clock
from simulator.model.run import RunBudgetExceeded, run_replication
from simulator.model.world import Result
from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.models import Decision, Scenario

STOPS = ("day", "inject", "milestone", "phase")
"""What the clock stops at, besides every decision point."""

EPS_H = 1e-6
"""Two times closer than this (hours) are the same instant (logs keep six decimals)."""


def inject_time(inject: Any, clock: Clock) -> float | None:
    """The hour an inject acts (``start`` or ``at``), if it has one."""
    when = getattr(inject, "start", None) or getattr(inject, "at", None)
    return None if when is None else clock.hours(when)


def decision_points(scenario: Scenario, clock: Clock) -> list[tuple[float, str, Decision]]:
    """(hour, inject id, decision) of every inject that asks the room, in time order."""
    points = []
    for inj in scenario.injects:
        decision = getattr(inj, "decision", None)
        when = inject_time(inj, clock)
        if decision is not None and when is not None:
            points.append((when, inj.id, decision))
    return sorted(points, key=lambda p: (p[0], p[1]))


def _problem(message: str, path: str = "") -> ScenarioError:
    return ScenarioError(Problem(COMMAND, None, path, message))


@dataclass
class Session:
    """A facilitated run of one scenario with one seed.

    Attributes:
        scenario: The scenario as loaded (decisions are added to a copy).
        seed: The seed of every run of the session.
        stop_at: Kinds of stops (see :data:`STOPS`) besides decision points.
        now: The clock, in simulated hours (``-inf`` before the first stop).
        records: Every record of the session in order, undos and notes included.
        on_record: Called with each new record (a log file appends it).
    """

    scenario: Scenario
    seed: int = 0
    stop_at: Sequence[str] = ("day",)
    on_record: Callable[[Record], None] | None = None

    def __post_init__(self) -> None:
        self.places = Places(self.scenario)
        self.clock = self.places.clock
        self.points = decision_points(self.scenario, self.clock)
        self.legs = Legs(self.scenario)
        self.now = -math.inf
        self.records: list[Record] = []
        self._cache: tuple[tuple[Record, ...], Result] | None = None

    # ----------------------------------------------------------- the record
    def in_force(self) -> list[Record]:
        """The decisions and changes taken and not undone, in order."""
        active: list[Record] = []
        for record in self.records:
            if record.kind in ("decision", "change"):
                active.append(record)
            elif record.kind == "undo" and active:
                active.pop()
        return active

    def _add(self, record: Record) -> None:
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(record)

    def decided(self, inject_id: str) -> bool:
        """True if the decision of this inject is taken and in force."""
        return any(r.decision == inject_id for r in self.in_force())

    def options(self, inject_id: str) -> Decision:
        """The decision an inject asks.

        Raises:
            ScenarioError: if no inject of that id asks one.
        """
        found = next((d for _, i, d in self.points if i == inject_id), None)
        if found is None:
            known = ", ".join(i for _, i, _ in self.points) or "none"
            raise _problem(f"no decision '{inject_id}' (decisions: {known})")
        return found

    def pending(self) -> list[tuple[str, Decision]]:
        """The decisions asked at the current time and not yet taken."""
        return [
            (i, d) for t, i, d in self.points if abs(t - self.now) < EPS_H and not self.decided(i)
        ]

    # ----------------------------------------------------------- the run
    def effective(self, records: Sequence[Record] | None = None) -> Scenario:
        """The scenario with the decisions in force (or ``records``), as injects from then."""
        extra: list[Any] = []
        for n, record in enumerate(self.in_force() if records is None else records):
            if record.kind == "decision":
                assert record.decision is not None
                decision = self.options(record.decision)
                option = next(o for o in decision.options if o.id == record.option)
                changes = list(option.changes)
            else:
                assert record.change is not None
                changes = [parse_change(record.change)]
            for k, change in enumerate(changes):
                extra += injects_for(change, record.time_h, self.clock, f"play.{n + 1}.{k + 1}")
        return self.scenario.model_copy(update={"injects": [*self.scenario.injects, *extra]})

    def result(self, records: Sequence[Record] | None = None) -> Result:
        """The run with the decisions in force (or ``records``); the last one is kept."""
        key = tuple(self.in_force() if records is None else records)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, run_replication(self.effective(key), self.seed))
        return self._cache[1]

    def end_h(self) -> float:
        """The last moment anything happens in the current run."""
        return max((e.time for e in self.result().events), default=0.0)

    def state(self, at: float | None = None) -> dict[str, Any]:
        """The picture at the current time (or ``at``): see :mod:`.picture`, plus the clock."""
        now = self.now if at is None else at
        now = max(now, 0.0)
        shown = picture(self.result(), now, self.legs)
        pending = [
            {"inject": i, "prompt": d.prompt, "default": d.default or d.options[0].id,
             "options": [{"id": o.id, "label": o.label} for o in d.options]}
            for i, d in (self.pending() if at is None else [])
        ]  # fmt: skip
        return {**shown, "pending": pending, "in_force": [r.as_dict() for r in self.in_force()]}

    # ----------------------------------------------------------- the clock
    def _signature(self, now: float) -> Any:
        """What a screen at ``now`` shows, but for the clock and the progress along legs."""
        shown = picture(self.result(), now, self.legs)
        loads = tuple(
            (ld["id"], ld["state"], ld["node"], ld["from"], ld["to"], ld["cause"])
            for ld in shown["loads"]
        )
        milestones = tuple((m["id"], m["state"]) for m in shown["milestones"])
        closure = tuple(tuple(c[k][0] for k in ("personnel", "vehicles", "tonnes"))
                        for c in shown["closure"])  # fmt: skip
        denied = tuple((d["country"], d["mode"], tuple(d["nations"])) for d in shown["denied"])
        tasks = tuple((t["id"], t["state"]) for t in shown["tasks"])
        return loads, milestones, closure, denied, tasks

    def stops(self, after: float | None = None) -> list[float]:
        """The stops after ``after`` (default: now): decision points and the chosen kinds.

        A daily stop at which the picture would be the same as at the stop
        before it (no load changed state or leg, no milestone or task changed
        state, nothing closed, no border opened or closed) is skipped, so the room never
        sees two identical screens in a row.
        """
        after = self.now if after is None else after
        result = self.result()
        end = self.end_h()
        times = {t for t, _, _ in self.points}
        if "inject" in self.stop_at:
            times.update(
                t
                for inj in self.scenario.injects
                if (t := inject_time(inj, self.clock)) is not None
            )
        if "milestone" in self.stop_at:
            times.update(r["simulated"] for r in milestone_rows(result) if r["simulated"])
        if "phase" in self.stop_at:
            for phase in phase_rows(result, []):
                times.update(t for t in (phase["start"], phase["end"]) if t is not None)
        times.add(end)
        fixed = sorted(t for t in times if after < t <= end)
        if "day" not in self.stop_at:
            return fixed
        first = 0.0 if after < 0 else 24.0 * (math.floor(after / 24) + 1)
        days = [first + 24.0 * k for k in range(max(0, math.ceil((end - first) / 24)))]
        kept: list[float] = []
        shown: Any = self._signature(after) if after >= 0 else None
        for when, is_day in sorted([(t, False) for t in fixed] + [(d, True) for d in days]):
            if kept and abs(when - kept[-1]) < EPS_H:
                continue
            signature = self._signature(when)
            if is_day and signature == shown:
                continue  # the same screen as the stop before: nothing to show
            kept.append(when)
            shown = signature
        return kept

    def _target(self, to: float | str | None) -> float:
        """The hour ``advance(to)`` aims at."""
        if to is None:
            stops = self.stops()
            return stops[0] if stops else self.now
        if isinstance(to, int | float):
            return float(to)
        for inj in self.scenario.injects:
            if inj.id == to and (t := inject_time(inj, self.clock)) is not None:
                return t
        for row in milestone_rows(self.result()):
            if row["id"] == to:
                if row["simulated"] is None:
                    raise _problem(f"milestone '{to}' is not reached as things stand")
                return float(row["simulated"])
        names = [i.id for i in self.scenario.injects] + [m.id for m in self.scenario.milestones]
        from simulator.wording import did_you_mean

        raise _problem(f"no inject or milestone '{to}'{did_you_mean(to, names)}")

    def advance(self, to: float | str | None = None) -> float:
        """Move the clock on: to the next stop, to an hour, or to an inject or milestone.

        The clock stops at the first decision on the way that is not yet
        taken, whatever the target; it never goes back.

        Returns:
            The new time, in simulated hours.

        Raises:
            ScenarioError: if a decision asked now is not taken, or the target is
                unknown.
        """
        waiting = self.pending()
        if waiting:
            raise _problem(f"decide '{waiting[0][0]}' first")
        target = self._target(to)
        undecided = [t for t, i, _ in self.points if t > self.now and not self.decided(i)]
        stop = min([target, *undecided]) if undecided else target
        self.now = max(self.now, stop)
        return self.now

    def finish(self) -> None:
        """Go on to the end, taking the default of every decision still to come."""
        while True:
            for inject_id, decision in self.pending():
                self.choose(inject_id, decision.default or decision.options[0].id, compare=False)
            if self.now >= self.end_h() and not self.pending():
                return
            self.advance(self.end_h())

    # ----------------------------------------------------------- decisions
    def choose(self, inject_id: str, option_id: str, compare: bool = True) -> dict[str, Any]:
        """Take an option of the decision asked now.

        Returns:
            What it changed (:func:`~simulator.facilitation.delta.delta`).

        Raises:
            ScenarioError: if the decision is not asked now, is taken, or has no such option.
        """
        decision = self.options(inject_id)
        when = next(t for t, i, _ in self.points if i == inject_id)
        if abs(when - self.now) >= EPS_H:
            raise _problem(f"'{inject_id}' is decided at {self.clock.iso(when)}, not now")
        if self.decided(inject_id):
            raise _problem(f"'{inject_id}' is already decided (undo it first)")
        if option_id not in {o.id for o in decision.options}:
            known = ", ".join(o.id for o in decision.options)
            raise _problem(f"no option '{option_id}' (options: {known})", inject_id)
        return self._take(Record("decision", when, decision=inject_id, option=option_id), compare)

    def change(self, text: str, compare: bool = True) -> dict[str, Any]:
        """Apply a typed change from now on (checked against the scenario).

        Returns:
            What it changed.
        """
        parse_change(text)
        record = Record("change", max(self.now, 0.0), change=normalised(text))
        return self._take(record, compare)

    def _take(self, record: Record, compare: bool = True) -> dict[str, Any]:
        before = self.in_force()
        after = [*before, record]
        try:
            findings = cross_check(self.effective(after))
        except (pydantic.ValidationError, OverflowError, ValueError) as error:
            first = str(error).splitlines()[0]
            raise _problem(f"cannot be applied ({first})") from None
        if findings:
            raise ScenarioError(
                Problem(COMMAND, None, ".".join(map(str, where)), message)
                for where, message in findings
            )
        old = self.result(before) if compare else None
        try:
            new = self.result(after)
        except RunBudgetExceeded as error:
            raise _problem(f"cannot be run: {error.message}") from None
        except (OverflowError, ValueError) as error:
            raise _problem(f"cannot be run ({error})") from None
        if max((e.time for e in new.events), default=0.0) > MAX_HOURS:
            raise _problem(f"the run would go on past the session's clock ({MAX_HOURS:.0f} h)")
        self._add(record)
        return {} if old is None else delta(old, new, self.now, self.places)

    def undo(self) -> dict[str, Any]:
        """Take back the last decision or change in force; the clock goes back to its time.

        Returns:
            What the undo changed.

        Raises:
            ScenarioError: if nothing is in force.
        """
        before = self.in_force()
        if not before:
            raise _problem("nothing to undo")
        last = before[-1]
        old = self.result(before)
        self._add(Record("undo", last.time_h))
        self.now = last.time_h
        return delta(old, self.result(), self.now, self.places)

    def note(self, text: str) -> None:
        """Keep a note of the facilitator's in the log, at the current time."""
        if not text.strip():
            raise _problem("an empty note")
        self._add(Record("note", max(self.now, 0.0), text=" ".join(text.split())))

    # ----------------------------------------------------------- replay
    def replay(self, records: Sequence[Record], where: str) -> None:
        """Take the records of a log again, checking each against the scenario.

        Args:
            records: The records after the header, in order.
            where: The log's path, for the problems.

        Raises:
            ScenarioError: one problem per record that cannot be replayed (line numbers
                count the header as line 1).
        """
        problems = []
        for number, record in enumerate(records, 2):
            try:
                self._replay_one(record)
            except ScenarioError as error:
                problems += [Problem(where, number, p.path, p.message) for p in error.problems]
        if problems:
            raise ScenarioError(problems)

    def _replay_one(self, record: Record) -> None:
        active = self.in_force()
        if record.kind != "note" and active and record.time_h < active[-1].time_h - EPS_H:
            raise _problem("before the last decision in force", "time_h")
        if record.kind == "undo":
            if not active or abs(active[-1].time_h - record.time_h) >= EPS_H:
                raise _problem("undoes nothing taken at that time", "time_h")
            self.records.append(record)
            self.now = record.time_h
            return
        if record.kind == "note":
            self.records.append(record)
            return
        self.now = max(self.now, record.time_h)
        if record.kind == "decision":
            assert record.decision is not None and record.option is not None
            self.options(record.decision)
            self.now = record.time_h
            self.choose(record.decision, record.option, compare=False)
        else:
            assert record.change is not None
            self.now = record.time_h
            self.change(record.change, compare=False)
