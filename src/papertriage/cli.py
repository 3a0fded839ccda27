"""The command line: thin typer commands over the library; errors mapped to exit codes."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from papertriage import __version__
from papertriage.errors import PapertriageError


class ExitStatus:
    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130
    TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process that SIGTERM ended


class Terminated(BaseException):
    """SIGTERM arrived (`timeout`, cron, systemd stopping a run): raised in the main thread
    and unwound like Ctrl-C, so that temp files are removed, the library transaction is
    rolled back and the workers are stopped. Not an Exception: nothing catches it by mistake.
    """


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"


class SortOrder(str, Enum):
    auto = "auto"
    score = "score"
    input = "input"
    relevance = "relevance"


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


app = typer.Typer(
    name="papertriage",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"papertriage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Triage paper listings: ingest, tag themes, rank, export.

    Example:

      papertriage ingest daily.txt --format jsonl | jq .title
    """


def rule_options(
    rules: list[Path] | None,
    no_default_rules: bool,
    disable: list[str] | None,
    profile: Path | None = None,
):
    """Merge the config file with the command line (the command line wins)."""
    from papertriage.config import load_config
    from papertriage.pipeline import RuleOptions

    config = load_config()
    return RuleOptions(
        directories=[*config.rules, *(rules or [])],
        use_defaults=config.default_rules and not no_default_rules,
        disable=[*config.disable, *(disable or [])],
        profile=profile or config.profile,
    )


class PipeClosed(PapertriageError):
    """The reader of stdout went away (`| head`): not an error."""

    exit_code = ExitStatus.OK


def command(group: typer.Typer, name: str | None = None):
    """Register a command whose writes to a closed pipe end the run quietly.

    typer turns a BrokenPipeError into exit status 1 by itself, so it is caught first.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except BrokenPipeError:
                raise PipeClosed("output pipe closed") from None

        group.command(name)(wrapper)
        return func

    return decorate


# A run shorter than this shows no progress bar: a bar that flashes for a second is noise.
PROGRESS_DELAY = 1.5


class _StopBeforeWrite:
    """sys.stdout while a progress bar may be on the terminal: the first write (or flush of
    written text) takes the bar off the screen first, so that no line of it is left between
    the output's lines. Everything else is the real stream's."""

    def __init__(self, stream, stop) -> None:
        self._stream = stream
        self._stop = stop

    def write(self, text: str) -> int:
        if text:
            self._stop()
        return self._stream.write(text)

    def writelines(self, lines) -> None:
        self._stop()
        self._stream.writelines(lines)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _stdout_is_pipe() -> bool:
    import stat

    try:
        return stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


@contextlib.contextmanager
def progress_bar(enabled: bool = True, delay: float | None = None, to_stdout: bool = True):
    """A transient progress bar on stderr for a run that lasts more than `delay` seconds.

    Only when stderr is a terminal, and not when stdout goes into a pipe (`| less` owns the
    screen). The bar is taken off the screen before the first byte of output is written, so
    the output starts on a clean line. Yields the callback the pipeline calls after each
    batch (None when there is no bar).
    """
    if (
        not enabled
        or not sys.stderr.isatty()
        or os.environ.get("TERM") == "dumb"
        or (to_stdout and _stdout_is_pipe())
    ):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=sys.stderr)
    bar = Progress(
        TextColumn("{task.fields[papers]:>9,} papers"),
        BarColumn(),
        TextColumn("{task.fields[rate]:>8,.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # the output is held back by _StopBeforeWrite instead
    )
    task = bar.add_task("ingest", total=None, papers=0, rate=0.0)
    if delay is None:
        # PAPERTRIAGE_PROGRESS_DELAY (seconds) is for tests that need the bar on a short run.
        try:
            delay = float(os.environ.get("PAPERTRIAGE_PROGRESS_DELAY", PROGRESS_DELAY))
        except ValueError:
            delay = PROGRESS_DELAY
    started = time.monotonic()
    state = {"shown": False, "done": False}

    def stop() -> None:
        if state["shown"] and not state["done"]:
            bar.stop()
        state["done"] = True

    def update(progress) -> None:
        if state["done"]:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        bar.update(
            task,
            total=progress.bytes_total,
            completed=progress.bytes_read,
            papers=progress.papers,
            rate=progress.papers / elapsed,
        )
        if not state["shown"] and elapsed >= delay:
            state["shown"] = True
            bar.start()

    stdout = sys.stdout
    sys.stdout = _StopBeforeWrite(stdout, stop)
    try:
        yield update
    finally:
        sys.stdout = stdout
        stop()


def warn(message: str) -> None:
    """One diagnostic line on stderr; control characters in it (from a title, a file name)
    are shown as escapes, never sent to the terminal."""
    from papertriage.terminal import visible

    print(f"papertriage: {visible(message, newlines=True)}", file=sys.stderr)


def _report_problems(problems: list, quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    for problem in problems[:limit]:
        warn(f"warning: {problem}")
    if len(problems) > limit:
        warn(f"warning: ... and {len(problems) - limit} more problems (see --format json)")


InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="Listing files to read; '-' reads standard input.",
        show_default=False,
        metavar="FILE",
    ),
]
RulesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="Directory of rule files: new themes are added, known ids overridden (repeatable).",
    ),
]
NoDefaultsOpt = Annotated[
    bool, typer.Option("--no-default-rules", help="Use only the rules from --rules / config.")
]
DisableOpt = Annotated[
    list[str] | None, typer.Option("--disable", help="Leave out this theme (repeatable).")
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option("--profile", "-p", help="Interest profile (YAML) that ranks the papers."),
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help="Force the input format (default: detected)."),
]


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Tune the cyclic garbage collector for a run that allocates millions of small objects.

    Tagging makes no reference cycles, yet the collector would scan young objects every 700
    allocations and, now and then, every object the process holds (rules, dedup keys): a
    quarter of a large run's time. Objects that live for the whole run are frozen out of its
    scans and young ones are scanned far less often; cycles are still collected.
    """
    import gc

    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutputFileOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout."),
]
IngestThemeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--theme",
        "-t",
        help="Keep papers with this theme (repeatable), ranked by their score on it "
        "(theme_score); score stays the overall relevance.",
    ),
]
TopOpt = Annotated[int | None, typer.Option("--top", "-n", min=1, help="Keep the N best papers.")]
NoDedupOpt = Annotated[bool, typer.Option("--no-dedup", help="Keep duplicate papers.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Do not print input problems on stderr.")
]
ReportOpt = Annotated[
    bool,
    typer.Option(
        "--report",
        help="Print on stderr what each input gave: records, chrome lines, problems, merges.",
    ),
]
SortOpt = Annotated[
    SortOrder,
    typer.Option(
        "--sort",
        help="score: rank every paper; input: keep input order and stream; auto: rank "
        "inputs of up to --batch-size papers, stream larger ones; relevance: the papers you "
        "have not labelled, by the model of your labels (papertriage label).",
    ),
]
BatchSizeOpt = Annotated[
    int,
    typer.Option("--batch-size", min=1, help="Papers tagged together in a large input."),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        show_default="auto",
        help="Worker processes that tag a large input after its first batch (0: one per "
        "CPU; 1: none). By default: one per CPU, at most 4, for json/jsonl/csv output "
        "with --no-store, where workers pay; none otherwise.",
    ),
]
NoStoreOpt = Annotated[
    bool, typer.Option("--no-store", help="Do not save the papers in the library.")
]
LibraryDbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="PATH",
        help="Library file (default: $PAPERTRIAGE_HOME/library.db, else "
        "$XDG_DATA_HOME/papertriage/library.db).",
    ),
]


