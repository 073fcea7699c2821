"""The report of replications and of a sensitivity study: exact figures, every error path.

A tiny scenario of two nations whose timings are worked out by hand (a train of
100 seats over 100 km at 50 km/h, 2 h a trip, with no handling time):

* nation A: unit ``a1``, 150 people, one train: load ``a1#1`` (100 people)
  arrives at 2 h, the train is back at 4 h, load ``a1#2`` (50) arrives at 6 h;
* nation B: unit ``b1``, 100 people, ready at 1 h, its own train: arrives at 3 h.

Replications are then made by hand (:func:`hand_made`) so that the band and
the histogram can be computed on paper, and saved by the code that saves
``tabletop run --replications``.  The quantile is numpy's default (linear,
type 7): of three values, P10 = x0 + 0.2 (x1 - x0), P50 = x1,
P90 = x1 + 0.8 (x2 - x1).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.commands.report import report, report_for
from simulator.experiment.replicate import replication_seed, run_many, statistics
from simulator.loading import load_scenario
from simulator.report.charts.bands import nation_bands, nation_deadlines
from simulator.report.charts.histograms import milestone_bins
from simulator.report.charts.studies import load_replications, load_sensitivity
from simulator.report.charts.tornado import drawn_factors, tornado
from simulator.report.replications import replication_summary
from simulator.report.save import ReplicationsRun
from tests.browser import ARGS, CHROMIUM, SHOTS, browser_or_skip

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')

TWO_NATIONS = """\
format: 1
name: two-nations
title: Two nations <b>by</b> rail
clock: {start: 2030-01-01T00:00:00Z, d_day: 2030-01-02T00:00:00Z}
countries: [{id: A, name: Alpha}, {id: B, name: Beta}]
nodes:
  - {id: depot, country: A, lat: 0.0, lon: 0.0}
  - {id: camp, country: A, lat: 0.0, lon: 1.0}
links:
  - {id: line, a: depot, b: camp, mode: rail, distance_km: 100, gauge_mm: 1435}
transport_types:
  - id: train
    mode: rail
    gauge_mm: 1435
    capacity: {personnel: 100, tonnes: 1000, outsize: 10}
    speed_kmh: 50
fleets:
  - {id: trains, type: train, count: 1, base: depot}
  - {id: b_trains, type: train, count: 1, base: depot}
forces:
  - {id: a1, nation: A, personnel: 150, origin: depot, destination: camp,
     ready: 2030-01-01T00:00:00Z, mode: rail, fleets: [trains],
     required_by: 2030-01-01T07:00:00Z}
  - {id: b1, nation: B, personnel: 100, origin: depot, destination: camp,
     ready: 2030-01-01T01:00:00Z, mode: rail, fleets: [b_trains]}
milestones:
  - id: a_closed
    name: Alpha <i>closed</i>
    measure: {event: closed, nations: [A]}
    observed: {earliest: 2030-01-01T05:00:00Z, latest: 2030-01-01T07:00:00Z}
