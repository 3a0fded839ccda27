"""arXiv API responses: an Atom feed of <entry> elements, read with the standard library safely.

Safety: the text is checked before parsing; a DOCTYPE declaration (the only place entities can
be declared) is blanked out and reported, so no entity is ever expanded and nothing is fetched.
Expat itself never loads external resources for ElementTree.

The feed is read with an incremental parser (XMLPullParser), line by line, so that when the XML
breaks off or is malformed every <entry> that closed before the error is kept and the error is
reported with its file:line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import excerpt, find_arxiv_id, normalise_space, to_iso_date
from papertriage.reading import InputText

NAME = "arxiv-atom"

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _doctype_end(text: str, start: int) -> int:
    """Offset just after the DOCTYPE declaration starting at `start` (internal subset included)."""
    depth = 0
    quote = ""
    i = start + 2
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == ">" and depth == 0:
            return i + 1
        i += 1
    return len(text)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping the newlines so line numbers do not move."""
    middle = re.sub(r"[^\n]", " ", text[start:end])
    return text[:start] + middle + text[end:]


def make_safe(source: InputText, report: ParseReport) -> str:
    """The text with DOCTYPE and ENTITY declarations blanked out (and reported)."""
    text = source.text
    while True:
        match = _DOCTYPE.search(text) or _ENTITY.search(text)
        if not match:
            return text
        end = (
            _doctype_end(text, match.start())
            if match.group(0).upper() == "<!DOCTYPE"
            else (text.find(">", match.start()) + 1 or len(text))
        )
        first = text.count("\n", 0, match.start()) + 1
        last = text.count("\n", 0, end) + 1
        report.add(
            Problem(
                source.name,
                first,
                "unsafe-xml",
                "DOCTYPE/ENTITY declaration ignored: entities are not expanded",
                excerpt(text[match.start() : end]),
            )
        )
        report.add_span(source.name, first, last, "problem")
        text = _blank(text, match.start(), end)


_ENTITY_REF = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)([A-Za-z_][\w.-]*);")


def keep_references(text: str, name: str, report: ParseReport) -> str:
    """Entity references XML does not define (``&xxe;``, ``&nbsp;``) kept as literal text.

    Expat refuses an undefined entity and stops there; read as text instead, the entry that
    holds one and every entry after it are kept. Reported once, at the first one.
    """
    first = _ENTITY_REF.search(text)
    if first is None:
        return text
    line = text.count("\n", 0, first.start()) + 1
    report.add(
        Problem(
            name,
            line,
            "unsafe-xml",
            f"entity reference {first.group(0)} not expanded; kept as text",
            excerpt(text[first.start() : first.start() + 80]),
        )
    )
    return _ENTITY_REF.sub(r"&amp;\1;", text)


def _text(element: ET.Element | None) -> str:
    return normalise_space("".join(element.itertext())) if element is not None else ""


