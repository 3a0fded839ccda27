"""Plain text, the last resort: one title per line, or title/abstract blocks.

Blocks are separated by blank lines. Inside a block, lines are joined into one paragraph (with a
space) where they read as a hard-wrapped paragraph: the input was wrapped at some width (see
`wrap_width`) and the line before is full, or it ends with a word that cannot end a title
("for", "of", ...). A block of short title-like lines is a list of titles, one paper a line. A
block whose first paragraph is a title and whose other lines read as prose is one paper: the
title and its abstract. A block of prose alone is the abstract of the title block just before
it (titles and abstracts separated by blank lines), or the next paragraph of that abstract.
arXiv ids and URLs on their own line go to the paper above them; comment lines (``#``, ``%``,
``//``) and separator lines (``----``) are chrome.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import ARXIV_IN_LINE, URL, excerpt
from papertriage.reading import InputText

NAME = "text"
MAX_TITLE = 300
_COMMENT = re.compile(r"^(?:#|%|//)")
_SEPARATOR = re.compile(r"^[\W_]+$")
_BULLET = re.compile(r"^(?:[-*•·]\s+|\d{1,4}[.)]\s+)")

# Nobody hard-wraps wider than this: a longer line is a whole paragraph on one line.
WRAP_MAX = 130
# A line ending with one of these words goes on (a title or a sentence never ends there).
_JOINERS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "or",
        "in",
        "on",
        "with",
        "to",
        "via",
        "by",
        "from",
        "at",
        "into",
        "towards",
        "toward",
        "using",
        "under",
        "over",
        "as",
        "is",
        "are",
        "its",
        "their",
        "between",
        "through",
        "without",
        "beyond",
        "versus",
        "vs",
        "than",
        "that",
        "which",
    ]
)
# fmt(1) and mail clients fill lines to about 93% of the width, never to less than ~80%.
_FULL = 0.75


def is_title_like(line: str) -> bool:
    if len(line) > MAX_TITLE or URL.search(line):
        return False
    return not (line.endswith(".") and not line.endswith("..."))


def wrap_width(lines: Iterable[str], skip: Callable[[str], bool] | None = None) -> int | None:
    """The width an input was hard-wrapped at, or None when its lines are not hard-wrapped.

    Looks at pairs of consecutive content lines: in a wrapped text most lines that another
    line follows are nearly full, and many of the following lines go on in the middle of a
    sentence (a lower-case first letter). A list of titles or a page of one-line paragraphs
    has neither.
    """
    pairs: list[tuple[int, str]] = []
    previous: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line or len(line) > WRAP_MAX or (skip is not None and skip(line)):
            previous = None
            continue
        if previous is not None:
            pairs.append((len(previous), line))
        previous = line
    if len(pairs) < 3:
        return None
    lengths = sorted(length for length, _ in pairs)
    width = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]
    full = sum(1 for length in lengths if length >= 0.7 * width)
    lower = sum(1 for _, line in pairs if line[:1].islower())
    if full >= 0.6 * len(pairs) and lower >= 0.25 * len(pairs):
        return width
    return None


def continues(before: str, line: str, width: int | None) -> bool:
    """Whether `line` goes on with the paragraph whose last line is `before`."""
    last = before.rsplit(None, 1)[-1].lower()
    if last in _JOINERS or before.endswith(":") or (before.endswith(",") and width is not None):
        return True  # "Background:" / "Results:" heads the paragraph it labels
    if before.count("$") % 2 or before.endswith(("=", "\\", "(", "[", "{", "+", "/")):
        return True  # inside a formula ("$\nI_{G,f}(X;Y)$", "=\n\\sup")
    if before[-2:-1].isalpha() and before.endswith("-"):
        return True  # a word broken at its hyphen ("Pre-" / "trained"): nothing ends so
    # In the middle of a sentence: in wrapped text, or after a long line of prose (the arXiv
    # API breaks some abstracts so). Not after a short line of a list of titles, where the
    # next title may start in lower case ("bert2BERT: ...").
    mid_sentence = line[:1].islower() and not before.endswith((".", "!", "?"))
    if mid_sentence and (width is not None or len(before) > WRAP_MAX):
        return True
    if len(before) > WRAP_MAX or len(line) > WRAP_MAX or width is None:
        return False
    first = line.split(None, 1)[0]
    return len(before) + 1 + len(first) > _FULL * width


def _title_case(line: str) -> bool:
    words = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


Unit = tuple[int, int, str]  # first line, last line, text (wrapped lines joined)


def paragraphs(
    run: list[tuple[int, str]], width: int | None, title_first: bool = True
) -> list[Unit]:
    """Consecutive content lines (number, stripped text) as paragraphs: wrapped lines joined.

    With `title_first` (a title may start here: no paper is waiting for its abstract), a
    title-case first line followed by wrapped prose is taken as a title of its own.
    """
    groups: list[list[tuple[int, str]]] = []
    for number, line in run:
        if groups and continues(groups[-1][-1][1], line, width):
            groups[-1].append((number, line))
        else:
            groups.append([(number, line)])
    units: list[Unit] = []
    for group in groups:
        for part in _title_off(group) if title_first else [group]:
            units.append((part[0][0], part[-1][0], join_lines([line for _, line in part])))
    return units


_HYPHEN_BREAK = re.compile(r"(?:^|\s)[A-Z][\w-]*[^\W\d_]-$")


def join_lines(lines: list[str]) -> str:
    """Wrapped lines joined with a space, or with nothing where a capitalised compound was
    broken at its hyphen (``Channel-`` / ``Spatial``, ``Pre-`` / ``trained``, as Python's
    textwrap breaks words by default), unless a conjunction follows (``Open-`` / ``and
    Closed-Source``). A lower-case word before the hyphen is never glued: arXiv's own
    abstracts have line ends like ``open-`` / ``and closed-source`` and ``languages-`` /
    ``breaking``."""
    text = lines[0]
    for line in lines[1:]:
        first = line.split(None, 1)[0].lower() if line.strip() else ""
        glued = _HYPHEN_BREAK.search(text) and (
            line[:1].isupper() or (line[:1].islower() and first not in _JOINERS)
        )
        text += line if glued else " " + line
    return text


def _title_off(group: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """A title line (or two, three in title case) followed by its abstract without a blank line:
    the joined lines read as prose, but a title-like head ends where the next starts a
    sentence."""
    if len(group) < 2 or is_title_like(" ".join(line for _, line in group)):
        return [group]
    for k in (3, 2, 1):
        head, rest = group[:k], group[k:]
        if not rest or rest[0][1][:1].islower():
            continue
        if k > 1 and not all(_title_case(line) for _, line in head):
            continue
        last = head[-1][1]
        if last.endswith((".", ",", ";", ":")) or last.rsplit(None, 1)[-1].lower() in _JOINERS:
            continue
        if is_title_like(" ".join(line for _, line in head)):
            return [head, rest]
    return [group]


def _loose_title(lines: list[tuple[int, str]]) -> tuple[str, str] | None:
    """A block that starts with one to three lines of a title not in title case, then an
    abstract that starts a sentence on a line of its own: (title, abstract), else None."""
    for k in (1, 2, 3):
        head, rest = lines[:k], lines[k:]
        if not rest or not rest[0][1][:1].isupper():
            continue
        last = head[-1][1]
        if last.endswith((".", ",", ";", ":", "!")) or last.rsplit(None, 1)[-1].lower() in _JOINERS:
            continue
        if any(line.endswith((".", "!", "?")) for _, line in head[:-1]) or any(
            re.search(r"[a-z]\. [A-Z]", line) for _, line in head
        ):
            return None  # a sentence ended inside: prose, not a title
        title = join_lines([line for _, line in head])
        if is_title_like(title):
            return title, join_lines([line for _, line in rest])
    return None


def _blocks(lines: Iterable[str]) -> Iterator[list[tuple[int, str]]]:
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


def _units(block: list[tuple[int, str]], width: int | None, title_first: bool) -> list[Unit]:
    """A block's content lines as paragraphs; arXiv id lines stay lines of their own."""
    units: list[Unit] = []
    run: list[tuple[int, str]] = []
    for number, line in block:
        if ARXIV_IN_LINE.match(line):
            units.extend(paragraphs(run, width, title_first))
            run = []
            units.append((number, number, line))
        else:
            run.append((number, line))
    units.extend(paragraphs(run, width, title_first))
    return units


