"""Nightly digests: what is new in the library, grouped by theme, ranked, as md, html or json.

Each paper appears once, under its strongest theme (weighted by the profile when there is
one); its other themes are listed beside it. Groups are ordered by their best paper. The HTML
digest is one self-contained file: inline CSS, no scripts, no fonts or images to fetch (a
Content-Security-Policy forbids any), readable on a phone; every text from a listing goes
through `html.escape`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from papertriage.formats import generator

if TYPE_CHECKING:
    from papertriage.profile import Profile
    from papertriage.store import LibraryPaper

DIGEST_SCHEMA_VERSION = 1
DIGEST_FORMATS = ("md", "html", "json")
NO_THEME = "(no theme)"


@dataclass
class DigestGroup:
    theme: str  # theme id, or NO_THEME
    name: str
    papers: list[LibraryPaper] = field(default_factory=list)


@dataclass
class Digest:
    title: str
    since: str  # human-readable: "since the last run (run 4, 2024-07-31 06:00 UTC)"
    since_query: dict[str, Any]  # what --since resolved to
    library: str
    generated: str
    papers: list[LibraryPaper]
    groups: list[DigestGroup]
    theme_counts: dict[str, int]  # papers per assigned theme (a paper counts in each)
    theme_names: dict[str, str]
    profile: str | None = None

    def name(self, theme: str) -> str:
        return self.theme_names.get(theme, theme)


def primary_theme(paper: LibraryPaper, profile: Profile | None = None) -> str | None:
    """The theme a paper is filed under: its strongest (profile-weighted) assigned theme."""
    themes = paper.themes
    if not themes:
        return None
    if profile is None:
        return themes[0].theme
    return max(themes, key=lambda s: (s.score * profile.weight(s.theme), s.score)).theme


def build_digest(
    papers: Sequence[LibraryPaper],
    *,
    since: str,
    since_query: dict[str, Any],
    library: str,
    theme_names: dict[str, str] | None = None,
    profile: Profile | None = None,
    title: str = "papertriage digest",
    generated: str | None = None,
) -> Digest:
    """Group ranked papers by their primary theme; groups ordered by their best paper."""
    names = dict(theme_names or {})
    groups: dict[str, DigestGroup] = {}
    counts: dict[str, int] = {}
    for paper in papers:
        for score in paper.themes:
            counts[score.theme] = counts.get(score.theme, 0) + 1
        theme = primary_theme(paper, profile) or NO_THEME
        if theme not in groups:
            name = "No theme" if theme == NO_THEME else names.get(theme, theme)
            groups[theme] = DigestGroup(theme, name)
        groups[theme].papers.append(paper)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g.theme == NO_THEME,
            # --sort relevance: groups in the order of their best paper for the reader's model
            -max(
                p.relevance if p.learned_relevance is None else p.learned_relevance
                for p in g.papers
            ),
            -len(g.papers),
            g.theme,
        ),
    )
    counts = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return Digest(
        title=title,
        since=since,
        since_query=since_query,
        library=library,
        generated=generated or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        papers=list(papers),
        groups=ordered,
        theme_counts=counts,
        theme_names=names,
        profile=profile.name if profile is not None else None,
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _authors(authors: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(authors[:limit])
    return shown + (" et al." if len(authors) > limit else "")


def _link(paper: LibraryPaper) -> str | None:
    """The paper's page (arXiv abstract page, else DOI, else its http(s) url), encoded so
    that it can end neither an HTML attribute nor a Markdown link; None for anything else
    (``javascript:``, ``data:``, a url with no host)."""
    from papertriage.links import paper_url

    return paper_url(paper.paper)


# --- json ----------------------------------------------------------------------------------


def render_json(digest: Digest, stream: TextIO) -> None:
    document = {
        "schema_version": DIGEST_SCHEMA_VERSION,
        "kind": "papertriage-digest",
        "generator": generator(),
        "generated": digest.generated,
        "title": digest.title,
        "since": {"text": digest.since, **digest.since_query},
        "library": digest.library,
        "profile": digest.profile,
        "counts": {"papers": len(digest.papers), "themes": digest.theme_counts},
        "groups": [
            {
                "theme": None if g.theme == NO_THEME else g.theme,
                "name": g.name,
                "papers": [p.to_dict() for p in g.papers],
            }
            for g in digest.groups
        ],
    }
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


# --- markdown ------------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "*": "\\*",
        "_": "\\_",
        "`": "\\`",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "#": "\\#",
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "\n": " ",
    }
)


def md_text(text: str) -> str:
    """Listing text as literal Markdown: no emphasis, links or HTML can come out of it."""
    return text.translate(_MD_SPECIAL)


def bar(count: int, largest: int, width: int = 30, char: str = "#") -> str:
    """A bar of plain characters, at least one long for a count above zero."""
    if count <= 0 or largest <= 0:
        return ""
    return char * max(1, round(width * count / largest))


def chart_lines(counts: dict[str, int], width: int = 30) -> list[str]:
    """'agents   12  ############' lines, one per key."""
    if not counts:
        return []
    largest = max(counts.values())
    label = max(len(k) for k in counts)
    digits = len(str(largest))
    return [
        f"{key:<{label}}  {count:>{digits}}  {bar(count, largest, width)}"
        for key, count in counts.items()
    ]


def render_md(digest: Digest, stream: TextIO) -> None:
    w = stream.write
    w(f"# {md_text(digest.title)}: {plural(len(digest.papers), 'new paper')}\n\n")
    w(f"{md_text(digest.since[:1].upper() + digest.since[1:])}")
    if digest.profile:
        w(f", ranked for the profile *{md_text(digest.profile)}*")
    w(f". Generated {digest.generated} by {generator()}.\n")
    if not digest.papers:
        w("\nNothing new.\n")
        return
    if digest.theme_counts:
        w("\n## Themes\n\n```text\n")
        named = {digest.name(theme): n for theme, n in digest.theme_counts.items()}
        for line in chart_lines(named):
            w(line + "\n")
        w("```\n")
    for group in digest.groups:
        w(f"\n## {md_text(group.name)} ({len(group.papers)})\n")
        for paper in group.papers:
            p = paper.paper
            link = _link(paper)
            title = md_text(p.title)
            heading = f"[{title}](<{link}>)" if link else title
            w(f"\n{paper.rank}. **{heading}**  \n")
            meta = [f"score {paper.relevance:.2f}"]
            if paper.learned_relevance is not None:
                meta.insert(0, f"relevance {paper.learned_relevance:.2f}")
            others = [digest.name(s.theme) for s in paper.themes if s.theme != group.theme]
            if others:
                meta.append("also " + ", ".join(md_text(t) for t in others))
            if p.arxiv_id:
                meta.append(f"arXiv {md_text(p.arxiv_id)}")
            if p.date:
                meta.append(md_text(p.date))
            if p.authors:
                meta.append(md_text(_authors(p.authors)))
            w("   " + " · ".join(meta) + "\n")
            if p.abstract:
                w(f"\n   > {md_text(p.abstract)}\n")


# --- html ----------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #5f6368; --bg: #fdfdfc;
  --card: #ffffff; --line: #e3e3e0; --accent: #2456a6; --bar: #6b8fd6; --chip: #eef2fa; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e6; --muted: #a4a9b0; --bg: #151618; --card: #1e2023; --line: #33363b;
    --accent: #8fb3ff; --bar: #5b7fc9; --chip: #262c38; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans",
    "Helvetica Neue", Arial, sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.45rem; line-height: 1.25; margin: .5rem 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; padding-bottom: .25rem;
  border-bottom: 2px solid var(--line); }
h2 .n { color: var(--muted); font-weight: normal; }
h2.small { font-size: .95rem; margin: 1rem 0 .4rem; border: 0; color: var(--muted); }
.note { color: var(--muted); font-size: .8rem; margin: -.2rem 0 .5rem; }
.sub { color: var(--muted); font-size: .9rem; margin: 0 0 1rem; }
a { color: var(--accent); }
.chart { list-style: none; margin: 0; padding: 0; }
.chart li { display: grid; grid-template-columns: minmax(6rem, 11rem) 1fr 2.2rem;
  gap: .5rem; align-items: center; font-size: .9rem; margin: .15rem 0; }
.chart a { text-decoration: none; overflow-wrap: anywhere; }
.track { background: var(--chip); border-radius: 3px; height: .8rem; }
.fill { background: var(--bar); border-radius: 3px; height: 100%; min-width: 3px; }
.chart .c { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
ol.papers { list-style: none; margin: 0; padding: 0; }
.paper { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem .9rem; margin: .6rem 0; }
.paper h3 { font-size: 1.02rem; line-height: 1.35; margin: 0 0 .3rem;
  overflow-wrap: anywhere; }
.paper h3 .rank { color: var(--muted); font-weight: normal; margin-right: .3rem; }
.meta { color: var(--muted); font-size: .85rem; margin: 0; overflow-wrap: anywhere; }
.chip { display: inline-block; background: var(--chip); border-radius: 999px;
  padding: 0 .5rem; margin: .1rem .15rem .1rem 0; font-size: .8rem; color: var(--fg); }
.score { font-variant-numeric: tabular-nums; }
details { margin-top: .4rem; }
summary { cursor: pointer; color: var(--accent); font-size: .9rem; }
details p { margin: .4rem 0 0; overflow-wrap: anywhere; hyphens: auto; }
.empty { padding: 2rem 0; color: var(--muted); }
footer { color: var(--muted); font-size: .8rem; margin-top: 2.5rem; overflow-wrap: anywhere; }
@media (max-width: 30rem) {
  main { padding: .75rem .65rem 2rem; }
  h1 { font-size: 1.25rem; }
  .chart li { grid-template-columns: 7.5rem 1fr 2rem; font-size: .85rem; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(theme: str) -> str:
    return "theme-" + "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in theme)


def render_html(digest: Digest, stream: TextIO) -> None:
    w = stream.write
    title = f"{digest.title}: {plural(len(digest.papers), 'new paper')}"
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    # Nothing is ever fetched or run: the file is read as it is.
    w(
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
    )
    w(f'<meta name="generator" content="{_e(generator())}">\n')
    w(f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n")
    w(f"<h1>{_e(title)}</h1>\n")
    sub = digest.since[:1].upper() + digest.since[1:]
    if digest.profile:
        sub += f", ranked for the profile “{digest.profile}”"
    w(f'<p class="sub">{_e(sub)}</p>\n')
    if not digest.papers:
        w('<p class="empty">Nothing new.</p>\n')
    if digest.theme_counts:
        largest = max(digest.theme_counts.values())
        w(
            '<section aria-labelledby="chart">\n'
            '<h2 id="chart" class="small">Papers per theme</h2>\n'
            '<p class="note">A paper counts in each of its themes; below, it is listed once, '
            "under its strongest.</p>\n"
        )
        w('<ul class="chart">\n')
        for theme, count in digest.theme_counts.items():
            share = 100.0 * count / largest
            w(
                f'<li><a href="#{_e(_anchor(theme))}">{_e(digest.name(theme))}</a>'
                f'<span class="track"><span class="fill" style="display:block;'
                f'width:{share:.1f}%"></span></span><span class="c">{count}</span></li>\n'
            )
        w("</ul>\n</section>\n")
    anchors = {g.theme for g in digest.groups}
    for group in digest.groups:
        w(
            f'<section id="{_e(_anchor(group.theme))}">\n<h2>{_e(group.name)} '
            f'<span class="n">({len(group.papers)})</span></h2>\n<ol class="papers">\n'
        )
        for paper in group.papers:
            _html_paper(w, paper, group.theme, digest)
        w("</ol>\n</section>\n")
    # Themes only met as secondary themes still get an anchor for the chart's links.
    for theme in digest.theme_counts:
        if theme not in anchors:
            w(f'<span id="{_e(_anchor(theme))}"></span>\n')
    w(
        f"<footer>Generated {_e(digest.generated)} by {_e(generator())} from "
        f"{_e(digest.library)}.</footer>\n</main>\n</body>\n</html>\n"
    )


def _html_paper(w: Callable[[str], Any], paper: LibraryPaper, group: str, digest: Digest) -> None:
    p = paper.paper
    link = _link(paper)
    title = _e(p.title)
    if link:
        title = f'<a href="{_e(link)}" rel="noopener noreferrer">{title}</a>'
    w(f'<li class="paper">\n<h3><span class="rank">#{paper.rank}</span>{title}</h3>\n')
    meta = [f'<span class="score">score {paper.relevance:.2f}</span>']
    if paper.learned_relevance is not None:
        meta.insert(0, f"relevance {paper.learned_relevance:.2f}")
    if p.arxiv_id:
        meta.append(f"arXiv {_e(p.arxiv_id)}")
    if p.date:
        meta.append(_e(p.date))
    if p.votes:
        meta.append(f"{p.votes} votes")
    w(f'<p class="meta">{" · ".join(meta)}</p>\n')
    if p.authors:
        w(f'<p class="meta">{_e(_authors(p.authors))}</p>\n')
    chips = "".join(
        f'<span class="chip">{_e(digest.name(s.theme))} {s.score:.2f}</span>' for s in paper.themes
    )
    if chips:
        w(f'<p class="meta">{chips}</p>\n')
    if p.abstract:
        w(f"<details><summary>Abstract</summary><p>{_e(p.abstract)}</p></details>\n")
    w("</li>\n")


RENDERERS: dict[str, Callable[[Digest, TextIO], None]] = {
    "md": render_md,
    "html": render_html,
    "json": render_json,
}