@command(app)
def ingest(
    inputs: InputsArg,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputFileOpt = None,
    theme: IngestThemeOpt = None,
    top: TopOpt = None,
    profile: ProfileOpt = None,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    input_format: InputFormatOpt = None,
    no_dedup: NoDedupOpt = False,
    quiet: QuietOpt = False,
    report: ReportOpt = False,
    sort: SortOpt = SortOrder.auto,
    batch_size: BatchSizeOpt = 1000,
    jobs: JobsOpt = None,
    no_store: NoStoreOpt = False,
    db: LibraryDbOpt = None,
) -> None:
    """Read listings, tag every paper with themes and print them ranked.

    A listing of up to --batch-size papers is ranked as a whole. A larger input is read,
    tagged and written batch by batch with bounded memory, in input order (rank null) unless
    --sort score or --top is given.

    Examples:

      papertriage ingest daily.txt

      papertriage ingest - --format jsonl < daily.txt | jq -r .title

      papertriage ingest daily.txt --theme agents --top 10 -f csv -o triage.csv

      papertriage ingest daily.txt --profile examples/profile.yaml --top 20
    """
    run_ingest(**locals())


def run_ingest(
    inputs: list,
    *,
    names: list[str] | None = None,
    fmt: OutputFormat = OutputFormat.table,
    output: str | None = None,
    theme: list[str] | None = None,
    top: int | None = None,
    profile: Path | None = None,
    rules: list[Path] | None = None,
    no_default_rules: bool = False,
    disable: list[str] | None = None,
    input_format: str | None = None,
    no_dedup: bool = False,
    quiet: bool = False,
    report: bool = False,
    sort: SortOrder = SortOrder.auto,
    batch_size: int = 1000,
    jobs: int | None = None,
    no_store: bool = False,
    db: Path | None = None,
) -> None:
    """The ingest run, shared by `ingest` and `fetch`: rules, library recording, the
    pipeline, output, the library line and the problems. `inputs` are file names or
    documents in memory (fetched); `names` are what the library records as the run's inputs
    (default: `inputs`)."""
    from contextlib import nullcontext

    from papertriage.formats import record_renderer, write_output
    from papertriage.pipeline import stream
    from papertriage.workers import available_cpus

    options = rule_options(rules, no_default_rules, disable, profile)
    by_relevance = sort is SortOrder.relevance
    if by_relevance:  # the model of the library's labels, before anything is read
        from papertriage.relevance import Labelled, library_model
        from papertriage.store import Library

        with Library.open(db, create=False, write=False) as library:
            model, labelled = library_model(library), Labelled.of(library)
    if no_store:
        recording = nullcontext(None)
    else:
        from papertriage.store import recording

        # The library keeps the themes of the configured rules (config file and defaults):
        # a run that changes them on the command line is an experiment, and leaves the
        # library's tags as they were (its papers are stored, scored by the configured rules).
        experiment = bool(rules or no_default_rules or disable)
        library_themes = rule_options(None, False, None).load() if experiment else None
        recording = recording(names or inputs, options.load(), db, library_themes)
    bar = progress_bar(enabled=not quiet, to_stdout=output in (None, "-"))
    with _fewer_collections(), bar as on_batch, recording as recorder:
        result = stream(
            inputs,
            input_format=input_format,
            rules=options,
            themes=theme or [],
            top=None if by_relevance else top,
            dedup=not no_dedup,
            sort="score" if by_relevance else sort.value,
            batch_size=batch_size,
            on_batch=on_batch,
            on_tagged=recorder.add if recorder is not None else None,
            jobs=available_cpus() if jobs == 0 else jobs,
            record=record_renderer(fmt.value),
        )
        if by_relevance:
            from papertriage.relevance import rank_by_relevance

            result.papers = rank_by_relevance(result.papers, model, labelled, top)
        pipe_closed = False
        try:
            write_output(result, fmt.value, output)
        except BrokenPipeError:
            # `| head` stopped reading. A ranked run had read and tagged everything before
            # writing, so it is still stored; a streamed one is not complete: roll it back.
            if result.streamed:
                raise
            pipe_closed = True
        if recorder is not None:
            recorder.stats = result.stats()
    if pipe_closed:
        raise BrokenPipeError
    # The library line is said on a terminal or with --report: a cron job that went well
    # stays silent.
    if (
        recorder is not None
        and recorder.summary is not None
        and (report or (sys.stderr.isatty() and not quiet))
    ):
        warn(recorder.summary.line())
    # Problems and merges are complete once every paper has been written.
    if report:
        from papertriage.accounting import render_report

        sys.stderr.write(render_report(result))
    else:
        _report_problems(result.report.problems, quiet)


