"""The arXiv e-mail digest: new submissions, cross-lists and replacements, titles and abstracts
unwrapped, the mail around the entries skipped as chrome."""

from __future__ import annotations

from conftest import FIXTURES, parse_fixture
from papertriage.models import ParseReport
from papertriage.parsers import detect_format, parse_input
from papertriage.reading import decode, read_input

DIGEST = FIXTURES / "arxiv-email-digest.txt"


def digest_text() -> str:
    return DIGEST.read_text(encoding="utf-8")


def parse(text: str, name: str = "digest.txt", fmt: str | None = None):
    return parse_fixture(name, text, fmt)[:2]


def test_detected_and_every_entry_read():
    papers, report = parse(digest_text())
    assert report.formats == {"digest.txt": "arxiv-email"}
    assert [p.arxiv_id for p in papers] == [
        "2407.20101",
        "2407.20102",
        "2407.20103",
        "2407.19877",  # cross-lists
        "2407.19901",
        "2406.00417",  # replacements
        "2405.11112",
        "2403.04040",
    ]
    assert report.problems == []
    # Before: read as an arXiv listing, every title started with "Date:" and no abstract was read.
    assert not any(p.title.startswith("Date:") for p in papers)
    assert all(p.abstract for p in papers[:5])


def test_titles_and_abstracts_unwrapped():
    papers = {p.arxiv_id: p for p in parse(digest_text())[0]}
    assert papers["2407.20101"].title == (
        "Gradient Gardening: Pruning Transformers While They Grow, and Why the Saved Compute "
        "Buys More Tokens"
    )
    assert papers["2407.20101"].abstract == (
        "We prune attention heads during pretraining instead of after it. Heads whose gradient "
        "signal stays flat for a window of steps are removed, and the saved compute is spent on "
        "more tokens. At equal cost, gardened models match dense ones on eleven of twelve "
        "benchmarks."
    )
    assert papers["2407.20102"].title == (
        'Is $\\alpha$-Entmax All You Need? Sparse Attention for "Long" Contexts'
    )
    # Two paragraphs, one abstract.
    assert papers["2407.20102"].abstract.startswith("Softmax attention spreads its mass")
    assert papers["2407.20102"].abstract.endswith("run 1.7x faster than dense ones on one GPU.")
    assert "  " not in papers["2407.20102"].abstract
    assert papers["2407.20103"].title.endswith("Forty Years of Gauge Records from Small Ports")


def test_title_broken_at_a_hyphen_by_a_mail_client_is_one_word_again():
    """A title re-wrapped by a client that breaks after hyphens ('Vision-' / 'Language', as
    Python's textwrap does) reads as it was written, in the digest as in an arXiv listing."""
    digest = (
        "arXiv:2407.20150\nDate: Mon, 29 Jul 2024 17:59:01 GMT   (80kb)\n\n"
        "Title: Continual Mixture of Experts for Large Vision-\n  Language Models and Multi-\n"
        "  class Owls, Pre- and Post-Training\nAuthors: Ann Lee\nCategories: cs.LG\n\\\\\n"
        "  We study owls.\n\\\\ ( https://arxiv.org/abs/2407.20150 ,  80kb)\n"
    )
    listing = (
        "[1] arXiv:2407.20150 [pdf, html, other]\nTitle: Continual Mixture of Experts for Large "
        "Vision-\n  Language Models and Multi-\n  class Owls, Pre- and Post-Training\n"
        "Authors: Ann Lee\nSubjects: Machine Learning (cs.LG)\nWe study owls.\n"
    )
    expected = (
        "Continual Mixture of Experts for Large Vision-Language Models and Multi-class Owls, "
        "Pre- and Post-Training"
    )
    for text, fmt in ((digest, "arxiv-email"), (listing, "arxiv-listing")):
        papers, report = parse(text, fmt=fmt)
        assert [p.title for p in papers] == [expected], fmt
        assert report.problems == []


