"""Markdown: papertriage's own ``--format md`` output, and notes written the same way.

A paper is a heading (``## 3. Title`` or ``## Title``) followed by its paragraphs, which are its
abstract. The ranking table that ``--format md`` prints first and a meta line in italics under a
heading (``*score 0.91 · themes: ... · arXiv: [ID](...) · listed DATE*``) are read as what they
are: the table is chrome, the meta line gives the arXiv id and the date back. Headings of a level
above the papers' (``# My reading list``) are chrome too. Cells and headings written with
``\\|`` and ``\\\\`` escapes are unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Source, clean_arxiv_id
from papertriage.parsers.common import normalise_space
from papertriage.reading import InputText

NAME = "markdown"

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED = re.compile(r"^\d+\.\s+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_META = re.compile(r"^\*score [0-9.]+(?: · .*)?\*$")
_META_ARXIV = re.compile(r"arXiv: \[([^\]]+)\]")
_META_DATE = re.compile(r"listed (\d{4}-\d{2}(?:-\d{2})?)")
_ESCAPE = re.compile(r"\\([\\|])")


def unescape(text: str) -> str:
    r"""Undo the markdown writer's cell escapes: ``\|`` -> ``|``, ``\\`` -> ``\``."""
    return _ESCAPE.sub(r"\1", text)


def paper_level(lines: list[str]) -> int | None:
    """The heading level that holds the papers: the deepest level used, where titles are."""
    levels = {len(m.group(1)) for line in lines if (m := HEADING.match(line))}
    return max(levels) if levels else None


def looks_like(sample: str) -> bool:
    """papertriage's own markdown: numbered ``## N. title`` headings with their meta lines."""
    lines = sample.split("\n")
    headings = sum(1 for line in lines if re.match(r"^## \d+\. \S", line))
    metas = sum(1 for line in lines if _META.match(line.strip()))
    return headings >= 1 and metas >= 1


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    lines = list(source.lines)
    level = paper_level(lines)
    if level is None:
        return
    current: Paper | None = None
    paragraph: list[str] = []
    abstract: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            abstract.append(" ".join(paragraph))
            paragraph.clear()

    def finish() -> Paper | None:
        close_paragraph()
        if current is None:
            return None
        current.abstract = normalise_space(" ".join(abstract))
        abstract.clear()
        return current

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        heading = HEADING.match(line)
        if heading:
            done = finish()
            if done is not None:
                yield done
            current = None
            if len(heading.group(1)) != level:
                report.add_chrome(source.name, number, "heading")
                continue
            title = normalise_space(unescape(_NUMBERED.sub("", heading.group(2), count=1)))
            if not title:
                report.add_chrome(source.name, number, "heading")
                continue
            current = Paper(title=title)
            current.sources = [Source(source.name, number, NAME)]
            continue
        if current is None:
            if line:
                report.add_chrome(
                    source.name, number, "table" if _TABLE_ROW.match(line) else "text"
                )
            continue
        if not line:
            close_paragraph()
            continue
        if _META.match(line) and not abstract and not paragraph:
            found = _META_ARXIV.search(line)
            if found:
                current.arxiv_id = clean_arxiv_id(found.group(1))
                current.url = None
            date = _META_DATE.search(line)
            if date:
                current.date = date.group(1)
            continue
        paragraph.append(line)
    done = finish()
    if done is not None:
        yield done
