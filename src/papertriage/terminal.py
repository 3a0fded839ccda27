"""Text bound for a terminal: control characters made visible.

A title or a file name may carry escape sequences (``\\x1b]8;;...\\x07`` makes a hidden link,
``\\x1b[2J`` clears the screen) or bidirectional overrides that reorder what is shown. Text
printed for a person (the table, warnings and errors) goes through `visible`, which writes
each such character as its escape (``\\x1b``), so it can be seen and never acts. Data
formats (JSON, CSV) keep the text as it is, escaped as the format escapes it.
"""

from __future__ import annotations

import unicodedata

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
