"""A rule pattern cannot hang a run: patterns that can backtrack catastrophically are refused
at validation with file:line, and every match runs under a time budget."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RULES, invoke, subprocess_env
from papertriage.rules import unsafe_regex_reason

HANGING = [
    r"(?:a{1,100}){1,100}$",
    r"\w*\w*\w*\w*c",
    r"(a{1,100}b?){1,100}$",
    r"(a|ab)*c",
]
SOUND = [
    r"web ?shop|alf ?world",
    r"\d+\.\d+",
    r"\bGPT-?\d+\b",
    r"(?:cat|dog)s?",
    r"\w+\s*\w+",
    r"(ab?)+c",
    r"[a-z]+\d*",
    r"(?<!\w)RL(?!\w)",
]


def _rules_dir(tmp_path: Path, patterns: list[str]) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    lines = (RULES / "agents.yaml").read_text().splitlines()
    lines.append("patterns:")
    lines += [f"  {json.dumps(p)}: 1.0" for p in patterns]
    (folder / "agents.yaml").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("pattern", HANGING)
def test_hanging_patterns_are_refused(pattern):
    assert unsafe_regex_reason(pattern) is not None


@pytest.mark.parametrize("pattern", SOUND)
def test_sound_patterns_pass(pattern):
    assert unsafe_regex_reason(pattern) is None


def test_validate_names_file_and_line_of_each_refused_pattern(tmp_path):
    folder = _rules_dir(tmp_path, HANGING)
    first_line = len((RULES / "agents.yaml").read_text().splitlines()) + 2
    result = invoke(["rules", "validate", str(folder)])
    assert result.exit_code == 1
    refused = [line for line in result.stderr.splitlines() if "refused" in line]
    assert len(refused) == len(HANGING), result.stderr
    for offset, line in enumerate(refused):
        assert line.startswith(f"{folder / 'agents.yaml'}:{first_line + offset}: patterns: ")


def test_readme_example_is_refused():
    """default_rules/README.md says `(a|ab)*` is refused: it is."""
    readme = (Path(__file__).parents[1] / "src/papertriage/default_rules/README.md").read_text()
    assert "(a|ab)*" in readme
    assert unsafe_regex_reason("(a|ab)*c") is not None


RUNNER = """
import sys, time
import papertriage.rules as rules
rules.unsafe_regex_reason = lambda pattern: None  # as if validation had missed it
from papertriage.cli import main
main(sys.argv[1:])
"""


def test_a_pattern_over_its_budget_is_one_warning_and_the_run_goes_on(tmp_path):
    """A pattern that slipped through validation meets a paper it backtracks on: the paper
    is taken as not matching it, the rule is named once, every paper comes out."""
    folder = _rules_dir(tmp_path, [r"(?:a{1,100}){1,100}$"])
    abstract = "a" * 5000 + "!"
    listing = tmp_path / "papers.bib"
    listing.write_text(
        "".join(
            f"@article{{k{i}, title = {{Tool Agents Part {i}}}, author = {{Doe, Jane}},\n"
            f"  abstract = {{{abstract}}}, year = {{2024}}}}\n\n"
            for i in range(3)
        )
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, "ingest", str(listing), "--no-store", "-f", "json"]
        + ["--no-default-rules", "--rules", str(folder)],
        capture_output=True,
        env=subprocess_env(),
        timeout=60,
    )
    elapsed = time.monotonic() - started
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    document = json.loads(proc.stdout)
    assert len(document["papers"]) == 3
    for paper in document["papers"]:
        for theme in paper["themes"]:
            terms = {k["term"] for k in theme.get("evidence", {}).get("keywords", [])}
            assert r"(?:a{1,100}){1,100}$" not in terms
    warnings = [line for line in stderr.splitlines() if "budget" in line]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith("papertriage: warning: ")
    assert "agents.yaml" in warnings[0] and "'agents'" in warnings[0]
    assert "Traceback" not in stderr
    assert elapsed < 30


@pytest.mark.parametrize(
    ("pattern", "conditions"),
    [
        (r"\bllm[- ]as[- ]an?[- ]judge", (("llm",), ("judge",))),
        (
            r"open-?sourc\w* the (complete|full|entire)",
            (("open",), ("sourc",), (" the ",), ("complete", "entire", "full")),
        ),
        (r"(?:cat|dog) food", (("cat", "dog"), (" food",))),
        (r"(a|b)c", ()),  # nothing of three characters
        (r"x(?:abcdef)?y", ()),  # an optional part is not in every match
        (r"(abc)+x", (("abc",),)),  # repeated at least once
        (r"abcd|(xyz|uvw)q", (("abcd", "uvw", "xyz"),)),  # one alternative of each branch
        (r"Ünïcode words", (("code words",),)),  # ASCII runs only: case folding differs
    ],
)
def test_what_every_match_of_a_pattern_contains(pattern, conditions):
    from papertriage.engine import required_text

    assert required_text(pattern) == conditions


WORDS = ["data", "set", "build", "built", "model", "LLM", "video", "a", "the", "of", "x3"]


@st.composite
def patterns(draw, depth: int = 0) -> str:
    """Small patterns of the shapes rule files use: words, groups, alternations, optional
    and repeated parts, classes and word boundaries."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["word", "word", "group", "class", "boundary", "space"]))
        if kind == "group" and depth < 2:
            branches = draw(st.lists(patterns(depth + 1), min_size=1, max_size=3))
            group = "(?:" + "|".join(branches) + ")"
            parts.append(group + draw(st.sampled_from(["", "", "?", "+", "*", "{1,2}"])))
        elif kind == "class":
            parts.append(draw(st.sampled_from([r"\w*", r"[a-z]{0,3}", r"\s", r"[^.]{0,9}", r"\d"])))
        elif kind == "boundary":
            parts.append(r"\b")
        elif kind == "space":
            parts.append(draw(st.sampled_from([" ", "-?", "[- ]"])))
        else:
            parts.append(draw(st.sampled_from(WORDS)))
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(
    pattern=patterns(),
    text=st.lists(st.sampled_from(WORDS + ["Data", "BUILT", "-", ".", " ", "3"]), max_size=12),
)
def test_the_screen_never_skips_a_paper_the_pattern_matches(pattern, text):
    """A paper left out by the screen is one the pattern cannot match."""
    import regex

    from papertriage.engine import may_match, required_text

    joined = " ".join(text)
    found = regex.search(pattern, joined, regex.IGNORECASE)
    if found is not None:
        assert may_match(required_text(pattern), joined.lower()), (pattern, found.group())


def test_skipping_patterns_by_their_literal_changes_no_score(monkeypatch):
    """The screen only skips papers a pattern cannot match: scores are the same without it."""
    from papertriage import engine
    from papertriage.models import Paper
    from papertriage.rules import load_rules

    themes = load_rules()  # the default rules, with their patterns
    texts = [
        (
            "Qwen-like 7B: an open model family",
            "We release the weights of a 7B model, a 2.4B-parameter model too.",
        ),
        (
            "LLM-as-a-Judge for summaries",
            "We use an LLM as a judge. We build a benchmark of 500 items.",
        ),
        (
            "Fine-tuning small models",
            "We fine-tune a model on 3 trillion tokens; 3x faster training.",
        ),
        ("Plain vision", "Segmentation of aerial images with a lightweight decoder."),
    ]
    papers = [Paper(title=t, abstract=a) for t, a in texts]
    screened = engine.Engine(themes).tag(papers)
    monkeypatch.setattr(engine, "required_text", lambda pattern: ())
    unscreened = engine.Engine(themes).tag(papers)
    for a, b in zip(screened, unscreened):
        assert {t: s.points for t, s in a.scores.items()} == {
            t: s.points for t, s in b.scores.items()
        }
