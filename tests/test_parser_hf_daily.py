"""The Daily Papers parser: exact titles and abstracts, chrome skipped, nothing dropped silently."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import DAILY, DAILY_TITLES, FIXTURES
from papertriage.models import ParseReport, title_hash
from papertriage.parsers import hf_daily
from papertriage.parsers.common import parse_date_heading
from papertriage.reading import decode

LANTERN_ABSTRACT = (
    "Tool-using agents built on large language models often give up when an API call fails. "
    "We present Lantern, an agent framework that reads the error message, plans a repair and "
    "retries the call. Across three agent benchmarks it completes more tasks than agents that "
    "stop after the first error."
)
PEBBLES_PARAGRAPHS = [
    "Vision models answer questions about single photographs well but struggle to count. We "
    "release a benchmark of spatial puzzles with pebbles on a grid and find that accuracy falls "
    "sharply as the number of objects grows.",
    "Both open and closed models fail in the same way, which points to the image encoder rather "
    "than the language model.",
]
CHROME = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
    "Jul 31",
    "Jul 30",
    "Submitted by",
    "quokka-lab",
    "Submitted by maple_fox",
    "Upvote",
    "57",
    "· 7 authors",
    "· 3 authors",
}


def parse_text(text: str, name: str = "page.txt"):
    report = ParseReport()
    papers = list(hf_daily.parse(decode(text.encode("utf-8"), name), report))
    return papers, report


def daily_text() -> str:
    return DAILY.read_text(encoding="utf-8")


def test_titles_are_exactly_the_papers_of_the_page():
    papers, report = parse_text(daily_text())
    assert [p.title for p in papers] == DAILY_TITLES
    assert report.problems == []


def test_abstracts_are_exact():
    papers = {p.title: p for p in parse_text(daily_text())[0]}
    assert papers[DAILY_TITLES[0]].abstract == LANTERN_ABSTRACT
    assert papers[DAILY_TITLES[1]].abstract.startswith("Knowledge distillation trains a small")
    assert papers[DAILY_TITLES[1]].abstract.endswith("for a fraction of the labels.")
    # Two paragraphs stay two paragraphs, each exactly as on the page.
    assert papers[DAILY_TITLES[3]].abstract.split("\n\n") == PEBBLES_PARAGRAPHS
    assert papers[DAILY_TITLES[4]].abstract == (
        "We train tiny transformers on sums and watch them forget carry rules when trained on "
        "new digits. A simple replay buffer prevents it."
    )


def test_every_abstract_paragraph_is_a_line_of_the_page():
    text = daily_text()
    page_lines = {line.strip() for line in text.splitlines() if line.strip()}
    for paper in parse_text(text)[0]:
        assert paper.abstract, paper.title
        for paragraph in paper.abstract.split("\n\n"):
            assert paragraph in page_lines


def test_chrome_never_becomes_a_title_or_part_of_an_abstract():
    papers, report = parse_text(daily_text())
    for paper in papers:
        assert paper.title not in CHROME
        for paragraph in paper.abstract.split("\n\n"):
            assert paragraph not in CHROME
    chrome_lines = {line for _, line, _ in report.chrome}
    for number, line in enumerate(daily_text().splitlines(), start=1):
        if line.strip() in CHROME:
            assert number in chrome_lines, (number, line)


def test_no_line_is_dropped_silently():
    """Every non-blank line is chrome, a problem, or text of a paper."""
    text = daily_text()
    papers, report = parse_text(text)
    chrome = {line for _, line, _ in report.chrome}
    problems = {p.line for p in report.problems}
    used = {p.title for p in papers}
    used |= {para for p in papers for para in p.abstract.split("\n\n")}
    ids = {p.arxiv_id for p in papers if p.arxiv_id}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or number in chrome or number in problems or line in used:
            continue
        assert any(i in line for i in ids), f"line {number} dropped: {line!r}"


@pytest.mark.parametrize("layout", ["as-is", "no-blank-lines", "blank-after-every-line"])
def test_with_and_without_blank_lines(layout):
    lines = daily_text().splitlines()
    if layout == "no-blank-lines":
        lines = [line for line in lines if line.strip()]
    elif layout == "blank-after-every-line":
        lines = [part for line in lines if line.strip() for part in (line, "")]
    papers, report = parse_text("\n".join(lines))
    assert [p.title for p in papers] == DAILY_TITLES
    assert papers[0].abstract == LANTERN_ABSTRACT
    assert papers[3].abstract.split("\n\n") == PEBBLES_PARAGRAPHS
    assert report.problems == []


def test_date_headings_give_the_listing_date():
    papers = parse_text(daily_text())[0]
    dates = [p.date for p in papers]
    assert all(d and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates), dates
    assert [d[5:] for d in dates] == ["07-31", "07-31", "07-30", "07-30", "07-30"]
    # A heading without a year is the latest such day that is not in the future.
    latest = dt.date.fromisoformat(dates[0])
    today = dt.date.today()
    assert latest <= today + dt.timedelta(days=1)
    assert latest > today - dt.timedelta(days=367)


def test_full_date_heading():
    papers = parse_text("Daily Papers\nJuly 31, 2023\nA Study of Things\nWe study things.")[0]
    assert papers[0].date == "2023-07-31"


@pytest.mark.parametrize(
    "heading, today, expected",
    [
        ("Jul 31", dt.date(2025, 8, 10), "2025-07-31"),
        ("Jul 31", dt.date(2025, 1, 5), "2024-07-31"),  # copied in January: last year's July
        ("Dec 31", dt.date(2025, 12, 31), "2025-12-31"),
        ("July 31, 2023", dt.date(2025, 1, 5), "2023-07-31"),
        ("2024-02-29", dt.date(2025, 1, 5), "2024-02-29"),
        ("Feb 30", dt.date(2025, 1, 5), None),
        ("July Networks for Tides", dt.date(2025, 1, 5), None),
    ],
)
def test_parse_date_heading(heading, today, expected):
    assert parse_date_heading(heading, today=today) == expected


def test_votes_are_attached_to_their_paper():
    papers = parse_text(daily_text())[0]
    assert [p.votes for p in papers] == [57, 23, 12, 4, 1]


def test_arxiv_id_lines_give_the_id():
    papers = {p.title: p for p in parse_text(daily_text())[0]}
    orchard = papers[DAILY_TITLES[2]]
    assert orchard.arxiv_id == "2407.01234"
    assert orchard.id == "2407.01234"
    assert "arxiv" not in orchard.abstract.lower()
    assert all(papers[t].arxiv_id is None for t in DAILY_TITLES if t != DAILY_TITLES[2])


@pytest.mark.parametrize(
    "line",
    [
        "https://arxiv.org/abs/2408.00042",
        "https://arxiv.org/abs/2408.00042v3",
        "https://arxiv.org/pdf/2408.00042",
        "https://huggingface.co/papers/2408.00042",
        "arXiv:2408.00042",
    ],
)
def test_arxiv_id_line_forms(line):
    text = f"Daily Papers\nJul 2\nSignals in the Noise\n{line}\nWe find signals in noise."
    papers, report = parse_text(text)
    assert [(p.title, p.arxiv_id, p.abstract) for p in papers] == [
        ("Signals in the Noise", "2408.00042", "We find signals in noise.")
    ]
    assert report.problems == []


def test_ids_are_stable_hashes_of_the_normalised_title():
    papers = parse_text(daily_text())[0]
    lantern = papers[0]
    assert re.fullmatch(r"[0-9a-f]{12}", lantern.id)
    # The same title with other case, spacing and punctuation gives the same id.
    assert lantern.id == title_hash(
        "lantern - teaching tool using agents to recover from failed API calls"
    )
    assert lantern.id != papers[1].id
    assert [p.id for p in parse_text(daily_text())[0]] == [p.id for p in papers]


def test_source_is_file_title_line_and_format():
    text = daily_text()
    numbers = {line: n for n, line in enumerate(text.splitlines(), start=1)}
    for paper in parse_text(text, "daily.txt")[0]:
        assert [(s.file, s.line, s.format) for s in paper.sources] == [
            ("daily.txt", numbers[paper.title], "hf-daily")
        ]


def test_text_that_cannot_be_placed_is_a_problem_with_its_line():
    text = (FIXTURES / "unplaced.txt").read_text(encoding="utf-8")
    papers, report = parse_text(text, "unplaced.txt")
    assert [p.title for p in papers] == ["Sundial: Forecasting Tides with Graph Networks"]
    assert papers[0].abstract.startswith("We model a coastline as a graph")
    assert [(p.file, p.line, p.kind) for p in report.problems] == [("unplaced.txt", 3, "unplaced")]
    assert report.problems[0].text.startswith("This page was saved from a browser")
    assert "unplaced.txt:3:" in str(report.problems[0])


@pytest.mark.parametrize(
    "chrome",
    [
        "Upvote",
        "42",
        "· 12 authors",
        "1 author",
        "Submitted by",
        "Submitted by someone_else",
        "Get trending papers in your email inbox!",
        "byAK and the research community",
        "Daily Papers",
        "Subscribe",
        "new",
    ],
)
def test_chrome_between_title_and_abstract_is_skipped(chrome):
    text = f"Jul 9\nUpvote\n7\nTide Tables as Graphs\n{chrome}\nWe treat tide tables as graphs."
    papers, report = parse_text(text)
    assert [(p.title, p.abstract) for p in papers] == [
        ("Tide Tables as Graphs", "We treat tide tables as graphs.")
    ]
    assert report.problems == []


CARDS = """\
new
Get trending papers in your email inbox!
Subscribe
Daily Papers
byAK and the research community
Jul 31
Submitted by
someone
Upvote
5
Harbour Tides Revisited
We revisit tides and find that they rise and fall twice a day in most harbours.
Upvote
4
No Free Lunch for Tide Tables.
We show that no tide table is best for every harbour, then we give a better one.
Upvote
3
Short Abstracts Exist
A tiny abstract without a final period (code released)
Upvote
2
Last Card Here
Final abstract here.
"""


def test_vote_counts_start_cards_whatever_the_title_looks_like():
    """A title ending in '.' and a short abstract without one are still read right, because
    every card of this page starts with its vote count."""
    papers, report = parse_text(CARDS)
    assert [(p.votes, p.title, p.abstract) for p in papers] == [
        (
            5,
            "Harbour Tides Revisited",
            "We revisit tides and find that they rise and fall twice a day in most harbours.",
        ),
        (
            4,
            "No Free Lunch for Tide Tables.",
            "We show that no tide table is best for every harbour, then we give a better one.",
        ),
        (3, "Short Abstracts Exist", "A tiny abstract without a final period (code released)"),
        (2, "Last Card Here", "Final abstract here."),
    ]
    assert report.problems == []
