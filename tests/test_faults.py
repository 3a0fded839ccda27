"""Faults a user meets outside the happy path: odd -o targets, full disks, SIGTERM, damaged
or read-only libraries, control characters. Each test failed before its fix."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import (
    DAILY,
    DAILY_TITLES,
    RULE_ARGS,
    assert_one_error_line,
    invoke,
    subprocess_env,
)

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


# --- write errors on stdout and on the library ---------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", str(DAILY), "-f", "jsonl", "--no-store", *RULE_ARGS],
        ["ingest", str(DAILY), "-f", "table", "--no-store", *RULE_ARGS],
        ["rules", "list", *RULE_ARGS],
        ["--version"],
    ],
    ids=["ingest-jsonl", "ingest-table", "rules-list", "version"],
)
def test_stdout_on_a_full_device_is_one_error_line(args):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "papertriage", *args],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env=subprocess_env(),
            timeout=60,
        )
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    line = assert_one_error_line(stderr)
    assert "No space left on device" in line


def test_closed_pipe_stays_quiet():
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", "-", "-f", "jsonl", "--no-store"]
        + RULE_ARGS,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    proc.stdout.close()  # the reader went away before anything was written
    _, err = proc.communicate(DAILY.read_bytes(), timeout=60)
    assert proc.returncode == 0, err
    assert err == b""


def _full_library(monkeypatch, db: Path) -> None:
    """Make the library at `db` unable to grow, as on a full disk (SQLITE_FULL)."""
    import sqlite3

    connect = sqlite3.connect

    def limited(*args, **kwargs):
        conn = connect(*args, **kwargs)
        if Path(str(args[0])) == db:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", limited)


def test_full_disk_under_the_library_is_one_error_line(tmp_path, monkeypatch):
    db = tmp_path / "library.db"
    first = invoke(["ingest", str(DAILY), "-f", "json", "--db", str(db), *RULE_ARGS])
    assert first.exit_code == 0, first.stderr
    day = tmp_path / "more.txt"
    day.write_text(DAILY.read_text().replace("Lantern", "Beacon").replace("Orchard", "Meadow"))
    _full_library(monkeypatch, db)
    result = invoke(["ingest", str(day), "-f", "json", "--db", str(db), *RULE_ARGS])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert "full" in line
    monkeypatch.undo()
    # The run was rolled back: the library still reads, with the first run only.
    listed = invoke(["list", "-f", "jsonl", "--db", str(db)])
    assert listed.exit_code == 0, listed.stderr
    assert sorted(json.loads(x)["title"] for x in listed.stdout.splitlines()) == sorted(
        DAILY_TITLES
    )


# --- control characters never reach the terminal ---------------------------------------------

HOSTILE_TITLES = [
    "Hidden \x1b]8;;https://evil.example\x07Link\x1b]8;;\x07 in a Title",
    "Screen Clearing \x1b[2J Attention \x9b31m Study",
]


def _hostile_listing(tmp_path: Path) -> Path:
    """A BibTeX file (a format that takes titles as written) with hostile titles."""
    entries = [
        f"@article{{k{i},\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n"
        f"  year = {{2024}},\n  abstract = {{Agents that call tools.}}\n}}\n"
        for i, title in enumerate(HOSTILE_TITLES)
    ]
    path = tmp_path / "hostile.bib"
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _has_controls(text: str) -> bool:
    return any(ord(c) < 0x20 and c not in "\n" or 0x7F <= ord(c) < 0xA0 for c in text)


def test_table_shows_control_characters_as_escapes(tmp_path):
    listing = _hostile_listing(tmp_path)
    result = invoke(["ingest", str(listing), "--no-store", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert not _has_controls(result.stdout), repr(result.stdout)
    assert "\\x1b]8;;https://evil.example\\x07Link" in result.stdout.replace("\n", "")
    assert "\\x1b[2J" in result.stdout


def test_json_keeps_the_title_as_data(tmp_path):
    listing = _hostile_listing(tmp_path)
    result = invoke(["ingest", str(listing), "-f", "json", "--no-store", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout  # escaped as JSON escapes it
    titles = {p["title"] for p in json.loads(result.stdout)["papers"]}
    assert set(HOSTILE_TITLES) <= titles


def test_diagnostics_show_control_characters_as_escapes(tmp_path):
    missing = tmp_path / "x\x1b[2Jy\x07.txt"
    result = invoke(["ingest", str(missing), "--no-store", *RULE_ARGS])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert not _has_controls(result.stderr), repr(result.stderr)
    assert "x\\x1b[2Jy\\x07.txt" in line
