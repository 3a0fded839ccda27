"""RIS records."""

from __future__ import annotations

from pathlib import Path

from conftest import parse_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def run(name: str, text: str | None = None, fmt: str | None = None):
    return parse_fixture(name, text, fmt)[:2]


def test_ris_reads_every_field():
    papers, report = run("export.ris")
    assert report.formats["export.ris"] == "ris"
    assert report.problems == []
    first, second = papers
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo"]
    assert first.date == "2024-07-29"  # DA is fuller than PY
    assert first.abstract == "We prune attention heads during pretraining instead of after it."
    assert first.doi == "10.48550/arXiv.2407.01234"
    assert first.arxiv_id == "2407.01234"
    assert first.url == "http://arxiv.org/abs/2407.01234"
    assert first.keywords == ["pruning", "transformers"]
    assert first.venue == "arXiv preprint"
    assert first.comments == "12 pages"
    assert first.sources[0].line == 1
    assert second.title == "A Note on Calibrated Retrieval"  # T1
    assert second.authors == ["Dana Ilves"]  # A1
    assert second.date == "2024"  # Y1 2024///
    assert second.abstract == "Retrieval scores are rarely calibrated; we show a two-parameter fix."
    assert second.venue == "Proceedings of the Example Workshop"  # T2
    assert second.arxiv_id == "2407.01240"  # M3
    assert second.sources[0].line == 16


def test_ris_missing_er_or_title_reported_with_line():
    papers, report = run("broken.ris")
    assert [p.title for p in papers] == [
        "Good Record One",
        "Record Without ER",
        "Good Record Two",
        "Truncated At The End",
    ]
    assert [(p.line, p.kind) for p in report.problems] == [
        (5, "no-title"),
        (9, "ris"),
        (15, "unplaced"),
        (16, "ris"),
    ]


def test_ris_crlf_and_provider_header():
    text = "Provider: Example\r\nTY  - GEN\r\nTI  - Windows Lines\r\nER  - \r\n"
    papers, report = run("x.ris", text)
    assert [p.title for p in papers] == ["Windows Lines"]
    assert report.problems == []
    assert [(line, kind) for _, line, kind in report.chrome] == [(1, "header")]
