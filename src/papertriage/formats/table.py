"""``table``: the ranked list for a terminal (rich), plain aligned text when piped."""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from papertriage.formats import RunResult
from papertriage.terminal import hyperlinks_wanted, output_width, visible

# Below this width the themes column shows the strongest theme and how many more ("agents +2")
# so that the title gets the room; at this width or more every theme is listed.
WIDE = 120
THEMES_WIDTH = 25  # the longest default theme id, "reinforcement-learning", and " +2"
# Rows the table shows on a terminal: what a person reads. The rest are counted in one line
# below it (drawing 100k rows took rich minutes); --top N, -o FILE or a data format give all.
TERMINAL_ROWS = 50

# Spaces at the end of a line, before any escape sequences (colour, style, OSC 8 link) that
# close it: the padding rich adds to the last column.
_TRAILING = re.compile(
    r"[ \t]+((?:\x1b\[[0-9;]*m|\x1b\]8;[^\x07\x1b]*(?:\x1b\\|\x07))*)$", re.MULTILINE
)


def strip_trailing(text: str) -> str:
    """`text` without spaces at the end of its lines (escape sequences kept)."""
    return _TRAILING.sub(r"\1", text)


def make_console(stream: TextIO):  # -> rich.console.Console, imported lazily for start-up speed
    """A rich Console for `stream`: the terminal's width on a terminal; when piped or
    redirected, the width of the terminal the command runs in (see `output_width`)."""
    from rich.console import Console

    is_tty = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(
        file=stream,
        width=None if is_tty else output_width(),
        no_color=bool(os.environ.get("NO_COLOR")) or not is_tty,
        force_terminal=is_tty if stream is not sys.stdout else None,
        highlight=False,
        emoji=False,
    )


def print_trimmed(console, renderable) -> None:
    """Print `renderable` on `console` without the trailing spaces rich pads lines with."""
    with console.capture() as captured:
        console.print(renderable)
    console.file.write(strip_trailing(captured.get()))


def _themes_cell(names: list[str], wide: bool) -> str:
    if not names:
        return "-"
    if wide:
        return ", ".join(names)
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    room = THEMES_WIDTH - len(more)
    first = names[0] if len(names[0]) <= room else names[0][: room - 1] + "…"
    return first + more


def render(result: RunResult, stream: TextIO) -> None:
    from rich import box
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    from papertriage.links import paper_url

    console = make_console(stream)
    fancy = console.is_terminal
    links = fancy and hyperlinks_wanted()
    wide = console.width >= WIDE
    table = Table(
        box=box.SIMPLE_HEAD if fancy else None,
        show_edge=False,
        pad_edge=False,
        # Two spaces between columns, as piped: the box's blank divider and one of padding.
        padding=(0, 1, 0, 0) if fancy else (0, 1),
        header_style="bold" if fancy else "",
    )
    hidden = 0
    if fancy:
        papers, hidden = _terminal_rows(result.papers, TERMINAL_ROWS)
    else:
        papers = list(result.papers)
    # With --theme the rows are ordered by the selected theme's score: shown beside the
    # overall score, so that the order reads.
    by_theme = any(t.theme_relevance is not None for t in papers)
    # With --sort relevance: the rows are in the order of the reader's model.
    learned = any(t.learned_relevance is not None for t in papers)
    table.add_column("#", justify="right", no_wrap=True)
    if learned:
        table.add_column("relevance", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    if by_theme:
        table.add_column("theme", justify="right", no_wrap=True)
    if wide:
        table.add_column("themes", ratio=1, min_width=12)
        table.add_column("title", ratio=3, min_width=20)
    else:
        table.add_column("themes", no_wrap=True, max_width=THEMES_WIDTH)
        table.add_column("title", ratio=1, min_width=20)
    for tagged in papers:
        names = [s.theme for s in tagged.themes]
        if tagged.theme_relevance is not None:
            # With --theme, the selected theme (the one whose score ranks the row) comes first.
            chosen = [
                s.theme for s in tagged.themes if abs(s.score - tagged.theme_relevance) < 1e-9
            ]
            names = chosen[:1] + [n for n in names if n not in chosen[:1]]
        themes = _themes_cell(names, wide)
        # Text, not str: a title such as "Filling [mask] Tokens" is not rich markup; and no
        # control character of a title reaches the terminal (an escape sequence would act).
        title = Text(visible(tagged.paper.title))
        url = paper_url(tagged.paper) if links else None
        if url:
            title.stylize(Style(link=url))
        cells = ["" if tagged.rank is None else str(tagged.rank)]
        if learned:
            value = tagged.learned_relevance
            cells.append("" if value is None else f"{value:.2f}")
        cells.append(f"{tagged.relevance:.2f}")
        if by_theme:
            score = tagged.theme_relevance
            cells.append("" if score is None else f"{score:.2f}")
        table.add_row(*cells, Text(visible(themes)), title)
    print_trimmed(console, table)
    if hidden:
        which = "best by score" if papers and papers[0].rank is None else "first"
        console.file.write(
            f"{hidden:,} more not shown (the {len(papers)} {which} above); "
            "for all: --top N, -o FILE or -f jsonl\n"
        )


def _terminal_rows(papers, limit: int) -> tuple[list, int]:
    """At most `limit` papers to show and how many more there are. Every paper is still read
    (a streamed run stores them in the library as it goes). A ranked list keeps its first
    `limit`; a streamed one, in input order, shows its `limit` best by score, in input order."""
    import heapq
    import itertools

    iterator = iter(papers)
    shown = list(itertools.islice(iterator, limit))
    if not shown or shown[0].rank is not None:
        return shown, sum(1 for _ in iterator)
    counter = itertools.count()
    heap = [(p.relevance, -next(counter), p) for p in shown]
    heapq.heapify(heap)
    hidden = 0
    for paper in iterator:
        hidden += 1
        item = (paper.relevance, -next(counter), paper)
        if item > heap[0]:
            heapq.heapreplace(heap, item)
    return [p for _, _, p in sorted(heap, key=lambda x: -x[1])], hidden