"""


def assert_refused_in_one_line(folder: Path, message: str) -> None:
    """``tabletop report FOLDER`` is exit 2, one line naming the folder, and no page."""
    result = CliRunner().invoke(report, [str(folder)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {folder}: ") and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (folder / "report.html").exists()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "two-nations.yaml"
    path.write_text(TWO_NATIONS, "utf-8")
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def one_folder(out: Path) -> Path:
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder


def test_replications_record_each_load_exactly(scenario_file: Path, tmp_path: Path) -> None:
    result = invoke("run", str(scenario_file), "--replications", "2", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = (one_folder(tmp_path) / "replications.jsonl").read_text().splitlines()
    outputs = json.loads(lines[1])["outputs"]
    assert {k: v for k, v in outputs.items() if k.startswith(("arrive:", "load:"))} == {
        "arrive:a1#1": 2.0, "load:a1#1:personnel": 100.0,
        "arrive:a1#2": 6.0, "load:a1#2:personnel": 50.0,
        "arrive:b1#1": 3.0, "load:b1#1:personnel": 100.0,
    }  # fmt: skip


def test_run_replications_with_report(scenario_file: Path, tmp_path: Path) -> None:
    args = ["run", str(scenario_file), "--replications", "2", "--out", str(tmp_path), "--report"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = one_folder(tmp_path)
    assert f"report: {folder / 'report.html'}\n" in result.stderr
    assert (folder / "charts" / "closure-bands.svg").is_file()
    refused = CliRunner().invoke(main, [*args, "--no-save"])
    assert refused.exit_code == 2
    assert "--report needs a saved run (no --no-save)" in refused.output


def test_the_records_leave_every_other_output_and_statistic_as_they_were() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "examples" / "river-crossing.yaml").scenario
    plain = run_many(scenario, 3, 2)
    kept = run_many(scenario, 3, 2, load_arrivals=True)
    for without, with_records in zip(plain, kept, strict=True):
        assert {k: v for k, v in with_records.items() if k in without} == without
        assert any(k.startswith("arrive:") for k in with_records)
        assert not any(k.startswith(("arrive:", "load:")) for k in without)
    assert statistics(kept) == statistics(plain)
    summary = json.dumps(replication_summary(scenario, 3, kept), sort_keys=True)
    assert summary == json.dumps(replication_summary(scenario, 3, plain), sort_keys=True)


def hand_made(scenario_file: Path, root: Path, records: bool = True) -> Path:
    """Three replications of the two nations with arrivals chosen by hand, saved.

    ===========  =====  =====  =====
    load         rep 0  rep 1  rep 2
    ===========  =====  =====  =====
    a1#1 (100)   2 h    4 h    2 h
    a1#2 (50)    6 h    8 h    never
    b1#1 (100)   3 h    1 h    5 h
    ===========  =====  =====  =====
    """
    loaded = load_scenario(scenario_file)
    times = [(2.0, 6.0, 3.0), (4.0, 8.0, 1.0), (2.0, None, 5.0)]
    runs: list[dict[str, float | None]] = []
    for first, second, b in times:
        closed_a = second
        out: dict[str, float | None] = {
            "milestone:a_closed": closed_a,
            "within:a_closed": 1.0 if closed_a is not None and 5 <= closed_a <= 7 else 0.0,
            "unit:a1": closed_a, "unit:b1": b, "closure:A": closed_a, "closure:B": b,
            "closure:all": None if closed_a is None else max(closed_a, b),
            "late:a1": 0.0 if closed_a is not None and closed_a <= 7 else 1.0,
            "phase:deployment": None if closed_a is None else max(closed_a, b),
            "util:trains": 1.0, "util:b_trains": 0.5,
            "wait:depot:train_set": first, "top:depot:train_set": 1.0,
        }  # fmt: skip
        if records:
            out |= {"arrive:a1#1": first, "load:a1#1:personnel": 100.0,
                    "arrive:b1#1": b, "load:b1#1:personnel": 100.0}  # fmt: skip
            if second is not None:
                out |= {"arrive:a1#2": second, "load:a1#2:personnel": 50.0}
        runs.append(out)
    summary = replication_summary(loaded.scenario, 0, runs, loaded.sha256)
    with ReplicationsRun(root, loaded, 0, len(runs), ["tabletop", "run", "hand-made"]) as saving:
        for index, run in enumerate(runs):
            saving.add(index, replication_seed(0, index), run)
        saving.finish(summary)
    return saving.final


def test_the_band_is_exact_by_hand(scenario_file: Path, tmp_path: Path) -> None:
    bands = nation_bands(load_replications(hand_made(scenario_file, tmp_path)))
    assert list(bands) == ["A", "B", "all"]
    # A has 150 people: 100 are 2/3.  At 2 h [0, 2/3, 2/3]; 4 h [2/3]*3; 6 h [2/3, 2/3, 1];
    # 8 h [2/3, 1, 1].
    third = 1 / 3
    expected_a = [(2.0, (0.2 * 2 * third, 2 * third, 2 * third)),
                  (4.0, (2 * third, 2 * third, 2 * third)),
                  (6.0, (2 * third, 2 * third, 2 * third + 0.8 * third)),
                  (8.0, (2 * third + 0.2 * third, 1.0, 1.0))]  # fmt: skip
    # B (100): at 1 h [0, 0, 1]; 3 h [0, 1, 1]; 5 h [1, 1, 1].
    expected_b = [(1.0, (0.0, 0.0, 0.8)), (3.0, (0.2, 1.0, 1.0)), (5.0, (1.0, 1.0, 1.0))]
    # All (250): rep 0 0.4 at 2, 0.8 at 3, 1 at 6; rep 1 0.4 at 1, 0.8 at 4, 1 at 8;
    # rep 2 0.4 at 2, 0.8 at 5.
    expected_all = [(1.0, (0.0, 0.0, 0.32)), (2.0, (0.4, 0.4, 0.4)), (3.0, (0.4, 0.4, 0.72)),
                    (4.0, (0.48, 0.8, 0.8)), (5.0, (0.8, 0.8, 0.8)), (6.0, (0.8, 0.8, 0.96)),
                    (8.0, (0.84, 1.0, 1.0))]  # fmt: skip
    for key, expected in (("A", expected_a), ("B", expected_b), ("all", expected_all)):
        got = bands[key]
        assert [t for t, _ in got] == [t for t, _ in expected]
        for (_, q), (_, e) in zip(got, expected, strict=True):
            assert q == pytest.approx(e, abs=1e-12)


def test_the_deadlines_of_each_nation(scenario_file: Path, tmp_path: Path) -> None:
    deadlines = nation_deadlines(load_replications(hand_made(scenario_file, tmp_path)))
    assert [(when.hour, text.splitlines()[-1], milestone) for when, text, milestone in
            deadlines["A"]] == [(7, "required by", False),
                                (7, "deadline: 100% of A", True)]  # fmt: skip
    assert "B" not in deadlines


def test_the_histogram_counts_are_exact(scenario_file: Path, tmp_path: Path) -> None:
    reps = load_replications(hand_made(scenario_file, tmp_path))
    (milestone,) = reps.model.milestones
    made = milestone_bins(reps, milestone)
    assert made is not None
    bins, width, span = made
    # Instants 6 h, 8 h and never; the window 5-7 h: the chart spans 5-8 h, 3 h, so
    # quarter-hour bins (40 at most), from 6 h to 8 h.
    assert (width, span) == (0.25, (5.0, 8.0))
    assert bins == [(6.0 + 0.25 * k, 1 if k in (0, 8) else 0) for k in range(9)]


def test_the_page_of_replications(scenario_file: Path, tmp_path: Path) -> None:
    folder = hand_made(scenario_file, tmp_path)
    page_path = report_for(folder)
    assert page_path == folder / "report.html"
    page = page_path.read_text("utf-8")
    text = DATA_URI.sub('src=""', page)
    for key in ("key-figures", "closure", "milestones", "units", "phases", "assets",
                "bottlenecks", "provenance"):  # fmt: skip
        assert f'id="{key}"' in text, key
    assert {p.name for p in (folder / "charts").iterdir()} == {
        "closure-bands.png", "closure-bands.svg", "milestone-a_closed.svg",
    }  # fmt: skip
    assert len(DATA_URI.findall(page)) == 2
    # Scenario text is escaped; the share in the window is that of the summary: 1 of 3.
    assert "<b>by</b>" not in text and "Two nations &lt;b&gt;by&lt;/b&gt; rail" in text
    assert "<i>closed</i>" not in text and "Alpha &lt;i&gt;closed&lt;/i&gt;" in text
    assert "33\u00a0%" in text
    for needle in ("<script", "<link", "@import", "url(", "<iframe", "http://", "https://"):
        assert needle not in text
    # The same folder draws the same bytes, and a second page does not replace the first.
    charts = {p.name: p.read_bytes() for p in (folder / "charts").iterdir()}
    result = CliRunner().invoke(report, [str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{folder / 'report-2.html'}\n"
    assert page_path.read_text("utf-8") == page
    assert {p.name: p.read_bytes() for p in (folder / "charts").iterdir()} == charts


def test_a_folder_saved_before_the_records(scenario_file: Path, tmp_path: Path) -> None:
    folder = hand_made(scenario_file, tmp_path, records=False)
    assert load_replications(folder).curves is None
    page = report_for(folder).read_text("utf-8")
    assert "keeps no record of the loads" in page
    assert not (folder / "charts" / "closure-bands.svg").exists()
    assert (folder / "charts" / "milestone-a_closed.svg").exists()


def _line(folder: Path, number: int, text: str) -> None:
    path = folder / "replications.jsonl"
    lines = path.read_text("utf-8").splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _edit_json(folder: Path, name: str, change: Any) -> None:
    path = folder / name
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "replications.jsonl").unlink(),
         "not saved replications: missing replications.jsonl"),
        (lambda f: _line(f, 2, "{not json"),
         "not saved replications: replications.jsonl line 2 is not valid JSON: "),
        (lambda f: _line(f, 2, "[]"),
         "replications.jsonl line 2: expected an object with the replication's outputs"),
        (lambda f: _line(f, 3, '{"replication": 5, "outputs": {}}'),
         "replications.jsonl line 3: replication 5 where 2 was expected"),
        (lambda f: _line(f, 1, '{"replication": 0, "outputs": {"unit:a1": "soon"}}'),
         'replications.jsonl line 1: output unit:a1 is "soon", not a number'),
        (lambda f: _line(f, 1, '{"replication": 0, "outputs": {"arrive:z9#1": 1.0}}'),
         "replications.jsonl line 1: arrive:z9#1 is a load of no unit of the scenario"),
        (lambda f: (f / "replications.jsonl").write_text("", "utf-8"),
         "replications.jsonl holds 0 replications where summary.json says 3"),
        (lambda f: (f / "summary.json").write_text("{", "utf-8"),
         "summary.json is not valid JSON"),
        (lambda f: _edit_json(f, "summary.json", lambda d: d.pop("statistics")),
         "summary.json is not the summary of replications"),
        (lambda f: _edit_json(f, "manifest.json", lambda d: d.pop("scenario")),
         "manifest.json holds no scenario"),
        (lambda f: _edit_json(f, "manifest.json", lambda d: d["scenario"]["clock"].pop("start")),
         "manifest.json: scenario.clock.start: Field required"),
    ],
    ids=["missing", "bad-json", "not-an-object", "out-of-order", "not-a-number",
         "unknown-unit", "empty", "bad-summary", "not-replications", "no-scenario",
         "bad-scenario"],
)  # fmt: skip
def test_a_broken_folder_of_replications_is_exit_2_in_one_line(
    scenario_file: Path, tmp_path: Path, damage: Any, message: str
) -> None:
    folder = hand_made(scenario_file, tmp_path)
    damage(folder)
    assert_refused_in_one_line(folder, message)


# --------------------------------------------------------------------------- sensitivity


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Morris and a Sobol study of the one-train example with two uncertain times."""
    out = tmp_path_factory.mktemp("studies")
    sets = ["--set", "transport_types.train.load_h={uniform: [1, 3]}",
            "--set", "transport_types.train.unload_h={uniform: [1, 1.2]}", "--replications",
            "1", "--output", "closure:all", "--output", "within:closed"]  # fmt: skip
    folders = {}
    for method, samples in (("morris", "4"), ("sobol", "8")):
        root = out / method
        result = invoke("sensitivity", str(EXAMPLE), *sets, "--method", method,
                        "--samples", samples, "--out", str(root))  # fmt: skip
        assert result.exit_code == 0, result.output
        folders[method] = one_folder(root)
    return folders


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_the_tornado_is_the_ranking_of_sensitivity_json(
    studies: dict[str, Path], method: str
) -> None:
    study = load_sensitivity(studies[method])
    indices = json.loads((studies[method] / "sensitivity.json").read_text())["outputs"][
        "closure:all"
    ]["indices"]
    shown, zero, beyond = drawn_factors(study, "closure:all")
    assert shown == indices and zero == beyond == 0
    fig = tornado(study, "closure:all")
    assert fig is not None
    ax = fig.axes[0]
    labels = [t.get_text().splitlines()[0] for t in ax.get_yticklabels()]
    assert labels == [x["factor"] for x in indices]
    widths = [round(p.get_width(), 12) for p in ax.patches]
    if method == "morris":
        # One bar per factor, its length mu* (1.5 h and 0.15 h, see test_sensitivity).
        assert widths == [round(x["mu_star"], 12) for x in indices]
        assert widths == pytest.approx([1.5, 0.15])
    else:
        # ST bars, then S1 bars, in rank order.
        assert widths == [round(x[k], 12) for k in ("ST", "S1") for x in indices]


