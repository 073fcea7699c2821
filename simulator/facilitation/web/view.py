"""What the web pages show, as plain data: the session's picture with names and times in words.

:func:`view` turns :meth:`Session.state` into what a page inserts as text:
every name looked up (:mod:`~simulator.facilitation.places`), every time in
UTC with the local time of the place, loads grouped into markers on the map
(in the units of :mod:`.mapdata`), milestones with their windows for the
timeline strip, closure shares per nation, and the last decision's delta in
the terminal's words (:func:`~simulator.facilitation.delta.describe`).  The
pages compute nothing of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.facilitation.delta import describe
from simulator.facilitation.places import Places
from simulator.facilitation.session import Session
from simulator.facilitation.web.mapdata import Projection
from simulator.facilitation.words import load_words, unit_words
from simulator.model.world import Result

AMOUNTS = ("personnel", "vehicles", "tonnes")

STATE_WORDS = {"done": "done", "on track": "on track", "at risk": "AT RISK", "missed": "MISSED"}


def legs_in_use(result: Result) -> list[str]:
    """Links on the planned routes of the run (the last plan of each unit counts), sorted."""
    planned: dict[str, list[str]] = {}
    for e in result.events:
        if e.kind == "plan" and isinstance(e.detail.get("legs"), list):
            planned[e.entity] = [str(leg) for leg in e.detail["legs"]]
    return sorted({leg for legs in planned.values() for leg in legs})


def important_places(result: Result) -> set[str]:
    """Origins, destinations and every place on a planned route."""
    out = {u.origin for u in result.scenario.forces} | {
        u.destination for u in result.scenario.forces
    }
    for e in result.events:
        if e.kind == "plan" and isinstance(e.detail.get("route"), list):
            out.update(str(n) for n in e.detail["route"])
    return out


def _markers(
    places: Places, loads: Sequence[dict[str, Any]], proj: Projection, nations: list[str]
) -> list[dict[str, Any]]:
    """Loads grouped per unit and position: one marker each, with the count and the words."""
    nodes = {n.id: n for n in places.scenario.nodes}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for ld in loads:
        if ld["from"] is not None:
            a, b = nodes[ld["from"]], nodes[ld["to"]]
            share = ld["progress"]
            x1, y1 = proj.point(a.lon, a.lat)
            x2, y2 = proj.point(b.lon, b.lat)
            x, y = x1 + share * (x2 - x1), y1 + share * (y2 - y1)
        else:
            node = nodes.get(ld["node"])
            if node is None:
                continue
            x, y = proj.point(node.lon, node.lat)
        words = load_words(places, ld, progress=True)
        key = (ld["unit"], round(x), round(y), ld["state"])
        if key not in groups:
            groups[key] = {
                "unit": places.unit(ld["unit"]),
                "nation": places.country(ld["nation"]),
                "colour": nations.index(ld["nation"]),
                "state": ld["state"],
                "x": round(x, 1),
                "y": round(y, 1),
                "count": 0,
                "words": words,
            }
        groups[key]["count"] += 1
    return list(groups.values())


def _milestones(session: Session, state: dict[str, Any]) -> list[dict[str, Any]]:
    places = session.places
    by_id = {m.id: m for m in session.scenario.milestones}
    out = []
    for m in state["milestones"]:
        spec = by_id[m["id"]]
        where = places.milestone_place(spec)
        verdict = STATE_WORDS[m["state"]]
        if m["simulated"] is None:
            verdict += ": not reached"
        elif m["delta_h"]:
            verdict += f", {m['delta_h']:+.1f} h from the window"
        window = " to ".join(
            places.utc(m["observed"][k]) for k in ("earliest", "latest")
            if m["observed"][k] is not None
        )  # fmt: skip
        out.append({
            "id": m["id"], "name": spec.name or m["id"], "state": m["state"], "verdict": verdict,
            "when": places.when(m["simulated"], where) if m["simulated"] is not None
            else "not reached", "window": window or "-",
            "simulated_h": m["simulated"], "earliest_h": m["observed"]["earliest"],
            "latest_h": m["observed"]["latest"],
        })  # fmt: skip
    return out


def _clock(places: Places, now: float) -> dict[str, Any]:
    """The time now: UTC, D-day, and the local times of the scenario's countries."""
    zones: dict[str, list[str]] = {}
    for country in places.scenario.countries:
        # A place on the country's own clock (a node may keep another one).
        node = next((n.id for n in places.scenario.nodes if n.country == country.id
                     and places.offset_h(n.id) == country.utc_offset_h), None)  # fmt: skip
        if country.utc_offset_h is None or node is None:
            continue
        local = places.local(now, node)
        local = local.replace(" local,", "") if local else None
        if local:
            zones.setdefault(local, []).append(places.country(country.id))
    local_times = [f"{', '.join(names)}: {when}" for when, names in zones.items()]
    return {"utc": places.utc(now), "d": places.clock.d_label(now), "local": local_times}


