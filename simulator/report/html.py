"""The report of a saved run: one self-contained HTML page to read, project or print.

:func:`build_report` reads a run folder written by ``tabletop run`` and adds:

``report.html``        the page: scenario, key figures, the charts, the milestone,
                       bottleneck, asset, shortfall and airdrop tables, and a footer
                       saying how the run was made (command, seed, scenario SHA-256)
``charts/<name>.png``  the timeline, the closure curve and the route map as PNG
                       (120 dpi), for slides
``charts/<name>.svg``  every chart as SVG, for documents

The page is built of the blocks of :mod:`simulator.report.page`: self-contained,
never replacing another report, every scenario text escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.report.charts import (
    CHARTS,
    PNG_CHARTS,
    Run,
    asset_label,
    load_run,
    milestone_numbers,
)
from simulator.report.page import (
    CHART_DIR,
    REPORT_NAME,
    Chart,
    Html,
    cards,
    document,
    esc,
    figure,
    footer,
    header,
    hours,
    nation_name,
    none,
    observed_window,
    place_names,
    save_chart,
    section,
    table,
    when,
    write_page,
)
from simulator.report.render import last_in

__all__ = ["CHART_DIR", "REPORT_NAME", "build_report", "render_page"]


def build_report(run_dir: Path, run: Run | None = None) -> Path:
    """Write the HTML report of a saved run and its charts into the run folder.

    Args:
        run_dir: The run's folder (written by ``tabletop run``).
        run: The run if already loaded (else it is read from ``run_dir``).

    Returns:
        The path of the new page (``report.html``, or ``report-N.html`` when
        earlier reports exist).

    Raises:
        OSError: If a file cannot be read or written.
        ValueError: If a file of the run is not valid JSON.
    """
    run = run or load_run(run_dir)
    folder = run_dir / CHART_DIR
    folder.mkdir(exist_ok=True)
    charts = []
    for name, (title, draw) in CHARTS.items():
        fig = draw(run)
        if fig is not None:
            charts.append(save_chart(folder, name, title, fig, name in PNG_CHARTS))
    return write_page(run_dir, render_page(run, charts))


# --------------------------------------------------------------------------- page


def _unit_names(run: Run) -> dict[str, str]:
    return {u["id"]: u.get("name") or u["id"] for u in run.summary.get("units", [])}


def _head(run: Run) -> Html:
    head = run.summary["scenario"]
    facts = [
        f"scenario {head.get('name')}",
        f"seed {run.summary.get('seed')}",
        f"start {str(head.get('start', ''))[:16].replace('T', ' ')} UTC",
        f"D-day {str(head.get('d_day', ''))[:16].replace('T', ' ')} UTC",
    ]
    return header(run.title, facts, run.scenario.get("description"))


def _closed_of(row: dict[str, Any]) -> str:
    """What of a closure row has arrived: ``people 1,600 of 1,600 · vehicles ...``."""
    by = row.get("by") or {}
    parts = []
    for measure, total in (("people", row["personnel"]), ("vehicles", row.get("vehicles", 0)),
                           ("tonnes", row.get("tonnes", 0))):  # fmt: skip
        if not total:
            continue
        closed = (by.get("personnel" if measure == "people" else measure) or {}).get("closed")
        done = row["closed"] if closed is None else closed
        parts.append(f"{measure} {done:,.0f} of {total:,.0f}")
    return " \u00b7 ".join(parts)


def _key_figures(run: Run) -> Html:
    summary = run.summary
    head = summary["scenario"]
    closure = summary.get("closure", [])
    overall = next((c for c in closure if c["nation"] == "all"), None)
    milestones = summary.get("milestones", [])
    within = sum(1 for m in milestones if m.get("within_window"))
    units = summary.get("units", [])
    closed = sum(1 for u in units if u.get("status", "closed") == "closed")
    figures = [
        ("Last arrival", when(head, "end")),
        ("All loads closed", when(overall, "t100") if overall else esc(None)),
        ("Closed (people, vehicles, tonnes)", esc(_closed_of(overall) if overall else None)),
        ("Units closed", esc(f"{closed} of {len(units)}")),
        ("Milestones in their window", esc(f"{within} of {len(milestones)}")),
        ("Units late against their required date", esc(len(summary.get("shortfalls", [])))),
    ]
    per_nation = table(
        ["nation", "personnel", "vehicles", "tonnes", "50 % closed", "90 % closed",
         "all closed", "last in"],
        [
            [nation_name(run, c["nation"]), f"{c['personnel']:,}", f"{c.get('vehicles', 0):,}",
             f"{c.get('tonnes', 0):,.1f}", when(c, "t50"), when(c, "t90"), when(c, "t100"),
             esc(last_in(c))]
            for c in closure
        ],
        numeric=(1, 2, 3),
        classes=["total" if c["nation"] == "all" else "" for c in closure],
    )  # fmt: skip
    return section(
        "key-figures", "Key figures", cards(figures), "<h3>Closure per nation</h3>", per_nation,
    )  # fmt: skip


def _timeline(run: Run, charts: dict[str, Chart]) -> Html:
    critical = run.summary.get("critical_path", [])
    names = {t["id"]: t.get("name") or t["id"] for p in run.summary.get("phases", [])
             for t in p["tasks"]}  # fmt: skip
    path = " \u2192 ".join(names.get(task, task) for task in critical)
    if "timeline" not in charts:
        return section("timeline", "Timeline", none("Nothing moved and no task ran."))
    parts: list[str] = [
        figure(
            charts.get("timeline"),
            "Each unit's move from departure to arrival, coloured by nation, then the "
            "operations' tasks by phase. Bold outline: on the critical path. Shaded bands: "
            "the observed windows of the milestones, numbered as in the milestone table.",
        ),
        figure(
            charts.get("operations"),
            "The last operations phases, zoomed in: on the whole run's axis their tasks "
            "would be too short to see.",
        ),
    ]
    if path:
        parts.append(f"<p><strong>Critical path:</strong> {esc(path)}</p>")
    return section("timeline", "Timeline", *parts)


def _closure(charts: dict[str, Chart]) -> Html:
    if "closure" not in charts:
        return section("closure", "Closure curve", none("No load arrived."))
    return section(
        "closure",
        "Closure curve",
        figure(
            charts.get("closure"),
            "Share of each nation's personnel that has arrived, load by load. Dash-dotted "
            "lines: the deadlines of the closure milestones.",
        ),
    )


def _routes(charts: dict[str, Chart]) -> Html:
    if "routes" not in charts:
        return section("routes", "Route map", none("The scenario has no places."))
    return section(
        "routes",
        "Route map",
        figure(
            charts.get("routes"),
            "Places by longitude and latitude (not a projection for measuring), coloured by "
            "country, on the country borders of Natural Earth; legs used by the units, "
            "styled by mode and thicker the more units used them; the legs no unit used, "
            "faint. Squares: gauge breaks. Crosses: border crossings. Hatched: a country "
            "whose transit policy at the start turns some nation away.",
        ),
    )


def _units(run: Run) -> Html:
    """Per unit: ready, departure, each transfer, arrival, and its waits by cause."""
    places = place_names(run)
    rows, classes = [], []
    for u in run.summary.get("units", []):
        transfers = [
            Html(f"{esc(places.get(t['place'], t['place']))} {when(t, 'first')}")
            for t in u.get("transfers") or []
        ]
        waits = u.get("waits") or {}
        rows.append(
            [
                u.get("name") or u["id"], nation_name(run, u["nation"]), u.get("mode"),
                when(u, "ready"), when(u, "depart"),
                Html("<br>".join(transfers)) if transfers else esc(None),
                when(u, "arrive"),
                ", ".join(f"{cause} {float(h):.1f} h" for cause, h in sorted(waits.items()))
                or None,
                u.get("status", "closed"),
            ]
        )  # fmt: skip
        classes.append("" if u.get("status", "closed") == "closed" else "late")
    if not rows:
        return section("units", "Units", none("The scenario has no forces."))
    listing = table(
        ["unit", "nation", "mode", "ready", "departs", "transfers (first load)", "arrives",
         "waits (closing load)", "status"],
        rows,
        classes=classes,
    )  # fmt: skip
    return section("units", "Units: ready, departure, transfers, arrival, waits", listing)


def _tasks(run: Run) -> Html:
    """Per operations task: its phase, kind, start, end, duration, slack, critical or not."""
    rows, classes = [], []
    for phase in run.summary.get("phases", []):
        for t in phase.get("tasks", []):
            if str(t["id"]).startswith("deploy:"):
                continue
            rows.append(
                [
                    phase.get("name") or phase["id"], t.get("name") or t["id"], t.get("kind"),
                    when(t, "start"), when(t, "end"), hours(t.get("duration_h")),
                    hours(t.get("slack_h")), "yes" if t.get("critical") else "",
                ]
            )  # fmt: skip
            classes.append("total" if t.get("critical") else "")
    if not rows:
        return Html("")
    listing = table(
        ["phase", "task", "kind", "start", "end", "hours", "slack h", "critical"],
        rows,
        numeric=(5, 6),
        classes=classes,
    )
    return section("tasks", "Operations tasks", listing)


def _milestones(run: Run) -> Html:
    rows, classes = [], []
    numbers = milestone_numbers(run)
    for m in run.summary.get("milestones", []):
        observed = m.get("observed") or {}
        window = observed_window(observed)
        hit = bool(m.get("within_window"))
        name = m.get("name") or m["id"]
        rows.append(
            [
                numbers[m["id"]],
                Html(f"{esc(name)}<br><small>{esc(m['id'])}</small>") if m.get("name")
                else esc(name),
                window,
                when(m, "simulated"),
                hours(m.get("delta_h")),
                Html('<span class="hit">\u2713 yes</span>') if hit
                else Html('<span class="miss">\u2717 MISSED</span>'),
            ]
        )  # fmt: skip
        classes.append("" if hit else "miss")
    if not rows:
        return section("milestones", "Milestones", none("The scenario has no milestones."))
    listing = table(
        ["#", "milestone", "observed (UTC)", "simulated (UTC)", "delta h", "in window"],
        rows,
        numeric=(0, 4),
        classes=classes,
    )
    note = (
        "<p>Delta: hours outside the observed window (0 inside it). Rows in red missed "
        "their window.</p>"
    )
    return section("milestones", "Milestones: observed against simulated", listing, note)


def _bottlenecks(run: Run) -> Html:
    places, units = place_names(run), _unit_names(run)
    rows = [
        [places.get(b["place"], b["place"]), b["cause"], b["waits"], hours(b["load_h"]),
         hours(b["max_h"]), ", ".join(units.get(u, u) for u in b["units"])]
        for b in run.summary.get("bottlenecks", [])
    ]  # fmt: skip
    if not rows:
        return section("bottlenecks", "Bottlenecks", none("Nothing waited."))
    listing = table(
        ["place", "cause", "waits", "load-hours waited", "longest wait h", "units"],
        rows,
        numeric=(2, 3, 4),
    )
    return section("bottlenecks", "Bottlenecks: waits by place and cause", listing)


def _assets(run: Run, charts: dict[str, Chart]) -> Html:
    assets = run.summary.get("assets", [])
    if not assets:
        return section("assets", "Asset use", none("No fleets or limited places in this run."))
    chart = figure(
        charts.get("assets"),
        "Solid bars: utilisation, busy hours over capacity times the hours of the run. "
        "Outlined bars: the same over the asset's active window, from its first use to its "
        "last release. Diamonds: the most in use at once, against the capacity.",
    )
    listing = table(
        ["asset", "kind", "capacity", "trips / uses", "busy h", "utilisation",
         "active window", "utilisation in it", "peak"],
        [
            [asset_label(run, a), a["kind"], a["capacity"], a["uses"], hours(a["busy_h"]),
             f"{float(a['utilisation']):.1%}",
             Html(f"{when(a, 'active_from')} \u2013 {when(a, 'active_to')}")
             if a.get("active_from") else esc(None),
             f"{float(a.get('active_utilisation') or 0):.1%}", a["peak"]]
            for a in assets
        ],
        numeric=(2, 3, 4, 5, 7, 8),
    )  # fmt: skip
    return section("assets", "Asset use", chart, listing)


def _shortfalls(run: Run) -> Html:
    units = _unit_names(run)
    rows = [
        [units.get(s["id"], s["id"]), nation_name(run, s["nation"]), when(s, "required_by"),
         when(s, "arrive"), hours(s["late_h"]),
         f"{s['main_wait']} {float(s['main_wait_h']):.1f} h" if s.get("main_wait") else None]
        for s in run.summary.get("shortfalls", [])
    ]  # fmt: skip
    if not rows:
        return section("shortfalls", "Shortfalls", none("No unit closed after its required date."))
    listing = table(
        ["unit", "nation", "required by", "arrived", "late h", "main wait"],
        rows,
        numeric=(4,),
        classes=["late"] * len(rows),
    )
    return section("shortfalls", "Shortfalls: units late against their required date", listing)


def _airdrops(run: Run) -> Html:
    drops = run.summary.get("airdrops", [])
    if not drops:
        return Html("")
    names = {t["id"]: t.get("name") or t["id"] for p in run.summary.get("phases", [])
             for t in p["tasks"]}  # fmt: skip
    listing = table(
        ["airdrop", "aircraft", "sorties", "passes", "personnel", "vehicles", "first drop",
         "last drop", "assembled"],
        [
            [names.get(a["id"], a["id"]), a["aircraft"], a["sorties"], a["passes"],
             a["personnel"], a["vehicles"], when(a, "first_drop"), when(a, "last_drop"),
             when(a, "assembled")]
            for a in drops
        ],
        numeric=(1, 2, 3, 4, 5),
    )  # fmt: skip
    return section("airdrops", "Airdrops", listing)


_SECTIONS = (
    ("key-figures", "Key figures"),
    ("timeline", "Timeline"),
    ("units", "Units"),
    ("tasks", "Tasks"),
    ("closure", "Closure"),
    ("routes", "Routes"),
    ("milestones", "Milestones"),
    ("bottlenecks", "Bottlenecks"),
    ("assets", "Assets"),
    ("shortfalls", "Shortfalls"),
    ("airdrops", "Airdrops"),
)


def render_page(run: Run, charts: Sequence[Chart]) -> str:
    """The whole HTML page of a run.

    Args:
        run: The saved run.
        charts: The charts to embed (those missing leave their place empty).

    Returns:
        The page, one self-contained HTML document.
    """
    by_name = {c.name: c for c in charts}
    sections = [
        _key_figures(run),
        _timeline(run, by_name),
        _units(run),
        _tasks(run),
        _closure(by_name),
        _routes(by_name),
        _milestones(run),
        _bottlenecks(run),
        _assets(run, by_name),
        _shortfalls(run),
        _airdrops(run),
    ]
    return document(
        run.title,
        _head(run),
        sections,
        _SECTIONS,
        footer("run", run.manifest, run.folder, run.summary["scenario"].get("sha256")),
    )
