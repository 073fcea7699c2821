"""Scenario text that would act where shown: formulas in spreadsheets, escapes in terminals."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from simulator.cli import main
from simulator.report.safe_text import spreadsheet_cell, terminal_text

EXAMPLE = Path(__file__).parent.parent / "scenarios" / "examples" / "one-train.yaml"


def _hostile(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text("utf-8")
    text = text.replace(
        "title: One train over one link", 'title: "Train \\e[31mred\\e[0m \\e]0;owned\\a done"'
    )
    text = text.replace(
        "      - {type: truck, count: 40, mass_t: 10}",
        '      - {type: "=HYPERLINK(\\"http://x\\")", count: 40, mass_t: 10}',
    )
    text = text.replace("  - id: battalion\n", '  - id: battalion\n    name: "@SUM(A1)"\n')
    path = tmp_path / "hostile.yaml"
    path.write_text(text, "utf-8")
    return path


def test_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [spreadsheet_cell(v) for v in ("=1+1", "+x", "-y", "@z", "\tq", "plain", -3.5, 0)] == [
        "'=1+1", "'+x", "'-y", "'@z", "'\tq", "plain", -3.5, 0,
    ]  # fmt: skip


def test_csv_output_neutralises_text_and_keeps_negative_numbers(tmp_path: Path) -> None:
    path = _hostile(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(path),
            "--no-save",
            "--format",
            "csv",
            "--set",
            "milestones.closed.observed=2030-01-02T00:00:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    blocks = dict(b.split("\n", 1) for b in result.output.split("# ")[1:])
    units = list(csv.DictReader(io.StringIO(blocks["units"])))
    assert units[0]["name"] == "'@SUM(A1)"
    milestones = list(csv.DictReader(io.StringIO(blocks["milestones"])))
    assert milestones[0]["delta_h"] == "-3.0"  # a number, not text


def test_terminal_output_carries_no_escape_sequence(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(_hostile(tmp_path)), "--no-save"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    # The escape sequences go; the text between them stays.
    assert result.output.startswith("Train red ]0;owned done (seed 0)\n")
    assert terminal_text("a\x1b[1mb\x1b[0m\tc\nd\x9be") == "ab\tc\nde"


def test_error_messages_carry_no_escape_sequence(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text('format: 1\nname: "x\\e[2J"\nbogus\\e: 1\n', "utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output
