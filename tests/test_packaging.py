"""The package as a wheel installs it: every data file the code reads must be package data.

An editable install reads files from the source tree, so a file left out of the wheel only
shows on a real install (`pip install .`, pipx): these tests catch it without building one.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "papertriage"


def package_data_globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["papertriage"]


def test_every_data_file_in_the_package_is_in_the_wheel():
    globs = package_data_globs()
    left_out = []
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE).as_posix()
        if not path.is_file() or "__pycache__" in relative or path.suffix in (".py", ".pyc"):
            continue
        if not any(fnmatch.fnmatch(relative, glob) for glob in globs):
            left_out.append(relative)
    assert left_out == [], f"add to [tool.setuptools.package-data]: {left_out}"


def test_the_stop_words_and_default_rules_are_package_files():
    globs = package_data_globs()
    assert any(fnmatch.fnmatch("stopwords.txt", glob) for glob in globs)
    assert any(fnmatch.fnmatch("default_rules/agents.yaml", glob) for glob in globs)


def test_readme_set_up_is_two_commands_and_ci_runs_the_test_one():
    """The README's two commands: the first makes a venv before pip (PEP 668 systems refuse
    pip outside one), the second is the very test command .ci/run runs."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("\n", 1)[1].strip() for b in setup.split("```sh")[1:]]
    blocks = [b.split("```", 1)[0].strip() for b in blocks]
    install, test = blocks[:2]
    assert install.index("python3 -m venv") < install.index("pip install")
    assert "papertriage ingest examples/" in install
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
