"""The column store of replication scalars, and replications saved through it.

The statistics and every saved file must be byte for byte those of the list of
outputs that replications were kept in before the store: ``old_statistics`` is
that computation, kept here as the reference.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import simulator.report.replications as replications_module
from simulator.analysis.outputs import is_record, is_share, value
from simulator.cli import main
from simulator.experiment import replicate
from simulator.experiment.replicate import (
    Outputs,
    describe,
    proportion,
    replication_seed,
    run_many,
    statistics,
)
from simulator.experiment.scalars import (
    DEFAULT_LIMIT,
    LIMIT_VARIABLE,
    VALUE_BYTES,
    Scalars,
    limit_from_env,
)
from simulator.loading import load_scenario
from simulator.report.replications import SECTIONS, replication_summary, statistics_csv
from simulator.report.save import ReplicationsRun, dumps

ROOT = Path(__file__).parent.parent
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "peace_mission_2007.yaml"
RIVER = SCENARIOS / "examples" / "river-crossing.yaml"

ROWS: list[Outputs] = [
    {"a": 1.0, "b": None},
    {"a": 2.5, "b": float("nan")},
    {"b": 4.0, "c": -0.0},  # "a" absent, "c" new
    {"a": 7.0, "b": 5.0, "c": 3.0},
]


def old_statistics(runs: Iterable[Outputs]) -> dict[str, dict[str, Any]]:
    """The statistics as computed from a list of outputs before the column store."""
    runs = list(runs)
    keys = sorted({k for run in runs for k in run if not is_record(k)})
    table: dict[str, dict[str, Any]] = {}
    for key in keys:
        values = [value(run, key) for run in runs]  # a wait a run did not have is 0
        table[key] = proportion(values) if is_share(key) else describe(values)
    return table


def old_jsonl(seed: int, runs: list[Outputs]) -> str:
    """``replications.jsonl`` as it was written at the end of a run."""
    lines = (
        json.dumps({"replication": i, "seed": replication_seed(seed, i), "outputs": run},
                   sort_keys=True)
        for i, run in enumerate(runs)
    )  # fmt: skip
    return "".join(line + "\n" for line in lines)


def same(a: Any, b: Any) -> bool:
    """Equal, NaN included (JSON text is compared: it shows every float exactly)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("limit", [None, 0, 2 * 3 * VALUE_BYTES])
def test_columns_keep_values_missing_and_late_keys_apart(limit: int | None) -> None:
    with Scalars(limit) as store:
        for row in ROWS:
            store.append(row)
        assert len(store) == 4 and store.keys() == ["a", "b", "c"]
        values, mask = store.column("a")
        assert values.tolist() == [1.0, 2.5, 0.0, 7.0]
        assert mask.tolist() == [True, True, False, True]
        values, mask = store.column("b")
        assert mask.tolist() == [False, True, True, True]
        assert math.isnan(values[1]) and values[2:].tolist() == [4.0, 5.0]
        values, mask = store.column("c")
        assert mask.tolist() == [False, False, True, True]
        assert math.copysign(1.0, values[2]) == -1.0 and values[3] == 3.0
        assert store.present("a").tolist() == [1.0, 2.5, 7.0]
        # None: never on disk; 0: every row; 54 bytes (two rows of three keys): rows 0-2.
        assert store.spilled == {None: 0, 0: 4, 54: 3}[limit]
        with pytest.raises(KeyError):
            store.column("d")


def test_a_key_first_seen_after_a_spill_is_missing_before() -> None:
    with Scalars(0) as store:
        store.append({"a": 1.0})
        store.append({"a": 2.0})
        store.append({"a": 3.0, "late": 9.0})
        store.append({"late": 8.0})
        assert store.column("late")[1].tolist() == [False, False, True, True]
        assert store.present("late").tolist() == [9.0, 8.0]
        assert store.column("a")[1].tolist() == [True, True, True, False]


def test_the_columns_on_disk_are_removed_on_close(tmp_path: Path) -> None:
    store = Scalars(0, tmp_path)
    store.append({"a": 1.0})
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith(".scalars-")
    assert sorted(p.name for p in folder.iterdir()) == ["0.f8", "0.mask"]
    assert (folder / "0.f8").read_bytes() == np.array([1.0]).tobytes()
    store.close()
    assert list(tmp_path.iterdir()) == [] and len(store) == 0


def test_memory_holds_values_up_to_the_limit() -> None:
    store = Scalars(limit=10 * VALUE_BYTES)  # ten values: five rows of two keys
    for i in range(12):
        store.append({"a": float(i), "b": float(-i)})
        assert store.spilled == (0 if i < 5 else 6 if i < 11 else 12)
    assert store.present("b").tolist() == [float(-i) for i in range(12)]
    store.close()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, DEFAULT_LIMIT), ({LIMIT_VARIABLE: " 0 "}, 0), ({LIMIT_VARIABLE: "1_000"}, 1000)],
)
def test_the_limit_comes_from_the_environment(environ: dict[str, str], expected: int) -> None:
    assert limit_from_env(environ) == expected


@pytest.mark.parametrize("text", ["-1", "1.5", "64MiB"])
def test_a_bad_limit_is_exit_2_in_one_line(text: str) -> None:
    result = CliRunner().invoke(
        main, ["run", str(RIVER), "--replications", "2", "--no-save"], env={LIMIT_VARIABLE: text}
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {LIMIT_VARIABLE}: {text}: expected a whole number of bytes, 0 or more "
        f"(default {DEFAULT_LIMIT})\n"
    )


