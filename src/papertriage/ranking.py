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


def theme_score(paper: TaggedPaper, themes: Iterable[str]) -> float:
    """The paper's score on the selected themes: the best of their calibrated scores (the
    `score` of the theme in `themes[]`)."""
    wanted = set(themes)
    return max((s.score for s in paper.scores.values() if s.theme in wanted), default=0.0)


def score_papers(
    papers: Iterable[TaggedPaper],
    themes: Sequence[str] | None = None,
    profile: Profile | None = None,
) -> Iterator[TaggedPaper]:
    """Papers with any of `themes` (all when empty), each with its relevance set.

    The relevance (`score`) is always the overall one, whatever `themes` are; with `themes`,
    `theme_relevance` (`theme_score`) is the paper's best score among those themes, and
    orders the papers. With a profile, the score is the profile's (it orders the papers) and papers
    below its min_score are dropped. Works one paper at a time, so that a large input can
    stream through.
    """
    for paper in papers:
        if themes and not any(s.theme in themes for s in paper.themes):
            continue
        paper.theme_relevance = theme_score(paper, themes) if themes else None
        if profile is None:
            paper.relevance = relevance(paper)
        else:
            paper.relevance, paper.profile_effects = profile.score(paper)
            if paper.relevance < profile.min_score:
                continue
        yield paper


def _order(paper: TaggedPaper) -> tuple[float, float, int, str]:
    first = paper.relevance if paper.theme_relevance is None else paper.theme_relevance
    return (-first, -paper.relevance, -(paper.paper.votes or 0), paper.paper.title.lower())


def _profile_order(paper: TaggedPaper) -> tuple[float, int, str]:
    return (-paper.relevance, -(paper.paper.votes or 0), paper.paper.title.lower())


def rank(
    papers: Iterable[TaggedPaper],
    themes: Sequence[str] | None = None,
    top: int | None = None,
    profile: Profile | None = None,
) -> list[TaggedPaper]:
    """Papers with any of `themes` (all when empty), best first, ranks from 1: by the score
    over `themes` when given (ties by the overall score), else by the overall score; by the
    profile's score with a profile.

    With `top`, only the best N are kept while reading (memory for N papers, not all).
    """
    scored = score_papers(papers, themes, profile)
    key = _order if profile is None else _profile_order
    selected = sorted(scored, key=key) if top is None else heapq.nsmallest(top, scored, key=key)
    for number, paper in enumerate(selected, start=1):
        paper.rank = number
    return selected
