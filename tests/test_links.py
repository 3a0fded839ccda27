"""Titles link to the paper, and a hostile listing cannot make a link do anything else.

The page is the arXiv abstract page for an arXiv id, else https://doi.org/DOI, else the url;
only http and https, and no character that could end an HTML attribute, a Markdown link or a
terminal escape sequence.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from conftest import RULE_ARGS, invoke
from papertriage.links import paper_url
from papertriage.models import Paper

DANGEROUS = set("\"'<> ()`\\\x1b\x07\n")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"arxiv_id": "2407.01234", "doi": "10.1/x", "url": "https://a.org"},
            "https://arxiv.org/abs/2407.01234",
        ),
        ({"arxiv_id": "hep-th/9901001"}, "https://arxiv.org/abs/hep-th/9901001"),
        (
            {"doi": "10.1145/3290605.3300857", "url": "https://a.org"},
            "https://doi.org/10.1145/3290605.3300857",
        ),
        ({"doi": "https://doi.org/10.1000/xyz"}, "https://doi.org/10.1000/xyz"),
        ({"url": "https://example.org/paper?id=1&v=2#s"}, "https://example.org/paper?id=1&v=2#s"),
        ({"url": "http://example.org/a b"}, None),  # whitespace: not a url
        ({"url": "javascript:alert(1)"}, None),
        ({"url": "JavaScript:alert(document.cookie)"}, None),
        ({"url": " javascript:alert(1)"}, None),
        ({"url": "java\tscript:alert(1)"}, None),
        ({"url": "data:text/html,<script>alert(1)</script>"}, None),
        ({"url": "vbscript:msgbox(1)"}, None),
        ({"url": "file:///etc/passwd"}, None),
        ({"url": "//evil.example/x"}, None),
        ({"url": "https:alert(1)"}, None),
        ({"url": "https://\x1b]8;;x\x07evil"}, None),
        ({"arxiv_id": '2407.01234"><script>'}, None),
        ({"doi": "not a doi"}, None),
    ],
)
def test_paper_url(fields, expected):
    assert paper_url(Paper(title="t", **fields)) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"url": 'https://example.org/a"onmouseover="alert(1)'},
        {"url": "https://example.org/a'><script>alert(1)</script>"},
        {"url": "https://example.org/a)](javascript:alert(1))"},
        {"url": "https://example.org/a>[x](javascript:alert(1))"},
        {"doi": '10.1000/a"onclick="alert(1)'},
        {"doi": "10.1000/a><img/src=x/onerror=alert(1)>"},
        {"doi": "10.1000/a)(x`\\"},
    ],
)
def test_a_hostile_url_or_doi_is_encoded_not_dropped_into_markup(fields):
    url = paper_url(Paper(title="t", **fields))
    assert url is not None and url.startswith("https://")
    assert not DANGEROUS & set(url), url


HOSTILE_BIB = r"""
@article{evil1,
  title = {Tool-Using Agents That Recover from Failed API Calls},
  abstract = {An agent framework that reads the error message, plans a repair and retries.},
  url = {javascript:alert(1)},
}
@article{evil2,
  title = {Knowledge Distillation from Sparse Teacher Signals},
  abstract = {A student model distilled from a large teacher model.},
  doi = {10.1000/a"onmouseover="alert(1)"><script>alert(2)</script>},
}
@article{evil3,
  title = {Continual Pre-training on Seasonal Web Text [mask] (draft)},
  abstract = {Language models pre-trained again on new text.},
  url = {https://example.org/p)](javascript:alert(3))<b>},
}
@article{good,
  title = {Counting Pebbles: A Benchmark of Spatial Puzzles},
  abstract = {Vision models count objects.},
  eprint = {2407.01234},
  archiveprefix = {arXiv},
}
"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append(dict(attrs))
        if tag in ("script", "img", "b"):
            self.scripts += 1


@pytest.fixture
def hostile_library(tmp_path):
    bib = tmp_path / "hostile.bib"
    bib.write_text(HOSTILE_BIB, encoding="utf-8")
    result = invoke(["ingest", str(bib), "-f", "json", *RULE_ARGS])
    assert result.exit_code == 0, result.stderr
    return bib


def test_html_digest_links_only_to_http_and_stays_inside_its_attributes(hostile_library):
    result = invoke(["digest", "--format", "html", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    page = _Links()
    page.feed(result.stdout)
    links = [a for a in page.anchors if not (a.get("href") or "").startswith("#")]
    hrefs = sorted(a["href"] for a in links)
    assert page.scripts == 0
    # "javascript:" may be left inside an https address's path (harmless), never as a scheme.
    assert not any(re.match(r"\s*javascript:", h, re.I) for h in hrefs)
    # Every title link is https and has only its href and rel: no attribute broke out.
    assert all(set(a) == {"href", "rel"} for a in links), links
    assert all(h.startswith("https://") for h in hrefs), hrefs
    assert "https://arxiv.org/abs/2407.01234" in hrefs
    assert any(h.startswith("https://doi.org/10.1000/a%22onmouseover") for h in hrefs), hrefs
    # The javascript: url gives no link at all: that paper's title is plain text.
    assert not any("alert(1)" in h for h in hrefs)


def _md_links(text: str) -> list[str]:
    return re.findall(r"\]\(<([^>\n]*)>\)", text)


def test_markdown_digest_and_md_output_link_titles_safely(hostile_library):
    digest = invoke(["digest", "--format", "md", "--dry-run"])
    assert digest.exit_code == 0, digest.stderr
    listing = invoke(["ingest", str(hostile_library), "-f", "md", "--no-store", *RULE_ARGS])
    assert listing.exit_code == 0, listing.stderr
    for text in (digest.stdout, listing.stdout):
        links = _md_links(text)
        assert "https://arxiv.org/abs/2407.01234" in links
        assert len(links) >= 3, text
        for link in links:
            assert link.startswith("https://") and not DANGEROUS & set(link), link
        # No link of any form (inline or autolink) to a javascript: address.
        assert not re.search(r"\]\(\s*<?\s*javascript:", text, re.I)
        assert "<javascript:" not in text.lower()
    # The md output's table: each title a link when the paper has a page.
    rows = [line for line in listing.stdout.splitlines() if line.startswith("| ") and "[" in line]
    assert any(
        "[Continual Pre-training on Seasonal Web Text \\[mask\\] (draft)](<" in r for r in rows
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _render_table(papers, monkeypatch, term="xterm-256color") -> str:
    from papertriage.formats import RunResult, table
    from papertriage.models import ParseReport, TaggedPaper

    monkeypatch.setenv("TERM", term)
    tagged = [TaggedPaper(p, {}, relevance=0.5, rank=i + 1) for i, p in enumerate(papers)]
    out = _Terminal()
    table.render(RunResult(tagged, ParseReport()), out)
    return out.getvalue()


def test_terminal_table_titles_are_hyperlinks(monkeypatch):
    papers = [
        Paper(title="Good", arxiv_id="2407.01234"),
        Paper(title="Evil", url="javascript:alert(1)"),
        Paper(title="Escape", url="https://x.org/\x1b]8;;https://evil\x07"),
    ]
    out = _render_table(papers, monkeypatch)
    targets = re.findall(r"\x1b\]8;[^;]*;([^\x1b\x07]*)\x1b\\", out)
    assert "https://arxiv.org/abs/2407.01234" in targets
    assert all(t == "" or t.startswith("https://") for t in targets), targets
    assert "javascript" not in out and "evil" not in out.replace("\\x1b", "")
    # A dumb terminal gets no escape sequence at all.
    assert "\x1b]8;" not in _render_table(papers, monkeypatch, term="dumb")
