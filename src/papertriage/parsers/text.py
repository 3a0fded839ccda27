"""Plain text, the last resort: one title per line, or title/abstract blocks.

Blocks are separated by blank lines. A block of short title-like lines is a list of titles, one
paper a line. A block whose first line is a title and whose other lines read as prose is one
paper: the title and its abstract (wrapped lines are joined). A block of prose alone is the
abstract of the title block just before it (titles and abstracts separated by blank lines), or
the next paragraph of that abstract. arXiv ids and URLs on their own line go to the paper above
them; comment lines (``#``, ``%``, ``//``) and separator lines (``----``) are chrome.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import ARXIV_IN_LINE, URL, excerpt
from papertriage.reading import InputText

NAME = "text"
MAX_TITLE = 300
_COMMENT = re.compile(r"^(?:#|%|//)")
_SEPARATOR = re.compile(r"^[\W_]+$")
_BULLET = re.compile(r"^(?:[-*•·]\s+|\d{1,4}[.)]\s+)")


def is_title_like(line: str) -> bool:
    if len(line) > MAX_TITLE or URL.search(line):
        return False
    return not (line.endswith(".") and not line.endswith("..."))


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line:
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    current: Paper | None = None
    current_last = 0

    def close() -> Paper | None:
        nonlocal current
        paper = current
        if paper is not None:
            report.add_span(source.name, paper.sources[0].line, current_last)
        current = None
        return paper

    def start(number: int, title: str) -> Paper | None:
        nonlocal current, current_last
        previous = close()
        current = Paper(title=_BULLET.sub("", title), sources=[Source(source.name, number, NAME)])
        current_last = number
        return previous

    for block in _blocks(source.lines):
        content: list[tuple[int, str]] = []
        for number, line in block:
            if _COMMENT.match(line):
                report.add_chrome(source.name, number, "comment")
            elif _SEPARATOR.match(line):
                report.add_chrome(source.name, number, "separator")
            else:
                content.append((number, line))
        if not content:
            continue
        prose = [n for n, line in content[1:] if not is_title_like(line)]
        ids = [ARXIV_IN_LINE.match(line) for _, line in content]
        if not is_title_like(content[0][1]) and not ids[0]:
            # A paragraph without a title: the abstract (or its next paragraph) of the paper above.
            if current is None:
                first, last = content[0][0], content[-1][0]
                report.add(
                    Problem(
                        source.name,
                        first,
                        "unplaced",
                        "a paragraph before any title could not be placed in a paper",
                        excerpt(content[0][1]),
                    )
                )
                report.add_span(source.name, first, last, "problem")
                continue
            paragraph = " ".join(line for _, line in content)
            current.abstract = (
                f"{current.abstract}\n\n{paragraph}" if current.abstract else paragraph
            )
            current_last = content[-1][0]
            continue
        if prose or (len(content) == 2 and len(content[1][1]) > 120):
            # Title and abstract.
            number, title = content[0]
            if (previous := start(number, title)) is not None:
                yield previous
            assert current is not None
            abstract: list[str] = []
            for (n, line), id_match in zip(content[1:], ids[1:]):
                if id_match:
                    current.arxiv_id = current.arxiv_id or id_match["id"]
                    if line.startswith("http"):
                        current.url = current.url or line
                else:
                    abstract.append(line)
                current_last = n
            current.abstract = " ".join(abstract)
            continue
        # A list of titles, one a line (with ids on their own lines for the title above).
        for (number, line), id_match in zip(content, ids):
            if id_match:
                if current is None:
                    report.add(
                        Problem(
                            source.name,
                            number,
                            "unplaced",
                            "an arXiv id before any title could not be placed in a paper",
                            excerpt(line),
                        )
                    )
                    continue
                current.arxiv_id = current.arxiv_id or id_match["id"]
                if line.startswith("http"):
                    current.url = current.url or line
                current_last = number
                continue
            if (previous := start(number, line)) is not None:
                yield previous
    if (previous := close()) is not None:
        yield previous
