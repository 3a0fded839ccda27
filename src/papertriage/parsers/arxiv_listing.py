"""arXiv listing pages ("new submissions", "recent") copied from a browser as text.

An entry starts at its identifier line and carries labelled fields, then (on "new" pages) the
abstract paragraph::

    [1] arXiv:2407.01234 [pdf, html, other]
    Title: A Title That May
      Wrap Over Lines
    Authors: Ada Lovelace, Alan Turing
    Comments: 12 pages, 3 figures
    Subjects: Machine Learning (cs.LG); Computation and Language (cs.CL)
    Abstract paragraph ...

Around the entries is listing chrome: section headings ("New submissions (showing 12 of 12
entries)", "Cross-lists", "Replacements"), date lines ("Mon, 29 Jul 2024"), "Total of N
entries", navigation. Chrome is recorded with its line; every other line is in an entry or in a
reported problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import (
    account_entry,
    excerpt,
    find_arxiv_id,
    normalise_space,
    to_iso_date,
)
from papertriage.parsers.text import join_lines
from papertriage.reading import InputText

NAME = "arxiv-listing"

ENTRY = re.compile(
    r"^(?:\[\d+\]\s*)?arXiv:(?P<id>\d{4}\.\d{4,5})(?:v\d+)?"
    r"(?:\s*\((?P<note>[^)]*)\))?(?:\s*\[[^\]]*\])?\s*$",
    re.IGNORECASE,
)
FIELD = re.compile(
    r"^(?P<label>Title|Authors?|Comments?|Subjects?|Journal-ref|DOI|MSC-class|ACM-class|"
    r"Report-no|Abstract):\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_CATEGORY = re.compile(r"\(([a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?)\)")
_SUBJECT_CONTINUATION = re.compile(r"^[A-Za-z][\w ,&\-]*\s\([a-z\-]+(?:\.[A-Za-z\-]+)?\)\s*(?:;|$)")
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_DATE_LINE = re.compile(
    rf"^(?:(?:New submissions|Cross-lists|Cross submissions|Replacements|Replacement submissions)"
    rf"\s+for\s+)?{_WEEKDAY},?\s+(?P<date>\d{{1,2}}\s+[A-Za-z]{{3,9}}\.?\s+\d{{2,4}})"
    rf"(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
# Chrome that cannot be mistaken for a line of an abstract; it also ends the entry before it.
_STRONG = [
    (
        re.compile(
            r"^(?:new submissions|cross-?lists?|cross submissions|replacements|"
            r"replacement submissions)(?:\s*\(.*\))?(?:\s+for\s+.*)?$",
            re.I,
        ),
        "section",
    ),
    (re.compile(r"^\[?\s*total of \d+ entries.*$", re.I), "counter"),
    (re.compile(r"^\[?\s*showing (?:up to |first )?\d+ .*entries.*$", re.I), "counter"),
    (re.compile(r"^(?:(?:Title|Authors?|Abstract|Comments?|Subjects?):\s*){2,}$", re.I), "heading"),
]
# Chrome inside an entry that does not end it.
_IN_ENTRY = [
    (re.compile(r"^\[\d+\]$"), "numbering"),
    (
        re.compile(
            r"^\[(?:pdf|ps|html|other|src|abs)(?:\s*,\s*(?:pdf|ps|html|other|src|abs))*\]$", re.I
        ),
        "links",
    ),
]
# Page furniture outside entries (before the first, between sections, after the last).
_OUTSIDE = [
    (re.compile(r"^(?:authors and titles|titles and authors)\b.*$", re.I), "heading"),
    (re.compile(r"^(?:Title|Authors?|Comments?|Subjects?|Journal-ref):\s*$", re.I), "label"),
    (
        re.compile(
            r"^(?:computer science|mathematics|physics|statistics|quantitative \w+|"
            r"electrical engineering[\w ]*|economics)\s*>\s*.+$",
            re.I,
        ),
        "category",
    ),
    (re.compile(r"^(?:[\w ]{1,30}\|)+[\w ]{1,30}$"), "navigation"),
]
_BROKEN_HEADER = re.compile(r"^(?:\[|arxiv:)", re.IGNORECASE)
# An entry line cut short (at the end of a truncated copy): the start of an identifier line or
# of a field label. Such a line is reported instead of being read into the entry above it.
_PARTIAL_HEADER = re.compile(
    r"^(?:\[\d*\]?\s*)?(?:arxiv:\s*[\d.]*(?:v\d*)?\s*(?:\([^)]*\)?)?\s*(?:\[[^\]]*)?"
    r"|a(?:r(?:x(?:iv?)?)?)?)$",
    re.IGNORECASE,
)
_LABELS = ("Title", "Authors", "Comments", "Subjects", "Journal-ref", "Abstract")
_PARTIAL_LABELS = {label[:n] for label in _LABELS for n in range(1, len(label) + 1)}
_MAX_FURNITURE = 100  # a short line outside entries (page title, footer link) is furniture
_CONTINUED = frozenset({"title", "authors", "comments", "journal-ref"})  # fields that wrap


def chrome_kind(line: str, in_entry: bool = False) -> tuple[str, bool] | None:
    """(kind, ends_entry) for a chrome line, else None."""
    if _DATE_LINE.match(line):
        return "date", True
    for pattern, kind in _STRONG:
        if pattern.match(line):
            return kind, True
    for pattern, kind in _IN_ENTRY:
        if pattern.match(line):
            return kind, False
    if not in_entry:
        for pattern, kind in _OUTSIDE:
            if pattern.match(line):
                return kind, False
    return None


@dataclass
class _Entry:
    arxiv_id: str
    line: int
    last: int
    date: str | None
    fields: dict[str, list[str]] = field(default_factory=dict)
    abstract: list[str] = field(default_factory=list)
    label: str | None = None  # the field that continuation lines extend


def _categories(subjects: str) -> list[str]:
    found: list[str] = []
    for category in _CATEGORY.findall(subjects):
        if category not in found:
            found.append(category)
    return found


def _paper(entry: _Entry, name: str) -> Paper | None:
    def value(label: str) -> str | None:
        parts = entry.fields.get(label)
        return normalise_space(join_lines(parts)) if parts else None

    title = value("title")
    if not title:
        return None
    authors_text = value("authors") or ""
    authors = [a.strip() for a in re.split(r",|\band\b", authors_text) if a.strip()]
    doi = value("doi")
    return Paper(
        title=title,
        # Wrapped lines as everywhere: a compound broken at its hyphen is one word again.
        abstract=normalise_space(join_lines(entry.abstract)) if entry.abstract else "",
        arxiv_id=entry.arxiv_id,
        authors=authors,
        date=entry.date,
        url=f"https://arxiv.org/abs/{entry.arxiv_id}",
        sources=[Source(name, entry.line, NAME)],
        categories=_categories(value("subjects") or ""),
        comments=value("comments"),
        doi=doi.split()[0] if doi else None,
        venue=value("journal-ref"),
    )


def _label(raw: str) -> str:
    low = raw.lower()
    return {"author": "authors", "comment": "comments", "subject": "subjects"}.get(low, low)


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    entry: _Entry | None = None
    listing_date: str | None = None

    def finish(current: _Entry) -> Paper | None:
        paper = _paper(current, source.name)
        return account_entry(
            report, source.name, current.line, current.last, current.arxiv_id, paper
        )

    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            if entry is not None:
                entry.label = None if entry.label != "abstract" else "abstract"
            continue
        header = ENTRY.match(line)
        if header:
            if entry is not None and (paper := finish(entry)) is not None:
                yield paper
            entry = _Entry(header["id"], number, number, listing_date)
            continue
        labelled = FIELD.match(line)
        if entry is not None and labelled and not entry.abstract:
            label = _label(labelled["label"])
            entry.last = number
            if label == "abstract":
                entry.label = "abstract"
                if labelled["value"].strip():
                    entry.abstract.append(labelled["value"])
                continue
            entry.fields.setdefault(label, []).append(labelled["value"])
            entry.label = label
            continue
        chrome = chrome_kind(line, in_entry=entry is not None)
        if chrome is not None:
            kind, ends_entry = chrome
            report.add_chrome(source.name, number, kind)
            if kind == "date":
                date_match = _DATE_LINE.match(line)
                listing_date = to_iso_date(date_match["date"]) if date_match else listing_date
            if ends_entry and entry is not None:
                if (paper := finish(entry)) is not None:
                    yield paper
                entry = None
            continue
        if entry is None and _BROKEN_HEADER.match(line):
            report.add(
                Problem(
                    source.name,
                    number,
                    "arxiv-listing",
                    "unreadable entry line (cut short?): no arXiv identifier could be read",
                    excerpt(line),
                )
            )
            continue
        if entry is None:
            if len(line) <= _MAX_FURNITURE and not line.endswith("."):
                report.add_chrome(source.name, number, "page")
                continue
            report.add(
                Problem(
                    source.name,
                    number,
                    "unplaced",
                    "text outside the arXiv entries could not be placed in a paper",
                    excerpt(line),
                )
            )
            continue
        # An indented line under a title or authors continues them, even one that reads
        # like the start of a label ("  A" closing a title wrapped before "A").
        continues_field = raw[:1].isspace() and entry.label in _CONTINUED
        if not continues_field and (
            line in _PARTIAL_LABELS or (_PARTIAL_HEADER.match(line) and line[0] in "[aA")
        ):
            report.add(
                Problem(
                    source.name,
                    number,
                    "arxiv-listing",
                    "entry line cut short (an identifier or label without its value); skipped",
                    excerpt(line),
                )
            )
            continue
        entry.last = number
        continuing = entry.label in _CONTINUED
        if entry.label == "subjects" and _SUBJECT_CONTINUATION.match(line):
            continuing = True
        if continuing and not entry.abstract:
            entry.fields[entry.label].append(line)  # type: ignore[index]
            continue
        if "title" not in entry.fields and not entry.abstract and find_arxiv_id(line) is None:
            # Some copies put the title on the line after the identifier without a label.
            entry.fields["title"] = [line]
            entry.label = "title"
            continue
        entry.abstract.append(line)
        entry.label = "abstract"

    if entry is not None and (paper := finish(entry)) is not None:
        yield paper