def test_fields():
    papers = {p.arxiv_id: p for p in parse(digest_text())[0]}
    first = papers["2407.20101"]
    assert first.authors == [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Katherine Johnson",
        "Edsger W. Dijkstra",
    ]
    assert first.categories == ["cs.LG", "cs.CL"]
    assert first.comments == "12 pages, 4 figures; code at https://example.org/gardening"
    assert first.date == "2024-07-29"
    assert first.url == "https://arxiv.org/abs/2407.20101"
    assert [s.line for s in first.sources] == [19]
    second = papers["2407.20102"]
    assert second.authors == ["Émilie du Châtelet", "Sofia Kovalevskaya"]
    assert second.doi == "10.1234/tir.2024.0042"
    assert second.venue == "Transactions on Imaginary Results 3 (2024) 1-19"
    assert second.comments is None
    assert papers["2407.19877"].categories == ["cs.CV", "cs.CL"]


def test_replacements_are_marked_in_comments_and_new_papers_are_not():
    papers = {p.arxiv_id: p for p in parse(digest_text())[0]}
    orchard = papers["2406.00417"]
    assert orchard.comments == (
        "replaced with revised version Tue, 30 Jul 2024 09:01:57 GMT; "
        "v2: new replay experiments; accepted at an imaginary workshop"
    )
    assert orchard.abstract == ""  # replacements come without their abstract
    assert orchard.date == "2024-07-30"
    # The note on the identifier line itself.
    quiet = papers["2405.11112"]
    assert quiet.comments == "replaced with revised version Tue, 30 Jul 2024 10:12:00 GMT"
    assert quiet.title == "Quiet Teachers: Knowledge Distillation from Sparse Teacher Signals"
    lantern = papers["2403.04040"]
    assert lantern.comments.startswith("replaced with revised version")
    assert lantern.comments.endswith("; 9 pages")
    assert lantern.abstract.startswith("Tool-using agents give up")
    for arxiv_id in ("2407.20101", "2407.20102", "2407.20103", "2407.19877", "2407.19901"):
        assert "replaced" not in (papers[arxiv_id].comments or "")


def test_mail_header_separators_and_footer_are_chrome():
    text = digest_text()
    _, report = parse(text)
    chrome = {line for _, line, _ in report.chrome}
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.startswith(("From:", "Subject:", "---", "%%", "For subscribe", "receive,")):
            assert number in chrome, (number, line)
    assert 1 in chrome and len(lines) in chrome


def test_read_from_a_file_with_crlf_and_bom(tmp_path):
    path = tmp_path / "digest.eml"
    path.write_bytes(b"\xef\xbb\xbf" + digest_text().replace("\n", "\r\n").encode("utf-8"))
    report = ParseReport()
    source = read_input(str(path))
    assert detect_format(source) == "arxiv-email"
    papers = list(parse_input(source, report))
    expected = parse(digest_text())[0]
    assert [(p.title, p.abstract, p.comments) for p in papers] == [
        (p.title, p.abstract, p.comments) for p in expected
    ]


def test_entry_without_title_is_a_problem_and_cut_entry_is_read_as_far_as_it_goes():
    text = digest_text()
    broken = text.replace(
        "Title: Why Do Small Models Forget Arithmetic?\n", "Titel: Why Do Small Models\n"
    )
    papers, report = parse(broken)
    assert "2407.19901" not in [p.arxiv_id for p in papers]
    assert len(papers) == 7
    assert [(p.kind, p.line) for p in report.problems] == [
        ("arxiv-email", 89),  # the misspelt label, with its line
        ("no-title", 86),
    ]
    # Cut in the middle of an abstract: the entry is read with what is there.
    cut = text[: text.index("compute is spent on more tokens.")]
    papers, report = parse(cut)
    assert [p.arxiv_id for p in papers] == ["2407.20101"]
    assert papers[0].abstract.endswith("and the saved")


def test_listing_is_still_a_listing():
    listing = (FIXTURES / "formats" / "arxiv-new.txt").read_text(encoding="utf-8")
    assert detect_format(decode(listing.encode(), "x.txt")) == "arxiv-listing"
