"""Find papers by id or title and say, for every theme, why it was or was not assigned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from papertriage.models import TaggedPaper, ThemeScore, normalise_title


def find(papers: Sequence[TaggedPaper], query: str) -> list[TaggedPaper]:
    """Papers whose id or arXiv id equals `query`, else whose title contains it."""
    exact = [p for p in papers if query in (p.paper.id, p.paper.arxiv_id)]
    if exact:
        return exact
    wanted = normalise_title(query)
    if not wanted:
        return []
    return [p for p in papers if wanted in normalise_title(p.paper.title)]


def explanation(paper: TaggedPaper) -> dict[str, Any]:
    """Every theme's score and evidence for one paper, strongest first (JSON-ready)."""
    ordered = sorted(paper.scores.values(), key=lambda s: (-s.score, s.theme))
    return {
        "id": paper.paper.id,
        "title": paper.paper.title,
        "sources": [s.to_dict() for s in paper.paper.sources],
        "themes": [{**s.to_dict(), "assigned": s.assigned} for s in ordered],
    }


def _line_for(score: ThemeScore) -> list[str]:
    mark = "yes" if score.assigned else "no"
    lines = [
        f"{score.theme:<24} score {score.score:.2f}  points {score.points:5.2f} / "
        f"threshold {score.threshold:.2f}  assigned: {mark}"
    ]
    for hit in score.keywords:
        lines.append(
            f"    + {hit.term!r} in {hit.where} x{hit.count} (weight {hit.weight:g})"
            f" -> +{hit.contribution:.2f}"
        )
    for hit in score.negative:
        lines.append(
            f"    - {hit.term!r} in {hit.where} x{hit.count} (weight {hit.weight:g})"
            f" -> -{hit.contribution:.2f}"
        )
    if score.similarity > 0:
        terms = ", ".join(f"{t} {w:.3f}" for t, w in score.similar_terms)
        lines.append(
            f"    ~ TF-IDF similarity {score.similarity:.3f} -> +{score.similarity_points:.2f}"
            f" (top terms: {terms})"
        )
    return lines


def render_text(paper: TaggedPaper) -> str:
    source = paper.paper.sources[0] if paper.paper.sources else None
    where = f"  {source.file}:{source.line}" if source else ""
    out = [f"{paper.paper.title}", f"id {paper.paper.id}{where}", ""]
    ordered = sorted(paper.scores.values(), key=lambda s: (-s.score, s.theme))
    for score in ordered:
        out.extend(_line_for(score))
    return "\n".join(out) + "\n"
