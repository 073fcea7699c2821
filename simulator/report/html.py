"""The report of a saved run: one self-contained HTML page to read, project or print.

:func:`build_report` reads a run folder written by ``tabletop run`` and adds:

``report.html``        the page: scenario, key figures, the charts, the milestone,
                       bottleneck, asset, shortfall and airdrop tables, and a footer
                       saying how the run was made (command, seed, scenario SHA-256)
``charts/<name>.png``  the timeline, the closure curve and the route map as PNG
                       (120 dpi), for slides
``charts/<name>.svg``  every chart as SVG, for documents

The page depends on nothing outside itself: the charts are embedded as SVG
data URIs (vector graphics: sharp on a projector and on paper, and each image
is its own document, so the ids inside one SVG cannot clash with another's),
the style sheet is inline, there is no script and no web font.  It can be
mailed, copied to a laptop without network or opened years later.

A report never replaces another file: if ``report.html`` exists the page is
``report-2.html``, then ``report-3.html``, ...  The name is taken with an
exclusive create before the content is written atomically, so two reports
built at once cannot pick the same name.  The chart files are rewritten on
each build; for one run they are the same bytes every time.

Everything that comes from the scenario (titles, names, ids, descriptions) is
user input and is escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import contextlib
import html
import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.report.charts import (
    CHARTS,
    PNG_CHARTS,
    Run,
    asset_label,
    country_names,
    load_run,
    milestone_numbers,
    png_bytes,
    svg_bytes,
)
from simulator.report.files import write_atomic
from simulator.report.render import last_in

__all__ = ["CHART_DIR", "REPORT_NAME", "build_report", "render_page"]

REPORT_NAME = "report.html"
CHART_DIR = "charts"
_MAX_REPORTS = 10_000
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_CSS_PX_PER_INCH = 96


class Html(str):
    """Text that is already HTML: inserted as is, where any other text is escaped."""

    __slots__ = ()


def esc(value: Any) -> Html:
    """``value`` as HTML text: escaped, unless it is :class:`Html` already; None is a dash."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("\u2013")
    return Html(html.escape(str(value), quote=True))


@dataclass(frozen=True)
class Chart:
    """A chart ready for the page.

    Attributes:
        name: File name stem under ``charts/`` and the figure's id.
        title: Caption title.
        svg: The SVG document.
        width: Natural width in CSS pixels.
        height: Natural height in CSS pixels.
    """

    name: str
    title: str
    svg: bytes
    width: int
    height: int

    def tag(self) -> Html:
        """An ``<img>`` with the SVG as a data URI and its natural size."""
        data = base64.b64encode(self.svg).decode("ascii")
        return Html(
            f'<img src="data:image/svg+xml;base64,{data}" width="{self.width}" '
            f'height="{self.height}" alt="{esc(self.title)}" class="chart">'
        )


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
        figure = draw(run)
        if figure is None:
            continue
        # The PNG first: it reuses the pixels of the drawing that laid the chart out.
        if name in PNG_CHARTS:
            write_atomic(folder / f"{name}.png", png_bytes(figure))
        svg = svg_bytes(figure)
        write_atomic(folder / f"{name}.svg", svg)
        width, height = figure.get_size_inches()
        charts.append(
            Chart(
                name,
                title,
                svg,
                round(width * _CSS_PX_PER_INCH),
                round(height * _CSS_PX_PER_INCH),
            )
        )
    page = render_page(run, charts)
    target = _reserve(run_dir)
    try:
        write_atomic(target, page)
    except BaseException:
        # Give the name back: an empty placeholder is not a report.
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    return target


