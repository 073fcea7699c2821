"""Sweep folders under concurrency and tampering: one owner, append-only, every line checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiment.store import RUNS, SweepLock

EXAMPLE = Path(__file__).parent.parent / "scenarios" / "examples" / "one-train.yaml"
VARY = "transport_types.train.speed_kmh=40,50"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _sweep(tmp_path: Path, replications: int = 4) -> tuple[Path, str]:
    """A finished sweep's folder and its JSON summary."""
    code, out, err = invoke(
        "sweep", str(EXAMPLE), "--vary", VARY, "--replications", str(replications),
        "--out", str(tmp_path / "out"), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    (folder,) = (tmp_path / "out" / "one-train").iterdir()
    return folder, out


def _cut(folder: Path, keep: int) -> list[str]:
    """Leave only the first ``keep`` lines of runs.jsonl; return all the lines it had."""
    lines = (folder / RUNS).read_text("utf-8").splitlines(keepends=True)
    (folder / RUNS).write_text("".join(lines[:keep]), "utf-8")
    (folder / "summary.json").unlink()
    return lines


def _resume(folder: Path) -> tuple[int, str, str]:
    return invoke("sweep", "--resume", str(folder), "--format", "json")


def test_a_resume_while_another_holds_the_sweep_is_refused(tmp_path: Path) -> None:
    folder, whole = _sweep(tmp_path)
    _cut(folder, 3)
    with SweepLock(folder):
        code, _, err = _resume(folder)
        assert code == 2
        assert f"being run by process {os.getpid()}" in err
        assert len(err.strip().splitlines()) == 2  # "sweep: <folder>" and the one problem
    assert len((folder / RUNS).read_text().splitlines()) == 3  # untouched
    code, out, err = _resume(folder)
    assert code == 0, err
    assert out == whole


def test_two_resumes_at_once_never_damage_the_sweep(tmp_path: Path) -> None:
    """Real processes racing: each either finishes the sweep or is refused; none corrupts it."""
    folder, whole = _sweep(tmp_path, replications=30)
    for _trial in range(3):
        _cut(folder, 5)
        command = [sys.executable, "-m", "simulator", "sweep", "--resume", str(folder),
                   "--format", "json"]  # fmt: skip
        racers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                  for _ in range(2)]  # fmt: skip
        results = [(p.returncode, *p.communicate(timeout=300)) for p in racers]
        results = [
            (p.returncode, out, err) for p, (_, out, err) in zip(racers, results, strict=True)
        ]
        codes = sorted(code for code, _, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for code, out, err in results:
            if code == 0:
                assert out.decode() == whole
            else:
                assert b"being run by process" in err
        lines = (folder / RUNS).read_text("utf-8").splitlines()
        keys = [(r["point"], r["replication"]) for r in map(json.loads, lines)]
        assert set(keys) == {(p, r) for p in range(2) for r in range(30)}
        code, out, err = _resume(folder)  # and the folder still resumes
        assert code == 0 and out == whole, err


def test_runs_file_as_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    folder, _ = _sweep(tmp_path)
    _cut(folder, 3)
    victim = tmp_path / "victim.txt"
    victim.write_bytes((folder / RUNS).read_bytes())
    before = victim.read_bytes()
    (folder / RUNS).unlink()
    (folder / RUNS).symlink_to(victim)
    code, _, err = _resume(folder)
    assert code == 2
    assert "is a symbolic link" in err
    assert victim.read_bytes() == before


def _tamper(folder: Path, line: int, change) -> None:  # type: ignore[no-untyped-def]
    lines = (folder / RUNS).read_text("utf-8").splitlines(keepends=True)
    lines[line] = change(lines[line])
    (folder / RUNS).write_text("".join(lines), "utf-8")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda text: text.replace('"closure:A": 24.0', '"closure:A": 1.0'),
            "check does not match",
        ),
        (lambda text: text.replace('"closure:A": 24.0', '"closure:A": NaN'), "NaN is not a number"),
        (lambda text: json.dumps({**json.loads(text), "outputs": {}}) + "\n", "lack some"),
        (lambda text: text.replace('"point": 0', '"point": "0"'), "not in the design"),
        (lambda text: text.replace('"point": 0', '"point": 7'), "not in the design"),
        (lambda text: "[1, 2]\n", "not a JSON object"),
    ],
    ids=["edited value", "NaN", "emptied outputs", "point as text", "foreign point", "a list"],
)
def test_a_tampered_line_is_refused(tmp_path: Path, change, words: str) -> None:  # type: ignore[no-untyped-def]
    folder, _ = _sweep(tmp_path)
    _cut(folder, 6)
    _tamper(folder, 1, change)
    code, _, err = _resume(folder)
    assert code == 2, err
    assert f"{RUNS}:2: " in err and words in err, err


