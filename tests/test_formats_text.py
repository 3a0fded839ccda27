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


def test_a_paper_whose_title_is_not_in_title_case_is_not_lost():
    # Title and abstract in one block, the title wrapped over two lines and not in title case:
    # a new paper (by the wrap width; where that cannot tell, a guess that is reported),
    # never glued to the abstract above.
    prose = (
        "We route tokens to a few experts and keep the compute of a dense model low\n"
        "while the quality of the model stays where it was, on every task we tried\n"
        "and at every scale, from small models to the largest ones we could train.\n"
    )
    text = (
        "Sparse Routers for Small Models\n"
        + prose
        + "\nJudge agents: automatic personalised evaluation design for assessing natural\n"
        "language generation applications\n"
        "Large language models are used as judges, yet their verdicts drift from what\n"
        "people think of the same texts. We let several agents write and refine the\n"
        "evaluation prompts until they agree with people on held-out examples again.\n"
    )
    papers, report = run("x.txt", text, "text")
    assert [p.title for p in papers] == [
        "Sparse Routers for Small Models",
        "Judge agents: automatic personalised evaluation design for assessing natural "
        "language generation applications",
    ]
    assert papers[1].abstract.startswith("Large language models are used as judges")
    assert {p.kind for p in report.problems} <= {"uncertain-split"}


def test_a_capitalised_compound_broken_at_its_hyphen_is_joined_again():
    text = (
        "Blending Pre-\ntrained Controllers for Open-\nand Closed-Loop Motion\n\n"
        "We blend controllers learned separately into one policy for the whole body.\n"
    )
    papers, _ = run("x.txt", text, "text")
    assert papers[0].title == "Blending Pre-trained Controllers for Open- and Closed-Loop Motion"


def test_loose_title_splits_a_title_not_in_title_case_from_its_abstract():
    from papertriage.parsers.text import _loose_title

    lines = list(
        enumerate(
            [
                "Judge agents: automatic personalised judge design for",
                "evaluating natural language generation applications",
                "Large models are used as judges. We refine their prompts.",
            ],
            start=4,
        )
    )
    assert _loose_title(lines) == (
        "Judge agents: automatic personalised judge design for evaluating natural language "
        "generation applications",
        "Large models are used as judges. We refine their prompts.",
    )
    # A paragraph of prose (a sentence ends inside) is not a title.
    prose = [(1, "We study judges. They drift"), (2, "from people"), (3, "Often so.")]
    assert _loose_title(prose) is None
