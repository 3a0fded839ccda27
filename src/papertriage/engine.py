"""Score papers against themes: keyword evidence plus TF-IDF similarity to a prototype.

Every score can be explained: which terms matched where, the similarity and the terms
behind it. Building that evidence costs more than the score itself, so an engine made with
``evidence="assigned"`` (what ingest uses) keeps it only for the themes a paper is assigned;
the other themes get their exact points and similarity without the lists behind them.
"""

from __future__ import annotations

import functools
import math
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Sequence
from itertools import repeat

from papertriage.models import KeywordHit, Paper, TaggedPaper, ThemeScore
from papertriage.rules import Matcher, Term, Theme, is_word_char
from papertriage.tfidf import WORD, Measure, PrototypeIndex, analyse_words, words

TITLE_FACTOR = 2.0
MAX_ABSTRACT_FACTOR = 3.0
EVIDENCE = ("all", "assigned")

# User patterns run on at most this much text, so that matching time stays bounded.
MAX_PATTERN_TEXT = 20_000


class _Text:
    """A paper's title and abstract, lower-cased and split into words once for every rule."""

    __slots__ = (
        "title",
        "abstract",
        "full",
        "title_lower",
        "abstract_lower",
        "full_lower",
        "title_tokens",
        "abstract_tokens",
    )

    def __init__(self, title: str, abstract: str, full: str):
        self.title = title
        self.abstract = abstract
        self.full = full
        self.title_lower = title.lower()
        self.abstract_lower = abstract.lower()
        self.full_lower = f"{self.title_lower}\n{self.abstract_lower}"
        self.title_tokens = words(self.title_lower)
        self.abstract_tokens = words(self.abstract_lower)


@functools.lru_cache(maxsize=4096)
def required_text(pattern: str) -> tuple[tuple[str, ...], ...]:
    """What every match of a user pattern contains, as lower-case conditions: each condition
    is a set of alternatives, one of which is in every match (a run of three or more plain
    ASCII characters, or, for an alternation, one such run per branch). Empty when nothing is
    known.

    Patterns are matched case-insensitively; for ASCII letters that is what lower-casing the
    paper does, so a paper whose lower-cased text fails a condition cannot match. Most
    patterns start with an alternation of verbs (``(?:build|collect|curate)``) and have no
    single literal, but a paper with none of those words is still out of reach."""
    try:
        from re import _constants as constants
        from re import _parser as parser

        parsed = parser.parse(pattern)
    except Exception:  # noqa: BLE001 - the regex package reads more syntax than re
        return ()
    return tuple(_conditions(parsed, constants))


def _conditions(items, constants) -> list[tuple[str, ...]]:  # noqa: ANN001 - sre internals
    found: list[tuple[str, ...]] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= 3:
            found.append(("".join(run).lower(),))
        run.clear()

    def walk(items) -> None:  # noqa: ANN001
        for op, arg in items:
            if op is constants.LITERAL and arg < 128:
                run.append(chr(arg))
            elif op is constants.SUBPATTERN:
                walk(arg[-1])  # a group's text sits in the sequence, its branches close runs
            elif op is constants.BRANCH:
                close()
                # Each branch's most telling condition; a match meets one of the branches,
                # so it holds one of their alternatives.
                alternatives: set[str] = set()
                for branch in arg[1]:
                    own = _conditions(branch, constants)
                    if not own:  # a branch that needs nothing known: no condition
                        alternatives.clear()
                        break
                    alternatives.update(max(own, key=lambda c: (min(map(len, c)), -len(c))))
                if alternatives:
                    found.append(tuple(sorted(alternatives)))
            elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and arg[0] >= 1:
                close()  # in every match at least once, but not next to what is around it
                found.extend(_conditions(arg[2], constants))
            else:
                close()  # a class, an optional part, an anchor: ends the run

    walk(items)
    close()
    return found


def may_match(conditions: tuple[tuple[str, ...], ...], lower_text: str) -> bool:
    """False when `lower_text` lacks every alternative of some condition of `required_text`."""
    for alternatives in conditions:
        if len(alternatives) == 1:  # most conditions: one plain `in`, no generator
            if alternatives[0] not in lower_text:
                return False
        elif not any(alternative in lower_text for alternative in alternatives):
            return False
    return True