def test_every_index_at_zero_draws_no_chart(studies: dict[str, Path]) -> None:
    study = load_sensitivity(studies["morris"])
    # The train never arrives at exactly 21:00, the instant observed: P(within) is 0.
    assert drawn_factors(study, "within:closed") == ([], 2, 0)
    assert tornado(study, "within:closed") is None


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_the_page_of_a_study(studies: dict[str, Path], method: str, tmp_path: Path) -> None:
    folder = tmp_path / method
    shutil.copytree(studies[method], folder)
    page = report_for(folder).read_text("utf-8")
    text = DATA_URI.sub('src=""', page)
    assert len(DATA_URI.findall(page)) == 1
    assert {p.name for p in (folder / "charts").iterdir()} == {
        "sensitivity-closure_all.png", "sensitivity-closure_all.svg",
    }  # fmt: skip
    assert 'id="output-1"' in text and 'id="output-2"' in text
    assert "none moves within:closed" in text
    rows = re.findall(r"<tr><td class=num>(\d+)</td><td>([^<]+)</td>", text)
    assert rows[:2] == [("1", "transport_types.train.load_h"),
                        ("2", "transport_types.train.unload_h")]  # fmt: skip
    assert ("mu* h (95% CI)" if method == "morris" else "ST (95% CI)") in text


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "sensitivity.json").write_text("{", "utf-8"),
         "not a saved sensitivity study: sensitivity.json is not valid JSON"),
        (lambda f: (f / "sensitivity.json").unlink(),
         "not a saved sensitivity study: missing sensitivity.json"),
        (lambda f: _edit_json(f, "sensitivity.json", lambda d: d.update(method="anova")),
         'sensitivity.json: method is "anova", not morris or sobol'),
        (lambda f: _edit_json(f, "sensitivity.json", lambda d: d.pop("factors")),
         "sensitivity.json: expected its factors (a list) and outputs (an object)"),
        (lambda f: _edit_json(
            f, "sensitivity.json",
            lambda d: d["outputs"]["closure:all"]["indices"][1].update(mu_star="big")),
         'sensitivity.json: outputs.closure:all: index 2: mu_star is "big"'),
        (lambda f: _edit_json(f, "design.json", lambda d: d.update(kind="tabletop-sweep")) or
         (f / "sensitivity.json").unlink(),
         "not a saved run: this folder holds a sweep, which the report does not draw"),
    ],
    ids=["bad-json", "missing", "method", "no-factors", "not-a-number", "sweep"],
)  # fmt: skip
def test_a_broken_study_is_exit_2_in_one_line(
    studies: dict[str, Path], tmp_path: Path, damage: Any, message: str
) -> None:
    folder = tmp_path / "study"
    shutil.copytree(studies["morris"], folder)
    damage(folder)
    assert_refused_in_one_line(folder, message)


