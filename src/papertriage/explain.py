"""Find papers by id or title and say, for every theme, why it was or was not assigned."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from papertriage.models import TaggedPaper, ThemeScore, normalise_title
from papertriage.terminal import visible


def find(papers: Sequence[TaggedPaper], query: str) -> list[TaggedPaper]:
    """Papers whose id or arXiv id equals `query`, else whose title contains it."""
    exact = [p for p in papers if query in (p.paper.id, p.paper.arxiv_id)]
    if exact:
        return exact
    wanted = normalise_title(query)
    if not wanted:
        return []
    return [p for p in papers if wanted in normalise_title(p.paper.title)]


def explanation(paper: TaggedPaper, themes: Sequence[str] | None = None) -> dict[str, Any]:
    """Every theme's (or only `themes`') score and evidence for one paper, strongest first
    (JSON-ready)."""
    ordered = sorted(
        (s for s in paper.scores.values() if themes is None or s.theme in themes),
        key=lambda s: (-s.score, s.theme),
    )
    return {
        "id": paper.paper.id,
        "title": paper.paper.title,
        "sources": [s.to_dict() for s in paper.paper.sources],
        "themes": [{**s.to_dict(), "assigned": s.assigned} for s in ordered],
    }


def strength(points: float) -> float:
    """Evidence points on the scale of a rule's `threshold` (the YAML value, 0 to 1): a theme
    is assigned when strength(points) >= threshold."""
    return 1.0 - math.exp(-points / 2.0) if points > 0.0 else 0.0


def verdict(score: ThemeScore) -> str:
    """'assigned      0.93 >= 0.80' or 'not assigned  0.50 < 0.80 needed', on the YAML scale."""
    have, need = strength(score.points), strength(score.threshold)
    if score.assigned:
        return f"assigned      {have:.2f} >= {need:.2f}"
    # Rounded to two places, 0.7996 and 0.80 would read as a pass: say it as it is.
    shown = f"{have:.2f}" if f"{have:.2f}" != f"{need:.2f}" else f"{have:.4f}"
    return f"not assigned  {shown} < {need:.2f} needed"


# Characters a rule's keywords never hold and its `patterns` (regular expressions) usually do.
_REGEX_SYNTAX = frozenset("\\()[]{}|^$?")


def _shown(term: str, text: str) -> str:
    """A keyword as written; a pattern as the text it matched (a regular expression with its
    escapes reads badly), e.g. 'we introduce X, a benchmark' (pattern)."""
    if not _REGEX_SYNTAX.intersection(term):
        return repr(term)
    from papertriage.rules import TimedPattern

    try:
        found = TimedPattern(term).search(text)
    except Exception:  # noqa: BLE001 - any failure: show the pattern itself
        found = None
    if found is None or not found.group(0).strip():
        return repr(term)
    matched = " ".join(found.group(0).split())
    if len(matched) > 60:
        matched = matched[:57] + "..."
    return f"{visible(matched)!r} (pattern)"


def _evidence(score: ThemeScore, title: str = "", abstract: str = "") -> list[str]:
    """The evidence lines of a theme; the paper's title and abstract show what patterns
    matched."""
    lines = []
    for hit in score.keywords:
        text = title if hit.where == "title" else abstract
        lines.append(
            f"    + {_shown(hit.term, text)} in {hit.where} x{hit.count} (weight {hit.weight:g}):"
            f" +{hit.contribution:.2f} points"
        )
    for hit in score.negative:
        lines.append(
            f"    - {hit.term!r} in {hit.where} x{hit.count} (weight {hit.weight:g}):"
            f" -{hit.contribution:.2f} points"
        )
    if score.similarity > 0:
        terms = ", ".join(f"{t} {w:.3f}" for t, w in score.similar_terms)
        lines.append(
            f"    ~ TF-IDF similarity {score.similarity:.3f}: +{score.similarity_points:.2f} points"
            f" (top terms: {terms})"
        )
    return lines


def _evidence_line(score: ThemeScore, terms: int = 3) -> str:
    """The strongest evidence of a theme on one line: its top terms and their points."""
    points: dict[str, float] = {}
    for hit in score.keywords:
        points[hit.term] = points.get(hit.term, 0.0) + hit.contribution
    top = sorted(points.items(), key=lambda item: -item[1])
    parts = [f"{term!r} +{value:.1f}" for term, value in top[:terms]]
    if len(top) > terms:
        parts.append(f"{len(top) - terms} more")
    negative = sum(hit.contribution for hit in score.negative)
    if negative:
        parts.append(f"negatives -{negative:.1f}")
    if score.similarity_points > 0:
        parts.append(f"similarity +{score.similarity_points:.1f}")
    return textwrap.fill(
        "evidence in points: " + ", ".join(parts),
        width=80,
        initial_indent="    ",
        subsequent_indent="      ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _ordered(paper: TaggedPaper, themes: Sequence[str] | None) -> list[ThemeScore]:
    scores = [s for s in paper.scores.values() if themes is None or s.theme in themes]
    return sorted(scores, key=lambda s: (not s.assigned, -s.points, s.theme))


def _header(paper: TaggedPaper) -> list[str]:
    source = paper.paper.sources[0] if paper.paper.sources else None
    where = f"  {source.file}:{source.line}" if source else ""
    return [visible(paper.paper.title), f"id {paper.paper.id}{where}"]


def render_text(paper: TaggedPaper, themes: Sequence[str] | None = None) -> str:
    """Every theme (or only `themes`) with its verdict and evidence. Themes with no evidence
    at all share one line."""
    out = [*_header(paper), ""]
    ordered = _ordered(paper, themes)
    width = max((len(s.theme) for s in ordered), default=0)
    empty = []
    for score in ordered:
        if not score.assigned and score.points <= 0.0 and themes is None:
            empty.append(score.theme)
            continue
        out.append(f"  {score.theme:<{width}}  {verdict(score)}")
        out.extend(_evidence(score, paper.paper.title, paper.paper.abstract or ""))
    if empty:
        out.append(f"  no evidence for: {', '.join(empty)}")
    return "\n".join(out) + "\n"


def render_compact(paper: TaggedPaper, near: int = 3) -> str:
    """The assigned themes with their strongest evidence on one line each, and the `near`
    closest misses on one line: for a query that finds several papers."""
    out = _header(paper)
    width = max((len(s.theme) for s in paper.themes), default=0)
    for score in _ordered(paper, None):
        if score.assigned:
            out.append(f"  {score.theme:<{width}}  {verdict(score)}")
            out.append(_evidence_line(score))
    if not paper.themes:
        out.append("  no theme assigned")
    misses = [s for s in _ordered(paper, None) if not s.assigned and s.points > 0.0][:near]
    if misses:
        shown = ", ".join(
            f"{s.theme} {strength(s.points):.2f} < {strength(s.threshold):.2f}" for s in misses
        )
        out.append(
            textwrap.fill(
                f"closest misses: {shown}", width=80, initial_indent="  ", subsequent_indent="    "
            )
        )
    return "\n".join(out) + "\n"