def _edit_design(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / "design.json"
    design = json.loads(path.read_text("utf-8"))
    change(design)
    path.write_text(json.dumps(design), "utf-8")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda d: d["points"][1].update(assignments=["transport_types.train.speed_kmh=90"]),
            "not the ones its recorded --vary",
        ),
        (lambda d: d.update(replications="4"), "replications is '4', not int"),
        (lambda d: d["request"].update(vary="x"), "request.vary is 'x', not list"),
        (lambda d: d.update(format=1), "of format 1"),
        (lambda d: d.pop("seeds"), "incomplete"),
    ],
    ids=["points against --vary", "replications as text", "vary as text", "old format", "no seeds"],
)
def test_a_tampered_design_is_refused(tmp_path: Path, change, words: str) -> None:  # type: ignore[no-untyped-def]
    folder, _ = _sweep(tmp_path)
    _cut(folder, 3)
    _edit_design(folder, change)
    code, _, err = _resume(folder)
    assert code == 2, err
    assert words in err, err
    assert "Traceback" not in err and "internal error" not in err


# -- Dask -------------------------------------------------------------------------------------

DASK_ARGS = ["sweep", str(EXAMPLE), "--vary", VARY, "--replications", "2"]


def _no_folder_left(out: Path) -> None:
    assert not out.exists() or not any(out.rglob("design.json")), list(out.rglob("*"))


def test_a_listener_that_is_not_a_scheduler_is_exit_2_in_bounded_time(tmp_path: Path) -> None:
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    start = time.monotonic()
    code, _, err = invoke(*DASK_ARGS, "--scheduler", address, "--scheduler-timeout", "1",
                          "--out", str(tmp_path / "out"))  # fmt: skip
    elapsed = time.monotonic() - start
    server.close()
    for conn in held:
        conn.close()
    assert code == 2, err
    assert f"cannot reach the Dask scheduler at {address}" in err
    assert elapsed < 30  # bounded: one timeout, not Dask's retries
    _no_folder_left(tmp_path / "out")


def test_a_malformed_scheduler_address_is_one_line(tmp_path: Path) -> None:
    code, _, err = invoke(*DASK_ARGS, "--scheduler", "tcp://::bad", "--out", str(tmp_path))
    assert code == 2
    assert err.strip().splitlines() == [
        "error: --scheduler: 'tcp://::bad' is not a scheduler address; expected "
        "[PROTOCOL://]HOST:PORT, e.g. tcp://10.0.0.5:8786"
    ]


