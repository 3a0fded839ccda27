"""Large inputs stream through in batches: same tags, bounded memory, output before input ends."""

from __future__ import annotations

import csv
import io
import json
import select
import subprocess
import sys

from conftest import DAILY, DAILY_TITLES, RULE_ARGS, invoke, subprocess_env
from papertriage.pipeline import RuleOptions, run, stream


def _rules() -> RuleOptions:
    from conftest import RULES

    return RuleOptions(directories=[RULES], use_defaults=False)


def _themes(papers) -> dict[str, list[str]]:
    return {p.paper.title: sorted(s.theme for s in p.themes) for p in papers}


def test_a_listing_within_one_batch_is_ranked_as_before():
    whole = run([str(DAILY)], rules=_rules())
    streamed = stream([str(DAILY)], rules=_rules())
    assert not streamed.streamed
    assert [p.paper.title for p in streamed.papers] == [p.paper.title for p in whole.papers]
    assert [p.rank for p in streamed.papers] == list(range(1, len(DAILY_TITLES) + 1))
    assert _themes(streamed.papers) == _themes(whole.papers)


def test_a_larger_input_streams_in_input_order_with_the_same_keyword_tags():
    result = stream([str(DAILY)], rules=_rules(), batch_size=2)
    assert result.streamed
    papers = list(result.papers)
    assert [p.paper.title for p in papers] == DAILY_TITLES
    assert all(p.rank is None for p in papers)
    # Keyword evidence does not depend on the batch a paper is in (a streamed run keeps the
    # evidence of assigned themes only).
    whole = {p.paper.title: p for p in run([str(DAILY)], rules=_rules()).papers}
    assert any(p.themes for p in papers)
    for paper in papers:
        for score in paper.themes:
            assert [h.to_dict() for h in score.keywords] == [
                h.to_dict() for h in whole[paper.paper.title].scores[score.theme].keywords
            ]
    assert result.stats()["papers"] == len(DAILY_TITLES)
    assert result.stats()["unique"] == len(DAILY_TITLES)


def test_sort_score_and_top_rank_a_streamed_input():
    ranked = stream([str(DAILY)], rules=_rules(), batch_size=2, sort="score")
    assert [p.rank for p in ranked.papers] == list(range(1, len(DAILY_TITLES) + 1))
    scores = [p.relevance for p in ranked.papers]
    assert scores == sorted(scores, reverse=True)
    best = stream([str(DAILY)], rules=_rules(), batch_size=2, top=2)
    assert [p.paper.title for p in best.papers] == [p.paper.title for p in ranked.papers][:2]


def test_a_duplicate_of_a_paper_already_written_is_dropped_and_reported(tmp_path):
    twice = tmp_path / "twice.txt"
    twice.write_text(DAILY.read_text() + "\n\n" + DAILY.read_text())
    result = stream([str(twice)], rules=_rules(), batch_size=2)
    papers = list(result.papers)
    assert sorted(p.paper.title for p in papers) == sorted(DAILY_TITLES)
    assert len(result.merges) == len(DAILY_TITLES)
    assert all("already written" in m.reason for m in result.merges)


def test_streamed_json_is_one_valid_document_with_null_ranks():
    out = invoke(["ingest", str(DAILY), *RULE_ARGS, "--batch-size", "2", "-f", "json"])
    assert out.exit_code == 0, out.stderr
    document = json.loads(out.stdout)
    assert [p["title"] for p in document["papers"]] == DAILY_TITLES
    assert {p["rank"] for p in document["papers"]} == {None}
    assert document["stats"]["papers"] == len(DAILY_TITLES)


def test_streamed_csv_leaves_rank_empty():
    out = invoke(["ingest", str(DAILY), *RULE_ARGS, "--batch-size", "2", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [row["title"] for row in rows] == DAILY_TITLES
    assert {row["rank"] for row in rows} == {""}


def test_json_lines_come_out_before_the_input_ends():
    """Feed a pipe and keep it open: the first lines must be written before it ends.

    Format detection looks at the first 64 KiB, so the page is repeated (with distinct
    titles) beyond that.
    """
    page = "".join(
        DAILY.read_text().replace(": ", f" {n}: ").replace("?", f" {n}?") for n in range(60)
    )
    assert len(page.encode()) > 70_000
    proc = subprocess.Popen(
        [sys.executable, "-m", "papertriage", "ingest", "-", *RULE_ARGS, "--no-store", "--no-dedup"]
        + ["--batch-size", "2", "-f", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(page.encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no output while the input was still open"
        first = json.loads(proc.stdout.readline())
        assert first["title"].startswith("Lantern 0:")
        assert proc.poll() is None  # still waiting for the rest of the input
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        # Read through the same buffered file as the first line (communicate() would not).
        rest = proc.stdout.read() if proc.stdout is not None else b""
        err = proc.stderr.read() if proc.stderr is not None else b""
        proc.wait(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert len(rest.decode().splitlines()) == 60 * len(DAILY_TITLES) - 1


def test_streaming_memory_does_not_grow_with_the_input(tmp_path):
    """20x the papers must not take anywhere near 20x the memory (no list of all papers)."""

    def peak_kb(copies: int) -> int:
        listing = tmp_path / f"big{copies}.txt"
        with listing.open("w") as handle:
            for n in range(copies):
                for title in DAILY_TITLES:
                    handle.write(
                        f"{title} (copy {n})\n\nAn abstract about agents and tools "
                        f"that call APIs, number {n}. " * 8 + "\n\n"
                    )
        code = (
            "import resource, sys\n"
            "from papertriage.cli import main\n"
            "try:\n"
            f"    main(['ingest', {str(listing)!r}, '--no-store', '--no-dedup', '-f', 'jsonl',"
            f" '-o', {str(tmp_path / 'out.jsonl')!r}, '--batch-size', '200', *{RULE_ARGS!r}])\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=subprocess_env(), timeout=300
        )
        assert proc.returncode == 0, proc.stderr.decode()
        return int(proc.stderr.decode().split()[-1])

    small, large = peak_kb(50), peak_kb(1000)
    assert large < small * 1.5, (small, large)


def test_progress_callback_counts_papers_and_bytes():
    seen = []
    result = stream(
        [str(DAILY)],
        rules=_rules(),
        batch_size=2,
        on_batch=lambda p: seen.append((p.papers, p.bytes_read, p.bytes_total)),
    )
    list(result.papers)
    assert seen, "no progress reported"
    papers, read, total = seen[-1]
    assert papers == len(DAILY_TITLES)
    assert total == DAILY.stat().st_size
    assert 0 < read <= total


def test_a_profile_may_weigh_a_theme_the_config_disables(tmp_path, monkeypatch):
    profile = tmp_path / "profile.yaml"
    profile.write_text("themes:\n  agents: 2.0\n  distillation: 3.0\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"disable: [distillation]\nprofile: {profile}\n")
    monkeypatch.setenv("PAPERTRIAGE_CONFIG", str(config))
    out = invoke(["ingest", str(DAILY), *RULE_ARGS, "--no-store", "-f", "jsonl"])
    assert out.exit_code == 0, out.stderr
    themes = {t["id"] for line in out.stdout.splitlines() for t in json.loads(line)["themes"]}
    assert "distillation" not in themes
    assert themes  # the other rules still tag
