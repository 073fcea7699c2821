"""The report of a run of replications: one self-contained page of bands and histograms.

:func:`build_replications_report` reads a folder saved by ``tabletop run
--replications N`` and adds:

``report.html``                 the page: key figures; each nation's closure curve with
                                its P10-P90 band; a histogram per milestone against its
                                observed window; the tables of milestones, closure, units,
                                phases, assets and waits; how the run was made
``charts/closure-bands.png``    the closure curves, for slides (and ``.svg``)
``charts/milestone-<id>.svg``   one histogram per milestone with an observed window

The figures are those of ``summary.json`` (the statistics) and of
``replications.jsonl`` (the curves and histograms), see
:mod:`simulator.report.charts.studies`.  The page is built of the blocks of
:mod:`simulator.report.page`, like a single run's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.report.charts import asset_label
from simulator.report.charts.bands import closure_bands
from simulator.report.charts.histograms import milestone_histograms
from simulator.report.charts.studies import Replications, load_replications
from simulator.report.files import sanitise_name
from simulator.report.page import (
    CHART_DIR,
    Chart,
    Html,
    cards,
    document,
    esc,
    figure,
    footer,
    header,
    hours,
    instant,
    nation_name,
    none,
    observed_window,
    place_names,
    save_chart,
    section,
    table,
    when,
)
from simulator.report.page import write_page as _write_page

__all__ = ["BANDS", "build_replications_report", "render_replications_page"]

BANDS = "closure-bands"
"""File name stem of the closure curves."""

_SECTIONS = (
    ("key-figures", "Key figures"),
    ("closure", "Closure"),
    ("milestones", "Milestones"),
    ("units", "Units"),
    ("phases", "Phases"),
    ("assets", "Assets"),
    ("bottlenecks", "Waits"),
)


def build_replications_report(folder: Path, reps: Replications | None = None) -> Path:
    """Write the HTML report of saved replications and its charts into their folder.

    Args:
        folder: The folder (written by ``tabletop run --replications``).
        reps: The replications if already read (else they are read from ``folder``).

    Returns:
        The path of the new page (``report.html``, or ``report-N.html``).

    Raises:
        OSError: If a file cannot be read or written.
        ValueError: If a file of the folder is missing or not what it should be.
    """
    reps = reps or load_replications(folder)
    charts_dir = folder / CHART_DIR
    charts_dir.mkdir(exist_ok=True)
    charts = []
    bands = closure_bands(reps)
    if bands is not None:
        charts.append(save_chart(charts_dir, BANDS, "Closure across replications", bands, True))
    for milestone, fig in milestone_histograms(reps):
        name = f"milestone-{sanitise_name(milestone)}"
        charts.append(save_chart(charts_dir, name, milestone, fig, False))
    return _write_page(folder, render_replications_page(reps, charts))


def render_replications_page(reps: Replications, charts: Sequence[Chart]) -> str:
    """The whole HTML page of saved replications.

    Args:
        reps: The replications.
        charts: The charts to embed (those missing leave their place empty).
    """
    by_name = {c.name: c for c in charts}
    sections = [
        _key_figures(reps),
        _closure(reps, by_name.get(BANDS)),
        _milestones(reps, by_name),
        _units(reps),
        _phases(reps),
        _assets(reps),
        _bottlenecks(reps),
    ]
    clock = reps.model.clock
    facts = [
        f"scenario {reps.model.name}",
        f"{reps.count:,} replications",
        f"seed {reps.summary.get('seed')}",
        f"start {clock.start:%Y-%m-%d %H:%M} UTC",
        f"D-day {clock.d_day:%Y-%m-%d %H:%M} UTC",
    ]
    head = header(reps.title, facts, reps.model.description)
    sha = (reps.summary.get("scenario") or {}).get("sha256")
    return document(reps.title, head, sections, _SECTIONS, footer("run", reps.manifest,
                    reps.folder, sha))  # fmt: skip


def _share(p: Any, ci: Any = None) -> Html:
    """A share as ``41 %``, with its interval below it (``38\u201344 %``); a dash when missing."""
    if p is None:
        return esc(None)
    text = esc(f"{float(p):.0%}".replace("%", "\u00a0%"))
    if not ci:
        return text
    low, high = f"{float(ci[0]):.0%}".rstrip("%"), f"{float(ci[1]):.0%}".replace("%", "\u00a0%")
    return Html(f"{text}<br><small>{esc(low)}\u2013{esc(high)}</small>")


def _spread(entry: Mapping[str, Any] | None) -> Html:
    """P10 to P90 of an instant, on two lines."""
    if not entry or entry.get("p10") is None:
        return esc(None)
    return Html(f"{when(entry, 'p10')} \u2013<br>{when(entry, 'p90')}")


def _days(entry: Mapping[str, Any] | None) -> str | None:
    """P10 to P90 of an instant in days from D-day, and how far apart: a card's value."""
    if not entry or entry.get("p10_d") is None or entry.get("p90_d") is None:
        return None
    lo, hi = float(entry["p10_d"]), float(entry["p90_d"])
    # A non-breaking hyphen: "D-3.47" is not cut after its D.
    return f"D{lo:+.2f} to D{hi:+.2f} ({hi - lo:.1f} days)".replace("-", "\u2011")


