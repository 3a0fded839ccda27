"""BibTeX as Zotero, Google Scholar and arXiv export it, read by a small hand-written parser.

Entries ``@type{key, field = value, ...}`` (or with parentheses); values in braces (nested),
in "quotes", numbers or ``@string`` macros, joined with ``#``. ``@comment`` and ``@preamble`` are
skipped and, like any text between entries, recorded as chrome. LaTeX in the text fields is
turned into Unicode (see `latex.to_text`).

Recovery: an entry whose braces do not close before the next line that starts a new entry
(``@article{...``) -- or before the end of the input -- is reported with the line where it
starts, and reading goes on with the next entry.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from papertriage.models import Paper, ParseReport, Problem, Source
from papertriage.parsers.common import (
    LineIndex,
    excerpt,
    find_arxiv_id,
    normalise_space,
    to_iso_date,
)
from papertriage.parsers.latex import to_text
from papertriage.reading import InputText

NAME = "bibtex"

_ENTRY_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_LINE_ENTRY_START = re.compile(r"^[ \t]*@\s*[A-Za-z][\w-]*\s*[{(]", re.MULTILINE)
_KEY = re.compile(r"\s*([^\s,=]*)\s*,")
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_MONTHS = {
    "jan": "01",
    "feb": "02",
    "mar": "03",
    "apr": "04",
    "may": "05",
    "jun": "06",
    "jul": "07",
    "aug": "08",
    "sep": "09",
    "oct": "10",
    "nov": "11",
    "dec": "12",
}
_MONTH_NAMES = {
    key: name
    for key, name in zip(
        _MONTHS,
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    )
}


class BibError(Exception):
    def __init__(self, message: str, offset: int, partial: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.partial = partial  # the fields read before an entry that is not closed


@dataclass
class Entry:
    kind: str
    key: str
    fields: dict[str, str]
    start: int
    end: int


class _Scanner:
    def __init__(self, text: str, limit: int, macros: dict[str, str]) -> None:
        self.text = text
        self.limit = limit  # the entry must end before this offset
        self.macros = macros
        self.warnings: list[tuple[str, int]] = []  # (message, offset): the entry is still kept

    def skip_space(self, i: int) -> int:
        while i < self.limit and self.text[i] in " \t\n\r":
            i += 1
        return i

    def braced(self, i: int) -> tuple[str, int]:
        """At '{': content up to the matching '}' (nested braces kept)."""
        depth = 0
        j = i
        while j < self.limit:
            ch = self.text[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return self.text[i + 1 : j], j + 1
            j += 1
        raise BibError("unclosed brace", i)

    def quoted(self, i: int) -> tuple[str, int]:
        """At '"': content up to the next '"' outside braces."""
        depth = 0
        j = i + 1
        while j < self.limit:
            ch = self.text[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth < 0:
                    raise BibError("unbalanced brace in a quoted value", j)
            elif ch == '"' and depth == 0:
                return self.text[i + 1 : j], j + 1
            j += 1
        raise BibError("unclosed quote", i)

    def value(self, i: int) -> tuple[str, int]:
        """A value: parts joined with '#'."""
        parts: list[str] = []
        while True:
            i = self.skip_space(i)
            if i >= self.limit:
                raise BibError("value missing before the end of the entry", i)
            ch = self.text[i]
            if ch == "{":
                part, i = self.braced(i)
            elif ch == '"':
                part, i = self.quoted(i)
            else:
                match = _NAME.match(self.text, i)
                if not match or match.end() > self.limit:
                    raise BibError(f"unexpected {ch!r} where a value should be", i)
                word = match.group(0)
                i = match.end()
                if word.isdigit():
                    part = word
                else:
                    low = word.lower()
                    if low in self.macros:
                        part = self.macros[low]
                    elif low in _MONTH_NAMES:
                        part = _MONTH_NAMES[low]
                    else:
                        self.warnings.append(
                            (f"undefined @string macro {word!r} read as empty", match.start())
                        )
                        part = ""
            parts.append(part)
            i = self.skip_space(i)
            if i < self.limit and self.text[i] == "#":
                i += 1
                continue
            return "".join(parts), i

    def fields(self, i: int, closer: str) -> tuple[dict[str, str], int]:
        """Fields `name = value` separated by commas, up to the closing brace/parenthesis."""
        fields: dict[str, str] = {}
        while True:
            i = self.skip_space(i)
            if i >= self.limit:
                raise BibError("entry not closed: a closing brace is missing", i, fields)
            if self.text[i] == closer:
                return fields, i + 1
            if self.text[i] == ",":
                i += 1
                continue
            match = _NAME.match(self.text, i)
            if not match:
                raise BibError(f"unexpected {self.text[i]!r} where a field name should be", i)
            name = match.group(0).lower()
            i = self.skip_space(match.end())
            if i >= self.limit or self.text[i] != "=":
                raise BibError(f"'=' missing after field name {match.group(0)!r}", i)
            value, i = self.value(i + 1)
            fields[name] = value
            i = self.skip_space(i)
            if i < self.limit and self.text[i] not in ",)}":
                raise BibError(f"',' missing after field {name!r}", i)


def _closer(opener: str) -> str:
    return "}" if opener == "{" else ")"


def _entry_limit(text: str, starts: list[int], offset: int) -> int:
    """Offset of the next line-start entry after `offset` (or the end of the text)."""
    k = bisect.bisect_right(starts, offset)
    return starts[k] if k < len(starts) else len(text)


def _arxiv_id(fields: dict[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = fields.get("eprint", "")
    if eprint and (prefix in {"arxiv", ""}):
        found = find_arxiv_id(eprint)
        if found:
            return found
    for name in ("doi", "url", "journal", "note", "howpublished", "number", "volume"):
        found = find_arxiv_id(fields.get(name, "")) if name in fields else None
        if found and (name != "number" or "arxiv" in fields.get("journal", "").lower()):
            return found
    return None


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date"):
        found = to_iso_date(fields["date"])
        if found:
            return found
    year = (fields.get("year") or "").strip()
    if not re.fullmatch(r"\d{4}", year):
        return to_iso_date(year) if year else None
    month = normalise_space(fields.get("month", "")).lower()
    number = _MONTHS.get(month[:3]) if month else None
    if month.isdigit() and 1 <= int(month) <= 12:
        number = f"{int(month):02d}"
    return f"{year}-{number}" if number else year


def _clean_url(value: str) -> str:
    """URLs and DOIs keep their characters; only braces and LaTeX escapes are undone."""
    value = re.sub(r"\\([&%$#_{}~])", r"\1", value)
    return normalise_space(value.replace("{", "").replace("}", ""))


def entry_to_paper(entry: Entry, file: str, line: int) -> Paper | None:
    f = entry.fields
    title = to_text(f.get("title", ""))
    if not title:
        return None
    authors = []
    for name in split_bibtex_names(f.get("author", "")):
        if name.lower() == "others":
            continue
        authors.append(to_text(display_name(name)))
    categories = [to_text(c) for c in re.split(r"[,;\s]+", f.get("primaryclass", "")) if c]
    keywords = [to_text(k) for k in re.split(r"[,;]", f.get("keywords", "")) if k.strip()]
    venue = f.get("journal") or f.get("booktitle") or f.get("journaltitle")
    doi = _clean_url(f["doi"]) if f.get("doi") else None
    url = _clean_url(f["url"]) if f.get("url") else None
    arxiv_id = _arxiv_id(f)
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    comments = f.get("note") or f.get("annote") or f.get("comment")
    return Paper(
        title=title,
        abstract=to_text(f.get("abstract", "")),
        arxiv_id=arxiv_id,
        authors=[a for a in authors if a],
        date=_date(f),
        url=url,
        sources=[Source(file, line, NAME)],
        categories=categories,
        comments=to_text(comments) if comments else None,
        doi=doi,
        venue=to_text(venue) if venue else None,
        keywords=[k for k in keywords if k],
    )


_NAME_KEYS = {"family", "given", "prefix", "suffix"}


def _split_commas(name: str) -> list[str]:
    """The parts of a name between commas outside braces."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(name):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(name[start:i].strip())
            start = i + 1
    parts.append(name[start:].strip())
    return parts


