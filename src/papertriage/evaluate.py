"""Compare assigned themes with hand labels: precision, recall, F1 per theme, micro and macro."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papertriage.errors import InputError
from papertriage.models import TaggedPaper, normalise_title


@dataclass
class GoldRecord:
    line: int
    themes: set[str]
    title: str | None = None
    id: str | None = None
    split: str | None = None  # "tune" or "test" in a corpus split for tuning rules


def load_gold(path: str) -> list[GoldRecord]:
    """JSON Lines with 'themes' and 'title' and/or 'id'; errors name the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read gold labels: {exc}") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}:{number}: expected a JSON object per line")
        themes = data.get("themes")
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise InputError(f"{path}:{number}: 'themes' must be a list of theme ids")
        title, ident = data.get("title"), data.get("id")
        if not isinstance(title, str) and not isinstance(ident, str):
            raise InputError(f"{path}:{number}: a gold record needs a 'title' or an 'id'")
        split = data.get("split")
        if split is not None and not isinstance(split, str):
            raise InputError(f"{path}:{number}: 'split' must be a string such as \"tune\"")
        records.append(GoldRecord(number, set(themes), title, ident, split))
    if not records:
        raise InputError(f"{path}: no gold records")
    return records


@dataclass
class ThemeCounts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalResult:
    per_theme: dict[str, ThemeCounts]
    matched: int
    unmatched_gold: list[GoldRecord]

    @property
    def micro(self) -> ThemeCounts:
        total = ThemeCounts()
        for counts in self.per_theme.values():
            total.tp += counts.tp
            total.fp += counts.fp
            total.fn += counts.fn
        return total

    @property
    def unlabelled(self) -> list[str]:
        """Themes the gold never gives: their F1 would be 0 or undefined, so they stay out
        of the macro mean (and the CLI warns about them)."""
        return sorted(t for t, c in self.per_theme.items() if not c.tp + c.fn)

    @property
    def macro(self) -> dict[str, float]:
        used = [c for c in self.per_theme.values() if c.tp + c.fn]
        if not used:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        n = len(used)
        return {
            "precision": sum(c.precision for c in used) / n,
            "recall": sum(c.recall for c in used) / n,
            "f1": sum(c.f1 for c in used) / n,
        }

    def to_dict(self) -> dict[str, Any]:
        micro = self.micro
        return {
            "matched": self.matched,
            "unmatched_gold": [
                {"line": g.line, "title": g.title, "id": g.id} for g in self.unmatched_gold
            ],
            "themes": {
                theme: {
                    "tp": c.tp,
                    "fp": c.fp,
                    "fn": c.fn,
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "false_positives": c.false_positives,
                    "misses": c.misses,
                }
                for theme, c in sorted(self.per_theme.items())
            },
            "micro": {
                "precision": round(micro.precision, 4),
                "recall": round(micro.recall, 4),
                "f1": round(micro.f1, 4),
            },
            "macro": {k: round(v, 4) for k, v in self.macro.items()},
            "themes_without_gold": self.unlabelled,
        }


def match_gold(
    papers: list[TaggedPaper], gold: list[GoldRecord]
) -> tuple[list[tuple[TaggedPaper, GoldRecord]], list[GoldRecord]]:
    """Each gold record with its paper (by id, arXiv id, then normalised title), and the
    records that match no paper."""
    by_id = {p.paper.id: p for p in papers}
    for p in papers:
        if p.paper.arxiv_id:
            by_id.setdefault(p.paper.arxiv_id, p)
    by_title = {normalise_title(p.paper.title): p for p in papers}
    pairs = []
    unmatched = []
    for record in gold:
        paper = (by_id.get(record.id) if record.id else None) or (
            by_title.get(normalise_title(record.title)) if record.title else None
        )
        if paper is None:
            unmatched.append(record)
        else:
            pairs.append((paper, record))
    return pairs, unmatched


def evaluate(papers: list[TaggedPaper], gold: list[GoldRecord], theme_ids: list[str]) -> EvalResult:
    per_theme = {theme: ThemeCounts() for theme in theme_ids}
    pairs, unmatched = match_gold(papers, gold)
    matched = len(pairs)
    for paper, record in pairs:
        predicted = {s.theme for s in paper.themes}
        for theme in predicted | record.themes:
            counts = per_theme.setdefault(theme, ThemeCounts())
            if theme in predicted and theme in record.themes:
                counts.tp += 1
            elif theme in predicted:
                counts.fp += 1
                counts.false_positives.append(paper.paper.title)
            else:
                counts.fn += 1
                counts.misses.append(paper.paper.title)
    return EvalResult(per_theme, matched, unmatched)


def splits(gold: list[GoldRecord]) -> list[str]:
    """The split names the gold records carry, tune first, then test, then others."""
    names = {g.split for g in gold if g.split}
    order = {"tune": 0, "test": 1}
    return sorted(names, key=lambda n: (order.get(n, 2), n))


def evaluate_splits(
    papers: list[TaggedPaper], gold: list[GoldRecord], theme_ids: list[str]
) -> dict[str, EvalResult]:
    """One result per split of the gold (empty when the gold has no splits)."""
    return {
        name: evaluate(papers, [g for g in gold if g.split == name], theme_ids)
        for name in splits(gold)
    }
