"""The table on a terminal shows what a person reads: at most TERMINAL_ROWS rows and a line
saying how many more there are; piped, it shows every row."""

from __future__ import annotations

import io
import re

from papertriage.formats import RunResult
from papertriage.formats.table import TERMINAL_ROWS, render
from papertriage.models import Paper, ParseReport, TaggedPaper


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _papers(n: int, ranked: bool) -> list[TaggedPaper]:
    return [
        TaggedPaper(
            Paper(title=f"Paper number {i:05d}", abstract="x"),
            {},
            relevance=(i * 37 % 101) / 100,
            rank=i + 1 if ranked else None,
        )
        for i in range(n)
    ]


def _titles(text: str) -> list[str]:
    return re.findall(r"Paper number (\d{5})", text)


def test_terminal_shows_first_rows_of_a_ranked_list_and_counts_the_rest(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    render(RunResult(_papers(TERMINAL_ROWS + 12, ranked=True), ParseReport()), stream)
    out = stream.getvalue()
    assert _titles(out) == [f"{i:05d}" for i in range(TERMINAL_ROWS)]
    assert f"12 more not shown (the {TERMINAL_ROWS} first above)" in out


def test_terminal_shows_the_best_of_a_streamed_run_in_input_order(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    papers = _papers(500, ranked=False)
    result = RunResult(iter(papers), ParseReport())  # streamed: every paper is still read
    stream = _Terminal()
    render(result, stream)
    out = stream.getvalue()
    best = sorted(papers, key=lambda t: (-t.relevance, t.paper.title))[:TERMINAL_ROWS]
    expected = sorted(t.paper.title[-5:] for t in best)
    assert _titles(out) == expected
    assert f"450 more not shown (the {TERMINAL_ROWS} best by score above)" in out
    assert result.written == 500


def test_piped_table_shows_every_row():
    stream = io.StringIO()
    render(RunResult(_papers(TERMINAL_ROWS + 12, ranked=True), ParseReport()), stream)
    assert len(_titles(stream.getvalue())) == TERMINAL_ROWS + 12
    assert "not shown" not in stream.getvalue()
