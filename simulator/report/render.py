"""Rendering a run summary as terminal tables, Markdown, CSV or JSON.

``tables(summary)`` lays each section out as (title, headers, rows) once;
every text format is drawn from that, so they never disagree.

The tables of many runs (replications, sweeps, comparisons, goal and
sensitivity) are laid out by :func:`table_text`, the one place where a table
meets the width of the screen: a table wider than :func:`terminal_width` is
*folded*, printed as blocks of columns one below the other, each block
repeating the row key columns. Their instants are written by
:func:`short_instant`, :func:`day_time` and :func:`interval`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable, Sequence
from typing import Any

from tabulate import tabulate

from simulator.report.safe_text import spreadsheet_cell, terminal_text

FORMATS = ("table", "json", "csv", "markdown")

SECTIONS = (
    "units", "closure", "assets", "bottlenecks", "milestones", "shortfalls", "tasks",
    "airdrops", "task_resources",
)  # fmt: skip
"""Summary sections that are tables (one CSV each)."""

Table = tuple[str, str, list[str], list[list[Any]]]
"""(key, title, headers, rows)."""

Row = dict[str, Any]


def _when(row: dict[str, Any], key: str) -> str:
    iso = row.get(key)
    if iso is None:
        return "-"
    return f"{iso[:16].replace('T', ' ')} (D{row[key + '_d']:+.2f})"


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def last_in(row: dict[str, Any]) -> str:
    """Which measures of a closure row arrived last (set its 100% time), or what is short."""
    by = row.get("by") or {}
    short = [m for m, figures in by.items() if row.get(m) and figures.get("t100") is None]
    if short:
        return "short: " + ", ".join(short)
    last = row.get("t100")
    return ", ".join(m for m, figures in by.items() if last and figures.get("t100") == last) or "-"


def _waits(waits: dict[str, float]) -> str:
    parts = [f"{cause} {hours:.1f}h" for cause, hours in waits.items() if hours]
    return ", ".join(parts) or "-"


def tables(summary: dict[str, Any]) -> list[Table]:
    """Every section of a summary as a printable table."""
    units = [
        [
            u["id"], u["nation"], u["mode"], u["personnel"], u["loads"],
            _when(u, "ready"), _when(u, "depart"),
            " / ".join(f"{t['place']} {t['first'][5:16].replace('T', ' ')}"
                       for t in u["transfers"]) or "-",
            _when(u, "arrive"), _num(u["transit_h"]), _waits(u["waits"]), u.get("replans", 0),
            u["status"] if u["status"] != "closed" else "",
        ]
        for u in summary["units"]
    ]  # fmt: skip
    closure = [
        [c["nation"], c["personnel"], c["vehicles"], _num(c["tonnes"]), _when(c, "t50"),
         _when(c, "t90"), _when(c, "t100"), last_in(c)]
        for c in summary["closure"]
    ]  # fmt: skip
    assets = [
        [a["asset"], a["kind"], a["capacity"], a["uses"], _num(a["busy_h"]),
         f"{a['utilisation']:.1%}", f"{a['active_utilisation']:.1%}", a["peak"]]
        for a in summary["assets"]
    ]  # fmt: skip
    bottlenecks = [
        [b["place"], b["cause"], b["waits"], _num(b["load_h"]), _num(b["max_h"]),
         ", ".join(b["units"])]
        for b in summary["bottlenecks"]
    ]  # fmt: skip
    milestones = [
        [m["id"], _when(m, "simulated"), _window(m), _num(m["delta_h"]),
         "yes" if m["within_window"] else "no"]
        for m in summary["milestones"]
    ]  # fmt: skip
    shortfalls = [
        [s["id"], s["nation"], _when(s, "required_by"), _when(s, "arrive"), _num(s["late_h"]),
         f"{s['main_wait']} {s['main_wait_h']:.1f}h" if s["main_wait"] else "-"]
        for s in summary["shortfalls"]
    ]  # fmt: skip
    timeline = [
        [p["id"], t["id"], t["kind"], _when(t, "start"), _when(t, "end"), _num(t["duration_h"]),
         _num(t["slack_h"]), "*" if t["critical"] else "", _waits(t["waits"]) if t["status"] ==
         "done" else "not done"]
        for p in summary["phases"] for t in p["tasks"]
    ]  # fmt: skip
    airdrops = [
        [a["id"], a["aircraft"], a["sorties"], a["passes"], a["personnel"], a["vehicles"],
         _when(a, "first_drop"), _when(a, "last_drop"), _when(a, "assembled")]
        for a in summary["airdrops"]
    ]  # fmt: skip
    resources = [
        [r["task"], r["resource"], _num(r["busy_h"]), r["peak"], _when(r, "first"),
         _when(r, "last")]
        for r in summary["task_resources"]
    ]  # fmt: skip
    return [
        ("units", "Units", ["unit", "nation", "mode", "pers", "loads", "ready", "depart",
                            "transfers", "arrive", "transit h", "waits (closing load)",
                            "replans", "status"], units),
        ("closure", "Closure (every load: people, vehicles and tonnes)",
         ["nation", "pers", "veh", "tonnes", "50%", "90%", "100%", "last in"], closure),
        ("assets", "Assets", ["asset", "kind", "capacity", "trips/uses", "busy h", "util",
                              "util active", "peak"], assets),
        ("bottlenecks", "Bottlenecks (waits by place and cause)",
         ["place", "cause", "waits", "load-h", "max h", "units"], bottlenecks),
        ("milestones", "Milestones (simulated vs observed)",
         ["milestone", "simulated", "observed", "delta h", "in window"], milestones),
        ("shortfalls", "Shortfalls (late against required date)",
         ["unit", "nation", "required", "arrive", "late h", "main wait"], shortfalls),
        ("tasks", "Timeline (phases and tasks; * = on the critical path)",
         ["phase", "task", "kind", "start", "end", "dur h", "slack h", "crit", "waits"],
         timeline),
        ("airdrops", "Airdrops",
         ["airdrop", "aircraft", "sorties", "passes", "pers", "vehicles", "first drop",
          "last drop", "assembled"], airdrops),
        ("task_resources", "Resource use per task",
         ["task", "resource", "busy h", "peak", "first", "last"], resources),
    ]  # fmt: skip


def _window(m: dict[str, Any]) -> str:
    lo, hi = m["observed"]["earliest"], m["observed"]["latest"]
    if lo and hi and lo == hi:
        return _short(lo)
    return f"{_short(lo)} - {_short(hi)}"


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "..."


def render(summary: dict[str, Any], fmt: str) -> str:
    """The summary in one of ``FORMATS``."""
    if fmt == "json":
        return json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    head = summary["scenario"]
    title = head["title"] or head["name"]
    if fmt == "csv":
        return "\n".join(f"# {key}\n{table_csv(summary, key)}" for key in SECTIONS)
    style = "github" if fmt == "markdown" else "simple"
    out = [f"{'# ' if fmt == 'markdown' else ''}{title} (seed {summary['seed']})",
           f"D-day {head['d_day'][:16].replace('T', ' ')}; last arrival "
           f"{_when(head, 'end')}", ""]  # fmt: skip
    for _, caption, headers, rows in tables(summary):
        out.append(f"{'## ' if fmt == 'markdown' else ''}{caption}")
        text = tabulate(rows, headers, tablefmt=style, disable_numparse=True)
        out.append(str(text) if rows else "(none)")
        out.append("")
    return terminal_text("\n".join(out))


def _cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return spreadsheet_cell(" ".join(value))
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return "" if value is None else spreadsheet_cell(value)


def section_rows(summary: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The rows of a section; ``tasks`` are the phases' tasks, each with its phase."""
    if key == "tasks":
        return [{"phase": p["id"], **t} for p in summary["phases"] for t in p["tasks"]]
    rows: list[dict[str, Any]] = summary[key]
    return rows


