"""Bar charts for a terminal (rich), plain columns when piped.

On a terminal a count or an F1 gets a bar beside it, as the HTML digest draws them; piped or
redirected, the same rows are printed as plain aligned columns without bars, for `awk`,
`sort` and `diff`: the bars are decoration for the eye, never data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO


def bar(value: float, largest: float, width: int):  # -> rich.bar.Bar
    """A bar `width` cells long for `largest`, at least a sliver for a value above zero."""
    from rich.bar import Bar

    end = value if largest > 0 else 0.0
    if 0 < end < largest / (2 * width):
        end = largest / (2 * width)
    return Bar(size=largest or 1.0, begin=0, end=end, width=width, color="blue")


def count_table(counts: Mapping[str, int], fancy: bool, width: int):  # -> rich.table.Table
    """`name  count  bar` rows, one per key (no bar column when not `fancy`)."""
    from rich.table import Table

    table = Table(box=None, show_header=False, show_edge=False, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    if fancy:
        table.add_column(width=width, no_wrap=True)
    largest = max(counts.values(), default=0)
    for key, count in counts.items():
        cells: list[Any] = [key, str(count)]
        if fancy:
            cells.append(bar(count, largest, width))
        table.add_row(*cells)
    return table


def render_stats(stats: Mapping[str, Any], stream: TextIO, width: int = 40) -> None:
    """`papertriage stats` for a person: the library, papers per theme and per week."""
    from rich.padding import Padding
    from rich.text import Text

    from papertriage.digest import plural
    from papertriage.formats.table import make_console, print_trimmed
    from papertriage.terminal import visible

    console = make_console(stream)
    fancy = console.is_terminal
    lines = [
        f"library: {stats['library']}",
        f"{plural(stats['papers'], 'paper')} ({stats['untagged']} without a theme), "
        f"{plural(stats['runs'], 'run')}, "
        f"last {stats['last_run'] or '-'}, {stats['new_in_last_run']} new in the last run",
    ]
    for line in lines:
        console.print(Text(visible(line)))
    for heading, key in (
        ("papers per theme:", "themes"),
        ("papers per week (listing date, else first seen):", "weeks"),
    ):
        console.print()
        console.print(Text(heading, style="bold" if fancy else ""))
        counts = {visible(str(k)): v for k, v in stats[key].items()}
        if counts:
            print_trimmed(console, Padding(count_table(counts, fancy, width), (0, 0, 0, 2)))
        else:
            console.print("  (none)")
