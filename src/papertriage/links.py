"""The web address of a paper, safe to put in an HTML attribute, a Markdown link or a terminal.

A listing's `url` and `doi` are untrusted text (a BibTeX file can hold
``url = {javascript:alert(1)}`` or a DOI with quotes and angle brackets). `paper_url` gives:
the arXiv abstract page for an arXiv id, else https://doi.org/DOI, else the paper's own url,
and only ever an http or https address whose every character outside the URL's own
punctuation is percent-encoded: no quote, angle bracket, space, backslash, parenthesis or
control character is left in it, so that it cannot end an attribute (``"``), a Markdown link
(``)``, ``>``) or a terminal escape sequence.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from papertriage.models import Paper

_ARXIV_NEW = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_ARXIV_OLD = re.compile(r"[a-z][a-z.-]*(\.[A-Z]{2})?/\d{7}(v\d+)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
# RFC 3986 reserved and unreserved characters, less those that end an attribute, a Markdown
# link or a quoted string: ' ( ) are encoded too. A % is kept (the text may be encoded already).
_SAFE = "!#$%&+,/:;=?@[]~-._"
_SAFE_DOI = "/:;-._"


def arxiv_url(arxiv_id: str | None) -> str | None:
    if not arxiv_id:
        return None
    arxiv_id = arxiv_id.strip()
    if _ARXIV_NEW.fullmatch(arxiv_id) or _ARXIV_OLD.fullmatch(arxiv_id):
        return f"https://arxiv.org/abs/{arxiv_id}"
    return None


def doi_url(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :].strip()
            break
    if not _DOI.fullmatch(doi):
        return None
    return "https://doi.org/" + quote(doi, safe=_SAFE_DOI)


def web_url(url: str | None) -> str | None:
    """`url` when it is an http(s) address with a host, percent-encoded; else None."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in parts.netloc for ch in "\"'<>\\`(){}|^"):
        return None
    return quote(url, safe=_SAFE)


def paper_url(paper: Paper) -> str | None:
    """The page of `paper`: arXiv abstract page, else its DOI, else its http(s) url."""
    return arxiv_url(paper.arxiv_id) or doi_url(paper.doi) or web_url(paper.url)
