"""arXiv listings copied as text, and arXiv API Atom feeds."""

from __future__ import annotations

from pathlib import Path

from conftest import parse_fixture
from papertriage.models import ParseReport

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def run(name: str, text: str | None = None, fmt: str | None = None):
    return parse_fixture(name, text, fmt, check=False)


def kinds(report: ParseReport) -> list[str]:
    return [p.kind for p in report.problems]


# --- arxiv-listing ---------------------------------------------------------------------------


def test_listing_reads_every_field():
    papers, report, _ = run("arxiv-new.txt")
    assert report.formats["arxiv-new.txt"] == "arxiv-listing"
    assert [p.arxiv_id for p in papers] == ["2407.01234", "2407.01240", "2407.00999", "2301.00042"]
    first = papers[0]
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo", "Chidi Ferreira-Lund"]
    assert first.comments == "12 pages, 4 figures; code at https://example.org/gg"
    assert first.categories == ["cs.LG", "cs.CL"]
    assert first.abstract.startswith("We prune attention heads during pretraining")
    assert first.abstract.endswith("spent on more tokens.")
    assert first.url == "https://arxiv.org/abs/2407.01234"
    assert first.date == "2024-07-29"
    assert first.sources[0].line == 6 and first.sources[0].format == "arxiv-listing"
    assert papers[1].venue == "Proceedings of the Example Workshop 2024"
    assert papers[1].arxiv_id == "2407.01240"  # the version is dropped
    assert papers[2].authors == ["Émile Zoltán", "Søren Åberg"]
    assert papers[2].categories == ["stat.ML", "cs.LG"]
    assert papers[3].abstract == ""  # "recent" style entry without an abstract
    assert papers[3].comments == "v3: typos fixed"


def test_listing_chrome_is_recorded_and_every_line_accounted():
    papers, report, source = run("arxiv-new.txt")
    chrome = {line: kind for _, line, kind in report.chrome}
    assert chrome[3] == "section"  # New submissions (showing 3 of 3 entries)
    assert chrome[4] == "date"
    assert chrome[23] == "section"  # Cross-lists
    assert chrome[30] == "section"  # Replacements
    assert chrome[37] == "counter"  # Total of 4 entries
    assert report.problems == []
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_listing_entry_without_title_is_a_problem_and_others_kept():
    text = (
        "arXiv:2407.00001 [pdf]\nTitle: First\nAuthors: A B\n\n"
        "arXiv:2407.00002 [pdf]\nAuthors: C D\nSubjects: Robotics (cs.RO)\n\n"
        "arXiv:2407.00003 [pdf]\nTitle: Third\n"
    )
    papers, report, source = run("x.txt", text, "arxiv-listing")
    assert [p.title for p in papers] == ["First", "Third"]
    assert [(p.line, p.kind) for p in report.problems] == [(5, "no-title")]
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_listing_title_and_authors_wrap():
    text = (
        "[7] arXiv:2407.00007 [pdf, html, other]\nTitle: A Long Title\nThat Wraps\n"
        "Authors: Ann Lee, Bob Ray,\nCy Do\nSubjects: Machine Learning (cs.LG);\n"
        "Robotics (cs.RO)\nThe abstract.\n"
    )
    papers, _, _ = run("x.txt", text, "arxiv-listing")
    assert papers[0].title == "A Long Title That Wraps"
    assert papers[0].authors == ["Ann Lee", "Bob Ray", "Cy Do"]
    assert papers[0].categories == ["cs.LG", "cs.RO"]
    assert papers[0].abstract == "The abstract."


def test_listing_title_wrapped_before_a_one_letter_word_keeps_it():
    """An indented last line "A" (or "a", "Ar") under a wrapped title continues it; it is not
    the start of an "arXiv:" line or an "Authors:" label cut short."""
    for word in ("A", "a", "Ar"):
        text = (
            "[1] arXiv:2407.00001 [pdf, html, other]\nTitle: Solving the Puzzle Called Part\n"
            f"  {word}\nAuthors: Ann Lee\nSubjects: Machine Learning (cs.LG)\nThe abstract.\n"
        )
        papers, report, _ = run("x.txt", text, "arxiv-listing")
        assert papers[0].title == f"Solving the Puzzle Called Part {word}"
        assert report.problems == []
    # At the left margin at the end of a copy, it is still a line cut short.
    papers, report, _ = run("x.txt", text + "\nAr\n", "arxiv-listing")
    assert [p.kind for p in report.problems] == ["arxiv-listing"]


