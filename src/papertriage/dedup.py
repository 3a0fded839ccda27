"""Merge the same paper seen twice: same arXiv id, same normalised title, or a fuzzy title match.

Fuzzy matching does not compare all pairs: titles are blocked by pairs of their three longest
words and rapidfuzz's `process.extract` (with a score cutoff) looks only inside those blocks.
In a large block, character counts first rule out the titles that cannot reach the cutoff
(see `_Block`): one numpy pass over small integers instead of a string comparison per title,
which keeps large blocks cheap as the input grows, and finds the same matches as a full scan.
Titles that differ in a number, a roman numeral or a word such as "survey" are never merged:
"... Part I" and "... Part II", "Llama 2" and "Llama 3", a survey and the paper it surveys.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from papertriage.models import Paper, normalise_title, title_hash

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
    # Alphabetical first, then a stable sort by length: longest first, ties alphabetical,
    # without a Python key function per word. Words shorter than 3 characters sort last, so
    # they need dropping from the first three only.
    longest = sorted(sorted(set(normalised.split())), key=len, reverse=True)[:3]
    if len(longest) == 3 and len(longest[2]) >= 3:  # most titles
        a, b, c = longest
        return [f"{a} {b}", f"{a} {c}", f"{b} {c}"]
    words = [w for w in longest if len(w) >= 3]
    if len(words) < 2:
        return ["=" + normalised]
    return [f"{words[0]} {words[1]}"]


# Character classes whose counts bound how similar two titles can be (see `_Block`): space and
# the 22 most frequent letters of English titles, each on its own, and one class for everything
# else (rare letters, digits, underscore, non-ASCII letters). Merging characters into one class
# only loosens the bound, so it stays safe; rare characters on their own would tighten it
# little (0.65% of a large block's titles pass instead of 0.68% on a synthetic listing) and
# cost numpy more rows.
_ALPHABET = " etaoinsrlcdumhgpfbvywk"
_CLASSES = len(_ALPHABET) + 1
_CLASS_OF = bytes(
    _ALPHABET.index(chr(b)) if chr(b) in _ALPHABET else len(_ALPHABET) for b in range(256)
)
# Counts are bytes, capped at 255. For a title of at most 255 characters the smaller of its
# count and a capped one is still the true smaller count, so its bound holds against any title;
# a longer title is compared with a plain scan of its blocks.
_MAX_COUNTED = 255
# Below this many titles a block is scanned by rapidfuzz directly: the numpy calls that filter a
# block cost about as much as comparing a couple of dozen titles (24 and 48 measure alike).
_LARGE_BLOCK = 48


def _char_counts(normalised: str) -> bytes:
    """How often each character class occurs in the title, one byte per class (capped at 255)."""
    import numpy as np

    # encode("ascii", "replace") turns each non-ASCII character into one "?": one code per
    # character, so the counts add up to len(normalised).
    codes = np.frombuffer(normalised.encode("ascii", "replace").translate(_CLASS_OF), np.uint8)
    counts = np.bincount(codes, minlength=_CLASSES)
    if len(normalised) > 255:
        counts = np.minimum(counts, 255)
    return counts.astype(np.uint8).tobytes()


class _Block:
    """The titles that share one block key, in the order they were kept.

    rapidfuzz's ratio is 200 * LCS / (len(a) + len(b)), and the longest common subsequence of
    two titles uses each character class no more often than both titles have it: the sum over
    classes of the smaller count bounds it. Once a block is large, numpy computes that bound
    for all its titles at once and only those whose bound can reach the cutoff go to rapidfuzz:
    about 1% of a large block on synthetic listings, instead of a string comparison for every
    title. As the bound is never below the true LCS, the titles that reach the cutoff, their
    scores and their order (rapidfuzz breaks ties by position, and the positions kept are in
    block order) are those of a scan of the whole block.
    """

    __slots__ = ("indices", "columns")

    def __init__(self) -> None:
        # Indices of the kept titles (their text is in the deduplicator's store).
        self.indices = array("q")
        # Once the block is large: a (_CLASSES + 1, capacity) uint8 array whose column i is
        # `Deduplicator._column` of the title indices[i]. Column-wise, summing over the
        # classes adds whole rows, which numpy does far faster than many short sums.
        self.columns: Any = None

    def add(self, index: int, column: Callable[[int], bytes]) -> None:
        """Append a kept title; `column(index)` gives a kept title's column."""
        self.indices.append(index)
        size = len(self.indices)
        if self.columns is None and size < _LARGE_BLOCK:
            return
        import numpy as np

        if self.columns is None:
            rows = b"".join(map(column, self.indices))
            self.columns = np.zeros((_CLASSES + 1, 2 * size), np.uint8)
            self.columns[:, :size] = np.frombuffer(rows, np.uint8).reshape(size, -1).T
            return
        if size > self.columns.shape[1]:
            self.columns = np.concatenate((self.columns, np.zeros_like(self.columns)), axis=1)
        self.columns[:, size - 1] = np.frombuffer(column(index), np.uint8)

    def candidates(self, query: Any, need: int) -> list[int]:
        """Positions of the titles that can match the query: with `query` a column of its
        counts followed by 255, those whose sum of smaller values reaches `need`."""
        import numpy as np

        # At most 255 (a query is at most 255 characters long) plus a length term of at most
        # 255: uint16 holds the sums.
        bound = np.minimum(self.columns[:, : len(self.indices)], query).sum(axis=0, dtype=np.uint16)
        return (bound >= need).nonzero()[0].tolist()


