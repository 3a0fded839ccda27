"""Duplicates are merged (same arXiv id, same title, a spelling variant) and nothing else is."""

from __future__ import annotations

import pytest

from papertriage.dedup import deduplicate
from papertriage.models import Paper, Source


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Scaling Laws for Neural Language Models", "Scaling laws for neural language model"),
        ("Towards Efficient Continual Pretraining", "Towards Efficient Continual Pre-training"),
        (
            "Towards Efficent Continual Pretraining of Language Models",  # a typo
            "Towards Efficient Continual Pretraining of Language Models",
        ),
        ("Optimization of Large Sparse Models", "Optimisation of Large Sparse Models"),
        (
            "The Power of Scale for Parameter-Efficient Prompt Tuning",
            "Power of Scale for Parameter-Efficient Prompt Tuning",
        ),
    ],
)
def test_spelling_variants_of_one_title_are_merged(first, second):
    papers, merges = deduplicate([Paper(first), Paper(second)])
    assert [p.title for p in papers] == [first]
    assert len(merges) == 1 and merges[0].merged_title == second


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Deep Learning for Graphs Part I", "Deep Learning for Graphs Part II"),
        ("Llama 2: Open Foundation and Chat Models", "Llama 3: Open Foundation and Chat Models"),
        ("Mixture of Experts in Vision: A Survey", "Mixture of Experts in Vision"),
        (
            "NFDYT: Scaling Continual Learning to Object Detection in Energy Systems",
            "LVBGF: Scaling Continual Learning to Object Detection in Energy Systems",
        ),
        (
            "Towards Hierarchical Audio Captioning with Large Models",
            "Towards Hierarchical Image Captioning with Large Models",
        ),
    ],
)
def test_different_papers_with_similar_titles_are_kept_apart(first, second):
    papers, merges = deduplicate([Paper(first), Paper(second)])
    assert [p.title for p in papers] == [first, second]
    assert merges == []


def test_arxiv_versions_merge_and_the_richest_fields_and_all_sources_are_kept():
    short = Paper("Sparse Attention", arxiv_id="2401.00001", sources=[Source("a.txt", 3, "x")])
    rich = Paper(
        "Sparse attention (v2)",
        abstract="A longer abstract.",
        arxiv_id="2401.00001",
        authors=["Ada Lovelace"],
        votes=12,
        sources=[Source("b.bib", 9, "bibtex")],
    )
    papers, merges = deduplicate([short, rich])
    assert len(papers) == 1 and merges[0].reason == "arxiv-id"
    kept = papers[0]
    assert kept.title == "Sparse Attention"
    assert kept.abstract == "A longer abstract."
    assert kept.authors == ["Ada Lovelace"] and kept.votes == 12
    assert [s.file for s in kept.sources] == ["a.txt", "b.bib"]


def test_same_title_with_different_arxiv_ids_is_two_papers():
    papers, merges = deduplicate(
        [
            Paper("A Note on Priors", arxiv_id="2401.00001"),
            Paper("A Note on Priors", arxiv_id="2402.00002"),
        ]
    )
    assert len(papers) == 2 and merges == []
