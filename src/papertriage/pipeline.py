"""The ingest pipeline as a library call: read -> parse -> dedup -> tag -> rank."""

from __future__ import annotations

import glob
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from papertriage.dedup import Deduplicator, Merge, deduplicate
from papertriage.engine import Engine
from papertriage.errors import InputError
from papertriage.formats import RecordRenderer, Rendered, RunResult
from papertriage.models import Paper, ParseReport, TaggedPaper
from papertriage.parsers import parse_input
from papertriage.profile import Profile, load_profile
from papertriage.ranking import rank, score_papers
from papertriage.reading import InputText, read_input
from papertriage.rules import Theme, load_rules

# An input is a file name, '-' (standard input), or a document already in memory (fetched).
Input = str | InputText


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
        # A profile may weigh a theme the config disables: it simply has no effect then.
        return load_profile(self.profile, {t.id for t in themes} | set(self.disable))


def expand_inputs(inputs: Sequence[Input]) -> list[Input]:
    """Files as given; a directory -> its files (sorted, hidden ones skipped); a glob pattern
    the shell left unexpanded -> the files it matches; a document in memory as it is."""
    expanded: list[Input] = []
    for name in inputs:
        if isinstance(name, InputText):
            expanded.append(name)
            continue
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


@dataclass
class Progress:
    """How far a run has read: papers, and bytes of the inputs when their size is known."""

    papers: int = 0
    bytes_read: int = 0
    bytes_total: int | None = None


ProgressCallback = Callable[[Progress], None]


def iter_papers(
    inputs: Sequence[Input],
    report: ParseReport,
    input_format: str | None = None,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
) -> Iterator[Paper]:
    """Every paper of every input, as it is parsed; inputs without papers are errors."""
    if list(inputs).count("-") > 1:
        raise InputError("'-' (standard input) can be given only once")
    names = expand_inputs(inputs)
    if progress is not None and all(isinstance(n, str) and n != "-" for n in names):
        progress.bytes_total = sum(Path(n).stat().st_size for n in names if Path(n).is_file())
    done = 0
    found = 0
    skipped: list[str] = []
    for name in names:
        source = name if isinstance(name, InputText) else read_input(name, stdin=stdin)
        if source.binary is not None:
            # Not text: one problem, and the other inputs are still read.
            report.formats[source.name] = "binary"
            report.records.setdefault(source.name, 0)
            report.problems.extend(source.problems)
            skipped.append(f"{source.name}: binary file skipped: {source.binary}")
            continue
        count = 0
        try:
            for paper in parse_input(source, report, input_format):
                count += 1
                if progress is not None:
                    progress.papers += 1
                    read = done + source.bytes_read  # counts a last line's missing LF
                    total = progress.bytes_total
                    progress.bytes_read = read if total is None else min(read, total)
                yield paper
        finally:
            source.close()
        done += source.bytes_read
        found += count
        if not count:
            raise InputError(
                f"{source.name}: no papers found in this input ({why_empty(source.name, report)})"
            )
    if not found and skipped:
        raise InputError(skipped[0] + "; no papers read")


def why_empty(name: str, report: ParseReport) -> str:
    """What the parser made of an input that gave no paper, for the one-line error."""
    fmt = report.formats.get(name, "?")
    chrome = sum(1 for file, _, _ in report.chrome if file == name)
    problems = [p for p in report.problems if p.file == name and p.kind != "unaccounted"]
    parts = [f"read as {fmt}"]
    if chrome:
        parts.append(f"{chrome} line{'s' * (chrome != 1)} of page chrome skipped")
    if problems:
        first = problems[0]
        parts.append(f"line {first.line}: {first.message}")
    elif fmt in {"text", "hf-daily"}:
        parts.append("no title followed by an abstract")
    if fmt in {"text", "hf-daily"}:
        parts.append("if it is another format, say so with --input-format")
    return "; ".join(parts)


def read_papers(
    inputs: Sequence[str],
    input_format: str | None = None,
    stdin: BinaryIO | None = None,
) -> tuple[list[Paper], ParseReport]:
    report = ParseReport()
    return list(iter_papers(inputs, report, input_format, stdin)), report


def select_themes(themes: list[Theme], wanted: Sequence[str]) -> None:
    known = {t.id for t in themes}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"unknown theme {unknown[0]!r}; known themes: {', '.join(sorted(known))}")


def _load(rules: RuleOptions | None, themes: Sequence[str]) -> tuple[list[Theme], Profile | None]:
    """The themes and profile of a run, checking that every --theme names one of them."""
    rules = rules or RuleOptions()
    theme_rules = rules.load()
    select_themes(theme_rules, themes)
    return theme_rules, rules.load_profile(theme_rules)


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
    """The whole run in memory: every paper tagged together and ranked (eval, explain)."""
    theme_rules, profile = _load(rules, themes)
    papers, report = read_papers(inputs, input_format, stdin)
    merges: list[Merge] = []
    if dedup:
        papers, merges = deduplicate(papers)
    tagged = Engine(theme_rules).tag(papers)
    ranked = rank(tagged, themes, top, profile)
    return RunResult(ranked, report, merges, {"unique": len(papers)})


