"""Learn rule weights and thresholds from labelled papers (``rules learn``, ``rules calibrate``).

The engine's score for a theme is already a linear model: each keyword adds its weight times
``x = 2·[in title] + min(1 + ln(count in abstract), 3)``, negatives subtract theirs, the
TF-IDF similarity adds ``similarity_weight · cosine``, and the theme is assigned when the sum
reaches the threshold. So a logistic regression over exactly those ``x`` features (and the
cosine) learns weights in the engine's own units: the proposal is the same kind of YAML a
person writes, and the engine scores it without any model file.

Why L1-regularised logistic regression: it leaves most candidate terms at exactly zero, so a
proposal holds tens of terms, not thousands, and a person can read and veto each one; its
strength C is chosen by stratified 5-fold cross-validation on the labelled papers. Candidate
terms are the theme's current keywords and negatives plus 1-3 word n-grams that are common
among the theme's positive papers (in at least 3 and 5% of them, and at least three times as
frequent there as elsewhere); words with digits and names written with capitals inside (a
model's or a benchmark's) are never candidates, so the defaults stay free of paper-specific
names.

Thresholds: for the learned weights, and for any rule set in ``rules calibrate``, the
threshold is the one that maximises F1 on the labelled papers (out-of-fold scores for learned
weights), written to the rule file with the figures it was chosen from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papertriage.evaluate import ThemeCounts
from papertriage.models import Paper
from papertriage.rules import Term, Theme, compile_term

TARGET_THRESHOLD = 0.8  # the YAML threshold learned weights are scaled to
MIN_POSITIVE_DF = 3
MAX_WEIGHT = 5.0  # the rule schema's cap on a keyword weight
MIN_LIFT = 3.0  # a candidate is at least this much more frequent among positives
MIN_Z = 3.0
SPARSER_WITHIN = 0.01  # prefer the sparsest C whose CV F1 is this close to the best
MAX_CANDIDATES = 400
C_GRID = (0.03, 0.06, 0.12, 0.25, 0.5, 1.0)
FOLDS = 5
_TOKEN = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]|[A-Za-z]")


# --- thresholds ---------------------------------------------------------------------------


@dataclass
class Cut(ThemeCounts):
    """A threshold on a score and what it gives on the labelled papers (tp, fp, fn, F1)."""

    threshold: float = math.inf


def best_cut(scores: Sequence[float], labels: Sequence[bool], floor: float = 0.0) -> Cut:
    """The threshold (above `floor`) that maximises F1: halfway between the lowest score it
    keeps and the next one below, so that a small shift of the scores does not flip papers."""
    ranked = sorted(zip(scores, labels), key=lambda x: -x[0])
    positives = sum(labels)
    cuts: list[Cut] = []
    tp = fp = 0
    for k, (score, label) in enumerate(ranked):
        if score <= floor:
            break
        tp += label
        fp += not label
        following = ranked[k + 1][0] if k + 1 < len(ranked) else floor
        if following == score:
            continue  # a threshold cannot split equal scores
        cuts.append(Cut(tp, fp, positives - tp, threshold=(score + max(following, floor)) / 2))
    if not cuts:
        return Cut(0, 0, positives)
    return max(cuts, key=lambda c: c.f1)  # the first (highest threshold) of equal F1s


def yaml_threshold(points: float) -> float:
    """Evidence points -> the threshold written in YAML (the 1 - exp(-points/2) scale)."""
    return 1.0 - math.exp(-points / 2.0)


# --- candidate terms ----------------------------------------------------------------------


@dataclass
class _Vocabulary:
    """How each word is written across the papers: lower-case, all capitals, or other."""

    lower: Counter = field(default_factory=Counter)
    upper: Counter = field(default_factory=Counter)
    other: Counter = field(default_factory=Counter)

    def add(self, token: str, sentence_start: bool) -> None:
        key = token.lower()
        if token.islower():
            self.lower[key] += 1
        elif token.isupper() and len(token) > 1:
            self.upper[key] += 1
        elif not (sentence_start and token[1:].islower()):
            self.other[key] += 1

    def form(self, word: str) -> str | None:
        """How a candidate word is written in a rule, or None for a name (LLaMA, ImageNet)."""
        low, up, other = self.lower[word], self.upper[word], self.other[word]
        if low >= up + other:
            return word
        if up > low + other and 2 <= len(word) <= 6:
            return word.upper()  # an acronym: matched case-sensitively by the engine
        return None


def _paper_ngrams(paper: Paper, stop: frozenset[str], vocabulary: _Vocabulary) -> set[str]:
    grams: set[str] = set()
    for part in (paper.title, paper.abstract):
        for sentence in re.split(r"(?<=[.!?:;])\s+|\n", part):
            tokens = [m.group(0) for m in _TOKEN.finditer(sentence)]
            for k, token in enumerate(tokens):
                vocabulary.add(token, k == 0)
            lowered = [t.lower() for t in tokens]
            for n in (1, 2, 3):
                for i in range(len(lowered) - n + 1):
                    gram = lowered[i : i + n]
                    if gram[0] in stop or gram[-1] in stop or len(gram[-1]) < 2:
                        continue
                    grams.add(" ".join(gram))
    return grams


def candidate_terms(papers: Sequence[Paper], labels: Sequence[bool], theme: Theme) -> list[str]:
    """The theme's own terms, then n-grams enriched among its positive papers."""
    from papertriage.tfidf import stop_words

    stop = stop_words()
    vocabulary = _Vocabulary()
    grams = [_paper_ngrams(p, stop, vocabulary) for p in papers]
    positives = sum(labels)
    negatives = len(labels) - positives
    in_pos: Counter = Counter()
    in_neg: Counter = Counter()
    for paper_grams, label in zip(grams, labels):
        (in_pos if label else in_neg).update(paper_grams)
    scored = []
    least = max(MIN_POSITIVE_DF, math.ceil(0.05 * positives))
    for gram, pos_df in sorted(in_pos.items()):
        if pos_df < least:
            continue
        pos_rate = pos_df / positives
        neg_rate = (in_neg[gram] + 0.5) / (negatives + 1)
        if pos_rate < MIN_LIFT * neg_rate:
            continue
        # Enriched beyond chance: with few positives a common word ("one", "small") is often
        # three times as frequent among them by luck; 3 standard deviations above expected.
        expected = (pos_df + in_neg[gram]) * positives / (positives + negatives)
        if (pos_df - expected) < MIN_Z * math.sqrt(expected):
            continue
        forms = [vocabulary.form(w) for w in gram.split()]
        if any(f is None for f in forms):
            continue
        last = forms[-1]
        if (
            last.islower()
            and last.endswith("s")
            and not last.endswith(("ss", "us", "is"))
            and vocabulary.lower[last[:-1]]
        ):
            forms[-1] = last[:-1]  # the engine matches the plural from the singular
        scored.append((pos_rate * math.log(pos_rate / neg_rate), " ".join(forms)))  # type: ignore[arg-type]
    scored.sort(key=lambda x: (-x[0], x[1]))
    own = [t.text for t in theme.keywords] + [t.text for t in theme.negative]
    chosen = list(dict.fromkeys(own))
    known = {c.lower() for c in chosen}
    for _, gram in scored:
        if len(chosen) >= MAX_CANDIDATES:
            break
        if gram.lower() not in known:  # a plural may fold into a singular already there
            chosen.append(gram)
            known.add(gram.lower())
    return chosen


