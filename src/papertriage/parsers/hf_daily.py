"""Hugging Face Daily Papers pages copied from a browser as text.

A page is a run of cards. Each card has a title line, usually an abstract paragraph, and
around them page chrome: the header ("Daily Papers", "Subscribe", ...), date headings that
give the listing date of the cards below them, vote counts, "Submitted by" lines, author
counts and buttons. Chrome is counted and skipped; any other line lands in a paper or, where
it cannot be placed, in the report's problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import ARXIV_IN_LINE, URL, parse_date_heading
from papertriage.reading import InputText

NAME = "hf-daily"

_CHROME_EXACT = {
    "new",
    "subscribe",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox",
    "daily papers",
    "trending papers",
    "byak and the research community",
    "by ak and the research community",
    "upvote",
    "upvoted",
    "view paper",
    "view pdf",
    "comment",
    "comments",
    "submitted by",
    "previous",
    "next",
    "daily",
    "weekly",
    "monthly",
    "search",
    "search papers",
    "·",
    "•",
    "-",
    "show more",
    "show less",
    "more",
    "less",
    "login",
    "log in",
    "sign up",
    "home",
    "models",
    "datasets",
    "spaces",
    "posts",
    "docs",
    "pricing",
    "papers",
    "collections",
    "enterprise",
    "community",
    "github",
    "arxiv page",
    "project page",
    "paper page",
    "add to collection",
    "copy link",
    "share",
    "view arxiv page",
    "view arxiv",
    "arxiv",
    "pdf",
    "sort by",
    "most upvoted",
    "most recent",
    "trending",
    "previous page",
    "next page",
    "load more",
    "see all",
    "follow",
    "join the community",
}

_CHROME_PATTERNS = [
    re.compile(r"^[·•]?\s*\d+\s+authors?$", re.I),  # author counts: "· 12 authors"
    re.compile(r"^[·•]?\s*\+\s*\d+$"),  # "+3" more authors
    re.compile(r"^[▲△⬆↑]?\s*\d+(?:\.\d+)?k?$", re.I),  # vote / comment counts
    re.compile(r"^upvotes?\s+\d+$", re.I),
    re.compile(r"^\d+\s+(?:upvotes?|comments?|likes?)$", re.I),
    re.compile(r"^submitted\s+by\s+\S+(?:\s+on\s+.+)?$", re.I),
    re.compile(r"^(?:\d+\s+)?(?:github\s+)?stars?\s*\d*$", re.I),
]

# A card title is a short line; an abstract is long or reads as sentences.
_MAX_TITLE = 300
_NAME_PART = re.compile(r"^(?:[A-ZÀ-Þ][\w'’.\-]*|de|van|von|der|da|di|le|la|del)$")


def chrome_kind(line: str) -> str | None:
    """Return why a stripped line is page chrome, or None if it is content."""
    low = line.lower()
    if low in _CHROME_EXACT:
        return "header" if low in {"new", "daily papers", "subscribe"} else "button"
    if any(p.match(line) for p in _CHROME_PATTERNS):
        if line.lstrip("▲△⬆↑ ").replace(".", "").replace("k", "").isdigit():
            return "votes"
        return "counter"
    return None


def looks_like_authors(line: str) -> bool:
    """'Ada Lovelace, Alan Turing, Grace Hopper' but not a title with commas."""
    if line.endswith(".") or any(ch.isdigit() for ch in line):
        return False
    parts = [p.strip() for p in re.split(r",|\band\b", line) if p.strip()]
    if len(parts) < 2:
        return False
    for part in parts:
        words = part.split()
        if not 2 <= len(words) <= 5 or not all(_NAME_PART.match(w) for w in words):
            return False
    return True


_SENTENCE_BREAK = re.compile(r"[.!?] [A-Z]")


def is_title_like(line: str) -> bool:
    if len(line) > _MAX_TITLE or URL.search(line):
        return False
    if len(_SENTENCE_BREAK.findall(line)) >= 2:
        return False  # reads as sentences: an abstract paragraph
    return not (line.endswith(".") and not line.endswith("..."))


def _votes(line: str) -> int | None:
    digits = line.lstrip("▲△⬆↑ ")
    if digits.isdigit():
        return int(digits)
    return None


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    current: Paper | None = None
    in_abstract = False
    listing_date: str | None = None
    pending_votes: int | None = None
    pending_id: str | None = None
    skip_user_after = False
    # Cards that start with their vote count ("Upvote" / "12" / title ...): the line after such
    # a count is the card's title, and the lines up to the next count are its text, whatever
    # they look like (a title ending in '.', a short abstract without one).
    title_next = False
    card_from_votes = False

    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if skip_user_after and " " not in line and len(line) <= 64:
            # The user name on the line after a bare "Submitted by".
            skip_user_after = False
            report.add_chrome(source.name, number, "submitter")
            continue
        skip_user_after = False

        date = parse_date_heading(line)
        if date is not None:
            listing_date = date
            report.add_chrome(source.name, number, "date")
            continue
        kind = chrome_kind(line)
        if kind is not None:
            report.add_chrome(source.name, number, kind)
            if line.lower() == "submitted by":
                skip_user_after = True
            votes = _votes(line)
            if kind == "votes" and votes is not None:
                if current is not None and not in_abstract and current.votes is None:
                    current.votes = votes
                else:
                    pending_votes = votes
                    # A count after a card's text (or before the first card) starts a card.
                    title_next = current is None or in_abstract
            continue

        id_match = ARXIV_IN_LINE.match(line)
        if id_match:
            arxiv_id = id_match["id"]
            if current is not None and current.arxiv_id is None:
                current.arxiv_id = arxiv_id
                current.url = current.url or (line if line.startswith("http") else None)
            else:
                pending_id = arxiv_id
            continue

        if (
            current is not None
            and not title_next
            and not in_abstract
            and not current.authors
            and looks_like_authors(line)
        ):
            current.authors = [a.strip() for a in re.split(r",|\band\b", line) if a.strip()]
            continue

        starts_card = title_next and len(line) <= _MAX_TITLE and not URL.search(line)
        title_next = False
        if starts_card or (is_title_like(line) and not (card_from_votes and current is not None)):
            if current is not None:
                yield current
            card_from_votes = starts_card
            current = Paper(
                title=line,
                date=listing_date,
                votes=pending_votes,
                arxiv_id=pending_id,
                sources=[Source(source.name, number, NAME)],
            )
            pending_votes = pending_id = None
            in_abstract = False
            continue

        if current is None:
            report.add(
                Problem(
                    source.name,
                    number,
                    "unplaced",
                    "text before the first paper title could not be placed in a paper",
                    line[:80],
                )
            )
            continue
        current.abstract = f"{current.abstract}\n\n{line}" if current.abstract else line
        in_abstract = True

    if current is not None:
        yield current
