"""Hugging Face Daily Papers pages copied from a browser as text.

A page is a run of cards. Each card has a title line, usually an abstract paragraph, and
around them page chrome: the header ("Daily Papers", "Subscribe", ...), date headings that
give the listing date of the cards below them, vote counts, "Submitted by" lines, author
counts and buttons. Chrome is counted and skipped; any other line lands in a paper or, where
it cannot be placed, in the report's problems.

Lines not separated by a blank line (or chrome) are one paragraph when they read as a
hard-wrapped one (see `text.paragraphs`): a page copied through a terminal, a mail client or
``fmt`` keeps its papers. A paragraph is a title by its place and form, not its length: the
paragraph after a vote count, or after an abstract when it does not end like a sentence; the
paragraph after a title is its abstract unless it reads as another title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers import text
from papertriage.parsers.common import ARXIV_IN_LINE, URL, excerpt, parse_date_heading
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
# Chrome words that are also plain words: at the end of a hard-wrapped line they go on with it.
_WEAK_CHROME = {
    "new", "models", "datasets", "spaces", "posts", "docs", "pricing", "papers", "collections",
    "enterprise", "community", "github", "arxiv", "pdf", "share", "follow", "home", "search",
    "comment", "comments", "previous", "next", "daily", "weekly", "monthly", "more", "less",
    "trending", "-", "·", "•",
}  # fmt: skip


def is_title_like(line: str) -> bool:
    """Could be a title: not too long, no URL, not ending like a sentence."""
    return text.is_title_like(line)


def _votes(line: str) -> int | None:
    digits = line.lstrip("▲△⬆↑ ")
    if digits.isdigit():
        return int(digits)
    return None


def _is_structure(line: str) -> bool:
    """Lines that are never part of a paragraph: chrome, date headings, arXiv id lines."""
    return bool(
        chrome_kind(line) is not None
        or parse_date_heading(line) is not None
        or ARXIV_IN_LINE.match(line)
    )


def _runs(source: InputText, width: int | None) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """("run", lines of one paragraph run) and ("line", [(number, line)]) for structure lines,
    in page order. A run ends at a blank line and at a structure line."""
    run: list[tuple[int, str]] = []
    after_submitted = False
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            if run:
                yield "run", run
                run = []
            continue
        user = after_submitted and " " not in line and len(line) <= 64
        after_submitted = line.lower() == "submitted by"
        structure = user or _is_structure(line)
        if (
            structure
            and not user
            and run
            and width is not None
            and line.lower() in _WEAK_CHROME
            and not run[-1][1].endswith((".", "!", "?"))
            and text.continues(run[-1][1], line, width)
        ):
            structure = False  # "... of the Ms and" / "Datasets": a wrapped line's end
        if structure:
            if run:
                yield "run", run
                run = []
            yield "line", [(number, line)]
            continue
        run.append((number, line))
    if run:
        yield "run", run


def _blank_structured(lines: list[str]) -> int | None:
    """1 (every line break inside a paragraph is a wrap) when the page puts a blank line after
    its chrome lines, as a page copied from a browser does: then two lines without a blank
    between them are one hard-wrapped paragraph, even where too few lines show the width."""
    chrome = followed = 0
    for line, after in zip(lines, lines[1:]):
        if line.strip() and chrome_kind(line.strip()) is not None:
            chrome += 1
            followed += not after.strip()
    return 1 if chrome >= 3 and followed >= 0.9 * chrome else None


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    current: Paper | None = None
    in_abstract = False
    listing_date: str | None = None
    pending_votes: int | None = None
    pending_id: str | None = None
    skip_user_after = False
    # Cards that start with their vote count ("Upvote" / "12" / title ...): the paragraph after
    # such a count is the card's title, and the paragraphs up to the next count are its text,
    # whatever they look like (a title ending in '.', a short abstract without one).
    title_next = False
    card_from_votes = False
    upvote = after_upvote = False  # the line before was an "Upvote" button
    head = source.head.split("\n")
    blank_structured = _blank_structured(head)
    width = text.wrap_width(head, _is_structure) or blank_structured

    for kind, lines in _runs(source, width):
        if kind == "line":
            number, line = lines[0]
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
            chrome = chrome_kind(line)
            after_upvote, upvote = upvote, line.lower() == "upvote"
            if chrome is not None:
                report.add_chrome(source.name, number, chrome)
                if line.lower() == "submitted by":
                    skip_user_after = True
                votes = _votes(line)
                if chrome == "votes" and votes is not None:
                    if current is not None and not in_abstract and current.votes is None:
                        current.votes = votes
                    else:
                        pending_votes = votes
                        # A count after a card's text (or before the first card, or under an
                        # "Upvote" button after a card that has its count already) starts a card.
                        title_next = (
                            current is None
                            or in_abstract
                            or (after_upvote and current.votes is not None)
                        )
                continue
            id_match = ARXIV_IN_LINE.match(line)
            assert id_match is not None
            arxiv_id = id_match["id"]
            if current is not None and current.arxiv_id is None:
                current.arxiv_id = arxiv_id
                current.url = current.url or (line if line.startswith("http") else None)
            else:
                pending_id = arxiv_id
            continue

        skip_user_after = upvote = False
        # A title may start inside a run of lines (a title line right above its abstract) only
        # on a page that does not put blank lines between its paragraphs.
        title_first = not blank_structured and (
            title_next or current is None or (in_abstract and not card_from_votes)
        )
        for number, _, paragraph in text.paragraphs(lines, width, title_first):
            if (
                current is not None
                and not title_next
                and not in_abstract
                and not current.authors
                and looks_like_authors(paragraph)
            ):
                current.authors = [
                    a.strip() for a in re.split(r",|\band\b", paragraph) if a.strip()
                ]
                continue

            starts_card = title_next and len(paragraph) <= _MAX_TITLE and not URL.search(paragraph)
            title_next = False
            if starts_card:
                is_title = True
            elif card_from_votes and current is not None:
                is_title = False  # the text of a card that started with its vote count
            elif current is None or in_abstract:
                is_title = is_title_like(paragraph)
            elif not is_title_like(paragraph):
                is_title = False  # the abstract of the title above
            elif len(_SENTENCE_BREAK.findall(paragraph)) >= 2:
                # Sentences without a final period right after a title: most likely its
                # abstract, but a title can read so too ("Clink! Chop! Thud! -- ...").
                is_title = False
                report.add(
                    Problem(
                        source.name,
                        number,
                        "uncertain-split",
                        "read as the abstract of the title above, though it could be the next "
                        "title; a blank line and a final period would make it clear",
                        excerpt(paragraph),
                    )
                )
            else:
                is_title = True  # the title above has no abstract
            if is_title:
                if current is not None:
                    yield current
                card_from_votes = starts_card
                current = Paper(
                    title=paragraph,
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
                        paragraph[:80],
                    )
                )
                continue
            current.abstract = (
                f"{current.abstract}\n\n{paragraph}" if current.abstract else paragraph
            )
            in_abstract = True

    if current is not None:
        yield current
