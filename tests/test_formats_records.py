"""JSON, JSON Lines and CSV records, papertriage's own output included (round trips)."""

from __future__ import annotations

import io
from pathlib import Path

from conftest import parse_fixture
from papertriage.formats import RunResult
from papertriage.formats.csv_format import render as render_csv
from papertriage.formats.json_format import render_json, render_jsonl
from papertriage.models import Paper, ParseReport, Source, TaggedPaper

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def run(name: str, text: str | None = None, fmt: str | None = None):
    return parse_fixture(name, text, fmt)[:2]


FIELDS = (
    "title",
    "abstract",
    "arxiv_id",
    "authors",
    "date",
    "url",
    "votes",
    "categories",
    "comments",
    "doi",
    "venue",
    "keywords",
)


def rich_papers() -> list[Paper]:
    return [
        Paper(
            title="Gradient Gardening: Pruning Transformers While They Grow",
            abstract='First paragraph, with a comma.\n\nSecond "quoted" paragraph — ünïcödé.',
            arxiv_id="2407.01234",
            authors=["Ada Quillfeather", "Bram Okonkwo"],
            date="2024-07-29",
            url="https://arxiv.org/abs/2407.01234",
            votes=41,
            sources=[Source("daily.txt", 12, "hf-daily")],
            categories=["cs.LG", "cs.CL"],
            comments="12 pages",
            doi="10.48550/arXiv.2407.01234",
            venue="Example Journal",
            keywords=["pruning", "growth"],
        ),
        Paper(
            title="=1+2 Looks Like A Formula",
            abstract="-starts with a dash",
            authors=["@handle Person"],
            sources=[Source("titles.txt", 3, "text")],
        ),
    ]


def result_of(papers: list[Paper]) -> RunResult:
    tagged = [TaggedPaper(p, {}, rank=n) for n, p in enumerate(papers, start=1)]
    return RunResult(tagged, ParseReport())


def test_papertriage_json_document():
    papers, report = run("papertriage.json")
    assert report.formats["papertriage.json"] == "json"
    assert report.problems == []
    first, second = papers
    assert first.title == "Gradient Gardening: Pruning Transformers While They Grow"
    assert first.abstract == "We prune attention heads during pretraining.\n\nA second paragraph."
    assert first.arxiv_id == "2407.01234"
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo"]
    assert first.votes == 41 and first.date == "2024-07-29"
    assert first.categories == ["cs.LG", "cs.CL"] and first.keywords == ["pruning"]
    assert first.comments == "12 pages" and first.doi == "10.48550/arXiv.2407.01234"
    assert first.sources == [
        Source("daily.txt", 12, "hf-daily"),
        Source("papertriage.json", 5, "json"),
    ]
    assert second.arxiv_id is None and second.title == "A Paper Without An arXiv Id"
    kinds = {kind for _, _, kind in report.chrome}
    assert {"json-problems", "json-stats", "json-schemaversion"} <= kinds


def test_json_list_with_other_field_names():
    papers, report = run("list.json")
    assert report.problems == []
    first, second = papers
    assert first.title == "Bandits with Knapsacks"
    assert first.abstract == "We revisit bandits."
    assert first.authors == ["Émile Zoltán", "Søren Åberg"]
    assert first.arxiv_id == "2407.00999"
    assert first.date == "2024-07-29"
    assert first.url == "https://arxiv.org/abs/2407.00999"
    assert second.title == "Old Paper, New Version"
    assert second.abstract == "A replaced paper."
    assert second.authors == ["Fay Gu", "Hal Ito"]
    assert second.date == "2023"


def test_broken_json_keeps_the_other_records():
    papers, report = run("broken.json")
    assert [p.title for p in papers] == ["Good One", "Good Two", "Good Three"]
    assert [(p.line, p.kind) for p in report.problems] == [(3, "json"), (5, "no-title")]


def test_truncated_json_keeps_complete_records():
    text = '[\n  {"title": "One"},\n  {"title": "Two"},\n  {"title": "Thr'
    papers, report = run("t.json", text)
    assert [p.title for p in papers] == ["One", "Two"]
    assert [(p.line, p.kind) for p in report.problems] == [(4, "json")]