@pytest.mark.slow
def test_a_scheduler_with_no_worker_is_exit_2_and_leaves_no_folder(tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        code, _, err = invoke(
            *DASK_ARGS, "--scheduler", address, "--scheduler-timeout", "1",
            "--out", str(tmp_path / "out"),
        )  # fmt: skip
    assert code == 2, err
    assert "has no worker after 1 s" in err
    _no_folder_left(tmp_path / "out")


def _bogus_runs(jobs):  # type: ignore[no-untyped-def]
    from simulator.experiment.executors import Run

    return [Run(j.point, j.replication, j.seed, {"closure:A": 1.0}) for j in jobs]


@pytest.mark.slow
def test_results_planted_by_another_client_are_not_taken(tmp_path: Path) -> None:
    """Another client of the scheduler puts fake runs under the keys a sweep could predict."""
    from distributed import Client, LocalCluster

    from simulator.experiment.executors import Job, batch_size, batches, scenario_digest
    from simulator.experiment.replicate import replication_seed
    from simulator.experiment.sweep import Request, plan

    args = [*DASK_ARGS[:-1], "4"]
    code, honest, err = invoke(*args, "--out", str(tmp_path / "local"), "--format", "json")
    assert code == 0, err
    planned = plan(Request(file=EXAMPLE, vary=(VARY,), replications=4, seed=0))
    with (
        LocalCluster(
            n_workers=1, processes=False, protocol="tcp", dashboard_address=None
        ) as cluster,
        Client(cluster.scheduler_address, set_as_default=False) as attacker,
    ):
        jobs = [Job(p, r, replication_seed(0, r)) for p in range(2) for r in range(4)]
        planted = []
        for size in range(1, 9):
            for batch in batches(jobs, size):
                digest = scenario_digest(planned.scenarios[batch.point])
                for key in (batch.key(digest), f"tabletop-sweep-{batch.key(digest)}"):
                    planted.append(attacker.submit(_bogus_runs, batch.jobs, key=key, pure=False))
        attacker.gather(planted)
        assert batch_size(len(jobs), 1) >= 1
        code, out, err = invoke(*args, "--scheduler", cluster.scheduler_address,
                                "--out", str(tmp_path / "dask"), "--format", "json")  # fmt: skip
    assert code == 0, err
    assert out == honest


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_costs_only_time(tmp_path: Path) -> None:
    import signal
    import time

    from distributed import Client, LocalCluster

    flagship = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"
    args = ["sweep", str(flagship), "--vary", "fleets.pla_il76.count=4,8",
            "--replications", "24", "--format", "json"]  # fmt: skip
    code, honest, err = invoke(*args, "--out", str(tmp_path / "local"))
    assert code == 0, err
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster.scheduler_address, set_as_default=False) as client,
    ):
        client.wait_for_workers(2)
        pids = list(client.run(os.getpid).values())
        command = [sys.executable, "-m", "simulator", *args, "--scheduler",
                   cluster.scheduler_address, "--out", str(tmp_path / "dask")]  # fmt: skip
        sweep = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        killed = False
        while time.monotonic() < deadline and sweep.poll() is None and not killed:
            runs = list((tmp_path / "dask").rglob(RUNS))
            if runs and len(runs[0].read_bytes().splitlines()) >= 3:
                os.kill(pids[0], signal.SIGKILL)
                killed = True
            time.sleep(0.02)
        out, err_bytes = sweep.communicate(timeout=300)
    assert killed, "the sweep ended before a worker could be killed"
    assert sweep.returncode == 0, err_bytes.decode()
    assert out.decode() == honest


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.3, 1.0, 2.0])
def test_ctrl_c_at_any_moment_of_a_pool_sweep_is_one_line_and_exit_130(
    tmp_path: Path, delay: float
) -> None:
    """Ctrl-C reaches the whole process group, workers included, as it does from a terminal."""
    import signal
    import time

    flagship = Path(__file__).parent.parent / "scenarios" / "peace_mission_2007.yaml"
    command = [sys.executable, "-m", "simulator", "sweep", str(flagship), "--vary",
               "fleets.pla_il76.count=4,8", "--replications", "200", "--workers", "2",
               "--out", str(tmp_path)]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    text = err.decode()
    assert process.returncode in (0, 130), text  # 0 only if it had finished already
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    if process.returncode == 130:
        assert text.strip().splitlines()[-1].startswith("interrupted")


def test_the_entry_point_and_the_commands_agree_on_the_interrupt_exit_code() -> None:
    from simulator.commands.exits import EXIT_INTERRUPTED
    from simulator.entry import EXIT_INTERRUPTED as ENTRY

    assert ENTRY == EXIT_INTERRUPTED == 130
