"""Bytes to text: BOM, CRLF, invalid UTF-8 (replaced and reported with file and line)."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from papertriage.errors import InputError
from papertriage.models import Problem

STDIN_NAME = "<stdin>"


HEAD_CHARS = 65536  # what format detection looks at


@dataclass
class InputText:
    """A whole input in memory (tests, small documents)."""

    name: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def head(self) -> str:
        return self.text[:HEAD_CHARS]

    bytes_read = 0

    def close(self) -> None:
        """Nothing to let go of for a text in memory."""

    def nonblank_lines(self) -> bytearray:
        """One byte a line (1-based index): 1 where the line is not blank."""
        return bytearray([0]) + bytearray(1 if line.strip() else 0 for line in self.lines)

    def line_text(self, numbers: set[int]) -> dict[int, str]:
        lines = self.lines
        return {n: lines[n - 1] for n in numbers if 0 < n <= len(lines)}


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
                problems.append(_encoding_problem(name, number, exc, fixed))
        text = "\n".join(parts)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return InputText(name, text, problems)


_CHUNK = 1 << 16


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Byte lines split on LF (kept without it), as ``data.split(b"\\n")`` would give them."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        yield from complete
    yield pending


class StreamText(InputText):
    """An input read from a file or a pipe line by line, never held whole in memory.

    Line ends, BOM and invalid bytes are treated exactly as `decode` treats them. A file is
    opened anew for every pass; a pipe is copied to a temporary file as it is read, so that
    it can be read again (for the few formats that need the whole document, and to quote
    lines in problems) and so that passes can interleave.
    """

    def __init__(self, name: str, path: Path | None = None, stream: BinaryIO | None = None):
        self.name = name
        self._path = path
        self._stream = stream
        self._spool: BinaryIO | None = None
        self._drained = path is not None
        self._problems: dict[int, Problem] = {}
        self._nonblank: bytearray | None = None
        self.bytes_read = 0  # by the first pass, for progress
        if path is not None:
            with path.open("rb") as handle:
                self._head_bytes = handle.read(HEAD_CHARS)
        else:
            self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the input
            self._head_bytes = b""
            for chunk in self._chunks():
                self._head_bytes += chunk
                if len(self._head_bytes) >= HEAD_CHARS:
                    break

    # -- raw bytes ---------------------------------------------------------------------
    def _chunks(self) -> Iterator[bytes]:
        if self._path is not None:
            with self._path.open("rb") as handle:
                yield from iter(lambda: handle.read(_CHUNK), b"")
            return
        spool, stream = self._spool, self._stream
        assert spool is not None and stream is not None
        position = 0
        while True:
            spool.seek(position)
            chunk = spool.read(_CHUNK)
            if not chunk:
                if self._drained:
                    return
                # read1: what the pipe has now, so that lines flow on as they arrive.
                read = getattr(stream, "read1", stream.read)
                chunk = read(_CHUNK)
                if not chunk:
                    self._drained = True
                    return
                spool.seek(0, 2)
                spool.write(chunk)
            position += len(chunk)
            yield chunk

    # -- text --------------------------------------------------------------------------
    @property
    def head(self) -> str:
        data = self._head_bytes.removeprefix(b"\xef\xbb\xbf")
        text = data.decode("utf-8", errors="replace")
        return text.replace("\r\n", "\n").replace("\r", "\n")

    @property
    def problems(self) -> list[Problem]:  # type: ignore[override]
        return [self._problems[n] for n in sorted(self._problems)]

    @problems.setter
    def problems(self, value: list[Problem]) -> None:
        self._problems = {p.line: p for p in value}

    @property
    def text(self) -> str:  # type: ignore[override]
        """The whole input (for formats that need the whole document at once)."""
        data = b"".join(self._chunks())
        whole = decode(data, self.name)
        for problem in whole.problems:
            self._problems.setdefault(problem.line, problem)
        return whole.text

    @text.setter
    def text(self, value: str) -> None:
        raise AttributeError("a streamed input cannot be replaced")

    def iter_lines(self) -> Iterator[str]:
        """Decoded lines, one at a time; the first pass also notes problems and blank lines."""
        first_pass = self._nonblank is None
        nonblank = bytearray([0])
        number = 0
        for index, raw in enumerate(_split_lines(self._chunks())):
            if first_pass:
                self.bytes_read += len(raw) + 1
            if index == 0:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            for part in raw.split(b"\r"):
                number += 1
                try:
                    line = part.decode("utf-8")
                except UnicodeDecodeError as exc:
                    line = part.decode("utf-8", errors="replace")
                    self._problems.setdefault(
                        number, _encoding_problem(self.name, number, exc, line)
                    )
                if first_pass:
                    nonblank.append(1 if line.strip() else 0)
                yield line
        if first_pass:
            self._nonblank = nonblank

    @property
    def lines(self) -> Iterable[str]:  # type: ignore[override]
        return _Lines(self)

    def nonblank_lines(self) -> bytearray:
        if self._nonblank is None:
            for _ in self.iter_lines():
                pass
        assert self._nonblank is not None
        return self._nonblank

    def line_text(self, numbers: set[int]) -> dict[int, str]:
        found = {}
        if numbers:
            for number, line in enumerate(self.iter_lines(), start=1):
                if number in numbers:
                    found[number] = line
        return found

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


class _Lines:
    """Re-iterable view of a streamed input's lines (``len`` reads it once more)."""

    def __init__(self, source: StreamText):
        self._source = source

    def __iter__(self) -> Iterator[str]:
        return self._source.iter_lines()

    def __len__(self) -> int:
        return len(self._source.nonblank_lines()) - 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, _Lines)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, index: int) -> str:
        number = index + 1 if index >= 0 else len(self) + index + 1
        return self._source.line_text({number}).get(number, "")


def _encoding_problem(name: str, number: int, exc: UnicodeDecodeError, line: str) -> Problem:
    return Problem(
        name,
        number,
        "encoding",
        f"invalid UTF-8 at byte {exc.start + 1} of the line, replaced with U+FFFD",
        line.strip()[:80],
    )


def read_input(path: str, stdin: BinaryIO | None = None) -> InputText:
    """Open a file, or standard input for ``-``, for reading line by line.

    Raise InputError with a one-line reason when it is missing, unreadable, empty or blank.
    """
    try:
        if path == "-":
            source = StreamText(STDIN_NAME, stream=stdin if stdin is not None else sys.stdin.buffer)
        else:
            p = Path(path)
            if p.is_dir():
                raise InputError(f"{path}: is a directory, not a file")
            source = StreamText(path, path=p)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    name = source.name
    head = source._head_bytes
    if len(head) < HEAD_CHARS and not head.strip():
        what = "empty" if not head else "blank (only white space)"
        raise InputError(f"{name}: input is {what}; nothing to triage")
    return source