def test_jsonl_reads_every_field():
    papers, report = run("papertriage.jsonl")
    assert report.formats["papertriage.jsonl"] == "jsonl"
    assert [p.arxiv_id for p in papers] == ["2407.01234", "2407.01240"]
    assert papers[0].categories == ["cs.LG"] and papers[0].comments == "12 pages"
    assert papers[1].votes == 3


def test_broken_jsonl_lines_are_problems():
    papers, report = run("broken.jsonl")
    assert [p.title for p in papers] == ["Line One", "Line Six"]
    assert papers[1].authors == ["Ann Lee", "Bob Ray"]
    assert [(p.line, p.kind) for p in report.problems] == [
        (2, "json"),
        (3, "json"),
        (5, "no-title"),
    ]


def test_jsonl_round_trip_keeps_every_field():
    original = rich_papers()
    stream = io.StringIO()
    render_jsonl(result_of(original), stream)
    papers, report = run("<stdin>", stream.getvalue())
    assert report.formats["<stdin>"] == "jsonl"
    assert report.problems == []
    for before, after in zip(original, papers, strict=True):
        for name in FIELDS:
            assert getattr(after, name) == getattr(before, name), name
        assert after.sources[: len(before.sources)] == before.sources
        assert after.sources[-1].format == "jsonl"


def test_json_round_trip_keeps_every_field():
    original = rich_papers()
    stream = io.StringIO()
    render_json(result_of(original), stream)
    papers, report = run("<stdin>", stream.getvalue())
    assert report.formats["<stdin>"] == "json"
    assert report.problems == []
    for before, after in zip(original, papers, strict=True):
        for name in FIELDS:
            assert getattr(after, name) == getattr(before, name), name


def test_csv_round_trip_keeps_its_columns_and_undoes_neutralising():
    original = rich_papers()
    stream = io.StringIO()
    render_csv(result_of(original), stream)
    papers, report = run("<stdin>", stream.getvalue())
    assert report.formats["<stdin>"] == "csv"
    assert report.problems == []
    for before, after in zip(original, papers, strict=True):
        for name in ("title", "abstract", "arxiv_id", "authors", "date", "url", "votes"):
            assert getattr(after, name) == getattr(before, name), name


def test_papertriage_csv_fixture():
    papers, report = run("papertriage.csv")
    assert report.problems == []
    first, second = papers
    assert first.abstract == "We prune attention heads, during pretraining.\nA second line."
    assert first.authors == ["Ada Quillfeather", "Bram Okonkwo"]
    assert first.votes == 41 and first.arxiv_id == "2407.01234"
    assert second.title == "=SUM(A1:A2) Is Not A Formula"
    assert second.authors == ["-Dash Person"]
    assert second.abstract == "+plus abstract"
    assert second.sources[0].line == 4  # the row after a two-line row


def test_csv_other_column_names_and_semicolons():
    papers, report = run("other.csv")
    assert report.problems == []
    first, second = papers
    assert first.title == "Bandits with Knapsacks"
    assert first.authors == ["Émile Zoltán", "Søren Åberg"]
    assert first.date == "2024" and first.doi == "10.1234/bwk"
    assert second.title == "Quoted; Title"
    assert second.abstract == 'An abstract with "quotes".'


def test_csv_quote_not_neutralising_is_kept():
    text = "title,abstract\n'Tis the Season,'quoted' word\n"
    papers, _ = run("q.csv", text)
    assert papers[0].title == "'Tis the Season"
    assert papers[0].abstract == "'quoted' word"


def test_broken_csv_reports_bad_quotes_and_keeps_the_rest():
    papers, report = run("broken.csv")
    assert [p.title for p in papers] == ["Good One", "Good Two", "Good Three"]
    assert [(p.line, p.kind) for p in report.problems] == [(3, "csv"), (5, "csv")]


def test_csv_without_title_column_is_a_problem():
    papers, report = run("x.csv", "foo,bar\n1,2\n", "csv")
    assert papers == []
    assert [(p.line, p.kind) for p in report.problems] == [(1, "csv")]
