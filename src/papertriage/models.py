"""Plain data passed between the pipeline stages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a record was read: file name (or ``<stdin>``), 1-based line, input format."""

    file: str
    line: int
    format: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "format": self.format}


@dataclass(frozen=True)
class Problem:
    """Something in the input that could not be used as it was; always reported, never dropped."""

    file: str
    line: int
    kind: str
    message: str
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "message": self.message,
            "text": self.text,
        }

    def __str__(self) -> str:
        excerpt = f": {self.text[:60]!r}" if self.text else ""
        return f"{self.file}:{self.line}: {self.message}{excerpt}"


_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")


def normalise_title(title: str) -> str:
    """Lower-case, accent-free, punctuation-free title used for ids and duplicate detection."""
    if title.isascii():
        text = title.lower()
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def title_hash(title: str) -> str:
    """Short stable id for papers without an arXiv id."""
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:12]


def clean_arxiv_id(raw: str) -> str | None:
    """``2407.01234v2`` -> ``2407.01234``; anything else -> None."""
    match = _ARXIV_ID.match(raw.strip())
    return match.group(1) if match else None


@dataclass
class Paper:
    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    url: str | None = None
    votes: int | None = None
    sources: list[Source] = field(default_factory=list)
    # Optional fields that some input formats carry (arXiv listings and API, BibTeX, RIS, ...).
    categories: list[str] = field(default_factory=list)  # arXiv categories: ["cs.LG", ...]
    comments: str | None = None  # arXiv "Comments:" / BibTeX note
    doi: str | None = None
    venue: str | None = None  # journal, proceedings or arXiv Journal-ref
    keywords: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.arxiv_id or title_hash(self.title)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "arxiv_id": self.arxiv_id,
            "authors": list(self.authors),
            "date": self.date,
            "url": self.url,
            "votes": self.votes,
            "sources": [s.to_dict() for s in self.sources],
            "categories": list(self.categories),
            "comments": self.comments,
            "doi": self.doi,
            "venue": self.venue,
            "keywords": list(self.keywords),
        }


@dataclass(slots=True)
class KeywordHit:
    term: str
    where: str  # "title" or "abstract"
    count: int
    weight: float
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "where": self.where,
            "count": self.count,
            "weight": self.weight,
            "contribution": round(self.contribution, 4),
        }