def _key_figures(reps: Replications) -> Html:
    closure = reps.statistics("closure")
    overall = closure.get("all")
    milestones = reps.statistics("milestones")
    windowed = [m for m in reps.model.milestones if m.observed.earliest or m.observed.latest]
    often = sum(
        1 for m in windowed if (milestones.get(m.id, {}).get("p_within_window") or 0.0) >= 0.5
    )
    units = reps.statistics("units")
    required = [u for u in units.values() if u.get("p_late") is not None]
    late = sum(1 for u in required if u["p_late"] > 0)
    waits = reps.statistics("bottlenecks")
    top = max(waits.items(), key=lambda kv: kv[1].get("p_largest") or 0.0, default=None)
    figures: list[tuple[str, str]] = [
        ("Replications", f"{reps.count:,}"),
        ("All loads closed: median", when(overall, "p50")),
        ("All loads closed: P10 to P90", esc(_days(overall))),
        ("Milestones in their window in half the replications or more",
         f"{often} of {len(windowed)}"),
        ("Units late in some replication", f"{late} of {len(required)} with a required date"),
    ]  # fmt: skip
    if top is not None and top[1].get("p_largest"):
        place = place_names(reps).get(top[1].get("place", ""), top[1].get("place", top[0]))
        cause = top[1].get("cause", "")
        text = f"{place}: {cause}, in {float(top[1]['p_largest']):.0%} of them"
        figures.append(("Most often the largest wait", text))
    listing = table(
        ["nation", "mean", "P10", "P50", "P90", "95 % CI of the mean", "never closed"],
        [
            [nation_name(reps, key), when(e, "mean"), when(e, "p10"), when(e, "p50"),
             when(e, "p90"), _interval(e.get("ci95")), e.get("missing")]
            for key, e in closure.items()
        ],
        numeric=(6,),
        classes=["total" if key == "all" else "" for key in closure],
    )  # fmt: skip
    return section(
        "key-figures", "Key figures", cards(figures),
        "<h3>Every load of the nation closed (t100)</h3>", listing,
    )  # fmt: skip


def _interval(ci: Any) -> Html:
    if not ci:
        return esc(None)
    return Html(f"{instant(ci[0])} \u2013<br>{instant(ci[1])}")


def _closure(reps: Replications, chart: Chart | None) -> Html:
    if reps.curves is None:
        return section("closure", "Closure across replications", none(
            "This folder's replications.jsonl keeps no record of the loads (it was saved "
            "by an earlier tabletop): run the replications again to draw the closure curves."
        ))  # fmt: skip
    if chart is None:
        return section("closure", "Closure across replications",
                       none("No load arrived in any replication."))  # fmt: skip
    return section(
        "closure",
        "Closure across replications",
        figure(
            chart,
            "Per nation, the share of its force closed (the least of its shares of people, "
            "vehicles and tonnes) at each instant: the line is the median of the "
            f"{reps.count:,} replications, the band runs from the 10th to the 90th "
            "percentile (a tenth of the replications had closed less than its lower edge). "
            "Dash-dotted: deadlines of the closure milestones; dashed: the units' "
            "required dates.",
        ),
    )