BATCH_SIZE = 1000
AUTO_JOBS = 4  # beyond this the main process (read, dedup, write) cannot keep workers busy


def auto_jobs(workers_render: bool) -> int:
    """Worker processes when --jobs is not given. Workers pay when they send back rendered
    text; tagged objects (for the library or a ranking) cost the main process about as much
    to receive as tagging them itself, so then it tags alone."""
    if not workers_render:
        return 1
    from papertriage.workers import available_cpus

    return min(available_cpus(), AUTO_JOBS)


SORTS = ("auto", "score", "input")


def stream(
    inputs: Sequence[Input],
    *,
    input_format: str | None = None,
    rules: RuleOptions | None = None,
    themes: Sequence[str] = (),
    top: int | None = None,
    dedup: bool = True,
    stdin: BinaryIO | None = None,
    sort: str = "auto",
    batch_size: int = BATCH_SIZE,
    on_batch: ProgressCallback | None = None,
    on_tagged: Callable[[list[TaggedPaper]], None] | None = None,
    jobs: int | None = 1,
    record: RecordRenderer | None = None,
) -> RunResult:
    """The ingest run for inputs of any size, in batches of `batch_size` papers.

    An input that fits in one batch (every daily listing) is tagged as a whole and ranked.
    A larger one is read, deduplicated, tagged and written batch by batch, so that memory
    stays bounded and output starts before the input ends: with sort "auto" or "input"
    its papers come in input order (rank null); "score" ranks it (holding every paper);
    `top` keeps only the best N, ranked. The TF-IDF idf is fitted on the first batch.

    With `jobs` > 1, the batches after the first are tagged by that many worker processes;
    None lets the run decide: workers (one per CPU, at most AUTO_JOBS) only where they pay,
    that is where they can render the papers themselves.
    `record` is the output format's per-paper renderer: when given (and nothing needs the
    tagged objects: no `on_tagged`, no ranking), workers render streamed papers themselves
    and the result yields `Rendered` texts.
    """
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    theme_rules, profile = _load(rules, themes)
    report = ParseReport()
    progress = Progress()
    papers = iter_papers(inputs, report, input_format, stdin, progress)
    deduplicator = Deduplicator() if dedup else None
    if deduplicator is not None:
        papers = (p for p in papers if deduplicator.is_new(p))
        # A library recorder (store.RunRecorder) then only matches the papers against the
        # library, instead of deduplicating the run a second time.
        recorder = getattr(on_tagged, "__self__", None)
        if hasattr(recorder, "deduplicated"):
            recorder.deduplicated = True
    engine = Engine(theme_rules, stream=True, evidence="assigned")
    first = list(itertools.islice(papers, batch_size + 1))
    merges = deduplicator.merges if deduplicator is not None else []

    def unique() -> dict[str, int]:
        count = len(deduplicator.kept) if deduplicator is not None else progress.papers
        return {"unique": count}

    def batches() -> Iterator[list[Paper]]:
        batch = first
        while batch:
            # From here on a later duplicate of these papers is reported, not merged into
            # them: they are being tagged and written.
            if deduplicator is not None:
                deduplicator.seal()
            yield batch
            batch = list(itertools.islice(papers, batch_size))

    def tagged_batches(scored: bool) -> Iterator[TaggedPaper | Rendered]:
        """Every paper, tagged; with `scored`, only those kept by --theme and the profile,
        with their relevance, rendered when workers can do it."""
        render = record if scored and on_tagged is None else None
        workers = jobs if jobs is not None else auto_jobs(render is not None)
        work = batches()
        for batch in itertools.islice(work, 1 if workers > 1 else None):
            yield from done(engine.tag(batch), scored)
        second = next(work, None) if workers > 1 else None
        if second is None:
            return
        from papertriage.workers import WorkerPool

        # The first batch fixed the idf: every worker gets the engine as it is now.
        with WorkerPool(workers, engine, themes, profile, render) as pool:
            for result in pool.map(itertools.chain([second], work)):
                if render is not None:
                    if on_batch is not None:
                        on_batch(progress)
                    yield from map(Rendered, result)
                else:
                    yield from done(result, scored)

    def done(tagged: list[TaggedPaper], scored: bool) -> Iterator[TaggedPaper]:
        if on_tagged is not None:  # every tagged paper, before --theme/--top (the library)
            on_tagged(tagged)
        if on_batch is not None:
            on_batch(progress)
        return score_papers(tagged, themes, profile) if scored else iter(tagged)

    if len(first) <= batch_size or sort == "score" or top is not None:
        ranked = rank(tagged_batches(scored=False), themes, top, profile)  # type: ignore[arg-type]
        return RunResult(ranked, report, merges, unique())
    extra: dict[str, int] = {}

    def streamed() -> Iterator[TaggedPaper | Rendered]:
        yield from tagged_batches(scored=True)
        extra.update(unique())

    return RunResult(streamed(), report, merges, extra)
