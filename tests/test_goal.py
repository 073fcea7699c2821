"""Goal search: the least fleet, the latest ready date, the frontier, warnings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

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
