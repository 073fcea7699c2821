"""Parameter sweeps: designs, exact tables, executors, storage and resume, bad input."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiment.design import (
    Point,
    Range,
    grid,
    latin_hypercube,
    lhs_unit_sample,
    parse_range,
    parse_vary,
    split_values,
)
from simulator.experiment.executors import Job, Run, batch_size, batches
from simulator.experiment.replicate import replication_seed
from simulator.experiment.store import RUNS, Expected, RunLog, read_runs
from simulator.experiment.sweep import Request, reopen
from simulator.scenario.errors import ScenarioError

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "scenarios" / "examples" / "one-train.yaml"
SPEED = "transport_types.train.speed_kmh"
SPEEDS = (40, 50, 80)
VARY = f"{SPEED}=40,50,80"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def sweep_folder(stderr: str) -> Path:
    """The folder a sweep reported on standard error."""
    line = next(line for line in stderr.splitlines() if line.startswith("saved: "))
    return Path(line.removeprefix("saved: "))


def arrival(speed: float) -> float:
    """Hours from 00:00 to closure: ready 06:00, load 2 h, 600 km at ``speed``, unload 1 h."""
    return 6 + 2 + 600 / speed + 1


# --- designs -------------------------------------------------------------------------------


def test_grid_is_in_option_order_first_varying_slowest() -> None:
    points = grid([parse_vary("a=1,2"), parse_vary("b=x, y ,z")])
    assert [p.overrides() for p in points] == [
        ["a=1", "b=x"], ["a=1", "b=y"], ["a=1", "b=z"],
        ["a=2", "b=x"], ["a=2", "b=y"], ["a=2", "b=z"],
    ]  # fmt: skip
    assert [p.index for p in points] == list(range(6))
    assert points[4].params() == {"a": 2, "b": "y"}


def test_values_split_outside_brackets_and_quotes() -> None:
    assert split_values("[a, b],[c], 'x,y', {k: 1, j: 2}") == [
        "[a, b]", "[c]", "'x,y'", "{k: 1, j: 2}",
    ]  # fmt: skip
    assert parse_vary("forces.u.ready=2030-01-01T06:00:00Z,2030-01-02").values == (
        "2030-01-01T06:00:00Z",
        "2030-01-02",
    )
    assert Point(0, (("forces.u.ready", "2030-01-02"),)).params() == {
        "forces.u.ready": "2030-01-02"
    }


def test_latin_hypercube_covers_every_slice_once() -> None:
    sample = lhs_unit_sample(3, 10, seed=7)
    for column in sample.T:
        assert sorted(math.floor(u * 10) for u in column) == list(range(10))


def test_latin_hypercube_bounds_integers_and_seed() -> None:
    ranges = [parse_range("a=2:9"), parse_range("b=0.5:1.5")]
    assert ranges[0] == Range("a", 2, 9, True) and not ranges[1].integer
    points = latin_hypercube(ranges, 8, seed=3)
    assert len(points) == 8
    ints = [p.params()["a"] for p in points]
    floats = [p.params()["b"] for p in points]
    assert all(isinstance(v, int) and 2 <= v <= 9 for v in ints)
    # 8 slices over the 8 integers 2..9: each integer exactly once.
    assert sorted(ints) == list(range(2, 10))
    assert all(isinstance(v, float) and 0.5 <= v <= 1.5 for v in floats)
    assert latin_hypercube(ranges, 8, seed=3) == points
    assert latin_hypercube(ranges, 8, seed=4) != points


def test_lhs_sweep_runs_the_sampled_speeds(tmp_path: Path) -> None:
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--lhs", "5", "--range", f"{SPEED}=40:80", "--replications", "2",
        "--out", str(tmp_path), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["design"] == "lhs" and len(summary["points"]) == 5
    for point in summary["points"]:
        speed = point["params"][SPEED]
        assert isinstance(speed, int) and 40 <= speed <= 80
        assert point["statistics"]["closure:all"]["mean"] == pytest.approx(arrival(speed))


# --- exact tables ----------------------------------------------------------------------------


def test_table_values_are_exact(tmp_path: Path) -> None:
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "3", "--out", str(tmp_path),
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    folder = sweep_folder(err)
    summary = json.loads(out)
    assert out == (folder / "summary.json").read_text(encoding="utf-8")
    assert summary["outputs"] == ["within:closed", "closure:all"]
    assert [p["params"] for p in summary["points"]] == [{SPEED: s} for s in SPEEDS]
    for point, speed in zip(summary["points"], SPEEDS, strict=True):
        closure = point["statistics"]["closure:all"]
        assert closure["mean"] == arrival(speed)  # 24.0, 21.0, 16.5
        assert (closure["sd"], closure["p90"], closure["n"]) == (0.0, arrival(speed), 3)
        # Observed closure is 21:00, so only the 50 km/h train is inside the window.
        assert point["statistics"]["within:closed"]["p"] == (1.0 if speed == 50 else 0.0)
    assert [arrival(s) for s in SPEEDS] == [24.0, 21.0, 16.5]

    lines = (folder / RUNS).read_text(encoding="utf-8").splitlines()
    runs = [json.loads(line) for line in lines]
    assert sorted((r["point"], r["replication"]) for r in runs) == [
        (p, r) for p in range(3) for r in range(3)
    ]
    # Common random numbers: replication r has the same seed at every point.
    assert {(r["replication"], r["seed"]) for r in runs} == {
        (r, replication_seed(0, r)) for r in range(3)
    }
    design = json.loads((folder / "design.json").read_text(encoding="utf-8"))
    assert design["points"][2]["assignments"] == [f"{SPEED}=80"]
    assert design["scenario_sha256"] == summary["scenario_sha256"]


def test_table_and_csv_formats(tmp_path: Path) -> None:
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[1].startswith("Instants as MM-DD hh:mm UTC (days from D-day, ")
    rows = [line.split("  ") for line in out.splitlines() if line[:1].isdigit()]
    # 6 + 2 + 600 km at 40, 50 and 80 km/h + 1 h: 24, 21 and 16.5 h after the start.
    assert [[cell.strip() for cell in row if cell][1:] for row in rows] == [
        ["40", "0.00", "01-02 00:00 (+1.00)", "01-02 00:00 (+1.00)"],
        ["50", "1.00", "01-01 21:00 (+0.88)", "01-01 21:00 (+0.88)"],
        ["80", "0.00", "01-01 16:30 (+0.69)", "01-01 16:30 (+0.69)"],
    ]  # fmt: skip
    folder = sweep_folder(err)
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2", "--out", str(tmp_path),
        "--format", "csv", "--output", "closure:*", "--output", "within:closed",
    )  # fmt: skip
    assert code == 0, err
    header, *rows_csv = out.splitlines()
    assert header.startswith(f"point,{SPEED},closure:A.n,closure:A.missing,closure:A.mean,")
    assert "within:closed.ci95_low" in header
    assert rows_csv[0].startswith("0,40,2,0,24.0,0.0,")
    assert out == (sweep_folder(err) / "points.csv").read_text(encoding="utf-8")
    assert sweep_folder(err) != folder
    code, out, _ = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2", "--out", str(tmp_path),
        "--format", "markdown", "--output", "unit:battalion",
    )  # fmt: skip
    assert code == 0
    assert out.startswith("# One train over one link: grid sweep, 3 points x 2 replications")
    assert "| unit:battalion mean " in out and "| unit:battalion sd h " in out
    assert "| 01-02 00:00 (+1.00) " in out and "| 01-02 00:00 .. 00:00 " in out


# --- executors -------------------------------------------------------------------------------


def test_batches_keep_points_apart() -> None:
    jobs = [Job(p, r, r) for p in range(2) for r in range(5)]
    assert [(b.point, [j.replication for j in b.jobs]) for b in batches(jobs, 2)] == [
        (0, [0, 1]), (0, [2, 3]), (0, [4]), (1, [0, 1]), (1, [2, 3]), (1, [4]),
    ]  # fmt: skip
    assert batch_size(10, 2) == 1 and batch_size(100_000, 2) == 16


def test_same_summary_with_one_and_two_workers(tmp_path: Path) -> None:
    summaries = []
    for workers in ("1", "2"):
        code, _, err = invoke(
            "sweep", str(EXAMPLE), "--vary", VARY, "--vary", "transport_types.train.load_h=1,2",
            "--replications", "5", "--workers", workers, "--out", str(tmp_path / workers),
        )  # fmt: skip
        assert code == 0, err
        summaries.append((sweep_folder(err) / "summary.json").read_bytes())
    assert summaries[0] == summaries[1]


POOL_CHECK = """
import json, sys, threading
from pathlib import Path
from simulator.experiment.executors import InProcess, ProcessPool
from simulator.experiment.sweep import Request, plan