@command(app, "eval")
def eval_command(
    inputs: InputsArg,
    gold: Annotated[
        Path, typer.Option("--gold", "-g", help="JSON Lines of {title or id, themes}.")
    ],
    fmt: Annotated[
        EvalFormat, typer.Option("--format", "-f", help="Output format.")
    ] = EvalFormat.table,
    min_f1: Annotated[
        float | None,
        typer.Option("--min-f1", min=0.0, max=1.0, help="Exit 1 when micro-F1 is below this."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            metavar="NAME",
            help="Score only the gold records of this split (e.g. tune or test).",
        ),
    ] = None,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Compare the themes assigned to the papers of FILE with hand labels in --gold.

    Prints precision, recall and F1 per theme, micro and macro averages, and the most
    frequent false positives and misses per theme. The gold file has one JSON object a
    line: {"title": "...", "themes": ["agents", ...]} (or "id" instead of "title"), and
    optionally "split": "tune" or "test". With splits, each is scored on its own (the
    error lists are shown for tune only: test is for measuring, not for choosing terms).
    A theme the gold never gives is named in a warning and left out of the macro mean.

    Examples:

      papertriage eval --gold labels.jsonl daily.txt

      papertriage eval --gold labels.jsonl daily.txt --min-f1 0.8 --format json

      papertriage eval --gold benchmarks/gold/labels.jsonl pool.jsonl --split test
    """
    import json

    from papertriage.evaluate import evaluate, evaluate_splits, load_gold, splits
    from papertriage.pipeline import run

    gold_records = load_gold(str(gold))
    if split is not None:
        known = splits(gold_records)
        if split not in known:
            raise PapertriageError(
                f"{gold}: no gold record has split {split!r}"
                + (f" (splits: {', '.join(known)})" if known else " (the file has no splits)")
            )
        gold_records = [g for g in gold_records if g.split == split]
    options = rule_options(rules, no_default_rules, disable)
    result = run(inputs, input_format=input_format, rules=options)
    theme_ids = sorted({s for p in result.papers for s in p.scores})
    outcome = evaluate(result.papers, gold_records, theme_ids)
    by_split = {} if split is not None else evaluate_splits(result.papers, gold_records, theme_ids)
    if outcome.unlabelled:
        warn(
            f"warning: the gold has no paper with theme {', '.join(outcome.unlabelled)}; "
            "left out of the macro mean"
        )
    if outcome.unmatched_gold:
        first = outcome.unmatched_gold[0]
        warn(
            f"warning: {len(outcome.unmatched_gold)} gold records match no paper "
            f"(first: {gold}:{first.line} {first.title or first.id!r})"
        )
    if fmt is EvalFormat.json:
        data = outcome.to_dict()
        if by_split:
            data["splits"] = {name: r.to_dict() for name, r in by_split.items()}
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif by_split:
        for name, part in by_split.items():
            _print_eval_table(part, title=f"split {name}", errors=name != "test")
        _print_eval_table(outcome, title="all", errors=False)
    else:
        _print_eval_table(outcome, errors=split != "test")
    micro_f1 = outcome.micro.f1
    if min_f1 is not None and micro_f1 < min_f1:
        raise PapertriageError(f"micro-F1 {micro_f1:.3f} is below --min-f1 {min_f1:.3f}")


def _print_eval_table(outcome, title: str | None = None, errors: bool = True) -> None:
    from rich import box
    from rich.table import Table

    from papertriage.charts import bar
    from papertriage.formats.table import make_console, print_trimmed
    from papertriage.terminal import visible

    console = make_console(sys.stdout)
    # On a terminal each theme's F1 gets a bar (0 to 1); piped, the columns stay plain data.
    bars = console.is_terminal
    if title:
        console.print(f"{title}: {outcome.matched} papers", markup=False)
    table = Table(box=box.SIMPLE_HEAD if console.is_terminal else None, show_edge=False)
    for column in ("theme", "tp", "fp", "fn", "precision", "recall", "f1"):
        table.add_column(column, justify="left" if column == "theme" else "right", no_wrap=True)
    if bars:
        table.add_column("", width=12, no_wrap=True)
    for theme, c in sorted(outcome.per_theme.items()):
        if not c.tp + c.fp + c.fn:
            continue
        table.add_row(
            theme,
            str(c.tp),
            str(c.fp),
            str(c.fn),
            f"{c.precision:.3f}",
            f"{c.recall:.3f}",
            f"{c.f1:.3f}",
            *([bar(c.f1, 1.0, 12)] if bars else []),
        )
    micro, macro = outcome.micro, outcome.macro
    table.add_section()
    table.add_row(
        "micro",
        str(micro.tp),
        str(micro.fp),
        str(micro.fn),
        f"{micro.precision:.3f}",
        f"{micro.recall:.3f}",
        f"{micro.f1:.3f}",
        *([bar(micro.f1, 1.0, 12)] if bars else []),
    )
    table.add_row(
        "macro",
        "",
        "",
        "",
        f"{macro['precision']:.3f}",
        f"{macro['recall']:.3f}",
        f"{macro['f1']:.3f}",
        *([bar(macro["f1"], 1.0, 12)] if bars else []),
    )
    print_trimmed(console, table)
    console.print(f"{outcome.matched} papers evaluated")
    console.print()
    if not errors:
        return
    console.print(
        "Most frequent errors per theme (FP: tagged but not in gold; miss: in gold only):"
    )
    for theme, c in sorted(outcome.per_theme.items(), key=lambda x: -(x[1].fp + x[1].fn)):
        if not c.fp + c.fn:
            continue
        console.print(f"  {theme}: {c.fp} FP, {c.fn} missed")
        for title in c.false_positives[:3]:
            console.print(f"    FP   {visible(title)}", markup=False)
        for title in c.misses[:3]:
            console.print(f"    miss {visible(title)}", markup=False)


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"


@command(app)
def explain(
    query: Annotated[str, typer.Argument(help="A paper id, arXiv id, or part of a title.")],
    inputs: InputsArg,
    theme: Annotated[
        list[str] | None,
        typer.Option("--theme", "-t", metavar="ID", help="Only this theme (repeatable)."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--all", "-a", help="Every theme of every paper found, with its evidence."),
    ] = False,
    relevance: Annotated[
        bool,
        typer.Option(
            "--relevance",
            help="Also the paper's relevance for the model of your labels in the library, "
            "and the terms that drove it.",
        ),
    ] = False,
    fmt: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExplainFormat.text,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    input_format: InputFormatOpt = None,
    db: LibraryDbOpt = None,
) -> None:
    """Show why a paper got (or did not get) its themes.

    QUERY names a paper, not a theme: its id, its arXiv id or part of its title. For each
    theme: assigned or not, the evidence on the scale of the rule's threshold (the YAML
    value: "not assigned  0.50 < 0.80 needed"), each keyword that matched (in title or
    abstract, with its weight and points), negative evidence, and the TF-IDF similarity with
    the terms that contributed most. One paper found: every theme. Several: each paper's
    assigned themes and its closest misses (--all for everything). --theme ID: that theme.

    Examples:

      papertriage explain "continual pre-training" daily.txt

      papertriage explain 2407.01234 daily.txt --theme agents

      papertriage explain 2407.01234 daily.txt --format json | jq '.[0].themes[0]'

      papertriage explain 2407.01234 daily.txt --relevance
    """
    import json

    from papertriage.explain import explanation, find, render_compact, render_text
    from papertriage.pipeline import run

    options = rule_options(rules, no_default_rules, disable)
    result = run(inputs, input_format=input_format, rules=options)
    found = find(result.papers, query)
    if not found:
        raise PapertriageError(f"no paper matches {query!r} (give an id or part of a title)")
    if theme:
        known = {t for p in found for t in p.scores}
        unknown = [t for t in theme if t not in known]
        if unknown:
            raise PapertriageError(
                f"unknown theme {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
    model = None
    if relevance:
        from papertriage.relevance import library_model
        from papertriage.store import Library

        with Library.open(db, create=False, write=False) as library:
            model = library_model(library)
    if fmt is ExplainFormat.json:
        data = [explanation(p, theme) for p in found]
        if model is not None:
            for item, paper in zip(data, found):
                item["relevance"] = {
                    "score": round(model.score(paper.paper), 4),
                    "model": model.describe(),
                    "terms": [
                        {"term": t, "contribution": round(c, 4)}
                        for t, c in model.top_terms(paper.paper)
                    ],
                }
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    if theme or full or len(found) == 1:
        texts = [render_text(p, theme) for p in found]
    else:
        texts = [render_compact(p) for p in found]
    if model is not None:
        texts = [text + _relevance_lines(model, p) for text, p in zip(texts, found)]
    sys.stdout.write("\n".join(texts))
    if len(found) > 1 and not theme and not full:
        warn(
            f"{len(found)} papers match {query!r}: their assigned themes and closest misses; "
            "--theme ID or --all for the rest"
        )


def _relevance_lines(model, paper) -> str:  # noqa: ANN001
    """explain --relevance: the paper's relevance and the terms that moved it most."""
    from papertriage.terminal import visible

    value = model.score(paper.paper)
    side = "relevant" if value >= 0.5 else "irrelevant"
    lines = [f"relevance {value:.2f} ({side} side; model {model.describe()})"]
    for term, contribution in model.top_terms(paper.paper):
        sign = "+" if contribution > 0 else "-"
        lines.append(f"    {sign} {visible(term)!r}: {contribution:+.3f}")
    return "\n".join(lines) + "\n"