def display_name(name: str) -> str:
    """One BibTeX name as people write it: 'Given von Family Jr'.

    Reads 'First Last', 'von Last, First', 'von Last, Jr, First' and biblatex's extended form
    written by Zotero / Better BibTeX: 'family=Verclos, given=Rémi, prefix=de, useprefix=true'.
    """
    parts = _split_commas(name)
    keyed = {}
    for part in parts:
        key, eq, value = part.partition("=")
        key = key.strip().lower()
        if not eq or not re.fullmatch(r"[a-z]+", key):
            keyed = {}
            break
        value = value.strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        keyed[key] = value.strip()
    if keyed and _NAME_KEYS & keyed.keys():
        words = [keyed.get("given", ""), keyed.get("prefix", ""), keyed.get("family", "")]
        return normalise_space(" ".join(w for w in words + [keyed.get("suffix", "")] if w))
    if len(parts) == 2:
        return normalise_space(f"{parts[1]} {parts[0]}")
    if len(parts) >= 3:
        return normalise_space(f"{parts[2]} {parts[0]} {parts[1]}")
    return name


def split_bibtex_names(value: str) -> list[str]:
    """'A and B and {Barnes and Noble}' -> ['A', 'B', '{Barnes and Noble}'] (depth 0 'and')."""
    names: list[str] = []
    depth = 0
    current: list[str] = []
    words = re.split(r"(\s+|[{}])", value)
    for piece in words:
        if piece == "{":
            depth += 1
        elif piece == "}":
            depth -= 1
        if depth == 0 and piece.lower() == "and":
            names.append("".join(current))
            current = []
            continue
        current.append(piece)
    names.append("".join(current))
    return [normalise_space(n) for n in names if normalise_space(n)]


