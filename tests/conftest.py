"""Shared helpers: an isolated environment, the CLI run in-process and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DAILY = FIXTURES / "daily.txt"
RULES = FIXTURES / "rules"
# The tests' own small rule set, so that they do not depend on how the default rules are tuned.
RULE_ARGS = ["--no-default-rules", "--rules", str(RULES)]

# What tests/fixtures/daily.txt holds, written down by hand from the fixture.
DAILY_TITLES = [
    "Lantern: Teaching Tool-Using Agents to Recover from Failed API Calls",
    "Quiet Teachers: Knowledge Distillation from Sparse Teacher Signals",
    "Orchard: Continual Pre-training on Seasonal Web Text",
    "Counting Pebbles: A Benchmark of Spatial Puzzles for Vision Models",
    "Why Do Small Models Forget Arithmetic?",
]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """No user config, data folder or colour settings leak into a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("PAPERTRIAGE_HOME", str(home / "papertriage"))
    for name in ("PAPERTRIAGE_CONFIG", "NO_COLOR", "FORCE_COLOR", "TERM_PROGRAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    return home


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def invoke(args: Sequence[str], input: bytes | str | None = None) -> CliResult:
    """Run `papertriage ARGS` in this process through the real entry point (`cli.main`), so
    that errors are mapped to exit codes exactly as for the installed command."""
    from typer.testing import CliRunner

    from papertriage.cli import main

    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return CliResult(
            code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "replace")
        )


def parse_fixture(name: str, text: str | None = None, fmt: str | None = None, check=True):
    """Parse tests/fixtures/formats/NAME (or `text`, named NAME): papers, report, source.

    With `check`, every non-blank line must be accounted for (paper, chrome or problem).
    """
    from papertriage.models import ParseReport
    from papertriage.parsers import parse_input
    from papertriage.reading import decode

    data = text.encode() if text is not None else (FIXTURES / "formats" / name).read_bytes()
    source = decode(data, name)
    report = ParseReport()
    papers = list(parse_input(source, report, fmt))
    if check:
        assert report.unaccounted_lines(source.name, source.lines) == []
    return papers, report, source


def subprocess_env(overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_process(
    args: Sequence[str],
    input: bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m papertriage ARGS` as a real process with pipes for its streams."""
    return subprocess.run(
        [sys.executable, "-m", "papertriage", *args],
        input=input if input is not None else b"",
        capture_output=True,
        env=subprocess_env(env),
        cwd=cwd,
        timeout=timeout,
    )


def assert_one_error_line(stderr: str) -> str:
    """The documented failure message: exactly one line `papertriage: error: ...`."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert lines[0].startswith("papertriage: error:"), lines[0]
    return lines[0]
