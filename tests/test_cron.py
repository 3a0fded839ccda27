"""The nightly job works on its first night: -o makes missing folders, and `papertriage cron`
prints a crontab line that runs from cron's bare environment (env -i sh -c)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import papertriage.library_cli  # noqa: F401  (registers the library commands)
from conftest import DAILY, RULE_ARGS, invoke, subprocess_env

EXECUTABLE = Path(sys.executable).parent / "papertriage"


def test_output_makes_the_missing_folders(tmp_path):
    target = tmp_path / "triage" / "2024" / "07-31.md"
    result = invoke(["ingest", str(DAILY), "-f", "md", "-o", str(target), *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("| # | score |")
    digest = tmp_path / "digests" / "today.html"
    assert invoke(["digest", "-o", str(digest)]).exit_code == 0
    assert digest.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_output_under_a_file_is_one_error_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(["ingest", str(DAILY), "-o", str(blocker / "out.md"), "--no-store"])
    assert result.exit_code == 1
    assert result.stderr.startswith("papertriage: error:") and "cannot create" in result.stderr
    assert blocker.read_text() == "x"


def cron_output(args: list[str], cwd: Path, home: Path) -> list[str]:
    proc = subprocess.run(
        [str(EXECUTABLE), "cron", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=subprocess_env({"PAPERTRIAGE_HOME": str(home)}),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def run_as_cron(line: str) -> subprocess.CompletedProcess[str]:
    """What cron does with a crontab line: five time fields, then the command, where \\% is
    a literal % and a bare % would end the command; run by /bin/sh with an empty
    environment (cron's is not much more) from / ."""
    fields = line.split(" ", 5)
    command = fields[5]
    assert re.search(r"(?<!\\)%", command) is None, "a bare % would cut the command"
    return subprocess.run(
        ["/bin/sh", "-c", command.replace("\\%", "%")],
        capture_output=True,
        text=True,
        cwd="/",
        env={},
        timeout=120,
    )


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="papertriage is not installed as a script")
def test_the_printed_crontab_line_runs_in_an_empty_environment(tmp_path):
    home = tmp_path / "data"
    work = tmp_path / "work"
    work.mkdir()
    (work / "daily.txt").write_bytes(DAILY.read_bytes())
    rules = Path(RULE_ARGS[-1])
    # The morning job: ingest a listing named relatively, into a folder that does not exist.
    lines = cron_output(
        [
            "--at",
            "06:45",
            "--",
            "ingest",
            "-q",
            "daily.txt",
            "--rules",
            str(rules),
            "-f",
            "md",
            "-o",
            "triage/%Y-%m-%d.md",
        ],  # fmt: skip
        cwd=work,
        home=home,
    )
    assert lines[0].startswith("# papertriage ingest")
    line = lines[-1]
    assert line.startswith("45 6 * * * PATH=")
    assert f" {EXECUTABLE} ingest " in line and f" {work / 'daily.txt'} " in line
    assert "\\%Y-\\%m-\\%d" in line and f"2>>{home / 'cron.log'}" in line
    # The shell cron starts finds no papertriage on its PATH: the bare command is exit 127.
    bare = subprocess.run(["/bin/sh", "-c", "papertriage --version"], env={}, cwd="/")
    assert bare.returncode == 127 or EXECUTABLE.parent in (Path("/usr/bin"), Path("/bin"))
    ran = run_as_cron(line)
    assert ran.returncode == 0, (ran.stdout, ran.stderr, (home / "cron.log").read_text())
    written = list((work / "triage").glob("*.md"))
    assert len(written) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}\.md", written[0].name)
    assert written[0].read_text(encoding="utf-8").startswith("| # | score |")
    assert (home / "library.db").exists()  # PAPERTRIAGE_HOME came along

    # The digest of the brief, into ~/triage-like folder that does not exist yet.
    out = tmp_path / "digests"
    line = cron_output(
        ["--at", "07:30", "--", "digest", "--since", "1d", "-o", f"{out}/%Y-%m-%d.md"],
        cwd=work,
        home=home,
    )[-1]
    assert line.startswith("30 7 * * * ")
    ran = run_as_cron(line)
    assert ran.returncode == 0, (ran.stderr, (home / "cron.log").read_text())
    (digest,) = out.glob("*.md")
    assert digest.read_text(encoding="utf-8").startswith("# papertriage digest: 5 new papers")


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="papertriage is not installed as a script")
def test_a_failing_job_leaves_its_error_in_the_log(tmp_path):
    home = tmp_path / "data"
    log = tmp_path / "logs" / "papertriage.log"
    line = cron_output(
        ["--log", str(log), "--", "ingest", "missing.txt", "-o", "out.md"], cwd=tmp_path, home=home
    )[-1]
    assert log.parent.is_dir()  # made now: a `2>>` into a missing folder never runs the job
    ran = run_as_cron(line)
    assert ran.returncode == 1
    assert "papertriage: error:" in log.read_text() and "missing.txt" in log.read_text()


def test_cron_refuses_what_cron_cannot_run():
    assert invoke(["cron", "--at", "7", "--", "digest"]).exit_code == 2
    assert invoke(["cron", "--schedule", "* * *", "--", "digest"]).exit_code == 2
    wrong = invoke(["cron", "--", "digets"])
    assert wrong.exit_code == 2 and "not a papertriage command" in wrong.stderr


def test_cron_line_quotes_and_escapes(tmp_path):
    from papertriage.library_cli import cron_line

    line = cron_line(
        ["digest", "-o", str(tmp_path / "my digests" / "%F.html"), "--title", "100% new"],
        "0 7 * * *",
        tmp_path / "cron.log",
        executable=["/opt/pt/bin/papertriage"],
        environ={"PAPERTRIAGE_HOME": "/srv/papers"},
    )
    assert line.startswith(
        "0 7 * * * PATH=/opt/pt/bin:/usr/local/bin:/usr/bin:/bin PAPERTRIAGE_HOME=/srv/papers "
        "/opt/pt/bin/papertriage digest -o "
    )
    assert f"\"$(date '+{tmp_path}/my digests/\\%F.html')\"" in line
    assert "'100\\% new'" in line
    assert os.path.isabs(line.rsplit("2>>", 1)[1])


def test_cron_line_keeps_addresses_as_they_are(tmp_path):
    from papertriage.library_cli import cron_line

    line = cron_line(
        ["fetch", "hf-daily", "--endpoint", "http://127.0.0.1:8000/api/daily_papers"],
        "0 7 * * *",
        tmp_path / "cron.log",
        executable=["/opt/pt/bin/papertriage"],
        environ={"PAPERTRIAGE_ARXIV_ENDPOINT": "https://export.example.org/api/query"},
    )
    assert "--endpoint http://127.0.0.1:8000/api/daily_papers" in line
    assert "PAPERTRIAGE_ARXIV_ENDPOINT=https://export.example.org/api/query" in line
