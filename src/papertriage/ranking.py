"""Order tagged papers by relevance, filter by theme, cut to the top N."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from papertriage.models import TaggedPaper

if TYPE_CHECKING:
    from papertriage.profile import Profile

SECOND_THEME_SHARE = 0.25


def relevance(paper: TaggedPaper, themes: Iterable[str] | None = None) -> float:
    """Strongest theme score, plus a quarter of the second: a paper sure of two themes
    outranks one sure of a single theme by a little, never by more than its best theme."""
    wanted = set(themes) if themes else None
    scores = sorted(
        (s.score for s in paper.scores.values() if wanted is None or s.theme in wanted),
        reverse=True,
    )
    if not scores:
        return 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    return (scores[0] + SECOND_THEME_SHARE * second) / (1 + SECOND_THEME_SHARE)


def score_papers(
    papers: Iterable[TaggedPaper],
    themes: Sequence[str] | None = None,
    profile: Profile | None = None,
) -> Iterator[TaggedPaper]:
    """Papers with any of `themes` (all when empty), each with its relevance set.

    With a profile, the score is the profile's and papers below its min_score are dropped.
    Works one paper at a time, so that a large input can stream through.
    """
    for paper in papers:
        if themes and not any(s.theme in themes for s in paper.themes):
            continue
        if profile is None:
            paper.relevance = relevance(paper, themes)
        else:
            paper.relevance, paper.profile_effects = profile.score(paper)
            if paper.relevance < profile.min_score:
                continue
        yield paper


def _order(paper: TaggedPaper) -> tuple[float, int, str]:
    return (-paper.relevance, -(paper.paper.votes or 0), paper.paper.title.lower())


def rank(
    papers: Iterable[TaggedPaper],
    themes: Sequence[str] | None = None,
    top: int | None = None,
    profile: Profile | None = None,
) -> list[TaggedPaper]:
    """Papers with any of `themes` (all when empty), best first, ranks from 1.

    With `top`, only the best N are kept while reading (memory for N papers, not all).
    """
    scored = score_papers(papers, themes, profile)
    if top is not None:
        selected = heapq.nsmallest(top, scored, key=_order)
    else:
        selected = sorted(scored, key=_order)
    for number, paper in enumerate(selected, start=1):
        paper.rank = number
    return selected
