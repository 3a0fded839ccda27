"""Score papers against themes: keyword evidence plus TF-IDF similarity to a prototype.

Every score keeps its evidence (which terms matched where, the similarity and the terms
behind it), so that each tag can be explained.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from papertriage.models import KeywordHit, Paper, TaggedPaper, ThemeScore
from papertriage.rules import Matcher, Term, Theme
from papertriage.tfidf import PrototypeIndex, analyse, best_similarities

TITLE_FACTOR = 2.0
MAX_ABSTRACT_FACTOR = 3.0


# User patterns run on at most this much text, so that matching time stays bounded.
MAX_PATTERN_TEXT = 20_000


@dataclass
class _Text:
    title: str
    abstract: str
    full: str

    def __post_init__(self) -> None:
        self.title_lower = self.title.lower()
        self.abstract_lower = self.abstract.lower()
        self.full_lower = self.full.lower()
        self.title_words = Counter(_TOKEN.findall(self.title_lower))
        self.abstract_words = Counter(_TOKEN.findall(self.abstract_lower))
        self._cased: tuple[Counter[str], Counter[str]] | None = None

    @property
    def cased_words(self) -> tuple[Counter[str], Counter[str]]:
        """Words as written (for acronyms), counted only when a rule needs them."""
        if self._cased is None:
            self._cased = (
                Counter(_TOKEN.findall(self.title)),
                Counter(_TOKEN.findall(self.abstract)),
            )
        return self._cased

    def counts(self, matcher: Matcher) -> tuple[int, int]:
        """Matches of a term in the title and in the abstract."""
        if matcher.forms is not None:
            title, abstract = (
                (self.title_words, self.abstract_words) if matcher.lowercase else self.cased_words
            )
            return (
                sum(title[f] for f in matcher.forms),
                sum(abstract[f] for f in matcher.forms),
            )
        if matcher.pattern.search(self.full_lower if matcher.lowercase else self.full) is None:
            return 0, 0  # one scan in C rules out most phrases
        return (
            matcher.count(self.title, self.title_lower),
            matcher.count(self.abstract, self.abstract_lower),
        )


_TOKEN = re.compile(r"\w+")
_CACHE_LIMIT = 500_000  # words remembered by the keyword index before it starts over


class KeywordIndex:
    """Finds, in one pass over a paper's words, the few terms that can match it.

    Every term's pattern starts with a literal (its first word, or its stem) at the start of
    a word. The index maps literals to terms; a paper's words are looked up by their prefixes
    of the lengths the literals have. The cost per paper depends on its words, not on the
    number of terms, and a term's regex runs only on papers that contain its literal.
    """

    def __init__(self, groups: Sequence[Sequence[Term]]):
        self.groups = [list(g) for g in groups]
        self._lower: dict[str, list[tuple[int, int]]] = {}
        self._cased: dict[str, list[tuple[int, int]]] = {}
        self._always: list[tuple[int, int]] = []
        for g, terms in enumerate(self.groups):
            for i, term in enumerate(terms):
                literal = term.matcher.literal
                if literal is None or not _TOKEN.fullmatch(literal):
                    self._always.append((g, i))
                else:
                    table = self._lower if term.matcher.lowercase else self._cased
                    table.setdefault(literal, []).append((g, i))
        self._lower_lengths = sorted({len(k) for k in self._lower})
        self._cased_lengths = sorted({len(k) for k in self._cased})
        self._lower_cache: dict[str, tuple[tuple[int, int], ...]] = {}
        self._cased_cache: dict[str, tuple[tuple[int, int], ...]] = {}

    def _lookup(self, word: str, cased: bool) -> tuple[tuple[int, int], ...]:
        """Terms a word can start, remembered: a vocabulary repeats from paper to paper."""
        cache = self._cased_cache if cased else self._lower_cache
        found = cache.get(word)
        if found is None:
            table = self._cased if cased else self._lower
            lengths = self._cased_lengths if cased else self._lower_lengths
            hits: list[tuple[int, int]] = []
            for length in lengths:
                if length > len(word):
                    break
                hits.extend(table.get(word[:length], ()))
            found = tuple(hits)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[word] = found
        return found

    def candidates(self, text: _Text) -> list[list[Term]]:
        """For each group, its terms that may match, in their order in the group."""
        found: set[tuple[int, int]] = set(self._always)
        for word in text.title_words.keys() | text.abstract_words.keys():
            found.update(self._lookup(word, False))
        if self._cased:
            title, abstract = text.cased_words
            for word in title.keys() | abstract.keys():
                found.update(self._lookup(word, True))
        per_group: list[list[int]] = [[] for _ in self.groups]
        for g, i in found:
            per_group[g].append(i)
        return [[self.groups[g][i] for i in sorted(ids)] for g, ids in enumerate(per_group)]


def _hits(candidates: Sequence[Term], text: _Text) -> tuple[list[KeywordHit], float]:
    hits: list[KeywordHit] = []
    total = 0.0
    for term in candidates:
        if term.requires and not any(r.search(text.full, text.full_lower) for r in term.requires):
            continue
        in_title, in_abstract = text.counts(term.matcher)
        if in_title:
            contribution = term.weight * TITLE_FACTOR
            hits.append(KeywordHit(term.text, "title", in_title, term.weight, contribution))
            total += contribution
        if in_abstract:
            # Repeats add with diminishing returns: a term said five times is not five topics.
            factor = min(1.0 + math.log(in_abstract), MAX_ABSTRACT_FACTOR)
            contribution = term.weight * factor
            hits.append(KeywordHit(term.text, "abstract", in_abstract, term.weight, contribution))
            total += contribution
    return hits, total


class Engine:
    """Scores papers against a fixed set of themes."""

    def __init__(self, themes: Sequence[Theme], stream: bool = False):
        """With `stream`, the TF-IDF idf is fitted on the first batch tagged and then kept,
        so that later batches of a large input are weighed the same way without holding
        the whole input; otherwise every call fits it on the papers it is given."""
        self.themes = list(themes)
        self.stream = stream
        self._index: PrototypeIndex | None = None
        self._background = [e for t in self.themes for e in t.examples_positive]
        # Groups 0..n-1: each theme's keywords; n..2n-1: its negative keywords.
        self._index_terms = KeywordIndex(
            [th.keywords for th in self.themes] + [th.negative for th in self.themes]
        )

    def tag(self, papers: Sequence[Paper]) -> list[TaggedPaper]:
        if not papers:
            return []
        prototypes = [t.prototype for t in self.themes]
        texts = [p.text for p in papers]
        if not self.stream:
            sims = best_similarities(texts, prototypes, self._background)
        else:
            terms = [analyse(t) for t in texts]
            if self._index is None:
                self._index = PrototypeIndex(prototypes, self._background, terms)
            sims = [self._index.score_terms(t) for t in terms]
        tagged = []
        for i, paper in enumerate(papers):
            scores: dict[str, ThemeScore] = {}
            title, abstract = paper.title, paper.abstract
            full = f"{title}\n{abstract}"
            text = _Text(title, abstract, full)
            bounded = _Text(title[:MAX_PATTERN_TEXT], abstract[:MAX_PATTERN_TEXT], full)
            candidates = self._index_terms.candidates(text)
            n = len(self.themes)
            for j, theme in enumerate(self.themes):
                hits, positive = _hits(candidates[j], text)
                if theme.patterns:
                    # User regexes have no literal to look for first: they always run, on
                    # bounded text.
                    pattern_hits, pattern_points = _hits(theme.patterns, bounded)
                    hits += pattern_hits
                    positive += pattern_points
                negative_hits, negative = _hits(candidates[n + j], text)
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
