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


# User patterns run on at most this much text, so that matching time stays bounded.
MAX_PATTERN_TEXT = 20_000


def _hits(
    terms: Sequence[Term], title: str, abstract: str, full: str
) -> tuple[list[KeywordHit], float]:
    hits: list[KeywordHit] = []
    total = 0.0
    for term in terms:
        if term.requires and not any(r.search(full) for r in term.requires):
            continue
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
            title, abstract = paper.title, paper.abstract
            full = f"{title}\n{abstract}"
            bounded = (title[:MAX_PATTERN_TEXT], abstract[:MAX_PATTERN_TEXT])
            for j, theme in enumerate(self.themes):
                hits, positive = _hits(theme.keywords, title, abstract, full)
                if theme.patterns:
                    pattern_hits, pattern_points = _hits(theme.patterns, *bounded, full)
                    hits += pattern_hits
                    positive += pattern_points
                negative_hits, negative = _hits(theme.negative, title, abstract, full)
                similarity, similar_terms = sims[i][j]
                similarity_points = theme.similarity_weight * similarity
                scores[theme.id] = ThemeScore(
                    theme=theme.id,
                    points=positive - negative + similarity_points,
                    threshold=theme.evidence_threshold,
                    keywords=hits,
                    negative=negative_hits,
                    similarity=similarity,
                    similarity_points=similarity_points,
                    similar_terms=similar_terms,
                )
            tagged.append(TaggedPaper(paper, scores))
        return tagged
