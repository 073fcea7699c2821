"""The after-action review of a session: what was decided, and what it did.

:func:`debrief` gathers, as plain data:

* ``records``: every decision, change, undo and note, with its time (an
  undone decision is marked so);
* ``against_baseline``: the final run against the run with no decision
  (:func:`simulator.analysis.compare.compare_summaries`, B - A, A being the run
  with no decision);
* ``milestones``: the final run's milestones against the historical record.

:func:`render_debrief` writes it as Markdown (readable as plain text too).
"""

from __future__ import annotations

from typing import Any

from simulator.analysis.compare import compare_summaries
from simulator.analysis.summary import summarize
from simulator.analysis.tables import milestone_rows
from simulator.facilitation.session import Session
from simulator.model.run import run_replication


def debrief(session: Session) -> dict[str, Any]:
    """The debrief of a session as plain data (see the module docstring)."""
    places = session.places
    undone: set[int] = set()
    active: list[int] = []
    for n, record in enumerate(session.records):
        if record.kind in ("decision", "change"):
            active.append(n)
        elif record.kind == "undo" and active:
            undone.add(active.pop())
    records = []
    for n, record in enumerate(session.records):
        row: dict[str, Any] = {**record.as_dict(), "utc": places.utc(record.time_h),
                               "undone": n in undone}  # fmt: skip
        if record.kind == "decision" and record.decision is not None:
            decision = session.options(record.decision)
            row["prompt"] = decision.prompt
            row["label"] = next(o.label for o in decision.options if o.id == record.option)
        records.append(row)
    final = session.result()
    baseline = run_replication(session.scenario, session.seed)
    against = compare_summaries(summarize(baseline), summarize(final))
    milestones = [{**row, "name": row["name"] or row["id"]} for row in milestone_rows(final)]
    return {"seed": session.seed, "records": records, "against_baseline": against,
            "milestones": milestones}  # fmt: skip


def _change(hours: float | None) -> str:
    if hours is None:
        return "-"
    return "0.0 h" if hours == 0 else f"{hours:+.1f} h"


def render_debrief(data: dict[str, Any], session: Session) -> str:
    """The debrief as Markdown."""
    from tabulate import tabulate

    places = session.places
    title = session.scenario.title or session.scenario.name
    out = [f"# Debrief: {title}", "", f"Seed {data['seed']}.", "", "## Decisions and notes", ""]
    rows = []
    for r in data["records"]:
        if r["kind"] == "decision":
            what = f"{r['prompt']} -> {r['label']}"
        elif r["kind"] == "change":
            what = f"change: {r['change']}"
        elif r["kind"] == "note":
            what = f"note: {r['text']}"
        else:
            what = "undo of the last decision"
        rows.append([r["utc"], r["kind"], what + (" (undone)" if r["undone"] else "")])
    out.append(tabulate(rows, ["time", "kind", "what"], tablefmt="github") if rows else "(none)")
    out += ["", "## The final run against the run with no decision", ""]
    ms = [
        [m["name"] or m["id"], m["a"] or "-", m["b"] or "-",
         _change(m["delta_h"])]
        for m in data["against_baseline"]["milestones"]
    ]  # fmt: skip
    out.append(tabulate(ms, ["milestone", "no decision", "session", "change"], tablefmt="github"))
    out.append("")
    cl = [
        [places.country(c["nation"]) if c["nation"] != "all" else "all", c["t100_a"] or "-",
         c["t100_b"] or "-", _change(c["t100_delta_h"])]
        for c in data["against_baseline"]["closure"]
    ]  # fmt: skip
    out.append(tabulate(cl, ["closed (100%)", "no decision", "session", "change"],
                        tablefmt="github"))  # fmt: skip
    out += ["", "## Milestones against the record", ""]
    by_id = {m.id: m for m in session.scenario.milestones}
    record_rows = []
    for m in data["milestones"]:
        where = places.milestone_place(by_id[m["id"]])
        observed = m["observed"]
        window = " to ".join(places.utc(observed[k]) for k in ("earliest", "latest")
                             if observed[k] is not None)  # fmt: skip
        verdict = (
            "not reached"
            if m["simulated"] is None
            else ("in window" if m["within_window"] else f"{m['delta_h']:+.1f} h outside")
        )
        record_rows.append([m["name"], places.when(m["simulated"], where), window, verdict])
    out.append(tabulate(record_rows, ["milestone", "session", "record", "verdict"],
                        tablefmt="github"))  # fmt: skip
    return "\n".join(out) + "\n"