def _reserve(folder: Path) -> Path:
    """Create an empty ``report.html`` (else ``report-2.html``, ...) and return it.

    The exclusive create makes the name ours even if another report is being
    written at the same moment; the content then replaces the empty file.
    """
    stem, suffix = REPORT_NAME.rsplit(".", 1)
    for attempt in range(1, _MAX_REPORTS + 1):
        path = folder / (REPORT_NAME if attempt == 1 else f"{stem}-{attempt}.{suffix}")
        try:
            fd = os.open(path, _CREATE_FLAGS, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(f"no free report name in {folder}")


# --------------------------------------------------------------------------- page


def _when(row: dict[str, Any], key: str) -> Html:
    """An instant as ``2030-01-05 18:21 (D-3.24)``; a dash when missing."""
    iso = row.get(key)
    if not iso:
        return esc(None)
    text = str(iso)[:16].replace("T", " ")
    days = row.get(f"{key}_d")
    # Kept on one line: a date broken at its hyphen is hard to read.
    return (
        Html(f'<span class="when">{esc(text)}</span>')
        if days is None
        else Html(
            f'<span class="when">{esc(text)}</span> <span class="when">(D{float(days):+.2f})</span>'
        )
    )


def _hours(value: Any, digits: int = 1) -> Html:
    if value is None:
        return esc(None)
    return esc(f"{float(value):,.{digits}f}")


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Iterable[int] = (),
    classes: Sequence[str] | None = None,
) -> Html:
    """A table; cells are escaped unless they are :class:`Html`.

    Args:
        headers: Column titles.
        rows: Cell values, one sequence per row.
        numeric: Indices of right-aligned (number) columns.
        classes: A CSS class per row (empty for none).
    """
    right = set(numeric)
    head = "".join(
        f'<th scope="col"{" class=num" if i in right else ""}>{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for index, row in enumerate(rows):
        css = classes[index] if classes and classes[index] else ""
        cells = "".join(
            f"<td{' class=num' if i in right else ''}>{esc(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f'<tr class="{css}">{cells}</tr>' if css else f"<tr>{cells}</tr>")
    return Html(
        f'<div class="table"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _section(key: str, title: str, *parts: str) -> Html:
    return Html(
        f'<section id="{key}">\n<h2>{esc(title)}</h2>\n' + "\n".join(parts) + "\n</section>"
    )


def _figure(chart: Chart | None, caption: str) -> Html:
    if chart is None:
        return Html("")
    return Html(
        f'<figure id="fig-{chart.name}">{chart.tag()}'
        f"<figcaption>{esc(caption)} Also saved as {CHART_DIR}/{chart.name}.svg"
        f"{' and .png' if chart.name in PNG_CHARTS else ''}.</figcaption></figure>"
    )


def _none(text: str) -> Html:
    return Html(f'<p class="none">{esc(text)}</p>')


def _nation(run: Run, nation: str) -> str:
    if nation == "all":
        return "all nations"
    name = country_names(run).get(nation, nation)
    return nation if name == nation else f"{name} ({nation})"


def _unit_names(run: Run) -> dict[str, str]:
    return {u["id"]: u.get("name") or u["id"] for u in run.summary.get("units", [])}


def _place_names(run: Run) -> dict[str, str]:
    return {n["id"]: n.get("name") or n["id"] for n in run.scenario.get("nodes", [])}


def _head(run: Run) -> Html:
    head = run.summary["scenario"]
    scenario = run.scenario
    description = scenario.get("description")
    facts = [
        f"scenario {head.get('name')}",
        f"seed {run.summary.get('seed')}",
        f"start {str(head.get('start', ''))[:16].replace('T', ' ')} UTC",
        f"D-day {str(head.get('d_day', ''))[:16].replace('T', ' ')} UTC",
    ]
    dot = " \u00b7 "
    parts = [f"<h1>{esc(run.title)}</h1>", f'<p class="sub">{esc(dot.join(facts))}</p>']
    if description:
        parts.append(f'<p class="description">{esc(description)}</p>')
    return Html('<header id="scenario">' + "".join(parts) + "</header>")


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
    cards = [
        ("Last arrival", _when(head, "end")),
        ("All loads closed", _when(overall, "t100") if overall else esc(None)),
        ("Closed (people, vehicles, tonnes)", esc(_closed_of(overall) if overall else None)),
        ("Units closed", esc(f"{closed} of {len(units)}")),
        ("Milestones in their window", esc(f"{within} of {len(milestones)}")),
        ("Units late against their required date", esc(len(summary.get("shortfalls", [])))),
    ]
    grid = "".join(
        f'<div class="card"><div class="label">{esc(label)}</div>'
        f'<div class="value">{value}</div></div>'
        for label, value in cards
    )
    table = _table(
        ["nation", "personnel", "vehicles", "tonnes", "50 % closed", "90 % closed",
         "all closed", "last in"],
        [
            [_nation(run, c["nation"]), f"{c['personnel']:,}", f"{c.get('vehicles', 0):,}",
             f"{c.get('tonnes', 0):,.1f}", _when(c, "t50"), _when(c, "t90"), _when(c, "t100"),
             esc(last_in(c))]
            for c in closure
        ],
        numeric=(1, 2, 3),
        classes=["total" if c["nation"] == "all" else "" for c in closure],
    )  # fmt: skip
    return _section(
        "key-figures", "Key figures", f'<div class="cards">{grid}</div>',
        "<h3>Closure per nation</h3>", table,
    )  # fmt: skip


def _timeline(run: Run, charts: dict[str, Chart]) -> Html:
    critical = run.summary.get("critical_path", [])
    names = {t["id"]: t.get("name") or t["id"] for p in run.summary.get("phases", [])
             for t in p["tasks"]}  # fmt: skip
    path = " \u2192 ".join(names.get(task, task) for task in critical)
    if "timeline" not in charts:
        return _section("timeline", "Timeline", _none("Nothing moved and no task ran."))
    parts: list[str] = [
        _figure(
            charts.get("timeline"),
            "Each unit's move from departure to arrival, coloured by nation, then the "
            "operations' tasks by phase. Bold outline: on the critical path. Shaded bands: "
            "the observed windows of the milestones, numbered as in the milestone table.",
        ),
        _figure(
            charts.get("operations"),
            "The last operations phases, zoomed in: on the whole run's axis their tasks "
            "would be too short to see.",
        ),
    ]
    if path:
        parts.append(f"<p><strong>Critical path:</strong> {esc(path)}</p>")
    return _section("timeline", "Timeline", *parts)


def _closure(charts: dict[str, Chart]) -> Html:
    if "closure" not in charts:
        return _section("closure", "Closure curve", _none("No load arrived."))
    return _section(
        "closure",
        "Closure curve",
        _figure(
            charts.get("closure"),
            "Share of each nation's personnel that has arrived, load by load. Dash-dotted "
            "lines: the deadlines of the closure milestones.",
        ),
    )


def _routes(charts: dict[str, Chart]) -> Html:
    if "routes" not in charts:
        return _section("routes", "Route map", _none("The scenario has no places."))
    return _section(
        "routes",
        "Route map",
        _figure(
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
    places = _place_names(run)
    rows, classes = [], []
    for u in run.summary.get("units", []):
        transfers = [
            Html(f"{esc(places.get(t['place'], t['place']))} {_when(t, 'first')}")
            for t in u.get("transfers") or []
        ]
        waits = u.get("waits") or {}
        rows.append(
            [
                u.get("name") or u["id"], _nation(run, u["nation"]), u.get("mode"),
                _when(u, "ready"), _when(u, "depart"),
                Html("<br>".join(transfers)) if transfers else esc(None),
                _when(u, "arrive"),
                ", ".join(f"{cause} {float(h):.1f} h" for cause, h in sorted(waits.items()))
                or None,
                u.get("status", "closed"),
            ]
        )  # fmt: skip
        classes.append("" if u.get("status", "closed") == "closed" else "late")
    if not rows:
        return _section("units", "Units", _none("The scenario has no forces."))
    table = _table(
        ["unit", "nation", "mode", "ready", "departs", "transfers (first load)", "arrives",
         "waits (closing load)", "status"],
        rows,
        classes=classes,
    )  # fmt: skip
    return _section("units", "Units: ready, departure, transfers, arrival, waits", table)


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
                    _when(t, "start"), _when(t, "end"), _hours(t.get("duration_h")),
                    _hours(t.get("slack_h")), "yes" if t.get("critical") else "",
                ]
            )  # fmt: skip
            classes.append("total" if t.get("critical") else "")
    if not rows:
        return Html("")
    table = _table(
        ["phase", "task", "kind", "start", "end", "hours", "slack h", "critical"],
        rows,
        numeric=(5, 6),
        classes=classes,
    )
    return _section("tasks", "Operations tasks", table)


def _milestones(run: Run) -> Html:
    rows, classes = [], []
    numbers = milestone_numbers(run)
    for m in run.summary.get("milestones", []):
        observed = m.get("observed") or {}
        window = _window(observed)
        hit = bool(m.get("within_window"))
        name = m.get("name") or m["id"]
        rows.append(
            [
                numbers[m["id"]],
                Html(f"{esc(name)}<br><small>{esc(m['id'])}</small>") if m.get("name")
                else esc(name),
                window,
                _when(m, "simulated"),
                _hours(m.get("delta_h")),
                Html('<span class="hit">\u2713 yes</span>') if hit
                else Html('<span class="miss">\u2717 MISSED</span>'),
            ]
        )  # fmt: skip
        classes.append("" if hit else "miss")
    if not rows:
        return _section("milestones", "Milestones", _none("The scenario has no milestones."))
    table = _table(
        ["#", "milestone", "observed (UTC)", "simulated (UTC)", "delta h", "in window"],
        rows,
        numeric=(0, 4),
        classes=classes,
    )
    note = (
        "<p>Delta: hours outside the observed window (0 inside it). Rows in red missed "
        "their window.</p>"
    )
    return _section("milestones", "Milestones: observed against simulated", table, note)


def _window(observed: dict[str, Any]) -> Html:
    lo, hi = observed.get("earliest"), observed.get("latest")

    def short(iso: str) -> str:
        return f'<span class="when">{esc(iso[:16].replace("T", " "))}</span>'

    if lo and hi:
        return Html(short(lo) if lo == hi else f"{short(lo)} \u2013 {short(hi)}")
    if hi:
        return Html(f"by {short(hi)}")
    if lo:
        return Html(f"from {short(lo)}")
    return esc(None)


def _bottlenecks(run: Run) -> Html:
    places, units = _place_names(run), _unit_names(run)
    rows = [
        [places.get(b["place"], b["place"]), b["cause"], b["waits"], _hours(b["load_h"]),
         _hours(b["max_h"]), ", ".join(units.get(u, u) for u in b["units"])]
        for b in run.summary.get("bottlenecks", [])
    ]  # fmt: skip
    if not rows:
        return _section("bottlenecks", "Bottlenecks", _none("Nothing waited."))
    table = _table(
        ["place", "cause", "waits", "load-hours waited", "longest wait h", "units"],
        rows,
        numeric=(2, 3, 4),
    )
    return _section("bottlenecks", "Bottlenecks: waits by place and cause", table)


def _assets(run: Run, charts: dict[str, Chart]) -> Html:
    assets = run.summary.get("assets", [])
    if not assets:
        return _section("assets", "Asset use", _none("No fleets or limited places in this run."))
    figure = _figure(
        charts.get("assets"),
        "Solid bars: utilisation, busy hours over capacity times the hours of the run. "
        "Outlined bars: the same over the asset's active window, from its first use to its "
        "last release. Diamonds: the most in use at once, against the capacity.",
    )
    table = _table(
        ["asset", "kind", "capacity", "trips / uses", "busy h", "utilisation",
         "active window", "utilisation in it", "peak"],
        [
            [asset_label(run, a), a["kind"], a["capacity"], a["uses"], _hours(a["busy_h"]),
             f"{float(a['utilisation']):.1%}",
             Html(f"{_when(a, 'active_from')} \u2013 {_when(a, 'active_to')}")
             if a.get("active_from") else esc(None),
             f"{float(a.get('active_utilisation') or 0):.1%}", a["peak"]]
            for a in assets
        ],
        numeric=(2, 3, 4, 5, 7, 8),
    )  # fmt: skip
    return _section("assets", "Asset use", figure, table)


def _shortfalls(run: Run) -> Html:
    units = _unit_names(run)
    rows = [
        [units.get(s["id"], s["id"]), _nation(run, s["nation"]), _when(s, "required_by"),
         _when(s, "arrive"), _hours(s["late_h"]),
         f"{s['main_wait']} {float(s['main_wait_h']):.1f} h" if s.get("main_wait") else None]
        for s in run.summary.get("shortfalls", [])
    ]  # fmt: skip
    if not rows:
        return _section(
            "shortfalls", "Shortfalls", _none("No unit closed after its required date.")
        )
    table = _table(
        ["unit", "nation", "required by", "arrived", "late h", "main wait"],
        rows,
        numeric=(4,),
        classes=["late"] * len(rows),
    )
    return _section("shortfalls", "Shortfalls: units late against their required date", table)


def _airdrops(run: Run) -> Html:
    drops = run.summary.get("airdrops", [])
    if not drops:
        return Html("")
    names = {t["id"]: t.get("name") or t["id"] for p in run.summary.get("phases", [])
             for t in p["tasks"]}  # fmt: skip
    table = _table(
        ["airdrop", "aircraft", "sorties", "passes", "personnel", "vehicles", "first drop",
         "last drop", "assembled"],
        [
            [names.get(a["id"], a["id"]), a["aircraft"], a["sorties"], a["passes"],
             a["personnel"], a["vehicles"], _when(a, "first_drop"), _when(a, "last_drop"),
             _when(a, "assembled")]
            for a in drops
        ],
        numeric=(1, 2, 3, 4, 5),
    )  # fmt: skip
    return _section("airdrops", "Airdrops", table)


def _footer(run: Run) -> Html:
    manifest = run.manifest
    command = manifest.get("command")
    line = shlex.join(str(c) for c in command) if isinstance(command, list) else command
    sha = manifest.get("scenario_sha256") or run.summary["scenario"].get("sha256")
    items = [
        ("command", line),
        ("seed", manifest.get("seed", run.summary.get("seed"))),
        ("scenario file", manifest.get("scenario_file")),
        ("scenario SHA-256", sha),
        ("overrides", " ".join(manifest.get("overrides") or []) or None),
        ("tabletop", manifest.get("tabletop_version")),
        ("run created", manifest.get("created")),
    ]
    rows = "".join(
        f"<dt>{esc(label)}</dt><dd><code>{esc(value)}</code></dd>"
        for label, value in items
        if value is not None
    )
    return Html(
        f'<footer id="provenance"><h2>How this run was made</h2><dl>{rows}</dl>'
        f"<p>Run folder: <code>{esc(run.folder.name)}</code>. Charts are also in "
        f"<code>{CHART_DIR}/</code> as SVG, and those for slides as PNG.</p></footer>"
    )


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
    present = [key for key, _ in _SECTIONS if f'id="{key}"' in "".join(sections)]
    nav = " ".join(
        f'<a href="#{key}">{esc(title)}</a>' for key, title in _SECTIONS if key in present
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(run.title)} \u2013 tabletop report</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{_head(run)}\n<nav>{nav}</nav>\n" + "\n".join(s for s in sections if s) + "\n"
        f"{_footer(run)}\n</main>\n</body>\n</html>\n"
    )


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
/* Large type by default: the page is often shown on a projector at the back of a room. */
html { font-size: 20px; }
body {
  margin: 0; background: #fff; color: #000; line-height: 1.45;
  font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 66rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 0.4rem 0; }
h2 {
  font-size: 1.6rem; margin: 2.4rem 0 0.8rem; padding-bottom: 0.2rem;
  border-bottom: 3px solid #000;
}
h3 { font-size: 1.2rem; margin: 1.4rem 0 0.4rem; }
.sub { font-size: 1rem; color: #222; margin: 0.2rem 0; }
.description { max-width: 52rem; }
nav { margin: 1rem 0; padding: 0.5rem 0; border-top: 1px solid #888; border-bottom: 1px solid #888;
}
nav a { color: #00468C; margin-right: 1rem; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.8rem; }
.card { border: 2px solid #000; border-radius: 6px; padding: 0.6rem 0.8rem; }
.card .label { font-size: 0.85rem; color: #222; }
.card .value { font-size: 1.25rem; font-weight: bold; margin-top: 0.2rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #666; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #E6E6E6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td small { color: #333; }
tr.total td { font-weight: bold; background: #F2F2F2; }
tr.miss td, tr.late td { background: #FBE0D0; }
tr.miss td:first-child, tr.late td:first-child { border-left: 6px solid #D55E00; }
.miss { color: #A33C00; font-weight: bold; }
.when { white-space: nowrap; }
.card .when { white-space: normal; }
.hit { color: #00603F; }
.none { font-style: italic; }
figure { margin: 1rem 0 1.5rem; }
img.chart { display: block; width: 100%; height: auto; border: 1px solid #BBB; }
figcaption { font-size: 0.85rem; color: #222; margin-top: 0.3rem; }
footer { margin-top: 3rem; font-size: 0.8rem; }
footer h2 { font-size: 1.2rem; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
footer dt { font-weight: bold; }
footer dd { margin: 0; }
code {
  font-family: "DejaVu Sans Mono", Consolas, "Courier New", monospace; overflow-wrap: anywhere;
}
@media (max-width: 50rem) { html { font-size: 16px; } main { padding: 0.8rem; } }
@media print {
  /* size: auto lets the same page print on A4 and on US Letter. */
  @page { size: auto; margin: 12mm 11mm; }
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  /* Sections follow on from each other, with no forced page break: a break before a
     section leaves the page before it part empty.  A chart is never split; a heading
     stays with what follows it. */
  h2 { margin-top: 1.2rem; }
  h2, h3 { break-after: avoid; }
  figure, .card, tr, footer dl { break-inside: avoid; }
  thead { display: table-header-group; }
  .table { overflow: visible; }
  /* A chart taller than a page shrinks to one page (with its heading and caption, on
     Letter, the shorter of the two papers) rather than being cut at the page's foot. */
  /* At 80 % of the width a wide chart still prints its type at 7 points or more, and a
     chart and its heading fit below a half-full page more often. */
  img.chart { width: auto; max-width: 80%; max-height: 226mm; margin: 0 auto; border: none; }
  figcaption { font-size: 0.8rem; }
  /* Every table fits the page's width: one wider would make the browser shrink every
     page to fit it.  Dates, numbers and headings keep their words; names wrap. */
  table { font-size: 0.78rem; }
  th, td { padding: 0.15rem 0.25rem; }
  td { overflow-wrap: anywhere; }
  th, td.num, td .when { overflow-wrap: normal; }
  td.num { white-space: nowrap; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""
