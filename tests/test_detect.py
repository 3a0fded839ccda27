"""Format detection: every fixture goes to its parser; the extension is a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from papertriage.errors import InputError
from papertriage.models import ParseReport
from papertriage.parsers import FORMATS, detect_format, parse_input
from papertriage.reading import InputText, decode

FIXTURES = Path(__file__).parent / "fixtures" / "formats"

EXPECTED = {
    "arxiv-new.txt": "arxiv-listing",
    "arxiv-api.xml": "arxiv-atom",
    "arxiv-api-truncated.xml": "arxiv-atom",
    "arxiv-api-doctype.xml": "arxiv-atom",
    "zotero.bib": "bibtex",
    "scholar.bib": "bibtex",
    "arxiv.bib": "bibtex",
    "broken.bib": "bibtex",
    "export.ris": "ris",
    "broken.ris": "ris",
    "papertriage.json": "json",
    "list.json": "json",
    "broken.json": "json",
    "papertriage.jsonl": "jsonl",
    "broken.jsonl": "jsonl",
    "papertriage.csv": "csv",
    "papertriage.md": "markdown",
    "other.csv": "csv",
    "broken.csv": "csv",
    "titles.txt": "text",
    "blocks.txt": "text",
    "daily.txt": "hf-daily",
}


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_detects_fixture(name: str, expected: str):
    source = decode((FIXTURES / name).read_bytes(), name)
    assert detect_format(source) == expected


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_detects_fixture_from_stdin_without_extension(name: str, expected: str):
    source = decode((FIXTURES / name).read_bytes(), "<stdin>")
    assert detect_format(source) == expected


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_fixture_has_no_unaccounted_line(name: str, expected: str):
    source = decode((FIXTURES / name).read_bytes(), name)
    report = ParseReport()
    papers = list(parse_input(source, report))
    assert papers
    assert not [p for p in report.problems if p.kind == "unaccounted"]


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_fixture_read_as_a_file_gives_the_same_papers_as_in_memory(
    name: str, expected: str
) -> None:
    """The CLI streams files (StreamText); every parser must work on that view too."""
    from papertriage.reading import read_input

    in_memory = list(parse_input(decode((FIXTURES / name).read_bytes(), name), ParseReport()))
    source = read_input(str(FIXTURES / name))
    try:
        streamed = list(parse_input(source, ParseReport()))
    finally:
        source.close()
    assert [(p.title, p.abstract) for p in streamed] == [(p.title, p.abstract) for p in in_memory]


def test_every_format_has_a_parser():
    assert set(EXPECTED.values()) <= set(FORMATS)
    assert set(FORMATS) == {
        "hf-daily",
        "arxiv-listing",
        "arxiv-email",
        "arxiv-atom",
        "bibtex",
        "ris",
        "json",
        "jsonl",
        "csv",
        "markdown",
        "text",
    }


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("notes.bib", "A plain line\nAnother line\n", "bibtex"),  # text says nothing: extension
        ("x.ris", "One title\n", "ris"),
        ("feed.atom", "Some title\n", "arxiv-atom"),
        ("data.json", '{"title": "A"}\n{"title": "B"}\n', "jsonl"),  # JSON Lines in .json
        ("data.jsonl", '[{"title": "A"}]\n', "jsonl"),  # the text says JSON: jsonl reads it
        ("x.csv", "@article{a, title={A}}\n", "bibtex"),  # clear text beats a wrong extension
        ("<stdin>", "title,abstract\nA,b\n", "csv"),
        ("<stdin>", "Title\tAbstract\nA\tb\n", "csv"),
        ("<stdin>", "[Re] Reproducing A Paper\nAnother Title\n", "text"),
        ("<stdin>", "TY  - JOUR\nTI  - A\nER  - \n", "ris"),
        # A short pasted page: its header and a date heading are enough to know it.
        ("<stdin>", "Daily Papers\n\nJul 31\n\nA Title\n\nShort abstract.\n", "hf-daily"),
    ],
)
def test_detection_rules(name: str, text: str, expected: str):
    assert detect_format(InputText(name, text)) == expected


def test_forced_format_and_unknown_format():
    source = InputText("x.txt", "arXiv:2407.00001\nTitle: A\n")
    report = ParseReport()
    papers = list(parse_input(source, report, "text"))
    assert report.formats["x.txt"] == "text" and papers
    with pytest.raises(InputError, match="unknown input format"):
        list(parse_input(source, ParseReport(), "nope"))


def test_unaccounted_lines_become_problems():
    def leaky(source, report):
        from papertriage.models import Paper, Source

        report.add_span(source.name, 1, 1)
        yield Paper("A", sources=[Source(source.name, 1, "leaky")])

    FORMATS["leaky"] = leaky
    try:
        report = ParseReport()
        list(parse_input(InputText("x", "A\nlost line\n"), report, "leaky"))
    finally:
        del FORMATS["leaky"]
    assert [(p.line, p.kind, p.text) for p in report.problems] == [(2, "unaccounted", "lost line")]
