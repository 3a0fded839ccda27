"""Plain text, the last resort: titles a line, or title/abstract blocks."""

from __future__ import annotations

from pathlib import Path

from conftest import parse_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def run(name: str, text: str | None = None, fmt: str | None = None):
    return parse_fixture(name, text, fmt)[:2]


def test_one_title_per_line():
    papers, report = run("titles.txt")
    assert report.formats["titles.txt"] == "text"
    assert [p.title for p in papers] == [
        "Gradient Gardening: Pruning Transformers While They Grow",
        "A Note on Calibrated Retrieval",
        "Bandits with Knapsacks and Ünïcödé Names",
        "Old Paper, New Version",
    ]
    assert papers[1].arxiv_id == "2407.01240"
    assert [(line, kind) for _, line, kind in report.chrome] == [(1, "comment"), (6, "separator")]
    assert [p.sources[0].line for p in papers] == [2, 3, 5, 7]


def test_title_abstract_blocks():
    papers, report = run("blocks.txt")
    assert report.problems == []
    first, second, third = papers
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.abstract.startswith("We prune attention heads during pretraining instead")
    assert first.abstract.endswith("spent on more tokens.")
    assert second.arxiv_id == "2407.01240" and second.url == "https://arxiv.org/abs/2407.01240"
    assert second.abstract == "Retrieval scores are rarely calibrated; we show a two-parameter fix."
    assert third.abstract == (
        "We revisit bandits with knapsacks.\n\n"
        "A second paragraph of the same abstract, separated by a blank line."
    )


def test_paragraph_before_any_title_is_a_problem():
    papers, report = run(
        "x.txt", "This paragraph has no title before it.\n\nA Title\nIts abstract.\n", "text"
    )
    assert [p.title for p in papers] == ["A Title"]
    assert [(p.line, p.kind) for p in report.problems] == [(1, "unplaced")]


def test_bulleted_titles():
    papers, _ = run("x.txt", "- First Title\n- Second Title\n3. Third Title\n", "text")
    assert [p.title for p in papers] == ["First Title", "Second Title", "Third Title"]
