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


# --- SIGTERM during a --jobs run --------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """Processes whose parent is `pid`, from /proc (psutil is not a dependency)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        fields = stat_line.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its new parent to reap it is gone too
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _survivors(workers: set[int], wait: float = 10.0) -> list[int]:
    """The worker processes still alive after up to `wait` seconds."""
    import time

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    return [pid for pid in workers if _alive(pid)]


def _reap(proc: subprocess.Popen, workers: set[int]) -> None:
    """Kill what a failed test left running: the run and its workers."""
    import signal

    if proc.poll() is None:
        proc.kill()
    for pid in workers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def large_listing(tmp_path_factory):
    """About 25,000 papers: long enough for workers to be busy when SIGTERM comes."""
    daily = DAILY.read_text()
    text = "".join(daily.replace(": ", f" {n}: ").replace("?", f" {n}?") for n in range(5000))
    path = tmp_path_factory.mktemp("large") / "large.txt"
    path.write_text(text)
    return path


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_ctrl_c_again_and_again_never_hangs_a_run_with_workers(tmp_path, large_listing):
    """SIGINT at different moments of a run with two workers: each time exit 130 within
    seconds, one line, no worker left (a worker stopped mid-way through sending a result
    once left the run waiting for ever)."""
    import signal
    import time

    for attempt in range(4):
        out = tmp_path / f"out{attempt}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-m", "papertriage", "ingest", str(large_listing), "-f", "jsonl"]
            + ["-o", str(out), "-j", "2", "--batch-size", "200", "--no-store", *RULE_ARGS],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=subprocess_env(),
        )
        workers: set[int] = set()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
                workers = _children(proc.pid)
                time.sleep(0.02)
            time.sleep(0.1 * attempt)  # a different moment each time
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
        finally:
            _reap(proc, workers)
        text = stderr.decode()
        assert proc.returncode == 130, text
        assert "Traceback" not in text and text.strip() == "papertriage: interrupted", text
        assert not _survivors(workers), "workers outlived the run"
        assert not out.exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_sigterm_stops_workers_removes_temp_file_and_rolls_back(tmp_path, large_listing):
    import signal
    import time

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    db = tmp_path / "library.db"
    first = invoke(["ingest", str(DAILY), "-f", "json", "--db", str(db), *RULE_ARGS])
    assert first.exit_code == 0, first.stderr
    args = [str(large_listing), "-f", "jsonl", "-o", str(out_dir / "all.jsonl"), "-j", "2"]
    args += ["--batch-size", "200", "--db", str(db), *RULE_ARGS]
    # Files, not pipes: orphaned workers would hold a pipe open after the run ended.
    errors = tmp_path / "stderr.txt"
    workers: set[int] = set()
    with open(errors, "wb") as stderr_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "papertriage", "ingest", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
            env=subprocess_env(),
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2 and any(out_dir.iterdir()):
                break
            time.sleep(0.05)
        assert len(workers) >= 2, "the run never started its workers"
        time.sleep(0.3)  # mid-run
        assert proc.poll() is None, "the run ended before SIGTERM; make the input larger"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        orphans = _survivors(workers)
    finally:
        _reap(proc, workers)
    stderr = errors.read_text()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr, stderr
    assert not orphans, "worker processes outlived the run"
    assert list(out_dir.iterdir()) == [], "a temp file was left behind"
    # No part of the run reached the library: it holds the first run only.
    listed = invoke(["list", "-f", "jsonl", "--db", str(db)])
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(DAILY_TITLES)
    stats = json.loads(invoke(["stats", "-f", "json", "--db", str(db)]).stdout)
    assert stats["runs"] == 1


