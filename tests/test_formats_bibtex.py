"""BibTeX as Zotero, Google Scholar and arXiv export it; LaTeX to text."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import parse_fixture
from papertriage.parsers.latex import to_text

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def run(name: str, text: str | None = None, fmt: str | None = "bibtex"):
    return parse_fixture(name, text, fmt)[:2]


def test_zotero_export():
    papers, report = run("zotero.bib")
    assert report.problems == []
    first, second = papers
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo", "Chidi Ferreira-Lund"]
    assert first.arxiv_id == "2407.01234"
    assert first.doi == "10.48550/arXiv.2407.01234"
    assert first.url == "http://arxiv.org/abs/2407.01234"
    assert first.date == "2024-07"
    assert first.abstract.endswith("are removed & the compute is spent on more tokens.")
    assert first.keywords == [
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    ]
    assert first.comments == "arXiv:2407.01234 [cs]"
    assert first.sources[0].line == 2
    assert second.title == "Über Straßen und Cafés: Map Matching – Revisited"
    assert second.authors == ["Jörg Müller", "José García"]
    assert second.venue == "Proceedings of the Example Conference"
    assert second.arxiv_id is None and second.date == "2023"


def test_google_scholar_export():
    papers, report = run("scholar.bib")
    assert report.problems == []
    first, second = papers
    assert first.title == "A note on calibrated retrieval"
    assert first.arxiv_id == "2407.01240"  # from journal={arXiv preprint arXiv:...}
    assert first.authors == ["Dana Ilves", "Kaur Tamm"]
    assert second.title == "Bandits with knapsacks: a second look"
    assert second.authors == ["Émile Zoltán", "Søren Åberg"]


def test_arxiv_export_strings_comments_preamble_and_parentheses():
    papers, report = run("arxiv.bib")
    assert report.problems == []
    assert [kind for _, _, kind in report.chrome] == ["string", "comment", "preamble"]
    first, second = papers
    assert first.title == "Old Paper, New Version"
    assert first.arxiv_id == "2301.00042"
    assert first.categories == ["cs.AI"]
    assert first.comments == "Presented at the Example Workshop"  # '#' and @string
    assert first.authors == ["Fay Gu", "Hal Ito"]
    assert second.title == "Entries in Parentheses"
    assert second.authors == ["Lee Ng"]


def test_malformed_entries_give_problems_and_keep_the_rest():
    papers, report = run("broken.bib")
    assert [p.title for p in papers] == [
        "First Good Entry",
        "Second Good Entry",
        "Third Good Entry",
        "Fourth Good Entry",
    ]
    problems = [(p.line, p.kind) for p in report.problems]
    assert problems == [(7, "bibtex"), (18, "no-title"), (24, "bibtex"), (27, "bibtex")]
    assert "unclosed brace" in report.problems[0].message
    assert report.problems[0].text.startswith("@article{unclosed")


def test_text_between_entries_is_chrome():
    text = "Some notes\n\n@misc{a, title={A}}\n% a comment\n@misc{b, title={B}}\n"
    papers, report = run("x.bib", text)
    assert [p.title for p in papers] == ["A", "B"]
    assert [(line, kind) for _, line, kind in report.chrome] == [(1, "comment"), (4, "comment")]


def test_nested_braces_quotes_and_concatenation():
    text = (
        '@string{pre = "Deep "}\n'
        '@article{k, title = pre # "{L}earning with {\\"U}mlauts" # { and {Braces {Inside}}},\n'
        "  author = {{Barnes and Noble} and Smith, J.}, year = 2021, month = {3}}\n"
    )
    papers, _ = run("x.bib", text)
    assert papers[0].title == "Deep Learning with Ümlauts and Braces Inside"
    assert papers[0].authors == ["Barnes and Noble", "J. Smith"]
    assert papers[0].date == "2021-03"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ('{\\"u}', "ü"),
        ("\\'e", "é"),
        ("{\\ss}", "ß"),
        ("Gro\\ss e", "Große"),
        ("\\textit{x}", "x"),
        ("\\emph{a} \\textbf{b}", "a b"),
        ("A \\& B", "A & B"),
        ("1--2", "1–2"),
        ("a---b", "a—b"),
        ("a~b", "a b"),
        ("{BERT}", "BERT"),
        ("\\'{\\i}", "í"),
        ("\\c{c}", "ç"),
        ("\\v{S}", "Š"),
        ("{\\o}", "ø"),
        ("{\\AA}", "Å"),
        ("50\\%", "50%"),
        ("$\\alpha$-net", "α-net"),
        ("\\LaTeX{} rocks", "LaTeX rocks"),
        ("\\href{http://x.org}{the link}", "the link"),
        ("\\unknown{kept}", "kept"),
        ("``q''", "“q”"),
    ],
)
def test_latex_to_text(latex: str, text: str):
    assert to_text(latex) == text