def runs(executor, sweep):
    out = []
    executor.run(sweep.scenarios, sweep.jobs(), out.extend)
    return sorted((r.point, r.replication, r.seed, r.outputs) for r in out)

example, vary, beside_a_thread = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "thread"
first = plan(Request(example, vary=(vary,), replications=6))
second = plan(Request(example, vary=("transport_types.train.load_h=1,3",), replications=4))
expected = [runs(InProcess(), first), runs(InProcess(), second)]
release = threading.Event()
if beside_a_thread:
    threading.Thread(target=release.wait, daemon=True).start()
with ProcessPool(2) as pool:
    got = [runs(pool, first), runs(pool, second)]  # the second run's scenarios are shipped
release.set()
print(json.dumps({"same": got == expected, "start": pool.start_method}))
"""


@pytest.mark.parametrize("beside_a_thread", [False, True])
def test_a_pool_runs_what_this_process_runs_forked_or_spawned(beside_a_thread: bool) -> None:
    """Workers are forked on Linux when the process runs no other thread, else spawned;
    either way, and on a second run with other scenarios, every run is the same."""
    script = [sys.executable, "-c", POOL_CHECK, str(EXAMPLE), VARY]
    result = subprocess.run(
        [*script, "thread" if beside_a_thread else "alone"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["same"]
    forked = sys.platform.startswith("linux") and not beside_a_thread
    assert report["start"] == ("fork" if forked else "spawn")


def test_the_progress_bar_starts_no_thread() -> None:
    """A sweep's workers are forked only from a process without other threads."""
    import threading

    from simulator.commands.progress import progress_bar

    before = threading.active_count()
    with progress_bar(10, "run") as bar:
        bar.update(3)
        assert threading.active_count() == before


