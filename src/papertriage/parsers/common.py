"""Helpers shared by the text parsers: dates, identifiers, line classes."""

from __future__ import annotations

import bisect
import datetime as dt
import re

from papertriage.models import Paper, ParseReport, Problem

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
DATE_HEADING = re.compile(
    rf"^(?:published\s+on\s+|submitted\s+on\s+)?(?:{_WEEKDAY_RE})?"
    rf"(?P<month>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<year>\d{{4}}))?$",
    re.IGNORECASE,
)
ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")

ARXIV_IN_LINE = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf)|huggingface\.co/papers)/)"
    r"(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)


def parse_date_heading(line: str, today: dt.date | None = None) -> str | None:
    """'Jul 31' / 'July 31, 2024' / '2024-07-31' -> ISO date, else None.

    A heading without a year gets the latest such date that is not in the future, because
    listings are copied on or soon after the day they show.
    """
    text = line.strip()
    match = ISO_DATE.match(text)
    if match:
        try:
            return dt.date(int(match["year"]), int(match["month"]), int(match["day"])).isoformat()
        except ValueError:
            return None
    match = DATE_HEADING.match(text)
    if not match:
        return None
    month = MONTHS[match["month"].lower()]
    day = int(match["day"])
    today = today or dt.date.today()
    if match["year"]:
        year = int(match["year"])
    else:
        year = today.year
        try:
            if dt.date(year, month, day) > today + dt.timedelta(days=1):
                year -= 1
        except ValueError:
            pass
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


# --- helpers for the structured formats (arXiv, BibTeX, RIS, JSON, CSV) -------------------

_ARXIV_ANYWHERE = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|10\.48550/arxiv\.|arxiv[:\s]\s*)(\d{4}\.\d{4,5})(?:v\d+)?",
    re.IGNORECASE,
)
_BARE_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$")


def find_arxiv_id(text: str | None) -> str | None:
    """The arXiv id in a URL, DOI (10.48550/arXiv.ID), ``arXiv:ID`` or a bare ``ID[vN]``."""
    if not text:
        return None
    text = text.strip()
    match = _BARE_ARXIV.match(text) or _ARXIV_ANYWHERE.search(text)
    return match.group(1) if match else None


def normalise_space(text: str) -> str:
    """Collapse runs of white space (newlines included) to one space."""
    return " ".join(text.split())


def excerpt(text: str, limit: int = 80) -> str:
    """The first words of a block, for problem reports."""
    return normalise_space(text)[:limit]


_ISO_PREFIX = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")
_DAY_MONTH_YEAR = re.compile(
    rf"^(?:{_WEEKDAY_RE})?(\d{{1,2}})\s+({_MONTH_RE})\.?,?\s+(\d{{2}}|\d{{4}})\b", re.IGNORECASE
)


def to_iso_date(value: object) -> str | None:
    """'2024', '2024-07', '2024-07-29T17:59:59Z', '2024/07/29/', 'Mon, 29 Jul 2024', 'July 29,
    2024' -> '2024', '2024-07', '2024-07-29'; anything unreadable -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if 1000 <= value <= 9999 else None
    text = str(value).strip()
    if not text:
        return None
    match = _ISO_PREFIX.match(text)
    if match:
        year, month, day = match.groups()
        try:
            if day:
                return dt.date(int(year), int(month), int(day)).isoformat()
            if month and 1 <= int(month) <= 12:
                return f"{year}-{int(month):02d}"
        except ValueError:
            pass
        return year
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, month, year = match.groups()
        full_year = int(year) if len(year) == 4 else 2000 + int(year)
        try:
            return dt.date(full_year, MONTHS[month.lower()], int(day)).isoformat()
        except ValueError:
            return None
    heading = DATE_HEADING.match(text)
    if heading and heading["year"]:
        return parse_date_heading(text)
    return None


def split_authors(value: object) -> list[str]:
    """A list of names, or 'A; B', 'A and B', 'A, B and C', 'Last, First' -> list of names."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        names: list[str] = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name") or " ".join(
                    str(item[k]) for k in ("given", "family") if item.get(k)
                )
            if item:
                names.append(normalise_space(str(item)))
        return names
    text = normalise_space(str(value))
    if not text:
        return []
    if ";" in text:
        parts = text.split(";")
    elif re.search(r"\s+and\s+", text):
        parts = [p for chunk in re.split(r"\s+and\s+", text) for p in chunk.split(",")]
        if any(len(p.split()) < 2 for p in parts if p.strip()):
            # 'Smith, John and Doe, Jane': the commas are inside names.
            parts = re.split(r"\s+and\s+", text)
    elif "," in text:
        parts = text.split(",")
        if any(len(p.split()) < 2 for p in parts if p.strip()):
            parts = [text]  # 'Smith, John': one name
    else:
        parts = [text]
    return [p.strip() for p in parts if p.strip()]


class LineIndex:
    """Offset in a text -> 1-based line number."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def account_entry(
    report: ParseReport, file: str, first: int, last: int, arxiv_id: str, paper: Paper | None
) -> Paper | None:
    """An arXiv entry (listing or e-mail digest) read from lines first..last: its lines are
    the paper's, or, without a title, a problem."""
    if paper is None:
        report.add(
            Problem(
                file,
                first,
                "no-title",
                f"arXiv entry {arxiv_id} has no Title: line; skipped",
                f"arXiv:{arxiv_id}",
            )
        )
        report.add_span(file, first, last, "problem")
    else:
        report.add_span(file, first, last)
    return paper
