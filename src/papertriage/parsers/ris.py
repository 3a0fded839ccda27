"""RIS: records of ``TAG  - value`` lines from ``TY  - JOUR`` to ``ER  -``.

Titles from TI/T1 (CT, BT as fallbacks), abstracts from AB/N2, authors from AU/A1, dates from
DA/PY/Y1, DO doi, UR url, KW keywords, JO/JF/JA/T2 venue, N1 notes; an arXiv id is taken from
UR, DO, M3, N1, AN or L1 when one is there. Untagged lines continue the previous tag's value.
A record that is not closed by ``ER`` (or that has no title) is reported with its first line;
a record with a title is still kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import (
    excerpt,
    find_arxiv_id,
    normalise_space,
    split_authors,
    to_iso_date,
)
from papertriage.reading import InputText

NAME = "ris"

TAG_LINE = re.compile(r"^(?P<tag>[A-Z][A-Z0-9])\s{1,2}-(?:\s(?P<value>.*)|\s*)$")
_PARTIAL_TAG = re.compile(r"^[A-Z][A-Z0-9]?(?:\s+-?)?$")
_HEADER = re.compile(r"^[A-Za-z][\w .-]{0,40}:\s")  # "Provider: ...", "Content: text/plain"


@dataclass
class _Record:
    line: int
    last: int
    tags: dict[str, list[str]] = field(default_factory=dict)
    current: str | None = None

    def add(self, tag: str, value: str) -> None:
        self.tags.setdefault(tag, []).append(value)
        self.current = tag

    def first(self, *tags: str) -> str:
        for tag in tags:
            for value in self.tags.get(tag, []):
                if value.strip():
                    return normalise_space(value)
        return ""


def record_to_paper(record: _Record, file: str) -> Paper | None:
    title = record.first("TI", "T1", "CT", "BT")
    if not title:
        return None
    authors: list[str] = []
    for tag in ("AU", "A1"):  # synonyms: exports use one or the other
        if authors:
            break
        for value in record.tags.get(tag, []):
            for name in [value] if ";" not in value else split_authors(value):
                name = normalise_space(name)
                if "," in name:
                    last, _, first = name.partition(",")
                    name = normalise_space(f"{first} {last}") if first.strip() else last
                if name:
                    authors.append(name)
    date = None
    for tag in ("DA", "PY", "Y1"):
        found = to_iso_date(record.first(tag).rstrip("/"))
        if found and (date is None or len(found) > len(date)):
            date = found
    arxiv_id = None
    for tag in ("UR", "DO", "M3", "N1", "AN", "L1", "L2", "ID", "JO", "T2"):
        for value in record.tags.get(tag, []):
            if arxiv_id is None and "arxiv" in value.lower():
                arxiv_id = find_arxiv_id(value)
    keywords: list[str] = []
    for value in record.tags.get("KW", []):
        keywords.extend(k.strip() for k in re.split(r";", value) if k.strip())
    url = record.first("UR", "L2", "LK") or None
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    return Paper(
        title=title,
        abstract=record.first("AB", "N2"),
        arxiv_id=arxiv_id,
        authors=authors,
        date=date,
        url=url,
        sources=[Source(file, record.line, NAME)],
        comments=record.first("N1") or None,
        doi=record.first("DO") or None,
        venue=record.first("JO", "JF", "T2", "JA", "J2") or None,
        keywords=keywords,
    )


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    record: _Record | None = None
    seen_record = False

    def finish(current: _Record, closed: bool) -> Paper | None:
        paper = record_to_paper(current, source.name)
        if not closed:
            report.add(
                Problem(
                    source.name,
                    current.line,
                    "ris",
                    "RIS record starting here is not closed by 'ER  -'"
                    + ("" if paper is None else "; kept"),
                    excerpt(current.first("TI", "T1") or current.first("TY")),
                )
            )
        if paper is None:
            report.add(
                Problem(
                    source.name,
                    current.line,
                    "no-title",
                    "RIS record has no title (TI/T1); skipped",
                    excerpt(" ".join(v for vs in current.tags.values() for v in vs)),
                )
            )
            report.add_span(source.name, current.line, current.last, "problem")
        else:
            report.add_span(source.name, current.line, current.last)
        return paper

    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            continue
        match = TAG_LINE.match(raw.rstrip())
        tag = match["tag"] if match else None
        value = (match["value"] or "") if match else ""
        if tag == "TY":
            if record is not None and (paper := finish(record, closed=False)) is not None:
                yield paper
            record = _Record(number, number)
            record.add("TY", value)
            seen_record = True
            continue
        if record is None:
            if tag == "ER" or (not seen_record and _HEADER.match(line)):
                report.add_chrome(source.name, number, "header" if tag != "ER" else "ris")
                continue
            report.add(
                Problem(
                    source.name,
                    number,
                    "unplaced" if tag is None else "ris",
                    "text outside RIS records (no 'TY  -' before it)",
                    excerpt(line),
                )
            )
            continue
        record.last = number
        if tag == "ER":
            if (paper := finish(record, closed=True)) is not None:
                yield paper
            record = None
            continue
        if tag is not None:
            record.add(tag, value)
        elif _PARTIAL_TAG.match(line) or record.current is None:
            report.add(
                Problem(
                    source.name,
                    number,
                    "ris",
                    "unreadable RIS line (a tag cut short?); skipped",
                    excerpt(line),
                )
            )
        else:
            # An untagged line continues the value before it (wrapped abstracts).
            record.tags[record.current][-1] += "\n" + line
    if record is not None and (paper := finish(record, closed=False)) is not None:
        yield paper
