"""Round trips, the main guard against lost and invented papers (hypothesis).

1. Papers rendered in every structured input shape (BibTeX, RIS, CSV, JSON, JSON Lines, Atom,
   arXiv listing), written to a file in the encodings people's tools write (UTF-8 with or
   without BOM, CRLF, UTF-16), read back through the same file reader the CLI uses: exactly
   the same papers, in order.
2. Every output format (`csv`, `md`, `json`, `jsonl`) read back as input: the same papers.

Titles are 5-300 characters with LaTeX math, unicode, quotes, colons, a final `?` or `.`;
abstracts are 1-40 sentences or missing. PAPERTRIAGE_EXAMPLES raises the number of cases.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papertriage.formats import _renderers
from papertriage.models import ParseReport
from papertriage.parsers import parse_input
from papertriage.parsers.latex import to_text
from papertriage.pipeline import RuleOptions, run
from papertriage.reading import read_input

# Cases per input shape and per output format (hypothesis examples); the default keeps the
# file near 30 s, PAPERTRIAGE_EXAMPLES=200 searches deeper.
EXAMPLES = int(os.environ.get("PAPERTRIAGE_EXAMPLES", "15"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RULES = RuleOptions(
    directories=[Path(__file__).resolve().parent / "fixtures" / "rules"], use_defaults=False
)

LETTERS = "abcdefghijklmnopqrstuvwxyzéüßøłçñåæœλ日本語дж"
word = st.text(alphabet=LETTERS, min_size=2, max_size=12)
# Pieces a real title holds besides words; LaTeX math stays as written except in BibTeX,
# where the parser turns it into text (the expected title says so).
EXTRAS = ["$\\alpha$-divergence", "$O(n^2)$", '"quoted"', "it's", "(and more)", "k-NN", "3D"]


@st.composite
def titles(draw) -> str:
    words = draw(st.lists(st.one_of(word, st.sampled_from(EXTRAS)), min_size=2, max_size=40))
    title = " ".join([words[0].capitalize(), *words[1:]])
    if draw(st.booleans()):
        title = title.replace(" ", ": ", 1)
    title = title[:299].rstrip() + draw(st.sampled_from(["", "?", ".", "!"]))
    return title if len(title) >= 5 else title + " Study"


@st.composite
def abstracts(draw) -> str:
    sentences = draw(st.integers(0, 40))
    out = []
    for _ in range(sentences):
        words = draw(st.lists(word, min_size=3, max_size=18))
        out.append(" ".join(words).capitalize() + draw(st.sampled_from([".", "?", "."])))
    return " ".join(out)


@dataclass
class Gen:
    title: str
    abstract: str
    authors: list[str]
    arxiv_id: str


@st.composite
def papers(draw) -> list[Gen]:
    found: list[Gen] = []
    seen: set[str] = set()
    for n in range(draw(st.integers(1, 6))):
        title = draw(titles())
        key = " ".join(to_text(title).lower().split())
        if key in seen:
            continue
        seen.add(key)
        authors = [f"{draw(word).capitalize()} {draw(word).capitalize()}" for _ in range(2)]
        found.append(Gen(title, draw(abstracts()), authors, f"2407.{n + 10000:05d}"))
    return found


def bibtex(ps: list[Gen]) -> str:
    out = "% exported by hand\n"
    for n, p in enumerate(ps):
        authors = " and ".join(p.authors)
        out += f"@article{{key{n},\n  title = {{{p.title}}},\n  author = {{{authors}}},\n"
        if p.abstract:
            out += f"  abstract = {{{p.abstract}}},\n"
        out += f"  eprint = {{{p.arxiv_id}}}, archivePrefix = {{arXiv}}\n}}\n\n"
    return out


def ris(ps: list[Gen]) -> str:
    out = ""
    for p in ps:
        out += f"TY  - JOUR\nTI  - {p.title}\n" + "".join(f"AU  - {a}\n" for a in p.authors)
        if p.abstract:
            out += f"AB  - {p.abstract}\n"
        out += f"UR  - https://arxiv.org/abs/{p.arxiv_id}\nER  - \n\n"
    return out


def csv_text(ps: list[Gen]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["title", "abstract", "authors", "arxiv_id"])
    for p in ps:
        writer.writerow([p.title, p.abstract, "; ".join(p.authors), p.arxiv_id])
    return stream.getvalue()


def records(ps: list[Gen]) -> list[dict]:
    return [
        {"title": p.title, "abstract": p.abstract, "authors": p.authors, "arxiv_id": p.arxiv_id}
        for p in ps
    ]


def json_text(ps: list[Gen]) -> str:
    return json.dumps({"papers": records(ps)}, indent=2, ensure_ascii=False) + "\n"


def jsonl_text(ps: list[Gen]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(ps))


def atom(ps: list[Gen]) -> str:
    out = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    for p in ps:
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
        out += (
            f"<entry>\n<id>http://arxiv.org/abs/{p.arxiv_id}v1</id>\n"
            f"<title>{escape(p.title)}</title>\n<summary>{escape(p.abstract)}</summary>\n"
            f"{authors}\n</entry>\n"
        )
    return out + "</feed>\n"


def listing(ps: list[Gen]) -> str:
    out = "New submissions (showing 3 of 3 entries)\n\n"
    for n, p in enumerate(ps, start=1):
        words = p.title.split()
        half = max(1, len(words) // 2)  # a long title continues on an indented line
        title = " ".join(words[:half]) + ("\n    " + " ".join(words[half:]) if words[half:] else "")
        out += f"[{n}] arXiv:{p.arxiv_id} [pdf, other]\nTitle: {title}\n"
        out += f"Authors: {', '.join(p.authors)}\nSubjects: Machine Learning (cs.LG)\n"
        out += (p.abstract + "\n" if p.abstract else "") + "\n"
    return out


SHAPES = {
    "bibtex": bibtex,
    "ris": ris,
    "csv": csv_text,
    "json": json_text,
    "jsonl": jsonl_text,
    "arxiv-atom": atom,
    "arxiv-listing": listing,
}
ENCODINGS = ["utf-8", "utf-8-sig", "utf-8 crlf", "utf-16"]


def norm(text: str) -> str:
    return " ".join(text.split())


def expected_title(p: Gen, shape: str) -> str:
    return to_text(p.title) if shape == "bibtex" else norm(p.title)


def read_file(path: Path) -> tuple[list, ParseReport]:
    report = ParseReport()
    source = read_input(str(path))
    try:
        return list(parse_input(source, report)), report
    finally:
        source.close()


def write(text: str, encoding: str, path: Path) -> None:
    if encoding.endswith("crlf"):
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode(encoding.split()[0]))


@pytest.mark.parametrize("shape", sorted(SHAPES))
@SETTINGS
@given(generated=papers(), encoding=st.sampled_from(ENCODINGS))
def test_every_input_shape_round_trips_through_the_file_reader(
    shape: str, generated: list[Gen], encoding: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "listing"  # no extension: the text alone says the format
        write(SHAPES[shape](generated), encoding, path)
        found, report = read_file(path)
    assert report.formats[str(path)] == shape
    assert [p.title for p in found] == [expected_title(p, shape) for p in generated]
    expected = [to_text(p.abstract) if shape == "bibtex" else norm(p.abstract) for p in generated]
    assert [p.abstract for p in found] == expected
    assert [p.arxiv_id for p in found] == [p.arxiv_id for p in generated]
    assert not [p for p in report.problems if p.kind == "unaccounted"]


@pytest.mark.parametrize("fmt", ["csv", "md", "json", "jsonl"])
@SETTINGS
@given(generated=papers())
def test_every_output_format_reads_back_as_the_same_papers(fmt: str, generated: list[Gen]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.jsonl"
        source.write_text(jsonl_text(generated), encoding="utf-8")
        result = run([str(source)], rules=RULES, dedup=False)
        rendered = Path(folder) / f"out.{fmt}"
        with rendered.open("w", encoding="utf-8", newline="") as stream:
            _renderers()[fmt](result, stream)
        found, report = read_file(rendered)
    key = sorted((norm(p.title), norm(p.abstract), p.arxiv_id) for p in generated)
    assert sorted((p.title, p.abstract, p.arxiv_id) for p in found) == key
    assert not [p for p in report.problems if p.kind == "unaccounted"]
