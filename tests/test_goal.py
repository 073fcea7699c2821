"""Goal search: the least fleet, the latest ready date, the frontier, warnings, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiment.goal import Trial, _order_warnings, parse_span

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"
BY = "2030-01-01T21:00:00Z"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three_loads(tmp_path: Path) -> Path:
    """1,200 people, 400 a train: three trains leave at 08:00 and arrive at 21:00.

    With fewer trains a load waits for a train to come back (12 h each way), so
    closure by 21:00 needs exactly three.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    data["forces"][0]["personnel"] = 1200
    data["forces"][0]["equipment"] = []
    path = tmp_path / "three-loads.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_least_fleet_that_closes_by_a_date(three_loads: Path) -> None:
    code, out, err = invoke(
        "goal", str(three_loads), "--target", "closed", "--by", BY,
        "--vary", "fleets.trains.count=1:6", "--replications", "40", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    assert found["answer"] == "3"
    verdicts = {t["value"]: (t["met"], t["good"]) for t in found["frontier"]}
    assert verdicts["6"] == (40, True) and verdicts["3"] == (40, True)
    assert verdicts["2"] == (0, False) and verdicts["1"] == (0, False)
    assert found["interval"] == "wilson-95" and found["warnings"] == []


def test_two_workers_find_the_same_frontier(three_loads: Path) -> None:
    """Each step of the search is a run of the pool: the first on the scenarios its
    workers inherited (where they are forked), the later ones on scenarios shipped."""
    args = [
        "goal", str(three_loads), "--target", "closed", "--by", BY,
        "--vary", "fleets.trains.count=1:6", "--replications", "40", "--format", "json",
    ]  # fmt: skip
    one = invoke(*args)
    two = invoke(*args, "--workers", "2")
    assert one[0] == two[0] == 0, one[2] + two[2]
    assert json.loads(one[1]) == json.loads(two[1])
    assert len(json.loads(one[1])["frontier"]) > 1


def test_latest_ready_date_that_closes_by_a_date() -> None:
    # Ready + 2 h loading + 12 h running + 1 h unloading: 06:00 arrives at 21:00.
    code, out, err = invoke(
        "goal", str(EXAMPLE), "--target", "closed", "--replications", "40", "--by", BY,
        "--vary", "forces.battalion.ready=2030-01-01T00:00:00Z:2030-01-01T12:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    assert "The latest value that is enough: forces.battalion.ready = 2030-01-01T06:00:00Z" in out
    assert "2030-01-01T07:00:00Z      0/40   0.00      [0.00, 0.09]  no" in out
    assert "seed 0; assumed: P(met) falls with forces.battalion.ready." in out


def test_nothing_in_range_is_reported(three_loads: Path) -> None:
    code, out, _ = invoke("goal", str(three_loads), "--target", "closed", "--by", BY,
                          "--vary", "fleets.trains.count=1:2", "--replications", "40")  # fmt: skip
    assert code == 0
    assert "No value in the range is enough" in out
    assert "0/40" in out


def test_dates_integers_and_reals_are_read() -> None:
    assert parse_span("a.b=1:8").kind == "int"
    assert parse_span("a.b=0.5:2").kind == "real"
    span = parse_span("a.b=2030-01-01T00:00:00Z:2030-01-02T06:30:00Z")
    assert (span.kind, span.low, span.high) == ("date", 0.0, 30.0)
    assert span.text(7) == "2030-01-01T07:00:00Z"


def test_a_share_against_the_assumed_order_is_a_warning() -> None:
    trials = (Trial("1", 5, 10, 0.5, 0, 1, False), Trial("2", 3, 10, 0.3, 0, 1, False))
    (warning,) = _order_warnings(trials, falling=False)
    assert "0.50 at 1 but 0.30 at 2: not monotone" in warning
    assert _order_warnings(trials, falling=True) == ()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "nowhere", "--vary", "fleets.trains.count=1:2"],
         "error: --target: nowhere: no such milestone; milestones are: closed"),
        (["--target", "closed", "--vary", "fleets.trains.count"], "error: --vary: "),
        (["--target", "closed", "--vary", "fleets.trains.count=3:1"], "the lower bound 3 is above"),
        (["--target", "closed", "--vary", "fleets.trains.count=a:b"], "are not two numbers"),
        (["--target", "closed", "--vary", "fleets.trains.count=1:2", "--by", "tomorrow"],
         "error: --by: tomorrow: expected a date and time with its zone"),
        (["--target", "closed", "--vary", "fleets.trains.count=1:2", "--confidence", "1.5"],
         "error: --confidence: 1.5: expected a probability"),
        (["--target", "closed", "--vary", "fleets.trains.count=-2:-1"],
         "error: --vary: fleets[0].count: point 0 (fleets.trains.count=-1)"),
        (["--vary", "fleets.trains.count=1:2"], "Missing option '--target'"),
        (["--target", "closed", "--vary", "fleets.trains.count=1:2", "--replications", "30"],
         "error: --replications: 30: even 30 met out of 30 gives a lower bound of 0.886"),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2_one_line_each(args: list[str], expected: str) -> None:
    code, out, err = invoke("goal", str(EXAMPLE), *args)
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in err + out


