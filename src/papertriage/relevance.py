"""Learn what the reader cares about from their labels, rank by it, and measure it.

`papertriage label` marks library papers relevant or irrelevant; this module trains a linear
classifier on those labels and scores the unlabelled papers (``--sort relevance``), says which
terms drove a paper's score (``explain --relevance``) and replays a reader against hand labels
to measure the ranking (``simulate``), as ASReview's simulation mode does.

The model (chosen on the labelled corpus, see README "Learning from your labels"):

* a paper is its title twice and its abstract, analysed as everywhere in papertriage
  (`tfidf.analyse`: lower case, English stop words out, word 1-2 grams);
* TF-IDF: sublinear tf, smooth idf, L2 norm. The idf and vocabulary are fitted on the labelled
  papers plus other library papers spread over the library, `REFERENCE_SIZE` papers in all
  (terms in at least two of them), so that words weigh what they weigh in the library, not
  in a few dozen labelled papers; the idf is then frozen in the model;
* a linear SVM (scikit-learn `LinearSVC`, ``class_weight="balanced"``, C = 1), as arxiv-sanity
  does: a few relevant papers among many irrelevant ones weigh as much as those;
* relevance = the logistic of the SVM's margin: 0.5 on the boundary, above it on the
  relevant side.

The model is rebuilt only when the labels change: it is cached as JSON (no pickle) next to
the library, keyed by a fingerprint of the labels and of these settings, and scoring a paper
with a cached model is pure Python (scikit-learn, whose import alone takes a second, is
imported only to train).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papertriage.errors import PapertriageError
from papertriage.tfidf import analyse

if TYPE_CHECKING:
    from papertriage.models import Paper, TaggedPaper
    from papertriage.store import Library

MODEL_VERSION = 1
TITLE_REPEAT = 2  # the title counts twice: measured better than once on the labelled corpus
REFERENCE_SIZE = 2000  # library papers the idf is fitted on, besides the labelled ones
MIN_DF = 2  # terms in fewer reference papers are left out (when there are enough papers)
SVM_C = 1.0
SETTINGS = {
    "version": MODEL_VERSION,
    "title_repeat": TITLE_REPEAT,
    "reference_size": REFERENCE_SIZE,
    "min_df": MIN_DF,
    "classifier": "LinearSVC",
    "C": SVM_C,
    "class_weight": "balanced",
}


class NotEnoughLabels(PapertriageError):
    """The labels cannot train a model: it needs a relevant and an irrelevant paper."""


def paper_terms(title: str, abstract: str) -> list[str]:
    """The terms the model reads from a paper: its title twice and its abstract."""
    return analyse(" ".join([title] * TITLE_REPEAT + [abstract or ""]))


def fingerprint(labels: Iterable[tuple[str, bool]]) -> str:
    """Short hash of the labels (paper id, relevant) and of the model's settings."""
    lines = sorted(f"{key}\t{int(relevant)}" for key, relevant in labels)
    text = json.dumps(SETTINGS, sort_keys=True) + "\n" + "\n".join(lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fit_idf(documents: Sequence[Sequence[str]]) -> dict[str, float]:
    """Smooth idf (ln((1 + n) / (1 + df)) + 1) of the terms in at least MIN_DF documents
    (in at least one when there are fewer than 100 documents)."""
    df: Counter[str] = Counter()
    for terms in documents:
        df.update(set(terms))
    n = len(documents)
    least = MIN_DF if n >= 100 else 1
    return {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items() if d >= least}


def tfidf_vector(terms: Iterable[str], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear tf x idf over the vocabulary, L2-normalised (as TfidfVectorizer does)."""
    vector = {}
    for term, count in Counter(terms).items():
        weight = idf.get(term)
        if weight is not None:
            vector[term] = (1.0 + math.log(count)) * weight
    norm = math.sqrt(sum(x * x for x in vector.values()))
    if norm > 0.0:
        for term in vector:
            vector[term] /= norm
    return vector


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def tfidf_matrix(documents: Sequence[Sequence[str]]):  # -> (csr_matrix, list[str], ndarray)
    """The TF-IDF rows of `documents` (term lists) over the terms in at least MIN_DF of them,
    with those terms (column order) and their idf: `fit_idf` and `tfidf_vector` for a whole
    collection at once, counted by numpy instead of one dict per paper."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    # Term ids with no Python loop per term (a few thousand papers hold millions of terms):
    # terms are told apart by their 64-bit hash (a collision among a few hundred thousand
    # terms has odds of about 1e-9), numbered in order of first appearance so that the
    # columns, and so the trained weights, do not depend on the process's hash seed.
    flat = list(chain.from_iterable(documents))
    lengths = [len(terms) for terms in documents]
    hashes = np.fromiter(map(hash, flat), dtype=np.int64, count=len(flat))
    distinct, first, ids = np.unique(hashes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    renumbered = np.empty(len(distinct), dtype=np.int64)
    renumbered[order] = np.arange(len(distinct), dtype=np.int64)
    ids = renumbered[ids.reshape(-1)]
    first = first[order]  # position in `flat` of each column's term
    n, size = len(documents), max(len(distinct), 1)
    doc_ids = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys, counts = np.unique(doc_ids * size + ids, return_counts=True)
    rows, cols = keys // size, keys % size
    df = np.bincount(cols, minlength=size)
    keep = df >= (MIN_DF if n >= 100 else 1)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    chosen = keep[cols]
    rows, cols, counts = rows[chosen], cols[chosen], counts[chosen]
    renumber = np.cumsum(keep) - 1
    kept_idf = idf[keep]
    cols = renumber[cols]
    values = (1.0 + np.log(counts)) * kept_idf[cols]
    matrix = csr_matrix((values, (rows, cols)), shape=(n, int(keep.sum())))
    names = [flat[i] for i in first[keep[: len(first)]].tolist()]
    return normalize(matrix), names, kept_idf


def _classifier():
    from sklearn.svm import LinearSVC

    return LinearSVC(C=SVM_C, class_weight="balanced")


@dataclass
class RelevanceModel:
    """A trained model: the frozen idf, the classifier's weight per term and its intercept."""

    fingerprint: str
    idf: dict[str, float]
    weights: dict[str, float]
    intercept: float
    relevant: int
    irrelevant: int
    seconds: float = 0.0  # time the training took (0: loaded from the cache)
    _columns: Any = field(default=None, repr=False, compare=False)

    def margin(self, terms: Iterable[str]) -> float:
        """The classifier's margin: intercept + weights . tf-idf vector (one pass)."""
        idf, weights, log = self.idf, self.weights, math.log
        dot = squares = 0.0
        for term, count in Counter(terms).items():
            weight = idf.get(term)
            if weight is None:
                continue
            value = (1.0 + log(count)) * weight
            squares += value * value
            dot += value * weights.get(term, 0.0)
        return self.intercept + (dot / math.sqrt(squares) if squares > 0.0 else 0.0)

    def score(self, paper: Paper) -> float:
        """The paper's relevance, 0..1: above 0.5, the model puts it on the relevant side."""
        return _logistic(self.margin(paper_terms(paper.title, paper.abstract)))

    def scores(self, papers: Sequence[Paper]) -> list[float]:
        """`score` of many papers at once: the same figures, counted by numpy instead of a
        dict per paper (a library of thousands of unlabelled papers is ranked on each list)."""
        import numpy as np

        documents = [paper_terms(p.title, p.abstract) for p in papers]
        if not documents:
            return []
        column, idf, weights = self._arrays()
        unknown = len(idf) - 1  # a column of idf 0: terms outside the vocabulary weigh nothing
        lengths = [len(terms) for terms in documents]
        ids = np.fromiter(
            map(column.get, chain.from_iterable(documents), repeat(unknown)),
            dtype=np.int64,
            count=sum(lengths),
        )
        width = len(idf)
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        keys, counts = np.unique(rows * width + ids, return_counts=True)
        rows, cols = keys // width, keys % width
        values = (1.0 + np.log(counts)) * idf[cols]
        dot = np.bincount(rows, values * weights[cols], minlength=len(documents))
        squares = np.bincount(rows, values * values, minlength=len(documents))
        norm = np.sqrt(squares)
        margins = self.intercept + np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
        return [_logistic(m) for m in margins.tolist()]

    def _arrays(self):  # -> (term -> column, idf per column, weight per column)
        if self._columns is None:
            import numpy as np

            column = dict(zip(self.idf, range(len(self.idf))))
            idf = np.fromiter(chain(self.idf.values(), [0.0]), dtype=np.float64)
            weights = np.zeros(len(idf))
            for term, weight in self.weights.items():
                index = column.get(term)
                if index is not None:
                    weights[index] = weight
            self._columns = (column, idf, weights)
        return self._columns

    def top_terms(self, paper: Paper, n: int = 8) -> list[tuple[str, float]]:
        """The terms that moved the paper's margin most, each with its contribution
        (tf-idf x weight; positive towards relevant), largest first by size."""
        vector = tfidf_vector(paper_terms(paper.title, paper.abstract), self.idf)
        parts = [(t, v * self.weights[t]) for t, v in vector.items() if t in self.weights]
        parts.sort(key=lambda item: (-abs(item[1]), item[0]))
        return [(t, c) for t, c in parts[:n] if c != 0.0]

    def describe(self) -> str:
        return f"trained on {self.relevant} relevant and {self.irrelevant} irrelevant papers"

    def to_json(self) -> str:
        return json.dumps(
            {
                "settings": SETTINGS,
                "fingerprint": self.fingerprint,
                "relevant": self.relevant,
                "irrelevant": self.irrelevant,
                "intercept": self.intercept,
                "weights": self.weights,
                "idf": self.idf,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> RelevanceModel:
        data = json.loads(text)
        return cls(
            fingerprint=data["fingerprint"],
            idf=data["idf"],
            weights=data["weights"],
            intercept=float(data["intercept"]),
            relevant=int(data["relevant"]),
            irrelevant=int(data["irrelevant"]),
        )


def train(
    labelled: Sequence[tuple[list[str], bool]],
    reference: Sequence[list[str]] = (),
    key: str = "",
) -> RelevanceModel:
    """Fit the model on (terms, relevant) pairs; the idf on them plus `reference` papers."""
    import time

    start = time.perf_counter()
    positives = sum(1 for _, relevant in labelled if relevant)
    negatives = len(labelled) - positives
    if positives == 0 or negatives == 0:
        raise NotEnoughLabels(
            f"relevance needs at least one relevant and one irrelevant label (there are "
            f"{positives} relevant, {negatives} irrelevant): `papertriage label ID --relevant` "
            "and `papertriage label ID --irrelevant`"
        )
    matrix, names, idf_values = tfidf_matrix([terms for terms, _ in labelled] + list(reference))
    classifier = _classifier()
    classifier.fit(matrix[: len(labelled)], [int(r) for _, r in labelled])
    coef = classifier.coef_[0]
    weights = {names[i]: float(coef[i]) for i in coef.nonzero()[0]}
    idf = dict(zip(names, idf_values.tolist()))
    return RelevanceModel(
        key,
        idf,
        weights,
        float(classifier.intercept_[0]),
        positives,
        negatives,
        seconds=time.perf_counter() - start,
    )


# --- the library's model ------------------------------------------------------------------


def cache_path(library: Library) -> Path:
    """Where the library's model is cached: next to it, ``library.db.relevance.json``."""
    return library.path.with_name(library.path.name + ".relevance.json")


def library_model(library: Library, *, cache: bool = True) -> RelevanceModel:
    """The model of the library's labels: the cached one when the labels are those it was
    trained on, else trained now (and cached when the folder can be written)."""
    labels = library.labels()
    key = fingerprint((pid, relevant) for _, pid, relevant in labels)
    path = cache_path(library)
    if cache and path.exists():
        try:
            model = RelevanceModel.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            model = None
        if model is not None and model.fingerprint == key:
            return model
    pks = [pk for pk, _, _ in labels]
    labelled_pks = set(pks)
    # The idf is fitted on at least REFERENCE_SIZE papers: the labelled ones and others.
    wanted = max(0, REFERENCE_SIZE - len(labels))
    reference_pks = (
        [pk for pk in library.spread_pks(wanted) if pk not in labelled_pks] if wanted else []
    )
    texts = library.texts(pks + reference_pks)
    labelled = [(paper_terms(*texts[pk]), relevant) for pk, _, relevant in labels]
    reference = [paper_terms(*texts[pk]) for pk in reference_pks]
    model = train(labelled, reference, key)
    if cache:
        _write_cache(path, model)
    return model


def _write_cache(path: Path, model: RelevanceModel) -> None:
    """Best effort: a library in a folder that cannot be written retrains each time."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(model.to_json(), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


@dataclass
class Labelled:
    """The labelled papers of a library, to leave them out of a relevance ranking."""

    pks: set[int] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)  # library ids, arXiv ids, normalised titles

    @classmethod
    def of(cls, library: Library) -> Labelled:
        found = cls()
        for pk, pid, arxiv_id, norm_title in library.conn.execute(
            "SELECT p.pk, p.id, p.arxiv_id, p.norm_title FROM labels l "
            "JOIN papers p ON p.pk = l.paper_pk"
        ):
            found.pks.add(pk)
            found.keys.update(k for k in (pid, arxiv_id, norm_title) if k)
        return found

    def __contains__(self, tagged: TaggedPaper) -> bool:
        from papertriage.models import normalise_title

        pk = getattr(tagged, "pk", None)
        if pk is not None and pk in self.pks:
            return True
        paper = tagged.paper
        return (
            paper.id in self.keys
            or (paper.arxiv_id is not None and paper.arxiv_id in self.keys)
            or normalise_title(paper.title) in self.keys
        )


def rank_by_relevance(
    papers: Iterable[TaggedPaper],
    model: RelevanceModel,
    labelled: Labelled,
    top: int | None = None,
) -> list[TaggedPaper]:
    """The unlabelled papers, most relevant first (ties: by score, then title), ranks from 1;
    each gets its `learned_relevance`."""
    kept = [paper for paper in papers if paper not in labelled]
    for paper, value in zip(kept, model.scores([p.paper for p in kept])):
        paper.learned_relevance = value
    kept.sort(key=lambda p: (-p.learned_relevance, -p.relevance, p.paper.title.lower()))
    if top is not None:
        kept = kept[:top]
    for number, paper in enumerate(kept, start=1):
        paper.rank = number
    return kept


# --- simulation ---------------------------------------------------------------------------


@dataclass
class Simulation:
    """A replayed reader: `found[i]` is True when the i-th paper read was relevant (the prior
    papers first)."""

    found: list[bool]
    priors: int
    seconds: float = 0.0
    theme: str | None = None

    @property
    def papers(self) -> int:
        return len(self.found)

    @property
    def relevant(self) -> int:
        return sum(self.found)

    def curve(self) -> list[int]:
        """Relevant papers found after reading 1, 2, ... papers."""
        total, out = 0, []
        for hit in self.found:
            total += hit
            out.append(total)
        return out

    def read_for(self, recall: float) -> int:
        """Papers read (priors included) until `recall` of the relevant ones were found."""
        need = math.ceil(recall * self.relevant - 1e-9)
        for read, count in enumerate(self.curve(), start=1):
            if count >= need:
                return read
        return self.papers

    def wss(self, recall: float = 0.95) -> float:
        """Work saved over sampling at `recall`: the share of papers left unread when that
        recall is reached, less the share random reading leaves (1 - recall)."""
        return (self.papers - self.read_for(recall)) / self.papers - (1.0 - recall)

    def recall_after(self, share: float) -> float:
        read = max(1, round(share * self.papers))
        return self.curve()[read - 1] / self.relevant if self.relevant else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "papers": self.papers,
            "relevant": self.relevant,
            "prior_papers": self.priors,
            "read_for_95": self.read_for(0.95),
            "read_for_100": self.read_for(1.0),
            "wss_95": round(self.wss(0.95), 4),
            "wss_100": round(self.wss(1.0), 4),
            "recall_after": {
                f"{int(s * 100)}%": round(self.recall_after(s), 4) for s in (0.1, 0.25, 0.5)
            },
            "seconds": round(self.seconds, 3),
            "found": self.curve(),
        }


def simulate(
    papers: Sequence[tuple[str, str]],
    relevant: Sequence[bool],
    *,
    seed: int = 0,
    prior_relevant: int = 1,
    prior_irrelevant: int = 1,
) -> Simulation:
    """Replay a reader over `papers` (title, abstract) with the known `relevant` labels.

    As ASReview's simulation: the reader starts from `prior_relevant` relevant and
    `prior_irrelevant` irrelevant papers drawn at random (`seed`); then the model is trained
    on every label so far, the reader reads the unread paper it ranks first, labels it, and
    so on until every paper is read. The idf is fitted once on all the papers (the library).
    """
    import time

    import numpy as np

    start = time.perf_counter()
    if len(papers) != len(relevant):
        raise ValueError("one label per paper")
    positives = [i for i, r in enumerate(relevant) if r]
    negatives = [i for i, r in enumerate(relevant) if not r]
    if len(positives) < prior_relevant or len(negatives) < prior_irrelevant:
        raise NotEnoughLabels(
            f"the simulation needs at least {prior_relevant} relevant and {prior_irrelevant} "
            f"irrelevant papers (there are {len(positives)} and {len(negatives)})"
        )
    rng = random.Random(seed)
    priors = rng.sample(positives, prior_relevant) + rng.sample(negatives, prior_irrelevant)
    rng.shuffle(priors)
    matrix, _, _ = tfidf_matrix([paper_terms(title, abstract) for title, abstract in papers])
    labels = np.asarray([int(r) for r in relevant])
    read = list(priors)
    unread = np.ones(len(papers), dtype=bool)
    unread[read] = False
    order = np.arange(len(papers))
    while unread.any():
        known = np.asarray(read)
        if labels[known].min() == labels[known].max():  # one class only: read at random
            candidates = order[unread]
            choice = int(candidates[rng.randrange(len(candidates))])
        else:
            classifier = _classifier().fit(matrix[known], labels[known])
            candidates = order[unread]
            margins = classifier.decision_function(matrix[candidates])
            choice = int(candidates[int(np.argmax(margins))])
        read.append(choice)
        unread[choice] = False
    return Simulation([bool(relevant[i]) for i in read], len(priors), time.perf_counter() - start)


def read_gold(path: str, theme: str | None) -> list[tuple[dict[str, Any], bool]]:
    """A gold file for `simulate`: JSON Lines with an "id" (or "title") and either
    "relevant": true/false, or "themes": [...] with `theme` naming the relevant one."""
    records = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PapertriageError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PapertriageError(f"{path}:{number}: not JSON: {exc.msg}") from None
        if not isinstance(data, dict) or not (data.get("id") or data.get("title")):
            raise PapertriageError(f"{path}:{number}: expected an object with an id or a title")
        if theme is not None:
            if not isinstance(data.get("themes"), list):
                raise PapertriageError(f'{path}:{number}: no "themes" list for --theme')
            records.append((data, theme in data["themes"]))
        elif isinstance(data.get("relevant"), bool):
            records.append((data, data["relevant"]))
        else:
            raise PapertriageError(
                f'{path}:{number}: no "relevant": true/false; give --theme ID to take the '
                'relevant papers from "themes"'
            )
    if not records:
        raise PapertriageError(f"{path}: no gold records")
    return records


# --- charts -------------------------------------------------------------------------------


def render_chart(sim: Simulation, width: int = 60, height: int = 16) -> str:
    """Recall (found / relevant) against papers read, as text: '*' the replayed reader, '.'
    reading in random order."""
    if not sim.relevant:
        return "no relevant papers\n"
    curve = sim.curve()
    grid = [[" "] * width for _ in range(height)]
    for x in range(width):
        read = max(1, round((x + 1) / width * sim.papers))
        recall = curve[read - 1] / sim.relevant
        random_recall = read / sim.papers
        for value, mark in ((random_recall, "."), (recall, "*")):
            y = min(height - 1, int(value * (height - 1) + 0.5))
            grid[height - 1 - y][x] = mark
    lines = []
    for row, cells in enumerate(grid):
        label = f"{1 - row / (height - 1):4.0%}" if row % 5 == 0 or row == height - 1 else ""
        lines.append(f"{label:>5} |{''.join(cells).rstrip()}")
    lines.append("      +" + "-" * width)
    right = f"{sim.papers} read"
    lines.append("      0" + " " * max(1, width - len(right)) + right)
    lines.append("      recall (*) against papers read; random order (.)")
    return "\n".join(lines) + "\n"


def render_svg(sims: Sequence[Simulation], width: int = 640, height: int = 400) -> str:
    """Recall against the share of papers read, one line per simulation, as an SVG file."""
    from xml.sax.saxutils import escape

    left, right, top, bottom = 56, 160, 20, 48
    w, h = width - left - right, height - top - bottom
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="black"/>',
    ]
    for tick in range(0, 101, 25):
        x = left + w * tick / 100
        y = top + h - h * tick / 100
        parts.append(f'<text x="{x:.1f}" y="{top + h + 16}" text-anchor="middle">{tick}%</text>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#ddd"/>')
    parts.append(
        f'<text x="{left + w / 2}" y="{height - 12}" text-anchor="middle">papers read</text>'
    )
    parts.append(
        f'<text x="14" y="{top + h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + h / 2})">relevant papers found</text>'
    )
    parts.append(
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top}" stroke="#999" '
        'stroke-dasharray="4 4"/>'
    )
    for number, sim in enumerate(sims):
        if not sim.relevant:
            continue
        colour = colours[number % len(colours)]
        points = [f"{left},{top + h}"]
        for read, found in enumerate(sim.curve(), start=1):
            x = left + w * read / sim.papers
            y = top + h - h * found / sim.relevant
            points.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(points)}"/>'
        )
        name = escape(sim.theme or "relevant")
        y = top + 14 + 18 * number
        parts.append(
            f'<line x1="{left + w + 12}" y1="{y - 4}" x2="{left + w + 30}" y2="{y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{left + w + 34}" y="{y}">{name} (WSS@95 {sim.wss(0.95):.2f})</text>'
        )
    y = top + 14 + 18 * len(sims)
    parts.append(
        f'<line x1="{left + w + 12}" y1="{y - 4}" x2="{left + w + 30}" y2="{y - 4}" '
        'stroke="#999" stroke-dasharray="4 4"/>'
    )
    parts.append(f'<text x="{left + w + 34}" y="{y}">random order</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
