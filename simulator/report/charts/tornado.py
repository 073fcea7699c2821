"""Sensitivity: the factors of one output ranked by their index, as horizontal bars.

:func:`tornado` draws, for one output of a saved study, a bar per factor in
the order of ``sensitivity.json`` (ranked by Morris ``mu*`` or Sobol ``ST``),
largest on top, each with its 95% interval as an error bar: Morris's ``mu*``
coloured by the sign of ``mu`` (the output rises or falls with the factor),
or Sobol's ``ST`` and ``S1`` side by side.  The factors whose index and
interval are both 0, and any beyond the 30th, are not drawn, only counted
under the chart (the page's table lists them all).
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.experiment.sensitivity import factor_span, output_unit
from simulator.report.charts.base import (
    FIGURE_WIDTH_IN,
    MISS,
    PALETTE,
    ROW_IN,
    chart_style,
    freeze_layout,
    new_figure,
    short,
)
from simulator.report.charts.studies import Sensitivity

__all__ = ["FALLS", "RISES", "drawn_factors", "tornado"]

RISES = MISS
"""Colour of a factor the output rises with (Morris ``mu`` > 0)."""
FALLS = PALETTE[0]
"""Colour of a factor the output falls as it rises (``mu`` < 0)."""

_MOST = 30
"""Factors drawn at most; the table on the page lists them all."""


def drawn_factors(study: Sensitivity, key: str) -> tuple[list[dict[str, Any]], int, int]:
    """The indices of one output drawn, in rank order; those at 0 and those past the 30th.

    A factor is not drawn when its index and its interval are both 0 (or
    missing), or when it ranks below the 30th.
    """
    indices = study.result["outputs"][key]["indices"] or []
    conf = f"{study.rank_key}_conf"
    moving = [x for x in indices if (x.get(study.rank_key) or 0.0) or (x.get(conf) or 0.0)]
    return moving[:_MOST], len(indices) - len(moving), max(0, len(moving) - _MOST)


def tornado(study: Sensitivity, key: str) -> Figure | None:
    """The factors of output ``key`` ranked by their index, with 95% intervals.

    Returns:
        The figure, or None when the output has no indices or every one is 0.
    """
    shown, zero, beyond = drawn_factors(study, key)
    if not shown:
        return None
    with chart_style():
        fig = _tornado(study, key, shown, _left_out(study, zero, beyond))
    return freeze_layout(fig)


def _left_out(study: Sensitivity, zero: int, beyond: int) -> str:
    """What the chart leaves out, in words; empty if nothing."""
    index = "mu*" if study.result["method"] == "morris" else "ST"
    parts = []
    if beyond:
        parts.append(f"{beyond} more with a smaller {index}")
    if zero:
        parts.append(f"{zero} with {index} = 0")
    return ("not drawn: " + " and ".join(parts) + " (in the table)") if parts else ""


def _tornado(study: Sensitivity, key: str, shown: list[dict[str, Any]], left_out: str) -> Figure:
    result = study.result
    morris = result["method"] == "morris"
    rows = len(shown)
    fig = new_figure(FIGURE_WIDTH_IN, 2.6 + 2 * ROW_IN * rows)
    ax = fig.add_subplot()
    ys = range(rows)
    if morris:
        values = [float(x.get("mu_star") or 0.0) for x in shown]
        errors = [float(x.get("mu_star_conf") or 0.0) for x in shown]
        colours = [RISES if (x.get("mu") or 0.0) > 0 else FALLS for x in shown]
        ax.barh(list(ys), values, height=0.62, color=colours, edgecolor="#000000",
                linewidth=0.6, xerr=errors, error_kw={"ecolor": "#000000", "capsize": 4,
                "elinewidth": 1.4}, zorder=3)  # fmt: skip
        unit = output_unit(key)
        digits = 3 if unit == "share" else 2
        labels = [
            f"{v:.{digits}f} \u00b1 {e:.{digits}f}" for v, e in zip(values, errors, strict=True)
        ]
        ends = [v + e for v, e in zip(values, errors, strict=True)]
        ax.set_xlabel(f"mu*: mean |change| of {key} over the factor's range ({unit})")
        handles = [Patch(facecolor=RISES, edgecolor="#000000"),
                   Patch(facecolor=FALLS, edgecolor="#000000")]  # fmt: skip
        names = [
            f"{key} rises with the factor (mu > 0)",
            f"{key} falls as the factor rises (mu \u2264 0)",
        ]
    else:
        total = [float(x.get("ST") or 0.0) for x in shown]
        first = [float(x.get("S1") or 0.0) for x in shown]
        total_e = [float(x.get("ST_conf") or 0.0) for x in shown]
        first_e = [float(x.get("S1_conf") or 0.0) for x in shown]
        error = {"ecolor": "#000000", "capsize": 3, "elinewidth": 1.2}
        ax.barh([y - 0.19 for y in ys], total, height=0.36, color=PALETTE[0], edgecolor="#000000",
                linewidth=0.6, xerr=total_e, error_kw=error, zorder=3)  # fmt: skip
        ax.barh([y + 0.19 for y in ys], first, height=0.36, color="#FFFFFF", edgecolor=PALETTE[0],
                linewidth=1.6, hatch="//", xerr=first_e, error_kw=error, zorder=3)  # fmt: skip
        labels = [
            f"ST {t:.3f} \u00b1 {te:.3f}   S1 {s:.3f} \u00b1 {se:.3f}"
            for t, te, s, se in zip(total, total_e, first, first_e, strict=True)
        ]
        ends = [max(t + te, s + se) for t, te, s, se in zip(total, total_e, first, first_e,
                                                             strict=True)]  # fmt: skip
        ax.set_xlabel(f"Sobol index of {key}: share of its variance")
        handles = [Patch(facecolor=PALETTE[0], edgecolor="#000000"),
                   Patch(facecolor="#FFFFFF", edgecolor=PALETTE[0], hatch="//")]  # fmt: skip
        names = ["ST: the factor with its interactions", "S1: the factor alone"]
        starts = [min(t - te, s - se) for t, te, s, se in zip(total, total_e, first, first_e,
                                                              strict=True)]  # fmt: skip
        ax.axvline(0, color="#000000", linewidth=1.0, zorder=2)
    widest = max([*ends, 1e-9])
    least = 0.0 if morris else min(0.0, *starts)
    # Room on the right for the figures written after each bar.
    ax.set_xlim(least, widest * 1.45 + (0.0 if morris else 0.35 * widest))
    for y, end, text in zip(ys, ends, labels, strict=True):
        ax.text(end + 0.015 * widest, y, " " + text, va="center", ha="left", fontsize=11)
    ax.set_yticks(list(ys))
    ax.set_yticklabels(
        [f"{short(x['factor'], 46)}\n{factor_span(result, x['factor'])}" for x in shown],
        fontsize=11,
    )
    ax.set_ylim(rows - 0.5, -0.5)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    if left_out:
        handles.append(Patch(facecolor="none", edgecolor="none"))
        names.append(left_out)
    fig.legend(handles, names, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle(f"What decides {short(key, 60)}\n{short(study.title, 70)}")
    return fig
