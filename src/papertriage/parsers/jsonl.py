"""JSON Lines: one record a line (papertriage's own ``--format jsonl``).

A line that is not valid JSON, or not a record with a title, is reported with its line and the
other lines are still read. A line holding a whole document (``{"papers": [...]}``) or a list of
records is read as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem
from papertriage.parsers.common import excerpt
from papertriage.parsers.mapping import CONTAINER_KEYS, key_of, record_to_paper
from papertriage.reading import InputText

NAME = "jsonl"


def _records(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key, inner in value.items():
            if key_of(key) in CONTAINER_KEYS and isinstance(inner, list):
                return inner
    return [value]


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            report.add(
                Problem(
                    source.name,
                    number,
                    "json",
                    f"invalid JSON line: {exc.msg} (column {exc.colno}); skipped",
                    excerpt(line),
                )
            )
            continue
        kept = 0
        not_records = 0
        for record in _records(value):
            paper = (
                record_to_paper(record, source.name, number, NAME)
                if isinstance(record, dict)
                else None
            )
            if paper is None and not isinstance(record, dict):
                not_records += 1
                continue
            if paper is None:
                what = (
                    "record has no title field"
                    if isinstance(record, dict)
                    else (f"a {type(record).__name__} where a record should be")
                )
                report.add(
                    Problem(source.name, number, "no-title", f"{what}; skipped", excerpt(line))
                )
                continue
            kept += 1
            yield paper
        if not_records:
            report.add(
                Problem(
                    source.name,
                    number,
                    "json",
                    f"{not_records} value(s) on this line are not records; skipped",
                    excerpt(line),
                )
            )
        if kept:
            report.add_span(source.name, number, number)
