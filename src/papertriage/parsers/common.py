"""Helpers shared by the text parsers: dates, identifiers, line classes."""

from __future__ import annotations

import datetime as dt
import re

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
