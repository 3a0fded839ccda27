"""The ingest pipeline as a library call: read -> parse -> dedup -> tag -> rank."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from papertriage.dedup import Merge, deduplicate
from papertriage.engine import Engine
from papertriage.errors import InputError
from papertriage.formats import RunResult
from papertriage.models import Paper, ParseReport
from papertriage.parsers import parse_input
from papertriage.profile import Profile, load_profile
from papertriage.ranking import rank
from papertriage.reading import read_input
from papertriage.rules import Theme, load_rules


@dataclass
class RuleOptions:
    """Which rules and profile a run uses: config file and command line merged."""

    directories: list[Path] = field(default_factory=list)
    use_defaults: bool = True
    disable: list[str] = field(default_factory=list)
    profile: Path | None = None

    def load(self) -> list[Theme]:
        return load_rules(self.directories, self.use_defaults, self.disable)

    def load_profile(self, themes: list[Theme]) -> Profile | None:
        if self.profile is None:
            return None
        return load_profile(self.profile, {t.id for t in themes})


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files as given; a directory -> its files (sorted, hidden ones skipped); a glob pattern
    the shell left unexpanded -> the files it matches."""
    expanded: list[str] = []
    for name in inputs:
        path = Path(name)
        if name == "-" or path.is_file():
            expanded.append(name)
        elif path.is_dir():
            files = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                raise InputError(f"{name}: directory has no files")
            expanded.extend(files)
        elif any(ch in name for ch in "*?["):
            matches = sorted(p for p in glob.glob(name, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(f"{name}: no file matches this pattern")
            expanded.extend(matches)
        else:
            expanded.append(name)  # read_input reports it missing
    return expanded


def read_papers(
    inputs: Sequence[str],
    input_format: str | None = None,
    stdin: BinaryIO | None = None,
) -> tuple[list[Paper], ParseReport]:
    report = ParseReport()
    papers: list[Paper] = []
    if list(inputs).count("-") > 1:
        raise InputError("'-' (standard input) can be given only once")
    for name in expand_inputs(inputs):
        source = read_input(name, stdin=stdin)
        before = len(papers)
        papers.extend(parse_input(source, report, input_format))
        if len(papers) == before:
            raise InputError(f"{source.name}: no papers found in this input")
    return papers, report


def select_themes(themes: list[Theme], wanted: Sequence[str]) -> None:
    known = {t.id for t in themes}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"unknown theme {unknown[0]!r}; known themes: {', '.join(sorted(known))}")


def run(
    inputs: Sequence[str],
    *,
    input_format: str | None = None,
    rules: RuleOptions | None = None,
    themes: Sequence[str] = (),
    top: int | None = None,
    dedup: bool = True,
    stdin: BinaryIO | None = None,
) -> RunResult:
    rules = rules or RuleOptions()
    theme_rules = rules.load()
    select_themes(theme_rules, themes)
    profile = rules.load_profile(theme_rules)
    papers, report = read_papers(inputs, input_format, stdin)
    merges: list[Merge] = []
    if dedup:
        papers, merges = deduplicate(papers)
    tagged = Engine(theme_rules).tag(papers)
    ranked = rank(tagged, themes, top, profile)
    return RunResult(ranked, report, merges, {"unique": len(papers)})
