"""Charts of a saved run, one module per chart.

Each chart is one function that takes a :class:`~simulator.report.charts.base.Run`
and returns a matplotlib :class:`~matplotlib.figure.Figure`, or ``None`` when
the run gives it nothing to show (no place, no arrival, no asset):

* :mod:`~simulator.report.charts.timeline` - :func:`timeline` (the Gantt
  chart of moves, waits, tasks and milestones) and :func:`operations` (the
  last operations phases, zoomed in);
* :mod:`~simulator.report.charts.closure` - :func:`closure`, the share of the
  force closed over time;
* :mod:`~simulator.report.charts.routes` - :func:`route_map`, borders, places
  and legs, with labels placed by :mod:`~simulator.report.charts.labels`;
* :mod:`~simulator.report.charts.assets` - :func:`asset_use`, utilisation over
  the whole run and over each asset's active window.

What they share (the run read back, the style, saving to PNG and SVG) is in
:mod:`~simulator.report.charts.base`.

The charts of folders of many runs, read back by
:mod:`~simulator.report.charts.studies`, take a ``Replications`` or a
``Sensitivity`` instead:

* :mod:`~simulator.report.charts.bands` - :func:`closure_bands`, each nation's
  closure curve across replications, its median and P10-P90 band;
* :mod:`~simulator.report.charts.histograms` - :func:`milestone_histogram`,
  a milestone's instant across replications against its observed window;
* :mod:`~simulator.report.charts.tornado` - :func:`tornado`, the factors of
  one output of a sensitivity study ranked by their index.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import Figure

from simulator.report.charts.assets import asset_label, asset_use
from simulator.report.charts.base import (
    MODE_STYLES,
    PALETTE,
    PNG_DPI,
    STYLE,
    Run,
    country_names,
    load_run,
    milestone_numbers,
    nation_colours,
    parse_time,
    png_bytes,
    short,
    svg_bytes,
)
from simulator.report.charts.closure import closure
from simulator.report.charts.routes import place_label, route_map
from simulator.report.charts.timeline import operations, timeline

__all__ = [
    "CHARTS", "MODE_STYLES", "PALETTE", "PNG_CHARTS", "PNG_DPI", "STYLE", "Run", "asset_label",
    "asset_use", "closure", "country_names", "load_run", "milestone_numbers", "nation_colours",
    "operations",
    "parse_time", "place_label", "png_bytes", "route_map", "short", "svg_bytes", "timeline",
]  # fmt: skip

CHARTS: dict[str, tuple[str, Callable[[Run], Figure | None]]] = {
    "timeline": ("Timeline", timeline),
    "operations": ("Operations, zoomed in", operations),
    "closure": ("Closure curve", closure),
    "routes": ("Route map", route_map),
    "assets": ("Asset use", asset_use),
}
"""Chart file name -> (title, function), in report order.  A function returns None when
its chart has nothing to show for the run (no zoom needed, no asset, ...)."""

PNG_CHARTS = frozenset({"timeline", "closure", "routes"})
"""The charts also saved as PNG, for slides: the timeline, the closure curve and the map.
The zoomed operations and the asset use are read on the page (and kept as SVG)."""
