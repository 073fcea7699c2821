"""The debrief as a page to keep and print: one HTML file with nothing outside it.

It holds what :func:`~simulator.facilitation.debrief.debrief` gathers:

* the decisions, changes and notes with their times (undone ones struck out);
* the final timeline against the run with no decision: a chart of every
  milestone (the record's window, the run with no decision, the session) and
  the tables of milestones and closure;
* the milestones against the historical record.

Every piece of scenario or session text is escaped; the page has no script,
and its style is inline, with a print layout for A4 and Letter.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from simulator.facilitation.places import Places
from simulator.facilitation.session import Session

STYLE = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111;
       margin: 2rem auto; max-width: 62rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #333; padding-bottom: .2rem; margin-top: 2rem; }
p.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ccc;
         vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr.undone td { color: #777; text-decoration: line-through; }
.early { color: #0a5d1a; font-weight: bold; }
.late { color: #9b1c1c; font-weight: bold; }
svg { width: 100%; height: auto; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 13px; fill: #111; }
.legend span { display: inline-block; margin-right: 1.2rem; }
@page { size: auto; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  tr, svg { break-inside: avoid; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] = ()) -> str:
    """A table of already escaped cells; ``classes`` gives each row's class."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for n, row in enumerate(rows):
        cls = classes[n] if n < len(classes) and classes[n] else ""
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        out += [f"<td>{cell}</td>" for cell in row]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _shift(hours: float | None) -> str:
    """A change in hours, coloured: earlier is green, later is red."""
    if hours is None:
        return "-"
    if abs(hours) < 1e-9:
        return "0.0 h"
    days = f" ({hours / 24:+.1f} d)" if abs(hours) >= 48 else ""
    cls = "early" if hours < 0 else "late"
    return f'<span class="{cls}">{hours:+,.1f} h{_e(days)}</span>'


def _iso(text: str | None) -> str:
    """``2030-01-02T07:06Z`` as ``2030-01-02 07:06 UTC``."""
    return "-" if not text else text.replace("T", " ").replace("Z", " UTC")


def _record_rows(data: dict[str, Any], places: Places) -> tuple[list[list[str]], list[str]]:
    rows, classes = [], []
    for r in data["records"]:
        if r["kind"] == "decision":
            what = f"{_e(r['prompt'])}<br><b>{_e(r['label'])}</b>"
        elif r["kind"] == "change":
            what = f"change: <b>{_e(r['change'])}</b>"
        elif r["kind"] == "note":
            what = f"note: {_e(r['text'])}"
        else:
            what = "undo of the last decision or change"
        when = f"{_e(r['utc'])}<br>{_e(places.clock.d_label(r['time_h']))}"
        rows.append([when, _e(r["kind"]), what + (" (undone)" if r["undone"] else "")])
        classes.append("undone" if r["undone"] else "")
    return rows, classes


