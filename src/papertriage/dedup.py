"""Merge the same paper seen twice: same arXiv id or same normalised title."""

from __future__ import annotations

from collections.abc import Iterable

from papertriage.models import Paper, normalise_title


def merge_into(kept: Paper, other: Paper) -> None:
    """Keep the richest value of every field and all the sources."""
    if len(other.abstract) > len(kept.abstract):
        kept.abstract = other.abstract
    if len(other.authors) > len(kept.authors):
        kept.authors = list(other.authors)
    kept.arxiv_id = kept.arxiv_id or other.arxiv_id
    kept.date = kept.date or other.date
    kept.url = kept.url or other.url
    if other.votes is not None and (kept.votes is None or other.votes > kept.votes):
        kept.votes = other.votes
    for source in other.sources:
        if source not in kept.sources:
            kept.sources.append(source)


def deduplicate(papers: Iterable[Paper]) -> tuple[list[Paper], list[tuple[str, str]]]:
    """Return unique papers in first-seen order and (kept id, merged title) pairs."""
    kept: list[Paper] = []
    by_id: dict[str, Paper] = {}
    by_title: dict[str, Paper] = {}
    merged: list[tuple[str, str]] = []
    for paper in papers:
        key = normalise_title(paper.title)
        match = (by_id.get(paper.arxiv_id) if paper.arxiv_id else None) or by_title.get(key)
        if match is not None:
            merge_into(match, paper)
            merged.append((match.id, paper.title))
            if match.arxiv_id:
                by_id[match.arxiv_id] = match
            continue
        kept.append(paper)
        by_title[key] = paper
        if paper.arxiv_id:
            by_id[paper.arxiv_id] = paper
    return kept, merged
