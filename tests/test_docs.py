"""The documents tell the truth: their examples run and their pasted output is real.

The worked example of ``docs/scenario-format.md`` (a fictional exercise and a
variant of it) is extracted from the document, validated and run; every row
of the output the document shows must appear in the real output. The same
holds for the flagship output shown in the README.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main

ROOT = Path(__file__).parent.parent
FORMAT_DOC = (ROOT / "docs" / "scenario-format.md").read_text()
README = (ROOT / "README.md").read_text()


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def table_rows(shown: str) -> list[str]:
    """Data rows of the tables in a pasted output (not titles, headers or rules)."""
    rows = []
    for line in shown.splitlines():
        if not line.strip() or line.startswith(("-", "...")) or "  " not in line:
            continue
        if line.split()[0] in ("unit", "nation", "milestone", "place", "asset", "phase"):
            continue
        rows.append(line.rstrip())
    return rows


@pytest.fixture(scope="module")
def worked_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("doc") / "scenarios"
    (folder / "variants").mkdir(parents=True)
    yaml_blocks = blocks(FORMAT_DOC, "yaml")
    base = max((b for b in yaml_blocks if "name: northern_gate_2031\n" in b), key=len)
    variant = next(b for b in yaml_blocks if "extends: ../northern-gate.yaml" in b)
    (folder / "northern-gate.yaml").write_text(base)
    (folder / "variants" / "northern-gate-early-approval.yaml").write_text(variant)
    return folder


def test_worked_example_validates_and_its_output_is_real(worked_example: Path) -> None:
    files = [
        worked_example / "northern-gate.yaml",
        worked_example / "variants" / "northern-gate-early-approval.yaml",
    ]
    run("validate", *map(str, files))
    outputs = {}
    for file in files:
        out = run("run", str(file), "--no-save")
        outputs[out.splitlines()[0]] = out
    shown = [b for b in blocks(FORMAT_DOC, "text") if b.splitlines()[0] in outputs]
    assert len(shown) >= 2
    for block in shown:
        real = outputs[block.splitlines()[0]]
        for row in table_rows(block):
            assert row in real, row


def test_readme_output_is_real() -> None:
    real = run("run", str(ROOT / "scenarios" / "peace_mission_2007.yaml"), "--no-save")
    (shown,) = [b for b in blocks(README, "text") if b.startswith("Closure")]
    rows = table_rows(shown)
    assert len(rows) > 10
    for row in rows:
        assert row in real, row