rules_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


@rules_app.callback()
def _rules() -> None:
    """List, show, validate and test theme rules.

    Example:

      papertriage rules validate ~/my-rules && papertriage rules test ~/my-rules
    """


@command(rules_app, "list")
def rules_list(
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
) -> None:
    """List the themes in use: id, name, keyword count, threshold and source files.

    Example:

      papertriage rules list --rules ~/my-rules
    """
    themes = rule_options(rules, no_default_rules, disable).load()
    for theme in themes:
        sources = " + ".join(theme.sources)
        print(
            f"{theme.id:<24} {theme.name:<32} {len(theme.keywords):>3} keywords  "
            f"threshold {theme.threshold:.2f}  {sources}"
        )


@command(rules_app, "show")
def rules_show(
    theme_id: Annotated[str, typer.Argument(help="Theme id.", metavar="ID")],
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
) -> None:
    """Show one theme in full: description, keywords with weights, negatives, prototype.

    Example:

      papertriage rules show agents
    """
    themes = {t.id: t for t in rule_options(rules, no_default_rules, None).load()}
    theme = themes.get(theme_id)
    if theme is None:
        raise PapertriageError(f"unknown theme {theme_id!r}; known: {', '.join(sorted(themes))}")
    print(f"{theme.id}: {theme.name}")
    print(f"from: {' + '.join(theme.sources)}")
    print(f"threshold: {theme.threshold} ({theme.evidence_threshold:.2f} points)")
    print(f"similarity_weight: {theme.similarity_weight}")
    print(f"description: {theme.description}")
    for label, terms in (
        ("keywords", theme.keywords),
        ("negative", theme.negative),
        ("patterns", theme.patterns),
    ):
        if terms:
            print(f"{label}:")
            for term in sorted(terms, key=lambda t: (-t.weight, t.text.lower())):
                case = "  (case-sensitive)" if term.case_sensitive else ""
                needs = (
                    f"  requires one of: {', '.join(term.requires_text)}"
                    if term.requires_text
                    else ""
                )
                print(f"  {term.weight:>4g}  {term.text}{case}{needs}")
    print(f"prototype: {theme.prototype}")
    for label, texts in (
        ("positive examples", theme.examples_positive),
        ("negative examples", theme.examples_negative),
    ):
        if texts:
            print(f"{label}:")
            for text in texts:
                print(f"  - {text}")