@dataclass(slots=True)
class ThemeScore:
    """A paper's score for one theme with all the evidence behind it.

    `points` is the raw evidence (keyword contributions minus negatives plus weighted
    similarity); `threshold` is the points a theme needs. `score` is calibrated so that 0.5 is
    exactly a theme's threshold for every theme: score = points² / (points² + threshold²).
    """

    theme: str
    points: float
    threshold: float
    keywords: list[KeywordHit] = field(default_factory=list)
    negative: list[KeywordHit] = field(default_factory=list)
    similarity: float = 0.0
    similarity_points: float = 0.0
    similar_terms: list[tuple[str, float]] = field(default_factory=list)

    @property
    def score(self) -> float:
        if self.points <= 0.0:
            return 0.0
        return self.points**2 / (self.points**2 + self.threshold**2)

    @property
    def assigned(self) -> bool:
        return self.points > 0.0 and self.points >= self.threshold

    def evidence_dict(self) -> dict[str, Any]:
        return {
            "points": round(self.points, 4),
            "threshold": round(self.threshold, 4),
            "keywords": [h.to_dict() for h in self.keywords],
            "negative": [h.to_dict() for h in self.negative],
            "similarity": round(self.similarity, 4),
            "similarity_points": round(self.similarity_points, 4),
            "similar_terms": [
                {"term": term, "weight": round(weight, 4)} for term, weight in self.similar_terms
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.theme,
            "score": round(self.score, 4),
            "evidence": self.evidence_dict(),
        }


@dataclass(slots=True)
class TaggedPaper:
    paper: Paper
    scores: dict[str, ThemeScore]
    relevance: float = 0.0
    rank: int | None = None  # None: streamed in input order, not ranked
    profile_effects: list[dict[str, Any]] | None = None
    # With --theme: the paper's best score among the selected themes, which orders the
    # papers (`relevance` stays the overall one: `score` means the same with or without
    # --theme).
    theme_relevance: float | None = None
    # With --sort relevance: the model of the reader's labels' score (`relevance` in JSON).
    learned_relevance: float | None = None

    @property
    def themes(self) -> list[ThemeScore]:
        """Assigned themes, strongest first."""
        assigned = [s for s in self.scores.values() if s.assigned]
        return sorted(assigned, key=lambda s: (-s.score, s.theme))

    def to_dict(self) -> dict[str, Any]:
        data = self.paper.to_dict()
        head = {"id": data.pop("id"), "rank": self.rank, "score": round(self.relevance, 4)}
        if self.theme_relevance is not None:
            head["theme_score"] = round(self.theme_relevance, 4)
        if self.learned_relevance is not None:
            head["relevance"] = round(self.learned_relevance, 4)
        data = {**head, **data}
        data["themes"] = [s.to_dict() for s in self.themes]
        if self.profile_effects is not None:
            data["profile_effects"] = self.profile_effects
        return data


@dataclass
class ParseReport:
    """What one run read: problems with file and line, chrome skipped, counts per input."""

    problems: list[Problem] = field(default_factory=list)
    chrome: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, kind)
    records: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    # Line ranges (file, first, last, what) a parser consumed as one unit: "paper" for the lines
    # read into a paper, "problem" for a block reported as a problem. With `chrome` and the
    # problems' own lines they account for every non-blank line (see `unaccounted_lines`).
    spans: list[tuple[str, int, int, str]] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def add_span(self, file: str, first: int, last: int, what: str = "paper") -> None:
        """Lines first..last (1-based, inclusive) of `file` were read as one paper or problem."""
        self.spans.append((file, first, max(first, last), what))

    def unaccounted(self, file: str, nonblank: bytearray) -> list[int]:
        """Non-blank lines of `file` (nonblank[n] == 1) in no paper, chrome or problem.

        One byte a line, so that accounting for a million-paper input stays small.
        """
        covered = bytearray(len(nonblank))
        size = len(covered)
        for name, line, _ in self.chrome:
            if name == file and 0 < line < size:
                covered[line] = 1
        for problem in self.problems:
            if problem.file == file and 0 < problem.line < size:
                covered[problem.line] = 1
        for name, first, last, _ in self.spans:
            if name == file:
                first, last = max(first, 1), min(last, size - 1)
                if first <= last:
                    covered[first : last + 1] = b"\x01" * (last - first + 1)
        return [n for n in range(1, size) if nonblank[n] and not covered[n]]

    def unaccounted_lines(self, file: str, lines: Iterable[str]) -> list[int]:
        """The same from the lines themselves."""
        nonblank = bytearray([0]) + bytearray(1 if line.strip() else 0 for line in lines)
        return self.unaccounted(file, nonblank)

    def add_chrome(self, file: str, line: int, kind: str) -> None:
        """A line of page furniture (header, button, vote count) that was skipped."""
        self.chrome.append((file, line, kind))

    @property
    def chrome_lines(self) -> int:
        return len(self.chrome)

    def chrome_ranges(self, file: str) -> str:
        """Chrome line numbers of one input as '1-11,13'."""
        lines = sorted(line for name, line, _ in self.chrome if name == file)
        ranges: list[str] = []
        start = prev = None
        for line in lines + [None]:
            if start is not None and (line is None or line != prev + 1):
                ranges.append(str(start) if start == prev else f"{start}-{prev}")
                start = None
            if line is not None and start is None:
                start = line
            prev = line
        return ",".join(ranges)

    def stats(self) -> dict[str, Any]:
        return {
            "inputs": [
                {
                    "file": name,
                    "format": self.formats.get(name),
                    "records": count,
                    "chrome_lines": sum(1 for f, _, _ in self.chrome if f == name),
                    "chrome": self.chrome_ranges(name),
                    "problems": sum(1 for p in self.problems if p.file == name),
                }
                for name, count in self.records.items()
            ],
            "records": sum(self.records.values()),
            "chrome_lines": self.chrome_lines,
            "problems": len(self.problems),
        }
