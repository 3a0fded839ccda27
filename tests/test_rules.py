"""Rule files: strict schema with file:line errors, and how terms match text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import RULES, assert_one_error_line, invoke
from papertriage.errors import RuleError
from papertriage.rules import collect_rules, compile_term, load_rules

THEME_IDS = {
    "pretraining",
    "continual-learning",
    "reinforcement-learning",
    "agents",
    "fine-tuning",
    "alignment-safety",
    "reasoning",
    "curriculum-learning",
    "distillation",
    "efficiency",
    "scaling-laws",
    "data-curation",
    "multimodal",
    "robotics",
    "architecture",
    "graph-learning",
    "computer-vision",
    "evaluation",
    "survey",
    "technical-report",
}

VALID = """\
name: Tides
description: Forecasting tides and sea levels.
threshold: 0.5
keywords:
  tide: 2.0
  sea level: 1.5
negative:
  tidy: 1.0
prototype: Tide heights are forecast from gauge stations along a coast.
"""


def write_rules(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line of `path` that contains `needle`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return found[occurrence - 1]


def problems_for(path: Path) -> list[str]:
    return collect_rules([path.parent], use_defaults=False).problems


# --- loading -------------------------------------------------------------------------------


def test_valid_file_loads_into_a_theme(tmp_path):
    write_rules(tmp_path, "tides.yaml", VALID)
    [theme] = load_rules([tmp_path], use_defaults=False)
    assert theme.id == "tides"
    assert theme.name == "Tides"
    assert theme.threshold == 0.5
    assert {(t.text, t.weight) for t in theme.keywords} == {("tide", 2.0), ("sea level", 1.5)}
    assert [(t.text, t.weight) for t in theme.negative] == [("tidy", 1.0)]
    assert theme.prototype.startswith("Tide heights")


def test_the_test_rules_load():
    themes = load_rules([RULES], use_defaults=False)
    assert [t.id for t in themes] == ["agents", "distillation", "pretraining"]


def test_default_rules_cover_the_20_themes():
    themes = load_rules()
    assert {t.id for t in themes} == THEME_IDS
    for theme in themes:
        assert theme.keywords and theme.prototype.strip() and theme.description.strip()


# --- schema errors: file and line ----------------------------------------------------------


def test_unknown_key_names_file_line_and_suggests(tmp_path):
    path = write_rules(tmp_path, "tides.yaml", VALID.replace("keywords:", "keywrods:"))
    problems = problems_for(path)
    line = line_of(path, "keywrods:")
    assert any(
        p.startswith(f"{path}:{line}:") and "keywrods" in p and "did you mean 'keywords'" in p
        for p in problems
    ), problems


@pytest.mark.parametrize("weight", ["9", "0", "-1", "heavy", "[1, 2]"])
def test_bad_keyword_weight(tmp_path, weight):
    path = write_rules(tmp_path, "tides.yaml", VALID.replace("tide: 2.0", f"tide: {weight}"))
    problems = problems_for(path)
    line = line_of(path, "  tide:")
    assert any(p.startswith(f"{path}:{line}:") and "weight" in p for p in problems), problems


@pytest.mark.parametrize("threshold", ["1.5", "0", "1", "high"])
def test_bad_threshold(tmp_path, threshold):
    text = VALID.replace("threshold: 0.5", f"threshold: {threshold}")
    path = write_rules(tmp_path, "tides.yaml", text)
    problems = problems_for(path)
    line = line_of(path, "threshold:")
    assert any(p.startswith(f"{path}:{line}:") and "threshold" in p for p in problems), problems


@pytest.mark.parametrize("key", ["name", "description", "keywords", "prototype"])
def test_missing_required_key(tmp_path, key):
    lines = VALID.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    path = write_rules(tmp_path, "tides.yaml", "".join(lines[:start] + lines[end:]))
    problems = problems_for(path)
    assert any(p.startswith(f"{path}:") and repr(key) in p for p in problems), problems
    with pytest.raises(RuleError):
        load_rules([tmp_path], use_defaults=False)


def test_duplicate_keyword(tmp_path):
    path = write_rules(tmp_path, "tides.yaml", VALID.replace("  sea level", "  tide: 1.0\n  sea"))
    problems = problems_for(path)
    line = line_of(path, "  tide:", occurrence=2)
    assert any(p.startswith(f"{path}:{line}:") and "'tide'" in p for p in problems), problems


def test_duplicate_top_level_key(tmp_path):
    path = write_rules(tmp_path, "tides.yaml", VALID + "name: Tides again\n")
    problems = problems_for(path)
    line = line_of(path, "name:", occurrence=2)
    assert any(p.startswith(f"{path}:{line}:") and "'name'" in p for p in problems), problems


def test_invalid_yaml(tmp_path):
    text = VALID.replace("  sea level: 1.5", "  sea level: [1.5")
    path = write_rules(tmp_path, "tides.yaml", text)
    problems = problems_for(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:") and "YAML" in problems[0]
    reported = int(problems[0].split(":")[1])
    assert line_of(path, "  sea level:") <= reported <= line_of(path, "  sea level:") + 1


@pytest.mark.parametrize("term", ["tides?", "tide|wave", "(tide)", "sea.*level", r"\btide"])
def test_regex_like_term_is_refused(tmp_path, term):
    path = write_rules(tmp_path, "tides.yaml", VALID.replace("  sea level:", f"  '{term}':"))
    problems = problems_for(path)
    line = line_of(path, term)
    assert any(p.startswith(f"{path}:{line}:") for p in problems), problems


@pytest.mark.parametrize(
    "text", ["- tide\n- wave\n", "just some words\n", "42\n"], ids=["list", "text", "number"]
)
def test_rule_file_that_is_not_a_mapping(tmp_path, text):
    """A file whose top level is not 'key: value' lines is a problem, not a crash."""
    path = write_rules(tmp_path, "tides.yaml", text)
    problems = problems_for(path)
    assert problems and all(p.startswith(f"{path}:1:") for p in problems), problems
    result = invoke(["rules", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr


def test_rule_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "tides.yaml"
    path.write_bytes(VALID.encode().replace(b"Tides", b"Tid\xe9s"))
    problems = problems_for(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:"), problems


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = VALID.replace("threshold: 0.5", "threshold: 2").replace("tide: 2.0", "tide: 99")
    path = write_rules(tmp_path, "tides.yaml", text)
    problems = problems_for(path)
    assert {int(p.split(":")[1]) for p in problems} == {
        line_of(path, "threshold:"),
        line_of(path, "  tide:"),
    }


def test_broken_rules_stop_ingest_with_file_and_line(tmp_path):
    rules = tmp_path / "rules"
    path = write_rules(rules, "tides.yaml", VALID.replace("keywords:", "keywrods:"))
    page = tmp_path / "page.txt"
    page.write_text("Daily Papers\nTides of Data\nWe forecast the tide.\n")
    result = invoke(["ingest", str(page), "--no-default-rules", "--rules", str(rules)])
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'keywrods:')}:" in assert_one_error_line(result.stderr)
    assert result.stdout == ""


def test_rules_validate_lists_every_problem(tmp_path):
    rules = tmp_path / "rules"
    bad = write_rules(rules, "tides.yaml", VALID.replace("threshold: 0.5", "threshold: 7"))
    write_rules(rules, "waves.yaml", VALID.replace("name:", "nmae:"))
    result = invoke(["rules", "validate", str(rules)])
    assert result.exit_code == 1
    assert f"{bad}:{line_of(bad, 'threshold:')}:" in result.stderr
    assert f"{rules / 'waves.yaml'}:1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_validate_accepts_good_rules():
    result = invoke(["rules", "validate", str(RULES)])
    assert result.exit_code == 0, result.stderr


# --- how terms match -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "term, text",
    [
        ("pre-training", "pre-training"),
        ("pre-training", "pretraining"),
        ("pre-training", "pre training"),
        ("pre training", "Pretraining"),
        ("agent", "agents"),
        ("agent", "Agent"),
        ("policy", "policies"),
        ("process", "processes"),
        ("tune", "tuned"),
        ("tune", "tuning"),
        ("LLM", "LLMs"),
        ("RL", "RL"),
        ("RL", "deep-RL agents"),
        ("RL", "(RL)"),
        ("LoRA", "LoRA adapters"),
        ("distill*", "distillation"),
        ("distill*", "distilled"),
        ("distill*", "Distill"),
        ("language model", "large language models"),
    ],
)
def test_term_matches(term, text):
    assert compile_term(term).search(text), (term, text)


@pytest.mark.parametrize(
    "term, text",
    [
        ("RL", "URL"),
        ("RL", "see the url"),
        ("RL", "rl"),
        ("RL", "Rl"),
        ("RL", "RLHF"),
        ("LoRA", "lora"),
        ("agent", "reagent"),
        ("agent", "agentic"),
        ("distill*", "instill"),
        ("pre-training", "training"),
        ("language model", "language"),
    ],
)
def test_term_does_not_match(term, text):
    assert not compile_term(term).search(text), (term, text)


def test_term_counts_every_occurrence():
    matcher = compile_term("pre-training")
    text = "Pre-training, pretraining and pre training: three spellings of pre-trainings."
    assert matcher.count(text, text.lower()) == 4
