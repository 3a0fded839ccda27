"""Order tagged papers by relevance, filter by theme, cut to the top N."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from papertriage.models import TaggedPaper

if TYPE_CHECKING:
    from papertriage.profile import Profile

if TYPE_CHECKING:
    pass

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


def rank(
    papers: Sequence[TaggedPaper],
    themes: Sequence[str] | None = None,
    top: int | None = None,
    profile: Profile | None = None,
) -> list[TaggedPaper]:
    """Papers with any of `themes` (all when empty), best first, ranks from 1.

    With a profile, the score is the profile's and papers below its min_score are dropped.
    """
    selected = [p for p in papers if not themes or any(s.theme in themes for s in p.themes)]
    for paper in selected:
        if profile is None:
            paper.relevance = relevance(paper, themes)
        else:
            paper.relevance, paper.profile_effects = profile.score(paper)
    if profile is not None:
        selected = [p for p in selected if p.relevance >= profile.min_score]
    selected.sort(key=lambda p: (-p.relevance, -(p.paper.votes or 0), p.paper.title.lower()))
    if top is not None:
        selected = selected[:top]
    for number, paper in enumerate(selected, start=1):
        paper.rank = number
    return selected
