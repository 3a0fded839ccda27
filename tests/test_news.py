"""What counts as new: a paper is new until a digest shows it. Trying ingest commands (any
format, any -o, --theme, --rules experiments) never hides news; `list --new` and `digest`
agree; `digest --dry-run` marks nothing; a --rules experiment leaves the stored tags alone."""

from __future__ import annotations

import json
import sqlite3

import pytest

import papertriage.library_cli  # noqa: F401  (registers the library commands)
from conftest import FIXTURES, RULES, invoke
from papertriage.store import SCHEMA_VERSION, Library

DAY1 = FIXTURES / "library" / "day1.txt"
DAY2 = FIXTURES / "library" / "day2.txt"


@pytest.fixture(autouse=True)
def configured(tmp_path, monkeypatch):
    """A library of its own and a config file that names the tests' rules as the user's."""
    monkeypatch.setenv("PAPERTRIAGE_HOME", str(tmp_path / "home"))
    config = tmp_path / "config.yaml"
    config.write_text(f"rules: [{RULES}]\ndefault_rules: false\n", encoding="utf-8")
    monkeypatch.setenv("PAPERTRIAGE_CONFIG", str(config))


def ok(args: list[str]):
    result = invoke(args)
    assert result.exit_code == 0, (args, result.stderr)
    return result


def new_ids() -> list[str]:
    out = ok(["list", "--new", "-f", "jsonl"]).stdout
    return sorted(json.loads(line)["id"] for line in out.splitlines())


def digest_ids(*args: str) -> list[str]:
    document = json.loads(ok(["digest", "--format", "json", *args]).stdout)
    return sorted(p["id"] for g in document["groups"] for p in g["papers"])


def library_themes() -> dict[str, list[str]]:
    out = ok(["list", "-f", "jsonl"]).stdout
    papers = [json.loads(line) for line in out.splitlines()]
    return {p["id"]: sorted(t["id"] for t in p["themes"]) for p in papers}


def test_trying_the_readme_commands_never_hides_news(tmp_path):
    # What a new user does in the first hour: the same listing, again and again.
    ok(["ingest", str(DAY1)])
    ok(["ingest", str(DAY1), "--format", "csv", "-o", str(tmp_path / "t.csv")])
    ok(["ingest", str(DAY1), "--format", "md", "-o", str(tmp_path / "t.md")])
    ok(["ingest", str(DAY1), "--theme", "agents", "--top", "1"])
    ok(["ingest", str(DAY1), "-f", "jsonl", "-o", str(tmp_path / "t.jsonl")])
    assert len(new_ids()) == 4
    md = ok(["digest", "--dry-run"]).stdout
    assert md.startswith("# papertriage digest: 4 new papers")


def test_list_new_and_digest_agree_and_a_digest_marks_what_it_showed(tmp_path):
    ok(["ingest", str(DAY1), "-f", "csv", "-o", str(tmp_path / "a.csv")])
    ok(["ingest", str(DAY2), "-f", "csv", "-o", str(tmp_path / "b.csv")])
    everything = new_ids()
    assert len(everything) == 6  # both days: the second ingest did not hide the first
    assert digest_ids("--dry-run") == everything
    assert new_ids() == everything  # --dry-run marked nothing

    # --top 2: only the two shown stop being new.
    shown = digest_ids("--top", "2")
    assert len(shown) == 2
    left = new_ids()
    assert sorted(left + shown) == everything
    assert digest_ids("--dry-run") == left

    assert "new: not yet shown in a digest" in ok(["show", left[0]]).stdout
    assert "first shown in a digest 20" in ok(["show", shown[0]]).stdout
    page = tmp_path / "digest.html"
    ok(["digest", "-o", str(page)])
    assert "4 new papers" in page.read_text(encoding="utf-8")
    assert new_ids() == []
    assert "Nothing new." in ok(["digest"]).stdout
    # Ingesting the same listings again brings nothing new.
    ok(["ingest", str(DAY1), str(DAY2), "-f", "jsonl"])
    assert new_ids() == []
    # --since still reaches papers shown before.
    assert len(digest_ids("--since", "30d", "--dry-run")) == 6
    stats = json.loads(ok(["stats", "--format", "json"]).stdout)
    assert stats["new"] == 0 and stats["runs"] == 3  # digests are not counted as runs


def test_a_failed_digest_marks_nothing(tmp_path):
    ok(["ingest", str(DAY1), "-f", "jsonl"])
    result = invoke(["digest", "-o", str(tmp_path)])  # a directory: cannot be written
    assert result.exit_code == 1
    assert len(new_ids()) == 4


def test_a_rules_experiment_does_not_overwrite_the_stored_tags(tmp_path):
    ok(["ingest", str(DAY1), "-f", "jsonl"])
    before = library_themes()
    assert any(before.values())
    # An experiment: a theme that tags every paper.
    experiment = tmp_path / "experiment"
    experiment.mkdir()
    (experiment / "everything.yaml").write_text(
        "name: Everything\n"
        "description: Every paper.\n"
        "keywords:\n  the: 5.0\n  we: 5.0\n"
        "prototype: Models, data and experiments.\n",
        encoding="utf-8",
    )
    args = ["ingest", str(DAY1), str(DAY2), "--rules", str(experiment), "-f", "jsonl"]
    out = ok(args).stdout
    shown = [json.loads(line) for line in out.splitlines()]
    assert len(shown) == 6
    assert all("everything" in [t["id"] for t in p["themes"]] for p in shown)
    after = library_themes()
    # The papers seen before keep their tags; the new ones get the configured rules' tags.
    assert {k: after[k] for k in before} == before
    assert not any("everything" in themes for themes in after.values())
    day2_only = set(after) - set(before)
    assert len(day2_only) == 2 and any(after[k] for k in day2_only)
    listed = ok(["list", "-f", "jsonl"]).stdout.splitlines()
    versions = {json.loads(line)["library"]["rules_version"] for line in listed}
    assert len(versions) == 1  # one rule set in the whole library


def test_an_upgraded_library_keeps_the_last_runs_papers_new(tmp_path):
    db = tmp_path / "old.db"
    ok(["ingest", str(DAY1), "--db", str(db), "-f", "jsonl"])
    ok(["ingest", str(DAY2), "--db", str(db), "-f", "jsonl"])
    # Make it a schema-2 library, as an older papertriage left it.
    conn = sqlite3.connect(db)
    conn.executescript(
        "DROP INDEX papers_unshown; ALTER TABLE papers DROP COLUMN shown_in; "
        "ALTER TABLE papers DROP COLUMN shown_at; DROP TABLE labels; PRAGMA user_version = 2;"
    )
    conn.close()
    with Library.open(db) as library:
        assert library.schema_version == SCHEMA_VERSION
        new = library.papers(new=True)
        total = len(library.papers())
    # The last run (day 2) added two papers: they were "new" before, and stay new; day 1's
    # count as shown.
    assert total == 6
    assert len(new) == 2 and {p.first_run for p in new} == {2}


def test_a_read_only_library_still_gets_its_digest(tmp_path, monkeypatch):
    db = tmp_path / "library.db"
    ok(["ingest", str(DAY1), "--db", str(db), "-f", "jsonl"])
    # As a library the user cannot write (root can write anything, so it is simulated).
    monkeypatch.setattr("papertriage.store._writable", lambda path: False)
    result = invoke(["digest", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# papertriage digest: 4 new papers")
    assert "read-only" in result.stderr and "stay new" in result.stderr
    monkeypatch.undo()
    assert json.loads(ok(["stats", "--db", str(db), "-f", "json"]).stdout)["new"] == 4
