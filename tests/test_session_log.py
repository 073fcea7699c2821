"""Session logs: created for one session alone, appended, and every line checked on replay."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.facilitation.log import LogFile, Record, read_log
from tests.test_play import DECISION, EXAMPLE


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    file = tmp_path / "strike.yaml"
    file.write_text(EXAMPLE.read_text() + DECISION)
    return file


def header(scenario_file: Path, **changes: object) -> dict[str, object]:
    sha = hashlib.sha256(scenario_file.read_bytes()).hexdigest()
    return {"kind": "header", "scenario_file": str(scenario_file), "scenario_sha256": sha,
            "seed": 0, **changes}  # fmt: skip


def replay(scenario_file: Path, log: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["play", str(scenario_file), "--replay", str(log)])
    assert "Traceback" not in result.output and "http" not in result.output
    return result.exit_code, result.output.splitlines()


GOOD = '{"kind": "decision", "time_h": 4.0, "decision": "strike_threat", "option": "wait"}'


def test_a_good_log_replays(scenario_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "s.jsonl"
    log.write_text(json.dumps(header(scenario_file)) + "\n" + GOOD + "\n")
    code, lines = replay(scenario_file, log)
    assert code == 0, lines


def test_the_log_is_created_exclusively_and_appended(tmp_path: Path) -> None:
    first = LogFile.create(tmp_path, "play", {"seed": 0})
    second = LogFile.create(tmp_path, "play", {"seed": 1})
    assert first.path != second.path
    first.append(Record("note", 1.0, text="a"))
    first.append(Record("undo", 1.0))
    first.close()
    second.close()
    lines = first.path.read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["header", "note", "undo"]
    assert json.loads(second.path.read_text()) == {"kind": "header", "seed": 1}


def test_two_sessions_started_at_once_get_two_logs(scenario_file: Path, tmp_path: Path) -> None:
    # Real processes, started together: each keeps its own decisions.
    command = [sys.executable, "-m", "simulator", "play", str(scenario_file), "--out",
               str(tmp_path)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    runs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [run.communicate(stdin) for run, stdin in zip(runs, ["\n1\nend\n", "\n2\nend\n"],
                                                             strict=True)]  # fmt: skip
    assert [run.returncode for run in runs] == [0, 0], outputs
    logs = sorted((tmp_path / "one-train").glob("play-*.jsonl"))
    assert len(logs) == 2
    options = sorted(json.loads(log.read_text().splitlines()[1])["option"] for log in logs)
    assert options == ["go", "wait"]


def line(record: dict[str, object]) -> str:
    return json.dumps(record)


CASES = {
    "empty": ("", ["empty: a session log starts with a header"]),
    "blank first line": ("\n{HEADER}\n", ["1: blank line: line 1 must be the header",
                                          "2: kind: a header belongs on line 1 only"]),
    "header a list": ("[1, 2]\n", ["1: the header must be a JSON object"]),
    "no hash": ("{NOSHA}\n", ["1: scenario_sha256: expected 64 hex digits"]),
    "string seed": ("{STRSEED}\n", ["1: seed: expected a whole number from 0"]),
    "not JSON": ("{HEADER}\n{{oops\n", ["2: not JSON (Expecting property name enclosed in "
                                         "double quotes)"]),
    "unknown kind": ("{HEADER}\n" + line({"kind": "vote", "time_h": 1}) + "\n",
                     ["2: kind: unknown kind 'vote' (known: decision, change, undo, note)"]),
    "NaN time": ('{HEADER}\n{"kind": "undo", "time_h": NaN}\n',
                 ["2: not JSON (NaN is not a number JSON allows)"]),
    "huge time": ("{HEADER}\n" + line({"kind": "undo", "time_h": 1e300}) + "\n",
                  ["2: time_h: expected hours from 0 to 87840"]),
    "negative time": ("{HEADER}\n" + line({"kind": "undo", "time_h": -1}) + "\n",
                      ["2: time_h: expected hours from 0 to 87840"]),
    "string time": ("{HEADER}\n" + line({"kind": "undo", "time_h": "4"}) + "\n",
                    ["2: time_h: expected hours from 0 to 87840"]),
    "extra field": ("{HEADER}\n" + line({"kind": "undo", "time_h": 4, "why": "x"}) + "\n",
                    ["2: why: not a field of a undo record"]),
    "a record not an object": ("{HEADER}\n[]\n", ["2: a record must be a JSON object"]),
    "unknown decision": ("{HEADER}\n" + line({"kind": "decision", "time_h": 4.0,
                                              "decision": "strike", "option": "go"}) + "\n",
                         ["2: no decision 'strike' (decisions: strike_threat)"]),
    "decision at another time": ("{HEADER}\n" + line({"kind": "decision", "time_h": 5.0,
                                                      "decision": "strike_threat",
                                                      "option": "go"}) + "\n",
                                 ["2: 'strike_threat' is decided at 2030-01-01T04:00Z, not now"]),
    "decision twice": ("{HEADER}\n" + GOOD + "\n" + GOOD + "\n",
                       ["3: 'strike_threat' is already decided (undo it first)"]),
    "undo of nothing": ("{HEADER}\n" + line({"kind": "undo", "time_h": 4.0}) + "\n",
                        ["2: time_h: undoes nothing taken at that time"]),
    "a bad change": ("{HEADER}\n" + line({"kind": "change", "time_h": 4.0,
                                          "change": "hold depot 1e400"}) + "\n",
                     ["2: 'hold depot 1e400': '1e400' is not a finite number"]),
    "two problems": ("{NOSHA}\n" + line({"kind": "vote", "time_h": 1}) + "\n\n",
                     ["1: scenario_sha256: expected 64 hex digits",
                      "2: kind: unknown kind 'vote' (known: decision, change, undo, note)",
                      "3: blank line"]),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_bad_log_is_refused_with_one_line_per_problem(
    case: str, scenario_file: Path, tmp_path: Path
) -> None:
    text, expected = CASES[case]
    good = header(scenario_file)
    text = (
        text.replace("{HEADER}", json.dumps(good))
        .replace("{NOSHA}", json.dumps({k: v for k, v in good.items() if k != "scenario_sha256"}))
        .replace("{STRSEED}", json.dumps({**good, "seed": "0"}))
    )
    log = tmp_path / "bad.jsonl"
    log.write_text(text)
    code, lines = replay(scenario_file, log)
    assert code == 2
    # With a line number: "FILE:LINE: ..."; without: "FILE: ...".
    assert lines == [f"error: {log}:{e}" if e[0].isdigit() else f"error: {log}: {e}"
                     for e in expected]  # fmt: skip


def test_a_log_that_is_not_utf8_is_refused(scenario_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_bytes(json.dumps(header(scenario_file)).encode() + b'\n{"kind": "\xff"}\n')
    code, lines = replay(scenario_file, log)
    assert (code, lines) == (2, [f"error: {log}:2: not UTF-8 text"])
    with pytest.raises(Exception, match="not UTF-8"):
        read_log(log)


def test_compare_reads_two_logs_or_a_log_and_a_scenario(
    scenario_file: Path, tmp_path: Path
) -> None:
    logs = []
    for option in ("go", "wait"):
        log = tmp_path / f"{option}.jsonl"
        record = {"kind": "decision", "time_h": 4.0, "decision": "strike_threat", "option": option}
        log.write_text(json.dumps(header(scenario_file)) + "\n" + json.dumps(record) + "\n")
        logs.append(log)
    runner = CliRunner()
    both = runner.invoke(main, ["compare", str(logs[0]), str(logs[1]), "--format", "json"])
    assert both.exit_code == 0, both.output
    data = json.loads(both.output)
    assert data["milestones"][0]["delta_h"] == 1.0
    assert data["b"]["source"] == str(logs[1]) and data["b"]["seed"] == 0
    mixed = runner.invoke(main, ["compare", str(scenario_file), str(logs[1]), "--format", "json"])
    assert mixed.exit_code == 0, mixed.output
    assert json.loads(mixed.output)["units"][0]["delta_h"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("")
    refused = runner.invoke(main, ["compare", str(scenario_file), str(bad)])
    assert refused.exit_code == 2
    assert refused.output.splitlines() == [
        f"error: {bad}: empty: a session log starts with a header"
    ]