class _IntIndex:
    """A map from 64-bit ints (hash() of keys) to paper indices, about 12 bytes an entry.

    A dict costs about 100 bytes an entry (two int objects and a slot); a run of a million
    papers keeps five million of them. The latest entries stay in a dict; once it holds an
    eighth of the rest (at least 65,536), they move into two sorted numpy arrays, looked up by
    binary search. Small runs never leave the dict (and never import numpy)."""

    __slots__ = ("_recent", "_keys", "_values")
    _LEAST = 1 << 16

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        self._keys: Any = None
        self._values: Any = None

    def get(self, key: int) -> int | None:
        found = self._recent.get(key)
        if found is not None or self._keys is None:
            return found
        at = int(self._keys.searchsorted(key))
        if at < len(self._keys) and int(self._keys[at]) == key:
            return int(self._values[at])
        return None

    def set(self, key: int, value: int) -> None:
        if self._keys is not None:
            at = int(self._keys.searchsorted(key))
            if at < len(self._keys) and int(self._keys[at]) == key:
                self._values[at] = value
                return
        self._recent[key] = value
        if len(self._recent) >= max(self._LEAST, 0 if self._keys is None else len(self._keys) // 8):
            self._settle()

    def setdefault(self, key: int, value: int) -> None:
        if self.get(key) is None:
            self.set(key, value)

    def _settle(self) -> None:
        import numpy as np

        count = len(self._recent)
        keys = np.fromiter(self._recent.keys(), np.int64, count)
        values = np.fromiter(self._recent.values(), np.int32, count)
        if self._keys is not None:
            keys = np.concatenate((self._keys, keys))
            values = np.concatenate((self._values, values))
        order = np.argsort(keys, kind="stable")
        self._keys, self._values = keys[order], values[order]
        self._recent.clear()


class _TextStore:
    """Append-only texts by index, as UTF-8 in one buffer: about 8 bytes an entry plus the
    text, where a list of str costs about 57 plus the text. None is stored as empty."""

    __slots__ = ("_data", "_ends", "_changed")

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self._changed: dict[int, str | None] = {}  # rare in-place updates

    def append(self, text: str | None) -> None:
        if text:
            self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __getitem__(self, index: int) -> str | None:
        if index in self._changed:
            return self._changed[index]
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode("utf-8", "surrogatepass") or None

    def __setitem__(self, index: int, text: str | None) -> None:
        self._changed[index] = text


class Deduplicator:
    """Accepts papers one at a time; keeps the first of each paper and merges the rest.

    For a streamed input, `seal()` says that the papers kept so far have been written out:
    they are let go (only their keys stay), and a later duplicate of one of them is dropped
    and reported instead of merged, unless `revive` is set: `revive(index)` then gives the
    written paper back (the library reads it from its file) and the duplicate is merged into
    it. `last_index` is the index of the paper the last `add` kept or merged into.
    """

    def __init__(self, threshold: float = FUZZY_THRESHOLD):
        from rapidfuzz import fuzz, process

        self._threshold = threshold
        self.kept: list[Paper | None] = []
        self.merges: list[Merge] = []
        self._sealed = 0  # kept[:_sealed] have been let go
        # What is kept of every paper, also once it is let go, compactly: a million papers
        # keep five million keys. Normalised titles and arXiv ids as UTF-8 in one buffer
        # each; keys as their hash(), in _IntIndex maps. An exact-title or arXiv-id hit is
        # checked against the kept text; two block keys that share a hash only make one
        # block larger. (A paper let go is named in reports by its normalised title.)
        self._norm_titles = _TextStore()  # read through _normalised(index)
        self._arxiv = _TextStore()
        self._by_id = _IntIndex()
        self._by_key = _IntIndex()
        # A block of one title is that title's index (in _single); a _Block once a second
        # title joins (in _shared, looked up first).
        self._single = _IntIndex()
        self._shared: dict[int, _Block] = {}
        self._columns: list[bytes | None] = []  # _column of a kept title, once needed
        self._extract = process.extract
        self._ratio = fuzz.ratio
        self.revive: Callable[[int], Paper | None] | None = None
        self._revived: list[int] = []  # sealed indices given back by `revive`
        self.last_index = -1

    @property
    def threshold(self) -> float:
        # Read-only: the blocks' columns hold length terms computed with it.
        return self._threshold

    @property
    def papers(self) -> list[Paper]:
        return [p for p in self.kept if p is not None]

    def seal(self) -> None:
        # Only the papers kept since the last seal: sealing every batch stays linear overall.
        for index in range(self._sealed, len(self.kept)):
            self.kept[index] = None
        for index in self._revived:
            self.kept[index] = None
        self._revived.clear()
        self._sealed = len(self.kept)

    def _id(self, index: int) -> str:
        # What kept[index].id was: its arXiv id (kept up to date by merges) or its title hash;
        # computed when needed since hashing every title costs a second normalisation.
        return self._arxiv[index] or title_hash(self._normalised(index))

    def _normalised(self, index: int) -> str:
        return self._norm_titles[index] or ""

    def _column(self, index: int) -> bytes:
        """A kept title's column in large blocks: its character counts, then 255 less
        floor(threshold / 200 * its length), capped to 0..255.

        A match of ratio >= threshold between the query (length q) and this title (length t)
        has LCS >= threshold / 200 * (q + t). Against the query's counts followed by 255, the
        column's sum of smaller values is the bound on LCS plus the last byte, so it reaches
        255 + floor(threshold / 200 * q - 0.5) for every match: the floors, the cap and the half
        character only lower what is required, which keeps rounding on the safe side.
        """
        column = self._columns[index]
        if column is None:
            column = self._columns[index] = self._column_of(self._normalised(index))
        return column

    def _column_of(self, normalised: str, counts: bytes | None = None) -> bytes:
        term = math.floor(self._threshold / 200 * len(normalised))
        return (counts or _char_counts(normalised)) + bytes((255 - min(term, 255),))

    def _fuzzy(
        self, normalised: str, blocks: list[_Block | int | None], paper: Paper
    ) -> tuple[tuple[int, float] | None, bytes | None]:
        """The kept title the paper matches and the score, and the paper's character counts
        when large blocks needed them."""
        # The titles of all the blocks go to rapidfuzz in one call (a call costs as much as
        # comparing a few titles, and most blocks are small); the matches are then taken block
        # by block, at most five per block, as separate calls would have returned them.
        titles: list[str] = []
        indices: list[int] = []
        ends: list[int] = []
        counts = None
        countable = 0 < self._threshold < 200 and len(normalised) <= _MAX_COUNTED
        for block in blocks:
            if block is None:
                continue
            if isinstance(block, int):
                titles.append(self._normalised(block))
                indices.append(block)
            elif block.columns is not None and countable:
                if counts is None:
                    import numpy as np

                    counts = _char_counts(normalised)
                    query = np.frombuffer(counts + b"\xff", np.uint8)[:, None]
                    need = 255 + math.floor(self._threshold / 200 * len(normalised) - 0.5)
                positions = block.candidates(query, need)
                found = [block.indices[p] for p in positions]
                titles += map(self._normalised, found)
                indices += found
            else:
                titles += map(self._normalised, block.indices)
                indices += block.indices
            ends.append(len(titles))
        if not titles:
            return None, counts
        # Sorted by score, ties by position: within a block, the order of a call on it alone.
        found = self._extract(
            normalised, titles, scorer=self._ratio, score_cutoff=self._threshold, limit=None
        )
        seen: set[int] = set()
        # At most five matches of each block, in the order of `found`.
        per_block: list[list[tuple[float, int]]] = [[] for _ in ends]
        for _, score, p in found:
            in_block = per_block[bisect_right(ends, p)]
            if len(in_block) < 5:
                in_block.append((score, p))
        for in_block in per_block:
            for score, position in in_block:
                index = indices[position]
                if index in seen:
                    continue
                seen.add(index)
                if distinguishing_difference(normalised, titles[position]):
                    continue
                other_arxiv = self._arxiv[index]
                if paper.arxiv_id and other_arxiv and paper.arxiv_id != other_arxiv:
                    continue
                return (index, score), counts
        return None, counts

    def add(self, paper: Paper, keep: bool = True) -> Paper | None:
        """Add a paper; return the paper it was merged into, or None when it is new (or a
        duplicate of a paper already written out, which is only reported). With `keep`
        False a new paper is not kept (`last_index` is then -1): it is only matched."""
        normalised = normalise_title(paper.title)
        key = normalised.replace(" ", "")
        key_hash = hash(key)
        keys = [hash(k) for k in _blocks(normalised)]
        blocks: list[_Block | int | None] = [
            self._shared.get(k) or self._single.get(k) for k in keys
        ]
        match, reason = None, ""
        by_id = self._by_id.get(hash(paper.arxiv_id)) if paper.arxiv_id else None
        if by_id is not None and self._arxiv[by_id] == paper.arxiv_id:
            match, reason = by_id, "arxiv-id"
        else:
            candidate = self._by_key.get(key_hash)
            if (
                candidate is not None
                and self._normalised(candidate).replace(" ", "") == key
                and not (paper.arxiv_id and self._arxiv[candidate])
            ):
                match, reason = candidate, "title"
        counts = None
        if match is None and normalised:
            found, counts = self._fuzzy(normalised, blocks, paper)
            if found:
                match, reason = found[0], f"fuzzy {found[1]:.1f}"
        if match is not None:
            source = paper.sources[0] if paper.sources else None
            where = f"{source.file}:{source.line}" if source else ""
            self.last_index = match
            kept = self.kept[match]
            if kept is None and self.revive is not None:
                kept = self.kept[match] = self.revive(match)
                if kept is not None:
                    self._revived.append(match)
            if kept is None:
                self.merges.append(
                    Merge(
                        self._id(match),
                        self._normalised(match),
                        paper.title,
                        f"{reason}, dropped: the first was already written",
                        where,
                    )
                )
                return None
            merge_into(kept, paper)
            if kept.arxiv_id:
                self._by_id.set(hash(kept.arxiv_id), match)
                if self._arxiv[match] != kept.arxiv_id:
                    self._arxiv[match] = kept.arxiv_id
            self.merges.append(Merge(kept.id, kept.title, paper.title, reason, where))
            return kept
        if not keep:
            self.last_index = -1
            return None
        index = self.last_index = len(self.kept)
        self.kept.append(paper)
        self._norm_titles.append(normalised)
        self._arxiv.append(paper.arxiv_id)
        # Counted for its own search: a large block of its is about to want its column.
        self._columns.append(None if counts is None else self._column_of(normalised, counts))
        self._by_key.setdefault(key_hash, index)
        if paper.arxiv_id:
            self._by_id.set(hash(paper.arxiv_id), index)
        for k, block in zip(keys, blocks):
            if block is None:
                self._single.set(k, index)
                continue
            if isinstance(block, int):
                first, block = block, _Block()
                block.add(first, self._column)
                self._shared[k] = block
            block.add(index, self._column)
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