def timeline_svg(data: dict[str, Any], places: Places) -> str:
    """The milestones of the session against the run with no decision and the record."""
    final = data["milestones"]
    before = {m["id"]: m for m in data["baseline_milestones"]}
    times = [
        t
        for m in final
        for t in (m["simulated"], before[m["id"]]["simulated"], *m["observed"].values())
        if t is not None
    ]
    if not times:
        return ""
    lo, hi = 24.0 * (min(times) // 24), 24.0 * (max(times) // 24 + 1)
    left, width, row_h, top = 330.0, 560.0, 30.0, 30.0
    height = top + row_h * len(final) + 20

    def x(t: float) -> float:
        return float(left + width * (t - lo) / (hi - lo))

    label = "milestones: the record, the run with no decision, the session"
    out = [f'<svg viewBox="0 0 900 {height:.0f}" role="img" aria-label="{label}">']
    days = int((hi - lo) // 24)
    step = max(1, days // 8)
    for k in range(0, days + 1, step):
        t = lo + 24 * k
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 8}" x2="{x(t):.1f}" y2="{height - 20}" '
                   'stroke="#ddd"/>')  # fmt: skip
        out.append(f'<text x="{x(t):.1f}" y="{top - 12}" text-anchor="middle">'
                   f"{_e(places.clock.instant(t).strftime('%d %b'))}</text>")  # fmt: skip
    for n, m in enumerate(final):
        y = top + row_h * n + row_h / 2
        name = m["name"] if len(m["name"]) <= 44 else m["name"][:43] + "\u2026"
        out.append(f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end">{_e(name)}</text>')
        early, late = m["observed"]["earliest"], m["observed"]["latest"]
        if early is not None or late is not None:
            a, b = x(early if early is not None else lo), x(late if late is not None else hi)
            out.append(f'<rect x="{a:.1f}" y="{y - 8:.1f}" width="{max(b - a, 3):.1f}" '
                       'height="16" fill="#c9d7e8"/>')  # fmt: skip
        base = before[m["id"]]["simulated"]
        if base is not None:
            out.append(f'<circle cx="{x(base):.1f}" cy="{y:.1f}" r="6" fill="none" '
                       'stroke="#111" stroke-width="2"/>')  # fmt: skip
        if m["simulated"] is not None:
            colour = "#0a5d1a" if m["within_window"] else "#b45309"
            out.append(f'<path d="M{x(m["simulated"]):.1f} {y - 8:.1f} l7 8 l-7 8 l-7 -8 z" '
                       f'fill="{colour}"/>')  # fmt: skip
    out.append("</svg>")
    legend = (
        '<p class="legend"><span>&#9645; blue band: the record\'s window</span>'
        "<span>&#9675; the run with no decision</span>"
        '<span><b style="color:#0a5d1a">&#9670;</b> the session, in the window</span>'
        '<span><b style="color:#b45309">&#9670;</b> the session, outside it</span></p>'
    )
    return "".join(out) + legend


def debrief_page(data: dict[str, Any], session: Session, created: dt.datetime) -> str:
    """The debrief page (HTML) of a session's :func:`~.debrief.debrief` data."""
    places = session.places
    scenario = session.scenario
    title = scenario.title or scenario.name
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Debrief: {_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Debrief: {_e(title)}</h1>",
        f'<p class="meta">Seed {data["seed"]}; session saved '
        f"{_e(created.strftime('%Y-%m-%d %H:%M UTC'))}.</p>",
        "<h2>Decisions and notes</h2>",
    ]
    rows, classes = _record_rows(data, places)
    parts.append(_table(["time", "kind", "what"], rows, classes) if rows else "<p>None.</p>")
    parts.append("<h2>The final timeline against the run with no decision</h2>")
    parts.append(timeline_svg(data, places))
    ms = [
        [_e(m["name"] or m["id"]), _e(_iso(m["a"])), _e(_iso(m["b"])), _shift(m["delta_h"])]
        for m in data["against_baseline"]["milestones"]
    ]
    parts.append(_table(["milestone", "no decision", "session", "change"], ms))
    parts.append("<h3>Closure (100% of the force arrived)</h3>")
    cl = [
        [_e("All forces" if c["nation"] == "all" else places.country(c["nation"])),
         _e(_iso(c["t100_a"])), _e(_iso(c["t100_b"])), _shift(c["t100_delta_h"])]
        for c in data["against_baseline"]["closure"]
    ]  # fmt: skip
    parts.append(_table(["nation", "no decision", "session", "change"], cl))
    parts.append("<h2>Milestones against the record</h2>")
    by_id = {m.id: m for m in scenario.milestones}
    record = []
    for m in data["milestones"]:
        where = places.milestone_place(by_id[m["id"]])
        observed = m["observed"]
        window = " to ".join(
            places.utc(observed[k]) for k in ("earliest", "latest") if observed[k] is not None
        )
        if m["simulated"] is None:
            verdict = '<span class="late">not reached</span>'
        elif m["within_window"]:
            verdict = '<span class="early">in the window</span>'
        else:
            verdict = f'<span class="late">{m["delta_h"]:+,.1f} h outside</span>'
        source = f"<br><small>{_e(m['source'])}</small>" if m.get("source") else ""
        record.append([_e(m["name"]) + source, _e(places.when(m["simulated"], where)),
                       _e(window or "-"), verdict])  # fmt: skip
    parts.append(_table(["milestone", "session", "record", "verdict"], record))
    parts.append("</body></html>\n")
    return "\n".join(parts)
