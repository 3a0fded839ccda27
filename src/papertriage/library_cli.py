"""Commands over the library: list, show, search, stats, retag, digest, db export/import/check.

Loaded by cli.py (``from papertriage import library_cli``); the commands are registered on its
app. sqlite3, rapidfuzz and the rest are imported inside the commands, so that
``papertriage --help`` stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from papertriage.cli import (
    DisableOpt,
    NoDefaultsOpt,
    OutputFormat,
    ProfileOpt,
    RulesOpt,
    app,
    command,
    rule_options,
    warn,
)
from papertriage.errors import PapertriageError

if TYPE_CHECKING:
    from papertriage.profile import Profile
    from papertriage.store import Library, LibraryPaper

DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Library file (default: $PAPERTRIAGE_HOME/library.db, else "
        "$XDG_DATA_HOME/papertriage/library.db).",
        metavar="PATH",
    ),
]
ThemeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--theme",
        "-t",
        help="Keep papers with this theme (repeatable); list and digest rank them by their "
        "score on it (theme_score in JSON), score stays the overall relevance.",
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout."),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        "-s",
        help="Papers first seen since: a date (2024-07-31), a duration (12h, 7d, 2w) or last-run.",
        metavar="WHEN",
    ),
]


class TextFormat(str, Enum):
    text = "text"
    json = "json"


class StatsFormat(str, Enum):
    table = "table"
    json = "json"


class LibrarySort(str, Enum):
    score = "score"
    relevance = "relevance"


SortLibraryOpt = Annotated[
    LibrarySort,
    typer.Option(
        "--sort",
        help="score: by the themes' scores (or --theme's, or the profile's); relevance: the "
        "unlabelled papers by the model of your labels (papertriage label).",
    ),
]


class DigestFormat(str, Enum):
    md = "md"
    html = "html"
    json = "json"


def _open(db: Path | None, create: bool = False, write: bool = False) -> Library:
    """The library; read-only (``mode=ro``) unless the command writes: reading commands work
    on a library the user cannot write, and never change it."""
    from papertriage.store import Library

    return Library.open(db, create=create, write=write or create)


def _known_themes(library: Library) -> set[str]:
    rows = library.conn.execute("SELECT DISTINCT theme FROM themes")
    return {r[0] for r in rows}


def _rule_themes():
    """The themes of the rules in use, or [] when they cannot be loaded."""
    try:
        return rule_options(None, False, None).load()
    except PapertriageError:
        return []


def _check_themes(library: Library, wanted: list[str]) -> None:
    if not wanted:
        return
    known = _known_themes(library) | {t.id for t in _rule_themes()}
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise PapertriageError(
            f"unknown theme {unknown[0]!r}; known themes: {', '.join(sorted(known))}"
        )


def _profile(library: Library, path: Path | None) -> Profile | None:
    """The --profile (or the config file's profile), checked against the themes known."""
    from papertriage.profile import load_profile

    profile_path = rule_options(None, False, None, path).profile
    if profile_path is None:
        return None
    known = _known_themes(library) | {t.id for t in _rule_themes()}
    return load_profile(profile_path, known)


def _since(library: Library, since: str | None):
    if since is None:
        return None
    return library.resolve_since(since)


def _write_papers(papers: list[LibraryPaper], fmt: OutputFormat, output: str | None) -> None:
    from papertriage.formats import RunResult, write_output
    from papertriage.models import ParseReport

    write_output(RunResult(list(papers), ParseReport()), fmt.value, output)


@command(app, "list")
def list_command(
    theme: ThemeOpt = None,
    since: SinceOpt = None,
    new: Annotated[
        bool,
        typer.Option(
            "--new", help="Only new papers: those no digest has shown yet (see `digest`)."
        ),
    ] = False,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Keep the N best papers.")
    ] = None,
    profile: ProfileOpt = None,
    sort: SortLibraryOpt = LibrarySort.score,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: OutputOpt = None,
    db: DbOpt = None,
) -> None:
    """List the papers of the library, ranked as ingest ranks them.

    Examples:

      papertriage list --new

      papertriage list --since 7d --theme agents --top 10

      papertriage list --since last-run --profile examples/profile.yaml -f md -o new.md

      papertriage list -f jsonl | jq -r '.library.first_seen + "  " + .title'

      papertriage list --new --sort relevance --top 10
    """
    by_relevance = sort is LibrarySort.relevance
    with _open(db) as library:
        themes = list(theme or [])
        _check_themes(library, themes)
        papers = library.query(
            themes=themes,
            since=_since(library, since),
            new=new,
            top=None if by_relevance else top,
            profile=_profile(library, profile),
        )
        if by_relevance:
            from papertriage.relevance_cli import relevance_ranking

            papers = relevance_ranking(library, papers, top)  # type: ignore[arg-type, assignment]
    if not papers:
        warn("no papers match" if themes or since or new else "the library is empty")
    _write_papers(papers, fmt, output)


