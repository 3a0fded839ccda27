"""--theme keeps `score` the overall relevance and ranks by the selected theme's own score,
shown as `theme_score`: a paper's score is the same with or without --theme."""

from __future__ import annotations

import json

import pytest

import papertriage.library_cli  # noqa: F401  (registers the library commands)
from conftest import RULE_ARGS, invoke

# A paper strong on pre-training and good on agents, one strong on agents only, and one on
# pre-training only: with --theme agents, the agents paper must come first although its
# overall score is lower.
LISTING = """\
Harbor: Pre-training Language Models for Agents

We study pre-training of language models on web corpora. Pre-training data recipes matter, \
and one section asks whether an agent benefits.

Lantern: Tool Use Agents That Plan

An agent calls tools and plans actions. Agents with tool use finish tasks; each agent keeps \
a plan of tool use.

Quiet Pre-training

Pre-training on web text with a careful pre-training recipe.
"""


@pytest.fixture
def listing(tmp_path):
    path = tmp_path / "listing.txt"
    path.write_text(LISTING, encoding="utf-8")
    return path


def papers(*args: str) -> list[dict]:
    result = invoke([*args, "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_theme_keeps_score_and_ranks_by_the_themes_own_score(listing):
    everything = papers("ingest", str(listing), "--no-store", *RULE_ARGS)
    agents = papers("ingest", str(listing), "--no-store", "--theme", "agents", *RULE_ARGS)
    overall = {p["id"]: p["score"] for p in everything}
    assert all("theme_score" not in p for p in everything)
    # score means the same with --theme.
    assert {p["id"]: p["score"] for p in agents} == {p["id"]: overall[p["id"]] for p in agents}
    # theme_score is the paper's agents score, and it orders the papers.
    for p in agents:
        (own,) = [t["score"] for t in p["themes"] if t["id"] == "agents"]
        assert p["theme_score"] == own
    assert [p["theme_score"] for p in agents] == sorted(
        (p["theme_score"] for p in agents), reverse=True
    )
    assert [p["rank"] for p in agents] == [1, 2]
    assert agents[0]["title"].startswith("Lantern")
    assert agents[0]["score"] < agents[1]["score"]  # the overall score would rank it second
    # The same as filtering the plain output and sorting by the theme's score (README's jq).
    by_hand = sorted(
        (p for p in everything if any(t["id"] == "agents" for t in p["themes"])),
        key=lambda p: -next(t["score"] for t in p["themes"] if t["id"] == "agents"),
    )
    assert [p["id"] for p in agents] == [p["id"] for p in by_hand]
    # --top keeps the best on the theme.
    top = papers("ingest", str(listing), "--no-store", "-t", "agents", "--top", "1", *RULE_ARGS)
    assert [p["title"] for p in top] == [agents[0]["title"]]


def test_list_ranks_by_the_theme_too(listing, tmp_path, monkeypatch):
    # The library keeps the configured rules' themes: configure the tests' rules.
    config = tmp_path / "config.yaml"
    config.write_text(f"rules: [{RULE_ARGS[-1]}]\ndefault_rules: false\n", encoding="utf-8")
    monkeypatch.setenv("PAPERTRIAGE_CONFIG", str(config))
    assert invoke(["ingest", str(listing), "-f", "jsonl"]).exit_code == 0
    listed = papers("list", "--theme", "agents")
    assert [p["title"][:7] for p in listed] == ["Lantern", "Harbor:"]
    assert listed[0]["theme_score"] > listed[1]["theme_score"]
    assert listed[0]["score"] < listed[1]["score"]
    assert "theme_score" not in papers("list")[0]


def test_help_says_what_theme_does():
    text = " ".join(invoke(["ingest", "--help"]).stdout.split())
    assert "theme_score" in text and "overall relevance" in text
