"""Tables of many runs fitted to the screen: folding, the width, and how instants read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.report.render import (
    day_time,
    first_waits,
    fold,
    interval,
    short_instant,
    table_text,
    terminal_width,
)

HEADERS = ["id", "alpha", "beta", "gamma"]
ROWS = [["a", "1", "22", "333"], ["bb", "4444", "5", "6"]]
# Column widths as drawn: a header and its two spaces of padding, or the widest cell.
WIDTHS = [4, 7, 6, 7]


def test_columns_are_dealt_to_blocks_that_fit() -> None:
    assert fold(WIDTHS, 1, 30) == [[0, 1, 2, 3]]  # 4 + 7 + 6 + 7 and three gaps of 2
    assert fold(WIDTHS, 1, 29) == [[0, 1, 2], [0, 3]]
    assert fold(WIDTHS, 1, 20) == [[0, 1], [0, 2], [0, 3]]
    # Two key columns take 13 of the 20; a block holds at least one more, even one too wide.
    assert fold(WIDTHS, 2, 20) == [[0, 1, 2], [0, 1, 3]]
    # A column wider than the screen still gets a block of its own.
    assert fold([10, 50, 3], 1, 30) == [[0, 1], [0, 2]]
    assert fold([10], 1, 5) == [[0]]
    assert fold([10, 10], 0, 15) == [[0], [1]]


def test_a_table_wider_than_the_screen_is_printed_in_blocks() -> None:
    whole = (
        "id    alpha    beta    gamma\n"
        "----  -------  ------  -------\n"
        "a     1        22      333\n"
        "bb    4444     5       6"
    )
    assert table_text(HEADERS, ROWS, width=30) == whole
    assert table_text(HEADERS, ROWS, width=21) == (
        "id    alpha    beta\n"
        "----  -------  ------\n"
        "a     1        22\n"
        "bb    4444     5\n"
        "\n"
        "id    gamma\n"
        "----  -------\n"
        "a     333\n"
        "bb    6"
    )
    assert table_text(HEADERS, ROWS, width=20) == (
        "id    alpha\n"
        "----  -------\n"
        "a     1\n"
        "bb    4444\n"
        "\n"
        "id    beta\n"
        "----  ------\n"
        "a     22\n"
        "bb    5\n"
        "\n"
        "id    gamma\n"
        "----  -------\n"
        "a     333\n"
        "bb    6"
    )
    keyed = table_text(HEADERS, ROWS, keys=2, width=22)
    assert keyed.split("\n\n")[1].splitlines()[0] == "id    alpha    gamma"


def test_markdown_is_never_folded_and_no_line_ends_in_spaces() -> None:
    text = table_text(HEADERS, ROWS, "markdown", width=10)
    assert len(text.splitlines()) == 4 and text.startswith("| id   | alpha")
    grouped = table_text(["label", "value"], [["a group", ""], ["item", "1"]], width=80)
    assert grouped.splitlines()[2] == "a group"


def test_the_width_is_the_terminal_s_or_120_for_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width() == 80
    monkeypatch.delenv("COLUMNS")

    def no_terminal(fd: int = 1) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert terminal_width() == 120
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((200, 50)))
    assert terminal_width() == 200
    assert max(map(len, table_text(HEADERS, ROWS).splitlines())) == 30


def test_instants_keep_their_date_where_it_changes() -> None:
    assert short_instant("2030-07-26T22:37Z", -12.91) == "07-26 22:37 (-12.91)"
    assert short_instant(None, None) == "-"
    assert day_time("2030-07-26T05:40Z", "2030-07-26T22:37Z") == "05:40"
    assert day_time("2030-07-28T02:45Z", "2030-07-26T22:37Z") == "07-28 02:45"
    assert day_time("2031-07-26T05:40Z", "2030-07-26T22:37Z") == "07-26 05:40"
    assert interval(["2030-07-19T05:27Z", "2030-07-19T05:46Z"]) == "07-19 05:27 .. 05:46"
    assert interval(["2030-07-26T22:37Z", "2030-07-27T05:31Z"]) == "07-26 22:37 .. 07-27 05:31"
    assert interval(None) == "-"


def test_the_first_waits_and_a_line_for_the_rest() -> None:
    rows = [{"h": float(20 - i), "top": i == 17} for i in range(19)]
    shown, note = first_waits(rows, lambda r: r["h"], lambda r: r["top"])
    assert [r["h"] for r in shown] == [*range(20, 5, -1), 3.0]
    assert note == "(3 more waits, each 5.0 load-h or less: --format csv lists them all)"
    shown, note = first_waits(rows[:16], lambda r: r["h"])
    assert len(shown) == 15 and note.startswith("(1 more wait, each 5.0 load-h")
    assert first_waits(rows[:3], lambda r: r["h"]) == (rows[:3], "")


# --- on the flagship, every table of many runs fits 120 columns ---------------------------

ROOT = Path(__file__).parent.parent
FLAGSHIP = str(ROOT / "scenarios" / "peace_mission_2007.yaml")
VARIANT = str(ROOT / "scenarios" / "variants" / "kazakhstan-transit.yaml")
COMMANDS = {
    "run --replications": ["run", FLAGSHIP, "--replications", "20", "--no-save"],
    "sweep": ["sweep", FLAGSHIP, "--vary", "fleets.cn_trains_korla.count=1,2",
              "--vary", "fleets.ru_trains_zabaykalsk.count=2,4", "--replications", "3"],
    "sweep, every statistic": ["sweep", FLAGSHIP, "--vary", "fleets.pla_il76.count=1,2,4",
                               "--replications", "2", "--output", "unit:pla_af_echelon_*",
                               "--output", "within:*", "--output", "util:pla_il76"],
    "compare": ["compare", FLAGSHIP, VARIANT],
    "compare --replications": ["compare", FLAGSHIP, VARIANT, "--replications", "4"],
    "goal": ["goal", FLAGSHIP, "--target", "joint_training_closed", "--by",
             "2007-08-08T00:00:00Z", "--confidence", "0.5", "--replications", "4", "--vary",
             "forces.pla_rail_echelon_3.ready=2007-07-15T00:00:00Z:2007-07-25T00:00:00Z"],
    "sensitivity": ["sensitivity", FLAGSHIP, "--samples", "2", "--replications", "1",
                    "--factor", "transport_types.military_train_*.speed_kmh"],
}  # fmt: skip


def invoke(args: list[str], tmp_path: Path) -> str:
    out = ["--out", str(tmp_path)] if args[0] in ("sweep", "sensitivity") else []
    result = CliRunner().invoke(main, [*args, *out])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_line_fits_120_columns_on_the_flagship(command: str, tmp_path: Path) -> None:
    out = invoke(COMMANDS[command], tmp_path)
    too_long = [line for line in out.splitlines() if len(line) > 120]
    assert not too_long, too_long
    assert "-------" in out  # there were tables


def test_a_wider_terminal_shows_a_table_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    narrow = invoke(COMMANDS["sweep"], tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    wide = invoke(COMMANDS["sweep"], tmp_path)
    assert narrow == wide  # four points fit 120 columns already
    monkeypatch.setenv("COLUMNS", "80")
    folded = invoke(COMMANDS["sweep"], tmp_path)
    assert max(map(len, folded.splitlines()[3:])) <= 80
    # Two blocks of two points, each headed by the points' numbers.
    assert [line for line in folded.splitlines() if line.startswith("point ")] == [
        "point                              0                     1",
        "point                              2                     3",
    ]


def test_the_command_line_starts_without_the_analysis() -> None:
    """Registering the commands loads neither the model's outputs nor numpy or pydantic."""
    code = (
        "import sys, simulator.cli; print(sorted(m for m in sys.modules if m in "
        "('numpy', 'pydantic', 'tabulate', 'simulator.analysis.outputs')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
