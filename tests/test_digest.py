"""Digests: grouping, ranking, escaping, the JSON schema, and the HTML in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from io import StringIO
from pathlib import Path

import pytest

from conftest import FIXTURES, RULES
from papertriage.digest import (
    DIGEST_SCHEMA_VERSION,
    NO_THEME,
    build_digest,
    chart_lines,
    md_text,
    render_html,
    render_json,
    render_md,
)
from papertriage.pipeline import RuleOptions, run
from papertriage.profile import Profile
from papertriage.store import Library, rules_version

DAY1 = FIXTURES / "library" / "day1.txt"
DAY2 = FIXTURES / "library" / "day2.txt"
SCRIPT_TITLE = '<script>alert("pwned")</script> Escaping Lessons from Agent Dashboards'
TEST_RULES = RuleOptions(directories=[RULES], use_defaults=False)


@pytest.fixture(autouse=True)
def library_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERTRIAGE_HOME", str(tmp_path / "home"))


def make_digest(*files: Path, profile: Profile | None = None, since: str = "last-run"):
    with Library.open() as library:
        version = rules_version(TEST_RULES.load())
        for f in files:
            library.save_run(run([str(f)], rules=TEST_RULES), [str(f)], version)
        resolved = library.resolve_since(since)
        papers = library.query(since=resolved, profile=profile)
        return build_digest(
            papers,
            since="since the last run",
            since_query={"run_id": resolved.run_id},
            library=str(library.path),
            theme_names={"agents": "Agents", "distillation": "Distillation"},
            profile=profile,
            generated="2024-07-31T06:00:00+00:00",
        )


def test_each_new_paper_appears_once_under_its_strongest_theme():
    digest = make_digest(DAY1, DAY2)
    titles = [p.paper.title for g in digest.groups for p in g.papers]
    assert sorted(titles) == sorted(p.paper.title for p in digest.papers)
    assert len(titles) == 2  # only what the last run added
    assert [g.theme for g in digest.groups] == ["agents"]
    assert digest.groups[0].name == "Agents"
    assert digest.theme_counts == {"agents": 2}
    ranks = [p.rank for p in digest.groups[0].papers]
    assert ranks == sorted(ranks)


def test_groups_are_ordered_by_their_best_paper_and_untagged_papers_come_last():
    digest = make_digest(DAY1)
    assert digest.groups[-1].theme == NO_THEME
    assert digest.groups[-1].papers[0].paper.title.startswith("Counting Shells")
    best = [max(p.relevance for p in g.papers) for g in digest.groups[:-1]]
    assert best == sorted(best, reverse=True)


def test_a_profile_ranks_and_files_papers_by_its_weights():
    profile = Profile(name="distill-first", themes={"distillation": 5.0}, default_weight=0.2)
    digest = make_digest(DAY1, profile=profile, since="7d")
    assert digest.groups[0].theme == "distillation"
    assert digest.papers[0].paper.title.startswith("Small Students")
    assert digest.profile == "distill-first"


def test_html_escapes_every_title_and_abstract():
    digest = make_digest(DAY1, DAY2)
    out = StringIO()
    render_html(digest, out)
    page = out.getvalue()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Escaping Lessons" in page
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "default-src 'none'" in page  # nothing fetched, nothing run
    # Self-contained: no external stylesheet, script, image or font.
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|url\(|@import", page)
    assert page.count("<details>") == len(digest.papers)


def test_html_links_only_to_web_addresses():
    digest = make_digest(DAY1)
    digest.papers[0].paper.url = "javascript:alert(1)"
    digest.papers[1].paper.url = "https://example.org/paper?a=1&b=2"
    out = StringIO()
    render_html(digest, out)
    page = out.getvalue()
    assert "javascript:" not in page
    assert 'href="https://example.org/paper?a=1&amp;b=2"' in page


def test_markdown_escapes_listing_text():
    assert md_text("<script>*bold* [x](y)|") == "&lt;script&gt;\\*bold\\* \\[x\\](y)\\|"
    digest = make_digest(DAY1, DAY2)
    out = StringIO()
    render_md(digest, out)
    text = out.getvalue()
    assert text.startswith("# papertriage digest: 2 new papers\n")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "## Agents (2)" in text
    assert "Agents  2  " in text  # the chart


def test_json_digest_has_a_schema_version_and_every_paper():
    digest = make_digest(DAY1, DAY2)
    out = StringIO()
    render_json(digest, out)
    document = json.loads(out.getvalue())
    assert document["schema_version"] == DIGEST_SCHEMA_VERSION
    assert document["kind"] == "papertriage-digest"
    assert document["counts"] == {"papers": 2, "themes": {"agents": 2}}
    papers = [p for g in document["groups"] for p in g["papers"]]
    assert {p["title"] for p in papers} == {
        SCRIPT_TITLE,
        "Ferry: Agents That Negotiate Tool Access with Each Other",
    }
    assert all("first_seen" in p["library"] for p in papers)


def test_an_empty_digest_says_nothing_is_new():
    make_digest(DAY1)
    digest = make_digest(DAY1)  # the same listing again: nothing new
    assert digest.papers == []
    for render in (render_md, render_html):
        out = StringIO()
        render(digest, out)
        assert "Nothing new." in out.getvalue()


def test_chart_lines_are_plain_characters():
    lines = chart_lines({"agents": 10, "distillation": 5, "rare": 1}, width=10)
    assert lines == [
        "agents        10  ##########",
        "distillation   5  #####",
        "rare           1  #",
    ]


CHROMIUM = shutil.which("chromium")


def chromium(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_the_html_digest_opens_in_a_headless_browser(tmp_path):
    if CHROMIUM is None:
        # CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI=true needs the browser test")
        pytest.skip("chromium is not installed")
    digest = make_digest(DAY1, DAY2)
    page = tmp_path / "digest.html"
    with page.open("w", encoding="utf-8") as handle:
        render_html(digest, handle)
    shot = tmp_path / "digest.png"
    proc = chromium(f"--screenshot={shot}", "--window-size=420,900", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 5000, proc.stderr.decode(errors="replace")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = chromium("--dump-dom", page.as_uri()).stdout.decode("utf-8")
    # The title is text in the page, not an element: the browser serialises it escaped.
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt; Escaping Lessons' in dom
    assert "<script" not in dom.lower()
    assert "Ferry: Agents That Negotiate Tool Access" in dom