@command(rules_app, "validate")
def rules_validate(
    directory: Annotated[
        Path | None, typer.Argument(help="Rules directory (default: the rules in use).")
    ] = None,
) -> None:
    """Check rule files and report every problem with file:line and what to write instead.

    A DIR is checked on top of the defaults: a file named like a default theme is an
    override and needs only the keys it changes.

    Example:

      papertriage rules validate ~/my-rules
    """
    from papertriage.rules import collect_rules

    if directory is None:
        options = rule_options(None, False, None)
        ruleset = collect_rules(options.directories, options.use_defaults, options.disable)
    else:
        ruleset = collect_rules([directory])
    from papertriage.terminal import visible

    for problem in ruleset.problems:
        print(visible(problem), file=sys.stderr)
    if ruleset.problems:
        count = len(ruleset.problems)
        raise PapertriageError(f"{count} problem{'s' if count > 1 else ''} in the rules")
    print(f"ok: {len(ruleset.themes)} themes valid", file=sys.stderr)


@command(rules_app, "test")
def rules_test(
    directory: Annotated[
        Path | None, typer.Argument(help="Rules directory (default: the rules in use).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing examples too.")
    ] = False,
) -> None:
    """Run every rule's examples: positives must get the theme, negatives must not.

    Exits 1 naming each example that fails.

    Example:

      papertriage rules test ~/my-rules
    """
    from papertriage.rules import load_rules
    from papertriage.ruletest import run_examples

    if directory is None:
        themes = rule_options(None, False, None).load()
    else:
        themes = load_rules([directory])
    results = run_examples(themes)
    failures = [r for r in results if not r.passed]
    for result in results:
        if not result.passed:
            print(f"FAIL {result.describe()}")
        elif verbose:
            print(f"ok   {result.describe()}")
    missing = [t.id for t in themes if not t.examples_positive or not t.examples_negative]
    for theme_id in missing:
        print(f"FAIL {theme_id}: needs at least one positive and one negative example")
    print(f"{len(results) - len(failures)} passed, {len(failures) + len(missing)} failed")
    if failures or missing:
        raise PapertriageError(f"{len(failures) + len(missing)} rule examples failed")


