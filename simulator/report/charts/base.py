"""What every chart of a saved run shares: the run read back, the style, the figure.

A saved run (see :mod:`simulator.report.save`) is read back as a :class:`Run`:
the summary, the manifest (with the resolved scenario) and the model events.

The figures are built without pyplot: a ``Figure`` attached to an Agg canvas,
so neither the process-wide backend nor pyplot's list of open figures
changes, and a figure is freed like any object.  Drawing and saving both run
inside ``matplotlib.rc_context(STYLE)`` (the settings are restored on the way
out): the same fonts and sizes whatever the user's matplotlibrc, a fixed salt
for SVG ids and no dates in the metadata, so that one run always gives
byte-identical PNG and SVG files.  A figure is made at the PNG's resolution
(:data:`PNG_DPI`) and drawn on its canvas once: that pass lays it out (and the
layout is then kept for the SVG, see :func:`freeze_layout`) and leaves the
pixels that :func:`png_bytes` encodes, so no chart is rendered twice.

The charts are meant to be projected and printed: type of at least 11 points
at the figure's size, black text on white, the colour-blind-safe Okabe-Ito
palette, and line styles and hatching that still tell things apart in
grey-scale print.
"""

import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "BAND_FILL", "DEADLINE", "FIGURE_WIDTH_IN", "HEADER_FILL", "MISS", "MODE_STYLES",
    "NATION_STYLES", "PALETTE", "PNG_DPI", "ROW_IN", "STYLE", "TASK_FILL", "Folder", "Run",
    "chart_style", "country_names", "date_axis", "date_number", "freeze_layout", "load_run",
    "maybe_time", "milestone_numbers", "nation_colours", "new_figure", "parse_time", "png_bytes",
    "read_json", "short", "span_of", "stagger", "svg_bytes",
]  # fmt: skip

PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)  # fmt: skip
"""Okabe-Ito colours, strongest first; yellow comes late as it is weak on white paper."""

LineStyle = Literal["-", "--", "-.", ":"]

MODE_STYLES: dict[str, tuple[str, LineStyle]] = {
    "rail": ("#1A1A1A", "-"),
    "road": ("#A0522D", "--"),
    "air": ("#3A7DC9", ":"),
}
"""Colour and line style per mode: the style alone still tells modes apart in grey print."""

NATION_STYLES: tuple[LineStyle, ...] = ("-", "--", "-.", ":")
"""Line styles cycled over the nations of the closure curve, for the same reason."""

TASK_FILL = "#BDBDBD"
HEADER_FILL = "#4D4D4D"
BAND_FILL = "#9ECAE1"
MISS = "#D55E00"
DEADLINE = "#5E3C99"

STYLE: dict[str, Any] = {
    # DejaVu Sans ships with matplotlib: the same glyphs (and so the same bytes) everywhere.
    "font.family": "DejaVu Sans",
    "font.size": 13.0,
    "axes.titlesize": 15.0,
    "axes.titleweight": "bold",
    "figure.titlesize": 15.0,
    "figure.titleweight": "bold",
    "axes.labelsize": 13.0,
    "xtick.labelsize": 12.0,
    "ytick.labelsize": 12.0,
    "legend.fontsize": 12.0,
    "legend.title_fontsize": 12.0,
    "text.color": "#000000",
    "axes.labelcolor": "#000000",
    "axes.edgecolor": "#000000",
    "xtick.color": "#000000",
    "ytick.color": "#000000",
    "axes.linewidth": 1.0,
    "axes.facecolor": "#FFFFFF",
    "figure.facecolor": "#FFFFFF",
    "savefig.facecolor": "#FFFFFF",
    "figure.dpi": 120.0,
    "savefig.dpi": 120.0,
    "svg.fonttype": "path",
    "svg.hashsalt": "tabletop-report",
    # Scenario text is user input: a "$" must stay a dollar sign, not start mathtext.
    "text.parse_math": False,
    "text.usetex": False,
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
}
"""matplotlib settings for every chart, applied while drawing and while saving."""

PNG_DPI = 120.0
"""Resolution of the PNG files: 1,200 pixels across a chart, sharp on a slide."""

FIGURE_WIDTH_IN = 10.0
"""Wide enough for a projector, narrow enough to print on A4/Letter at about 70 %."""

ROW_IN = 0.31
"""Height of one bar row in the timeline and asset charts."""