# --- arxiv-atom -------------------------------------------------------------------------------


def test_atom_reads_every_field():
    papers, report, source = run("arxiv-api.xml")
    assert report.formats["arxiv-api.xml"] == "arxiv-atom"
    assert len(papers) == 2
    first, second = papers
    assert first.arxiv_id == "2407.01234"
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.abstract == (
        "We prune attention heads during pretraining instead of after it. "
        "Heads whose gradient signal stays flat are removed."
    )
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo"]
    assert first.date == "2024-07-29"
    assert first.categories == ["cs.LG", "cs.CL"]
    assert first.comments == "12 pages, 4 figures"
    assert first.doi == "10.1234/example.5678"
    assert first.venue == "Example Journal 1 (2024) 1-12"
    assert first.url == "http://arxiv.org/abs/2407.01234v2"
    assert first.sources[0].line == 10
    assert second.title == "A Note on Calibrated Retrieval & Ranking"
    assert second.abstract == "Retrieval scores are rarely calibrated <sometimes>."
    assert report.problems == []
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_atom_truncated_keeps_complete_entries_and_reports_line():
    papers, report, source = run("arxiv-api-truncated.xml")
    assert [p.arxiv_id for p in papers] == ["2407.01234"]
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.kind == "xml" and problem.line == 39
    assert "A Note on Calib" in problem.text
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_atom_malformed_in_the_middle():
    text = (
        (FIXTURES / "arxiv-api.xml")
        .read_text()
        .replace("<title>A Note on Calibrated", "<title>A Note <b>on Calibrated")
    )
    papers, report, _ = run("bad.xml", text)
    assert [p.arxiv_id for p in papers] == ["2407.01234"]
    assert [(p.kind, p.line) for p in report.problems] == [("xml", 40)]


def test_atom_doctype_is_refused_without_expanding_entities():
    papers, report, source = run("arxiv-api-doctype.xml")
    assert [p.title for p in papers] == ["Safe Parsing of Feeds"]
    assert report.problems[0].kind == "unsafe-xml" and report.problems[0].line == 2
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_atom_entity_reference_is_kept_as_text_and_later_entries_are_read():
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<entry><id>http://arxiv.org/abs/2407.00001v1</id><title>Kept</title></entry>\n"
        "<entry><id>http://arxiv.org/abs/2407.00002v1</id><title>&x; of it</title></entry>\n"
        "<entry><id>http://arxiv.org/abs/2407.00003v1</id><title>After &nbsp;it</title></entry>\n"
        "</feed>\n"
    )
    papers, report, _ = run("evil.xml", text)
    assert [p.title for p in papers] == ["Kept", "&x; of it", "After &nbsp;it"]
    assert "root:" not in repr(papers) + repr(report.problems)
    assert [(p.kind, p.line) for p in report.problems] == [("unsafe-xml", 2), ("unsafe-xml", 5)]


def test_atom_malformed_entry_costs_only_that_entry():
    text = (
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<entry><id>http://arxiv.org/abs/2407.00001v1</id><title>One</title></entry>\n"
        "<entry><id>http://arxiv.org/abs/2407.00002v1</id>\n<title>Two <b>bad</title>\n</entry>\n"
        "<entry><id>http://arxiv.org/abs/2407.00003v1</id><title>Three</title></entry>\n"
        "</feed>\n"
    )
    papers, report, source = run("bad.xml", text)
    assert [p.title for p in papers] == ["One", "Three"]
    assert [(p.kind, p.line) for p in report.problems] == [("xml", 4)]
    assert "resumes at line 6" in report.problems[0].message
    assert report.unaccounted_lines(source.name, source.lines) == []


def test_atom_api_error_entry_is_a_problem():
    text = (
        '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>\n"
        "<title>Error</title>\n<summary>incorrect id format for 1234</summary>\n"
        "</entry>\n</feed>\n"
    )
    papers, report, _ = run("err.xml", text)
    assert papers == []
    assert [(p.kind, p.line) for p in report.problems] == [("api-error", 2)]
