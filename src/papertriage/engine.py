"""Score papers against themes: keyword evidence plus TF-IDF similarity to a prototype.

Every score keeps its evidence (which terms matched where, the similarity and the terms
behind it), so that each tag can be explained.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from papertriage.models import KeywordHit, Paper, TaggedPaper, ThemeScore
from papertriage.rules import Term, Theme
from papertriage.tfidf import best_similarities

TITLE_FACTOR = 2.0
MAX_ABSTRACT_FACTOR = 3.0


# User patterns run on at most this much text, so that matching time stays bounded.
MAX_PATTERN_TEXT = 20_000
_WORD = re.compile(r"\w+")
_FIRST_WORD = re.compile(r"^(\w+)")
Candidate = tuple[Term, "str | None"]


def trigger(term: Term) -> str | None:
    """The lower-case start every match of a keyword must begin a word with, or None.

    The first three characters of the term's first word stay literal in its pattern whatever
    inflection is matched (tune -> tun(e|ed|ing)), so a paper without a word starting that way
    cannot match and the regex is not run at all.
    """
    match = _FIRST_WORD.match(term.text)
    if match is None:
        return None
    return match.group(1).lower()[:3]


def word_starts(text: str) -> set[str]:
    """Lower-case first three characters of every word of a text."""
    return {word[:3] for word in _WORD.findall(text.lower())}


@dataclass
class _Text:
    title: str
    abstract: str
    full: str
    starts: set[str]

    def __post_init__(self) -> None:
        self.title_lower = self.title.lower()
        self.abstract_lower = self.abstract.lower()
        self.full_lower = self.full.lower()


def _hits(candidates: Sequence[Candidate], text: _Text) -> tuple[list[KeywordHit], float]:
    hits: list[KeywordHit] = []
    total = 0.0
    for term, start in candidates:
        if start is not None and start not in text.starts:
            continue
        if term.requires and not any(r.search(text.full, text.full_lower) for r in term.requires):
            continue
        in_title = term.matcher.count(text.title, text.title_lower)
        if in_title:
            contribution = term.weight * TITLE_FACTOR
            hits.append(KeywordHit(term.text, "title", in_title, term.weight, contribution))
            total += contribution
        in_abstract = term.matcher.count(text.abstract, text.abstract_lower)
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
        self._keywords = [[(t, trigger(t)) for t in th.keywords] for th in self.themes]
        self._negative = [[(t, trigger(t)) for t in th.negative] for th in self.themes]
        # User regexes have no literal start to test, so they always run (on bounded text).
        self._patterns = [[(t, None) for t in th.patterns] for th in self.themes]

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
            text = _Text(title, abstract, full, word_starts(full))
            bounded = _Text(title[:MAX_PATTERN_TEXT], abstract[:MAX_PATTERN_TEXT], full, set())
            for j, theme in enumerate(self.themes):
                hits, positive = _hits(self._keywords[j], text)
                if self._patterns[j]:
                    pattern_hits, pattern_points = _hits(self._patterns[j], bounded)
                    hits += pattern_hits
                    positive += pattern_points
                negative_hits, negative = _hits(self._negative[j], text)
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
