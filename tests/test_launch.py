"""The console script answers --version without importing the CLI (typer, rich)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from papertriage import __version__

CODE = (
    "import sys; sys.argv = ['papertriage'] + sys.argv[1:]\n"
    "from papertriage.launch import main\n"
    "code = main()\n"
    "print('typer' in sys.modules, 'rich' in sys.modules, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CODE, *args], capture_output=True, text=True, timeout=60
    )


def test_version_without_the_cli():
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout == f"papertriage {__version__}\n"
    assert done.stderr.split() == ["False", "False"]


def test_everything_else_goes_to_the_cli():
    done = run("no-such-command")
    assert done.returncode == 2
    assert "no such command" in done.stderr


def test_console_script_is_the_launcher():
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'papertriage = "papertriage.launch:main"' in text.split("[project.scripts]")[1]