@dataclass(frozen=True)
class Run:
    """A saved run read back from its folder.

    Attributes:
        folder: The run's folder.
        summary: Content of ``summary.json``.
        manifest: Content of ``manifest.json``; ``manifest["scenario"]`` is the
            resolved scenario.
        events: The records of ``events.jsonl``, in order.
    """

    folder: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario stored in the manifest (empty if absent)."""
        scenario: dict[str, Any] = self.manifest.get("scenario") or {}
        return scenario

    @property
    def start(self) -> dt.datetime:
        """The instant of simulated hour 0."""
        return parse_time(self.summary["scenario"]["start"])

    @property
    def d_day(self) -> dt.datetime:
        """D-day, the origin of the ``D+days`` figures."""
        return parse_time(self.summary["scenario"]["d_day"])

    @property
    def title(self) -> str:
        """The scenario's title, or its name when it has none."""
        head = self.summary["scenario"]
        return str(head.get("title") or head.get("name") or "scenario")


def load_run(folder: Path) -> Run:
    """Read a saved run.

    Args:
        folder: A folder written by ``tabletop run``.

    Returns:
        The run.

    Raises:
        OSError: If a file cannot be read.
        ValueError: If a file is not valid JSON (the message names the file).
    """

    summary = read_json("summary.json", (folder / "summary.json").read_text("utf-8"))
    manifest = read_json("manifest.json", (folder / "manifest.json").read_text("utf-8"))
    events = [
        read_json(f"events.jsonl line {number}", line)
        for number, line in enumerate(
            (folder / "events.jsonl").read_text("utf-8").splitlines(), start=1
        )
        if line.strip()
    ]
    if not isinstance(summary, dict) or not isinstance(manifest, dict):
        raise ValueError("summary.json and manifest.json must each hold a JSON object")
    if "scenario" not in summary or "units" not in summary:
        raise ValueError("summary.json is not the summary of a single run")
    return Run(folder, summary, manifest, [e for e in events if isinstance(e, dict)])


def read_json(name: str, text: str) -> Any:
    """``text`` parsed as JSON; a :class:`ValueError` naming ``name`` if it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{name} is not valid JSON: {error}") from None


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 instant of the summary (``2030-01-01T06:00Z``) as an aware UTC datetime."""
    when = dt.datetime.fromisoformat(text)
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def maybe_time(text: str | None) -> dt.datetime | None:
    return None if not text else parse_time(text)


