"""Hostile files and faults: one read of the input, rooted `extends`, I/O faults, empty tables.

Each test here is about a promise the tool makes about files: that what is hashed is what ran,
that a variant cannot read files anywhere on the machine, that a failed write leaves no half
run behind and says so in one line, and that empty tables still name their columns.
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.loading import load_scenario
from simulator.report import files as files_module
from simulator.report.files import staged_run_dir

EXAMPLES = Path(__file__).parent.parent / "scenarios" / "examples"
ONE_TRAIN = EXAMPLES / "one-train.yaml"


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- one read ---------------------------------------------------------------------------------


def test_the_hash_is_of_the_bytes_that_were_parsed(tmp_path: Path, monkeypatch) -> None:
    """The file is opened once per load; editing it after that read changes nothing loaded."""
    path = tmp_path / "s.yaml"
    path.write_bytes(ONE_TRAIN.read_bytes())
    opened: list[str] = []
    real_open = open

    def counting_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    loaded = load_scenario(path)
    assert opened == [str(path)]
    assert loaded.sha256 == hashlib.sha256(ONE_TRAIN.read_bytes()).hexdigest()
    assert loaded.file_sha256 == (loaded.sha256,)


def test_a_sweep_parses_its_file_once_and_records_every_files_hash(
    tmp_path: Path, monkeypatch
) -> None:
    """A file edited while the points are planned does not reach any point."""
    from simulator.experiment import sweep as sweep_module

    path = tmp_path / "s.yaml"
    path.write_bytes(ONE_TRAIN.read_bytes())
    original = path.read_text("utf-8")
    real_finish = sweep_module.finish
    calls = []

    def finish_then_edit(composed, overrides, file):  # type: ignore[no-untyped-def]
        calls.append(overrides)
        path.write_text(original.replace("title: One train over one link", "title: edited"))
        return real_finish(composed, overrides, file)

    monkeypatch.setattr(sweep_module, "finish", finish_then_edit)
    request = sweep_module.Request(
        file=path, vary=("fleets.trains.count=1,2",), replications=1, seed=0
    )
    planned = sweep_module.plan(request)
    assert len(calls) == 3  # the base and two points, from one parse
    assert {s.title for s in planned.scenarios} == {"One train over one link"}
    design = planned.design(["tabletop"], __import__("datetime").datetime(2030, 1, 1))
    assert design["scenario_files_sha256"] == [hashlib.sha256(original.encode()).hexdigest()]


# -- extends ----------------------------------------------------------------------------------


def _variant(folder: Path, extends: str, name: str = "v.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"extends: {extends}\nname: v\n", "utf-8")
    return path


def test_extends_reaches_only_the_allowed_roots(tmp_path: Path, monkeypatch) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text("private_key_name: 1\n", "utf-8")
    work = tmp_path / "work"
    variant = _variant(work / "scenarios" / "variants", "../../../elsewhere/secret.yaml")
    monkeypatch.chdir(work)
    code, _, err = _cli("validate", str(variant))
    assert code == 2
    assert "lies outside the folders a base may be read from" in err
    assert "--extends-root" in err
    assert "private_key_name" not in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _cli("--extends-root", str(outside), "validate", str(variant))
    assert code == 2 and "private_key_name" in err  # now read, and found not to be a scenario


def test_a_variant_extends_the_folder_above_its_own(tmp_path: Path, monkeypatch) -> None:
    """``variants/x.yaml`` extending ``../base.yaml`` works from any working directory."""
    root = tmp_path / "scenarios"
    root.mkdir()
    (root / "base.yaml").write_bytes(ONE_TRAIN.read_bytes())
    variant = _variant(root / "variants", "../base.yaml")
    monkeypatch.chdir(tmp_path.parent)
    code, _out, err = _cli("validate", str(variant))
    assert code == 0, err


def test_an_absolute_extends_outside_the_roots_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    variant = _variant(tmp_path / "a" / "b", "/etc/hostname")
    code, _, err = _cli("validate", str(variant))
    assert code == 2 and "lies outside" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_extends_refuses_a_fifo_a_device_a_loop_and_a_nul(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    cases = {
        "../fifo.yaml": "is not a regular file",
        "../loop1": "a loop of symbolic links",
        '"a\\0b.yaml"': "NUL",
        "/dev/zero": "is not a regular file",
    }
    for extends, words in cases.items():
        variant = _variant(tmp_path / "v", extends)
        code, _, err = _cli("--extends-root", "/dev", "validate", str(variant))
        assert code == 2, (extends, err)
        assert words in err, (extends, err)
        assert len(err.strip().splitlines()) == 1, err


# -- numbers ----------------------------------------------------------------------------------


def test_a_number_in_quotes_is_refused_where_a_number_belongs(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = ONE_TRAIN.read_text("utf-8")
    assert "count: 40" in text
    path.write_text(text.replace("count: 40", 'count: "40"'), "utf-8")
    code, _, err = _cli("validate", str(path))
    assert code == 2
    assert "expected an integer, got the text '40'; a number is written without quotes" in err
    code, _, err = _cli("run", str(ONE_TRAIN), "--no-save", "--set", 'nodes.depot.lat="1.7e308"')
    assert code == 2 and "expected a number, got the text '1.7e308'" in err


# -- empty tables -----------------------------------------------------------------------------


def test_an_empty_table_keeps_its_header(tmp_path: Path) -> None:
    """One train and no operations: the tasks, airdrops and shortfalls tables are empty."""
    code, _, err = _cli("run", str(ONE_TRAIN), "--out", str(tmp_path))
    assert code == 0, err
    (folder,) = (tmp_path / "one-train").iterdir()
    airdrops = (folder / "airdrops.csv").read_text("utf-8").splitlines()
    assert len(airdrops) == 1 and airdrops[0].startswith("id,")
    code, out, _ = _cli("run", str(ONE_TRAIN), "--no-save", "--format", "csv")
    block = out.split("# airdrops\n", 1)[1].split("\n", 1)[0]
    assert block.startswith("id,")


# -- I/O faults -------------------------------------------------------------------------------


def test_a_full_disk_leaves_no_run_folder_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch
) -> None:
    real = files_module.write_atomic

    def full_on_events(path: Path, data: str | bytes) -> None:
        if path.name == "events.jsonl":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr("simulator.report.save.write_atomic", full_on_events)
    code, _, err = _cli("run", str(ONE_TRAIN), "--out", str(tmp_path))
    assert code == 3
    assert err.strip().count("\n") == 0
    assert "No space left on device" in err and "events.jsonl" in err
    assert "internal error" not in err
    assert [p for p in tmp_path.rglob("*") if p.is_dir()] == [tmp_path / "one-train"]


def test_a_read_only_out_folder_is_exit_3(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes anywhere; a folder where a file is cannot be created by anyone.
        target = tmp_path / "file"
        target.write_text("x")
        out = target / "results"
    else:
        out = tmp_path / "ro"
        out.mkdir(mode=0o500)
    code, _stdout, err = _cli("run", str(ONE_TRAIN), "--out", str(out))
    assert code == 3, err
    assert len(err.strip().splitlines()) == 1 and str(out) in err
    assert "Traceback" not in err


def test_a_stale_partial_folder_of_a_dead_process_is_cleaned(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    parent = tmp_path / "one-train"
    stale = parent / f".20300101T000000Z-seed0.{int(dead.stdout)}.0123456789ab.partial"
    stale.mkdir(parents=True)
    (stale / "manifest.json").write_text("{}")
    live = parent / f".20300101T000000Z-seed0.{os.getpid()}.ba9876543210.partial"
    live.mkdir()
    code, _, err = _cli("run", str(ONE_TRAIN), "--out", str(tmp_path))
    assert code == 0, err
    assert not stale.exists()
    assert live.exists()  # a run still being written is left alone
    assert len([p for p in parent.iterdir() if not p.name.startswith(".")]) == 1


def test_a_staged_folder_never_replaces_an_existing_run(tmp_path: Path) -> None:
    import datetime as dt

    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    existing = tmp_path / "s" / "20300101T000000Z-seed0"
    existing.mkdir(parents=True)
    (existing / "keep.txt").write_text("earlier run")
    with staged_run_dir(tmp_path, "s", 0, now) as staged:
        (staged.path / "manifest.json").write_text("{}")
        assert staged.path.name.startswith(".")
    assert staged.final == existing.with_name(existing.name + "-2")
    assert (existing / "keep.txt").read_text() == "earlier run"
    assert (staged.final / "manifest.json").exists()
    with pytest.raises(RuntimeError), staged_run_dir(tmp_path, "s", 0, now) as failed:
        raise RuntimeError("crash while writing")
    assert not failed.path.exists() and failed.final is None
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "20300101T000000Z-seed0", "20300101T000000Z-seed0-2",
    ]  # fmt: skip
