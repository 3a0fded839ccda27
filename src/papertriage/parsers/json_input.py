"""JSON: a list of records, a document holding one (``{"papers": [...]}``, papertriage's own
``--format json``), a single record, or several such values one after the other.

The text is walked value by value (``json.JSONDecoder.raw_decode``) so that every record knows
its lines. When a record is malformed the error is reported with its file:line and reading
resumes at the next line that starts a record at the same indentation, so that the records
after it are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem
from papertriage.parsers.common import LineIndex, excerpt
from papertriage.parsers.mapping import CONTAINER_KEYS, key_of, record_to_paper
from papertriage.reading import InputText

NAME = "json"

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")


class _Walker:
    def __init__(self, source: InputText, report: ParseReport, fmt: str) -> None:
        self.source = source
        self.report = report
        self.fmt = fmt
        self.text = source.text
        self.index = LineIndex(self.text)
        self.papers: list[Paper] = []

    def line(self, offset: int) -> int:
        return self.index.line(offset)

    def skip(self, i: int) -> int:
        return _SPACE.match(self.text, i).end()  # type: ignore[union-attr]

    def chrome(self, start: int, end: int, kind: str) -> None:
        first = self.line(start)
        for n, text in enumerate(self.text[start:end].split("\n"), start=first):
            if text.strip():
                self.report.add_chrome(self.source.name, n, kind)

    def problem(self, line: int, last: int, kind: str, message: str) -> None:
        lines = self.source.lines
        self.report.add(
            Problem(
                self.source.name,
                line,
                kind,
                message,
                excerpt(lines[line - 1] if 0 < line <= len(lines) else ""),
            )
        )
        self.report.add_span(self.source.name, line, last, "problem")

    def record(self, value: object, start: int, end: int) -> Iterator[Paper]:
        first, last = self.line(start), self.line(max(start, end - 1))
        if not isinstance(value, dict):
            self.problem(first, last, "json", f"a {type(value).__name__} where a record should be")
            return
        paper = record_to_paper(value, self.source.name, first, self.fmt)
        if paper is None:
            self.problem(first, last, "no-title", "record has no title field; skipped")
            return
        self.report.add_span(self.source.name, first, last)
        yield paper

    def resync(self, error_offset: int, indent: str | None) -> int | None:
        """Offset of the next line after the error that starts a record (`{` at `indent`)."""
        pattern = re.compile(
            r"^" + (re.escape(indent) if indent is not None else r"[ \t]*") + r"\{", re.MULTILINE
        )
        line_end = self.text.find("\n", error_offset)
        if line_end == -1:
            return None
        match = pattern.search(self.text, line_end + 1)
        return match.end() - 1 if match else None

    def decode_error(self, exc: json.JSONDecodeError, start: int) -> None:
        first = self.line(start)
        self.report.add(
            Problem(
                self.source.name,
                exc.lineno,
                "json",
                f"invalid JSON: {exc.msg} (column {exc.colno}); the record from line {first} "
                "is skipped",
                excerpt(
                    self.source.lines[exc.lineno - 1]
                    if exc.lineno <= len(self.source.lines)
                    else ""
                ),
            )
        )

    def array(self, i: int) -> Iterator[Paper | int]:
        """Records of the array at text[i] == '['; yields papers, and finally the end offset."""
        self.chrome(i, i + 1, "json")
        i = self.skip(i + 1)
        indent: str | None = None
        while i < len(self.text):
            ch = self.text[i]
            if ch == "]":
                self.chrome(i, i + 1, "json")
                yield i + 1
                return
            if ch == ",":
                self.chrome(i, i + 1, "json")
                i = self.skip(i + 1)
                continue
            line_start = self.text.rfind("\n", 0, i) + 1
            if indent is None and self.text[line_start:i].strip() == "":
                indent = self.text[line_start:i]
            try:
                value, end = _DECODER.raw_decode(self.text, i)
            except json.JSONDecodeError as exc:
                self.decode_error(exc, i)
                resume = self.resync(exc.pos, indent)
                self.report.add_span(
                    self.source.name,
                    self.line(i),
                    self.line(resume) - 1 if resume is not None else len(self.source.lines),
                    "problem",
                )
                if resume is None:
                    yield len(self.text)
                    return
                i = resume
                continue
            yield from self.record(value, i, end)
            i = self.skip(end)
        self.problem(
            self.line(len(self.text) - 1),
            self.line(len(self.text) - 1),
            "json",
            "the JSON breaks off: a closing ']' is missing",
        )
        yield len(self.text)

    def document(self, i: int) -> Iterator[Paper | int]:
        """The value at text[i]: an array, a document with a list of records, or one record."""
        if self.text[i] == "[":
            yield from self.array(i)
            return
        if self.text[i] != "{":
            try:
                _, end = _DECODER.raw_decode(self.text, i)
            except json.JSONDecodeError as exc:
                self.decode_error(exc, i)
                self.report.add_span(
                    self.source.name, self.line(i), len(self.source.lines), "problem"
                )
                yield len(self.text)
                return
            self.problem(self.line(i), self.line(end - 1), "json", "not a JSON record or list")
            yield end
            return
        try:
            value, end = _DECODER.raw_decode(self.text, i)
        except json.JSONDecodeError:
            value, end = None, None
        if isinstance(value, dict) and not any(
            key_of(k) in CONTAINER_KEYS and isinstance(v, list) for k, v in value.items()
        ):
            yield from self.record(value, i, end)  # type: ignore[arg-type]
            yield end  # type: ignore[misc]
            return
        yield from self.container(i)

    def container(self, i: int) -> Iterator[Paper | int]:
        """An object whose record list (``papers``, ...) is walked; other keys are chrome."""
        self.chrome(i, i + 1, "json")
        i = self.skip(i + 1)
        while i < len(self.text):
            ch = self.text[i]
            if ch == "}":
                self.chrome(i, i + 1, "json")
                yield i + 1
                return
            if ch == ",":
                i = self.skip(i + 1)
                continue
            key_start = i
            try:
                key, i = _DECODER.raw_decode(self.text, i)
                i = self.skip(i)
                if not isinstance(key, str) or self.text[i : i + 1] != ":":
                    raise json.JSONDecodeError("expected a key and ':'", self.text, i)
                i = self.skip(i + 1)
                if key_of(key) in CONTAINER_KEYS and self.text[i : i + 1] == "[":
                    self.chrome(key_start, i, "json")
                    end = len(self.text)
                    for item in self.array(i):
                        if isinstance(item, int):
                            end = item
                        else:
                            yield item
                    i = self.skip(end)
                    continue
                _, end = _DECODER.raw_decode(self.text, i)
            except json.JSONDecodeError as exc:
                self.decode_error(exc, key_start)
                self.report.add_span(
                    self.source.name, self.line(key_start), len(self.source.lines), "problem"
                )
                yield len(self.text)
                return
            # Other keys (schema_version, problems, stats, ...) are document furniture.
            self.chrome(key_start, end, "json-" + key_of(key))
            i = self.skip(end)
        self.problem(
            self.line(len(self.text) - 1),
            self.line(len(self.text) - 1),
            "json",
            "the JSON breaks off: a closing '}' is missing",
        )
        yield len(self.text)


def parse_values(source: InputText, report: ParseReport, fmt: str) -> Iterator[Paper]:
    walker = _Walker(source, report, fmt)
    i = walker.skip(0)
    while i < len(walker.text):
        end = len(walker.text)
        for item in walker.document(i):
            if isinstance(item, int):
                end = item
            else:
                yield item
        i = walker.skip(max(end, i + 1))


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    yield from parse_values(source, report, NAME)
