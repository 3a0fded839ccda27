"""The library commands through the real entry point: list, show, search, stats, retag,
digest, db export/import/check; exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import papertriage.library_cli  # noqa: F401  (registers the commands until cli.py loads it)
from conftest import FIXTURES, RULE_ARGS, RULES, assert_one_error_line, invoke, subprocess_env
from papertriage.pipeline import RuleOptions, run
from papertriage.store import SCHEMA_VERSION, Library, rules_version

DAY1 = FIXTURES / "library" / "day1.txt"
DAY2 = FIXTURES / "library" / "day2.txt"
TEST_RULES = RuleOptions(directories=[RULES], use_defaults=False)
LIBRARY_COMMANDS = [
    ["list"],
    ["show"],
    ["search"],
    ["stats"],
    ["retag"],
    ["digest"],
    ["db"],
    ["db", "export"],
    ["db", "import"],
    ["db", "check"],
]


@pytest.fixture(autouse=True)
def library_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERTRIAGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def store(*files: Path, db: Path | None = None, now: str | None = None):
    """What `ingest` does with its result: save it in the library."""
    with Library.open(db) as library:
        version = rules_version(TEST_RULES.load())
        for f in files:
            result = run([str(f)], rules=TEST_RULES)
            summary = library.save_run(result, [str(f)], version, now=now)
        return summary


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("path", LIBRARY_COMMANDS, ids=" ".join)
def test_every_library_command_has_help_with_an_example(path):
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.stderr
    assert "Example" in result.stdout
    if path != ["db"]:
        # Every option is explained.
        options = [line for line in result.stdout.splitlines() if line.strip().startswith("--")]
        assert all(len(line.split("  ")) > 1 for line in options), result.stdout


def test_list_new_is_empty_once_a_digest_has_shown_the_papers():
    store(DAY1)
    first = invoke(["list", "--new", "-f", "jsonl"])
    assert first.exit_code == 0, first.stderr
    assert len(jsonl(first.stdout)) == 4
    store(DAY1)  # storing it again hides nothing
    assert len(jsonl(invoke(["list", "--new", "-f", "jsonl"]).stdout)) == 4
    assert invoke(["digest"]).exit_code == 0
    second = invoke(["list", "--new", "-f", "jsonl"])
    assert second.exit_code == 0
    assert second.stdout == ""
    assert len(jsonl(invoke(["list", "-f", "jsonl"]).stdout)) == 4


def test_list_filters_and_formats():
    store(DAY1, now="2024-07-01T00:00:00+00:00")
    store(DAY2, now="2024-07-31T00:00:00+00:00")
    agents = jsonl(invoke(["list", "--theme", "agents", "-f", "jsonl"]).stdout)
    assert [p["rank"] for p in agents] == list(range(1, len(agents) + 1))
    assert all("agents" in [t["id"] for t in p["themes"]] for p in agents)
    assert agents[0]["library"]["first_seen"].startswith("2024-07")
    since = jsonl(invoke(["list", "--since", "2024-07-15", "-f", "jsonl"]).stdout)
    assert len(since) == 2
    top = invoke(["list", "--top", "2", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(top.stdout)))
    assert [r["rank"] for r in rows] == ["1", "2"]
    document = json.loads(invoke(["list", "-f", "json"]).stdout)
    assert document["schema_version"] == 1 and len(document["papers"]) == 6
    table = invoke(["list", "--new"])
    assert "Ferry: Agents That Negotiate Tool Access" in table.stdout
    md = invoke(["list", "-f", "md"]).stdout
    assert md.startswith("| # | score | themes | title |")


def test_list_writes_a_file_atomically(tmp_path):
    store(DAY1)
    target = tmp_path / "out.jsonl"
    result = invoke(["list", "-f", "jsonl", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert len(jsonl(target.read_text())) == 4
    assert {p.name for p in tmp_path.iterdir()} == {"home", "out.jsonl"}  # no temporary file


def test_list_with_a_profile(tmp_path):
    store(DAY1)
    profile = tmp_path / "profile.yaml"
    profile.write_text("themes:\n  distillation: 3.0\ndefault_weight: 0.5\n")
    papers = jsonl(invoke(["list", "--profile", str(profile), "-f", "jsonl"]).stdout)
    assert papers[0]["title"].startswith("Small Students")
    assert "profile_effects" in papers[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--theme", "astrology"], "unknown theme 'astrology'"),
        (["list", "--since", "soonish"], "--since 'soonish'"),
        (["show", "9999.99999"], "no paper with id"),
        (["search", "!!!"], "give at least one word"),
        (["search", '"open', "--raw"], "cannot read the query"),
    ],
)
def test_bad_requests_exit_1_with_one_line(args, message):
    store(DAY1)
    result = invoke(args)
    assert result.exit_code == 1
    assert message in assert_one_error_line(result.stderr)


def test_reading_commands_without_a_library_say_so(library_home):
    for args in (["list"], ["stats"], ["digest"], ["db", "check"]):
        result = invoke(args)
        assert result.exit_code == 1
        assert "no library yet" in assert_one_error_line(result.stderr)
    assert not (library_home / "library.db").exists()


def test_a_newer_library_is_refused_by_every_command(tmp_path):
    db = tmp_path / "future.db"
    store(DAY1, db=db)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    result = invoke(["list", "--db", str(db)])
    assert result.exit_code == 1
    line = assert_one_error_line(result.stderr)
    assert "newer papertriage" in line and str(db) in line


def test_show_text_and_json():
    summary = store(DAY1)
    paper_id = summary.new[0]
    text = invoke(["show", paper_id])
    assert text.exit_code == 0
    assert text.stdout.startswith("Harbor: Tool-Using Agents That Plan Before They Call\n")
    assert f"id {paper_id}" in text.stdout
    assert "agents" in text.stdout and "day1.txt:7 (hf-daily)" in text.stdout
    data = json.loads(invoke(["show", paper_id, "-f", "json"]).stdout)
    assert data["id"] == paper_id
    assert data["themes"][0]["id"] == "agents"
    assert data["library"]["first_run"] == 1


def test_search_prints_the_best_matches_first():
    store(DAY1, DAY2)
    found = jsonl(invoke(["search", "agents tools", "-f", "jsonl"]).stdout)
    assert found[0]["title"].startswith("Ferry")
    assert [p["rank"] for p in found] == list(range(1, len(found) + 1))
    nothing = invoke(["search", "submarine"])
    assert nothing.exit_code == 0
    assert "no paper matches 'submarine'" in nothing.stderr


def test_stats_piped_has_counts_per_theme_and_json_has_counts():
    # Bars are drawn on a terminal only (tests/test_terminal_ux.py); piped, plain rows.
    store(DAY1, now="2024-07-31T00:00:00+00:00")
    table = invoke(["stats", "--width", "10"])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert "4 papers (1 without a theme)" in lines[1]
    assert ["agents", "1"] in [line.split() for line in lines]
    assert "#" not in table.stdout
    assert any(line.strip().startswith("2026-W") or "-W" in line for line in lines)
    data = json.loads(invoke(["stats", "-f", "json"]).stdout)
    assert data["themes"] == {"agents": 1, "distillation": 1, "pretraining": 1}


def test_retag_prints_gained_and_lost_themes(tmp_path):
    store(DAY1)
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in ("agents.yaml", "distillation.yaml"):
        (rules / name).write_text((RULES / name).read_text())
    result = invoke(["retag", "--no-default-rules", "--rules", str(rules)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    paper_id, marks, title = lines[0].split("\t")
    assert marks == "-pretraining" and title.startswith("Tidepool")
    assert "1 changed (0 themes gained, 1 lost)" in result.stderr
    again = invoke(["retag", "--no-default-rules", "--rules", str(rules), "--dry-run"])
    assert again.stdout == "" and "0 would change" in again.stderr


def test_digest_writes_html_md_and_json(tmp_path):
    store(DAY1)
    store(DAY2)
    page = tmp_path / "digest.html"
    result = invoke(["digest", "--since", "last-run", "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "papertriage digest: 2 new papers" in html
    md = invoke(["digest"])  # not yet shown: day 1's four papers
    assert md.stdout.startswith("# papertriage digest: 4 new papers")
    data = json.loads(invoke(["digest", "--format", "json", "--since", "30d"]).stdout)
    assert data["schema_version"] == 1 and data["counts"]["papers"] == 6
    none = invoke(["digest", "--theme", "distillation"])
    assert "Nothing new." in none.stdout


def test_db_export_import_and_check(tmp_path):
    store(DAY1, DAY2)
    export = tmp_path / "library.jsonl"
    result = invoke(["db", "export", "-o", str(export)])
    assert result.exit_code == 0
    assert "exported 6 papers" in result.stderr
    other = tmp_path / "other.db"
    imported = invoke(["db", "import", str(export), "--db", str(other)])
    assert imported.exit_code == 0, imported.stderr
    assert f"library: 6 new, 0 seen before ({other})" in imported.stderr
    again = invoke(["db", "import", "-", "--db", str(other)], input=export.read_bytes())
    assert "library: 0 new, 6 seen before" in again.stderr
    check = invoke(["db", "check", "--db", str(other)])
    assert check.exit_code == 0
    assert check.stdout.startswith(f"ok: {other} (schema version {SCHEMA_VERSION})")
    a = jsonl(invoke(["list", "-f", "jsonl"]).stdout)
    b = jsonl(invoke(["list", "-f", "jsonl", "--db", str(other)]).stdout)
    assert [p["title"] for p in a] == [p["title"] for p in b]


def test_db_import_of_ingest_jsonl_output(tmp_path):
    listing = invoke(["ingest", str(DAY1), "-f", "jsonl", *RULE_ARGS])
    source = tmp_path / "day1.jsonl"
    source.write_text(listing.stdout)
    result = invoke(["db", "import", str(source)])
    assert result.exit_code == 0, result.stderr
    papers = jsonl(invoke(["list", "-f", "jsonl"]).stdout)
    assert len(papers) == 4
    assert papers[0]["themes"], "themes and scores come along"


def test_db_check_reports_a_damaged_library(tmp_path):
    db = tmp_path / "lib.db"
    store(DAY1, db=db)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM papers_fts_docsize")
    conn.commit()
    conn.close()
    result = invoke(["db", "check", "--db", str(db)])
    assert result.exit_code == 1
    assert "full-text index" in result.stdout
    assert "problems in" in assert_one_error_line(result.stderr)


RUNNER = (
    "import sys\n"
    "import papertriage.library_cli\n"
    "from papertriage.cli import main\n"
    "main(sys.argv[1:])\n"
)


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        capture_output=True,
        env=subprocess_env(),
        timeout=60,
    )


def test_in_a_real_process(tmp_path):
    store(DAY1)
    proc = run_cli("list", "--new", "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 4
    missing = run_cli("show", "nope")
    assert missing.returncode == 1
    assert missing.stderr.decode().startswith("papertriage: error: no paper with id 'nope'")


def test_help_does_not_import_sqlite_or_rapidfuzz():
    code = (
        "import sys\n"
        "import papertriage.library_cli\n"
        "from papertriage.cli import main\n"
        "for argv in (['--help'], ['list', '--help'], ['digest', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), (argv, exc.code)\n"
        "heavy = sorted(m for m in ('sqlite3', 'rapidfuzz', 'sklearn') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=subprocess_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().strip().splitlines()[-1] == "HEAVY="