def _gold_pairs(golds: list[Path], inputs: list[str], split: str | None, options, input_format):  # noqa: ANN001, ANN202, E501
    """Rules, and the papers of INPUTS matched with the gold records to learn from.

    Several gold files are pooled (say, a labelled corpus and a labelled page of another
    source, so that what is learned holds on both). From a split gold file only the tune
    records are used unless --split names another; the test split is refused: it is for
    measuring, never for choosing terms or thresholds.
    """
    from papertriage.evaluate import load_gold, match_gold, splits
    from papertriage.pipeline import run

    if split == "test":
        raise PapertriageError(
            "the test split is for measuring (papertriage eval); learn and calibrate on tune"
        )
    records = []
    names = []
    for gold in golds:
        these = load_gold(str(gold))
        known = splits(these)
        wanted = split if split is not None else ("tune" if "tune" in known else None)
        if wanted is not None:
            if wanted not in known:
                raise PapertriageError(f"{gold}: no gold record has split {wanted!r}")
            these = [r for r in these if r.split == wanted]
        records.extend(these)
        names.append(gold.name + (f" split {wanted}" if wanted else ""))
    themes = options.load()
    result = run(inputs, input_format=input_format, rules=options)
    pairs, unmatched = match_gold(result.papers, records)
    if unmatched:
        warn(f"warning: {len(unmatched)} gold records match no paper of the inputs")
    if not pairs:
        raise PapertriageError("no gold record matches a paper of the inputs")
    return themes, pairs, f"{' + '.join(names)} ({len(pairs)} papers)"


def _propose(
    kind: str, gold, inputs, theme_ids, split, write, rules, no_default_rules, disable, input_format
) -> None:  # noqa: ANN001, E501
    from papertriage.learn import propose_threshold, propose_weights

    options = rule_options(rules, no_default_rules, disable)
    themes, pairs, gold_name = _gold_pairs(gold, inputs, split, options, input_format)
    known = {t.id for t in themes}
    for theme_id in theme_ids or []:
        if theme_id not in known:
            raise PapertriageError(f"unknown theme {theme_id!r}; known: {', '.join(sorted(known))}")
    chosen = [t for t in themes if not theme_ids or t.id in theme_ids]
    write_dir = rules[-1] if rules else None
    propose = propose_weights if kind == "learn" else propose_threshold
    changes = []
    for theme in chosen:
        try:
            change = propose(theme, pairs, gold_name, write_dir)
        except ValueError as exc:
            if write:
                raise PapertriageError(str(exc)) from None
            warn(f"warning: {exc}")
            continue
        changes.append(change)
        warn(change.summary)
        sys.stdout.write(change.diff())
    if write:
        import os
        import tempfile

        from papertriage.learn import is_default_file
        from papertriage.rules import read_rule_file

        # Every proposal is validated before any file is replaced: all or nothing.
        with tempfile.TemporaryDirectory() as scratch:
            for change in changes:
                if is_default_file(change.path):
                    raise PapertriageError(
                        f"{change.theme}: its rules are the defaults installed with "
                        "papertriage; give --rules DIR to say where the new rule file goes"
                    )
                trial = Path(scratch) / change.path.name
                trial.write_text(change.new, encoding="utf-8")
                _, problems = read_rule_file(trial)
                if problems:
                    raise PapertriageError(
                        f"{change.path}: proposal does not validate: {problems[0]}"
                    )
        for change in changes:
            change.path.parent.mkdir(parents=True, exist_ok=True)
            partial = change.path.with_name(f".{change.path.name}.partial")
            partial.write_text(change.new, encoding="utf-8")
            os.replace(partial, change.path)
        warn(f"wrote {len(changes)} rule file{'s' * (len(changes) != 1)}")


GoldOpt = Annotated[
    list[Path],
    typer.Option(
        "--gold",
        "-g",
        metavar="FILE",
        help="JSON Lines of {id or title, themes[, split]} (repeatable: pooled).",
    ),
]
LearnThemeOpt = Annotated[
    list[str] | None,
    typer.Option("--theme", "-t", metavar="ID", help="Only this theme (repeatable)."),
]
LearnSplitOpt = Annotated[
    str | None,
    typer.Option(
        "--split", metavar="NAME", help="Gold split to learn from (default: tune, if any)."
    ),
]
WriteOpt = Annotated[
    bool,
    typer.Option("--write", help="Write the proposals into the rule files (else show diffs)."),
]