@pytest.mark.parametrize("limit", [None, 0, 50])
def test_statistics_of_hand_made_rows_are_those_of_the_list(limit: int | None) -> None:
    rows = [*ROWS, {"within:m": 1.0, "a": 3.0}, {"within:m": None}, {"within:m": 0.0}]
    with Scalars(limit) as store:
        for row in rows:
            store.append(row)
        table = statistics(store)
    assert same(table, old_statistics(rows))
    assert table["a"]["n"] == 4 and table["a"]["missing"] == 3
    assert table["within:m"] == {"p": 0.5, "ci95": table["within:m"]["ci95"], "n": 2}
    assert same(statistics(rows), table)


RUNS = [
    (SCENARIOS / "examples" / "one-train.yaml", 0, 6),
    (RIVER, 7, 12),
    (FLAGSHIP, 0, 8),
    (FLAGSHIP, 2**62 + 3, 5),
    (SCENARIOS / "variants" / "kazakhstan-transit.yaml", 3, 4),
    (SCENARIOS / "peace_mission_2010.yaml", 1, 4),
]


@pytest.mark.parametrize(("path", "seed", "count"), RUNS, ids=lambda v: getattr(v, "stem", v))
def test_scenarios_statistics_are_those_of_the_list(path: Path, seed: int, count: int) -> None:
    loaded = load_scenario(path)
    runs = run_many(loaded.scenario, seed, count)
    expected = old_statistics(runs)
    for limit in (None, 0, 1000):
        with Scalars(limit) as store:
            for run in runs:
                store.append(run)
            assert same(statistics(store), expected), limit


def saved_files(out: Path) -> dict[str, bytes]:
    (folder,) = (p for p in out.glob("*/*") if p.is_dir())
    assert not any(p.name.startswith(".") for p in out.rglob("*"))
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}


@pytest.mark.parametrize(("path", "seed", "count"), RUNS[1:3], ids=["river", "flagship"])
def test_saved_files_are_byte_identical_to_the_list(
    path: Path, seed: int, count: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(path)
    runs = run_many(loaded.scenario, seed, count, load_arrivals=True)  # saved with the records
    with monkeypatch.context() as patch:
        patch.setattr(replications_module, "statistics", old_statistics)
        summary = replication_summary(loaded.scenario, seed, runs, loaded.sha256)
    expected = {
        "summary.json": dumps(summary).encode(),
        "replications.jsonl": old_jsonl(seed, runs).encode(),
        **{f"{s}.csv": statistics_csv(summary, s).encode() for s in SECTIONS.values()},
    }
    printed = json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for name, limit in (("memory", ""), ("disk", "0"), ("both", "3000")):
        out = tmp_path / name
        args = ["run", str(path), "--seed", str(seed), "--replications", str(count),
                "--format", "json", "--out", str(out)]  # fmt: skip
        result = CliRunner().invoke(main, args, env={LIMIT_VARIABLE: limit})
        assert result.exit_code == 0, result.stderr
        assert result.stdout == printed
        assert saved_files(out) == expected, name


def test_lines_are_written_as_replications_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By the sixth flagship replication, some of five lines (about 12 kB) are on disk."""
    seen: list[tuple[int, list[str]]] = []
    real = replicate.outputs

    def watched(scenario: Any, seed: int, **options: Any) -> Outputs:
        (staging,) = (tmp_path / "peace_mission_2007").iterdir()
        log = staging / "replications.jsonl"
        seen.append((log.stat().st_size, sorted(p.name for p in staging.iterdir())))
        return real(scenario, seed, **options)

    monkeypatch.setattr(replicate, "outputs", watched)
    args = ["run", str(FLAGSHIP), "--replications", "6", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args, env={LIMIT_VARIABLE: "0"})
    assert result.exit_code == 0, result.stderr
    assert seen[0] == (0, ["manifest.json", "replications.jsonl"])
    size, names = seen[5]
    assert size > 0  # past the file's buffer: on disk, not held to the end
    assert names[0].startswith(".scalars-") and names[1:] == ["manifest.json", "replications.jsonl"]
    assert saved_files(tmp_path)["replications.jsonl"].count(b"\n") == 6


def test_an_interrupted_run_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = replicate.outputs
    calls = iter(range(100))

    def interrupted(scenario: Any, seed: int, **options: Any) -> Outputs:
        if next(calls) == 3:
            raise KeyboardInterrupt
        return real(scenario, seed, **options)

    monkeypatch.setattr(replicate, "outputs", interrupted)
    args = ["run", str(RIVER), "--replications", "6", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args, env={LIMIT_VARIABLE: "0"})
    assert result.exit_code == 130
    assert list((tmp_path / "river_crossing").iterdir()) == []


def test_a_run_left_without_its_summary_is_not_saved(tmp_path: Path) -> None:
    loaded = load_scenario(RIVER)
    run = ReplicationsRun(tmp_path, loaded, 0, 1, ["tabletop"])
    with pytest.raises(RuntimeError, match="without its summary"), run:
        run.add(0, replication_seed(0, 0), {"a": 1.0})
    assert list((tmp_path / "river_crossing").iterdir()) == []
