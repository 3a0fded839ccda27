"""CLI conventions: exit codes, --version, --help with examples, Ctrl-C, closed pipes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import typer

from conftest import (
    DAILY,
    RULE_ARGS,
    assert_one_error_line,
    invoke,
    run_process,
    subprocess_env,
)
from papertriage import __version__
from papertriage.cli import app

# --- --version and start-up ----------------------------------------------------------------


def test_version_in_a_real_process():
    proc = run_process(["--version"])
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"papertriage {__version__}"
    assert proc.stderr == b""


def test_version_and_help_do_not_import_scikit_learn():
    code = (
        "import sys\n"
        "from papertriage.cli import main\n"
        "for argv in (['--version'], ['--help'], ['ingest', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), (argv, exc.code)\n"
        "heavy = sorted(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=subprocess_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().strip().splitlines()[-1] == "HEAVY="


def test_ingesting_a_small_page_does_not_import_scikit_learn():
    code = (
        "import sys\n"
        "from papertriage.cli import main\n"
        f"try:\n    main(['ingest', {str(DAILY)!r}, '-f', 'json', *{RULE_ARGS!r}])\n"
        "except SystemExit as exc:\n    assert exc.code in (0, None)\n"
        "print('SKLEARN' if 'sklearn' in sys.modules else 'NO-SKLEARN', file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=subprocess_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().strip().splitlines()[-1] == "NO-SKLEARN"


# --- --help --------------------------------------------------------------------------------


def command_paths() -> list[list[str]]:
    """Every command and group of the app, as argument lists."""
    paths: list[list[str]] = []

    def walk(command, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_the_commands_of_the_issue_exist():
    names = {" ".join(p) for p in command_paths()}
    assert {"ingest", "eval"} <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "papertriage")
def test_every_command_has_help_with_an_example(path):
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "Example" in result.stdout, result.stdout


def test_no_arguments_shows_help():
    result = invoke([])
    assert result.exit_code in (0, 2)
    assert "ingest" in result.stdout + result.stderr


# --- exit codes ----------------------------------------------------------------------------


def test_exit_0_on_success():
    result = invoke(["ingest", str(DAILY), *RULE_ARGS])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", str(DAILY), "--no-such-option"],
        ["ingest", str(DAILY), "--format", "xml"],
        ["ingest", str(DAILY), "--top", "0"],
        ["ingest", str(DAILY), "--top", "many"],
        ["ingest"],
        ["eval", str(DAILY)],  # --gold missing
        ["no-such-command"],
    ],
    ids=[
        "unknown-option",
        "bad-format",
        "top-zero",
        "top-not-a-number",
        "missing-file-argument",
        "missing-gold",
        "unknown-command",
    ],
)
def test_exit_2_on_usage_errors(args):
    result = invoke(args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert_one_error_line(result.stderr)
    assert result.stdout == ""


def test_exit_2_in_a_real_process():
    proc = run_process(["ingest", str(DAILY), "--format", "xml"])
    assert proc.returncode == 2
    stderr = proc.stderr.decode()
    assert "xml" in stderr and "Traceback" not in stderr
    assert proc.stdout == b""


def test_exit_1_in_a_real_process(tmp_path):
    missing = tmp_path / "missing.txt"
    proc = run_process(["ingest", str(missing), *RULE_ARGS])
    assert proc.returncode == 1
    assert str(missing) in assert_one_error_line(proc.stderr.decode())
    assert proc.stdout == b""


def wait_until_reading_stdin(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Wait until the process blocks in read(0, ...), or give it a few seconds."""
    syscall = f"/proc/{proc.pid}/syscall"
    deadline = time.monotonic() + timeout
    if sys.platform.startswith("linux") and os.path.exists(syscall):
        while time.monotonic() < deadline:
            try:
                with open(syscall) as handle:
                    fields = handle.read().split()
            except OSError:
                break
            # x86-64 read is syscall 0, aarch64 read is 63; the first argument is the fd.
            if len(fields) > 1 and fields[0] in ("0", "63") and int(fields[1], 16) == 0:
                return
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
    time.sleep(3.0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_exit_130_on_ctrl_c_while_reading_stdin():
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", "-", *RULE_ARGS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    try:
        wait_until_reading_stdin(proc)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    text = stderr.decode()
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("papertriage:"), text
    assert "interrupt" in lines[0].lower()
    assert stdout == b""


def big_page(count: int) -> bytes:
    parts = ["new", "Subscribe", "Daily Papers", "byAK and the research community", "Jul 31"]
    for i in range(count):
        parts += [
            "Upvote",
            str(i % 97),
            f"Agent Study {i}: Tool Use by Agents in Harbour Number {i}",
            f"We study how agent {i} uses tools in harbour {i}. The agents plan, act and "
            f"retry failed calls; tool use improves with practice across {i} trials.",
        ]
    return ("\n".join(parts) + "\n").encode()


# Papers enough for each format's output to be well over a pipe buffer (64 KiB on Linux).
BIG = {"jsonl": 400, "table": 1500}


@pytest.mark.parametrize("fmt", sorted(BIG))
def test_closed_pipe_ends_quietly(tmp_path, fmt):
    """`papertriage ingest big.txt | head -1`: exit 0 and nothing on stderr."""
    page = tmp_path / "big.txt"
    page.write_bytes(big_page(BIG[fmt]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", str(page), "-f", fmt, *RULE_ARGS],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    try:
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert first.strip()
    if fmt == "jsonl":
        assert json.loads(first)["rank"] == 1
    assert stderr == b""
    assert proc.returncode == 0


@pytest.mark.parametrize("fmt", sorted(BIG))
def test_the_big_page_output_is_bigger_than_a_pipe_buffer(tmp_path, fmt):
    """The closed-pipe test only means something if the output cannot fit in the pipe."""
    page = tmp_path / "big.txt"
    page.write_bytes(big_page(BIG[fmt]))
    result = invoke(["ingest", str(page), "-f", fmt, *RULE_ARGS])
    assert result.exit_code == 0
    assert len(result.stdout.encode()) > 96 * 1024  # pipe buffer 64 KiB + stdout buffer
    if fmt == "jsonl":
        assert len(result.stdout.splitlines()) == BIG[fmt]  # no two papers merged