@command(rules_app, "learn")
def rules_learn(
    inputs: InputsArg,
    gold: GoldOpt,
    theme: LearnThemeOpt = None,
    split: LearnSplitOpt = None,
    write: WriteOpt = False,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Propose keyword weights learned from labelled papers, as a diff of the rule files.

    Per theme: an L1-regularised logistic regression over the engine's own keyword
    features (the theme's terms and 1-3 word n-grams common among its labelled papers)
    and its TF-IDF similarity, strength chosen by 5-fold cross-validation; the threshold
    is the one with the best cross-validated F1. Prints the diff on stdout and, on stderr,
    F1 now and F1 estimated by cross-validation. Review it; --write applies it (to the
    theme's file in --rules DIR; a default theme gets a new file there).

    Examples:

      papertriage rules learn --gold labels.jsonl pool.jsonl --theme agents

      papertriage rules learn --gold labels.jsonl pool.jsonl --rules ~/my-rules --write
    """
    _propose(
        "learn", gold, inputs, theme, split, write, rules, no_default_rules, disable, input_format
    )


@command(rules_app, "calibrate")
def rules_calibrate(
    inputs: InputsArg,
    gold: GoldOpt,
    theme: LearnThemeOpt = None,
    split: LearnSplitOpt = None,
    write: WriteOpt = False,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Choose each theme's threshold to maximise F1 on labelled papers.

    Only the threshold changes; the figures it was chosen from (papers, positives, F1,
    precision, recall) are written beside it, under `calibration:`. Prints the diff;
    --write applies it.

    Example:

      papertriage rules calibrate --gold labels.jsonl pool.jsonl --rules ~/my-rules --write
    """
    _propose(
        "calibrate",
        gold,
        inputs,
        theme,
        split,
        write,
        rules,
        no_default_rules,
        disable,
        input_format,
    )


# --- help and usage errors ---------------------------------------------------------------

# Placeholders for option values, as words (typer would show Python types: <list[str]>).
# Options not named here get one from their type (N, NUMBER, PATH) or their name.
METAVARS = {
    "--format": "FORMAT",
    "--output": "FILE",
    "--theme": "ID",
    "--disable": "ID",
    "--top": "N",
    "--rules": "DIR",
    "--profile": "FILE",
    "--input-format": "FORMAT",
    "--sort": "ORDER",
    "--batch-size": "N",
    "--jobs": "N",
    "--db": "PATH",
    "--gold": "FILE",
    "--min-f1": "F1",
    "--split": "NAME",
    "--width": "N",
    "--since": "WHEN",
    "--limit": "N",
}


def _choices(param) -> tuple[str, ...] | None:  # noqa: ANN001
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) if descriptor is not None else None
    if choices is None:
        choices = getattr(getattr(param, "type", None), "choices", None)
    if not choices:
        return None
    return tuple(getattr(c, "value", c) for c in choices)


def _type_metavar(param) -> str:  # noqa: ANN001
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    import typing

    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) is list:
        annotation = args[0]
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    if annotation is Path:
        return "PATH"
    long_names = [o for o in param.opts if o.startswith("--")] or param.opts
    return long_names[0].lstrip("-").upper().replace("-", "_")


def _help_paragraphs(text: str) -> str:
    """Help text with every indented paragraph (an example command) kept as written:
    click rewraps paragraphs to the terminal's width and would break a command in two
    where copy and paste needs it whole; a paragraph that starts with \b is left alone."""
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        if lines and all(line.startswith((" ", "\t")) for line in lines):
            paragraph = "\b\n" + paragraph
        kept.append(paragraph)
    return "\n\n".join(kept)


def _word_argument(param) -> None:  # noqa: ANN001
    """FILE... in the usage line and the Arguments section, instead of {FILE}... and
    FILE <list[str]> (typer's display of the Python type)."""
    name = param.metavar or param.name.upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    param.metavar = name
    if hasattr(param, "display_type_rich"):
        param.display_type_rich = lambda ctx: None
    if hasattr(param, "_usage_display_name"):
        param._usage_display_name = lambda: name if param.required else f"[{name}]"
    if hasattr(param, "_rich_display_name"):
        param._rich_display_name = lambda: name


def polish_help(command) -> None:  # noqa: ANN001
    """Make the help of `command` and its subcommands read as words: metavars (FILE..., DIR,
    FORMAT, N, ID), the choices of a choice option in its help, examples kept whole, and a
    whole first sentence as the summary in the command list (click cuts it at 45 characters
    with '...')."""
    if command.help:
        command.help = _help_paragraphs(command.help)
        if not command.short_help:
            first = command.help.split("\n\n")[0]
            command.short_help = " ".join(first.split())
    for param in command.params:
        if getattr(param, "param_type_name", "") == "argument":
            _word_argument(param)
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        if param.metavar is None:
            long_names = [o for o in param.opts if o.startswith("--")]
            wanted = METAVARS.get(long_names[0]) if long_names else None
            param.metavar = wanted or _type_metavar(param)
        choices = _choices(param)
        if choices and param.help and not all(c in param.help for c in choices):
            param.help = f"{param.help.rstrip('.')}: {', '.join(choices)}."
    for sub in getattr(command, "commands", {}).values():
        polish_help(sub)


_PYDANTIC_PREFIX = ("Value error, ", "Assertion failed, ")


def _bad_value(exc) -> str:  # noqa: ANN001
    """What is wrong with the value of a BadParameter, in words."""
    message = str(getattr(exc, "message", exc)).strip()
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError):
            first = None
        if first:
            kind = first.get("type", "")
            value = first.get("input")
            limits = first.get("ctx") or {}
            if kind == "int_parsing":
                return f"{value!r} is not a whole number"
            if kind == "float_parsing":
                return f"{value!r} is not a number"
            for key, words in (
                ("ge", "at least"),
                ("gt", "more than"),
                ("le", "at most"),
                ("lt", "less than"),
            ):
                if key in limits:
                    return f"{value} is out of range: it must be {words} {limits[key]}"
            message = first.get("msg", message)
    for prefix in _PYDANTIC_PREFIX:
        if message.startswith(prefix):
            message = message[len(prefix) :]
    # "'xlsx' is not one of 'table', 'json'." -> "'xlsx' is not one of table, json"
    head, sep, tail = message.partition(" is not one of ")
    if sep:
        choices = [c.strip().strip("'\"") for c in tail.rstrip(".").split(",")]
        message = f"{head}{sep}{', '.join(choices)}"
    return message.rstrip(".")