def table_csv(summary: dict[str, Any], key: str) -> str:
    """A run summary's table ``key`` as CSV, with its header even when it has no rows."""
    from simulator.analysis.output_schema import run_row_fields

    return section_csv(section_rows(summary, key), run_row_fields(key))


def section_csv(rows: list[dict[str, Any]], header: Sequence[str] = ()) -> str:
    """A summary section as CSV: one column per field, lists space-joined, dicts as JSON.

    ``header`` gives the columns of a section with no rows, so that an empty table
    still has its header line.
    """
    buffer = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row)) or list(header)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in columns])
    return buffer.getvalue()


# --- tables of many runs, fitted to the screen -------------------------------------------

DEFAULT_WIDTH = 120
"""Columns of a table printed to a pipe or a file (and where no width is known)."""

_GAP = 2
"""Spaces between two columns of a ``simple`` table."""

_RULE = re.compile(r"^-+(?: {2}-+)*$")


def terminal_width() -> int:
    """Columns to fit: ``COLUMNS`` if set, else the terminal's width, else 120 (a pipe)."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def table_text(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str = "table",
    keys: int = 1,
    width: int | None = None,
    maxcolwidths: Sequence[int | None] | None = None,
) -> str:
    """A table as text; in the terminal format, folded to fit ``width`` columns.

    Args:
        headers: Column headers (a header may have several lines).
        rows: The rows, one cell per header.
        fmt: ``table`` (aligned columns) or ``markdown`` (never folded: a document
            scrolls).
        keys: The first ``keys`` columns name the row; every block repeats them.
        width: Columns to fit (default :func:`terminal_width`).
        maxcolwidths: Wrap the cells of a column at this many characters.

    Returns:
        The table without a final newline. When it is wider than ``width``, the
        other columns are dealt out in order to as few blocks as fit, each block
        separated from the next by an empty line. A block holds at least one such
        column, so a single column wider than the screen still shows.
    """
    style = "github" if fmt == "markdown" else "simple"

    def draw(columns: Sequence[int]) -> str:
        text = tabulate(
            [[row[i] for i in columns] for row in rows],
            [headers[i] for i in columns],
            tablefmt=style,
            disable_numparse=True,
            maxcolwidths=None if maxcolwidths is None else [maxcolwidths[i] for i in columns],
        )
        # A row whose last cells are empty (a row naming a group) ends in padding.
        return "\n".join(line.rstrip() for line in str(text).splitlines())

    whole = draw(range(len(headers)))
    limit = terminal_width() if width is None else width
    lines = whole.splitlines()
    rule = next((line for line in lines if _RULE.match(line)), None)
    if fmt == "markdown" or rule is None or max(map(len, lines)) <= limit:
        return whole
    widths = [len(dashes) for dashes in rule.split(" " * _GAP)]
    return "\n\n".join(draw(block) for block in fold(widths, keys, limit))


def fold(widths: Sequence[int], keys: int, limit: int) -> list[list[int]]:
    """Columns of each block when columns of these widths are folded to ``limit``.

    The first ``keys`` columns are in every block; the others keep their order and
    go to the current block while it fits (with the gaps between columns), else
    start the next one.
    """
    key = list(range(min(keys, len(widths))))
    base = sum(widths[i] for i in key) + _GAP * max(len(key) - 1, 0)
    blocks: list[list[int]] = []
    current: list[int] = []
    used = base
    for i in range(len(key), len(widths)):
        extra = widths[i] + (_GAP if key or current else 0)
        if current and used + extra > limit:
            blocks.append(key + current)
            current, used = [], base
            extra = widths[i] + (_GAP if key else 0)
        current.append(i)
        used += extra
    if current or not blocks:
        blocks.append(key + current)
    return blocks


def short_instant(iso: str | None, days: float | None) -> str:
    """``MM-DD hh:mm (+d.dd)``: an instant of the tables of many runs, with its D+days."""
    if iso is None:
        return "-"
    text = iso[5:16].replace("T", " ")
    return text if days is None else f"{text} ({days:+.2f})"


def day_time(iso: str | None, day_of: str | None) -> str:
    """``hh:mm`` if ``iso`` falls on the day of instant ``day_of``, else ``MM-DD hh:mm``."""
    if iso is None:
        return "-"
    if day_of is not None and iso[:10] == day_of[:10]:
        return iso[11:16]
    return iso[5:16].replace("T", " ")


def interval(bounds: Sequence[str] | None) -> str:
    """Two instants as ``MM-DD hh:mm .. hh:mm``, the second with its date on another day."""
    if bounds is None:
        return "-"
    low, high = bounds
    return f"{day_time(low, None)} .. {day_time(high, low)}"


WAIT_ROWS = 15
"""Waits (place and cause) printed at most in the tables of many runs, the largest first;
any more are counted below the table (their CSV and JSON hold every one)."""


def first_waits(
    rows: Sequence[Row],
    size: Callable[[Row], float],
    keep: Callable[[Row], bool] = lambda row: False,
) -> tuple[list[Row], str]:
    """The waits a table shows, and the line that counts the others.

    Args:
        rows: Waits, largest first.
        size: A wait's load-hours, by which they are sorted.
        keep: Whether to show a row beyond the first :data:`WAIT_ROWS` all the same.

    Returns:
        The rows to show, in order, and the note (empty when every row is shown).
    """
    shown = [i < WAIT_ROWS or keep(row) for i, row in enumerate(rows)]
    rest = [size(row) for row, show in zip(rows, shown, strict=True) if not show]
    kept = [row for row, show in zip(rows, shown, strict=True) if show]
    if not rest:
        return kept, ""
    waits = "more wait" if len(rest) == 1 else "more waits"
    return kept, (
        f"({len(rest)} {waits}, each {max(rest):,.1f} load-h or less: --format csv lists them all)"
    )