@command(app, "show")
def show_command(
    paper_id: Annotated[
        str, typer.Argument(help="Library id or arXiv id of the paper.", metavar="ID")
    ],
    fmt: Annotated[
        TextFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TextFormat.text,
    db: DbOpt = None,
) -> None:
    """Show one paper of the library: fields, themes with their evidence, sources, times.

    Examples:

      papertriage show 2407.01234

      papertriage show 3948749b7499 --format json | jq .themes
    """
    import json

    with _open(db) as library:
        paper = library.get(paper_id)
    if paper is None:
        raise PapertriageError(f"no paper with id {paper_id!r} in the library")
    if fmt is TextFormat.json:
        data = paper.to_dict()
        data.pop("rank", None)
        data.pop("score", None)
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    from papertriage.terminal import visible

    sys.stdout.write(visible(render_show(paper), newlines=True))


def render_show(paper: LibraryPaper) -> str:
    from papertriage.explain import _evidence, verdict

    p = paper.paper
    lines = [p.title, f"id {p.id}"]
    for label, value in (
        ("arXiv", p.arxiv_id),
        ("authors", ", ".join(p.authors)),
        ("date", p.date),
        ("url", p.url),
        ("votes", p.votes),
        ("categories", ", ".join(p.categories)),
        ("doi", p.doi),
        ("venue", p.venue),
        ("comments", p.comments),
        ("keywords", ", ".join(p.keywords)),
    ):
        if value not in (None, ""):
            lines.append(f"{label}: {value}")
    lines.append(
        f"first seen {paper.first_seen} (run {paper.first_run}), "
        f"last seen {paper.last_seen} (run {paper.last_run})"
    )
    lines.append(
        f"first shown in a digest {paper.shown_at}"
        if paper.shown_at
        else "new: not yet shown in a digest"
    )
    lines.append(f"rules version: {paper.tags_version or '-'}")
    lines.append("sources:")
    lines.extend(f"  {s.file}:{s.line} ({s.format})" for s in p.sources)
    lines.append("")
    if paper.themes:
        lines.append("themes:")
        for score in paper.themes:
            lines.append(f"  {score.theme:<24}  {verdict(score)}")
            lines.extend("  " + line for line in _evidence(score, p.title, p.abstract or ""))
    else:
        lines.append("themes: none")
    if p.abstract:
        lines += ["", p.abstract]
    return "\n".join(lines) + "\n"


@command(app, "search")
def search_command(
    text: Annotated[str, typer.Argument(help="Words to look for in titles and abstracts.")],
    theme: ThemeOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Show the N best matches.")] = 20,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help='Pass TEXT as an SQLite FTS5 query: "a phrase", OR, NOT, title:word, pref*.',
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: OutputOpt = None,
    db: DbOpt = None,
) -> None:
    """Full-text search of the library (titles count five times as much as abstracts).

    Every word must appear (English endings ignored: "agent" finds "agents"); results are
    ranked by bm25, and the score column shows how good the match is.

    Examples:

      papertriage search "curriculum learning"

      papertriage search --raw 'title:distillation NOT survey' -f jsonl
    """
    with _open(db) as library:
        themes = list(theme or [])
        _check_themes(library, themes)
        papers = library.search(text, limit=top, raw=raw, themes=themes)
    if not papers:
        warn(f"no paper matches {text!r}")
    _write_papers(papers, fmt, output)


@command(app, "stats")
def stats_command(
    fmt: Annotated[
        StatsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = StatsFormat.table,
    width: Annotated[
        int, typer.Option("--width", "-w", min=5, max=200, help="Length of the longest bar.")
    ] = 40,
    db: DbOpt = None,
) -> None:
    """Papers per theme and per week (listing date, else first seen), with bar charts.

    Examples:

      papertriage stats

      papertriage stats --format json | jq .themes
    """
    import json

    with _open(db) as library:
        stats = library.stats()
    if fmt is StatsFormat.json:
        json.dump(stats, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    from papertriage.charts import render_stats

    # Bars on a terminal; piped, plain "key count" rows that scripts can read.
    render_stats(stats, sys.stdout, width)


@command(app, "retag")
def retag_command(
    rules: RulesOpt = None,
    no_default_rules: NoDefaultsOpt = False,
    disable: DisableOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Score every paper of the library again with the current rules.

    Prints one line per paper whose themes changed: its id, +gained and -lost themes and its
    title; then a summary on stderr. All papers are retagged in one transaction.

    Examples:

      papertriage retag

      papertriage retag --rules ~/my-rules --dry-run
    """
    from papertriage.terminal import visible

    themes = rule_options(rules, no_default_rules, disable).load()
    with _open(db, write=True) as library:
        report = library.retag(themes, dry_run=dry_run)
    for change in report.changes:
        marks = " ".join([*(f"+{t}" for t in change.gained), *(f"-{t}" for t in change.lost)])
        print(f"{change.id}\t{marks}\t{visible(change.title)}")
    gained = sum(len(c.gained) for c in report.changes)
    lost = sum(len(c.lost) for c in report.changes)
    verb = "would change" if dry_run else "changed"
    warn(
        f"retag: {report.papers} papers scored with rules {report.rules_version}; "
        f"{len(report.changes)} {verb} ({gained} themes gained, {lost} lost)"
    )


@command(app, "digest")
def digest_command(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            "-s",
            help="Papers first seen since: last-run, a date (2024-07-31) or a duration (7d), "
            "shown before or not. Default: the new papers, those no digest has shown yet.",
            metavar="WHEN",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        DigestFormat | None,
        typer.Option(
            "--format", "-f", help="Digest format (default: from the -o suffix, else md)."
        ),
    ] = None,
    output: OutputOpt = None,
    theme: ThemeOpt = None,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Keep the N best papers.")
    ] = None,
    profile: ProfileOpt = None,
    sort: SortLibraryOpt = LibrarySort.score,
    title: Annotated[
        str, typer.Option("--title", help="Heading of the digest.")
    ] = "papertriage digest",
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Write the digest but leave its papers new (mark nothing shown)."
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Write what is new in the library, grouped by theme and ranked (by the profile).

    New means not yet shown in a digest: the papers a digest shows are marked shown once it
    is written, and the next digest (and list --new) leaves them out. --dry-run marks
    nothing. Each paper is filed under its strongest theme. HTML is one self-contained file
    (no scripts, nothing fetched) that reads well on a phone; JSON has a schema_version.

    Examples:

      papertriage digest -o digest.html

      papertriage digest --dry-run | less

      papertriage digest --since 7d --profile examples/profile.yaml --format md

      papertriage digest --format json | jq '.groups[] | {theme, n: (.papers | length)}'
    """
    from papertriage.digest import RENDERERS, build_digest
    from papertriage.formats import write_with

    if fmt is None:
        suffix = Path(output).suffix.lower() if output and output != "-" else ""
        fmt = {".html": DigestFormat.html, ".htm": DigestFormat.html}.get(
            suffix, DigestFormat.json if suffix == ".json" else DigestFormat.md
        )
    from papertriage.store import _writable, db_path

    path = db_path(db)
    # A digest marks what it showed; on a library it cannot write it still writes the digest.
    mark = not dry_run and (not path.exists() or _writable(path))
    with _open(db, write=mark) as library:
        themes = list(theme or [])
        _check_themes(library, themes)
        resolved = library.resolve_since(since) if since is not None else None
        chosen = _profile(library, profile)
        by_relevance = sort is LibrarySort.relevance
        papers = library.query(
            themes=themes,
            since=resolved,
            new=resolved is None,
            top=None if by_relevance else top,
            profile=chosen,
        )
        if by_relevance:
            from papertriage.relevance_cli import relevance_ranking

            papers = relevance_ranking(library, papers, top)  # type: ignore[arg-type, assignment]
        label = _since_label(library, resolved)
        names = {t.id: t.name for t in _rule_themes()}
        query = (
            {"timestamp": None, "run_id": None, "not_shown": True}
            if resolved is None
            else {"timestamp": resolved.timestamp, "run_id": resolved.run_id}
        )
        digest = build_digest(
            papers,
            since=label,
            since_query=query,
            library=str(library.path),
            theme_names=names,
            profile=chosen,
            title=title,
        )
        render = RENDERERS[fmt.value]
        write_with(lambda stream: render(digest, stream), output)
        # Only once the digest is written: a digest that failed leaves its papers new.
        if mark and papers:
            library.mark_shown([p.pk for p in papers], output)
    if not dry_run and not mark and papers:
        warn(f"warning: {library.path} is read-only: these papers stay new (not marked shown)")


def _since_label(library: Library, since) -> str:
    if since is None:
        return "not yet shown in a digest"
    if since.run_id is not None:
        last = library.last_run()
        if last is None:
            return "since the last run (there is none yet)"
        return f"since the last run (run {last['id']}, {_when(last['started'])})"
    return f"first seen since {_when(since.timestamp)} (--since {since.text})"


def _when(timestamp: str | None) -> str:
    """'2024-07-31T06:00:00+00:00' -> '2024-07-31 06:00 UTC'."""
    if not timestamp:
        return "-"
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(timestamp).astimezone(timezone.utc)
    except ValueError:
        return timestamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")


db_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")


@db_app.callback()
def _db() -> None:
    """Move and check the library: export, import (JSON Lines), integrity check.

    Example:

      papertriage db export -o library.jsonl && papertriage db check
    """


@command(db_app, "export")
def db_export(output: OutputOpt = None, db: DbOpt = None) -> None:
    """Write the whole library as JSON Lines: a header line, then one paper a line.

    Each paper line has the paper's fields, every stored theme score with its evidence, its
    sources and its first/last seen times; `db import` reads it back.

    Example:

      papertriage db export -o library.jsonl
    """
    from papertriage.formats import write_with

    with _open(db) as library:
        counted: list[int] = []
        write_with(lambda stream: counted.append(library.export_jsonl(stream)), output)
    if output not in (None, "-"):
        warn(f"exported {counted[0]} papers to {output}")


@command(db_app, "import")
def db_import(
    source: Annotated[
        str,
        typer.Argument(
            help="JSON Lines from `db export` (or `ingest -f jsonl`); '-' reads stdin.",
            metavar="FILE",
        ),
    ],
    db: DbOpt = None,
) -> None:
    """Add the papers of a JSON Lines export to the library, merging the papers it has.

    Papers are deduplicated against the library as ingest does; the whole file goes in as one
    transaction, or nothing does.

    Example:

      papertriage db import library.jsonl --db ~/new-library.db
    """
    if source == "-":
        lines = sys.stdin.read().splitlines()
        name = "<stdin>"
    else:
        try:
            lines = Path(source).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise PapertriageError(f"{source}: cannot read: {exc}") from None
        name = source
    with _open(db, create=True) as library:
        summary = library.import_jsonl(lines, name)
    warn(summary.line())


@command(db_app, "check")
def db_check(db: DbOpt = None) -> None:
    """Run SQLite's integrity check on the library (and on its full-text index).

    Prints "ok" and exits 0, or lists the problems and exits 1.

    Example:

      papertriage db check --db ~/backup/library.db
    """
    from papertriage.store import RECOVERY_HINT, LibraryError, _writable, db_path

    path = db_path(db)
    try:
        # The full-text index's own check is an INSERT that writes nothing, yet SQLite
        # refuses it on a read-only connection: read-only only where writing is impossible.
        with _open(db, write=path.exists() and _writable(path)) as library:
            problems = library.check()
            version = library.schema_version
            for note in library.notes:
                warn(f"warning: {note}")
    except LibraryError as exc:
        if "damaged" not in str(exc) and "not a papertriage library" not in str(exc):
            raise
        problems, version = [str(exc)], None
    for problem in problems:
        print(problem)
    if problems:
        print(RECOVERY_HINT.format(path=path))
        count = len(problems)
        raise PapertriageError(
            f"{count} problems in {path}: the library is damaged; see above how to recover"
        )
    print(f"ok: {path} (schema version {version})")


# --- cron ------------------------------------------------------------------------------------

# Options of papertriage commands whose value is a path: made absolute in a crontab line.
_PATH_OPTIONS = {"-o", "--output", "--db", "--rules", "--profile", "-p", "--gold"}
# Environment variables papertriage reads to find its files: kept in a crontab line.
_ENV_NAMES = ("PAPERTRIAGE_HOME", "PAPERTRIAGE_CONFIG", "XDG_DATA_HOME", "XDG_CONFIG_HOME")
# Kept as they are (addresses, not paths): where fetch goes and who it says it is.
_ENV_VALUES = ("PAPERTRIAGE_ARXIV_ENDPOINT", "PAPERTRIAGE_HF_ENDPOINT", "PAPERTRIAGE_CONTACT")


def papertriage_executable() -> list[str]:
    """How to run this papertriage from anywhere: its script's absolute path (sys.argv[0] or
    the `papertriage` on PATH), else this Python with -m papertriage."""
    import os
    import shutil

    argv0 = sys.argv[0] if sys.argv else ""
    name = Path(argv0).name
    candidates = []
    if name.startswith("papertriage") and not name.endswith(".py"):
        candidates.append(argv0 if os.sep in argv0 else shutil.which(argv0))
    candidates.append(shutil.which("papertriage"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return [os.path.abspath(candidate)]
    return [os.path.abspath(sys.executable), "-m", "papertriage"]


def _absolute(value: str) -> str:
    import os

    if value in ("", "-"):
        return value
    return os.path.abspath(os.path.expanduser(value))


def _looks_like_path(value: str) -> bool:
    import os

    if value in ("", "-") or value.startswith("-") or "://" in value:
        return False  # an option, stdin, or an address (--endpoint http://...)
    return value.startswith(("~", ".", "/")) or "/" in value or os.path.exists(value)


def _shell_word(value: str) -> str:
    """One shell word; a value with strftime fields (%Y, %F) becomes today's date when the
    line runs: "$(date '+/home/me/triage/%F.md')"."""
    import re
    import shlex

    if re.search(r"%[a-zA-Z]", value):
        return f'"$(date {shlex.quote("+" + value)})"'
    return shlex.quote(value)


def cron_line(
    args: list[str],
    schedule: str,
    log: Path,
    executable: list[str] | None = None,
    environ: dict[str, str] | None = None,
) -> str:
    """A crontab line that runs `papertriage ARGS` on `schedule` from cron's bare environment:
    absolute paths everywhere, PATH set, papertriage's environment kept, stderr appended to
    `log`, and every % escaped as \\% (cron turns a bare % into a newline)."""
    import os
    import shlex

    environ = dict(os.environ) if environ is None else environ
    executable = executable or papertriage_executable()
    words: list[str] = []
    expect_path = False
    for position, arg in enumerate(args):
        if expect_path:
            words.append(_shell_word(_absolute(arg)))
            expect_path = False
        elif arg in _PATH_OPTIONS:
            words.append(shlex.quote(arg))
            expect_path = True
        elif arg.startswith("--") and "=" in arg and arg.split("=", 1)[0] in _PATH_OPTIONS:
            option, value = arg.split("=", 1)
            words.append(f"{shlex.quote(option)}={_shell_word(_absolute(value))}")
        elif position > 0 and _looks_like_path(arg):
            words.append(_shell_word(_absolute(arg)))
        else:
            words.append(_shell_word(arg))
    folder = os.path.dirname(executable[0])
    env = [f"PATH={shlex.quote(folder + ':/usr/local/bin:/usr/bin:/bin')}"]
    env += [
        f"{name}={shlex.quote(_absolute(environ[name]))}"
        for name in _ENV_NAMES
        if environ.get(name)
    ]
    env += [f"{name}={shlex.quote(environ[name])}" for name in _ENV_VALUES if environ.get(name)]
    command = " ".join(
        [
            *env,
            *(shlex.quote(w) for w in executable),
            *words,
            f"2>>{shlex.quote(_absolute(str(log)))}",
        ]
    )
    return f"{schedule} {command.replace('%', chr(92) + '%')}"


def _schedule(at: str, schedule: str | None) -> str:
    import re

    if schedule is not None:
        fields = schedule.split()
        if len(fields) != 5 and not (len(fields) == 1 and fields[0].startswith("@")):
            raise typer.BadParameter(
                "give five fields (minute hour day-of-month month day-of-week), e.g. "
                "'30 6 * * 1-5', or @daily",
                param_hint="--schedule",
            )
        return " ".join(fields)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", at.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise typer.BadParameter("give a time of day as HH:MM, e.g. 07:30", param_hint="--at")
    return f"{int(match.group(2))} {int(match.group(1))} * * *"


@app.command("cron", context_settings={"ignore_unknown_options": True})
def cron_command(
    args: Annotated[
        list[str],
        typer.Argument(
            help="The papertriage command to run, after --: e.g. -- digest -o ~/triage/%F.md",
            metavar="COMMAND",
            show_default=False,
        ),
    ],
    at: Annotated[
        str, typer.Option("--at", help="Time of day to run it, HH:MM.", metavar="HH:MM")
    ] = "07:00",
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help="A full cron schedule instead of --at, e.g. '30 6 * * 1-5'.",
            metavar="SPEC",
        ),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            help="File that collects the command's stderr (default: cron.log in the data "
            "folder, next to the library).",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Print a crontab line that runs a papertriage command, ready for `crontab -e`.

    cron starts commands with a bare PATH, in your home folder, without your shell's
    variables: the line gives papertriage's absolute path, absolute input and output paths,
    PATH, the PAPERTRIAGE_*/XDG_* variables set now, and appends stderr to a log. Date fields
    (%Y, %m, %d, %F) in a path become the date of the run; % is escaped as cron needs. -o
    creates missing folders.

    Examples:

      papertriage cron --at 07:30 -- digest --since 1d -o ~/triage/%Y-%m-%d.md

      papertriage cron --at 06:45 -- ingest -q ~/listings/today.txt -f md -o ~/triage/%F.md

      (crontab -l; papertriage cron -- digest -o ~/triage/%F.html) | crontab -
    """
    from papertriage.store import data_dir

    if not args:
        raise typer.BadParameter("give the command to run after --", param_hint="COMMAND")
    from typer.main import get_command

    names = set(get_command(app).commands)  # type: ignore[attr-defined]
    if args[0] not in names:
        raise typer.BadParameter(
            f"{args[0]!r} is not a papertriage command ({', '.join(sorted(names))})",
            param_hint="COMMAND",
        )
    when = _schedule(at, schedule)
    log_file = Path(_absolute(str(log))) if log is not None else data_dir().absolute() / "cron.log"
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)  # `2>>` cannot make a folder
    except OSError as exc:
        raise PapertriageError(f"{log_file.parent}: cannot create: {exc.strerror}") from None
    print(f"# papertriage {' '.join(args)}  (stderr: {log_file})")
    print(cron_line(list(args), when, log_file))
