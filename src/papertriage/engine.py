"""Score papers against themes: keyword evidence plus TF-IDF similarity to a prototype.

Every score keeps its evidence (which terms matched where, the similarity and the terms
behind it), so that each tag can be explained.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from papertriage.models import KeywordHit, Paper, TaggedPaper, ThemeScore
from papertriage.rules import Term, Theme
from papertriage.tfidf import best_similarities

TITLE_FACTOR = 2.0
MAX_ABSTRACT_FACTOR = 3.0
SCORE_SCALE = 2.0


def _hits(terms: Sequence[Term], title: str, abstract: str) -> tuple[list[KeywordHit], float]:
    hits: list[KeywordHit] = []
    total = 0.0
    for term in terms:
        in_title = len(term.pattern.findall(title))
        if in_title:
            contribution = term.weight * TITLE_FACTOR
            hits.append(KeywordHit(term.text, "title", in_title, term.weight, contribution))
            total += contribution
        in_abstract = len(term.pattern.findall(abstract))
        if in_abstract:
            # Repeats add with diminishing returns: a term said five times is not five topics.
            factor = min(1.0 + math.log(in_abstract), MAX_ABSTRACT_FACTOR)
            contribution = term.weight * factor
            hits.append(KeywordHit(term.text, "abstract", in_abstract, term.weight, contribution))
            total += contribution
    return hits, total


def to_score(raw: float) -> float:
    """Map unbounded evidence to [0, 1): 0 -> 0, SCORE_SCALE*ln 2 -> 0.5, more -> towards 1."""
    return 1.0 - math.exp(-max(raw, 0.0) / SCORE_SCALE)


class Engine:
    """Scores papers against a fixed set of themes."""

    def __init__(self, themes: Sequence[Theme]):
        self.themes = list(themes)

    def tag(self, papers: Sequence[Paper]) -> list[TaggedPaper]:
        if not papers:
            return []
        background = [e for t in self.themes for e in t.examples_positive]
        sims = best_similarities(
            [p.text for p in papers], [t.prototype for t in self.themes], background
        )
        tagged = []
        for i, paper in enumerate(papers):
            scores: dict[str, ThemeScore] = {}
            for j, theme in enumerate(self.themes):
                hits, positive = _hits(theme.keywords, paper.title, paper.abstract)
                negative_hits, negative = _hits(theme.negative, paper.title, paper.abstract)
                similarity, similar_terms = sims[i][j]
                raw = positive - negative + theme.similarity_weight * similarity
                scores[theme.id] = ThemeScore(
                    theme=theme.id,
                    score=to_score(raw),
                    threshold=theme.threshold,
                    keywords=hits,
                    negative=negative_hits,
                    similarity=similarity,
                    similar_terms=similar_terms,
                )
            tagged.append(TaggedPaper(paper, scores))
        return tagged
