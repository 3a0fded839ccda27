"""``md``: a Markdown table of the ranking followed by each paper's abstract."""

from __future__ import annotations

from typing import TextIO

from papertriage.formats import RunResult
from papertriage.links import paper_url


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _link_text(text: str) -> str:
    """A title as the text of a Markdown link in a table cell: brackets cannot end it."""
    return _cell(text).replace("[", "\\[").replace("]", "\\]")


def render(result: RunResult, stream: TextIO) -> None:
    papers = list(result.papers)  # two passes: the table, then the abstracts
    # With --theme the order is the selected theme's score: shown beside the overall one.
    by_theme = any(t.theme_relevance is not None for t in papers)
    if by_theme:
        stream.write("| # | score | theme score | themes | title |\n|---:|---:|---:|---|---|\n")
    else:
        stream.write("| # | score | themes | title |\n|---:|---:|---|---|\n")
    for tagged in papers:
        themes = ", ".join(s.theme for s in tagged.themes)
        # The title links to the paper's page: an http(s) address with every character that
        # could end the link (<, >, space, quotes, parentheses) percent-encoded.
        url = paper_url(tagged.paper)
        title = f"[{_link_text(tagged.paper.title)}](<{url}>)" if url else _cell(tagged.paper.title)
        on_theme = tagged.theme_relevance
        extra = (f" {on_theme:.2f} |" if on_theme is not None else " |") if by_theme else ""
        stream.write(
            f"| {tagged.rank} | {tagged.relevance:.2f} |{extra} {_cell(themes)} | {title} |\n"
        )
    for tagged in papers:
        paper = tagged.paper
        stream.write(f"\n## {tagged.rank}. {_cell(paper.title)}\n\n")
        meta = [f"score {tagged.relevance:.2f}"]
        if tagged.theme_relevance is not None:
            meta.append(f"theme score {tagged.theme_relevance:.2f}")
        if tagged.themes:
            meta.append("themes: " + ", ".join(f"`{s.theme}`" for s in tagged.themes))
        if paper.arxiv_id:
            meta.append(f"arXiv: [{paper.arxiv_id}](https://arxiv.org/abs/{paper.arxiv_id})")
        elif url := paper_url(paper):
            meta.append(f"[link](<{url}>)")
        if paper.date:
            meta.append(f"listed {paper.date}")
        stream.write("*" + " · ".join(meta) + "*\n")
        if paper.abstract:
            stream.write(f"\n{paper.abstract}\n")
