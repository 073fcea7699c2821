"""``tabletop play`` in a terminal: scripted sessions, decisions, changes, reports, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main

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


def the_log(folder: Path) -> Path:
    (log,) = (folder / "one-train").glob("play-*.jsonl")
    return log


def test_default_option_changes_nothing(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin="\n\nend\n")
    assert code == 0, out
    assert "DECISION: The unions threaten" in out and "taken: Go as planned" in out
    assert "What it changed:\n  nothing else changes" in out
    assert "2030-01-01 21:00 (D+0.88)" in arrival(out)  # as without the decision


def test_an_option_acts_from_the_moment_it_is_taken(scenario_file: Path, tmp_path: Path) -> None:
    # Taken at 04:00: the train, ready at 06:00 and loading 2 h, is held until 09:00.
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin="\n2\nend\n")
    assert code == 0, out
    assert "taken: Hold the train five hours at the depot" in out
    assert "2030-01-01 09:00 (D+0.38)" in arrival(out)  # departs after the hold
    # What the decision changed, instead of its id alone.
    assert "  milestone closed: 2030-01-01 22:00 UTC (+1.0 h), on track -> at risk" in out
    assert "  closure A: 50% +1.0 h, 90% +1.0 h, 100% +1.0 h" in out
    assert "  waits at depot (strike): 0.0 -> 1.0 load-hours" in out


def test_replay_reproduces_the_session(scenario_file: Path, tmp_path: Path) -> None:
    stdin = "\n2\nhold camp 3 customs dispute\nnote the room asks why\nend\n"
    code, out = play(str(scenario_file), "--out", str(tmp_path), "--format", "json", stdin=stdin)
    assert code == 0, out
    log = the_log(tmp_path)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["kind"] == "header" and records[0]["seed"] == 0
    assert len(records[0]["scenario_sha256"]) == 64
    assert records[0]["scenario_file"] == str(scenario_file)
    assert records[1] == {"kind": "decision", "decision": "strike_threat", "option": "wait",
                          "time_h": 4.0}  # fmt: skip
    assert records[2] == {"kind": "change", "change": "hold camp 3 customs dispute", "time_h": 4.0}
    assert records[3] == {"kind": "note", "text": "the room asks why", "time_h": 4.0}
    code, replayed = play(str(scenario_file), "--replay", str(log), "--format", "json")
    assert code == 0, replayed
    session_json = out[out.index("{\n") : out.rindex("}") + 1]
    assert json.loads(replayed) == json.loads(session_json)


def test_the_session_is_saved_as_a_run_folder(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), "--format", "json",
                     stdin="\n2\nend\n")  # fmt: skip
    assert code == 0, out
    (folder,) = (p for p in (tmp_path / "one-train").iterdir() if p.is_dir())
    names = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "summary.json", "events.jsonl", "units.csv"} <= names
    assert {"debrief.md", "session.jsonl"} <= names
    summary = json.loads((folder / "summary.json").read_text())
    session_json = out[out.index("{\n") : out.rindex("}") + 1]
    assert summary == json.loads(session_json)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"][-2:] == ["--replay", str(the_log(tmp_path))]
    assert (folder / "session.jsonl").read_text() == the_log(tmp_path).read_text()
    debrief = (folder / "debrief.md").read_text()
    assert "| 2030-01-01 04:00 UTC | decision |" in debrief
    assert "| closed      | 2030-01-01T21:00Z | 2030-01-01T22:00Z | +1.0 h   |" in debrief


@pytest.mark.slow
def test_report_reads_the_session_folder(scenario_file: Path, tmp_path: Path) -> None:
    play(str(scenario_file), "--out", str(tmp_path), stdin="\n2\nend\n")
    (folder,) = (p for p in (tmp_path / "one-train").iterdir() if p.is_dir())
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").is_file()


def test_undo_takes_a_decision_back(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), "--format", "json",
                     stdin="\n2\nundo\n1\nend\n")  # fmt: skip
    assert code == 0, out
    assert "undone; the clock is back at 2030-01-01 04:00 UTC" in out
    assert out.count("DECISION: The unions") == 2  # asked again after the undo
    assert "2030-01-01 21:00 (D+0.88)" not in out  # json output: no table
    kinds = [json.loads(line)["kind"] for line in the_log(tmp_path).read_text().splitlines()]
    assert kinds == ["header", "decision", "undo", "decision"]
    summary = json.loads(out[out.index("{\n") : out.rindex("}") + 1])
    assert summary["units"][0]["arrive"] == "2030-01-01T21:00Z"


def test_bad_changes_are_refused_in_one_line_and_the_session_goes_on(
    scenario_file: Path, tmp_path: Path
) -> None:
    stdin = ("\n\nhold nowhere 3\nfly away\nhold depot soon\nhold depot nan\nreinforce trains 1.5\n"
             "policy A rail maybe\nhold depot 1e9\nhold depot 900000\nreinforce trains 1\n"
             "end\n")  # fmt: skip
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin=stdin)
    assert code == 0, out
    refused = [line for line in out.splitlines() if line.startswith("refused:")]
    assert refused == [
        "refused: unknown node 'nowhere' (known: camp, depot)",
        "refused: 'fly away': not a change; the changes are: hold NODE HOURS [CAUSE ...]; "
        "policy COUNTRY MODE allow|deny [NATION ...]; reinforce FLEET COUNT; lose FLEET COUNT; "
        "delay TASK HOURS",
        "refused: 'hold depot soon': 'soon' is not a number",
        "refused: 'hold depot nan': 'nan' is not a finite number",
        "refused: 'reinforce trains 1.5': '1.5' is not a whole number",
        "refused: 'policy A rail maybe': policy: Input should be 'allow' or 'deny' (got 'maybe')",
        "refused: 'hold depot 1e9': duration_h: expected at most 1,000,000: a million of "
        "anything is beyond any exercise (got 1,000,000,000)",
        "refused: cannot be run: stopped at 87,840 simulated hours (10 years after the clock's "
        "start) with events still to come; some duration, distance or speed makes the run "
        "longer than any exercise",
    ]
    assert "http" not in out
    assert "applied from 2030-01-01 04:00 UTC: reinforce trains 1" in out


def test_situation_report_uses_names_and_local_times(tmp_path: Path) -> None:
    named = (
        EXAMPLE.read_text()
        .replace("  - id: A\n", "  - id: A\n    name: Arcadia\n    utc_offset_h: 2\n")
        .replace("{id: depot, country: A,", "{id: depot, name: Depot Nord, country: A,")
    )
    file = tmp_path / "named.yaml"
    file.write_text(named.replace("  - id: battalion\n", "  - id: battalion\n    name: 1st Bn\n"))
    code, out = play(str(file), "--out", str(tmp_path), stdin="\n\n\n")
    assert code == 0, out
    ready = "2030-01-01 06:00 UTC (01 Jan 08:00 local, UTC+2)"
    assert f"  1st Bn (Arcadia): not yet moving (ready {ready})" in out
    assert "  closed: 2030-01-01 21:00 UTC (01 Jan 23:00 local, UTC+2) - on track" in out
    assert "  Arcadia: 350/350, 40/40, 400/400" in out


def test_a_milestone_reached_is_no_longer_ahead(scenario_file: Path, tmp_path: Path) -> None:
    code, out = play(str(scenario_file), "--out", str(tmp_path), stdin="\n\n\n\n\n")
    assert code == 0, out
    last = out[out.rindex("== 2030-01-02 00:00 UTC") :]
    assert "Milestones reached:\n  closed: 2030-01-01 21:00 UTC - done" in last
    assert "Milestones ahead" not in last


def test_the_kazakh_decision_opens_the_short_corridor(tmp_path: Path) -> None:
    code, out = play(str(FLAGSHIP), "--out", str(tmp_path), "--format", "json",
                     stdin="2\nend\n")  # fmt: skip
    assert code == 0, out
    summary = json.loads(out[out.index("{\n") : out.rindex("}") + 1])
    route = next(u["route"] for u in summary["units"] if u["id"] == "pla_rail_echelon_1")
    assert "dostyk" in route and "manzhouli" not in route
    assert "  route of PLA rail echelon 1 (from Korla): now Korla - " in out
    assert "Transit denied now:\n  Kazakhstan (rail): to China" in out  # before the decision


def test_the_flagship_starts_without_identical_screens(tmp_path: Path) -> None:
    # 15 July asks the Kazakh question; nothing moves until the trains load on 19 July.
    code, out = play(str(FLAGSHIP), "--out", str(tmp_path), stdin="\n\n\nquit\n")
    assert code == 0, out
    heads = [line for line in out.splitlines() if line.startswith("== ")]
    assert heads == ["== 2007-07-15 00:00 UTC (D-25.00) ==", "== 2007-07-19 00:00 UTC (D-21.00) ==",
                     "== 2007-07-20 00:00 UTC (D-20.00) =="]  # fmt: skip


def test_replay_refuses_a_changed_scenario(scenario_file: Path, tmp_path: Path) -> None:
    play(str(scenario_file), "--out", str(tmp_path), stdin="\nend\n")
    log = the_log(tmp_path)
    scenario_file.write_text(scenario_file.read_text().replace("personnel: 350", "personnel: 351"))
    code, out = play(str(scenario_file), "--replay", str(log))
    assert code == 2 and "has changed since this session" in out