@pytest.mark.slow
def test_same_summary_on_dask(tmp_path: Path) -> None:
    from distributed import LocalCluster

    args = ["sweep", str(EXAMPLE), "--vary", VARY, "--replications", "4"]
    code, _, err = invoke(*args, "--out", str(tmp_path / "local"))
    assert code == 0, err
    expected = (sweep_folder(err) / "summary.json").read_bytes()
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        code, _, err = invoke(
            *args, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "dask")
        )
    assert code == 0, err
    assert (sweep_folder(err) / "summary.json").read_bytes() == expected


def test_unreachable_scheduler_is_bad_input(tmp_path: Path) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, _, err = invoke(
            "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "1",
            "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path),
        )  # fmt: skip
    assert code == 2
    assert "error: --scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err


# --- storage and resume ----------------------------------------------------------------------


def test_runs_file_tolerates_a_cut_last_line_and_duplicates(tmp_path: Path) -> None:
    seeds = tuple(replication_seed(0, r) for r in range(3))
    expected = Expected(seeds, 1, ("x",), "key")
    with RunLog(tmp_path, "key") as log:
        log.append([Run(0, 0, seeds[0], {"x": 1.0}), Run(0, 1, seeds[1], {"x": None})])
        log.append([Run(0, 0, seeds[0], {"x": 1.0})])
    path = tmp_path / RUNS
    whole = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b'{"point": 0, "replication": 2, "se')
    stored = read_runs(tmp_path, expected)
    assert set(stored.runs) == {(0, 0), (0, 1)} and stored.lines == 3
    assert stored.valid_bytes == whole
    with RunLog(tmp_path, "key", stored.valid_bytes) as log:
        log.append([Run(0, 2, seeds[2], {"x": 3.0})])
    assert len(path.read_text(encoding="utf-8").splitlines()) == 4
    assert set(read_runs(tmp_path, expected).runs) == {(0, 0), (0, 1), (0, 2)}
    path.write_bytes(b"garbage\n" + path.read_bytes())
    with pytest.raises(ScenarioError, match=r"runs.jsonl:1"):
        read_runs(tmp_path, expected)


