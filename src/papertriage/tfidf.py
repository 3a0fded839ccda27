"""TF-IDF vectors and cosine similarity, computed the way scikit-learn's TfidfVectorizer does.

Settings: lower-case, tokens of two or more word characters, English stop words removed,
word 1-2 grams, sublinear tf (1 + ln tf), smooth idf (ln((1 + n) / (1 + df)) + 1), L2 norm.

Inputs of every size are vectorised here in pure Python: importing scikit-learn alone takes
over a second, and a streamed input is measured a paper at a time against an idf fitted once.
`tests/test_tfidf.py` checks that the numbers equal scikit-learn's.
"""

from __future__ import annotations

import math
import re
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import filterfalse, islice, repeat
from operator import mul
from pathlib import Path

# Runs of word characters: scikit-learn's tokens (r"(?u)\b\w\w+\b") are exactly those of
# two or more characters.
WORD = re.compile(r"\w+")
# ASCII characters that are not word characters, to spaces: splitting an ASCII text on
# whitespace then gives WORD's runs several times faster than the regex does.
_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not WORD.match(chr(c))})
_ONE_CHARACTER = frozenset(chr(c) for c in range(128) if WORD.match(chr(c)))


def words(text: str) -> list[str]:
    """The runs of word characters (``\\w+``) of a text, in order."""
    if text.isascii():
        return text.translate(_NOT_WORD).split()
    return WORD.findall(text)


Vector = dict[str, float]


