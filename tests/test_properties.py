"""Property-based tests: listings generated in every input format, with random chrome, blank
lines, CRLF, unicode, very long lines and truncation. No paper may be lost or invented, every
line is accounted for, and nothing crashes."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papertriage.models import ParseReport
from papertriage.parsers import detect_format, parse_input
from papertriage.reading import decode

# PAPERTRIAGE_EXAMPLES=1000 for a deeper search; the default keeps the file under ~10 s.
SETTINGS = settings(
    max_examples=int(os.environ.get("PAPERTRIAGE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LETTERS = "abcdefghijklmnopqrstuvwxyzéüßøłçñåæœΩλ日本語дж"
word = st.text(alphabet=LETTERS, min_size=3, max_size=10)


@st.composite
def titles(draw) -> str:
    words = draw(st.lists(word, min_size=3, max_size=9))
    return " ".join([words[0].capitalize(), *words[1:]])


@st.composite
def abstracts(draw) -> str:
    words = draw(st.lists(word, min_size=0, max_size=40))
    if draw(st.booleans()) and words:  # a very long line
        words = words * (3000 // (sum(len(w) + 1 for w in words) or 1) + 1)
    return (" ".join(words).capitalize() + ".") if words else ""


@st.composite
def names(draw) -> str:
    return f"{draw(word).capitalize()} {draw(word).capitalize()}"


@dataclass
class Gen:
    title: str
    abstract: str
    authors: list[str]
    arxiv_id: str


@st.composite
def papers(draw, min_size: int = 1, max_size: int = 6) -> list[Gen]:
    count = draw(st.integers(min_size, max_size))
    found: list[Gen] = []
    seen: set[str] = set()
    for n in range(count):
        title = draw(titles())
        if title in seen:
            continue
        seen.add(title)
        found.append(
            Gen(title, draw(abstracts()), draw(st.lists(names(), max_size=3)), f"2407.{n:05d}")
        )
    return found


@dataclass
class Listing:
    text: str
    fmt: str
    papers: list[Gen]
    starts: list[int]  # offset where each paper's record starts
    ends: list[int]  # offset just after each paper's record


class Builder:
    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    @property
    def offset(self) -> int:
        return sum(len(p) for p in self.parts)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def record(self, text: str) -> None:
        self.starts.append(self.offset)
        self.parts.append(text)
        self.ends.append(self.offset)

    def build(self, generated: list[Gen]) -> Listing:
        return Listing("".join(self.parts), self.fmt, generated, self.starts, self.ends)


def blank(draw) -> str:
    return "\n" * draw(st.integers(0, 2))


def chrome(draw, choices: list[str]) -> str:
    picked = draw(st.lists(st.sampled_from(choices), max_size=2))
    return "".join(line + "\n" for line in picked)


@st.composite
def arxiv_listing(draw) -> Listing:
    generated = draw(papers())
    b = Builder("arxiv-listing")
    b.add("New submissions (showing 5 of 5 entries)\n")
    for n, paper in enumerate(generated, start=1):
        b.add(
            chrome(
                draw,
                [
                    "Mon, 29 Jul 2024",
                    "Cross-lists (showing 1 of 1 entries)",
                    "Replacements (showing 2 of 2 entries)",
                    "[pdf, html, other]",
                ],
            )
            if n > 1
            else ""
        )
        b.add(blank(draw))
        words = paper.title.split()
        cut = draw(st.integers(1, len(words)))
        title = " ".join(words[:cut]) + ("\n  " + " ".join(words[cut:]) if words[cut:] else "")
        b.add(f"[{n}] ")  # alone, a cut-off '[1]' is numbering chrome: the record starts after
        entry = f"arXiv:{paper.arxiv_id} [pdf, other]\nTitle: {title}\n"
        if paper.authors:
            entry += f"Authors: {', '.join(paper.authors)}\n"
        entry += "Subjects: Machine Learning (cs.LG); Robotics (cs.RO)\n"
        if paper.abstract:
            entry += paper.abstract + "\n"
        b.record(entry)
        b.add(blank(draw))
    b.add(f"Total of {len(generated)} entries\n")
    return b.build(generated)


@st.composite
def arxiv_atom(draw) -> Listing:
    generated = draw(papers())
    b = Builder("arxiv-atom")
    b.add(
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    )
    for paper in generated:
        b.add(
            chrome(
                draw,
                [
                    "  <opensearch:totalResults>9</opensearch:totalResults>",
                    "  <!-- a comment -->",
                    "  <updated>2024-07-29T00:00:00Z</updated>",
                ],
            )
        )
        b.add(blank(draw))
        authors = "".join(f"<author><name>{escape(a)}</name></author>\n" for a in paper.authors)
        b.record(
            f"  <entry>\n    <id>http://arxiv.org/abs/{paper.arxiv_id}v1</id>\n"
            f"    <title>{escape(paper.title)}</title>\n"
            f"    <summary>{escape(paper.abstract)}</summary>\n{authors}"
            f'    <category term="cs.LG"/>\n  </entry>\n'
        )
    b.add("</feed>\n")
    return b.build(generated)


@st.composite
def bibtex(draw) -> Listing:
    generated = draw(papers())
    b = Builder("bibtex")
    for n, paper in enumerate(generated):
        b.add(
            chrome(
                draw,
                [
                    "% a comment line",
                    "@comment{exported {by} hand}",
                    "free text between entries",
                    '@preamble{"x"}',
                ],
            )
        )
        b.add(blank(draw))
        quote = draw(st.booleans())
        title = f'"{paper.title}"' if quote else "{" + paper.title + "}"
        entry = f"@article{{key{n},\n  title = {title},\n"
        if paper.authors:
            entry += f"  author = {{{' and '.join(paper.authors)}}},\n"
        if paper.abstract:
            entry += f"  abstract = {{{paper.abstract}}},\n"
        entry += f"  eprint = {{{paper.arxiv_id}}}, archivePrefix = {{arXiv}},\n}}\n"
        b.record(entry)
    return b.build(generated)


@st.composite
def ris(draw) -> Listing:
    generated = draw(papers())
    b = Builder("ris")
    if draw(st.booleans()):
        b.add("Provider: Example\nContent: text/plain; charset=UTF-8\n\n")
    for paper in generated:
        b.add(blank(draw))
        entry = f"TY  - JOUR\nTI  - {paper.title}\n"
        entry += "".join(f"AU  - {a}\n" for a in paper.authors)
        if paper.abstract:
            entry += f"AB  - {paper.abstract}\n"
        entry += f"UR  - https://arxiv.org/abs/{paper.arxiv_id}\nVL  - 1\nER  - \n"
        b.record(entry)
    return b.build(generated)


def record_dict(paper: Gen) -> dict:
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": paper.authors,
        "arxiv_id": paper.arxiv_id,
    }


@st.composite
def jsonl(draw) -> Listing:
    generated = draw(papers())
    b = Builder("jsonl")
    for paper in generated:
        b.add(blank(draw))
        b.record(json.dumps(record_dict(paper), ensure_ascii=draw(st.booleans())) + "\n")
    return b.build(generated)


@st.composite
def json_document(draw) -> Listing:
    generated = draw(papers())
    b = Builder("json")
    wrapped = draw(st.booleans())
    b.add('{\n  "schema_version": 1,\n  "papers": [\n' if wrapped else "[\n")
    for n, paper in enumerate(generated):
        text = json.dumps(record_dict(paper), indent=2, ensure_ascii=False)
        b.record("    " + text.replace("\n", "\n    "))
        b.add(",\n" if n + 1 < len(generated) else "\n")
    b.add('  ],\n  "stats": {"records": 1}\n}\n' if wrapped else "]\n")
    return b.build(generated)


@st.composite
def csv_rows(draw) -> Listing:
    generated = draw(papers())
    b = Builder("csv")
    b.add("title,abstract,authors,arxiv_id\n")
    for paper in generated:
        abstract = paper.abstract
        if abstract and draw(st.booleans()):
            abstract = abstract.replace(" ", ', "quoted"\n', 1)  # commas, quotes, newline
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n").writerow(
            [paper.title, abstract, "; ".join(paper.authors), paper.arxiv_id]
        )
        b.record(stream.getvalue())
        paper.abstract = abstract
    return b.build(generated)


@st.composite
def text_titles(draw) -> Listing:
    generated = [Gen(p.title, "", [], "") for p in draw(papers(max_size=8))]
    b = Builder("text")
    for paper in generated:
        b.add(chrome(draw, ["# a comment", "----", "// note"]))
        b.record(paper.title + "\n")
    return b.build(generated)


@st.composite
def text_blocks(draw) -> Listing:
    generated = [Gen(p.title, p.abstract or "Short abstract.", [], "") for p in draw(papers())]
    b = Builder("text")
    for paper in generated:
        words = paper.abstract.split()
        lines, line = [], []
        for w in words:  # wrap the abstract at about 70 characters
            line.append(w)
            if sum(len(x) + 1 for x in line) > 70:
                lines.append(" ".join(line))
                line = []
        if line:
            lines.append(" ".join(line))
        b.record(paper.title + "\n" + "\n".join(lines) + "\n")
        b.add("\n" + blank(draw))
    return b.build(generated)


GENERATORS = {
    "arxiv-listing": arxiv_listing(),
    "arxiv-atom": arxiv_atom(),
    "bibtex": bibtex(),
    "ris": ris(),
    "jsonl": jsonl(),
    "json": json_document(),
    "csv": csv_rows(),
    "text-titles": text_titles(),
    "text-blocks": text_blocks(),
}
listings = st.one_of(*GENERATORS.values())


def parse(text: str, crlf: bool, name: str = "<stdin>"):
    data = text.replace("\n", "\r\n").encode() if crlf else text.encode()
    source = decode(data, name)
    report = ParseReport()
    return source, list(parse_input(source, report)), report


def norm(text: str) -> str:
    return " ".join(text.split())


@SETTINGS
@given(listing=listings, crlf=st.booleans())
def test_every_paper_read_nothing_invented(listing: Listing, crlf: bool):
    source, found, report = parse(listing.text, crlf)
    assert detect_format(source) == listing.fmt
    assert [p.title for p in found] == [p.title for p in listing.papers]
    assert report.problems == [], report.problems
    assert report.unaccounted_lines(source.name, source.lines) == []
    for paper, gen in zip(found, listing.papers):
        if gen.abstract:
            assert norm(paper.abstract) == norm(gen.abstract)
        if gen.authors:
            assert paper.authors == gen.authors
        if gen.arxiv_id:
            assert paper.arxiv_id == gen.arxiv_id


@SETTINGS
@given(listing=listings, data=st.data())
def test_truncated_listing_keeps_what_is_complete(listing: Listing, data):
    cut = data.draw(st.integers(1, max(1, len(listing.text) - 1)))
    text = listing.text[:cut]
    if not text.strip():
        return
    # The format is forced: a cut can leave too little text to detect it from.
    data_bytes = text.encode()
    source = decode(data_bytes, "<stdin>")
    report = ParseReport()
    fmt = "text" if listing.fmt.startswith("text") else listing.fmt
    found = list(parse_input(source, report, fmt))
    titles = [p.title for p in found]
    originals = [p.title for p in listing.papers]
    # Nothing invented: every title is a generated one, or the start of one that was cut.
    for title in titles:
        if fmt == "text" and any(title in norm(p.abstract) for p in listing.papers):
            continue  # plain text cut inside a wrapped abstract reads as a title: ambiguous
        if fmt == "text" and any(
            norm(f"{p.title} {p.abstract}").startswith(norm(title)) for p in listing.papers
        ):
            # Cut inside the first lines of an abstract that follows its title without a blank
            # line: with no final period left, title and abstract start read as one wrapped
            # title. Still the text of one generated paper, nothing from elsewhere.
            continue
        assert any(original.startswith(title) for original in originals), title
    # Nothing lost: every record that ended before the cut is read.
    for paper, end in zip(listing.papers, listing.ends):
        if end <= cut:
            assert paper.title in titles
    # A record cut short and not read is reported by a problem at or after its start.
    for paper, start in zip(listing.papers, listing.starts):
        # (A cut plain-text record whose title was read with the start of its abstract, as
        # above, is read: its title begins the one found.)
        if start < cut and not any(
            paper.title.startswith(t) or (fmt == "text" and t.startswith(paper.title))
            for t in titles
        ):
            line = text.count("\n", 0, start) + 1
            assert any(p.line >= line for p in report.problems), (paper.title, report.problems)
    assert not [p for p in report.problems if p.kind == "unaccounted"]


@SETTINGS
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)),
        max_size=300,
    ),
    st.sampled_from(["<stdin>", "x.bib", "x.ris", "x.xml", "x.json", "x.jsonl", "x.csv", "x.txt"]),
)
def test_arbitrary_text_never_crashes_and_is_accounted(text: str, name: str):
    if not text.strip():
        return
    source = decode(text.encode("utf-8", "surrogatepass"), name)
    report = ParseReport()
    list(parse_input(source, report))
    assert report.unaccounted_lines(source.name, source.lines) == []
    assert not [p for p in report.problems if p.kind == "unaccounted"], report.problems