@pytest.mark.slow
def test_flagship_latest_ready_date_of_the_third_rail_echelon() -> None:
    code, out, err = invoke(
        "goal", str(FLAGSHIP), "--target", "joint_training_closed", "--by",
        "2007-08-08T00:00:00Z", "--replications", "60", "--format", "json",
        "--vary", "forces.pla_rail_echelon_3.ready=2007-07-15T00:00:00Z:2007-07-25T00:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    assert found["answer"] is not None
    assert "2007-07-15T00:00:00Z" <= found["answer"] < "2007-07-25T00:00:00Z"
    late = next(t for t in found["frontier"] if t["value"] == "2007-07-25T00:00:00Z")
    assert not late["good"]


def test_least_fleet_against_the_unit_size(three_loads: Path) -> None:
    # 400 people a train, all leaving at 08:00: n loads need n trains by 21:00; seven
    # loads (2,800) cannot with six. Bisection over 1..6: 6 then 1, then 3 and 2.
    code, out, err = invoke(
        "goal", str(three_loads), "--target", "closed", "--by", BY, "--replications", "40",
        "--vary", "fleets.trains.count=1:6",
        "--against", "forces.battalion.personnel=400,800,1200,2800",
    )  # fmt: skip
    assert code == 0, err
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split() == [
        "forces.battalion.personnel", "least", "fleets.trains.count", "P(met)", "lower",
        "bound", "tried",
    ]  # fmt: skip
    assert [line.split() for line in table[2:]] == [
        ["400", "1", "1.00", "0.91", "2"],
        ["800", "2", "1.00", "0.91", "4"],
        ["1200", "3", "1.00", "0.91", "4"],
        ["2800", "not", "met", "in", "range", "0.00", "0.00", "1"],
    ]
    assert out.startswith(
        "Goal: closed met by 2030-01-01 21:00Z, at each forces.battalion.personnel:\n"
        "the least fleets.trains.count that is enough.\n"
    )


def test_latest_ready_date_against_the_distance_as_json() -> None:
    # Ready + 2 h loading + d / 50 km/h + 1 h unloading by 21:00: 12:00 at 300 km (the
    # whole range), 06:00 at 600 km, never at 1,200 km (24 h of running).
    code, out, err = invoke(
        "goal", str(EXAMPLE), "--target", "closed", "--by", BY, "--replications", "40",
        "--vary", "forces.battalion.ready=2030-01-01T00:00:00Z:2030-01-01T12:00:00Z",
        "--against", "links.main_line.distance_km=300,600,1200", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    assert (found["path"], found["against"]) == (
        "forces.battalion.ready",
        "links.main_line.distance_km",
    )
    rows = {row["value"]: row for row in found["rows"]}
    assert [row["value"] for row in found["rows"]] == ["300", "600", "1200"]
    assert rows["300"]["answer"] == "2030-01-01T12:00:00Z" and rows["300"]["tried"] == 2
    assert rows["600"]["answer"] == "2030-01-01T06:00:00Z" and rows["600"]["tried"] == 6
    assert rows["600"]["deciding"]["value"] == "2030-01-01T06:00:00Z"
    assert rows["600"]["deciding"]["met"] == 40
    assert rows["1200"]["answer"] is None and rows["1200"]["tried"] == 1
    assert rows["1200"]["deciding"] == {
        "value": "2030-01-01T00:00:00Z", "met": 0, "n": 40, "p": 0.0, "low": 0.0,
        "high": rows["1200"]["deciding"]["high"], "good": False,
    }  # fmt: skip
    assert all(row["warnings"] == [] for row in found["rows"])


def test_every_row_runs_the_same_seeds(three_loads: Path) -> None:
    from simulator.experiment.executors import InProcess
    from simulator.experiment.goal import Request, trade_off

    seen: list[tuple[int, ...]] = []

    class Watched(InProcess):
        def run(self, scenarios: Any, jobs: Any, done: Any) -> None:
            seen.append(tuple(job.seed for job in jobs))
            super().run(scenarios, jobs, done)

    request = Request(three_loads, "closed", "fleets.trains.count=1:6", replications=40,
                      against="forces.battalion.personnel=400,800")  # fmt: skip
    with Watched() as executor:
        table = trade_off(request, executor)
    assert [found.answer for _, found in table.rows] == ["1", "2"]  # 21:00 is in the window
    assert len(seen) == 2 + 4 and len(set(seen)) == 1


@pytest.mark.parametrize(
    ("against", "expected"),
    [
        ("forces.battalion.personnel",
         "error: --against: forces.battalion.personnel: expected PATH=V1,V2,..."),
        ("forces.battalion.personnel=400,,800",
         "error: --against: forces.battalion.personnel: empty value in '400,,800'"),
        ("forces.battalion.personnel=400,400",
         "error: --against: forces.battalion.personnel: value '400' is given twice"),
        ("fleets.trains.count=1,2",
         "error: --against: fleets.trains.count: the same path as --vary: give another"),
        ("forces.battalion.personel=400",
         "error: --against: forces[0].personel: point 0 (forces.battalion.personel=400): "
         "unknown key 'personel' (did you mean 'personnel'?)"),
        ("links.main_lin.distance_km=300,600",
         "error: --against: links.main_lin.distance_km: point 0 "
         "(links.main_lin.distance_km=300): no element of links has id 'main_lin'; "
         "ids are: main_line"),
        ("forces.battalion.personnel=400,-5",
         "error: --against: forces[0].personnel: point 1 (forces.battalion.personnel=-5): "),
        ("forces.battalion.ready=2030-01-01T06:00:00Z",
         "error: --against: forces.battalion.ready: also given with --set: give it once"),
    ],
)  # fmt: skip
def test_a_bad_against_is_exit_2_one_line(against: str, expected: str) -> None:
    code, out, err = invoke(
        "goal", str(EXAMPLE), "--target", "closed", "--vary", "fleets.trains.count=1:6",
        "--set", "forces.battalion.ready=2030-01-01T06:00:00Z", "--against", against,
    )  # fmt: skip
    assert code == 2, err
    assert err.startswith(expected) and err.count("\n") == 1, err
    assert out == ""


def test_doc_trade_off_example_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_sensitivity import doc_block, doc_command

    monkeypatch.chdir(ROOT)
    code, out, err = invoke(*doc_command(4))
    assert code == 0, err
    assert out == doc_block(4)


@pytest.mark.slow
def test_doc_flagship_trade_off_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_sensitivity import doc_block, doc_command

    monkeypatch.chdir(ROOT)
    code, out, err = invoke(*doc_command(5))
    assert code == 0, err
    assert out == doc_block(5)
