"""Text bound for a terminal: control characters made visible.

A title or a file name may carry escape sequences (``\\x1b]8;;...\\x07`` makes a hidden link,
``\\x1b[2J`` clears the screen) or bidirectional overrides that reorder what is shown. Text
printed for a person (the table, warnings and errors) goes through `visible`, which writes
each such character as its escape (``\\x1b``), so it can be seen and never acts. Data
formats (JSON, CSV) keep the text as it is, escaped as the format escapes it.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping

# Bidirectional embeddings, overrides and isolates: they reorder the text around them.
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Every C0 and C1 control character and DEL (Unicode category Cc), and the bidi controls.
_TABLE = {
    code: _escape(code)
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI]
    if code in _BIDI or unicodedata.category(chr(code)) == "Cc"
}
_KEEP_NEWLINES = {code: text for code, text in _TABLE.items() if code not in (0x0A, 0x09)}


def visible(text: str, newlines: bool = False) -> str:
    """`text` with every control character written as its escape (``\\x1b``); with
    `newlines`, line feeds and tabs are kept (multi-line messages)."""
    return text.translate(_KEEP_NEWLINES if newlines else _TABLE)


def _tty_columns(fd: int) -> int | None:
    try:
        columns = os.get_terminal_size(fd).columns
    except (OSError, ValueError):
        return None
    return columns if columns > 0 else None


def output_width(stream: object = None, environ: Mapping[str, str] | None = None) -> int:
    """The width to lay out text for `stream` in, when it is not a terminal (a pipe, a file).

    `| less` and `| head` are read on the terminal the command runs in, so its width is the
    one to use: exported COLUMNS first (someone set it on purpose; bash does not export it by
    itself), else the width of the terminal stderr is on, else of the controlling terminal
    (/dev/tty), else 80.
    """
    env = os.environ if environ is None else environ
    columns = (env.get("COLUMNS") or "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is not None and os.isatty(fd):
        width = _tty_columns(fd)
        if width:
            return width
    try:
        tty = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return 80
    try:
        return _tty_columns(tty) or 80
    finally:
        os.close(tty)


def hyperlinks_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a terminal may be sent OSC 8 hyperlinks: not on the Linux console or a dumb
    terminal (they would print the escape), and not when PAPERTRIAGE_NO_LINKS is set."""
    env = os.environ if environ is None else environ
    if env.get("PAPERTRIAGE_NO_LINKS"):
        return False
    return env.get("TERM", "") not in ("dumb", "linux")
