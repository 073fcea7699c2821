"""The summary of many replications of one scenario, and its rendering.

JSON contract (``tabletop run --replications N --format json``): top-level
``schema_version``, ``scenario``, ``seed``, ``replications`` and ``statistics``, which holds
``milestones``, ``units``, ``closure``, ``phases``, ``assets`` and ``bottlenecks``, each
keyed by id. Every entry of the first four has ``mean``, ``sd``, ``p10``, ``p50``, ``p90``
and ``ci95`` (a 95% confidence interval of the mean), ``n`` and ``missing`` (replications
where it never happened). Instants are ISO UTC text with a ``_d`` companion (days from
D-day); ``sd`` is in hours. Milestones also carry ``p_within_window`` and its 95% interval
``p_within_window_ci95``; units their ``required_by`` and ``p_late`` (with
``p_late_ci95``). ``assets`` gives the same statistics of each asset's utilisation (a
share), ``bottlenecks`` of the load-hours of waiting per place and cause (0 in a
replication without such a wait) with ``p_largest``, the share of replications in which it
was the largest wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.analysis.summary import SCHEMA_VERSION
from simulator.analysis.tables import assets, required_h
from simulator.experiment.replicate import Outputs, proportion, statistics
from simulator.experiment.scalars import Scalars
from simulator.model.clock import Clock
from simulator.report.render import (
    day_time,
    first_waits,
    interval,
    section_csv,
    short_instant,
    table_text,
)
from simulator.scenario.models import Scenario
from simulator.wording import counted

SECTIONS = {
    "milestone": "milestones", "unit": "units", "closure": "closure", "phase": "phases",
    "util": "assets", "wait": "bottlenecks",
}  # fmt: skip
"""Output key prefix -> statistics section."""

INSTANT_SECTIONS = ("milestones", "units", "closure", "phases")
"""Sections whose statistics are of instants."""


def _instants(stats: dict[str, Any], clock: Clock) -> dict[str, Any]:
    out: dict[str, Any] = {"n": stats["n"], "missing": stats["missing"]}
    for key in ("mean", "p10", "p50", "p90"):
        value = stats[key]
        out[key] = clock.iso(value)
        out[f"{key}_d"] = clock.d_plus(value)
    out["sd"] = None if stats["sd"] is None else round(stats["sd"], 3) + 0.0
    ci = stats["ci95"]
    out["ci95"] = None if ci is None else [clock.iso(ci[0]), clock.iso(ci[1])]
    return out


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits) + 0.0


def _figures(stats: dict[str, Any], digits: int) -> dict[str, Any]:
    """Mean, sd, percentiles and interval of a quantity that is not an instant."""
    out: dict[str, Any] = {key: _round(stats[key], digits) for key in ("mean", "p10", "p50", "p90")}
    out["sd"] = _round(stats["sd"], max(digits, 3))
    ci = stats["ci95"]
    out["ci95"] = None if ci is None else [_round(ci[0], digits), _round(ci[1], digits)]
    return out


def _share(stats: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """``p_<name>`` and ``p_<name>_ci95`` of a proportion (None without one)."""
    p = None if stats is None else stats["p"]
    ci = None if stats is None else stats["ci95"]
    return {
        f"p_{name}": _round(p, 6),
        f"p_{name}_ci95": None if ci is None else [_round(x, 6) for x in ci],
    }


def replication_summary(
    scenario: Scenario, seed: int, runs: Scalars | Sequence[Outputs], sha256: str | None = None
) -> dict[str, Any]:
    """Statistics of every milestone, unit, nation's closure, phase, asset and wait."""
    clock = Clock(scenario.clock.start, scenario.clock.d_day)
    table = statistics(runs)
    order = {
        "milestone": [m.id for m in scenario.milestones],
        "unit": [u.id for u in scenario.forces],
        "closure": [*dict.fromkeys(u.nation for u in scenario.forces), "all"],
        "phase": ["deployment", *(p.id for p in scenario.operations.phases)],
    }
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS.values()}
    for prefix, names in order.items():
        for name in names:
            stats = table.get(f"{prefix}:{name}")
            if stats is not None:
                sections[SECTIONS[prefix]][name] = _instants(stats, clock)
    for name, entry in sections["milestones"].items():
        within = table.get(f"within:{name}")
        if within is not None:
            entry["p_within_window"] = None if within["p"] is None else round(within["p"], 6)
            entry["p_within_window_ci95"] = (
                None if within["ci95"] is None else [round(x, 6) for x in within["ci95"]]
            )
    for unit in scenario.forces:
        entry = sections["units"].get(unit.id)
        if entry is not None:
            required = required_h(unit, scenario.clock.start)
            entry["required_by"] = clock.iso(required)
            entry["required_by_d"] = clock.d_plus(required)
            entry.update(_share(table.get(f"late:{unit.id}"), "late"))
    for asset, kind, place in assets(scenario):
        stats = table.get(f"util:{asset}")
        if stats is not None:
            sections["assets"][asset] = {"kind": kind, "place": place, **_figures(stats, 4)}
    waits = []
    for key, stats in table.items():
        if key.startswith("wait:"):
            place, cause = key.split(":", 2)[1:]
            entry = {"place": place, "cause": cause, **_figures(stats, 2)}
            # Never the largest: no replication has its ``top:`` key.
            largest = table.get(f"top:{place}:{cause}") or proportion([0.0] * len(runs))
            entry.update(_share(largest, "largest"))
            waits.append(entry)
    # Largest mean first, as the bottleneck table of a run.
    waits.sort(key=lambda w: (-w["mean"], w["place"], w["cause"]))
    sections["bottlenecks"] = {f"{w['place']}:{w['cause']}": w for w in waits}
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": scenario.name, "title": scenario.title, "sha256": sha256},
        "seed": seed,
        "replications": len(runs),
        "statistics": sections,
    }


