"""The library: dedup against stored papers, one transaction per run, crashes, concurrency,
migrations, full-text search, retag, export/import."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest

from conftest import FIXTURES, RULES, subprocess_env
from papertriage.pipeline import RuleOptions, run
from papertriage.rules import load_rules
from papertriage.store import (
    SCHEMA_VERSION,
    Library,
    LibraryError,
    SchemaTooNew,
    db_path,
    parse_since,
    rules_version,
)

LIBRARY = FIXTURES / "library"
DAY1 = LIBRARY / "day1.txt"
DAY2 = LIBRARY / "day2.txt"
DAY1_TITLES = {
    "Harbor: Tool-Using Agents That Plan Before They Call",
    "Small Students, Loud Teachers: Distillation with Noisy Labels",
    "Tidepool: Continual Pre-training of Language Models on News Streams",
    "Counting Shells: A Benchmark for Object Counting in Beach Photographs",
}
TEST_RULES = RuleOptions(directories=[RULES], use_defaults=False)


@pytest.fixture(autouse=True)
def library_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERTRIAGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def ingest(library: Library, *files: Path, now: str | None = None):
    result = run([str(f) for f in files], rules=TEST_RULES)
    version = rules_version(TEST_RULES.load())
    return library.save_run(result, [str(f) for f in files], version, now=now)


def count(library: Library, table: str) -> int:
    return library.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --- location ------------------------------------------------------------------------------


def test_db_path_follows_papertriage_home_then_xdg(monkeypatch, tmp_path):
    assert db_path() == tmp_path / "home" / "library.db"
    assert db_path(tmp_path / "x.db") == tmp_path / "x.db"
    monkeypatch.delenv("PAPERTRIAGE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert db_path() == tmp_path / "xdg" / "papertriage" / "library.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert db_path() == Path.home() / ".local" / "share" / "papertriage" / "library.db"


def test_open_creates_the_folder_and_a_wal_library(library_home):
    with Library.open() as library:
        assert library.path == library_home / "library.db"
        assert library.schema_version == SCHEMA_VERSION
        assert library.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert library.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_reading_a_missing_library_is_an_error_not_a_new_file(tmp_path):
    with pytest.raises(LibraryError, match="no library yet"):
        Library.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_a_file_that_is_not_a_library_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(LibraryError, match="not a papertriage library"):
        Library.open(path)


# --- ingest twice, dedup against the library -------------------------------------------------


def test_ingesting_the_same_listing_twice_adds_nothing_the_second_time():
    with Library.open() as library:
        first = ingest(library, DAY1, now="2024-07-31T06:00:00+00:00")
        assert len(first.new) == 4 and first.updated == []
        assert {p.paper.title for p in library.papers(new=True)} == DAY1_TITLES
        second = ingest(library, DAY1, now="2024-08-01T06:00:00+00:00")
        assert second.new == [] and sorted(second.updated) == sorted(first.new)
        # New means not yet shown in a digest: storing the listing again hides nothing.
        assert {p.paper.title for p in library.papers(new=True)} == DAY1_TITLES
        assert count(library, "papers") == 4
        assert count(library, "sources") == 4  # the same file and line is one source
        assert count(library, "runs") == 2
        paper = library.get(first.new[0])
        assert paper.first_seen == "2024-07-31T06:00:00+00:00"
        assert paper.last_seen == "2024-08-01T06:00:00+00:00"
        assert (paper.first_run, paper.last_run) == (first.run_id, second.run_id)
    assert second.line() == f"library: 0 new, 4 seen before ({library.path})"


def test_a_new_listing_is_deduplicated_against_the_library_with_the_ingest_rules():
    with Library.open() as library:
        ingest(library, DAY1)
        summary = ingest(library, DAY2)
        new_titles = {library.get(i).paper.title for i in summary.new}
        assert new_titles == {
            "Ferry: Agents That Negotiate Tool Access with Each Other",
            '<script>alert("pwned")</script> Escaping Lessons from Agent Dashboards',
        }
        # The exact repeat and the misspelt title ("Distilation") are the stored papers.
        assert len(summary.updated) == 2
        distillation = [p for p in library.papers() if p.paper.title.startswith("Small")]
        assert len(distillation) == 1
        assert distillation[0].paper.title.endswith("Distillation with Noisy Labels")
        files = {Path(s.file).name for s in distillation[0].paper.sources}
        assert files == {"day1.txt", "day2.txt"}
        last_run = library.resolve_since("last-run")
        assert {p.paper.title for p in library.papers(since=last_run)} == new_titles


def test_the_dedup_guards_hold_against_the_library(tmp_path):
    part1 = tmp_path / "part1.txt"
    part1.write_text(
        "Scaling Tool Use in Language Agents, Part I\n\nAgents call tools; we scale tool use.\n"
    )
    part2 = tmp_path / "part2.txt"
    part2.write_text(
        "Scaling Tool Use in Language Agents, Part II\n\nAgents call tools; we scale tool use.\n"
    )
    with Library.open() as library:
        ingest(library, part1)
        summary = ingest(library, part2)
        assert len(summary.new) == 1, "Part I and Part II are different papers"


def test_a_paper_seen_later_with_an_arxiv_id_keeps_its_library_id(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("Orchard Trees for Agents\n\nAgents plan with trees of tool calls.\n")
    with_id = tmp_path / "with-id.txt"
    with_id.write_text(
        "Orchard Trees for Agents\narxiv:2407.01234\nAgents plan with trees of tool calls.\n"
    )
    with Library.open() as library:
        first = ingest(library, plain)
        second = ingest(library, with_id)
        assert second.new == [] and second.updated == first.new
        paper = library.get("2407.01234v2")
        assert paper is not None and paper.paper.id == first.new[0]
        assert paper.paper.arxiv_id == "2407.01234"


def test_library_ranking_equals_the_ingest_ranking():
    result = run([str(DAY1), str(DAY2)], rules=TEST_RULES)
    with Library.open() as library:
        library.save_run(result, ["both"], rules_version(TEST_RULES.load()))
        stored = library.query()
    assert [p.paper.title for p in stored] == [p.paper.title for p in result.papers]
    for mine, theirs in zip(stored, result.papers):
        assert mine.relevance == pytest.approx(theirs.relevance)
        assert [s.theme for s in mine.themes] == [s.theme for s in theirs.themes]
        assert [h.term for s in mine.themes for h in s.keywords] == [
            h.term for s in theirs.themes for h in s.keywords
        ]


def test_filters_theme_since_and_top():
    with Library.open() as library:
        ingest(library, DAY1, now="2024-07-01T06:00:00+00:00")
        ingest(library, DAY2, now="2024-07-31T06:00:00+00:00")
        agents = library.query(themes=["agents"])
        assert {p.paper.title.split(":")[0] for p in agents} >= {"Harbor", "Ferry"}
        assert all(any(s.theme == "agents" for s in p.themes) for p in agents)
        since = library.resolve_since("2024-07-15")
        assert {p.paper.title.split(":")[0] for p in library.query(since=since)} == {
            "Ferry",
            '<script>alert("pwned")</script> Escaping Lessons from Agent Dashboards',
        }
        assert len(library.query(top=2)) == 2
        last = library.resolve_since("last-run")
        assert len(library.query(since=last)) == 2


def test_parse_since():
    from datetime import datetime, timezone

    now = datetime(2024, 7, 31, 12, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == datetime(2024, 7, 24, 12, 0, tzinfo=timezone.utc)
    assert parse_since("12h", now) == datetime(2024, 7, 31, 0, 0, tzinfo=timezone.utc)
    assert parse_since("2w", now) == datetime(2024, 7, 17, 12, 0, tzinfo=timezone.utc)
    assert parse_since("2024-07-01T00:00:00Z") == datetime(2024, 7, 1, tzinfo=timezone.utc)
    assert parse_since("last-run") is None
    with pytest.raises(LibraryError, match="duration"):
        parse_since("yesterday-ish")


# --- one transaction per run -----------------------------------------------------------------


def test_a_run_that_fails_half_way_leaves_the_library_as_it_was(monkeypatch):
    import papertriage.store as store

    with Library.open() as library:
        ingest(library, DAY1)
        before = (count(library, "papers"), count(library, "runs"), count(library, "themes"))

        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(store, "_theme_rows", broken)
        with pytest.raises(RuntimeError):
            ingest(library, DAY2)
        monkeypatch.undo()
        after = (count(library, "papers"), count(library, "runs"), count(library, "themes"))
        assert after == before
        assert not library.conn.in_transaction
        assert len(ingest(library, DAY2).new) == 2


# A writer that saves a large synthetic run; it prints "saving" just before save_run().
WRITER = r"""
import random, sys
from papertriage.formats import RunResult
from papertriage.models import KeywordHit, ParseReport, Paper, Source, TaggedPaper, ThemeScore
from papertriage.store import Library

path, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
papers = []
for i in range(count):
    words = ["w%x" % rng.getrandbits(40) for _ in range(8)]
    paper = Paper(" ".join(words[:6]).capitalize(), " ".join(words) + ".",
                  sources=[Source(f"synthetic-{seed}.txt", 3 * i + 1, "hf-daily")])
    hit = KeywordHit("agent", "title", 1, 2.0, 4.0)
    scores = {t: ThemeScore(t, rng.uniform(0.1, 6.0), 3.0, [hit])
              for t in ("agents", "distillation", "pretraining")}
    papers.append(TaggedPaper(paper, scores))
library = Library.open(path)
print("saving", flush=True)
summary = library.save_run(RunResult(papers, ParseReport()), [f"synthetic-{seed}"], "synthetic")
print("saved", len(summary.new), flush=True)
"""


def start_writer(path: Path, seed: int, count: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(seed), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    line = proc.stdout.readline()
    assert line == b"saving\n", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def wait_for_write_lock(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Return once another connection holds the write lock (its transaction has begun)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the writer ended before it was seen writing"
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
                return
            time.sleep(0.01)
    finally:
        probe.close()
    raise AssertionError("the writer never took the write lock")


def test_a_writer_killed_mid_run_leaves_the_library_intact(tmp_path):
    path = tmp_path / "library.db"
    with Library.open(path) as library:
        ingest(library, DAY1)
    wal = path.with_name(path.name + "-wal")
    committed_wal = wal.stat().st_size if wal.exists() else 0
    proc = start_writer(path, seed=1, count=30_000)
    wait_for_write_lock(path, proc)
    # Wait until the transaction has spilled uncommitted pages into the WAL file, so that
    # the kill leaves half a run on disk for SQLite to ignore.
    deadline = time.monotonic() + 60
    while wal.stat().st_size < committed_wal + 2_000_000:
        assert proc.poll() is None, "the writer finished before it could be killed"
        assert time.monotonic() < deadline, "the writer never wrote into the WAL"
        time.sleep(0.01)
    assert proc.poll() is None, "the writer finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Library.open(path) as library:
        assert library.check() == []
        assert count(library, "runs") == 1, "no trace of the killed run"
        assert count(library, "papers") == 4
        assert count(library, "sources") == 4
        assert {p.paper.title for p in library.papers()} == DAY1_TITLES
        summary = ingest(library, DAY2)  # the next run completes
        assert len(summary.new) == 2
        assert count(library, "runs") == 2
        assert library.check() == []


def test_two_concurrent_writers_of_different_inputs_both_land(tmp_path):
    path = tmp_path / "library.db"
    Library.open(path).close()
    big = start_writer(path, seed=2, count=8_000)
    wait_for_write_lock(path, big)
    # A real ingest of another listing while the big run holds the lock: it waits.
    small = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from pathlib import Path\n"
            "from papertriage.pipeline import RuleOptions, run\n"
            "from papertriage.store import record_run\n"
            "options = RuleOptions([Path(sys.argv[2])], use_defaults=False)\n"
            "result = run([sys.argv[3]], rules=options)\n"
            "print(record_run(result, [sys.argv[3]], options.load(), sys.argv[1]).line())\n",
            str(path),
            str(RULES),
            str(DAY1),
        ],
        capture_output=True,
        env=subprocess_env(),
        timeout=120,
    )
    out, err = big.communicate(timeout=120)
    assert big.returncode == 0, err
    assert out.decode().strip() == "saved 8000"
    assert small.returncode == 0, small.stderr
    assert small.stdout.decode().startswith("library: 4 new, 0 seen before")
    with Library.open(path) as library:
        assert count(library, "runs") == 2
        assert count(library, "papers") == 8_004
        assert all(r["finished"] for r in library.runs())
        assert library.check() == []


# --- schema versions ---------------------------------------------------------------------------


def test_a_library_from_a_newer_papertriage_is_refused(tmp_path):
    path = tmp_path / "library.db"
    Library.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew) as info:
        Library.open(path)
    message = str(info.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer papertriage" in message and "Upgrade" in message


def test_a_library_one_version_old_is_upgraded_in_place(tmp_path):
    path = tmp_path / "library.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    old = Library(path, conn)
    assert old.migrate(SCHEMA_VERSION - 1) == SCHEMA_VERSION - 1
    assert old.schema_version == SCHEMA_VERSION - 1
    ingest(old, DAY1)  # a library in use at version N-1
    old.close()
    with Library.open(path) as library:
        assert library.schema_version == SCHEMA_VERSION
        assert count(library, "papers") == 4
        # Full-text search (added by the last migration) covers the papers stored before.
        assert [p.paper.title for p in library.search("shells")] == [
            "Counting Shells: A Benchmark for Object Counting in Beach Photographs"
        ]
        assert library.check() == []


def test_every_migration_runs_on_an_empty_library_in_order(tmp_path):
    conn = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    library = Library(tmp_path / "l.db", conn)
    for version in range(1, SCHEMA_VERSION + 1):
        assert library.migrate(version) == 1
        assert library.schema_version == version
    assert library.migrate() == 0


# --- search, stats, retag ----------------------------------------------------------------------


def test_search_ranks_title_matches_first_and_stems_words():
    with Library.open() as library:
        ingest(library, DAY1, DAY2)
        results = library.search("agents tools")
        titles = [p.paper.title.split(":")[0] for p in results]
        assert titles[:2] == ["Ferry", "Harbor"]  # "agents" and "tool" in the title
        assert all(a.relevance >= b.relevance for a, b in zip(results, results[1:]))
        assert [p.rank for p in results] == list(range(1, len(results) + 1))
        assert {p.paper.title.split(":")[0] for p in library.search("distilling")} == {
            "Small Students, Loud Teachers"
        }
        raw = library.search("title:tool NOT negotiate", raw=True)
        assert [p.paper.title.split(":")[0] for p in raw] == ["Harbor"]
        assert library.search("pre-training") != []  # punctuation is not query syntax
        assert library.search("agents", themes=["distillation"]) == []
        with pytest.raises(LibraryError, match="cannot read the query"):
            library.search('"unbalanced', raw=True)


def test_search_stays_in_sync_when_an_abstract_grows(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("Lighthouse Agents\n\nAgents.\n")
    longer = tmp_path / "long.txt"
    longer.write_text("Lighthouse Agents\n\nAgents that guide ships with a lantern.\n")
    with Library.open() as library:
        ingest(library, short)
        assert library.search("lantern") == []
        ingest(library, longer)
        assert [p.paper.title for p in library.search("lantern")] == ["Lighthouse Agents"]
        assert library.check() == []


def test_stats_counts_papers_per_theme_and_week():
    with Library.open() as library:
        ingest(library, DAY1, now="2024-07-31T06:00:00+00:00")
        stats = library.stats()
    assert stats["papers"] == 4
    assert stats["themes"] == {"agents": 1, "distillation": 1, "pretraining": 1}
    assert stats["untagged"] == 1
    assert sum(stats["weeks"].values()) == 4
    assert stats["new_in_last_run"] == 4


def test_retag_reports_gained_and_lost_themes_in_one_transaction(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "pretraining.yaml").unlink()
    (rules / "counting.yaml").write_text(
        "name: Counting\n"
        "description: Counting objects in images.\n"
        "keywords:\n  shells: 3.0\n  counting: 3.0\n"
        "prototype: Models count objects such as shells in photographs.\n"
    )
    with Library.open() as library:
        ingest(library, DAY1)
        themes = load_rules([rules], use_defaults=False)
        dry = library.retag(themes, dry_run=True)
        assert dry.run_id is None
        assert count(library, "runs") == 1
        report = library.retag(themes)
        changes = {c.title.split(":")[0]: (c.gained, c.lost) for c in report.changes}
        assert changes == {
            "Tidepool": ([], ["pretraining"]),
            "Counting Shells": (["counting"], []),
        }
        assert [(c.id, c.gained, c.lost) for c in dry.changes] == [
            (c.id, c.gained, c.lost) for c in report.changes
        ]
        assert report.rules_version == rules_version(themes)
        assert library.stats()["themes"] == {"agents": 1, "counting": 1, "distillation": 1}
        assert library.runs()[-1]["kind"] == "retag"
        # A retag is not a run that adds papers: what was new stays new.
        assert len(library.papers(new=True)) == 4
        assert library.retag(themes).changes == []


# --- export / import -----------------------------------------------------------------------------


def test_export_then_import_into_an_empty_library_keeps_everything(tmp_path):
    with Library.open() as library:
        ingest(library, DAY1, now="2024-07-01T06:00:00+00:00")
        ingest(library, DAY2, now="2024-07-02T06:00:00+00:00")
        out = StringIO()
        assert library.export_jsonl(out) == 6
        original = {p.paper.id: p for p in library.query()}
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["format"] == "papertriage-library"
    with Library.open(tmp_path / "copy.db") as copy:
        summary = copy.import_jsonl(lines, "export.jsonl")
        assert len(summary.new) == 6
        restored = {p.paper.id: p for p in copy.query()}
        assert set(restored) == set(original)
        for key, paper in original.items():
            twin = restored[key]
            assert twin.first_seen == paper.first_seen and twin.last_seen == paper.last_seen
            assert twin.relevance == pytest.approx(paper.relevance)
            assert [s.theme for s in twin.themes] == [s.theme for s in paper.themes]
            assert {(s.file, s.line) for s in twin.paper.sources} == {
                (s.file, s.line) for s in paper.paper.sources
            }
        again = copy.import_jsonl(lines, "export.jsonl")
        assert again.new == [] and len(again.updated) == 6
        assert copy.check() == []


def test_import_of_a_broken_line_changes_nothing(tmp_path):
    with Library.open() as library:
        ingest(library, DAY1)
        out = StringIO()
        library.export_jsonl(out)
    lines = out.getvalue().splitlines()
    lines.insert(3, "{not json")
    with Library.open(tmp_path / "copy.db") as copy:
        with pytest.raises(LibraryError, match=r"export.jsonl:4: not JSON"):
            copy.import_jsonl(lines, "export.jsonl")
        assert count(copy, "papers") == 0 and count(copy, "runs") == 0


def test_check_finds_a_damaged_full_text_index():
    with Library.open() as library:
        ingest(library, DAY1)
        assert library.check() == []
        library.conn.execute("DELETE FROM papers_fts_docsize")  # damage it behind its back
        assert library.check() != []


def test_library_file_is_created_with_the_users_umask(tmp_path):
    path = tmp_path / "lib.db"
    Library.open(path).close()
    assert path.exists() and os.access(path, os.R_OK | os.W_OK)


def test_every_paper_of_a_run_is_stored_not_only_the_top_ones():
    from dataclasses import replace

    result = run([str(DAY1)], rules=TEST_RULES, top=1)
    full = replace(result, all_papers=run([str(DAY1)], rules=TEST_RULES).papers)
    with Library.open() as library:
        summary = library.save_run(full, [str(DAY1)], "v")
        assert len(summary.new) == 4


def test_a_streamed_run_is_recorded_batch_by_batch_in_one_transaction():
    from papertriage.store import recording

    papers = run([str(DAY1), str(DAY2)], rules=TEST_RULES).papers
    themes = TEST_RULES.load()
    with recording(["stream"], themes) as recorder:
        recorder.add(papers[:3])
        with Library.open() as other:  # nothing is visible before the end of the run
            assert count(other, "papers") == 0 and count(other, "runs") == 0
        recorder.add(papers[3:])
        recorder.stats = {"records": 8, "problems": 0}
    assert len(recorder.summary.new) == 6
    with Library.open() as library:
        assert count(library, "papers") == 6
        run_row = library.runs()[-1]
        assert json.loads(run_row["counts"])["records"] == 8
        assert run_row["rules_version"] == rules_version(themes)
    with pytest.raises(KeyboardInterrupt), recording(["stream"], themes) as recorder:
        recorder.add(run([str(LIBRARY / "day1.txt")], rules=TEST_RULES).papers)
        raise KeyboardInterrupt  # Ctrl-C half-way: nothing of this run stays
    with Library.open() as library:
        assert count(library, "runs") == 1


def test_storing_does_not_change_the_runs_papers():
    result = run([str(DAY1), str(DAY1)], rules=TEST_RULES, dedup=False)
    sources = [list(p.paper.sources) for p in result.papers]
    with Library.open() as library:
        summary = library.save_run(result, ["twice"], "v")
    assert len(summary.new) == 4
    assert [list(p.paper.sources) for p in result.papers] == sources


def test_retag_in_small_batches_gives_the_same_themes_as_one_batch():
    with Library.open() as library:
        ingest(library, DAY1, DAY2)
        whole = library.retag(TEST_RULES.load(), dry_run=True, batch_size=1000)
        batched = library.retag(TEST_RULES.load(), batch_size=2)
        assert batched.papers == whole.papers == 6
        assert [(c.id, c.gained, c.lost) for c in batched.changes] == [
            (c.id, c.gained, c.lost) for c in whole.changes
        ]
        assert library.check() == []
