#!/usr/bin/env python3
"""Listings mixed from the real sentences of the shared arXiv pool, read at run time.

    python benchmarks/pool.py OUT.jsonl N [--kind mixed|near] [--seed S]

The pool (``../shared/corpus/arxiv-pool.jsonl``, 10,344 real papers) is never copied into the
repository: this script reads it when it runs and writes a JSON Lines listing elsewhere.

- ``mixed``: each abstract is 4-10 sentences drawn from the pool's abstracts, each title the
  head of one pool title joined to the tail of another. Real vocabulary, so the TF-IDF
  vocabulary grows with N as it does on real listings (text reshuffled from a few abstracts
  has almost none, which flatters a bare TfidfVectorizer).
- ``near``: titles built from 98 pool titles, each with one or two of its shorter words swapped
  for pool words: many titles share their three longest words, which makes fuzzy-dedup
  blocks large (the case that once made the library path quadratic). Abstracts as in mixed.

Both plant about 2% exact duplicates and 1% near duplicates (a typo in a middle word).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
POOL = HERE.parent.parent / "shared" / "corpus" / "arxiv-pool.jsonl"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def load_pool(path: Path = POOL) -> tuple[list[str], list[str]]:
    """(titles, sentences) of the pool."""
    titles: list[str] = []
    sentences: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            titles.append(" ".join(record["title"].split()))
            abstract = " ".join(record.get("abstract", "").split())
            sentences.extend(s for s in _SENTENCE.split(abstract) if len(s) > 20)
    return titles, sentences


def _typo(title: str, rng: random.Random) -> str:
    words = title.split(" ")
    middle = [i for i in range(1, len(words) - 1) if len(words[i]) >= 7 and words[i].isalpha()]
    if not middle:
        return ""
    i = rng.choice(middle)
    w = words[i]
    j = rng.randint(1, len(w) - 3)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def write_listing(path: Path, n: int, kind: str = "mixed", seed: int = 0) -> dict[str, int]:
    titles, sentences = load_pool()
    rng = random.Random(seed)
    vocabulary = sorted({w for t in titles for w in t.split() if w.isalpha() and len(w) <= 6})
    bases = rng.sample(titles, 98) if kind == "near" else []
    seen: set[str] = set()
    recent: list[tuple[str, str]] = []
    stats = {"papers": 0, "exact": 0, "near": 0}

    def new_title() -> str:
        for _ in range(100):
            if kind == "near":
                words = rng.choice(bases).split(" ")
                short = [i for i, w in enumerate(words) if len(w) <= 6] or [len(words) - 1]
                for i in rng.sample(short, min(len(short), rng.randint(1, 2))):
                    words[i] = rng.choice(vocabulary)
                title = " ".join(words)
            else:
                a, b = rng.choice(titles).split(" "), rng.choice(titles).split(" ")
                title = " ".join(a[: rng.randint(1, len(a))] + b[rng.randint(0, len(b) - 1) :])
            if title.lower() not in seen:
                seen.add(title.lower())
                return title
        raise RuntimeError("could not draw a new title")

    with open(path, "w", encoding="utf-8") as out:
        for _ in range(n):
            draw = rng.random()
            title = ""
            if recent and draw < 0.02:
                title, abstract = rng.choice(recent)
                stats["exact"] += 1
            elif recent and draw < 0.03:
                original, abstract = rng.choice(recent)
                title = _typo(original, rng)
                stats["near"] += bool(title)
            if not title:
                title = new_title()
                abstract = " ".join(rng.sample(sentences, rng.randint(4, 10)))
                if len(recent) < 3000:
                    recent.append((title, abstract))
                else:
                    recent[rng.randrange(3000)] = (title, abstract)
            record = {"title": title, "abstract": abstract, "date": "2025-06-30"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            stats["papers"] += 1
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--kind", choices=("mixed", "near"), default="mixed")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_listing(args.out, args.n, args.kind, args.seed))


if __name__ == "__main__":
    main()
