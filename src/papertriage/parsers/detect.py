"""Pick the parser for an input: forced by name, or detected from the text."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from papertriage.errors import InputError
from papertriage.models import Paper, ParseReport
from papertriage.parsers import hf_daily
from papertriage.reading import InputText

Parser = Callable[[InputText, ParseReport], Iterator[Paper]]

FORMATS: dict[str, Parser] = {
    hf_daily.NAME: hf_daily.parse,
}


def detect_format(source: InputText) -> str:
    """Name of the parser that fits the text best."""
    return hf_daily.NAME


def parse_input(
    source: InputText, report: ParseReport, input_format: str | None = None
) -> Iterator[Paper]:
    """Parse one input, recording its format and record count in the report."""
    name = input_format or detect_format(source)
    if name not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"unknown input format {name!r} (known: {known})")
    report.formats[source.name] = name
    report.records.setdefault(source.name, 0)
    report.problems.extend(source.problems)
    for paper in FORMATS[name](source, report):
        report.records[source.name] += 1
        yield paper