def date_number(when: dt.datetime) -> float:
    """matplotlib's date number (days) of an instant."""
    return float(mdates.date2num(when))  # type: ignore[no-untyped-call]


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so labels keep their room."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@contextmanager
def chart_style() -> Iterator[None]:
    # STYLE's keys are valid rc keys; the stubs want them as literal types.
    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, no global backend switch."""
    fig = Figure(figsize=(width, height), dpi=PNG_DPI, layout="constrained")
    # A wider edge than the default 3 points: text measured at the figure's dpi can come
    # out a little wider in the SVG, and must not be cut.
    fig.get_layout_engine().set(w_pad=0.12, h_pad=0.06)  # type: ignore[union-attr,call-arg]
    FigureCanvasAgg(fig)
    return fig


def freeze_layout(fig: Figure, *, pixels: bool = True) -> Figure:
    """Draw the figure on its canvas once and keep that layout for every file saved from it.

    Constrained layout would otherwise run again at each save (PNG, SVG), and
    it is the slowest part of drawing a chart.  The pass is a real one, at the
    PNG's resolution: its pixels are the PNG (see :func:`png_bytes`).  A chart
    saved as SVG alone passes ``pixels=False``: laid out without rendering.
    """
    with chart_style():
        if pixels:
            cast(FigureCanvasAgg, fig.canvas).draw()  # type: ignore[no-untyped-call]
        else:
            fig.draw_without_rendering()
            fig.stale = True  # no pixels yet: png_bytes would draw them
        # No engine at all, not even the "none" placeholder: with any engine set,
        # each save would lay the figure out again (a drawing pass without pixels).
        fig.set_layout_engine(None)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG at :data:`PNG_DPI`, with no software tag (the same bytes every call).

    The pixels are those of the canvas's last drawing when nothing changed
    since (a figure fresh from :func:`freeze_layout`); else it is drawn again.
    zlib level 1: the files are a few per cent larger and written twice as fast.
    """
    from PIL import Image  # matplotlib's own dependency, for the encoder

    canvas = cast(FigureCanvasAgg, fig.canvas)
    with chart_style():
        if fig.stale or fig.dpi != PNG_DPI:
            fig.set_dpi(PNG_DPI)
            canvas.draw()  # type: ignore[no-untyped-call]
        rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        pixels = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    pixels.save(buffer, format="png", compress_level=1, dpi=(PNG_DPI, PNG_DPI))
    return buffer.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG, text as paths (no font needed), with no date in the metadata."""
    buffer = io.BytesIO()
    with chart_style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "tabletop"})
    return buffer.getvalue()


class Folder(Protocol):
    """A saved folder with a scenario: a run, or replications."""

    @property
    def summary(self) -> dict[str, Any]: ...

    @property
    def scenario(self) -> dict[str, Any]: ...


def nation_colours(run: Folder) -> dict[str, str]:
    """One palette colour per country id, the nations that have forces first.

    The same mapping colours the timeline bars, the closure lines and the map's
    places, so a nation keeps its colour across the report, and across the
    reports of one scenario's run and replications.
    """
    scenario = run.scenario
    units = run.summary.get("units")
    rows = units if isinstance(units, list) else scenario.get("forces", [])
    with_forces = [u["nation"] for u in rows]
    others = [c["id"] for c in scenario.get("countries", [])]
    others += [n["country"] for n in scenario.get("nodes", [])]
    ordered = list(dict.fromkeys([*with_forces, *others]))
    return {nation: PALETTE[i % len(PALETTE)] for i, nation in enumerate(ordered)}


def country_names(run: Folder) -> dict[str, str]:
    """Country id -> its name (the id when the scenario gives none)."""
    return {c["id"]: c.get("name") or c["id"] for c in run.scenario.get("countries", [])}


def milestone_numbers(run: Run) -> dict[str, int]:
    """Milestone id -> its number on the timeline (1, 2, ... in summary order)."""
    return {m["id"]: i for i, m in enumerate(run.summary.get("milestones", []), start=1)}


def span_of(values: Iterable[float | None]) -> tuple[float, float] | None:
    present = [v for v in values if v is not None]
    return (min(present), max(present)) if present else None


def stagger(positions: Sequence[float], gap: float, levels: int) -> list[int]:
    """A label level per position so that labels closer than ``gap`` do not collide.

    Greedy, in order of position: each label takes the lowest level whose last
    label is far enough away; when none is, the level whose last label is farthest.
    """
    last: list[float] = [-math.inf] * levels
    out = [0] * len(positions)
    for index in sorted(range(len(positions)), key=lambda i: positions[i]):
        x = positions[index]
        level = next((k for k in range(levels) if x - last[k] >= gap), None)
        if level is None:
            level = min(range(levels), key=lambda k: last[k])
        last[level] = x
        out[index] = level
    return out


def date_axis(ax: Axes, d_day: float, lo: float, hi: float, most: int = 9) -> None:
    """Dates (UTC) below, days from D-day above, D-day as a solid line.

    ``most`` ticks at most: fewer for a narrow chart, so that the dates keep apart.
    """
    ax.set_xlim(lo, hi)
    locator = mdates.AutoDateLocator(tz=dt.UTC, minticks=4 if most >= 9 else 3, maxticks=most)  # type: ignore[no-untyped-call]
    if most < 9:
        # With few ticks, a span of under three days (or hours) needs a step of a day
        # (or an hour) to stay within them.
        locator.intervald[mdates.HOURLY] = [1, 2, 3, 4, 6, 12, 24]
        locator.intervald[mdates.MINUTELY] = [1, 5, 10, 15, 30, 60]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=dt.UTC)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel("date and time (UTC)")

    def to_d(x: Any) -> Any:
        return x - d_day

    def from_d(x: Any) -> Any:
        return x + d_day

    top = ax.secondary_xaxis("top", functions=(to_d, from_d))
    if most < 9:
        top.xaxis.set_major_locator(MaxNLocator(nbins=most, steps=[1, 2, 2.5, 5, 10]))
    top.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "D" if abs(v) < 1e-9 else f"D{v:+g}"))
    top.set_xlabel("days from D-day")
    if lo <= d_day <= hi:
        ax.axvline(d_day, color="#000000", linewidth=2.0, zorder=4)