def rows(summary: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """A statistics section as rows with an ``id`` (for CSV)."""
    return [{"id": key, **value} for key, value in summary["statistics"][section].items()]


def statistics_csv(summary: dict[str, Any], section: str) -> str:
    """A statistics section as CSV, with its header even when it has no rows."""
    from simulator.analysis.output_schema import statistics_fields

    return section_csv(rows(summary, section), statistics_fields(section))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _percent_interval(ci: list[float] | None) -> str:
    return "-" if ci is None else f"{ci[0]:.1%} .. {ci[1]:.1%}"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _instant_table(entries: dict[str, Any], milestones: bool) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the statistics of instants: the mean with its D+days, the
    percentiles as times alone on the mean's day."""
    headers = ["id", "mean", "sd h", "P10", "P50", "P90", "95% CI of mean"]
    table = []
    for key, e in entries.items():
        row = [key, short_instant(e["mean"], e["mean_d"]), _hours(e["sd"]),
               *(day_time(e[q], e["mean"]) for q in ("p10", "p50", "p90")),
               interval(e["ci95"])]  # fmt: skip
        if milestones:
            row.append(_percent(e.get("p_within_window")))
        table.append(row)
    if milestones:
        headers.append("P(in window)")
    if any(e["missing"] for e in entries.values()):
        headers.append("missing")
        for row, e in zip(table, entries.values(), strict=True):
            row.append(str(e["missing"]))
    return headers, table


def _tables(summary: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(caption, headers, rows, note below) of every table of the summary."""
    stats = summary["statistics"]
    captions = {
        "milestones": "Milestones",
        "closure": "Closure (100% of every load) by nation",
        "phases": "Phases (end)",
        "units": "Units (arrival)",
    }
    out = []
    for section, caption in captions.items():
        headers, table = _instant_table(stats[section], section == "milestones")
        out.append((caption, headers, table, ""))
    needed = {key: e for key, e in stats["units"].items() if e["required_by"] is not None}
    late = [
        [key, short_instant(e["required_by"], e["required_by_d"]), _percent(e["p_late"]),
         _percent_interval(e["p_late_ci95"])]
        for key, e in needed.items()
        if e["p_late"]
    ]  # fmt: skip
    never = len(needed) - len(late)
    out.append((
        "Shortfalls (P(late): closed after its required_by, or never)",
        ["unit", "required by", "P(late)", "95% CI"], late,
        f"({counted(never, 'other unit' if late else 'unit')} with a required_by: never late)"
        if never
        else "" if needed else "(no unit has a required_by)",
    ))  # fmt: skip
    util = [
        [key, e["kind"], _percent(e["mean"]), _percent(e["p90"])]
        for key, e in stats["assets"].items()
    ]
    out.append(("Assets (utilisation)", ["asset", "kind", "mean", "P90"], util, ""))
    shown, note = first_waits(
        list(stats["bottlenecks"].values()), lambda w: w["mean"], lambda w: w["p_largest"] > 0
    )
    out.append((
        "Bottlenecks (load-hours of waiting by place and cause, 0 in a replication without; "
        "P(largest): it was the largest)",
        ["place", "cause", "mean load-h", "P90 load-h", "P(largest)"],
        [[w["place"], w["cause"], _hours(w["mean"]), _hours(w["p90"]),
          _percent(w["p_largest"])] for w in shown],
        note,
    ))  # fmt: skip
    return out


def render_replications(summary: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """The replication summary as text (table, markdown, csv) or JSON.

    Tables are folded to ``width`` columns (default: the terminal's, see
    :func:`simulator.report.render.table_text`).
    """
    import json

    if fmt == "json":
        return json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return "\n".join(
            f"# {section}\n{statistics_csv(summary, section)}" for section in SECTIONS.values()
        )
    head = "# " if fmt == "markdown" else ""
    sub = "## " if fmt == "markdown" else ""
    title = summary["scenario"]["title"] or summary["scenario"]["name"]
    out = [
        f"{head}{title}: {counted(summary['replications'], 'replication')} "
        f"(seed {summary['seed']})",
        "Instants as MM-DD hh:mm UTC: the mean with its days from D-day, P10, P50 and P90 as "
        "hh:mm alone on its day.",
        "sd in hours; CI: 95% interval of the mean; P: share of replications.",
        "",
    ]
    for caption, headers, table, note in _tables(summary):
        out.append(f"{sub}{caption}")
        out.append(table_text(headers, table, fmt, width=width) if table else "(none)")
        if note:
            out.append(note)
        out.append("")
    return "\n".join(out)
