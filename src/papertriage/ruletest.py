"""`rules test`: every rule's examples must (positive) or must not (negative) get its theme."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from papertriage.engine import Engine
from papertriage.models import Paper
from papertriage.rules import Theme


@dataclass
class ExampleResult:
    theme: str
    source: str
    expected: bool
    text: str
    score: float

    @property
    def passed(self) -> bool:
        return (self.score >= 0.5) == self.expected

    def describe(self) -> str:
        want = "should get" if self.expected else "should not get"
        return (
            f"{self.source}: example {want} {self.theme!r} (score {self.score:.2f}): {self.text!r}"
        )


def example_paper(text: str) -> Paper:
    """'Title. Abstract ...' -> a paper with that title and abstract."""
    title, sep, abstract = text.partition(". ")
    return Paper(title=title.strip(), abstract=abstract.strip() if sep else "")


def run_examples(themes: Sequence[Theme]) -> list[ExampleResult]:
    cases = [
        (theme, expected, text)
        for theme in themes
        for expected, texts in ((True, theme.examples_positive), (False, theme.examples_negative))
        for text in texts
    ]
    if not cases:
        return []
    tagged = Engine(themes).tag([example_paper(text) for _, _, text in cases])
    return [
        ExampleResult(theme.id, theme.sources[-1], expected, text, paper.scores[theme.id].score)
        for (theme, expected, text), paper in zip(cases, tagged)
    ]