def group_is_gone(group: int, seconds: float) -> bool:
    """Whether every process of a process group has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_resume_after_kill_gives_the_same_summary(tmp_path: Path, workers: str) -> None:
    replications = 1000
    args = ["sweep", str(EXAMPLE), "--vary", VARY, "--replications", str(replications)]
    total = 3 * replications
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", *args, "--workers", workers,
         "--out", str(tmp_path / "killed")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: to see that no worker outlives it
    )  # fmt: skip
    runs = None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            found = list((tmp_path / "killed").glob(f"*/*/{RUNS}"))
            if found and found[0].read_bytes().count(b"\n") >= 50:
                runs = found[0]
                break
            time.sleep(0.01)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    # Workers notice that the sweep is gone and quit, even in the middle of a batch.
    assert group_is_gone(process.pid, 20), "a worker outlived the killed sweep"
    assert runs is not None, "the sweep finished or never started"
    with runs.open("ab") as handle:  # a crash in the middle of a write
        handle.write(b'{"point": 2, "replication": 999, "seed": 12')
    before = read_runs(runs.parent, reopen(runs.parent, Request()).expected)
    assert 50 <= before.lines < total

    code, _, err = invoke("sweep", "--resume", str(runs.parent), "--format", "json")
    assert code == 0, err
    lines = runs.read_text(encoding="utf-8").splitlines()
    keys = [(r["point"], r["replication"]) for r in map(json.loads, lines)]
    # Nothing was run twice: the finished jobs plus exactly the missing ones.
    assert len(keys) == len(set(keys)) == total

    code, _, err = invoke(*args, "--out", str(tmp_path / "whole"))
    assert code == 0, err
    whole = sweep_folder(err)
    assert (runs.parent / "summary.json").read_bytes() == (whole / "summary.json").read_bytes()
    assert (runs.parent / "points.csv").read_bytes() == (whole / "points.csv").read_bytes()


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path: Path) -> None:
    code, _, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2", "--out", str(tmp_path)
    )
    assert code == 0, err
    folder = sweep_folder(err)
    before = (folder / RUNS).read_bytes()
    code, out, err = invoke(
        "sweep", "--resume", str(folder), "--vary", VARY, str(EXAMPLE), "--format", "json"
    )
    assert code == 0, err
    assert (folder / RUNS).read_bytes() == before
    assert out == (folder / "summary.json").read_text(encoding="utf-8")


def test_resume_refuses_other_options_and_a_changed_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "one.yaml"
    scenario.write_bytes(EXAMPLE.read_bytes())
    code, _, err = invoke(
        "sweep", str(scenario), "--vary", VARY, "--replications", "2", "--out", str(tmp_path)
    )
    assert code == 0, err
    folder = sweep_folder(err)
    code, _, err = invoke("sweep", "--resume", str(folder), "--replications", "3")
    assert code == 2
    assert "error: --replications: 3 differs from the sweep being resumed (2)" in err
    code, _, err = invoke("sweep", "--resume", str(folder), "--out", str(tmp_path))
    assert code == 2 and "--out does not apply to --resume" in err
    scenario.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    code, _, err = invoke("sweep", "--resume", str(folder))
    assert code == 2
    assert "changed since the sweep started" in err and "Traceback" not in err


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--vary", "transport_types.train.speedo=40,50"], "--vary: transport_types"),
        (["--vary", "transport_types.lorry.speed_kmh=40"], "no element of transport_types"),
        (
            ["--vary", f"{SPEED}=40,-5"],
            f"--vary: transport_types[0].speed_kmh: point 1 ({SPEED}=-5)",
        ),
        (["--vary", f"{SPEED}=40,[1"], "--vary: transport_types.train.speed_kmh: value '[1'"),
        (["--vary", f"{SPEED}=40,,50"], "empty value"),
        (["--vary", f"{SPEED}=40", "--vary", f"{SPEED}=50"], "given twice"),
        (["--vary", SPEED], "expected PATH=V1,V2"),
        (["--lhs", "4"], "error: --lhs: needs at least one --range"),
        (["--range", f"{SPEED}=40:80"], "error: --range: needs --lhs N"),
        (["--lhs", "4", "--range", f"{SPEED}=80:40"], "lower bound 80 is above"),
        (["--lhs", "4", "--range", f"{SPEED}=a:b"], "is not a finite number"),
        (["--vary", VARY, "--lhs", "3", "--range", f"{SPEED}=40:80"], "cannot be combined"),
        ([], "nothing to sweep"),
        (["--vary", VARY, "--output", "closure:nowhere"], "available: milestone:closed, within:"),
        (["--vary", VARY, "--output", "bogus:*"], "error: --output: bogus:*: no such output"),
        (["--vary", VARY, "--workers", "2", "--scheduler", "tcp://x:1"], "exclude each other"),
        (["--vary", VARY, "--replications", "0"], "Invalid value for '--replications'"),
    ],
)
def test_bad_input_is_exit_2_without_traceback(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    code, out, err = invoke("sweep", str(EXAMPLE), *args, "--out", str(tmp_path))
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err + out
    assert not list(tmp_path.iterdir()), "nothing is written for a sweep that cannot start"


def test_bad_resume_folders(tmp_path: Path) -> None:
    code, _, err = invoke("sweep", "--resume", str(tmp_path))
    assert code == 2
    assert f"error: --resume: {tmp_path}: no design.json" in err
    code, _, err = invoke("sweep", "--resume", str(tmp_path / "missing"))
    assert code == 2 and "no such folder" in err
    code, _, err = invoke("sweep")
    assert code == 2 and "Missing argument 'FILE'" in err


# --- the document's examples are real ------------------------------------------------------

DOC = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")


def test_doc_first_sweep_is_real(tmp_path: Path) -> None:
    (shown,) = [b for b in re.findall(r"```text\n(.*?)```", DOC, re.S) if "One train" in b]
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "5", "--out", str(tmp_path)
    )
    assert code == 0, err
    assert out == shown


@pytest.mark.slow
def test_doc_flagship_table_is_real(tmp_path: Path) -> None:
    (shown,) = [b for b in re.findall(r"```text\n(.*?)```", DOC, re.S) if "6 points" in b]
    code, out, err = invoke(
        "sweep", str(ROOT / "scenarios" / "peace_mission_2007.yaml"),
        "--vary", "fleets.pla_il76.count=1,2,4",
        "--vary", "nodes.manzhouli.limits.transfer_capacity=1,2",
        "--replications", "20", "--output", "unit:pla_af_echelon_2",
        "--output", "within:joint_training_closed", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert out == shown


def test_a_sweep_of_more_statistics_than_points_is_transposed(tmp_path: Path) -> None:
    # Needed at 20:00: at 40 and 50 km/h the battalion closes at 24:00 and 21:00 (late in
    # both replications), at 80 km/h at 16:30 (on time).
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2", "--out", str(tmp_path),
        "--set", "forces.battalion.required_by=2030-01-01T20:00:00Z",
        "--output", "late:*", "--output", "closure:all",
    )  # fmt: skip
    assert code == 0, err
    assert out == (ROOT / "tests" / "expected" / "sweep-late.txt").read_text(encoding="utf-8")
    summary = json.loads((sweep_folder(err) / "summary.json").read_text(encoding="utf-8"))
    assert (summary["time_origin"], summary["d_day"]) == ("2030-01-01T00:00Z", "2030-01-01T00:00Z")
    # The JSON keeps hours from the time origin, and shares as shares.
    stats = summary["points"][0]["statistics"]
    assert stats["closure:all"]["mean"] == 24.0 and stats["late:battalion"]["p"] == 1.0


def test_waits_are_not_outputs_of_a_sweep(tmp_path: Path) -> None:
    code, _, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--out", str(tmp_path), "--output", "wait:*"
    )
    assert code == 2
    assert err.startswith("error: --output: wait:*: waits are not outputs of a sweep")
    assert "tabletop run --replications gives their statistics" in err and "util:trains" in err