def _mark_lines(
    report: ParseReport,
    file: str,
    text: str,
    index: LineIndex,
    start: int,
    end: int,
    kind: str,
    between: bool = False,
) -> None:
    """Record the non-blank lines of text[start:end] as chrome of `kind`."""
    first = index.line(start)
    for offset, line in enumerate(text[start:end].split("\n")):
        if between and line.lstrip().startswith("@"):
            # '@article' without its brace: a broken (or cut) entry, not a comment.
            report.add(
                Problem(
                    file,
                    first + offset,
                    "bibtex",
                    "'@' starts no entry here (no '{' or '(' after the type); skipped",
                    excerpt(line),
                )
            )
        elif line.strip():
            report.add_chrome(file, first + offset, kind)


def parse(source: InputText, report: ParseReport) -> Iterator[Paper]:
    text = source.text
    index = LineIndex(text)
    starts = [m.start() for m in _LINE_ENTRY_START.finditer(text)]
    macros: dict[str, str] = {}
    i = 0
    while True:
        match = _ENTRY_START.search(text, i)
        if match is None:
            _mark_lines(report, source.name, text, index, i, len(text), "comment", True)
            return
        # Text between entries is a comment in BibTeX.
        _mark_lines(report, source.name, text, index, i, match.start(), "comment", True)
        kind = match.group(1).lower()
        start = match.start()
        line = index.line(start)
        limit = _entry_limit(text, starts, start)
        scanner = _Scanner(text, limit, macros)
        closer = _closer(match.group(2))
        try:
            if kind in {"comment", "preamble"}:
                if closer == "}":
                    _, end = scanner.braced(match.end() - 1)
                else:
                    _, end = _paren(text, match.end(), limit)
                _mark_lines(report, source.name, text, index, start, end, kind)
                i = end
                continue
            if kind == "string":
                fields, end = scanner.fields(match.end(), closer)
                for name, value in fields.items():
                    macros[name] = value
                _mark_lines(report, source.name, text, index, start, end, "string")
                i = end
                continue
            key_match = _KEY.match(text, match.end())
            if key_match and key_match.end() <= limit:
                key, body = key_match.group(1), key_match.end()
            else:
                key, body = "", match.end()
            fields, end = scanner.fields(body, closer)
        except BibError as error:
            partial = (
                entry_to_paper(Entry(kind, key, error.partial, start, limit), source.name, line)
                if error.partial and kind not in {"string", "comment", "preamble"}
                else None
            )
            if partial is not None:
                report.add(
                    Problem(
                        source.name,
                        line,
                        "bibtex",
                        f"@{kind}{{{key}}} is not closed (a closing brace is missing); "
                        "the fields read before the next entry are kept",
                        excerpt(text[start : min(limit, start + 120)]),
                    )
                )
                report.add_span(source.name, line, index.line(max(start, limit - 1)))
                yield partial
                i = max(limit, match.end())
                continue
            report.add(
                Problem(
                    source.name,
                    line,
                    "bibtex",
                    f"@{kind} entry starting here is unreadable: {error} "
                    f"(line {index.line(error.offset)}); skipped",
                    excerpt(text[start : min(limit, start + 120)]),
                )
            )
            report.add_span(source.name, line, index.line(max(start, limit - 1)), "problem")
            i = max(limit, match.end())
            continue
        last = index.line(max(start, end - 1))
        for message, offset in scanner.warnings:
            report.add(
                Problem(
                    source.name,
                    index.line(offset),
                    "bibtex",
                    f"@{kind}{{{key}}}: {message}",
                    excerpt(text[offset : offset + 80]),
                )
            )
        paper = entry_to_paper(Entry(kind, key, fields, start, end), source.name, line)
        if paper is None:
            report.add(
                Problem(
                    source.name,
                    line,
                    "no-title",
                    f"@{kind}{{{key}}} has no title; skipped",
                    excerpt(text[start : min(limit, start + 120)]),
                )
            )
            report.add_span(source.name, line, last, "problem")
        else:
            report.add_span(source.name, line, last)
            yield paper
        i = end


def _paren(text: str, i: int, limit: int) -> tuple[str, int]:
    """@comment( ... ) / @preamble( ... ): up to the matching ')'."""
    depth = 1
    for j in range(i, limit):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i:j], j + 1
    raise BibError("unclosed parenthesis", i)
