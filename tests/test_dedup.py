"""Duplicates are merged (same arXiv id, same title, a spelling variant) and nothing else is."""

from __future__ import annotations

from collections import Counter

import pytest

from papertriage.dedup import deduplicate
from papertriage.models import Paper, Source, normalise_title


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


def _crowded_titles(count: int, seed: int) -> list[str]:
    """Titles that all share their longest words, so that they fall into a few large blocks,
    with near-duplicates (a typo, a British spelling, a dropped article), sequels, titles over
    255 characters and non-ASCII letters among them."""
    import random

    rng = random.Random(seed)
    methods = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Ωmega"]
    verbs = ["Scaling", "Rethinking", "Benchmarking", "Optimizing", "Understanding", "Improving"]
    tails = ["for Healthcare", "in Finance", "with Large Models", "via Retrieval", "at Scale", ""]
    titles: list[str] = []
    for _ in range(count):
        if titles and rng.random() < 0.2:
            earlier = rng.choice(titles)
            if rng.random() < 0.5:
                at = rng.randrange(len(earlier))
                title = earlier[:at] + earlier[at + 1 :]  # a typo: one character fewer
            elif rng.random() < 0.5:
                title = earlier.replace("Optimizing", "Optimising").replace(" the ", " ")
            else:
                title = earlier + " Part II"
        else:
            title = (
                f"{rng.choice(methods)}{rng.randrange(40)}: {rng.choice(verbs)} Sequential "
                f"Recommendation Transformers {rng.choice(tails)}"
            )
            if rng.random() < 0.05:
                title += " and the " + " ".join(rng.choice(verbs) for _ in range(30))
        titles.append(title.strip())
    return titles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_large_blocks_find_the_same_matches_as_a_scan_of_the_whole_block(seed, monkeypatch):
    from papertriage import dedup

    titles = _crowded_titles(800, seed)
    fast_papers, fast_merges = deduplicate([Paper(t) for t in titles])
    # Blocks this large are filtered by character counts before rapidfuzz sees them.
    sizes = Counter(key for t in titles for key in dedup._blocks(normalise_title(t)))
    assert max(sizes.values()) > 5 * dedup._LARGE_BLOCK
    monkeypatch.setattr(dedup, "_LARGE_BLOCK", len(titles) + 1)  # every block scanned whole
    slow_papers, slow_merges = deduplicate([Paper(t) for t in titles])
    assert [p.title for p in fast_papers] == [p.title for p in slow_papers]
    assert [m.to_dict() for m in fast_merges] == [m.to_dict() for m in slow_merges]
    assert any(m.reason.startswith("fuzzy") for m in fast_merges)


def test_a_near_duplicate_is_found_in_a_block_of_hundreds_of_similar_titles():
    crowd = [
        f"Method{i:03d}: Scaling Sequential Recommendation Transformers for Domain {i}"
        for i in range(300)
    ]
    target = "Rethinking Sequential Recommendation Transformers with Hierarchical Memory"
    typo = "Rethinking Sequential Recommendation Transformers with Hierarchical Memroy"
    greek = "alpha beta gamma delta epsilon zeta theta iota kappa lambda omicron sigma upsilon"
    words = " ".join(w + end for end in ("", "ic", "oid") for w in greek.split())
    long = f"Sequential Recommendation Transformers: {words}"  # over 255 characters
    assert len(long) > 255
    papers, merges = deduplicate(
        [Paper(t) for t in crowd[:150]]
        + [Paper(target), Paper(long)]
        + [Paper(t) for t in crowd[150:]]
        + [Paper(typo), Paper(long.replace("gamma", "gama", 1))]
    )
    assert len(papers) == 302
    assert [(m.kept_title, m.merged_title) for m in merges] == [
        (target, typo),
        (long, long.replace("gamma", "gama", 1)),
    ]


def test_a_duplicate_of_a_written_paper_is_reported_under_the_kept_papers_id():
    from papertriage.dedup import Deduplicator
    from papertriage.models import title_hash

    dedup = Deduplicator()
    assert dedup.is_new(Paper("Sparse Attention at Scale"))
    assert dedup.is_new(Paper("Dense Retrieval for Everyone"))
    # The same title with an arXiv id: merged, and the kept paper now has that id.
    assert not dedup.is_new(Paper("Dense Retrieval for Everyone", arxiv_id="2401.00003"))
    dedup.seal()
    assert not dedup.is_new(Paper("Sparse attention at scale"))
    assert not dedup.is_new(Paper("Dense Retrieval for Everyone!"))
    dropped = dedup.merges[1:]
    assert [m.kept_id for m in dropped] == [title_hash("Sparse Attention at Scale"), "2401.00003"]
    assert all("already written" in m.reason for m in dropped)


def test_the_compact_key_index_answers_as_a_dict_does(monkeypatch):
    """Keys move from a dict into sorted arrays as the index grows; lookups, overwrites and
    setdefault give what a dict gives, before and after each move."""
    import random

    from papertriage.dedup import _IntIndex

    monkeypatch.setattr(_IntIndex, "_LEAST", 16)  # move often
    rng = random.Random(4)
    index, expected = _IntIndex(), {}
    for step in range(3000):
        key = rng.randrange(-(2**63), 2**63) if rng.random() < 0.7 else rng.randrange(500)
        if rng.random() < 0.5:
            index.set(key, step)
            expected[key] = step
        else:
            index.setdefault(key, step)
            expected.setdefault(key, step)
        probe = rng.choice(list(expected)) if rng.random() < 0.8 else rng.randrange(2**40)
        assert index.get(probe) == expected.get(probe)
    assert all(index.get(k) == v for k, v in expected.items())


def test_a_run_past_the_index_moves_merges_as_a_small_run_does(monkeypatch):
    """Keys kept compactly (sorted arrays, titles and ids in one buffer) find the same
    duplicates as keys kept in dicts: arXiv ids, exact titles and fuzzy variants, also of
    papers already let go."""
    from papertriage import dedup

    titles = _crowded_titles(700, 7)
    papers = [
        Paper(t, arxiv_id=f"2501.{i % 450:05d}" if i % 3 == 0 else None)
        for i, t in enumerate(titles)
    ]

    def run() -> tuple[list[str], list[dict]]:
        d = dedup.Deduplicator()
        kept = []
        for n, paper in enumerate(papers):
            if d.is_new(Paper(paper.title, arxiv_id=paper.arxiv_id)):
                kept.append(paper.title)
            if n % 50 == 49:
                d.seal()
        return kept, [m.to_dict() for m in d.merges]

    small = run()
    monkeypatch.setattr(dedup._IntIndex, "_LEAST", 8)
    compact = run()
    assert compact == small
    reasons = {m["reason"].split(" ")[0].rstrip(",") for m in small[1]}
    assert {"arxiv-id", "fuzzy"} <= reasons, reasons
