"""Records with named fields (JSON objects, CSV rows) -> Paper, with common field names mapped.

Names are matched case-insensitively, ignoring spaces, dashes and underscores, so ``Title``,
``TI``, ``paper_title`` and ``Paper Title`` all give the title. papertriage's own output
(``--format json / jsonl / csv``) maps back to the same fields, sources included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from papertriage.models import Paper, Source
from papertriage.parsers.common import find_arxiv_id, normalise_space, split_authors, to_iso_date

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "ti", "t1", "name", "papertitle", "articletitle"),
    "abstract": ("abstract", "summary", "ab", "n2", "description", "paperabstract"),
    "authors": ("authors", "author", "au", "a1", "creators", "authorlist"),
    "arxiv_id": ("arxivid", "arxiv", "eprint", "arxivnumber", "paperid", "id"),
    "date": ("date", "published", "publishedat", "publicationdate", "pubdate", "year", "py"),
    "url": ("url", "link", "href", "ur", "absurl", "paperurl"),
    "votes": ("votes", "upvotes"),
    "categories": ("categories", "category", "subjects", "primarycategory"),
    "comments": ("comments", "comment", "note", "notes"),
    "doi": ("doi", "do"),
    "venue": ("venue", "journal", "journalref", "booktitle", "jo", "t2", "publication"),
    "keywords": ("keywords", "keyword", "kw", "tags"),
}
# Keys of a document that hold its list of records.
CONTAINER_KEYS = ("papers", "records", "items", "entries", "results", "data", "rows")


def key_of(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


def field_names(keys: list[str]) -> dict[str, str]:
    """Paper field -> the record key that gives it (first alias that is present wins)."""
    normalised: dict[str, str] = {}
    for key in keys:
        normalised.setdefault(key_of(key), key)
    mapping: dict[str, str] = {}
    for target, aliases in ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                mapping[target] = normalised[alias]
                break
    return mapping


def has_title_field(keys: list[str]) -> bool:
    return "title" in field_names(keys)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value if v is not None)
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("value") or "")
    return str(value)


def _list(value: Any, separators: str = r"[;,]") -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [normalise_space(_text(v)) for v in value if _text(v).strip()]
    return [p.strip() for p in re.split(separators, str(value)) if p.strip()]


def _votes(value: Any) -> int | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def _sources(value: Any) -> list[Source]:
    """papertriage's own `sources` list, kept so that a round trip keeps where a paper came from."""
    found: list[Source] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item.get("file") is not None:
                try:
                    found.append(
                        Source(str(item["file"]), int(item.get("line") or 0), str(item["format"]))
                    )
                except (KeyError, TypeError, ValueError):
                    continue
    return found


def record_to_paper(
    record: Mapping[str, Any], file: str, line: int, fmt: str, mapping: dict[str, str] | None = None
) -> Paper | None:
    """A paper from a record, or None when it has no title."""
    names = mapping if mapping is not None else field_names(list(record))

    def get(target: str) -> Any:
        key = names.get(target)
        return record.get(key) if key is not None else None

    title = normalise_space(_text(get("title")))
    if not title:
        return None
    raw_id = get("arxiv_id")
    arxiv_id = find_arxiv_id(_text(raw_id)) if raw_id is not None else None
    url = normalise_space(_text(get("url"))) or None
    doi = normalise_space(_text(get("doi"))) or None
    arxiv_id = arxiv_id or find_arxiv_id(url) or find_arxiv_id(doi)
    authors = get("authors")
    comments = _text(get("comments")).strip() or None
    venue = normalise_space(_text(get("venue"))) or None
    own_sources = _sources(record.get("sources"))
    return Paper(
        title=title,
        abstract=_text(get("abstract")).strip(),
        arxiv_id=arxiv_id,
        authors=split_authors(authors) if not isinstance(authors, dict) else [_text(authors)],
        date=to_iso_date(get("date")),
        url=url,
        votes=_votes(get("votes")),
        sources=[*own_sources, Source(file, line, fmt)],
        categories=_list(get("categories"), r"[;,\s]+"),
        comments=comments,
        doi=doi,
        venue=venue,
        keywords=_list(get("keywords")),
    )