@cache
def stop_words() -> frozenset[str]:
    path = Path(__file__).with_name("stopwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def analyse(text: str) -> list[str]:
    """Unigrams and bigrams of the non-stop-word tokens, as scikit-learn's 'word' analyzer."""
    return analyse_words(words(text.lower()))


@cache
def _dropped() -> frozenset[str]:
    return stop_words() | _ONE_CHARACTER


def analyse_words(lower_words: list[str]) -> list[str]:
    """`analyse` of a text given its lower-case `words`: the engine has them already."""
    tokens = list(filterfalse(_dropped().__contains__, lower_words))
    if not all(map(str.isascii, tokens)):  # one-character tokens outside ASCII
        tokens = [t for t in tokens if len(t) > 1]
    return tokens + list(map(" ".join, zip(tokens, islice(tokens, 1, None))))


class IdfTable:
    """Document frequencies of a collection; idf of unseen terms is the largest possible."""

    def __init__(self, documents: Iterable[Sequence[str]] = ()):
        self.n = 0
        self.df: Counter[str] = Counter()
        self._weights: dict[str, float] | None = None
        self._weights_n = -1
        for terms in documents:
            self.add(terms)

    def add(self, terms: Sequence[str]) -> None:
        self.n += 1
        self.df.update(set(terms))

    def weights(self) -> dict[str, float]:
        """idf of every term seen, computed once per state of the table."""
        if self._weights is None or self._weights_n != self.n:
            documents = 1 + self.n
            self._weights = {
                term: math.log(documents / (1 + df)) + 1.0 for term, df in self.df.items()
            }
            self._weights_n = self.n
        return self._weights

    def unseen(self) -> float:
        """idf of a term no document of the table has."""
        return math.log(1 + self.n) + 1.0


def vector(terms: Sequence[str], idf: IdfTable) -> Vector:
    """Sublinear tf-idf weights of one document, L2-normalised."""
    log = math.log
    weight = idf.weights().get
    unseen = idf.unseen()
    weights = {
        term: (1.0 + log(count)) * weight(term, unseen) for term, count in Counter(terms).items()
    }
    norm = math.sqrt(sum(w * w for w in weights.values()))
    if norm == 0.0:
        return {}
    return {term: w / norm for term, w in weights.items()}


def _by_weight(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


def cosine_terms(a: Vector, b: Vector, top: int = 5) -> tuple[float, list[tuple[str, float]]]:
    """Cosine of two normalised vectors and the shared terms that contribute most."""
    if len(b) < len(a):
        a, b = b, a
    products = [(term, w * b[term]) for term, w in a.items() if term in b]
    products.sort(key=lambda x: (-x[1], x[0]))
    return sum(p for _, p in products), products[:top]


Similarity = tuple[float, list[tuple[str, float]]]


class Measure:
    """A document's cosine to every prototype, and what is needed to explain one of them."""

    __slots__ = ("cosines", "_shared", "_prototypes")

    def __init__(
        self, cosines: list[float], shared: list[tuple[str, float]], prototypes: list[Vector]
    ):
        self.cosines = cosines
        self._shared = shared  # (term, normalised weight) of terms some prototype has
        self._prototypes = prototypes

    def terms(self, prototype: int, top: int = 5) -> list[tuple[str, float]]:
        """The shared terms that contribute most to the cosine with one prototype."""
        vector = self._prototypes[prototype]
        products = [(t, w * vector[t]) for t, w in self._shared if t in vector]
        products.sort(key=_by_weight)
        return products[:top]


# (1 + ln tf)² for the term frequencies a document commonly has; larger ones are computed.
_TF_SQUARED = [0.0] + [(1.0 + math.log(tf)) ** 2 for tf in range(1, 1024)]


class PrototypeIndex:
    """TF-IDF vectors of the theme prototypes, and the idf to weigh documents with.

    The idf is fitted on some documents + the prototypes + background texts (the rules'
    examples), so that a small paste still weighs words by how rare they are across more
    than its own few papers. Once fitted, any number of further documents can be scored
    against it without holding them: that is how a large input streams through.
    """

    def __init__(
        self,
        prototypes: Sequence[str],
        background: Sequence[str] = (),
        documents: Iterable[Sequence[str]] = (),
    ):
        proto_terms = [analyse(p) for p in prototypes]
        self.idf = IdfTable(documents)
        for terms in proto_terms:
            self.idf.add(terms)
        for text in background:
            self.idf.add(analyse(text))
        self.prototypes = [vector(t, self.idf) for t in proto_terms]
        # term -> [(prototype, weight)]: one pass over a document finds all its products.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for j, prototype in enumerate(self.prototypes):
            for term, weight in prototype.items():
                self._postings.setdefault(term, []).append((j, weight))
        self._vocabulary = frozenset(self._postings)
        # The table is fixed from here on: squared idf of every term, for the norms.
        self._idf = self.idf.weights()
        self._idf_squared = {term: w * w for term, w in self._idf.items()}
        self._unseen = self.idf.unseen()
        self._unseen_squared = self._unseen**2

    def measure(self, terms: Sequence[str]) -> Measure:
        """Cosine of one document (its analysed terms) to each prototype.

        The document's norm needs the weight of every one of its terms, but only the terms a
        prototype has enter a cosine; both are computed with as little Python per term as
        possible, since this runs once per paper of inputs of any size.
        """
        counts: dict[str, int] = {}
        _count_elements(counts, terms)  # Counter's own counting, without its Python wrapper
        cosines = [0.0] * len(self.prototypes)
        if not counts:
            return Measure(cosines, [], self.prototypes)
        try:
            squared_tf = map(_TF_SQUARED.__getitem__, counts.values())
            squared_idf = map(self._idf_squared.get, counts, repeat(self._unseen_squared))
            norm = math.sqrt(sum(map(mul, squared_tf, squared_idf)))
        except IndexError:  # a term more than a thousand times
            weights = (
                (1.0 + math.log(c)) * self._idf.get(t, self._unseen) for t, c in counts.items()
            )
            norm = math.sqrt(sum(w * w for w in weights))
        shared = []
        if norm:
            idf = self._idf
            for term in sorted(self._vocabulary.intersection(counts)):
                weight = (1.0 + math.log(counts[term])) * idf[term] / norm
                shared.append((term, weight))
                for j, proto_weight in self._postings[term]:
                    cosines[j] += weight * proto_weight
        return Measure(cosines, shared, self.prototypes)

    def score_terms(self, terms: Sequence[str], top: int = 5) -> list[Similarity]:
        """Cosine to each prototype and the shared terms that contribute most."""
        measure = self.measure(terms)
        return [(c, measure.terms(j, top)) for j, c in enumerate(measure.cosines)]


def similarities(
    documents: Sequence[str], prototypes: Sequence[str], background: Sequence[str] = ()
) -> list[list[Similarity]]:
    """For each document, its cosine to each prototype with the terms behind it; the idf is
    fitted on the documents themselves too."""
    doc_terms = [analyse(d) for d in documents]
    index = PrototypeIndex(prototypes, background, doc_terms)
    return [index.score_terms(t) for t in doc_terms]
