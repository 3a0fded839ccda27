"""Merge the same paper seen twice: same arXiv id, same normalised title, or a fuzzy title match.

Fuzzy matching does not compare all pairs: titles are blocked by their first and last words
and rapidfuzz's `process.extractOne` (with a score cutoff) looks only inside those blocks.
Titles that differ in a number, a roman numeral or a word such as "survey" are never merged:
"... Part I" and "... Part II", "Llama 2" and "Llama 3", a survey and the paper it surveys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from papertriage.models import Paper, normalise_title

# rapidfuzz ratio (0-100) of two normalised titles at or above which they are one paper.
FUZZY_THRESHOLD = 92.0
_DISTINGUISHING = re.compile(
    r"^(?:\d+\w*|[ivx]+|part|survey|review|overview|tutorial|revisited|reply|comment|"
    r"erratum|correction|supplementary|appendix|extended|abstract|workshop|challenge)$"
)


@dataclass
class Merge:
    kept_id: str
    kept_title: str
    merged_title: str
    reason: str  # "arxiv-id", "title" or "fuzzy <score>"
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "kept_id": self.kept_id,
            "kept_title": self.kept_title,
            "merged_title": self.merged_title,
            "reason": self.reason,
            "source": self.source,
        }


def merge_into(kept: Paper, other: Paper) -> None:
    """Keep the richest value of every field and all the sources."""
    for name in vars(kept):
        if name == "sources":
            continue
        mine, theirs = getattr(kept, name), getattr(other, name)
        if name == "votes":
            if theirs is not None and (mine is None or theirs > mine):
                kept.votes = theirs
        elif (
            name != "title"
            and (mine is None or isinstance(mine, (str, list)))
            and theirs
            and (not mine or len(theirs) > len(mine))
        ):
            setattr(kept, name, list(theirs) if isinstance(theirs, list) else theirs)
    for source in other.sources:
        if source not in kept.sources:
            kept.sources.append(source)


def compact_key(title: str) -> str:
    """'Pre-training' and 'Pretraining' give the same key."""
    return normalise_title(title).replace(" ", "")


def distinguishing_difference(a: str, b: str) -> bool:
    """True when the titles differ in a way that makes them different papers.

    A number, a roman numeral or a word such as "survey" on one side only; or a word on one
    side that is no spelling variant of a word on the other ("NFDYT: ..." vs "LVBGF: ...",
    "Audio Captioning" vs "Image Captioning"). Plurals, typos, British/American spellings
    and words split or joined ("pre training" / "pretraining") are variants.
    """
    from rapidfuzz import fuzz

    only_a = set(a.split()) - set(b.split())
    only_b = set(b.split()) - set(a.split())
    if any(_DISTINGUISHING.match(word) for word in only_a | only_b):
        return True

    def variant(word: str, others: set[str]) -> bool:
        return word in _MINOR_WORDS or any(
            fuzz.ratio(word, other) >= 80
            or (min(len(word), len(other)) >= 3 and (word in other or other in word))
            for other in others
        )

    return not all(variant(w, only_b) for w in only_a) or not all(
        variant(w, only_a) for w in only_b
    )


# Words a title may gain or lose and stay the same title ("The X" / "X").
_MINOR_WORDS = frozenset(
    {"a", "an", "the", "of", "for", "on", "in", "and", "with", "to", "via", "by", "from"}
)


def _blocks(normalised: str) -> list[str]:
    """Keys of the titles a title is compared with: pairs of its three longest words.

    Two versions of one title share their long, specific words; a typo in one of them
    still leaves a pair intact. Blocks stay small where first or last words ("Towards ...",
    "... Large Language Models") would make them huge.
    """
    words = sorted({w for w in normalised.split() if len(w) >= 3}, key=lambda w: (-len(w), w))
    longest = words[:3]
    if len(longest) < 2:
        return ["=" + normalised]
    return [f"{x} {y}" for i, x in enumerate(longest) for y in longest[i + 1 :]]


class Deduplicator:
    """Accepts papers one at a time; keeps the first of each paper and merges the rest.

    For a streamed input, `seal()` says that the papers kept so far have been written out:
    they are let go (only their keys stay), and a later duplicate of one of them is dropped
    and reported instead of merged.
    """

    def __init__(self, threshold: float = FUZZY_THRESHOLD):
        self.threshold = threshold
        self.kept: list[Paper | None] = []
        self.merges: list[Merge] = []
        self._ids: list[str] = []
        self._titles: list[str] = []
        self._arxiv: list[str | None] = []
        self._by_id: dict[str, int] = {}
        self._by_key: dict[str, int] = {}
        self._blocks: dict[str, tuple[list[str], list[int]]] = {}  # key -> titles, indices
        self._normalised: list[str] = []

    @property
    def papers(self) -> list[Paper]:
        return [p for p in self.kept if p is not None]

    def seal(self) -> None:
        for index in range(len(self.kept)):
            self.kept[index] = None

    def _fuzzy(self, normalised: str, paper: Paper) -> tuple[int, float] | None:
        from rapidfuzz import fuzz, process

        seen: set[int] = set()
        for block in _blocks(normalised):
            titles, indices = self._blocks.get(block, ((), ()))
            # rapidfuzz scans a block in C and skips titles whose length rules them out.
            for _, score, position in process.extract(
                normalised, titles, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=5
            ):
                index = indices[position]
                if index in seen:
                    continue
                seen.add(index)
                if distinguishing_difference(normalised, self._normalised[index]):
                    continue
                other_arxiv = self._arxiv[index]
                if paper.arxiv_id and other_arxiv and paper.arxiv_id != other_arxiv:
                    continue
                return index, score
        return None

    def add(self, paper: Paper) -> Paper | None:
        """Add a paper; return the paper it was merged into, or None when it is new (or a
        duplicate of a paper already written out, which is only reported)."""
        normalised = normalise_title(paper.title)
        key = normalised.replace(" ", "")
        match, reason = None, ""
        if paper.arxiv_id and paper.arxiv_id in self._by_id:
            match, reason = self._by_id[paper.arxiv_id], "arxiv-id"
        elif key in self._by_key:
            candidate = self._by_key[key]
            if not (paper.arxiv_id and self._arxiv[candidate]):
                match, reason = candidate, "title"
        if match is None and normalised:
            found = self._fuzzy(normalised, paper)
            if found:
                match, reason = found[0], f"fuzzy {found[1]:.1f}"
        source = paper.sources[0] if paper.sources else None
        where = f"{source.file}:{source.line}" if source else ""
        if match is not None:
            kept = self.kept[match]
            if kept is None:
                self.merges.append(
                    Merge(
                        self._ids[match],
                        self._titles[match],
                        paper.title,
                        f"{reason}, dropped: the first was already written",
                        where,
                    )
                )
                return None
            merge_into(kept, paper)
            if kept.arxiv_id:
                self._by_id[kept.arxiv_id] = match
                self._arxiv[match] = kept.arxiv_id
                self._ids[match] = kept.id
            self.merges.append(Merge(kept.id, kept.title, paper.title, reason, where))
            return kept
        index = len(self.kept)
        self.kept.append(paper)
        self._ids.append(paper.id)
        self._titles.append(paper.title)
        self._arxiv.append(paper.arxiv_id)
        self._normalised.append(normalised)
        self._by_key.setdefault(key, index)
        if paper.arxiv_id:
            self._by_id[paper.arxiv_id] = index
        for block in _blocks(normalised):
            titles, indices = self._blocks.setdefault(block, ([], []))
            titles.append(normalised)
            indices.append(index)
        return None

    def is_new(self, paper: Paper) -> bool:
        """Add the paper; True when it is a new paper (to be tagged and written)."""
        before = len(self.kept)
        self.add(paper)
        return len(self.kept) > before


def deduplicate(
    papers: Iterable[Paper], threshold: float = FUZZY_THRESHOLD
) -> tuple[list[Paper], list[Merge]]:
    """Unique papers in first-seen order, and what was merged into what."""
    dedup = Deduplicator(threshold)
    for paper in papers:
        dedup.add(paper)
    return dedup.papers, dedup.merges
