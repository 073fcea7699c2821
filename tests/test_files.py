"""Tests for atomic writes and run directories."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from simulator.report.files import new_run_dir, sanitise_name, write_atomic

NOW = dt.datetime(2007, 7, 20, 6, 5, 4, tzinfo=dt.UTC)

# -- write_atomic ------------------------------------------------------------------------


def test_write_text(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "Ürümqi\nline two\n")
    assert target.read_bytes() == "Ürümqi\nline two\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_write_bytes(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    write_atomic(target, b"\x00\x01\r\n")
    assert target.read_bytes() == b"\x00\x01\r\n"


def test_replace_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old content that is longer\n", encoding="utf-8")
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("precious\n", encoding="utf-8")

    def broken_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_content_is_synced_before_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(tmp_path / "out.txt", "x")
    assert events[:2] == ["fsync", "replace"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        target = tmp_path / "out.txt"
        write_atomic(target, "x")
    finally:
        os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o644


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "out.txt", "x")


# -- new_run_dir ------------------------------------------------------------------------


def test_run_dir_name(tmp_path: Path) -> None:
    run = new_run_dir(tmp_path, "kz_transit", 42, NOW)
    assert run == tmp_path / "kz_transit" / "20070720T060504Z-seed42"
    assert run.is_dir()
    assert list(run.iterdir()) == []


def test_run_dir_time_is_converted_to_utc(tmp_path: Path) -> None:
    almaty = dt.timezone(dt.timedelta(hours=6))
    run = new_run_dir(tmp_path, "s", 1, dt.datetime(2007, 7, 20, 3, 0, 0, tzinfo=almaty))
    assert run.name == "20070719T210000Z-seed1"


def test_naive_time_is_taken_as_utc(tmp_path: Path) -> None:
    run = new_run_dir(tmp_path, "s", 1, dt.datetime(2007, 7, 20, 3, 0, 0))
    assert run.name == "20070720T030000Z-seed1"


def test_existing_run_dir_is_never_reused(tmp_path: Path) -> None:
    first = new_run_dir(tmp_path, "s", 7, NOW)
    (first / "result.json").write_text("{}", encoding="utf-8")
    second = new_run_dir(tmp_path, "s", 7, NOW)
    third = new_run_dir(tmp_path, "s", 7, NOW)
    assert [first.name, second.name, third.name] == [
        "20070720T060504Z-seed7",
        "20070720T060504Z-seed7-2",
        "20070720T060504Z-seed7-3",
    ]
    assert (first / "result.json").read_text(encoding="utf-8") == "{}"


def test_file_in_the_way_is_not_touched(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    blocker = tmp_path / "s" / "20070720T060504Z-seed7"
    blocker.write_text("keep", encoding="utf-8")
    run = new_run_dir(tmp_path, "s", 7, NOW)
    assert run.name == "20070720T060504Z-seed7-2"
    assert blocker.read_text(encoding="utf-8") == "keep"


def test_scenario_name_is_sanitised(tmp_path: Path) -> None:
    run = new_run_dir(tmp_path, "../../etc/kz transit", -3, NOW)
    assert run.parent == tmp_path / "_.._etc_kz_transit"
    assert run.name == "20070720T060504Z-seed-3"
    assert run.resolve().is_relative_to(tmp_path.resolve())


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("kz_transit-2007.v1", "kz_transit-2007.v1"),
        ("a b/c\\d:e", "a_b_c_d_e"),
        ("..", "scenario"),
        ("", "scenario"),
        (".hidden", "hidden"),
        ("Ürümqi", "_r_mqi"),
    ],
)
def test_sanitise_name(name: str, safe: str) -> None:
    assert sanitise_name(name) == safe
