"""Draw the papers of the labelled corpus from ../shared/corpus/arxiv-pool.jsonl.

Reproducible: a seeded random sample (the bulk, representative of a day's listings), then
papers found by a keyword query for each theme that a random sample holds too few of (the
annotators are not told which papers came from where), then clear negatives from primary
categories outside machine learning. Writes the chosen ids, one a line, with how each was drawn.

    python benchmarks/gold/sample.py > benchmarks/gold/sample.tsv
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

POOL = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "arxiv-pool.jsonl"
SEED = 20261202
RANDOM_N = 480
NEGATIVE_N = 60
# Themes that a random sample of the pool holds too few of, with a query and how many to add.
TARGETED = {
    "technical-report": (
        r"technical report|we (release|open-source|introduce) \w[\w.-]*, (a|an) ",
        25,
    ),
    "scaling-laws": (r"scaling laws?\b|scaling behaviou?r|compute-optimal", 25),
    "curriculum-learning": (r"curriculum|easy-to-hard|self-paced|progressive training", 25),
    "graph-learning": (r"graph neural|\bGNNs?\b|graph foundation model|graph transformer", 22),
    "survey": (r"\bthis survey\b|\bwe survey\b|systematic review|comprehensive review", 18),
    "continual-learning": (
        r"continual learning|catastrophic forgetting|lifelong|class-incremental",
        18,
    ),
    "distillation": (r"knowledge distillation|teacher-student|distill", 12),
    "robotics": (r"\brobot|manipulation|embodied", 10),
    "pretraining": (r"pre-?training (recipe|data|corpus|objective)|continual pre-?training", 12),
    "data-curation": (
        r"data selection|data mixture|synthetic data|data quality|data filtering",
        10,
    ),
}
# After the first 717 were labelled, five themes had fewer than 20 positives that both annotators
# agreed on; a second draw adds papers found by a query for each (labelled the same way).
TOPUP = {
    "scaling-laws": (r"scaling laws?\b|power[- ]law|compute-optimal|scaling behaviou?r", 15),
    "technical-report": (
        r"technical report|we (present|introduce|release|open-source) [A-Z][\w.-]*[- ]?\d*"
        r"(\.\d+)?[BM]?,? (a|an|the) (family|series|suite|open|\d)",
        15,
    ),
    "robotics": (r"robot\w* (manipulation|grasping|locomotion)|vision-language-action", 10),
    "distillation": (r"knowledge distillation|distill(ed|ing|s)? (knowledge )?(from|into)", 10),
    "continual-learning": (r"continual learning|catastrophic forgetting|class-incremental", 5),
}
# After the top-up, scaling-laws still had 17 agreed positives: a wider query, a third draw.
TOPUP2 = {
    "scaling-laws": (
        r"scaling laws?\b|compute-optimal|power[- ]law|scaling behaviou?r|predict\w* (the )?"
        r"(downstream |final )?performance|learning curves?|scales? (predictably|log-linearly|"
        r"with (model )?size)",
        20,
    ),
}
# Round 2, drawn after the test split had been scored once: the rules fit tune (micro 0.83) far
# better than test (0.77), so more tune papers, and only tune papers (the split is the seeded
# hash of build.py): the test split stays exactly as it was. A random part, then broad queries
# for the themes with the fewest tune positives, worded from themes.md, not from the rules.
ROUND2_RANDOM_N = 210
ROUND2 = {
    "alignment-safety": (
        r"\b(safety|jailbreak\w*|harmful|harmless\w*|red[- ]team\w*|alignment|preference "
        r"optimi[sz]ation|DPO|RLHF|reward model\w*|guardrail\w*|refusal)\b",
        25,
    ),
    "technical-report": (
        r"technical report|we (release|open-source|introduce|present) [A-Z][\w.-]+|"
        r"open-(source|weight) (model|release)|model family",
        25,
    ),
    "architecture": (
        r"\b(architecture|attention (mechanism|variant)|normali[sz]ation layer|transformer "
        r"(block|layer|variant)|state[- ]space model|positional (encoding|embedding)|"
        r"linear attention|mixture[- ]of[- ]experts)\b",
        20,
    ),
    "continual-learning": (
        r"continual|lifelong|catastrophic forgetting|incremental (learning|adaptation)|"
        r"stability gap|forgetting",
        15,
    ),
    "curriculum-learning": (
        r"curricul\w*|easy-to-hard|self-paced|progressive(ly)? train\w*|multi-stage train\w*|"
        r"staged training",
        15,
    ),
    "distillation": (r"distill\w*|teacher[- ]student|student model", 15),
    "robotics": (r"\brobot\w*|manipulation|embodied|locomotion|imitation learning", 15),
    "survey": (r"survey|review of|overview of|systematic review|tutorial|position paper", 15),
    "pretraining": (r"pre-?train\w*|foundation model", 15),
    "graph-learning": (r"\bgraphs?\b|\bGNNs?\b|message passing", 10),
    "fine-tuning": (
        r"fine-?tun\w*|instruction[- ]tun\w*|\bLoRA\b|adapters?\b|post-training|\bSFT\b",
        10,
    ),
    "data-curation": (
        r"data (selection|mixture|quality|filtering|curation|pruning)|synthetic (data|"
        r"training)|training data",
        10,
    ),
}
NON_ML_PRIMARY = re.compile(
    r"^(cs\.(IT|GT|CE|DB|DC|AR|DL|OH)|math\.|physics\.|astro-ph|q-bio|stat\.ME|stat\.AP)"
)


def draw_by_query(
    queries: dict[str, tuple[str, int]], order: list[dict], chosen: dict[str, str], label: str
) -> None:
    """For each theme, the first n papers of `order` not chosen yet that its query finds."""
    for theme, (pattern, n) in queries.items():
        rx = re.compile(pattern, re.I)
        added = 0
        for p in order:
            if added >= n:
                break
            if p["id"] not in chosen and rx.search(p["title"] + " " + p["abstract"]):
                chosen[p["id"]] = f"{label}:{theme}"
                added += 1


def main() -> None:
    papers = [json.loads(line) for line in POOL.open(encoding="utf-8")]
    rng = random.Random(SEED)
    chosen: dict[str, str] = {}
    for p in rng.sample(papers, RANDOM_N):
        chosen[p["id"]] = "random"
    order = papers[:]
    rng.shuffle(order)
    draw_by_query(TARGETED, order, chosen, "query")
    negatives = [
        p for p in order if p["id"] not in chosen and NON_ML_PRIMARY.match(p["categories"][0])
    ]
    for p in negatives[:NEGATIVE_N]:
        chosen[p["id"]] = "negative-category"
    # From the other end: not the papers the first queries saw first.
    draw_by_query(TOPUP, order[::-1], chosen, "topup")
    for theme, (pattern, n) in TOPUP2.items():
        rx = re.compile(pattern, re.I)
        found = [
            p
            for p in order
            if p["id"] not in chosen and rx.search(p["title"] + " " + p["abstract"])
        ]
        for p in random.Random(SEED + 2).sample(found, min(n, len(found))):
            chosen[p["id"]] = f"topup2:{theme}"
    # Still 18: the pool holds only 36 papers that name scaling laws at all; take the rest.
    for p in papers:
        if p["id"] not in chosen and re.search(
            r"scaling[- ]laws?", p["title"] + " " + p["abstract"], re.I
        ):
            chosen[p["id"]] = "topup3:scaling-laws"
    round2(papers, chosen)
    for pid, how in chosen.items():
        print(f"{pid}\t{how}")
    print(f"{len(chosen)} papers", file=sys.stderr)


def round2(papers: list[dict], chosen: dict[str, str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from build import split_of

    rng = random.Random(SEED + 3)
    tune = [p for p in papers if p["id"] not in chosen and split_of(p["id"]) == "tune"]
    for p in rng.sample(tune, ROUND2_RANDOM_N):
        chosen[p["id"]] = "round2:random"
    rng.shuffle(tune)
    draw_by_query(ROUND2, tune, chosen, "round2")


if __name__ == "__main__":
    main()
