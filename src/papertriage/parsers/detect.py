"""Pick the parser for an input: forced by name, or detected from the text.

Detection looks at the start of the text (and at the file extension as a hint):

- ``<`` first, an Atom ``<feed`` (arXiv API)                     -> arxiv-atom
- ``{`` or ``[`` first: a first line that is a JSON value alone  -> jsonl, else json
- ``TY  - `` tag lines                                           -> ris
- ``@type{`` at the start of a line                              -> bibtex
- numbered ``## N. title`` headings with ``*score ...*`` lines    -> markdown
- a first row that is a CSV header naming a title column         -> csv
- ``\\`` lines around ``arXiv:ID`` entries (the arXiv mail digest) -> arxiv-email
- ``arXiv:2407.01234`` entry lines and ``Title:`` lines           -> arxiv-listing
- Daily Papers chrome, or titles alternating with long abstracts -> hf-daily
- anything else                                                  -> text

An extension (.bib, .ris, .xml/.atom, .json, .jsonl/.ndjson, .csv/.tsv, .md) is used when the text
does not clearly say otherwise (e.g. a ``.json`` file that holds JSON Lines is read as jsonl).

`parse_input` runs the parser and then checks the accounting: every non-blank line must be in
a paper, in chrome or in a problem. A line that is in none is reported as an "unaccounted"
problem, so that nothing is ever dropped silently even if a parser has a gap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from papertriage.errors import InputError
from papertriage.models import Paper, ParseReport, Problem
from papertriage.parsers import (
    arxiv_atom,
    arxiv_email,
    arxiv_listing,
    bibtex,
    csv_input,
    hf_daily,
    json_input,
    jsonl,
    markdown,
    ris,
    text,
)
from papertriage.parsers.common import excerpt, parse_date_heading
from papertriage.reading import InputText

Parser = Callable[[InputText, ParseReport], Iterator[Paper]]

FORMATS: dict[str, Parser] = {
    hf_daily.NAME: hf_daily.parse,
    arxiv_listing.NAME: arxiv_listing.parse,
    arxiv_email.NAME: arxiv_email.parse,
    arxiv_atom.NAME: arxiv_atom.parse,
    bibtex.NAME: bibtex.parse,
    ris.NAME: ris.parse,
    json_input.NAME: json_input.parse,
    jsonl.NAME: jsonl.parse,
    csv_input.NAME: csv_input.parse,
    markdown.NAME: markdown.parse,
    text.NAME: text.parse,
}

EXTENSIONS = {
    ".bib": bibtex.NAME,
    ".bibtex": bibtex.NAME,
    ".ris": ris.NAME,
    ".xml": arxiv_atom.NAME,
    ".atom": arxiv_atom.NAME,
    ".json": json_input.NAME,
    ".jsonl": jsonl.NAME,
    ".ndjson": jsonl.NAME,
    ".csv": csv_input.NAME,
    ".tsv": csv_input.NAME,
    ".md": markdown.NAME,
    ".markdown": markdown.NAME,
}

_SNIFF = 65536  # characters looked at
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ", re.MULTILINE)
_RIS_TY = re.compile(r"^TY  - ", re.MULTILINE)
_BIB_ENTRY = re.compile(r"^[ \t]*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_LISTING_ENTRY = re.compile(r"^\s*(?:\[\d+\]\s*)?arXiv:\d{4}\.\d{4,5}", re.MULTILINE | re.I)
_LISTING_TITLE = re.compile(r"^\s*Title:", re.MULTILINE)
_HF_DISTINCTIVE = {
    "daily papers",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox",
    "byak and the research community",
    "by ak and the research community",
    "submitted by",
    "upvote",
    "trending papers",
}
_HF_PATTERNS = [
    re.compile(r"^[·•]\s*\d+\s+authors?$", re.I),
    re.compile(r"^submitted\s+by\s+\S+", re.I),
    re.compile(r"^upvotes?\s+\d+$", re.I),
]


def extension_hint(name: str) -> str | None:
    lowered = name.lower()
    for extension, fmt in EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    return None


def _first_line(sample: str) -> str:
    for line in sample.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def _json_kind(sample: str) -> str:
    first = _first_line(sample)
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return json_input.NAME
    # One complete value on the first line: JSON Lines, unless it is the whole text.
    return jsonl.NAME


def _looks_json(sample: str) -> bool:
    stripped = sample.lstrip()
    if stripped.startswith("{"):
        return bool(re.match(r"\{\s*(\"|\}|$)", stripped))
    return bool(re.match(r"\[\s*(\{|\[|\]|\"|$|\d|-|true|false|null)", stripped))


def _hf_daily_like(sample: str) -> bool:
    lines = [line.strip() for line in sample.split("\n")]
    chrome = 0
    for line in lines:
        low = line.lower()
        if (
            low in _HF_DISTINCTIVE
            or any(p.match(line) for p in _HF_PATTERNS)
            or (line and parse_date_heading(line) is not None)
        ):
            chrome += 1
    if chrome >= 2:
        return True
    # Titles alternating with long one-line abstracts (blank lines between or not), with no
    # wrapped paragraphs: what a copied Daily Papers page looks like without its chrome.
    content = [line for line in lines if line]
    long_lines = [line for line in content if len(line) > text.MAX_TITLE]
    if not long_lines:
        return False
    previous = ""
    for raw in sample.split("\n"):
        line = raw.strip()
        if line and previous and not text.is_title_like(line) and len(line) <= text.MAX_TITLE:
            return False  # a wrapped paragraph: plain text blocks
        previous = line
    return True


def sniff(source: InputText) -> str:
    """The format the text itself suggests (without the extension)."""
    sample = source.head[:_SNIFF]
    stripped = sample.lstrip()
    if stripped.startswith("<"):
        return arxiv_atom.NAME
    if stripped[:1] in "{[" and _looks_json(sample):
        return _json_kind(sample)
    if _RIS_TY.search(sample) and len(_RIS_TAG.findall(sample)) >= 2:
        return ris.NAME
    if _BIB_ENTRY.search(sample):
        return bibtex.NAME
    if markdown.looks_like(sample):
        return markdown.NAME
    if csv_input.sniff_header(_first_line(sample)) is not None:
        return csv_input.NAME
    if arxiv_email.looks_like(sample):
        return arxiv_email.NAME
    if _LISTING_ENTRY.search(sample) and _LISTING_TITLE.search(sample):
        return arxiv_listing.NAME
    if _hf_daily_like(sample):
        return hf_daily.NAME
    return text.NAME


def detect_format(source: InputText) -> str:
    """Name of the parser that fits the text best."""
    found = sniff(source)
    hint = extension_hint(source.name)
    if hint is None or hint == found:
        return found
    if found in {json_input.NAME, jsonl.NAME} and hint in {json_input.NAME, jsonl.NAME}:
        return found  # the text says which of the two it is
    if found in {text.NAME, hf_daily.NAME}:
        return hint  # the text said nothing clear: trust the extension
    return found


def parse_input(
    source: InputText, report: ParseReport, input_format: str | None = None
) -> Iterator[Paper]:
    """Parse one input, recording its format and record count in the report.

    Papers are yielded as the parser finds them, so a large input streams through; the
    accounting of its lines is checked when it ends.
    """
    name = input_format or detect_format(source)
    if name not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"unknown input format {name!r} (known: {known})")
    report.formats[source.name] = name
    report.records.setdefault(source.name, 0)
    spans_before = len(report.spans)
    starts: list[int] = []  # for parsers that record no spans: where each paper starts
    for paper in FORMATS[name](source, report):
        report.records[source.name] += 1
        if len(report.spans) == spans_before and paper.sources:
            starts.append(paper.sources[0].line)
        yield paper
    # Decoding problems are known once the input has been read.
    report.problems.extend(source.problems)
    if len(report.spans) == spans_before and starts:
        _derive_spans(source, report, starts)
    account(source, report)


def _derive_spans(source: InputText, report: ParseReport, starts: list[int]) -> None:
    """For parsers that record no spans (hf-daily): a paper runs from its line to the next's."""
    starts = sorted(set(starts))
    total = len(source.nonblank_lines()) - 1
    for k, first in enumerate(starts):
        last = starts[k + 1] - 1 if k + 1 < len(starts) else total
        report.add_span(source.name, first, last)


def account(source: InputText, report: ParseReport) -> None:
    """Report every non-blank line that is in no paper, no chrome and no problem."""
    missing = report.unaccounted(source.name, source.nonblank_lines())
    texts = source.line_text(set(missing))
    for number in missing:
        report.add(
            Problem(
                source.name,
                number,
                "unaccounted",
                "line was not read into a paper, chrome or a problem",
                excerpt(texts.get(number, "")),
            )
        )
