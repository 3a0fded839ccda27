"""The ingest pipeline as a library call: read -> parse -> dedup -> tag -> rank."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from papertriage.dedup import deduplicate
from papertriage.engine import Engine
from papertriage.errors import InputError
from papertriage.formats import RunResult
from papertriage.models import Paper, ParseReport
from papertriage.parsers import parse_input
from papertriage.ranking import rank
from papertriage.reading import read_input
from papertriage.rules import Theme, load_rules


def read_papers(
    inputs: Sequence[str],
    input_format: str | None = None,
    stdin: BinaryIO | None = None,
) -> tuple[list[Paper], ParseReport]:
    report = ParseReport()
    papers: list[Paper] = []
    if list(inputs).count("-") > 1:
        raise InputError("'-' (standard input) can be given only once")
    for name in inputs:
        source = read_input(name, stdin=stdin)
        before = len(papers)
        papers.extend(parse_input(source, report, input_format))
        if len(papers) == before:
            raise InputError(f"{source.name}: no papers found in this input")
    return papers, report


def select_themes(themes: list[Theme], wanted: Sequence[str]) -> None:
    known = {t.id for t in themes}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"unknown theme {unknown[0]!r}; known themes: {', '.join(sorted(known))}")


def run(
    inputs: Sequence[str],
    *,
    input_format: str | None = None,
    rules_dir: Path | None = None,
    themes: Sequence[str] = (),
    top: int | None = None,
    dedup: bool = True,
    stdin: BinaryIO | None = None,
) -> RunResult:
    rules = load_rules(rules_dir)
    select_themes(rules, themes)
    papers, report = read_papers(inputs, input_format, stdin)
    merged: list[tuple[str, str]] = []
    if dedup:
        papers, merged = deduplicate(papers)
    tagged = Engine(rules).tag(papers)
    ranked = rank(tagged, themes, top)
    return RunResult(ranked, report, {"merged": len(merged), "unique": len(papers)})