def usage_error_line(exc) -> str:  # noqa: ANN001
    """One line for a usage error: what option or argument, what is wrong, where help is."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        if getattr(param, "param_type_name", "") == "argument" or not opts:
            where = (param.metavar or param.name.upper()).rstrip(".")
        else:
            where = opts[0]
    else:
        where = None
    if kind == "MissingParameter":
        text = f"missing {where}" if where else "missing " + exc.format_message()
    elif kind == "NoSuchOption":
        text = f"no such option: {exc.option_name}"
        possible = sorted(getattr(exc, "possibilities", None) or [])
        if possible:
            text += f" (did you mean {' or '.join(possible)}?)"
    elif kind == "BadParameter" and where:
        text = f"{where}: {_bad_value(exc)}"
    else:
        text = str(getattr(exc, "message", exc)).rstrip(".")
        text = text[:1].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return text


def _system_error(exc: BaseException) -> str | None:
    """The one-line message for an OS or SQLite error (a full disk, a read-only file, a
    damaged library), or None for any other exception."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return f"{exc.filename}: {reason}" if exc.filename else reason
    if type(exc).__module__ == "sqlite3":  # sqlite3.Error, without importing sqlite3 here
        from papertriage.store import library_error_message

        return library_error_message(exc)
    return None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exit codes 0 ok, 1 bad input or failure, 2 usage, 130 Ctrl-C,
    143 SIGTERM."""
    import signal
    import warnings

    command = typer.main.get_command(app)
    polish_help(command)
    show_warning = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        # A rule that misbehaves during a run is one warning line, not Python's format.
        if type(category) is type and category.__name__ == "RuleWarning":
            warn(f"warning: {message}")
        else:
            show_warning(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave SIGTERM as it is
        previous = None
    try:
        result = command.main(args=argv, prog_name="papertriage", standalone_mode=False)
        # typer returns the code of an Exit (--help, --version, Ctrl-C) instead of raising.
        code = result if isinstance(result, int) else ExitStatus.OK
        if code == ExitStatus.INTERRUPTED:
            warn("interrupted")
        # What print() left in the buffer is written now, where a failure can be reported.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise PipeClosed("output pipe closed") from None
        except OSError as exc:
            raise PapertriageError(
                f"cannot write to standard output: {exc.strerror or exc}"
            ) from None
    except KeyboardInterrupt:
        warn("interrupted")
        code = ExitStatus.INTERRUPTED
    except Terminated:
        warn("terminated")
        code = ExitStatus.TERMINATED
    except (PipeClosed, BrokenPipeError):
        # `| head` closed the pipe: stop quietly, and keep Python from complaining at exit.
        _silence_stdout()
        code = ExitStatus.OK
    except PapertriageError as exc:
        warn(f"error: {exc}")
        code = exc.exit_code
    except Exception as exc:
        # click's exceptions, from whichever copy of click typer uses (recent typer
        # releases vendor their own): usage errors carry exit code 2 and know how to show.
        message = _system_error(exc)
        if message is not None:
            warn(f"error: {message}")
            code = ExitStatus.ERROR
        elif type(exc).__name__ == "Abort":
            warn("interrupted")
            code = ExitStatus.INTERRUPTED
        elif type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
            code = exc.exit_code
        elif hasattr(exc, "show") and getattr(exc, "exit_code", None) == ExitStatus.USAGE:
            warn(f"error: {usage_error_line(exc)}")
            code = ExitStatus.USAGE
        elif hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            code = exc.exit_code
        else:
            raise
    finally:
        warnings.showwarning = show_warning
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if code != ExitStatus.OK:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            # Output that could not be written stays unwritten: no second error at exit.
            _silence_stdout()
    workers = sys.modules.get("papertriage.workers")
    if workers is not None and workers.abandoned:
        # An interrupted run's worker pool: its files are closed and its transaction
        # rolled back by now; only Python's exit would wait, for a thread that never ends.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


# Commands that live in their own modules register themselves on `app` when imported: the
# library (list, show, search, stats, retag, digest, db), fetch (arxiv, hf-daily; HTTP in
# fetch.py), label and simulate (relevance.py learns from the reader's labels).
from papertriage import fetch_cli, library_cli, relevance_cli  # noqa: E402, F401