def _count(term: Term, text: _Text) -> tuple[int, int]:
    """Matches of a term in the title and in the abstract, by its pattern."""
    matcher = term.matcher
    if matcher.literal is None:
        # A user regex may run across the line between title and abstract (``\s+``):
        # it is counted in each on its own.
        if matcher.pattern.search(text.full) is None:
            return 0, 0
        return matcher.count(text.title, text.title_lower), matcher.count(
            text.abstract, text.abstract_lower
        )
    # A term's pattern crosses from one word to the next through one separator at most, so
    # one scan of "title\nabstract" finds what scans of each would: a match that starts in
    # the title and ends in the abstract is neither's.
    if matcher.lowercase:
        target, split = text.full_lower, len(text.title_lower)
    else:
        target, split = text.full, len(text.title)
    in_title = in_abstract = 0
    for match in matcher.pattern.finditer(target):
        start = match.start()
        if matcher.check_start and start and is_word_char(target[start - 1]):
            continue
        if match.end() <= split:
            in_title += 1
        elif start > split:
            in_abstract += 1
    return in_title, in_abstract


def _required(term: Term, text: _Text) -> bool:
    return not term.requires or any(r.search(text.full, text.full_lower) for r in term.requires)


# What a term's `[\s\-]?` between words matches, to a space.
_SEPARATORS = {c: " " for c in range(0x3001) if chr(c).isspace() or chr(c) == "-"}
_CACHE_LIMIT = 500_000  # words remembered by the keyword index before it starts over


class KeywordIndex:
    """Finds a paper's keyword matches with work that grows with its words, not with the
    number of terms.

    Terms get slots, numbered group by group. A one-word term is counted among the paper's
    words (its inflections are a fixed set of words). A term of several words is a candidate
    only when the paper has a word that is its first word and a word that starts as its
    second does, or a word that starts with the two joined ("pretraining"). Candidates run
    their pattern, as do case-sensitive terms (acronyms), which are looked up by their
    lower-cased words. What each distinct word leads to is worked out once and remembered,
    since a vocabulary repeats from paper to paper.
    """

    def __init__(self, groups: Sequence[Sequence[Term]]):
        self.terms: list[Term] = []
        self.group_of: list[int] = []
        # Word tables, all on lower-cased words: exact form -> one-word terms counted
        # directly; exact first word -> terms; prefix a second word starts with -> terms;
        # prefix a word starts with -> terms (joined words, or terms with only a literal).
        self._forms: dict[str, list[int]] = {}
        self._first: dict[str, list[int]] = {}
        self._second: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._always: list[int] = []
        # A term of several words written apart has its first two words next to each other
        # once separators are spaces: a substring test rules out most candidates.
        self._adjacent: dict[int, str] = {}
        for g, terms in enumerate(groups):
            for term in terms:
                slot = len(self.terms)
                self.terms.append(term)
                self.group_of.append(g)
                self._place(slot, term.matcher)
        self._lengths = sorted({len(k) for table in (self._second, self._prefix) for k in table})
        self._known: set[str] = set()
        # What a word leads to (forms, first, second, prefix slots), for the words that lead
        # anywhere.
        self._leads: tuple[dict[str, tuple[int, ...]], ...] = ({}, {}, {}, {})
        self._leading: set[str] = set()

    def _place(self, slot: int, matcher: Matcher) -> None:
        literal = matcher.literal
        if matcher.forms is not None and matcher.lowercase:
            for form in matcher.forms:
                self._forms.setdefault(form, []).append(slot)
        elif literal is None or not WORD.fullmatch(literal):
            self._always.append(slot)
        elif matcher.word_literals is not None:
            first, second = (w.lower() for w in matcher.word_literals[:2])
            self._adjacent[slot] = f"{first} {second}"
            self._first.setdefault(first, []).append(slot)
            self._second.setdefault(second, []).append(slot)
            self._prefix.setdefault(first + second, []).append(slot)
        else:
            self._prefix.setdefault(literal.lower(), []).append(slot)

    def _learn(self, new: set[str]) -> None:
        """Work out what words not seen before lead to."""
        if len(self._known) + len(new) > _CACHE_LIMIT:
            self._known.clear()
            self._leading.clear()
            for table in self._leads:
                table.clear()
        forms, first, second, prefix = self._forms, self._first, self._second, self._prefix
        for word in new:
            seconds: list[int] = []
            prefixed: list[int] = []
            for length in self._lengths:
                if length > len(word):
                    break
                start = word[:length]
                seconds.extend(second.get(start, ()))
                prefixed.extend(prefix.get(start, ()))
            for table, slots in zip(
                self._leads, (forms.get(word), first.get(word), seconds, prefixed)
            ):
                if slots:
                    table[word] = tuple(slots)
                    self._leading.add(word)
        self._known.update(new)

    def match(self, text: _Text) -> dict[int, tuple[int, int]]:
        """slot -> (matches in the title, in the abstract) of every term the paper has."""
        counts: dict[int, tuple[int, int]] = {}
        terms = self.terms
        title, abstract = text.title_tokens, text.abstract_tokens
        paper_words = set(title)
        paper_words.update(abstract)
        new = paper_words.difference(self._known)
        if new:
            self._learn(new)
        hits = paper_words.intersection(self._leading)
        forms, first, second, prefixed = self._leads
        form_hits = hits.intersection(forms)
        if form_hits:
            in_title: dict[str, int] = {}
            in_abstract: dict[str, int] = {}
            _count_elements(in_title, title)  # Counter's counting without its Python wrapper
            _count_elements(in_abstract, abstract)
            for word in form_hits:
                found = (in_title.get(word, 0), in_abstract.get(word, 0))
                for slot in forms[word]:
                    before = counts.get(slot)
                    counts[slot] = (
                        found if before is None else (before[0] + found[0], before[1] + found[1])
                    )
        # Set unions in C: a paper has many words, and this runs for every paper.
        candidates = set().union(*map(first.get, hits, repeat(())))
        candidates &= set().union(*map(second.get, hits, repeat(())))
        if candidates:
            spaced = text.full_lower.translate(_SEPARATORS)
            adjacent = self._adjacent
            candidates = {s for s in candidates if adjacent[s] in spaced}
        candidates.update(*map(prefixed.get, hits, repeat(())), self._always)
        for slot in candidates:
            found = _count(terms[slot], text)
            if found[0] or found[1]:
                counts[slot] = found
        for slot in [s for s in counts if terms[s].requires]:
            if not _required(terms[slot], text):
                del counts[slot]
        return counts