def _milestones(reps: Replications, charts: Mapping[str, Chart]) -> Html:
    stats = reps.statistics("milestones")
    if not reps.model.milestones:
        return section("milestones", "Milestones", none("The scenario has no milestones."))
    grid = "".join(
        figure(charts.get(f"milestone-{sanitise_name(m.id)}"), f"{number}: {m.id}.")
        for number, m in enumerate(reps.model.milestones, start=1)
    )
    rows = []
    for number, m in enumerate(reps.model.milestones, start=1):
        entry = stats.get(m.id, {})
        window = {
            "earliest": None if m.observed.earliest is None
            else m.observed.earliest.strftime("%Y-%m-%dT%H:%M"),
            "latest": None if m.observed.latest is None
            else m.observed.latest.strftime("%Y-%m-%dT%H:%M"),
        }  # fmt: skip
        rows.append(
            [
                number,
                Html(f"{esc(m.name)}<br><small>{esc(m.id)}</small>") if m.name else esc(m.id),
                observed_window(window), when(entry, "p10"), when(entry, "p50"),
                when(entry, "p90"),
                _share(entry.get("p_within_window"), entry.get("p_within_window_ci95")),
                entry.get("missing"),
            ]
        )  # fmt: skip
    listing = table(
        ["#", "milestone", "observed (UTC)", "P10", "P50", "P90", "in window (95 % CI)",
         "never"],
        rows,
        numeric=(0, 6, 7),
    )  # fmt: skip
    note = (
        "<p>Each chart: how many replications reached the milestone in each bin of time; the "
        "shaded band is its observed window (one bound only: shaded to the edge). In window: "
        "the share of all replications inside it, one where it never happened counting as "
        "outside.</p>"
    )
    return section(
        "milestones", "Milestones: simulated across replications against observed",
        Html(f'<div class="grid">{grid}</div>') if grid else "", note, listing,
    )  # fmt: skip


def _units(reps: Replications) -> Html:
    stats = reps.statistics("units")
    rows = []
    for unit in reps.model.forces:
        entry = stats.get(unit.id)
        if entry is None:
            continue
        rows.append(
            [unit.name or unit.id, nation_name(reps, unit.nation), when(entry, "required_by"),
             when(entry, "p50"), _spread(entry), _share(entry.get("p_late"),
             entry.get("p_late_ci95")), entry.get("missing")]
        )  # fmt: skip
    if not rows:
        return section("units", "Units", none("The scenario has no forces."))
    listing = table(
        ["unit", "nation", "required by", "arrives: P50", "P10 \u2013 P90",
         "late (95 % CI)", "never closed"],
        rows,
        numeric=(5, 6),
    )  # fmt: skip
    return section("units", "Units: arrival and lateness", listing)


def _phases(reps: Replications) -> Html:
    stats = reps.statistics("phases")
    names = {p.id: p.name or p.id for p in reps.model.operations.phases}
    rows = [
        [
            names.get(key, "Deployment" if key == "deployment" else key),
            when(e, "mean"),
            when(e, "p10"),
            when(e, "p50"),
            when(e, "p90"),
            e.get("missing"),
        ]
        for key, e in stats.items()
    ]
    if not rows:
        return Html("")
    listing = table(["phase", "ends: mean", "P10", "P50", "P90", "never ended"], rows, (5,))
    return section("phases", "Phases: when each ended", listing)


def _assets(reps: Replications) -> Html:
    stats = reps.statistics("assets")
    rows = [
        [asset_label(reps, {"asset": key, **e}), e.get("kind"), _percent(e.get("mean")),
         _percent(e.get("p10")), _percent(e.get("p50")), _percent(e.get("p90"))]
        for key, e in stats.items()
    ]  # fmt: skip
    if not rows:
        return Html("")
    listing = table(["asset", "kind", "utilisation: mean", "P10", "P50", "P90"], rows,
                    numeric=(2, 3, 4, 5))  # fmt: skip
    return section("assets", "Asset use: utilisation across replications", listing)


def _percent(value: Any) -> Html:
    return esc(None) if value is None else esc(f"{float(value):.1%}")


def _bottlenecks(reps: Replications) -> Html:
    stats = reps.statistics("bottlenecks")
    places = place_names(reps)
    rows = [
        [places.get(e.get("place", key), e.get("place", key)), e.get("cause"),
         hours(e.get("mean")), hours(e.get("p90")),
         _share(e.get("p_largest"), e.get("p_largest_ci95"))]
        for key, e in stats.items()
    ]  # fmt: skip
    if not rows:
        return section("bottlenecks", "Waits", none("Nothing waited in any replication."))
    listing = table(
        ["place", "cause", "load-hours: mean", "P90", "the largest wait (95 % CI)"],
        rows,
        numeric=(2, 3, 4),
    )
    return section("bottlenecks", "Waits by place and cause, across replications", listing)
