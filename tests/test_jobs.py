"""`ingest --jobs N`: worker processes tag a large input and the output is the same."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from conftest import (
    DAILY,
    DAILY_TITLES,
    RULE_ARGS,
    assert_one_error_line,
    invoke,
    run_process,
    subprocess_env,
)
from papertriage.engine import Engine
from papertriage.pipeline import RuleOptions, stream
from papertriage.rules import load_rules


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """The fixture listing ten times over with distinct titles: several batches of 4."""
    text = "".join(
        DAILY.read_text().replace(": ", f" {n}: ").replace("?", f" {n}?") for n in range(10)
    )
    path = tmp_path_factory.mktemp("jobs") / "many.txt"
    path.write_text(text)
    return path


def _titles() -> list[str]:
    """The titles of `many`, in order."""
    return [
        t.replace(": ", f" {n}: ").replace("?", f" {n}?") for n in range(10) for t in DAILY_TITLES
    ]


def _ingest(path, *args: str) -> str:
    out = invoke(["ingest", str(path), *RULE_ARGS, "--batch-size", "4", *args])
    assert out.exit_code == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_workers_write_what_one_process_writes(many, fmt):
    alone = _ingest(many, "--no-store", "--no-dedup", "-f", fmt, "--jobs", "1")
    assert _ingest(many, "--no-store", "--no-dedup", "-f", fmt, "--jobs", "2") == alone
    if fmt == "jsonl":
        titles = [json.loads(line)["title"] for line in alone.splitlines()]
        assert titles == _titles()  # in input order, over many batches


def test_workers_keep_theme_filters_and_ranking(many):
    for args in (["--theme", "agents"], ["--sort", "score"], ["--top", "5"]):
        alone = _ingest(many, "--no-store", "-f", "jsonl", *args)
        assert _ingest(many, "--no-store", "-f", "jsonl", "-j", "3", *args) == alone
    ranked = [
        json.loads(line)
        for line in _ingest(many, "--no-store", "-f", "jsonl", "-j", "2", "--top", "5").splitlines()
    ]
    assert [p["rank"] for p in ranked] == [1, 2, 3, 4, 5]


def test_workers_with_the_library_store_every_paper(many, isolated_env):
    db = isolated_env / "jobs.db"
    alone = _ingest(many, "-f", "jsonl", "--db", str(db), "-j", "1")
    parallel = _ingest(many, "-f", "jsonl", "--db", str(db), "-j", "2")
    assert parallel == alone
    written = len(alone.splitlines())
    assert written > 4 * 4  # several batches, after dedup merged repeated arXiv ids
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM papers").fetchone()[0] == written


def test_jobs_zero_means_one_worker_per_cpu(many):
    assert _ingest(many, "--no-store", "-f", "jsonl", "-j", "0") == _ingest(
        many, "--no-store", "-f", "jsonl"
    )


def test_a_closed_pipe_stops_the_workers_quietly(many):
    # `| head -1`: read one line, then close the pipe.
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", str(many), *RULE_ARGS, "--no-store"]
        + ["--batch-size", "4", "-f", "jsonl", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert first["title"] == DAILY_TITLES[0].replace(": ", " 0: ").replace("?", " 0?")
    assert "Traceback" not in err


def test_negative_jobs_is_a_usage_error():
    result = run_process(["ingest", str(DAILY), "--jobs", "-1", "--no-store"])
    assert result.returncode == 2
    assert b"--jobs" in result.stderr


def test_streamed_engine_keeps_evidence_of_assigned_themes_only():
    themes = load_rules([])  # the default rules
    papers = [p.paper for p in stream([str(DAILY)], rules=RuleOptions()).papers]
    everything = Engine(themes, evidence="all").tag(papers)
    assigned = Engine(themes, evidence="assigned").tag(papers)
    for full, lean in zip(everything, assigned):
        for theme, score in full.scores.items():
            other = lean.scores[theme]
            assert other.points == score.points
            if score.assigned:
                assert other.evidence_dict() == score.evidence_dict()
            else:
                assert other.keywords == other.negative == other.similar_terms == []
    assert any(s.keywords for p in everything for s in p.scores.values() if not s.assigned)


def _die(batch):
    import os

    os._exit(3)


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(many, monkeypatch):
    import papertriage.workers

    monkeypatch.setattr(papertriage.workers, "_tag", _die)
    out = invoke(["ingest", str(many), *RULE_ARGS, "--batch-size", "4", "--no-store", "-j", "2"])
    assert out.exit_code == 1
    assert "worker process died" in assert_one_error_line(out.stderr)


def test_by_default_workers_start_only_where_they_pay(many, monkeypatch, isolated_env):
    import papertriage.workers
    from papertriage.pipeline import AUTO_JOBS
    from papertriage.workers import WorkerPool, available_cpus

    started: list[int] = []

    class Spy(WorkerPool):
        def __init__(self, jobs, *args, **kwargs):
            started.append(jobs)
            super().__init__(jobs, *args, **kwargs)

    monkeypatch.setattr(papertriage.workers, "WorkerPool", Spy)
    _ingest(many, "-f", "jsonl", "--db", str(isolated_env / "auto.db"))  # the library
    _ingest(many, "--no-store", "-f", "table")  # rendered by the main process
    _ingest(many, "--no-store", "-f", "jsonl", "--sort", "score")  # ranked
    assert started == []
    default = _ingest(many, "--no-store", "-f", "jsonl")
    expected = min(available_cpus(), AUTO_JOBS)
    assert started == ([expected] if expected > 1 else [])
    assert default == _ingest(many, "--no-store", "-f", "jsonl", "-j", "1")