# --- features -----------------------------------------------------------------------------


def term_features(papers: Sequence[Paper], terms: Sequence[str]) -> list[dict[int, float]]:
    """Per paper, per matched term (by index): what one unit of its weight adds in the engine."""
    from papertriage.engine import KeywordIndex, _contributions, _Text

    compiled = [Term(t, 1.0, compile_term(t)) for t in terms]
    index = KeywordIndex([compiled])
    rows = []
    for paper in papers:
        counts = index.match(_Text(paper.title, paper.abstract, paper.text))
        row = {}
        for slot, (in_title, in_abstract) in counts.items():
            title, abstract = _contributions(compiled[slot], in_title, in_abstract)
            row[slot] = title + abstract
        rows.append(row)
    return rows


# --- learning -----------------------------------------------------------------------------


@dataclass
class Proposal:
    theme: str
    keywords: dict[str, float]
    negative: dict[str, float]
    similarity_weight: float
    threshold: float  # YAML scale
    cut: Cut  # out-of-fold figures at the chosen threshold
    before: Cut  # the current rules on the same papers
    c: float
    papers: int
    positives: int
    patterns: dict[str, float] = field(default_factory=dict)
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> its context

    def calibration(self, gold: str) -> dict[str, Any]:
        return {
            "method": f"rules learn: L1 logistic regression, C={self.c:g}, {FOLDS}-fold CV",
            "gold": gold,
            "papers": self.papers,
            "positives": self.positives,
            "f1": round(self.cut.f1, 3),
            "precision": round(self.cut.precision, 3),
            "recall": round(self.cut.recall, 3),
        }


