"""``csv``: one row a paper, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import TextIO

from papertriage.formats import Rendered, RunResult
from papertriage.models import TaggedPaper

COLUMNS = [
    "rank",
    "score",
    "id",
    "title",
    "themes",
    "theme_scores",
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
    "abstract",
    "source",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix cells a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _row(tagged: TaggedPaper) -> list[str]:
    paper = tagged.paper
    themes = tagged.themes
    source = paper.sources[0] if paper.sources else None
    row = [
        "" if tagged.rank is None else str(tagged.rank),
        f"{tagged.relevance:.4f}",
        paper.id,
        paper.title,
        ";".join(s.theme for s in themes),
        ";".join(f"{s.theme}={s.score:.3f}" for s in themes),
        paper.arxiv_id or "",
        "; ".join(paper.authors),
        paper.date or "",
        paper.url or "",
        "" if paper.votes is None else str(paper.votes),
        "; ".join(paper.categories),
        paper.comments or "",
        paper.doi or "",
        paper.venue or "",
        "; ".join(paper.keywords),
        paper.abstract,
        f"{source.file}:{source.line}" if source else "",
    ]
    return [neutralise(cell) for cell in row]


def record(tagged: TaggedPaper) -> str:
    """One paper's row as CSV text."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(_row(tagged))
    return buffer.getvalue()


def render(result: RunResult, stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for tagged in result.papers:
        if isinstance(tagged, Rendered):
            stream.write(tagged.text)
        else:
            writer.writerow(_row(tagged))
