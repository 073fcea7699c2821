"""The summary of many replications of one scenario, and its rendering.

JSON contract (``tabletop run --replications N --format json``): top-level
``schema_version``, ``scenario``, ``seed``, ``replications`` and ``statistics``, which holds
``milestones``, ``units``, ``closure`` and ``phases``, each keyed by id. Every
entry has ``mean``, ``sd``, ``p10``, ``p50``, ``p90`` and ``ci95`` (a 95%
confidence interval of the mean), ``n`` and ``missing`` (replications where it
never happened). Instants are ISO UTC text with a ``_d`` companion (days from
D-day); ``sd`` is in hours. Milestones also carry ``p_within_window`` and its
95% interval ``p_within_window_ci95``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from simulator.analysis.summary import SCHEMA_VERSION
from simulator.experiment.replicate import Outputs, statistics
from simulator.experiment.scalars import Scalars
from simulator.model.clock import Clock
from simulator.report.render import section_csv
from simulator.scenario.models import Scenario
from simulator.wording import counted

SECTIONS = {"milestone": "milestones", "unit": "units", "closure": "closure", "phase": "phases"}
"""Output key prefix -> statistics section."""


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


def replication_summary(
    scenario: Scenario, seed: int, runs: Scalars | Sequence[Outputs], sha256: str | None = None
) -> dict[str, Any]:
    """Statistics of every milestone, unit, nation's closure and phase over ``runs``."""
    clock = Clock(scenario.clock.start, scenario.clock.d_day)
    table = statistics(runs)
    order = {
        "milestone": [m.id for m in scenario.milestones],
        "unit": [u.id for u in scenario.forces],
        "closure": [*dict.fromkeys(u.nation for u in scenario.forces), "all"],
        "phase": ["deployment", *(p.id for p in scenario.operations.phases)],
    }
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS.values()}
    for prefix, section in SECTIONS.items():
        for name in order[prefix]:
            stats = table.get(f"{prefix}:{name}")
            if stats is not None:
                sections[section][name] = _instants(stats, clock)
    for name, entry in sections["milestones"].items():
        within = table.get(f"within:{name}")
        if within is not None:
            entry["p_within_window"] = None if within["p"] is None else round(within["p"], 6)
            entry["p_within_window_ci95"] = (
                None if within["ci95"] is None else [round(x, 6) for x in within["ci95"]]
            )
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": scenario.name, "title": scenario.title, "sha256": sha256},
        "seed": seed,
        "replications": len(runs),
        "statistics": sections,
    }


def _when(entry: dict[str, Any], key: str) -> str:
    iso = entry.get(key)
    if iso is None:
        return "-"
    return f"{iso[5:16].replace('T', ' ')} ({entry[key + '_d']:+.2f})"


def rows(summary: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """A statistics section as rows with an ``id`` (for CSV)."""
    return [{"id": key, **value} for key, value in summary["statistics"][section].items()]


def statistics_csv(summary: dict[str, Any], section: str) -> str:
    """A statistics section as CSV, with its header even when it has no rows."""
    from simulator.analysis.output_schema import statistics_fields

    return section_csv(rows(summary, section), statistics_fields(section))


def render_replications(summary: dict[str, Any], fmt: str) -> str:
    """The replication summary as text (table, markdown, csv) or JSON."""
    import json

    if fmt == "json":
        return json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return "\n".join(
            f"# {section}\n{statistics_csv(summary, section)}" for section in SECTIONS.values()
        )
    style = "github" if fmt == "markdown" else "simple"
    head = "# " if fmt == "markdown" else ""
    sub = "## " if fmt == "markdown" else ""
    title = summary["scenario"]["title"] or summary["scenario"]["name"]
    out = [
        f"{head}{title}: {counted(summary['replications'], 'replication')} "
        f"(seed {summary['seed']})",
        "Instants as MM-DD hh:mm UTC (days from D-day); sd in hours; CI: 95% of the mean.",
        "",
    ]
    captions = {
        "milestones": "Milestones",
        "closure": "Closure (100% of every load) by nation",
        "phases": "Phases (end)",
        "units": "Units (arrival)",
    }
    for section, caption in captions.items():
        table = []
        for key, e in summary["statistics"][section].items():
            row = [key, _when(e, "mean"), "-" if e["sd"] is None else f"{e['sd']:.1f}",
                   _when(e, "p10"), _when(e, "p50"), _when(e, "p90"),
                   "-" if e["ci95"] is None else
                   f"{e['ci95'][0][5:16].replace('T', ' ')} .. {e['ci95'][1][11:16]}"]  # fmt: skip
            if section == "milestones":
                p = e.get("p_within_window")
                row.append("-" if p is None else f"{p:.1%}")
            table.append(row)
        headers = ["id", "mean", "sd h", "P10", "P50", "P90", "95% CI of mean"]
        if section == "milestones":
            headers.append("P(in window)")
        entries = list(summary["statistics"][section].values())
        if any(e["missing"] for e in entries):
            headers.append("missing")
            for row, e in zip(table, entries, strict=True):
                row.append(str(e["missing"]))
        out.append(f"{sub}{caption}")
        out.append(str(tabulate(table, headers, tablefmt=style, disable_numparse=True)))
        out.append("")
    return "\n".join(out)