def _matrix(rows: list[dict[int, float]], width: int, similarity: Sequence[float]):  # noqa: ANN202
    import numpy as np

    x = np.zeros((len(rows), width + 1))
    for i, row in enumerate(rows):
        for j, value in row.items():
            x[i, j] = value
        x[i, width] = similarity[i]
    return x


def _folds(labels: Sequence[bool], seed: int = 0) -> list[int]:
    """Stratified fold number of each paper, reproducible."""
    import random

    rng = random.Random(seed)
    fold = [0] * len(labels)
    for value in (True, False):
        members = [i for i, label in enumerate(labels) if label == value]
        rng.shuffle(members)
        for k, i in enumerate(members):
            fold[i] = k % FOLDS
    return fold


def _fit(x, y, c: float):  # noqa: ANN001, ANN202
    import sklearn
    from sklearn.linear_model import LogisticRegression

    # scikit-learn 1.8 spells the L1 penalty l1_ratio=1 and deprecates penalty="l1".
    major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
    l1 = {"l1_ratio": 1.0} if (major, minor) >= (1, 8) else {"penalty": "l1"}
    model = LogisticRegression(solver="liblinear", C=c, max_iter=2000, random_state=0, **l1)
    model.fit(x, y)
    return model


def _out_of_fold(x, y, c: float, folds: list[int]) -> list[float]:  # noqa: ANN001
    import numpy as np

    scores = np.zeros(len(y))
    for k in range(FOLDS):
        train = np.array([f != k for f in folds])
        if y[train].all() or not y[train].any():
            continue
        model = _fit(x[train], y[train], c)
        scores[~train] = model.decision_function(x[~train])
    return list(scores)


def learn_theme(
    theme: Theme,
    papers: Sequence[Paper],
    labels: Sequence[bool],
    similarity: Sequence[float],
    current_points: Sequence[float],
) -> Proposal:
    """Weights for `theme` learned from `papers` labelled by `labels`.

    The theme's current rules are one feature (their points), so what a person wrote is the
    starting point and the data adds corrections: the model learns how much to trust the
    current rules as a whole, and, under the L1 penalty, which terms to add or re-weigh.
    With few labelled papers it keeps the rules nearly as they are, scaled to a better cut.
    """
    import numpy as np

    terms = candidate_terms(papers, labels, theme)
    rows = term_features(papers, terms)
    x = _matrix(rows, len(terms), similarity)
    x = np.hstack([x, np.array(current_points, dtype=float).reshape(-1, 1)])
    y = np.array(labels, dtype=bool)
    folds = _folds(labels)
    tried = [(c, best_cut(_out_of_fold(x, y, c, folds), list(labels), floor=-1e9)) for c in C_GRID]
    top = max(cut.f1 for _, cut in tried)
    # The smallest C (fewest terms) that is about as good: a shorter rule file reads better
    # and a sparser model holds better on papers unlike the labelled ones.
    c, cut = next((c, cut) for c, cut in tried if cut.f1 >= top - SPARSER_WITHIN)
    model = _fit(x, y, c)
    coef, intercept = [float(v) for v in model.coef_[0]], float(model.intercept_[0])
    trust = coef[-1]  # how much of the current rules' points carries over
    # The cut was chosen on out-of-fold decision values; the full model's are on the same
    # scale: assigned when coef·x >= cut - intercept.
    gap = cut.threshold - intercept
    if not math.isfinite(gap) or gap <= 0:
        gap = 1.0  # degenerate (nothing or everything assigned): keep a positive threshold
    old = {t.text: t.weight for t in theme.keywords}
    for t in theme.negative:
        old[t.text] = old.get(t.text, 0.0) - t.weight
    learned = dict(zip(terms, coef[: len(terms)]))
    raw = {
        term: old.get(term, 0.0) * trust + learned.get(term, 0.0)
        for term in dict.fromkeys([*old, *terms])
    }
    # Patterns are not candidates: they keep their place, weighed as the rules as a whole.
    pattern_raw = {t.text: t.weight * trust for t in theme.patterns}
    # Scaled so that the threshold reads 0.8, unless a weight would then pass the schema's
    # cap: the threshold is lowered instead (any positive scale gives the same decisions).
    scale = -2.0 * math.log(1.0 - TARGET_THRESHOLD) / gap
    largest = max((abs(v) for v in [*raw.values(), *pattern_raw.values()]), default=0.0)
    if largest * scale > MAX_WEIGHT:
        scale = MAX_WEIGHT / largest
    threshold = round(yaml_threshold(scale * gap), 4)
    keywords: dict[str, float] = {}
    negative: dict[str, float] = {}
    for term, value in raw.items():
        weight = round(value * scale, 2)
        if weight >= 0.05:
            keywords[term] = weight
        elif weight <= -0.05:
            negative[term] = -weight
    similarity_weight = round((theme.similarity_weight * trust + coef[len(terms)]) * scale, 2)
    patterns = {text: round(value * scale, 2) for text, value in pattern_raw.items()}
    requires = {t.text: t.requires_text for t in [*theme.keywords, *theme.negative] if t.requires}
    before = _at(current_points, labels, theme.evidence_threshold)
    return Proposal(
        theme.id,
        keywords,  # the file's own order, new terms after it: a diff that reads well
        negative,
        max(0.0, similarity_weight),
        threshold,
        cut,
        before,
        c,
        len(labels),
        int(sum(labels)),
        {text: w for text, w in patterns.items() if w >= 0.05},
        requires,
    )