def _timeline(session: Session, milestones: list[dict[str, Any]], now: float) -> dict[str, Any]:
    """The span of the strip (whole days around the run and the record) and its day ticks."""
    times = [now, 0.0, session.end_h()]
    for m in milestones:
        times += [t for t in (m["simulated_h"], m["earliest_h"], m["latest_h"]) if t is not None]
    lo, hi = 24 * (min(times) // 24), 24 * (max(times) // 24 + 1)
    days = int((hi - lo) // 24)
    step = max(1, round(days / 12))
    ticks = [
        {"h": lo + 24 * k, "label": session.clock.instant(lo + 24 * k).strftime("%d %b")}
        for k in range(0, days + 1, step)
    ]
    return {"start_h": lo, "end_h": hi, "now_h": now, "ticks": ticks}


def _records(session: Session) -> list[dict[str, str]]:
    """The decisions and changes in force, and the notes, in words."""
    places = session.places
    out = []
    undone = {id(r) for r in session.records} - {id(r) for r in session.in_force()}
    for record in session.records:
        if record.kind == "undo" or (record.kind != "note" and id(record) in undone):
            continue
        if record.kind == "decision" and record.decision is not None:
            decision = session.options(record.decision)
            label = next(o.label for o in decision.options if o.id == record.option)
            text = f"decided: {label}"
        elif record.kind == "change":
            text = f"change: {record.change}"
        else:
            text = f"note: {record.text}"
        out.append({"time": places.utc(record.time_h), "text": text})
    return out


def view(
    session: Session, proj: Projection, change: dict[str, Any] | None, said: str | None
) -> dict[str, Any]:
    """Everything a page shows now (see the module docstring).

    Args:
        session: The session.
        proj: The map's projection.
        change: The delta of the last decision, change or undo, if any.
        said: What was done (``taken: ...``), shown above the delta.
    """
    places = session.places
    state = session.state()
    now = state["time_h"]
    nations = list(dict.fromkeys(u.nation for u in session.scenario.forces))
    milestones = _milestones(session, state)
    tasks = {t.id: t.name or t.id for p in session.scenario.operations.phases for t in p.tasks}
    ahead = sorted((t for t in state["tasks"] if t["state"] == "ahead"), key=lambda t: t["start"])
    pending = [
        {"inject": p["inject"], "prompt": p["prompt"],
         "options": [{**o, "default": o["id"] == p["default"]} for o in p["options"]]}
        for p in state["pending"]
    ]  # fmt: skip
    return {
        "title": session.scenario.title or session.scenario.name,
        "clock": _clock(places, now),
        "now_h": now,
        "at_end": now >= session.end_h() and not pending,
        "pending": pending,
        "units": [
            {**u, "states": sorted({ld["state"] for ld in state["loads"] if ld["unit"] == u["id"]})}
            for u in unit_words(places, state["loads"])
        ],
        "markers": _markers(places, state["loads"], proj, nations),
        "nations": [places.country(n) for n in nations],
        "legs": legs_in_use(session.result()),
        "denied_countries": sorted({d["country"] for d in state["denied"]}),
        "denied": [
            f"{places.country(d['country'])} ({d['mode']}): to "
            + ", ".join(places.country(n) for n in d["nations"])
            for d in state["denied"]
        ],
        "milestones": milestones,
        "timeline": _timeline(session, milestones, now),
        "closure": [
            {
                "nation": "All forces" if c["nation"] == "all" else places.country(c["nation"]),
                **{
                    k: {"done": c[k][0], "total": c[k][1]}
                    for k in ("personnel", "vehicles", "tonnes")
                },
            }
            for c in state["closure"]
        ],
        "tasks": {
            "under_way": [tasks[t["id"]] for t in state["tasks"] if t["state"] == "under way"],
            "next": [f"{tasks[t['id']]}: {places.utc(t['start'])}" for t in ahead[:3]],
        },
        "delta": None
        if change is None
        else {"said": said or "", "lines": [line.strip() for line in describe(change, places)]},
        "records": _records(session),
        "can_undo": bool(session.in_force()),
    }


def targets(session: Session) -> list[dict[str, str]]:
    """What ``advance`` may aim at by name: injects with a time, then milestones."""
    from simulator.facilitation.session import inject_time

    places = session.places
    out = []
    for inj in session.scenario.injects:
        when = inject_time(inj, session.clock)
        if when is not None:
            out.append({"id": inj.id, "label": f"inject {inj.id} ({places.utc(when)})"})
    for m in session.scenario.milestones:
        out.append({"id": m.id, "label": f"milestone: {m.name or m.id}"})
    return out
