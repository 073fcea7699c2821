"""The tables of replications: lateness, assets and waits kept per replication, and the
instants of every statistic written so that none is ambiguous."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from simulator.analysis.tables import asset_rows
from simulator.cli import main
from simulator.experiment.replicate import run_many
from simulator.model.run import run_replication
from simulator.report.replications import render_replications, replication_summary
from simulator.scenario.models import Scenario
from tests.scenarios import base, node, rail, scenario, train, unit

Z = 1.959963984540054
"""The 97.5% point of the standard normal: Wilson intervals of 95%."""


def gauge_break(**extra: Any) -> dict[str, Any]:
    """Three loads of one unit through a gauge break of one track (5 h a load).

    As in ``test_exact_timings``: the loads reach the break at 2 h, are transferred
    2-7, 7-12 and 12-17 and arrive at 11, 16 and 21 h; the second waits 5 h and the
    third 10 h for the track: 15 load-hours at ``gb``, cause ``transfer``.
    """
    return base(
        nodes=[node("x", lon=0), node("gb", lon=1, transfer_capacity=1, transfer_h=5),
               node("y", lon=2)],
        links=[rail("x-gb", "x", "gb", 100, 1435), rail("gb-y", "gb", "y", 200, 1520)],
        transport_types=[train("narrow", 1435), train("broad", 1520)],
        fleets=[{"id": "cn", "type": "narrow", "count": 3, "base": "x"},
                {"id": "ru", "type": "broad", "count": 3, "base": "gb"}],
        forces=[unit("u", "x", "y", "rail", personnel=300, fleets=["cn", "ru"],
                     required_by="2030-01-01T20:00:00Z")],
        milestones=[{"id": "closed", "measure": {"event": "arrive", "units": ["u"]},
                     "observed": {"earliest": "2030-01-01T22:30:00Z",
                                  "latest": "2030-01-01T23:30:00Z"}}],
        **extra,
    )  # fmt: skip


def wilson(met: int, n: int) -> list[float]:
    p = met / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return [round(max(0.0, centre - half), 6), round(min(1.0, centre + half), 6)]


def hand_made_runs() -> list[dict[str, float | None]]:
    """Four replications' outputs, chosen so that every figure can be worked out by hand.

    The unit closes at 22, 23, 25 and 26 h: a mean of 24 h, midnight of 2 January. The
    milestone is not reached in the fourth; the third and fourth were on time; the wait at
    the gauge break (15 load-hours) is absent from the fourth, whose only wait is 2
    load-hours at ``x``.
    """
    runs: list[dict[str, float | None]] = []
    for hours, late, util in [(22.0, 1.0, 0.2), (23.0, 1.0, 0.4), (25.0, 0.0, 0.6),
                              (26.0, 0.0, 0.8)]:  # fmt: skip
        runs.append({
            "milestone:closed": hours, "within:closed": 1.0 if 22.5 <= hours <= 23.5 else 0.0,
            "unit:u": hours, "closure:A": hours, "closure:all": hours,
            "phase:deployment": hours, "late:u": late, "util:cn": util, "util:ru": 0.5,
            "util:gb:transfer": 0.25,
        })  # fmt: skip
    for run in runs[:3]:
        run.update({"wait:gb:transfer": 15.0, "top:gb:transfer": 1.0})
    runs[3].update({"milestone:closed": None, "wait:x:ramp": 2.0, "top:x:ramp": 1.0})
    return runs


EXPECTED = (Path(__file__).parent / "expected" / "replications.txt").read_text(encoding="utf-8")
"""The tables of :func:`hand_made_runs` at 120 columns."""


def test_the_tables_of_hand_made_replications_exactly() -> None:
    # Closure 22, 23, 25, 26 h: mean 24 h (01-02 00:00, D+1.00); sd sqrt(10/3) = 1.83 h;
    # P10 22.3 h (01-01 22:18), P50 24 h (00:00 on the mean's day), P90 25.7 h (01:42).
    # 95% CI: 24 -+ t(0.975, 3) 3.1824 x 1.8257 / 2 = 2.905 h: 21.095 h (01-01 21:05) to
    # 26.905 h (01-02 02:54), across midnight: both dates are written.
    # The milestone, 22, 23 and 25 h: mean 23.33 h (23:20), CI 19:32 to 03:07 next day.
    # P(late) 2 of 4: 50.0% (Wilson 15.0% to 85.0%). Utilisation of cn 0.2 to 0.8: mean
    # 50.0%, P90 0.74. The gauge break's 15 load-hours in three of four: mean 11.25, P90
    # 15, the largest in three of four; x's 2 load-hours once: mean 0.5, P90 1.4.
    summary = replication_summary(scenario(gauge_break()), 7, hand_made_runs())
    assert render_replications(summary, "table", width=120) == EXPECTED
    units = summary["statistics"]["units"]["u"]
    assert units["ci95"] == ["2030-01-01T21:05Z", "2030-01-02T02:54Z"]
    assert (units["p_late"], units["p_late_ci95"]) == (0.5, wilson(2, 4))
    assert (units["required_by"], units["required_by_d"]) == ("2030-01-01T20:00Z", 0.83)
    waits = summary["statistics"]["bottlenecks"]
    assert list(waits) == ["gb:transfer", "x:ramp"]  # the largest mean first
    assert {k: waits["gb:transfer"][k] for k in ("mean", "p50", "p90", "p_largest")} == {
        "mean": 11.25, "p50": 15.0, "p90": 15.0, "p_largest": 0.75}  # fmt: skip
    assert waits["x:ramp"]["p_largest_ci95"] == wilson(1, 4)
    cn = summary["statistics"]["assets"]["cn"]
    assert (cn["kind"], cn["place"], cn["mean"], cn["p90"]) == ("rail", "x", 0.5, 0.74)


def test_folded_to_80_columns_the_milestones_keep_their_key_column() -> None:
    summary = replication_summary(scenario(gauge_break()), 7, hand_made_runs())
    text = render_replications(summary, "table", width=80)
    assert max(len(line) for line in text.splitlines() if not line[:1].isupper()) <= 80
    start = text.index("Milestones\n") + len("Milestones\n")
    assert text[start : text.index("\n\nClosure")] == (
        "id      mean                 sd h    P10    P50    P90\n"
        "------  -------------------  ------  -----  -----  -----------\n"
        "closed  01-01 23:20 (+0.97)  1.5     22:12  23:00  01-02 00:36\n"
        "\n"
        "id      95% CI of mean              P(in window)    missing\n"
        "------  --------------------------  --------------  ---------\n"
        "closed  01-01 19:32 .. 01-02 03:07  25.0%           1"
    )


def on_time_late_and_never() -> Scenario:
    """Three units on one line of 100 km at 50 km/h, each closing at 2 h if it moves.

    ``on_time`` is needed at 2 h exactly (not late), ``late`` at 1 h, ``never`` cannot
    reach its destination (late in every replication), ``free`` is needed by no date.
    """
    data = base(
        nodes=[node("a"), node("b", lon=1), node("c", lon=2)],
        links=[rail("ab", "a", "b", 100)],
        transport_types=[train()],
        fleets=[{"id": "f", "type": "train", "count": 3, "base": "a"}],
        forces=[unit("on_time", "a", "b", "rail", required_by="2030-01-01T02:00:00Z"),
                unit("late", "a", "b", "rail", required_by="2030-01-01T01:00:00Z"),
                unit("never", "a", "c", "rail", required_by="2030-01-01T12:00:00Z"),
                unit("free", "a", "b", "rail")],
    )  # fmt: skip
    return scenario(data)


def test_p_late_exactly_on_a_tiny_scenario() -> None:
    s = on_time_late_and_never()
    runs = run_many(s, 0, 3)
    assert [run["unit:on_time"] for run in runs] == [2.0, 2.0, 2.0]
    assert [(run["late:on_time"], run["late:late"], run["late:never"]) for run in runs] == [
        (0.0, 1.0, 1.0)] * 3  # fmt: skip
    assert "late:free" not in runs[0]
    units = replication_summary(s, 0, runs)["statistics"]["units"]
    assert {u: (e["p_late"], e["p_late_ci95"]) for u, e in units.items()} == {
        "on_time": (0.0, wilson(0, 3)), "late": (1.0, wilson(3, 3)),
        "never": (1.0, wilson(3, 3)), "free": (None, None)}  # fmt: skip
    # The unit that never closes has no arrival to average, but is late every time.
    assert (units["never"]["n"], units["never"]["missing"], units["never"]["mean"]) == (0, 3, None)
    text = render_replications(replication_summary(s, 0, runs), "table", width=120)
    table = text[text.index("Shortfalls") : text.index("\n\nAssets")].splitlines()
    assert table[3:] == [
        "late    01-01 01:00 (+0.04)  100.0%     43.9% .. 100.0%",
        "never   01-01 12:00 (+0.50)  100.0%     43.9% .. 100.0%",
        "(1 other unit with a required_by: never late)",
    ]


def test_waits_and_assets_of_real_replications(tmp_path: Path) -> None:
    data = gauge_break()
    s = scenario(data)
    runs = run_many(s, 0, 3)
    stats = replication_summary(s, 0, runs)["statistics"]
    wait = stats["bottlenecks"]["gb:transfer"]
    assert (wait["mean"], wait["p10"], wait["p90"], wait["sd"]) == (15.0, 15.0, 15.0, 0.0)
    assert (wait["p_largest"], wait["p_largest_ci95"]) == (1.0, wilson(3, 3))
    single = {a["asset"]: round(a["utilisation"], 4) for a in asset_rows(run_replication(s, 0))}
    assert {k: e["mean"] for k, e in stats["assets"].items()} == single
    assert list(stats["assets"]) == ["cn", "ru", "gb:transfer"]
    file = tmp_path / "gauge-break.yaml"
    file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(
        main, ["run", str(file), "--replications", "3", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "gb       transfer  15.0           15.0          100.0%" in result.stdout
    folder = Path(result.stderr.strip().splitlines()[-1].removeprefix("saved: "))
    rows = (folder / "bottlenecks.csv").read_text().splitlines()
    assert rows[0] == "id,place,cause,mean,p10,p50,p90,sd,ci95,p_largest,p_largest_ci95"
    assert (
        rows[1]
        == 'gb:transfer,gb,transfer,15.0,15.0,15.0,15.0,0.0,"[15.0,15.0]",1.0,"[0.438503,1.0]"'
    )
    assets = (folder / "assets.csv").read_text().splitlines()
    assert assets[0] == "id,kind,place,mean,p10,p50,p90,sd,ci95"
    assert [line.split(",")[0] for line in assets[1:]] == ["cn", "ru", "gb:transfer"]
    units = (folder / "units.csv").read_text().splitlines()
    assert units[0].endswith(",required_by,required_by_d,p_late,p_late_ci95")
