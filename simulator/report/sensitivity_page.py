"""The report of a sensitivity study: one self-contained page of tornado charts.

:func:`build_sensitivity_report` reads a folder saved by ``tabletop
sensitivity`` and adds:

``report.html``                      the page: the study in key figures, then per
                                     output its tornado chart and its table of
                                     indices (the terminal's), and how the study
                                     was made
``charts/sensitivity-<output>.png``  one tornado chart per output, for slides (and ``.svg``)

The figures are those of ``sensitivity.json``: the order of the bars and of
the rows is its ranking.  The page is built of the blocks of
:mod:`simulator.report.page`, like a run's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.experiment.sensitivity import design_text, index_rows
from simulator.report.charts.studies import Sensitivity, load_sensitivity
from simulator.report.charts.tornado import tornado
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
    none,
    save_chart,
    section,
    table,
    write_page,
)

__all__ = ["build_sensitivity_report", "chart_name", "render_sensitivity_page"]


def chart_name(output: str) -> str:
    """The file name stem of an output's chart: ``sensitivity-closure_all``."""
    return f"sensitivity-{sanitise_name(output)}"


def build_sensitivity_report(folder: Path, study: Sensitivity | None = None) -> Path:
    """Write the HTML report of a saved sensitivity study and its charts into its folder.

    Args:
        folder: The folder (written by ``tabletop sensitivity``).
        study: The study if already read (else it is read from ``folder``).

    Returns:
        The path of the new page (``report.html``, or ``report-N.html``).

    Raises:
        OSError: If a file cannot be read or written.
        ValueError: If a file of the folder is missing or not what it should be.
    """
    study = study or load_sensitivity(folder)
    charts_dir = folder / CHART_DIR
    charts_dir.mkdir(exist_ok=True)
    charts = []
    for key in study.result["outputs"]:
        fig = tornado(study, key)
        if fig is not None:
            charts.append(save_chart(charts_dir, chart_name(key), key, fig, True))
    return write_page(folder, render_sensitivity_page(study, charts))


def render_sensitivity_page(study: Sensitivity, charts: Sequence[Chart]) -> str:
    """The whole HTML page of a sensitivity study."""
    result = study.result
    by_name = {c.name: c for c in charts}
    outputs = list(result["outputs"])
    anchors = {key: f"output-{index}" for index, key in enumerate(outputs, start=1)}
    sections = [_key_figures(study)]
    sections += [_output(study, key, anchors[key], by_name) for key in outputs]
    facts = [
        f"scenario {result.get('scenario')}",
        design_text(result),
        f"{result.get('runs')} samples \u00d7 {result.get('replications')} replications",
        f"seed {result.get('seed')}",
    ]
    head = header(f"{study.title}: sensitivity", facts, None)
    nav = [("key-figures", "Key figures"), *((anchors[key], key) for key in outputs)]
    return document(
        f"{study.title}: sensitivity", head, sections, nav,
        footer("study", study.design, study.folder, result.get("scenario_sha256")),
    )  # fmt: skip


def _key_figures(study: Sensitivity) -> Html:
    result = study.result
    quantiles = result.get("quantiles") or [None, None]
    figures: list[tuple[str, str]] = [
        ("Method", design_text(result)),
        (
            "Samples \u00d7 replications",
            f"{result.get('runs')} \u00d7 {result.get('replications')}",
        ),
        ("Factors", f"{len(result['factors'])}"),
        ("Each factor fixed between its quantiles", f"{quantiles[0]} and {quantiles[1]}"),
    ]
    for key, entry in result["outputs"].items():
        indices = entry.get("indices") or []
        if indices:
            figures.append((f"Decides {key} most", indices[0]["factor"]))
    if result.get("set"):
        figures.append(("Set in every sample", " ".join(result["set"])))
    if result["method"] == "morris":
        meaning = (
            "mu* is the mean absolute change of the output when the factor goes across its "
            "whole range of quantiles, in the output's unit (hours, or a share), with a 95 % "
            "bootstrap interval; mu keeps the sign (negative: the output falls as the factor "
            "rises); sigma is the spread of the changes, large when the factor interacts "
            "with others."
        )
    else:
        meaning = (
            "S1 is the share of the output's variance due to the factor alone, ST with all "
            "its interactions, each with a 95 % bootstrap interval."
        )
    return section("key-figures", "Key figures", cards(figures), f"<p>{esc(meaning)}</p>")


def _output(study: Sensitivity, key: str, anchor: str, charts: Mapping[str, Chart]) -> Html:
    entry = study.result["outputs"][key]
    if entry.get("indices") is None:
        return section(anchor, key, none(
            f"No indices: {key} is missing in {entry.get('missing')} samples (a milestone "
            "never reached in every replication of a sample)."
        ))  # fmt: skip
    chart = charts.get(chart_name(key))
    headers, rows = index_rows(study.result, key)
    listing = table(headers, rows, numeric=(0, 3, 4, 5))
    if chart is None:
        return section(anchor, key, none(f"Every factor's index is 0: none moves {key}."),
                       listing)  # fmt: skip
    caption = (
        "Factors ranked by mu*, largest on top, with its 95 % interval; the colour is the "
        "sign of mu."
        if study.result["method"] == "morris"
        else "Factors ranked by ST, largest on top: ST (solid) and S1 (hatched), each with "
        "its 95 % interval."
    )
    return section(anchor, key, figure(chart, caption), listing)