# --------------------------------------------------------------------------- browser

FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"


@pytest.mark.slow
def test_the_pages_of_the_flagship_in_a_browser(tmp_path: Path) -> None:
    sync_playwright = browser_or_skip()
    result = invoke("run", str(FLAGSHIP), "--replications", "100", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    replications = report_for(one_folder(tmp_path / "r"))
    result = invoke(
        "sensitivity", str(FLAGSHIP), "--factor", "transport_types.military_train_*",
        "--factor", "nodes.manzhouli.*", "--replications", "2",
        "--output", "closure:CN", "--output", "closure:all", "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    study = report_for(one_folder(tmp_path / "s"))
    problems: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            problems.append(f"request leaving the page: {url}")
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", guard)
        for name, path in (("replications", replications), ("sensitivity", study)):
            page = context.new_page()
            page.on("console", lambda m, n=name: m.type == "error" and problems.append(
                f"{n}: {m.text}"))  # fmt: skip
            page.on("pageerror", lambda e, n=name: problems.append(f"{n}: {e}"))
            page.on("request", lambda r, n=name: r.url.startswith(("file://", "data:")) or
                    problems.append(f"{n}: request to {r.url}"))  # fmt: skip
            page.goto(path.as_uri())
            images = page.eval_on_selector_all(
                "img.chart", "els => els.map(e => e.complete && e.naturalWidth > 0)"
            )
            assert images and all(images), name
            # Nothing wider than the window: long names wrap rather than widen the page.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1400, (name, width)
            _shoot(page, name)
        browser.close()
    assert not problems, problems


def _shoot(page: Any, name: str) -> None:
    """Keep screenshots of the charts when ``TABLETOP_SCREENSHOTS`` names a folder."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    if name == "replications":
        page.locator("#key-figures").screenshot(path=str(folder / "report-replications-key.png"))
        page.locator("#fig-closure-bands").screenshot(
            path=str(folder / "report-replications-closure.png")
        )
        # The first two rows of histograms, in the page's coordinates.
        box = page.evaluate(
            """() => {
              const figs = document.querySelectorAll('#milestones .grid figure');
              const a = figs[0].getBoundingClientRect(), b = figs[3].getBoundingClientRect();
              return {x: a.left + scrollX, y: a.top + scrollY, width: b.right - a.left,
                      height: b.bottom - a.top};
            }"""
        )
        page.screenshot(
            path=str(folder / "report-replications-milestones.png"), full_page=True, clip=box
        )
    else:
        page.locator("#output-1").screenshot(path=str(folder / "report-sensitivity.png"))
