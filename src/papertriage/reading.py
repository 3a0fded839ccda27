"""Bytes to text: BOM, CRLF, invalid UTF-8 (replaced and reported with file and line)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from papertriage.errors import InputError
from papertriage.models import Problem

STDIN_NAME = "<stdin>"


@dataclass
class InputText:
    name: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def decode(data: bytes, name: str) -> InputText:
    """Decode UTF-8 (BOM optional); invalid bytes become U+FFFD and a problem per line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Decode line by line so that each replacement can be reported where it happened.
        parts = []
        # Split on every kind of line end, so that line numbers are right for CR-only files.
        for number, raw in enumerate(re.split(rb"\r\n|\r|\n", data), start=1):
            try:
                parts.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                fixed = raw.decode("utf-8", errors="replace")
                parts.append(fixed)
                problems.append(
                    Problem(
                        name,
                        number,
                        "encoding",
                        f"invalid UTF-8 at byte {exc.start + 1} of the line, replaced with U+FFFD",
                        fixed.strip()[:80],
                    )
                )
        text = "\n".join(parts)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return InputText(name, text, problems)


def read_input(path: str, stdin: BinaryIO | None = None) -> InputText:
    """Read a file, or standard input for ``-``; raise InputError with a one-line reason."""
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read()
        name = STDIN_NAME
    else:
        p = Path(path)
        if p.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except PermissionError:
            raise InputError(f"{path}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        name = path
    if not data.strip():
        what = "empty" if not data else "blank (only white space)"
        raise InputError(f"{name}: input is {what}; nothing to triage")
    return decode(data, name)