def entry_to_paper(entry: ET.Element, file: str, line: int) -> Paper | None:
    children: dict[str, list[ET.Element]] = {}
    for child in entry:
        children.setdefault(_local(child.tag), []).append(child)

    def first(name: str) -> str:
        found = children.get(name)
        return _text(found[0]) if found else ""

    title = first("title")
    if not title:
        return None
    raw_id = first("id")
    arxiv_id = find_arxiv_id(raw_id)
    authors = [_text(_find_local(a, "name")) or _text(a) for a in children.get("author", [])]
    categories: list[str] = []
    for element in children.get("primary_category", []) + children.get("category", []):
        term = (element.get("term") or "").strip()
        if term and term not in categories:
            categories.append(term)
    url = None
    for link in children.get("link", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            url = link.get("href")
            break
    if url is None and raw_id.startswith("http"):
        url = raw_id
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    return Paper(
        title=title,
        abstract=first("summary") or first("content"),
        arxiv_id=arxiv_id,
        authors=[a for a in authors if a],
        date=to_iso_date(first("published") or first("updated")),
        url=url,
        sources=[Source(file, line, NAME)],
        categories=categories,
        comments=first("comment") or None,
        doi=first("doi") or None,
        venue=first("journal_ref") or None,
    )


def _find_local(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


_ENTRY_OPEN = re.compile(r"<(?:[\w.-]+:)?entry[\s>]")
_FEED_OPEN = re.compile(r"<(?:[\w.-]+:)?feed\b[^>]*>", re.DOTALL)


def _next_entry(lines: list[str], after: int) -> int | None:
    """1-based number of the first line after line `after` where an <entry> starts."""
    for n in range(after + 1, len(lines) + 1):
        if _ENTRY_OPEN.search(lines[n - 1]):
            return n
    return None


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    text = keep_references(make_safe(source, report), source.name, report)
    lines = text.split("\n")
    feed_open = _FEED_OPEN.search(text)
    parser = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    entry_start: int | None = None
    entry_depth = 0
    in_entry_lines: set[int] = set()
    error: Problem | None = None
    saw_feed = False
    number = 0
    resume_at = 0  # lines before this one were skipped after a malformed entry
    for number, line in enumerate(lines, start=1):
        if number < resume_at:
            continue
        try:
            parser.feed(line + ("\n" if number < len(lines) else ""))
            events = list(parser.read_events())
        except ET.ParseError as exc:
            position = getattr(exc, "position", (number, 0))
            bad = number if position[0] > number or position[0] < 1 else position[0]
            broken = entry_start if entry_start is not None else bad
            following = _next_entry(lines, bad) if saw_feed and feed_open else None
            if following is None:
                error = Problem(
                    source.name,
                    bad,
                    "xml",
                    f"XML is malformed or breaks off here ({exc}); entries before it are kept",
                    excerpt(lines[bad - 1]),
                )
                break
            # A malformed entry costs that entry only: parsing resumes at the next one.
            report.add(
                Problem(
                    source.name,
                    bad,
                    "xml",
                    f"XML is malformed here ({exc}); this entry skipped, "
                    f"reading resumes at line {following}",
                    excerpt(lines[bad - 1]),
                )
            )
            report.add_span(source.name, broken, following - 1, "problem")
            parser = ET.XMLPullParser(events=("start", "end"))
            assert feed_open is not None
            parser.feed(feed_open.group(0))
            list(parser.read_events())
            depth, entry_start, resume_at = 1, None, following
            continue
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    saw_feed = _local(element.tag) == "feed"
                if _local(element.tag) == "entry" and entry_start is None:
                    entry_start, entry_depth = number, depth
                continue
            depth -= 1
            if _local(element.tag) != "entry" or entry_start is None or depth != entry_depth - 1:
                continue
            paper = entry_to_paper(element, source.name, entry_start)
            if (
                paper is None
                or paper.title.lower() == "error"
                and "api/errors" in _text(_find_local(element, "id"))
            ):
                report.add(
                    Problem(
                        source.name,
                        entry_start,
                        "no-title" if paper is None else "api-error",
                        "Atom entry without a title; skipped"
                        if paper is None
                        else f"arXiv API error: {paper.abstract}",
                        excerpt(_text(element)),
                    )
                )
                report.add_span(source.name, entry_start, number, "problem")
            else:
                report.add_span(source.name, entry_start, number)
                yield paper
            in_entry_lines.update(range(entry_start, number + 1))
            entry_start = None
            element.clear()
    else:
        try:
            parser.close()
        except ET.ParseError as exc:
            position = getattr(exc, "position", (number, 0))
            error = Problem(
                source.name,
                min(position[0], len(lines)),
                "xml",
                f"XML breaks off before its end ({exc}); entries before it are kept",
                excerpt(lines[-1]),
            )
    if error is not None:
        report.add(error)
        # The unread rest, from the unfinished entry (or the error) on, is one problem block.
        first_unread = entry_start if entry_start is not None else error.line
        report.add_span(source.name, first_unread, len(lines), "problem")
        last_read = first_unread - 1
    else:
        last_read = len(lines)
        if not saw_feed:
            report.add(
                Problem(source.name, 1, "xml", "XML is not an Atom <feed>", excerpt(lines[0]))
            )
    for n in range(1, last_read + 1):
        if n not in in_entry_lines and lines[n - 1].strip():
            report.add_chrome(source.name, n, "feed")