def _abstract_factor(count: int) -> float:
    # Repeats add with diminishing returns: a term said five times is not five topics.
    return min(1.0 + math.log(count), MAX_ABSTRACT_FACTOR)


_ABSTRACT_FACTORS = [0.0] + [_abstract_factor(c) for c in range(1, 64)]


def _contributions(term: Term, in_title: int, in_abstract: int) -> tuple[float, float]:
    title = term.weight * TITLE_FACTOR if in_title else 0.0
    abstract = term.weight * _abstract_factor(in_abstract) if in_abstract else 0.0
    return title, abstract


def _hits(terms: Sequence[Term], counts: Sequence[tuple[int, int]]) -> list[KeywordHit]:
    hits: list[KeywordHit] = []
    for term, (in_title, in_abstract) in zip(terms, counts):
        title, abstract = _contributions(term, in_title, in_abstract)
        if in_title:
            hits.append(KeywordHit(term.text, "title", in_title, term.weight, title))
        if in_abstract:
            hits.append(KeywordHit(term.text, "abstract", in_abstract, term.weight, abstract))
    return hits


class Engine:
    """Scores papers against a fixed set of themes."""

    def __init__(self, themes: Sequence[Theme], stream: bool = False, evidence: str = "all"):
        """With `stream`, the TF-IDF idf is fitted on the first batch tagged and then kept,
        so that later batches of a large input are weighed the same way without holding
        the whole input; otherwise every call fits it on the papers it is given.
        `evidence` is "all" (every theme's evidence, for explain) or "assigned"."""
        if evidence not in EVIDENCE:
            raise ValueError(f"evidence must be one of {EVIDENCE}, not {evidence!r}")
        self.themes = list(themes)
        self.stream = stream
        self.evidence = evidence
        self._index: PrototypeIndex | None = None
        self._background = [e for t in self.themes for e in t.examples_positive]
        # Groups 0..n-1: each theme's keywords; n..2n-1: its negative keywords.
        self._keywords = KeywordIndex(
            [th.keywords for th in self.themes] + [th.negative for th in self.themes]
        )
        # What scoring reads of each theme, once rather than per paper.
        self._constants = [
            (t, t.id, t.similarity_weight, t.evidence_threshold) for t in self.themes
        ]
        # (theme id, pattern) -> papers on which the pattern ran over its time budget.
        self._timeouts: dict[tuple[str, str], int] = {}

    def tag(self, papers: Sequence[Paper]) -> list[TaggedPaper]:
        if not papers:
            return []
        texts = [_Text(p.title, p.abstract, p.text) for p in papers]
        terms = [analyse_words(t.title_tokens + t.abstract_tokens) for t in texts]
        if self._index is None or not self.stream:
            prototypes = [t.prototype for t in self.themes]
            self._index = PrototypeIndex(prototypes, self._background, terms)
        index = self._index
        return [
            self._score(paper, text, index.measure(doc_terms))
            for paper, text, doc_terms in zip(papers, texts, terms)
        ]

    def _score(self, paper: Paper, text: _Text, measure: Measure) -> TaggedPaper:
        index = self._keywords
        counts = index.match(text)
        group_of, all_terms = index.group_of, index.terms
        n = len(self.themes)
        # Points of every group (n themes' keywords, then their negatives), adding the
        # contributions in the order `_hits` lists them, so that points and evidence agree.
        totals = [0.0] * (2 * n)
        matched = sorted(counts)
        factors = _ABSTRACT_FACTORS
        for slot in matched:
            in_title, in_abstract = counts[slot]
            weight, group = all_terms[slot].weight, group_of[slot]
            if in_title:
                totals[group] += weight * TITLE_FACTOR
            if in_abstract:
                totals[group] += weight * (
                    factors[in_abstract]
                    if in_abstract < len(factors)
                    else _abstract_factor(in_abstract)
                )
        every = self.evidence == "all"
        cosines = measure.cosines
        scores: dict[str, ThemeScore] = {}
        for j, (theme, theme_id, weight, threshold) in enumerate(self._constants):
            positive = totals[j]
            pattern_terms: list[Term] = []
            pattern_counts: list[tuple[int, int]] = []
            if theme.patterns:
                pattern_terms, pattern_counts = self._patterns(theme, text)
                pattern_points = 0.0
                for term, (in_title, in_abstract) in zip(pattern_terms, pattern_counts):
                    title, abstract = _contributions(term, in_title, in_abstract)
                    pattern_points += title
                    pattern_points += abstract
                positive += pattern_points
            similarity = cosines[j]
            similarity_points = weight * similarity
            points = positive - totals[n + j] + similarity_points
            score = ThemeScore(theme_id, points, threshold, [], [], similarity, similarity_points)
            if every or (points > 0.0 and points >= threshold):  # ThemeScore.assigned
                positive_slots = [s for s in matched if group_of[s] == j]
                negative_slots = [s for s in matched if group_of[s] == n + j]
                score.keywords = _hits(
                    [all_terms[s] for s in positive_slots], [counts[s] for s in positive_slots]
                ) + _hits(pattern_terms, pattern_counts)
                score.negative = _hits(
                    [all_terms[s] for s in negative_slots], [counts[s] for s in negative_slots]
                )
                score.similar_terms = measure.terms(j)
            scores[theme.id] = score
        return TaggedPaper(paper, scores)

    def _patterns(self, theme: Theme, text: _Text) -> tuple[list[Term], list[tuple[int, int]]]:
        """A theme's user regexes that match, with their counts. They have no literal to
        look for first, so they always run, on bounded text."""
        title, abstract = text.title[:MAX_PATTERN_TEXT], text.abstract[:MAX_PATTERN_TEXT]
        bounded = _Text(title, abstract, f"{title}\n{abstract}")
        terms: list[Term] = []
        counts: list[tuple[int, int]] = []
        for term in theme.patterns:
            if not may_match(required_text(term.text), bounded.full_lower):
                continue  # cannot match: skip the regex engine (most papers, most patterns)
            try:
                found = _count(term, bounded)
                matched = (found[0] or found[1]) and _required(term, bounded)
            except TimeoutError:
                # Over its time budget (rules.PATTERN_TIMEOUT): this paper does not match
                # this pattern, the run goes on, and the rule is named once.
                self._timed_out(theme, term, title)
                continue
            if matched:
                terms.append(term)
                counts.append(found)
        return terms, counts

    def _timed_out(self, theme: Theme, term: Term, title: str) -> None:
        key = (theme.id, term.text)
        if key in self._timeouts:
            self._timeouts[key] += 1
            return
        self._timeouts[key] = 1
        import warnings

        from papertriage.rules import PATTERN_TIMEOUT, RuleWarning

        where = theme.sources[-1] if theme.sources else theme.id
        warnings.warn(
            RuleWarning(
                f"{where}: pattern {term.text!r} of theme {theme.id!r} ran over its "
                f"{PATTERN_TIMEOUT * 1000:.0f} ms budget on {title[:80]!r}; taken as not "
                "matching that paper (later timeouts of this pattern are not reported)"
            ),
            stacklevel=2,
        )
