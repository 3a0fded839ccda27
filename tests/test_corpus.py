"""Tests over the shared corpus (../shared/corpus); skipped cleanly when it is not there."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from conftest import invoke
from papertriage.models import ParseReport
from papertriage.parsers import parse_input
from papertriage.reading import read_input

pytestmark = pytest.mark.corpus

SHARED = Path(
    os.environ.get("PAPERTRIAGE_SHARED") or Path(__file__).resolve().parents[2] / "shared"
)
PAGE = SHARED / "corpus" / "hf-daily-papers.txt"
GOLD = SHARED / "corpus" / "hf-daily-papers.gold.jsonl"

if not (PAGE.is_file() and GOLD.is_file()):
    pytest.skip(f"shared corpus not found under {SHARED}", allow_module_level=True)


def gold_titles() -> list[str]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["title"] for line in lines if line.strip()]


def parse(name: str, stdin: bytes | None = None):
    report = ParseReport()
    source = read_input(name, stdin=io.BytesIO(stdin) if stdin is not None else None)
    papers = list(parse_input(source, report))
    return papers, report


def check_page(papers, report) -> None:
    assert len(papers) == 98
    assert [p.title for p in papers] == gold_titles()
    page_lines = {
        line.strip() for line in PAGE.read_text(encoding="utf-8").splitlines() if line.strip()
    }
    for paper in papers:
        assert paper.abstract, paper.title
        assert paper.abstract in page_lines, paper.title
    assert report.problems == []
    assert set(report.formats.values()) == {"hf-daily"}


def test_shared_page_gives_the_98_gold_papers():
    check_page(*parse(str(PAGE)))


def test_shared_page_from_stdin():
    papers, report = parse("-", stdin=PAGE.read_bytes())
    check_page(papers, report)
    assert {p.sources[0].file for p in papers} == {"<stdin>"}


def test_shared_page_with_crlf_line_ends(tmp_path):
    crlf = tmp_path / "hf-daily-papers-crlf.txt"
    crlf.write_bytes(PAGE.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    check_page(*parse(str(crlf)))


def test_shared_page_through_the_cli_from_stdin():
    result = invoke(["ingest", "-", "--format", "json"], input=PAGE.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["problems"] == []
    assert sorted(p["title"] for p in document["papers"]) == sorted(gold_titles())


def test_default_rules_reach_micro_f1_075_on_the_gold():
    result = invoke(["eval", "--gold", str(GOLD), str(PAGE), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["matched"] == 98
    assert report["micro"]["f1"] >= 0.75, report["micro"]
