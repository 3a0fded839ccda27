"""``table``: the ranked list for a terminal (rich), plain aligned text when piped."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from papertriage.formats import RunResult
from papertriage.terminal import visible


def make_console(stream: TextIO):  # -> rich.console.Console, imported lazily for start-up speed
    from rich.console import Console

    is_tty = stream.isatty() if hasattr(stream, "isatty") else False
    width = None
    if not is_tty:
        width = int(os.environ.get("COLUMNS", "120") or 120)
    return Console(
        file=stream,
        width=width,
        no_color=bool(os.environ.get("NO_COLOR")) or not is_tty,
        force_terminal=is_tty if stream is not sys.stdout else None,
        highlight=False,
        emoji=False,
    )


def render(result: RunResult, stream: TextIO) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = make_console(stream)
    fancy = console.is_terminal
    table = Table(
        box=box.SIMPLE_HEAD if fancy else None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if fancy else "",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("themes", ratio=1, min_width=12)
    table.add_column("title", ratio=3, min_width=20)
    for tagged in result.papers:
        themes = ", ".join(s.theme for s in tagged.themes) or "-"
        # Text, not str: a title such as "Filling [mask] Tokens" is not rich markup; and no
        # control character of a title reaches the terminal (an escape sequence would act).
        table.add_row(
            str(tagged.rank),
            f"{tagged.relevance:.2f}",
            Text(visible(themes)),
            Text(visible(tagged.paper.title)),
        )
    console.print(table)
