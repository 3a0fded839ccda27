"""Scoring with evidence, ranking, --theme and --top."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from conftest import DAILY, DAILY_TITLES, RULE_ARGS, assert_one_error_line, invoke
from papertriage.engine import Engine
from papertriage.models import Paper
from papertriage.ranking import rank
from papertriage.rules import load_rules

TIDES = """\
name: Tides
description: Forecasting tides.
threshold: 0.5
keywords:
  tide: 1.0
  tide gauge: 2.0
{negative}
prototype: Tide heights are forecast from gauge stations along a coast.
similarity_weight: {similarity}
"""


def tides_theme(tmp_path: Path, negative: str = "", similarity: float = 0.0):
    directory = tmp_path / f"rules-{len(list(tmp_path.iterdir()))}"
    directory.mkdir()
    (directory / "tides.yaml").write_text(
        textwrap.dedent(TIDES.format(negative=negative, similarity=similarity))
    )
    return load_rules([directory], use_defaults=False)


def score(themes, paper: Paper):
    [tagged] = Engine(themes).tag([paper])
    return tagged.scores["tides"]


def test_title_hits_count_more_than_abstract_hits(tmp_path):
    themes = tides_theme(tmp_path)
    in_title = score(themes, Paper("Forecasting the Tide", "We forecast along a coast."))
    in_abstract = score(themes, Paper("Forecasting Along a Coast", "We forecast the tide."))
    assert in_title.points > in_abstract.points > 0
    [title_hit] = in_title.keywords
    [abstract_hit] = in_abstract.keywords
    assert (title_hit.term, title_hit.where, title_hit.count) == ("tide", "title", 1)
    assert (abstract_hit.term, abstract_hit.where, abstract_hit.count) == ("tide", "abstract", 1)
    assert title_hit.contribution == pytest.approx(2 * abstract_hit.contribution)
    assert in_title.score > in_abstract.score


def test_repeated_abstract_hits_add_with_diminishing_returns(tmp_path):
    themes = tides_theme(tmp_path)
    once = score(themes, Paper("A Study", "The tide rises."))
    three = score(themes, Paper("A Study", "The tide rises. The tide falls. The tide turns."))
    assert once.points < three.points < 3 * once.points
    assert three.keywords[0].count == 3


def test_negative_keywords_lower_the_score_and_are_recorded(tmp_path):
    plain = tides_theme(tmp_path)
    with_negative = tides_theme(tmp_path, negative="negative:\n  tidal wave: 1.5")
    paper = Paper("Tide Forecasts", "The tide and a tidal wave along the coast.")
    before, after = score(plain, paper), score(with_negative, paper)
    assert after.points == pytest.approx(before.points - 1.5)
    assert after.score < before.score
    assert [(h.term, h.where, h.count) for h in after.negative] == [("tidal wave", "abstract", 1)]
    # A paper without the negative term is not affected.
    other = Paper("Tide Forecasts", "The tide along the coast.")
    assert score(with_negative, other).points == pytest.approx(score(plain, other).points)


def test_evidence_records_what_matched_where(tmp_path):
    themes = tides_theme(tmp_path)
    result = score(
        themes, Paper("A Tide Gauge Network", "Each tide gauge reports the tide hourly.")
    )
    hits = {(h.term, h.where): h.count for h in result.keywords}
    assert hits == {
        ("tide", "title"): 1,
        ("tide gauge", "title"): 1,
        ("tide", "abstract"): 2,
        ("tide gauge", "abstract"): 1,
    }
    assert result.points == pytest.approx(sum(h.contribution for h in result.keywords))
    assert result.assigned


def test_similarity_adds_weighted_cosine(tmp_path):
    paper = Paper("Gauge Stations", "Tide heights forecast from gauge stations along a coast.")
    without = score(tides_theme(tmp_path, similarity=0.0), paper)
    weighted = score(tides_theme(tmp_path, similarity=2.0), paper)
    assert weighted.similarity > 0.3
    assert weighted.similarity_points == pytest.approx(2.0 * weighted.similarity)
    assert weighted.points == pytest.approx(without.points + weighted.similarity_points)
    assert weighted.similar_terms and all(w > 0 for _, w in weighted.similar_terms)


def test_threshold_decides_assignment_and_score_half_is_the_threshold(tmp_path):
    themes = tides_theme(tmp_path)
    needed = -2 * math.log(1 - 0.5)
    weak = score(themes, Paper("A Study", "The tide rises."))  # 1 point
    strong = score(themes, Paper("The Tide", "The tide rises."))  # 3 points
    assert weak.points < needed <= strong.points
    assert not weak.assigned and strong.assigned
    assert weak.score < 0.5 < strong.score


def test_no_keyword_means_not_assigned(tmp_path):
    result = score(tides_theme(tmp_path), Paper("Counting Pebbles", "We count pebbles."))
    assert result.keywords == [] and not result.assigned


# --- ranking -------------------------------------------------------------------------------


def tagged_daily():
    from papertriage.models import ParseReport
    from papertriage.parsers.hf_daily import parse
    from papertriage.reading import read_input

    papers = list(parse(read_input(str(DAILY)), ParseReport()))
    themes = load_rules([DAILY.parent / "rules"], use_defaults=False)
    return Engine(themes).tag(papers)


def test_rank_orders_by_score_from_one():
    ranked = rank(tagged_daily())
    assert [p.rank for p in ranked] == list(range(1, len(DAILY_TITLES) + 1))
    scores = [p.relevance for p in ranked]
    assert scores == sorted(scores, reverse=True)
    # Papers with a theme rank above papers without one.
    with_theme = [bool(p.themes) for p in ranked]
    assert with_theme == sorted(with_theme, reverse=True)


def test_rank_filters_by_theme_and_cuts_to_top():
    only = rank(tagged_daily(), themes=["distillation"])
    assert [p.paper.title for p in only] == [DAILY_TITLES[1]]
    assert only[0].rank == 1
    two = rank(tagged_daily(), themes=["agents", "pretraining"])
    assert {p.paper.title for p in two} == {DAILY_TITLES[0], DAILY_TITLES[2]}
    top = rank(tagged_daily(), top=2)
    assert [p.rank for p in top] == [1, 2]
    assert [p.paper.title for p in top] == [p.paper.title for p in rank(tagged_daily())[:2]]


# --- the same through the command line -----------------------------------------------------


def ingest_json(*args: str) -> list[dict]:
    result = invoke(["ingest", str(DAILY), "-f", "json", *RULE_ARGS, *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["papers"]


def test_cli_ranks_start_at_one_and_follow_the_score():
    papers = ingest_json()
    assert [p["rank"] for p in papers] == [1, 2, 3, 4, 5]
    assert [p["score"] for p in papers] == sorted((p["score"] for p in papers), reverse=True)
    assigned = {p["title"]: [t["id"] for t in p["themes"]] for p in papers}
    assert assigned == {
        DAILY_TITLES[0]: ["agents"],
        DAILY_TITLES[1]: ["distillation"],
        DAILY_TITLES[2]: ["pretraining"],
        DAILY_TITLES[3]: [],
        DAILY_TITLES[4]: [],
    }


def test_cli_evidence_explains_each_theme():
    papers = {p["title"]: p for p in ingest_json()}
    [theme] = papers[DAILY_TITLES[1]]["themes"]
    evidence = theme["evidence"]
    where = {(k["term"], k["where"]) for k in evidence["keywords"]}
    assert ("distill*", "title") in where and ("distill*", "abstract") in where
    assert evidence["points"] >= evidence["threshold"]
    assert 0 <= evidence["similarity"] <= 1
    assert 0.5 <= theme["score"] <= 1


@pytest.mark.parametrize(
    "args, titles",
    [
        (["--theme", "distillation"], [DAILY_TITLES[1]]),
        (["-t", "agents", "-t", "pretraining"], [DAILY_TITLES[0], DAILY_TITLES[2]]),
    ],
)
def test_cli_theme_filter(args, titles):
    papers = ingest_json(*args)
    assert sorted(p["title"] for p in papers) == sorted(titles)
    assert [p["rank"] for p in papers] == list(range(1, len(titles) + 1))


def test_cli_top():
    everything = ingest_json()
    top = ingest_json("--top", "2")
    assert [p["title"] for p in top] == [p["title"] for p in everything[:2]]
    assert [p["rank"] for p in top] == [1, 2]
    assert [p["title"] for p in ingest_json("-n", "50")] == [p["title"] for p in everything]


def test_cli_unknown_theme_is_an_error():
    result = invoke(["ingest", str(DAILY), *RULE_ARGS, "--theme", "astrology"])
    assert result.exit_code == 1
    assert "astrology" in assert_one_error_line(result.stderr)
    assert result.stdout == ""
