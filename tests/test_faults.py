"""Faults a user meets outside the happy path: odd -o targets, full disks, SIGTERM, damaged
or read-only libraries, control characters. Each test failed before its fix."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import DAILY, DAILY_TITLES, RULE_ARGS, assert_one_error_line, invoke

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- -o onto symlinks, FIFOs and devices -----------------------------------------------------


def test_output_through_a_symlink_writes_the_file_it_points_to(tmp_path):
    real = tmp_path / "data" / "triage.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    result = invoke(
        ["ingest", str(DAILY), "-f", "jsonl", "-o", str(link), "--no-store", *RULE_ARGS]
    )
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink(), "the link was replaced by a regular file"
    titles = [json.loads(line)["title"] for line in real.read_text().splitlines()]
    assert sorted(titles) == sorted(DAILY_TITLES)
    # The temporary file was made next to the target, and nothing is left of it.
    assert [p.name for p in real.parent.iterdir()] == ["triage.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "latest.jsonl"]


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path):
    real = tmp_path / "triage.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = invoke(["ingest", str(DAILY), "-f", "csv", "-o", str(link), "--no-store", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and real.is_file()
    assert real.read_text().startswith("rank,")


def test_output_into_a_fifo_writes_into_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = invoke(
        ["ingest", str(DAILY), "-f", "jsonl", "-o", str(fifo), "--no-store", *RULE_ARGS]
    )
    if not received:
        # The old writer replaced the FIFO instead of opening it: free the waiting reader.
        with open(fifo, "wb"):
            pass
    reader.join(10)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a regular file"
    titles = [json.loads(line)["title"] for line in received[0].decode().splitlines()]
    assert sorted(titles) == sorted(DAILY_TITLES)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def _char_device(path: Path, minor: int) -> None:
    """A copy of /dev/null (minor 3) or /dev/full (minor 7) at `path`, or skip."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a character device here ({exc}); needs root")


def test_output_onto_a_character_device_writes_into_it(tmp_path):
    device = tmp_path / "null"
    _char_device(device, 3)
    result = invoke(
        ["ingest", str(DAILY), "-f", "csv", "-o", str(device), "--no-store", *RULE_ARGS]
    )
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(device.stat().st_mode), "the device was replaced by a regular file"
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_output_onto_a_full_device_is_one_error_line(tmp_path):
    device = tmp_path / "full"
    _char_device(device, 7)
    result = invoke(
        ["ingest", str(DAILY), "-f", "csv", "-o", str(device), "--no-store", *RULE_ARGS]
    )
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert "No space left on device" in line
    assert stat.S_ISCHR(device.stat().st_mode)
