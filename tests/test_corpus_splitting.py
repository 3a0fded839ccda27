"""Splitting real text by its structure: the shared Daily Papers page and the arXiv pool pasted
as pages, as they are and hard-wrapped the way fmt(1), mail clients and terminals leave them.

Every paper comes out exactly once, with its exact title and its abstract (white space
normalised); nothing is invented. Skipped cleanly when ../shared is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from papertriage.models import ParseReport
from papertriage.parsers import parse_input
from papertriage.reading import decode, read_input

pytestmark = pytest.mark.corpus

SHARED = Path(
    os.environ.get("PAPERTRIAGE_SHARED") or Path(__file__).resolve().parents[2] / "shared"
)
PAGE = SHARED / "corpus" / "hf-daily-papers.txt"
GOLD = SHARED / "corpus" / "hf-daily-papers.gold.jsonl"
POOL = SHARED / "corpus" / "arxiv-pool.jsonl"

if not (PAGE.is_file() and GOLD.is_file() and POOL.is_file()):
    pytest.skip(f"shared corpus not found under {SHARED}", allow_module_level=True)


def norm(text: str) -> str:
    return " ".join(text.split())


def wrap(text: str, width: int) -> str:
    """Every paragraph filled to `width` as fmt does: breaks at spaces only."""
    paragraphs = text.split("\n\n")
    return "\n\n".join(
        textwrap.fill(p, width, break_on_hyphens=False, break_long_words=False) if p else p
        for p in paragraphs
    )


def parse_text(text: str, name: str = "page.txt"):
    report = ParseReport()
    papers = list(parse_input(decode(text.encode("utf-8"), name), report))
    return papers, report


def gold_titles() -> list[str]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["title"] for line in lines if line.strip()]


def page_abstracts() -> set[str]:
    """The page's abstracts: its lines longer than any title."""
    return {norm(line) for line in PAGE.read_text(encoding="utf-8").splitlines() if len(line) > 300}


def check_page(papers, report) -> None:
    assert [p.title for p in papers] == gold_titles()
    abstracts = page_abstracts()
    for paper in papers:
        assert norm(paper.abstract) in abstracts, paper.title
    assert report.problems == []


def test_shared_page_as_is():
    check_page(*parse_text(PAGE.read_text(encoding="utf-8")))


@pytest.mark.parametrize("width", [60, 72, 80, 100])
def test_shared_page_hard_wrapped(width):
    """Hard-wrapped at 72 the page gave 2,257 "papers" instead of 98."""
    text = wrap(PAGE.read_text(encoding="utf-8"), width)
    assert max(len(line) for line in text.splitlines()) < 130  # really wrapped
    papers, report = parse_text(text)
    assert report.formats["page.txt"] == "hf-daily"
    check_page(papers, report)


@pytest.mark.skipif(shutil.which("fmt") is None, reason="fmt(1) not installed")
@pytest.mark.parametrize("width", [60, 72, 100])
def test_shared_page_through_fmt(width, tmp_path):
    """fmt fills lines to about 93% of the width and balances them: not what textwrap does."""
    wrapped = subprocess.run(
        ["fmt", "-w", str(width), str(PAGE)], capture_output=True, check=True
    ).stdout
    path = tmp_path / "page.txt"
    path.write_bytes(wrapped)
    report = ParseReport()
    papers = list(parse_input(read_input(str(path)), report))
    check_page(papers, report)


def pool() -> list[dict]:
    with POOL.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_pool(papers, report, records, same=norm) -> None:
    assert len(papers) == len(records) == 10_344
    assert [p.title for p in papers] == [norm(r["title"]) for r in records]
    assert [same(p.abstract) for p in papers] == [same(r["abstract"]) for r in records]
    assert report.problems == []


def unhyphen(text: str) -> str:
    """One abstract of the pool has 'LingBot- World-Fast': wrapped after 'LingBot-', it reads
    back as 'LingBot-World-Fast', as a capitalised compound broken at its hyphen must."""
    return re.sub(r"(?<=[^\W\d_])- (?=[A-Z])", "-", norm(text))


def test_pool_as_one_page_title_and_abstract_lines():
    """Titles on one line, abstracts on one line, blank lines between: 4 papers were absorbed
    into the abstract before them (titles such as 'Clink! Chop! Thud! -- ...')."""
    records = pool()
    text = "".join(f"{norm(r['title'])}\n\n{norm(r['abstract'])}\n\n" for r in records)
    check_pool(*parse_text(text), records)


def test_pool_as_one_page_wrapped_at_80():
    records = pool()
    text = "".join(
        f"{wrap(norm(r['title']), 80)}\n\n{wrap(norm(r['abstract']), 80)}\n\n" for r in records
    )
    check_pool(*parse_text(text), records, unhyphen)


def test_pool_with_the_line_breaks_of_the_arxiv_api():
    """Abstracts (and long titles) as the arXiv API gives them, hard line breaks included."""
    records = pool()
    text = "".join(f"{r['title'].strip()}\n\n{r['abstract'].strip()}\n\n" for r in records)
    check_pool(*parse_text(text), records)


@pytest.mark.parametrize("between", ["\n\n", "\n"])
def test_pool_wrapped_by_textwrap_with_hyphen_breaks(between):
    """Python's textwrap as people use it: breaks after hyphens too ("Pre-" / "trained"), with
    or without a blank line between a title and its abstract. Every paper back, titles exact
    (a capitalised compound is joined again)."""
    records = pool()[:2000]
    text = "".join(
        f"{textwrap.fill(norm(r['title']), 72)}{between}{textwrap.fill(norm(r['abstract']), 72)}"
        "\n\n"
        for r in records
    )
    papers, report = parse_text(text)
    # Without a blank line a title not in title case can read as prose: the paper is then
    # glued to the abstract above, never silently: each such merge is a reported problem.
    merged = [p for p in report.problems if p.message.startswith("read as another paragraph")]
    assert len(papers) + len(merged) == len(records)
    assert len(merged) <= (0 if between == "\n\n" else 0.002 * len(records))
    wanted = {norm(r["title"]) for r in records}
    exact = sum(p.title in wanted for p in papers)
    assert exact >= (0.995 if between == "\n\n" else 0.99) * len(records)
