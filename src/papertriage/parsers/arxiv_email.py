"""The arXiv daily e-mail digest, as arXiv mails it to subscribers.

A mail header and a preamble come first, then the entries, each between lines of two
backslashes::

    \\\\
    arXiv:2407.01234
    Date: Mon, 29 Jul 2024 18:02:11 GMT   (1234kb,D)

    Title: A Title That May
      Wrap Over Lines
    Authors: Ada Lovelace, Alan Turing and
      Grace Hopper
    Categories: cs.LG cs.AI
    Comments: 12 pages
    License: http://creativecommons.org/licenses/by/4.0/
    \\\\
      The abstract, hard-wrapped at about 80 columns, in one
    or more paragraphs.
    \\\\ ( https://arxiv.org/abs/2407.01234 ,  1234kb)

``%%--%%--%%`` lines come before the cross-lists and before the replacements. A cross-list's
identifier line says ``(*cross-listing*)``; a replacement's says ``replaced with revised version
<date>`` (on the identifier line in parentheses, or on the line after it) and usually has no
abstract. Replacements are marked in `Paper.comments` (``replaced with revised version ...``
first, the entry's own comments after it). Everything outside the entries (header, preamble,
separators, the footer) is chrome; an entry cut short is read as far as it goes, and an entry
without a title is a problem with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import (
    account_entry,
    excerpt,
    normalise_space,
    split_authors,
    to_iso_date,
)
from papertriage.parsers.text import join_lines
from papertriage.reading import InputText

NAME = "arxiv-email"

BACKSLASHES = re.compile(r"^\\\\$")
ENTRY = re.compile(
    r"^arXiv:(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?:\s*\((?P<note>[^)]*)\)?)?\s*$", re.IGNORECASE
)
CLOSING = re.compile(
    r"^\\\\\s*\(\s*(?P<url>https?://\S+?)\s*,\s*(?P<size>[\d.]+\s*[kKmM]b)?\s*\)\s*$"
)
FIELD = re.compile(
    r"^(?P<label>Date|Title|Authors?|Categories|Comments?|Journal-ref|DOI|License|"
    r"MSC-class|ACM-class|Report-no|Proxy|From):\s*(?P<value>.*)$",
    re.IGNORECASE,
)
REPLACED = re.compile(r"^replaced with revised version\b.*$", re.IGNORECASE)
_SIZE = re.compile(r"\s*\(\d[\d.]*\s*[kKmM]b(?:,\w+)*\)\s*$")
# Lines that, outside an entry, still look like a piece of one: reported, not skipped.
_PIECE = re.compile(r"^(?:arXiv:\s*\d|Title:|Authors?:)", re.IGNORECASE)


@dataclass
class _Entry:
    arxiv_id: str
    line: int
    last: int
    note: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    label: str | None = None
    abstract: list[str] = field(default_factory=list)
    in_abstract: bool = False
    url: str | None = None


def _label(raw: str) -> str:
    low = raw.lower()
    return {"author": "authors", "comment": "comments"}.get(low, low)


def _paper(entry: _Entry, name: str) -> Paper | None:
    def value(label: str) -> str | None:
        parts = entry.fields.get(label)
        return normalise_space(join_lines(parts)) if parts else None

    title = value("title")
    if not title:
        return None
    date_text = value("date") or ""
    replaced = entry.note if entry.note.lower().startswith("replaced") else ""
    if not date_text and replaced:
        date_text = replaced.split("version", 1)[-1]
    comments = [c for c in (normalise_space(_SIZE.sub("", replaced)), value("comments")) if c]
    doi = value("doi")
    url = entry.url or f"https://arxiv.org/abs/{entry.arxiv_id}"
    return Paper(
        title=title,
        # Wrapped lines as everywhere: a compound broken at its hyphen is one word again.
        abstract=normalise_space(join_lines(entry.abstract)) if entry.abstract else "",
        arxiv_id=entry.arxiv_id,
        authors=split_authors(value("authors")),
        date=to_iso_date(_SIZE.sub("", date_text)),
        url=url,
        sources=[Source(name, entry.line, NAME)],
        categories=(value("categories") or "").split(),
        comments="; ".join(comments) or None,
        doi=doi.split()[0] if doi else None,
        venue=value("journal-ref"),
    )


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    entry: _Entry | None = None
    opened = False  # a `\\` line was seen and no entry has started after it yet

    def finish(current: _Entry) -> Paper | None:
        paper = _paper(current, source.name)
        return account_entry(
            report, source.name, current.line, current.last, current.arxiv_id, paper
        )

    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            if entry is not None and not entry.in_abstract:
                entry.label = None
            continue
        closing = CLOSING.match(line)
        if closing:
            if entry is None:
                report.add_chrome(source.name, number, "entry-end")
                continue
            entry.url = closing["url"].rstrip(",")
            entry.last = number
            if (paper := finish(entry)) is not None:
                yield paper
            entry = None
            opened = False
            continue
        if BACKSLASHES.match(line):
            if entry is not None and not entry.in_abstract and entry.fields:
                entry.in_abstract = True  # the `\\` between the fields and the abstract
                entry.last = number
                continue
            if entry is not None:
                # A `\\` that opens the next entry: this one lost its closing line.
                if (paper := finish(entry)) is not None:
                    yield paper
                entry = None
            report.add_chrome(source.name, number, "separator")
            opened = True
            continue
        header = ENTRY.match(line)
        if header and (opened or entry is None or entry.in_abstract is False):
            if entry is not None and (paper := finish(entry)) is not None:
                yield paper
            entry = _Entry(header["id"], number, number, (header["note"] or "").strip())
            opened = False
            continue
        if entry is None:
            if _PIECE.match(line) or opened:
                report.add(
                    Problem(
                        source.name,
                        number,
                        "arxiv-email",
                        "text outside the entries (an entry is arXiv:ID after a \\\\ line)",
                        excerpt(line),
                    )
                )
            else:
                report.add_chrome(source.name, number, "mail")
            continue
        entry.last = number
        if entry.in_abstract:
            entry.abstract.append(line)
            continue
        if not entry.fields and REPLACED.match(line):
            entry.note = line
            continue
        labelled = FIELD.match(line)
        if labelled and not (raw[:1].isspace() and entry.label):
            label = _label(labelled["label"])
            entry.fields.setdefault(label, []).append(labelled["value"])
            entry.label = label
            continue
        if entry.label is not None:
            entry.fields[entry.label].append(line)  # an indented continuation line
            continue
        if "title" in entry.fields:
            # Text after the fields without the `\\` line before it: the abstract.
            entry.in_abstract = True
            entry.abstract.append(line)
            continue
        report.add(
            Problem(
                source.name,
                number,
                "arxiv-email",
                f"line of entry {entry.arxiv_id} is no field and comes before its title",
                excerpt(line),
            )
        )

    if entry is not None and (paper := finish(entry)) is not None:
        yield paper


def looks_like(sample: str) -> bool:
    """An e-mail digest: `\\` lines, `arXiv:ID` lines and `\\ ( https://arxiv.org/abs/...`."""
    lines = [line.strip() for line in sample.split("\n")]
    backslashes = sum(1 for line in lines if BACKSLASHES.match(line))
    entries = sum(1 for line in lines if ENTRY.match(line))
    closings = sum(1 for line in lines if CLOSING.match(line))
    categories = sum(1 for line in lines if line.startswith("Categories:"))
    return backslashes >= 1 and entries >= 1 and (closings >= 1 or categories >= 1)