def test_workers_exit_when_their_parent_dies(tmp_path):
    """A worker whose parent is killed outright (SIGKILL: no handler runs) stops by itself."""
    import signal
    import time

    code = f"""
import os, sys
sys.path[:0] = {sys.path!r}
from papertriage.workers import _watch_parent
pid = os.fork()
if pid == 0:
    _watch_parent(os.getppid())
    import time
    time.sleep(120)
    os._exit(0)
print(pid, flush=True)
time_to_wait = 120
import time
time.sleep(time_to_wait)
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, env=subprocess_env()
    )
    child = int(parent.stdout.readline())
    time.sleep(0.5)
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    alive = _alive(child)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, "the worker outlived its parent"


# --- damaged and read-only libraries ---------------------------------------------------------


@pytest.fixture(scope="module")
def library_file(tmp_path_factory):
    """A real library of a few hundred papers, checkpointed into one file (no -wal beside it)."""
    import sqlite3

    folder = tmp_path_factory.mktemp("library")
    daily = DAILY.read_text()
    listing = folder / "listing.txt"
    listing.write_text(
        "".join(daily.replace(": ", f" {n}: ").replace("?", f" {n}?") for n in range(60))
    )
    db = folder / "library.db"
    # The tests' rules as the configured ones: the library stores their themes (with --rules
    # on the command line it would store the default rules' themes instead).
    config = folder / "config.yaml"
    config.write_text(f"rules: [{RULE_ARGS[-1]}]\ndefault_rules: false\n", encoding="utf-8")
    before = os.environ.get("PAPERTRIAGE_CONFIG")
    os.environ["PAPERTRIAGE_CONFIG"] = str(config)
    try:
        result = invoke(["ingest", str(listing), "-f", "json", "--db", str(db)])
    finally:
        if before is None:
            os.environ.pop("PAPERTRIAGE_CONFIG", None)
        else:
            os.environ["PAPERTRIAGE_CONFIG"] = before
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


def _paper_count(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    finally:
        conn.close()


def _copy(library_file: Path, folder: Path) -> Path:
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "library.db"
    shutil.copyfile(library_file, target)
    return target


def _damage(db: Path) -> None:
    """Overwrite the middle third of the pages (past each page's header) with junk."""
    page = 4096
    pages = db.stat().st_size // page
    assert pages > 30
    with open(db, "r+b") as handle:
        for number in range(pages // 3, 2 * pages // 3):
            handle.seek(number * page + 100)
            handle.write(b"\xde\xad\xbe\xef" * 200)


def test_db_check_reports_damage_and_how_to_recover(tmp_path, library_file):
    db = _copy(library_file, tmp_path)
    _damage(db)
    result = invoke(["db", "check", "--db", str(db)])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert "damaged" in line
    assert "Traceback" not in result.stdout
    assert ".recover" in result.stdout and "db export" in result.stdout
    assert "page" in result.stdout  # SQLite's own findings are listed


@pytest.mark.parametrize("command", [["list"], ["stats"], ["digest"], ["search", "agents"]])
def test_reading_a_damaged_library_is_one_error_line(tmp_path, library_file, command):
    db = _copy(library_file, tmp_path)
    _damage(db)
    result = invoke([*command, "--db", str(db)])
    if command[0] == "search" and result.exit_code == 0:
        return  # the full-text index may sit on pages left whole: nothing to report
    assert result.exit_code == 1, result.stdout
    line = assert_one_error_line(result.stderr)
    assert "damaged" in line and "db check" in line


def test_a_sound_library_checks_ok(tmp_path, library_file):
    db = _copy(library_file, tmp_path)
    result = invoke(["db", "check", "--db", str(db)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok:")


def test_read_only_open_reads_and_never_writes(tmp_path, library_file):
    """The mode=ro path itself (what a chmod 444 library gets), checked as any user."""
    import sqlite3

    from papertriage.store import Library

    db = _copy(library_file, tmp_path)
    before = db.read_bytes()
    with Library.open(db, create=False, write=False) as library:
        assert len(library.papers()) == _paper_count(library_file) > 200
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            library.conn.execute("DELETE FROM papers")
    assert db.read_bytes() == before


def _unwritable(monkeypatch, folder: Path) -> None:
    """Make the library code see `folder` and what is in it as not writable, as for a user
    without write access (root may write anywhere, so chmod alone proves nothing for root)."""
    import papertriage.store as store

    access = os.access

    def fake_access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
            return False
        return access(path, mode, *args, **kwargs)

    monkeypatch.setattr(store.os, "access", fake_access)


def test_reading_commands_work_on_a_read_only_library(tmp_path, library_file, monkeypatch):
    db = _copy(library_file, tmp_path / "ro")
    _unwritable(monkeypatch, db.parent)
    listed = invoke(["list", "-f", "jsonl", "--db", str(db)])
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == _paper_count(library_file)
    assert invoke(["stats", "--db", str(db)]).exit_code == 0
    assert invoke(["db", "check", "--db", str(db)]).exit_code == 0
    # immutable=1 (a read-only folder): SQLite made no -wal or -shm beside the library.
    assert sorted(p.name for p in db.parent.iterdir()) == ["library.db"]


def test_writing_commands_say_the_library_is_read_only(tmp_path, library_file, monkeypatch):
    db = _copy(library_file, tmp_path / "ro")
    _unwritable(monkeypatch, db.parent)
    before = db.read_bytes()
    result = invoke(["ingest", str(DAILY), "-f", "json", "--db", str(db), *RULE_ARGS])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert "read-only" in line and "--no-store" in line
    assert db.read_bytes() == before


@pytest.mark.skipif(IS_ROOT, reason="root writes through chmod 444: nothing to refuse as root")
def test_chmod_444_library_lists_and_refuses_ingest(tmp_path, library_file):
    db = _copy(library_file, tmp_path)
    db.chmod(0o444)
    listed = invoke(["list", "-f", "jsonl", "--db", str(db)])
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == _paper_count(library_file)
    result = invoke(["ingest", str(DAILY), "--db", str(db), *RULE_ARGS])
    assert result.exit_code == 1
    assert "read-only" in assert_one_error_line(result.stderr)
