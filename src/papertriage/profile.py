"""Interest profiles: what this reader wants to read first.

A profile (YAML) weighs themes, adds boost and penalty keywords and sets a minimum score::

    name: RL for agents
    themes:                 # weight per theme (default_weight for the others); 0 ignores one
      agents: 2.0
      reinforcement-learning: 1.5
      survey: 0.5
    default_weight: 1.0
    boost:                  # added to the score once when the term is in title or abstract
      web agent: 0.3
    penalty:                # subtracted likewise
      medical: 0.2
    min_score: 0.3          # papers below are dropped

score = (best weighted theme score + 0.25 x second) / 1.25 + boosts - penalties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papertriage.errors import RuleError
from papertriage.models import TaggedPaper
from papertriage.rules import Checker, Term, compose_yaml

_KEYS = ("name", "themes", "default_weight", "boost", "penalty", "min_score")


@dataclass
class Profile:
    name: str = "default"
    themes: dict[str, float] = field(default_factory=dict)
    default_weight: float = 1.0
    boost: list[Term] = field(default_factory=list)
    penalty: list[Term] = field(default_factory=list)
    min_score: float = 0.0
    source: str = ""

    def weight(self, theme: str) -> float:
        return self.themes.get(theme, self.default_weight)

    def score(self, paper: TaggedPaper) -> tuple[float, list[dict[str, Any]]]:
        """The paper's score for this reader and the boosts/penalties that applied."""
        from papertriage.ranking import SECOND_THEME_SHARE

        weighted = sorted(
            (s.score * self.weight(s.theme) for s in paper.scores.values()), reverse=True
        )
        best = weighted[0] if weighted else 0.0
        second = weighted[1] if len(weighted) > 1 else 0.0
        total = (best + SECOND_THEME_SHARE * second) / (1 + SECOND_THEME_SHARE)
        applied = []
        text = paper.paper.text
        lower = text.lower()
        for terms, sign in ((self.boost, 1.0), (self.penalty, -1.0)):
            for term in terms:
                if term.matcher.search(text, lower):
                    total += sign * term.weight
                    applied.append({"term": term.text, "effect": round(sign * term.weight, 4)})
        return max(total, 0.0), applied


def load_profile(path: Path, known_themes: set[str]) -> Profile:
    """Read and validate a profile; raise RuleError naming file and line of each problem."""
    if not path.exists():
        raise RuleError([f"{path}: profile not found"])
    root, problems = compose_yaml(path)
    if problems:
        raise RuleError(problems)
    profile = Profile(name=path.stem, source=str(path))
    if root is None:
        return profile
    checker = Checker(path)
    for key, key_node, value in checker.mapping(root, "a profile"):
        if key == "name":
            profile.name = checker.text(value, key) or profile.name
        elif key == "themes":
            for theme, theme_node, weight_node in checker.mapping(value, "themes"):
                if theme not in known_themes:
                    checker.unknown_key(theme_node, theme, sorted(known_themes), "theme")
                    continue
                number = checker.number(weight_node, f"weight of {theme!r}", -1e-9, 10.0)
                if number is not None:
                    profile.themes[theme] = number
        elif key == "default_weight":
            number = checker.number(value, key, -1e-9, 10.0)
            if number is not None:
                profile.default_weight = number
        elif key in ("boost", "penalty"):
            setattr(profile, key, checker.terms(value, key))
        elif key == "min_score":
            number = checker.number(value, key, -1e-9, 10.0)
            if number is not None:
                profile.min_score = number
        else:
            checker.unknown_key(key_node, key, _KEYS)
    if checker.problems:
        raise RuleError(checker.problems)
    return profile