def _is_chrome(line: str) -> bool:
    return bool(_COMMENT.match(line) or _SEPARATOR.match(line))


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    current: Paper | None = None
    current_last = 0
    width = wrap_width(source.head.split("\n"), _is_chrome)

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
        lines: list[tuple[int, str]] = []
        for number, line in block:
            # A wrapped line that starts with '%' or '//' ("75.7" / "% of all images") or is
            # punctuation alone goes on with the line above it.
            wrapped = (
                lines
                and lines[-1][0] == number - 1
                and (len(lines[-1][1]) > WRAP_MAX or continues(lines[-1][1], line, width))
            )
            if _COMMENT.match(line) and not wrapped:
                report.add_chrome(source.name, number, "comment")
            elif _SEPARATOR.match(line) and not wrapped:
                report.add_chrome(source.name, number, "separator")
            else:
                lines.append((number, line))
        if not lines:
            continue
        # After a title still without its abstract, a block is that abstract: no title in it.
        content = _units(lines, width, current is None or bool(current.abstract))
        prose = [n for n, _, line in content[1:] if not is_title_like(line)]
        ids = [ARXIV_IN_LINE.match(line) for _, _, line in content]
        if not is_title_like(content[0][2]) and not ids[0]:
            # A paragraph without a title: the abstract (or its next paragraph) of the paper above.
            first, last = content[0][0], content[-1][1]
            if current is None:
                report.add(
                    Problem(
                        source.name,
                        first,
                        "unplaced",
                        "a paragraph before any title could not be placed in a paper",
                        excerpt(content[0][2]),
                    )
                )
                report.add_span(source.name, first, last, "problem")
                continue
            split = _loose_title(lines) if current.abstract else None
            if split is not None:
                # The paper above has its abstract: more likely a new paper whose title is
                # not in title case than a second paragraph. Said, since it is a guess.
                head, rest = split
                report.add(
                    Problem(
                        source.name,
                        first,
                        "uncertain-split",
                        "read as a new paper whose title is not in title case; if it is "
                        "another paragraph of the abstract above, join them",
                        excerpt(head),
                    )
                )
                if (previous := start(first, head)) is not None:
                    yield previous
                assert current is not None
                current.abstract = rest
                current_last = last
                continue
            paragraph = " ".join(line for _, _, line in content)
            if current.abstract and not lines[0][1].endswith((".", "!", "?")):
                # Its first line could be a title: say what was done with it.
                report.add(
                    Problem(
                        source.name,
                        first,
                        "uncertain-split",
                        "read as another paragraph of the abstract above; if it is a paper, "
                        "put its title on a line of its own",
                        excerpt(content[0][2]),
                    )
                )
            current.abstract = (
                f"{current.abstract}\n\n{paragraph}" if current.abstract else paragraph
            )
            current_last = last
            continue
        if prose or (len(content) == 2 and len(content[1][2]) > 120):
            # Title and abstract.
            number, _, title = content[0]
            if (previous := start(number, title)) is not None:
                yield previous
            assert current is not None
            current_last = content[0][1]
            abstract: list[str] = []
            for (_, last, line), id_match in zip(content[1:], ids[1:]):
                if id_match:
                    current.arxiv_id = current.arxiv_id or id_match["id"]
                    if line.startswith("http"):
                        current.url = current.url or line
                else:
                    abstract.append(line)
                current_last = last
            current.abstract = " ".join(abstract)
            continue
        # A list of titles, one a line (with ids on their own lines for the title above).
        for (number, last, line), id_match in zip(content, ids):
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
            current_last = last
    if (previous := close()) is not None:
        yield previous
