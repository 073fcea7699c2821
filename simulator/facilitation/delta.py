"""What a decision changed: the run before it against the run after it.

One function, :func:`delta`, serves every front end: the terminal prints it
with :func:`describe`, and a web page can show its plain data. It lists

* ``milestones`` that moved: the simulated instant before and after, by how
  many hours (``None`` where one side never reaches it), and the state at the
  current time before and after;
* ``closure`` per nation (then ``all``) where the time to 50, 90 or 100% of
  the force changed;
* ``routes``: units whose route changed (the nodes before and after);
* ``waits``: waits, by place and cause, that are new or longer (load-hours).

A decision taken at hour t changes nothing before t, so the lists are empty
for a change with no effect.
"""

from __future__ import annotations

from typing import Any

from simulator.analysis.tables import (
    Index,
    bottleneck_rows,
    closure_rows,
    milestone_rows,
    unit_rows,
)
from simulator.facilitation.picture import milestone_state
from simulator.facilitation.places import Places
from simulator.model.world import Result

EPS_H = 1e-6

MAX_WAITS = 5
"""New or longer waits printed after a decision (the largest first); the rest are counted."""


def _moved(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _differs(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(after - before) > EPS_H


def delta(old: Result, new: Result, now: float, places: Places) -> dict[str, Any]:
    """What changed from run ``old`` to run ``new``, seen at hour ``now``."""
    old_index, new_index = Index.of(old), Index.of(new)
    milestones = []
    for a, b in zip(milestone_rows(old, old_index), milestone_rows(new, new_index), strict=True):
        state_a, state_b = milestone_state(a, now), milestone_state(b, now)
        if _differs(a["simulated"], b["simulated"]) or state_a != state_b:
            milestones.append(
                {"id": a["id"], "before": a["simulated"], "after": b["simulated"],
                 "moved_h": _moved(a["simulated"], b["simulated"]),
                 "state_before": state_a, "state_after": state_b}
            )  # fmt: skip
    closure = []
    for a, b in zip(closure_rows(old, old_index), closure_rows(new, new_index), strict=True):
        shares = {
            key: {"before": a[key], "after": b[key], "moved_h": _moved(a[key], b[key])}
            for key in ("t50", "t90", "t100")
            if _differs(a[key], b[key])
        }
        if shares:
            closure.append({"nation": a["nation"], **shares})
    routes = []
    units_a, units_b = unit_rows(old, old_index), unit_rows(new, new_index)
    for a, b in zip(units_a, units_b, strict=True):
        if a["route"] != b["route"]:
            routes.append({"unit": a["id"], "before": a["route"], "after": b["route"]})
    old_waits = {(r["place"], r["cause"]): r["load_h"] for r in bottleneck_rows(old, old_index)}
    waits = []
    for row in bottleneck_rows(new, new_index):
        was = old_waits.get((row["place"], row["cause"]), 0.0)
        if row["load_h"] > was + EPS_H:
            waits.append({"place": row["place"], "cause": row["cause"], "before_load_h": was,
                          "after_load_h": row["load_h"], "units": row["units"]})  # fmt: skip
    return {"time_h": now, "milestones": milestones, "closure": closure, "routes": routes,
            "waits": waits}  # fmt: skip


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    sign = "+" if value > 0 else ""
    text = f"{sign}{value:,.1f} h"
    return f"{text} = {value / 24:+.1f} d" if abs(value) >= 48 else text


def describe(change: dict[str, Any], places: Places) -> list[str]:
    """The lines the terminal prints for a :func:`delta`."""
    scenario = places.scenario
    names = {m.id: m.name or m.id for m in scenario.milestones}
    by_id = {m.id: m for m in scenario.milestones}
    lines = []
    for m in change["milestones"]:
        where = places.milestone_place(by_id[m["id"]])
        after = places.when(m["after"], where) if m["after"] is not None else "not reached"
        moved = "" if m["moved_h"] is None else f" ({_hours(m['moved_h'])})"
        state = m["state_after"]
        if m["state_before"] != state:
            state = f"{m['state_before']} -> {state}"
        lines.append(f"  milestone {names[m['id']]}: {after}{moved}, {state}")
    for c in change["closure"]:
        nation = "all forces" if c["nation"] == "all" else places.country(c["nation"])
        parts = []
        for key in ("t50", "t90", "t100"):
            if key in c:
                moved = c[key]["moved_h"]
                shift = _hours(moved) if moved is not None else "now " + places.utc(c[key]["after"])
                parts.append(f"{key[1:]}% {shift}")
        lines.append(f"  closure {nation}: {', '.join(parts)}")
    for r in change["routes"]:
        via = " - ".join(places.node(n) for n in r["after"]) or "none"
        lines.append(f"  route of {places.unit(r['unit'])}: now {via}")
    shown = change["waits"][:MAX_WAITS]
    for w in shown:
        lines.append(
            f"  waits at {places.node(w['place'])} ({w['cause']}): "
            f"{w['before_load_h']:,.1f} -> {w['after_load_h']:,.1f} load-hours"
        )
    if len(change["waits"]) > len(shown):
        lines.append(f"  and {len(change['waits']) - len(shown)} more places with longer waits")
    return lines or ["  nothing else changes"]
