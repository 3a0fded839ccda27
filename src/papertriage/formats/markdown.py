"""``md``: a Markdown table of the ranking followed by each paper's abstract."""

from __future__ import annotations

from typing import TextIO

from papertriage.formats import RunResult


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(result: RunResult, stream: TextIO) -> None:
    papers = list(result.papers)  # two passes: the table, then the abstracts
    stream.write("| # | score | themes | title |\n|---:|---:|---|---|\n")
    for tagged in papers:
        themes = ", ".join(s.theme for s in tagged.themes)
        stream.write(
            f"| {tagged.rank} | {tagged.relevance:.2f} | {_cell(themes)} | "
            f"{_cell(tagged.paper.title)} |\n"
        )
    for tagged in papers:
        paper = tagged.paper
        stream.write(f"\n## {tagged.rank}. {_cell(paper.title)}\n\n")
        meta = [f"score {tagged.relevance:.2f}"]
        if tagged.themes:
            meta.append("themes: " + ", ".join(f"`{s.theme}`" for s in tagged.themes))
        if paper.arxiv_id:
            meta.append(f"arXiv: [{paper.arxiv_id}](https://arxiv.org/abs/{paper.arxiv_id})")
        if paper.date:
            meta.append(f"listed {paper.date}")
        stream.write("*" + " · ".join(meta) + "*\n")
        if paper.abstract:
            stream.write(f"\n{paper.abstract}\n")
