"""What every report page is made of: escaping, tables, sections, charts, the page itself.

The report of a single run (:mod:`simulator.report.html`), of replications
(:mod:`simulator.report.replications_page`) and of a sensitivity study
(:mod:`simulator.report.sensitivity_page`) are built from these blocks, so
they look alike, project alike and print alike.

A page depends on nothing outside itself: the charts are embedded as SVG
data URIs (vector graphics: sharp on a projector and on paper, and each image
is its own document, so the ids inside one SVG cannot clash with another's),
the style sheet is inline, there is no script and no web font.  It can be
mailed, copied to a laptop without network or opened years later.

A report never replaces another file: if ``report.html`` exists the page is
``report-2.html``, then ``report-3.html``, ...  The name is taken with an
exclusive create before the content is written atomically, so two reports
built at once cannot pick the same name.  The chart files are rewritten on
each build; for one folder they are the same bytes every time.

Everything that comes from a scenario (titles, names, ids, descriptions) is
user input: :func:`esc` escapes any text that is not already :class:`Html`.
"""

from __future__ import annotations

import base64
import contextlib
import html
import os
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simulator.report.charts import country_names, png_bytes, svg_bytes
from simulator.report.charts.base import Folder
from simulator.report.files import write_atomic

__all__ = [
    "CHART_DIR", "CSS", "REPORT_NAME", "Chart", "Html", "cards", "document", "esc", "figure",
    "footer", "header", "hours", "instant", "nation_name", "none", "observed_window",
    "place_names", "save_chart",
    "section", "table", "when", "write_page",
]  # fmt: skip

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
        png: Whether it was also saved as PNG.
    """

    name: str
    title: str
    svg: bytes
    width: int
    height: int
    png: bool = False

    def tag(self) -> Html:
        """An ``<img>`` with the SVG as a data URI and its natural size."""
        data = base64.b64encode(self.svg).decode("ascii")
        return Html(
            f'<img src="data:image/svg+xml;base64,{data}" width="{self.width}" '
            f'height="{self.height}" alt="{esc(self.title)}" class="chart">'
        )


def save_chart(folder: Path, name: str, title: str, fig: Figure, png: bool) -> Chart:
    """Write a laid-out figure to ``folder/<name>.svg`` (and ``.png``) and return it.

    The PNG comes first: it reuses the pixels of the drawing that laid the chart out.
    """
    if png:
        write_atomic(folder / f"{name}.png", png_bytes(fig))
    svg = svg_bytes(fig)
    write_atomic(folder / f"{name}.svg", svg)
    width, height = fig.get_size_inches()
    return Chart(
        name, title, svg, round(width * _CSS_PX_PER_INCH), round(height * _CSS_PX_PER_INCH), png
    )


def write_page(folder: Path, page: str) -> Path:
    """Write ``page`` as ``report.html`` in ``folder``, or ``report-N.html`` if taken."""
    target = _reserve(folder)
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


def when(row: Mapping[str, Any] | None, key: str) -> Html:
    """The instant ``row[key]`` as ``2030-01-05 18:21 (D-3.24)``, its days from D-day read
    from ``row[key + "_d"]``; a dash when missing."""
    if row is None:
        return esc(None)
    return instant(row.get(key), row.get(f"{key}_d"))


def instant(iso: str | None, days: float | None = None) -> Html:
    """An ISO instant as ``2030-01-05 18:21``, with ``(D-3.24)`` if ``days`` is given."""
    if not iso:
        return esc(None)
    text = str(iso)[:16].replace("T", " ")
    # Kept on one line: a date broken at its hyphen is hard to read.
    return (
        Html(f'<span class="when">{esc(text)}</span>')
        if days is None
        else Html(
            f'<span class="when">{esc(text)}</span> <span class="when">(D{float(days):+.2f})</span>'
        )
    )


def hours(value: Any, digits: int = 1) -> Html:
    """A number with thousands separators and ``digits`` decimals; a dash when missing."""
    if value is None:
        return esc(None)
    return esc(f"{float(value):,.{digits}f}")


def table(
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


def section(key: str, title: str, *parts: str) -> Html:
    """A ``<section>`` with its id (the navigation's anchor) and heading."""
    return Html(
        f'<section id="{key}">\n<h2>{esc(title)}</h2>\n' + "\n".join(parts) + "\n</section>"
    )


def figure(chart: Chart | None, caption: str) -> Html:
    """A chart with its caption, naming the files it is also saved as; nothing if None."""
    if chart is None:
        return Html("")
    return Html(
        f'<figure id="fig-{esc(chart.name)}">{chart.tag()}'
        f"<figcaption>{esc(caption)} Also saved as {CHART_DIR}/{esc(chart.name)}.svg"
        f"{' and .png' if chart.png else ''}.</figcaption></figure>"
    )


def observed_window(observed: Mapping[str, Any]) -> Html:
    """An observed window (``earliest``, ``latest``: ISO instants or None) in words."""
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


def nation_name(folder: Folder, nation: str) -> str:
    """A nation as the page names it: ``Name (ID)``, or ``all nations``."""
    if nation == "all":
        return "all nations"
    name = country_names(folder).get(nation, nation)
    return nation if name == nation else f"{name} ({nation})"


def place_names(folder: Folder) -> dict[str, str]:
    """Node id -> its name (the id when it has none)."""
    return {n["id"]: n.get("name") or n["id"] for n in folder.scenario.get("nodes", [])}


def none(text: str) -> Html:
    """A line saying there is nothing to show."""
    return Html(f'<p class="none">{esc(text)}</p>')


def cards(items: Iterable[tuple[str, str]]) -> Html:
    """The key figures: one card per (label, value); a value is escaped unless it is Html."""
    grid = "".join(
        f'<div class="card"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div></div>'
        for label, value in items
    )
    return Html(f'<div class="cards">{grid}</div>')


def header(title: str, facts: Sequence[str], description: str | None) -> Html:
    """The page's title, a line of facts (scenario, seed, ...) and the description."""
    dot = " \u00b7 "
    parts = [f"<h1>{esc(title)}</h1>", f'<p class="sub">{esc(dot.join(facts))}</p>']
    if description:
        parts.append(f'<p class="description">{esc(description)}</p>')
    return Html('<header id="scenario">' + "".join(parts) + "</header>")


def footer(noun: str, record: Mapping[str, Any], folder: Path, sha: str | None = None) -> Html:
    """How the folder was made: command line, seed, scenario file and SHA-256, overrides.

    Args:
        noun: What the folder holds (``run``, ``study``), as the heading names it.
        record: The folder's manifest (``manifest.json``, or a study's ``design.json``).
        folder: The folder reported on.
        sha: The scenario's SHA-256 when the record has none.
    """
    command = record.get("command")
    line = shlex.join(str(c) for c in command) if isinstance(command, list) else command
    items = [
        ("command", line),
        ("seed", record.get("seed")),
        ("scenario file", record.get("scenario_file")),
        ("scenario SHA-256", record.get("scenario_sha256") or sha),
        ("overrides", " ".join(record.get("overrides") or []) or None),
        ("tabletop", record.get("tabletop_version")),
        (f"{noun} created", record.get("created")),
    ]
    rows = "".join(
        f"<dt>{esc(label)}</dt><dd><code>{esc(value)}</code></dd>"
        for label, value in items
        if value is not None
    )
    return Html(
        f'<footer id="provenance"><h2>How this {esc(noun)} was made</h2><dl>{rows}</dl>'
        f"<p>{esc(noun.capitalize())} folder: <code>{esc(folder.name)}</code>. Charts are also in "
        f"<code>{CHART_DIR}/</code> as SVG, and those for slides as PNG.</p></footer>"
    )


def document(
    title: str, head: str, sections: Sequence[str], nav: Sequence[tuple[str, str]], foot: str
) -> str:
    """The whole page: the header, a navigation bar to the sections present, the footer.

    Args:
        title: The browser tab's title (escaped here).
        head: The page's header (see :func:`header`).
        sections: The sections; an empty one is left out.
        nav: (section id, link text) in page order; links to absent sections are dropped.
        foot: The footer (see :func:`footer`).
    """
    body = "".join(sections)
    links = " ".join(
        f'<a href="#{key}">{esc(text)}</a>' for key, text in nav if f'id="{key}"' in body
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} \u2013 tabletop report</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{head}\n<nav>{links}</nav>\n" + "\n".join(s for s in sections if s) + "\n"
        f"{foot}\n</main>\n</body>\n</html>\n"
    )


CSS = """
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
.card .value { font-size: 1.25rem; font-weight: bold; margin-top: 0.2rem;
  overflow-wrap: anywhere; }
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
/* Small multiples (one chart per milestone): two side by side on a wide screen. */
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(24rem, 1fr));
  gap: 0 1.2rem; }
.grid figure { margin: 0.6rem 0 1rem; }
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
  /* Small multiples print two to a row, at the full width of their half. */
  .grid { grid-template-columns: 1fr 1fr; }
  .grid img.chart { max-width: 100%; }
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
