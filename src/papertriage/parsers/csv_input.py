"""CSV (or TSV / semicolon-separated) with a header row that names a title column.

Column names are mapped like JSON keys (title/Title/TI, abstract/summary/AB, ...). Cells that
papertriage's ``--format csv`` prefixed with ``'`` to neutralise a formula (``'=...``,
``'+...``, ``'-...``, ``'@...``) get the quote removed again.

A row with a bad quote (text after a closing quote, a quote never closed) or with more cells
than the header is reported with its line; reading resumes on the line after the start of the
bad row, so the rows that a runaway quote swallowed are still read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from papertriage.models import Paper, ParseReport, Problem
from papertriage.parsers.common import excerpt
from papertriage.parsers.mapping import field_names, has_title_field, record_to_paper
from papertriage.reading import InputText

NAME = "csv"
DELIMITERS = (",", "\t", ";", "|")
_FORMULA = ("=", "+", "-", "@")


def unneutralise(cell: str) -> str:
    """Undo csv_format.neutralise: "'=1+2" -> "=1+2"; any other cell is left as it is."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA:
        return cell[1:]
    return cell


def _split(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return None


def sniff_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, header) when `line` is a header row with a title column, else None."""
    best: tuple[str, list[str]] | None = None
    for delimiter in DELIMITERS:
        if delimiter not in line:
            continue
        cells = _split(line, delimiter)
        if (
            cells
            and len(cells) >= 2
            and has_title_field([c.strip() for c in cells])
            and (best is None or len(cells) > len(best[1]))
        ):
            best = (delimiter, [c.strip() for c in cells])
    return best


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    # A quoted cell may span lines and a bad quote means reading again from its start, so the
    # rows need random access: a streamed input is held as a list of lines for this format.
    lines = list(source.lines)
    header_at = next((n for n, text in enumerate(lines) if text.strip()), None)
    if header_at is None:
        return
    sniffed = sniff_header(lines[header_at])
    if sniffed is None and has_title_field([lines[header_at].strip().strip('"')]):
        # A one-column file (a list of titles): read as CSV only when named .csv or forced.
        sniffed = (",", [lines[header_at].strip().strip('"')])
    if sniffed is None:
        report.add(
            Problem(
                source.name,
                header_at + 1,
                "csv",
                "no header row naming a title column (title, Title, TI, name, ...); nothing read",
                excerpt(lines[header_at]),
            )
        )
        report.add_span(source.name, header_at + 1, len(lines), "problem")
        return
    delimiter, header = sniffed
    mapping = field_names(header)
    report.add_chrome(source.name, header_at + 1, "header")

    start = header_at + 1  # 0-based index of the next line to read
    while start < len(lines):
        stream = io.StringIO("\n".join(lines[start:]))
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        restart: int | None = None
        row_start = start + 1  # 1-based line of the row being read
        # After a bad quote the lines it swallowed are read again; until a row with every
        # column is read, short rows are the rest of the broken row, not papers.
        recovering = start > header_at + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.add(
                    Problem(
                        source.name,
                        row_start,
                        "csv",
                        f"bad quoting in the CSV row starting here ({exc}); skipped",
                        excerpt(lines[row_start - 1]),
                    )
                )
                report.add_span(source.name, row_start, row_start, "problem")
                restart = row_start  # 0-based index of the line after the bad row's start
                break
            row_end = start + reader.line_num  # 1-based line where the row ended
            first = row_start
            row_start = row_end + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) or (
                len(row) < len(header) and (row_end > first or recovering)
            ):
                report.add(
                    Problem(
                        source.name,
                        first,
                        "csv",
                        f"row has {len(row)} cells for {len(header)} columns "
                        "(a quote opened and not closed?); skipped",
                        excerpt(lines[first - 1]),
                    )
                )
                report.add_span(source.name, first, first, "problem")
                if row_end > first:
                    restart = first
                    break
                continue
            recovering = False
            record = {name: unneutralise(cell) for name, cell in zip(header, row)}
            paper = record_to_paper(record, source.name, first, NAME, mapping)
            if paper is None:
                report.add(
                    Problem(
                        source.name,
                        first,
                        "no-title",
                        "row has an empty title; skipped",
                        excerpt(lines[first - 1]),
                    )
                )
                report.add_span(source.name, first, row_end, "problem")
                continue
            report.add_span(source.name, first, row_end)
            yield paper
        if restart is None:
            break
        start = restart
