"""The facilitator mode: scripted sessions, decisions, changes, situation reports, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.loading import load_scenario
from simulator.facilitation import Session, parse_change
from simulator.scenario.errors import ScenarioError

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
FLAGSHIP = ROOT / "scenarios" / "peace_mission_2007.yaml"

DECISION = """
injects:
  - id: strike_threat
    kind: decision
    at: 2030-01-01T04:00:00Z
    decision:
      prompt: The unions threaten a strike at the depot. What now?
      default: go
      options:
        - id: go
          label: Go as planned
        - id: wait
          label: Hold the train five hours at the depot
          changes:
            - {kind: hold, node: depot, duration_h: 5, cause: strike}
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    file = tmp_path / "strike.yaml"
    file.write_text(EXAMPLE.read_text() + DECISION)
    return file


def play(*args: str, stdin: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["play", *args], input=stdin)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def arrival(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("battalion"))


def test_default_option_changes_nothing(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin="\nend\n")
    assert code == 0, out
    assert "DECISION (strike_threat)" in out and "taken: go" in out
    assert "2030-01-01 21:00 (D+0.88)" in arrival(out)  # as without the decision


def test_an_option_acts_from_the_moment_it_is_taken(scenario_file: Path, tmp_path: Path) -> None:
    # Taken at 04:00: the train, ready at 06:00 and loading 2 h, is held until 09:00.
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin="\n2\nend\n")
    assert code == 0, out
    assert "taken: wait" in out
    assert "2030-01-01 09:00 (D+0.38)" in arrival(out)  # departs after the hold


def test_replay_reproduces_the_session(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), "--format", "json",
                     stdin="\n2\nhold camp 3\nend\n")  # fmt: skip
    assert code == 0, out
    log = next((tmp_path / "one-train").glob("play-*.jsonl"))
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["seed"] == 0 and len(records[0]["scenario_sha256"]) == 64
    assert records[1] == {"decision": "strike_threat", "option": "wait", "time_h": 4.0}
    assert records[2]["change"] == "hold camp 3"
    code, replayed = play(str(scenario_file), "--replay", str(log), "--format", "json")
    assert code == 0, replayed
    session_json = out[out.index("{\n") : out.rindex("}") + 1]
    assert json.loads(replayed) == json.loads(session_json)


def test_bad_changes_are_refused_and_the_session_goes_on(
    scenario_file: Path, tmp_path: Path
) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path),
                     stdin="\n\nhold nowhere 3\nfly away\nreinforce trains 1\nend\n")  # fmt: skip
    assert code == 0, out
    assert "refused: unknown node 'nowhere'" in out
    assert "refused: not a change: 'fly away'" in out
    assert "applied from" in out


def test_situation_report_says_where_each_unit_is(scenario_file: Path) -> None:
    session = Session(load_scenario(scenario_file).scenario)
    assert "not yet moving" in session.sitrep(1.0)
    assert "battalion (A): waiting to depart" in session.sitrep(7.0)  # entraining
    mid = session.sitrep(14.0)
    assert "battalion (A): moving depot -> camp" in mid
    assert "battalion (A): closed" in session.sitrep(22.0)
    assert "closed: 2030-01-01T21:00Z - on track" in session.sitrep(1.0)


def test_parse_change_forms() -> None:
    assert parse_change("hold altay 24 weather").duration_h == 24
    assert parse_change("policy KZ rail allow CN").nations == ["CN"]
    assert parse_change("reinforce pla_il76 2").count == 2
    assert parse_change("delay joint_training 12").delay_h == 12
    with pytest.raises(ScenarioError):
        parse_change("hold altay soon")


def test_the_kazakh_decision_opens_the_short_corridor(tmp_path: Path) -> None:
    code, out = play(str(FLAGSHIP), "--out", str(tmp_path), "--format", "json",
                     stdin="2\nend\n")  # fmt: skip
    assert code == 0, out
    summary = json.loads(out[out.index("{\n") : out.rindex("}") + 1])
    route = next(u["route"] for u in summary["units"] if u["id"] == "pla_army_group_1")
    assert "dostyk" in route and "manzhouli" not in route


def test_replay_refuses_a_changed_scenario(scenario_file: Path, tmp_path: Path) -> None:
    play(str(scenario_file), "--out", str(tmp_path), stdin="\nend\n")
    log = next((tmp_path / "one-train").glob("play-*.jsonl"))
    scenario_file.write_text(scenario_file.read_text().replace("personnel: 350", "personnel: 351"))
    code, out = play(str(scenario_file), "--replay", str(log))
    assert code == 2 and "has changed since this session" in out
