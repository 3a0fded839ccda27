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
    binary: str | None = None  # why the input was skipped as not text

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


MAX_LINE = 1 << 20  # bytes; no title, abstract or record line of a listing comes near it


class Overlong(bytes):
    """Stands for a line longer than MAX_LINE, which is not kept: its length is `size`."""

    size = 0


def _overlong(size: int) -> Overlong:
    marker = Overlong()
    marker.size = size
    return marker


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Byte lines split on LF (kept without it), as ``data.split(b"\\n")`` would give them.

    A line longer than MAX_LINE is not held in memory: an Overlong marker stands for it.
    """
    pending = b""
    skipped = 0  # bytes of an overlong line dropped so far
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if skipped:
                yield _overlong(skipped + len(line))
                skipped = 0
            elif len(line) > MAX_LINE:
                yield _overlong(len(line))
            else:
                yield line
        if len(pending) > MAX_LINE:
            skipped += len(pending)
            pending = b""
    if skipped:
        yield _overlong(skipped + len(pending))
    else:
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
            if isinstance(raw, Overlong):
                number += 1
                if first_pass:
                    self.bytes_read += raw.size + 1
                    nonblank.append(0)
                self._problems.setdefault(number, _overlong_problem(self.name, number, raw.size))
                yield ""
                continue
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


def _overlong_problem(name: str, number: int, size: int) -> Problem:
    return Problem(
        name,
        number,
        "overlong",
        f"line is {size / 1e6:.1f} MB long, more than any listing line (limit "
        f"{MAX_LINE // (1 << 20)} MiB); skipped",
    )


def _encoding_problem(name: str, number: int, exc: UnicodeDecodeError, line: str) -> Problem:
    return Problem(
        name,
        number,
        "encoding",
        f"invalid UTF-8 at byte {exc.start + 1} of the line, replaced with U+FFFD",
        line.strip()[:80],
    )


_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_MAGIC = (
    (b"%PDF-", "a PDF document: convert it to text first (pdftotext)"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt document)"),
    (b"\x1f\x8b", "gzip-compressed: decompress it first (zcat FILE | papertriage ingest -)"),
    (b"\x7fELF", "an executable program"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def wide_encoding(head: bytes) -> str | None:
    """UTF-16/32 named by a BOM, or UTF-16 without one (a NUL byte beside every ASCII one)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    sample = head[: 4096 - 4096 % 4]
    if len(sample) >= 8 and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def binary_kind(head: bytes) -> str | None:
    """Why `head` is not text (a known file type, or NUL and control bytes), else None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    sample = head[:4096]
    if b"\x00" in sample:
        return "binary data (NUL bytes)"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if sample and controls > 0.05 * len(sample):
        return "binary data (control bytes)"
    return None


def _decode_wide(data: bytes, encoding: str, name: str) -> InputText:
    bom = next((b for b, e in _BOMS if e == encoding), b"")
    if data.startswith(bom):
        data = data[len(bom) :]
    problems = []
    text = data.decode(encoding, errors="replace")
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        problems.append(
            Problem(name, line, "encoding", f"invalid {encoding.upper()}, replaced with U+FFFD")
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return InputText(name, text, problems)


def _skipped(source: StreamText, what: str) -> InputText:
    source.close()
    problem = Problem(source.name, 1, "binary", f"binary file skipped: {what}; no papers read")
    skipped = InputText(source.name, "", [problem])
    skipped.binary = what
    return skipped


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
    encoding = wide_encoding(head)
    if encoding is not None:
        # UTF-16/32 files are small exports (Windows tools): decoded whole, in memory.
        data = b"".join(source._chunks())
        source.close()
        return _decode_wide(data, encoding, name)
    what = binary_kind(head)
    if what is not None:
        return _skipped(source, what)
    if len(head) < HEAD_CHARS and not head.strip():
        what = "empty" if not head else "blank (only white space)"
        raise InputError(f"{name}: input is {what}; nothing to triage")
    return source