def _at(points: Sequence[float], labels: Sequence[bool], threshold: float) -> Cut:
    tp = sum(1 for p, label in zip(points, labels) if label and p > 0 and p >= threshold)
    fp = sum(1 for p, label in zip(points, labels) if not label and p > 0 and p >= threshold)
    return Cut(tp, fp, int(sum(labels)) - tp, threshold=threshold)


# --- writing rule files -------------------------------------------------------------------

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_PLAIN = re.compile(r"^[A-Za-z][\w .'\-]*\*?$")


def _yaml_key(term: str) -> str:
    import json

    return term if _PLAIN.match(term) and not term.endswith(" ") else json.dumps(term)


def _blocks(text: str) -> list[tuple[str | None, list[str]]]:
    """The file as (top-level key, its lines) blocks; comments before a key stay with it."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        match = _TOP_KEY.match(line)
        if match:
            blocks.append((match.group(1), [line]))
        else:
            blocks[-1][1].append(line)
    return blocks


def _render_terms(
    key: str, terms: dict[str, float], requires: dict[str, tuple[str, ...]] | None = None
) -> list[str]:
    import json

    lines = [f"{key}:"]
    for term, weight in terms.items():
        name = json.dumps(term) if key == "patterns" else _yaml_key(term)
        context = (requires or {}).get(term)
        if context:
            lines += [f"  {name}:", f"    weight: {weight:g}"]
            lines.append(f"    requires: [{', '.join(json.dumps(c) for c in context)}]")
        else:
            lines.append(f"  {name}: {weight:g}")
    return lines


def _render_calibration(figures: dict[str, Any]) -> list[str]:
    import json

    lines = ["calibration:"]
    for key, value in figures.items():
        shown = value if isinstance(value, (int, float)) else json.dumps(str(value))
        lines.append(f"  {key}: {shown}")
    return lines


def rewrite_rule_file(text: str, changes: dict[str, Any]) -> str:
    """The rule file with the given top-level keys replaced (or added), the rest untouched.

    `changes` maps threshold / similarity_weight (numbers), keywords / negative (term ->
    weight) and calibration (figures) to their new values.
    """
    rendered: dict[str, list[str]] = {}
    for key, value in changes.items():
        if key in ("keywords", "negative", "patterns"):
            rendered[key] = _render_terms(key, value, changes.get("requires")) if value else []
        elif key == "requires":
            continue
        elif key == "calibration":
            rendered[key] = _render_calibration(value)
        else:
            rendered[key] = [f"{key}: {round(float(value), 4):g}"]
    out: list[str] = []
    done: set[str] = set()
    for key, lines in _blocks(text):
        if key in rendered:
            trailing = [ln for ln in lines[1:] if not ln.strip() or ln.lstrip().startswith("#")]
            tail = []
            while trailing and lines and lines[-1] in trailing and not lines[-1].strip():
                tail.append(lines.pop())
            out.extend(rendered[key])
            out.extend(tail)
            done.add(key)
        else:
            out.extend(lines)
    for key in rendered:
        if key not in done and rendered[key]:
            out.extend(rendered[key])
    return "\n".join(out).rstrip("\n") + "\n"


# --- the commands' work -------------------------------------------------------------------


@dataclass
class Change:
    """A proposed new text for one rule file."""

    theme: str
    path: Path  # where --write puts it
    old: str  # the file's text now ("" for a new file)
    new: str
    summary: str

    def diff(self) -> str:
        import difflib

        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def labelled(
    pairs: Sequence[tuple[Any, Any]], theme_id: str
) -> tuple[list[Paper], list[bool], list[float], list[float]]:
    """Papers, labels, TF-IDF similarities and current points of one theme."""
    papers = [tagged.paper for tagged, _ in pairs]
    labels = [theme_id in record.themes for _, record in pairs]
    similarity = [tagged.scores[theme_id].similarity for tagged, _ in pairs]
    points = [tagged.scores[theme_id].points for tagged, _ in pairs]
    return papers, labels, similarity, points


def target_file(theme: Theme, write_dir: Path | None) -> Path:
    """Where a theme's new rule file goes: its own file when it lives in a user rules
    directory, else (a default theme) a file of that name in `write_dir`."""
    from papertriage.rules import default_rules_dir

    source = Path(theme.sources[-1])
    if write_dir is None or default_rules_dir() not in source.resolve().parents:
        return source
    return write_dir / f"{theme.id}.yaml"


def is_default_file(path: Path) -> bool:
    from papertriage.rules import default_rules_dir

    return default_rules_dir() in path.resolve().parents


def _base_text(theme: Theme, path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8")
    return Path(theme.sources[-1]).read_text(encoding="utf-8")


def propose_weights(theme: Theme, pairs, gold_name: str, write_dir: Path | None) -> Change:  # noqa: ANN001
    papers, labels, similarity, points = labelled(pairs, theme.id)
    if sum(labels) < 2:
        raise ValueError(f"{theme.id}: fewer than 2 labelled positive papers; nothing to learn")
    proposal = learn_theme(theme, papers, labels, similarity, points)
    path = target_file(theme, write_dir)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = rewrite_rule_file(
        _base_text(theme, path),
        {
            "threshold": proposal.threshold,
            "similarity_weight": proposal.similarity_weight,
            "keywords": proposal.keywords,
            "negative": proposal.negative,
            "patterns": proposal.patterns,
            "requires": proposal.requires,
            "calibration": proposal.calibration(gold_name),
        },
    )
    old_terms = {t.text for t in theme.keywords}
    added = len(set(proposal.keywords) - old_terms)
    dropped = len(old_terms - set(proposal.keywords))
    summary = (
        f"{theme.id}: F1 {proposal.before.f1:.3f} now -> {proposal.cut.f1:.3f} "
        f"({FOLDS}-fold CV), {len(proposal.keywords)} terms ({added} new, {dropped} dropped), "
        f"{len(proposal.negative)} negative, {proposal.positives}/{proposal.papers} positive"
    )
    return Change(theme.id, path, old, new, summary)


def propose_threshold(theme: Theme, pairs, gold_name: str, write_dir: Path | None) -> Change:  # noqa: ANN001
    _, labels, _, points = labelled(pairs, theme.id)
    if not any(labels):
        raise ValueError(f"{theme.id}: no labelled positive paper; threshold left as it is")
    before = _at(points, labels, theme.evidence_threshold)
    cut = best_cut(points, labels)
    threshold = min(max(yaml_threshold(cut.threshold), 0.01), 0.99)
    path = target_file(theme, write_dir)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    figures = {
        "method": "rules calibrate: the threshold with the best F1",
        "gold": gold_name,
        "papers": len(labels),
        "positives": int(sum(labels)),
        "f1": round(cut.f1, 3),
        "precision": round(cut.precision, 3),
        "recall": round(cut.recall, 3),
    }
    new = rewrite_rule_file(
        _base_text(theme, path), {"threshold": threshold, "calibration": figures}
    )
    summary = (
        f"{theme.id}: threshold {theme.threshold:g} -> {threshold:.3f}, "
        f"F1 {before.f1:.3f} -> {cut.f1:.3f} on {len(labels)} papers ({int(sum(labels))} positive)"
    )
    return Change(theme.id, path, old, new, summary)
