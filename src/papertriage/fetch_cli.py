"""`papertriage fetch arxiv|hf-daily`: get a listing over HTTP and run ingest on it.

Loaded by cli.py (``from papertriage import fetch_cli``); the commands are registered on its
app. Every output, library and rule option of `ingest` is taken as it is and passed to the
same run (`cli.run_ingest`); the HTTP is in `papertriage.fetch`.
"""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Annotated

import typer

from papertriage.cli import app, command, ingest, run_ingest, warn
from papertriage.fetch import ARXIV_DAYS, ARXIV_ENDPOINT, ARXIV_ENV, HF_ENDPOINT, HF_ENV

fetch_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)
app.add_typer(fetch_app, name="fetch")


@fetch_app.callback()
def _fetch() -> None:
    """Fetch the day's papers from arXiv or Hugging Face and triage them as ingest does.

    A source that has not changed since the last fetch (HTTP 304, or the very same papers)
    does nothing and says so in one line; an unreachable one is one error line and exit 1,
    with nothing written or stored.

    Example:

      papertriage fetch arxiv --category cs.LG --category cs.CL -f md -o ~/triage/today.md
    """


def _check_day(value: str | None) -> str | None:
    """An option callback: a usage error (exit 2) for a date that cannot be read."""
    _day(value)
    return value


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    from papertriage.fetch import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ArxivEndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        metavar="URL",
        help=f"The arXiv API to ask (default: ${ARXIV_ENV}, else {ARXIV_ENDPOINT}).",
    ),
]
HfEndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        metavar="URL",
        help=f"The Daily Papers API to ask (default: ${HF_ENV}, else {HF_ENDPOINT}).",
    ),
]
SaveOpt = Annotated[
    Path | None,
    typer.Option("--save", metavar="DIR", help="Keep the raw responses in DIR."),
]
RefetchOpt = Annotated[
    bool,
    typer.Option(
        "--refetch",
        help="Fetch and triage even when the source has not changed since the last fetch.",
    ),
]


def with_ingest_options(func):  # noqa: ANN001, ANN201
    """Give a fetch command every option of `ingest` (output, library, rules) but its inputs
    and --input-format, as they are declared there: the command takes them as **kwargs and
    passes them on to `run_ingest` (one declaration, as sqlite-utils shares output options)."""
    shared = [
        p
        for p in inspect.signature(ingest, eval_str=True).parameters.values()
        if p.name not in ("inputs", "input_format")
    ]
    own = [
        p
        for p in inspect.signature(func, eval_str=True).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    func.__signature__ = inspect.Signature(own + shared)
    func.__annotations__ = {p.name: p.annotation for p in own + shared}
    return func


def _run(source: str, options: dict) -> None:
    """Fetch `source` with the command's own options, then run ingest with the others."""
    from papertriage import fetch

    ingest_options = options.pop("ingest_options")
    from papertriage.store import db_path

    cache = {} if options["refetch"] else fetch.load_cache()
    # What counts as already fetched is per library: another --db has not seen the papers.
    scope = str(db_path(ingest_options.get("db")).expanduser().absolute())
    save = options["save"]
    if source == "arxiv":
        until = _day(options["until"]) or _day("today")
        assert until is not None
        since = _day(options["since"]) or until - dt.timedelta(days=ARXIV_DAYS)
        categories = list(dict.fromkeys(options["category"]))
        client = fetch.Client(
            interval=fetch.ARXIV_INTERVAL,
            timeout=fetch.TIMEOUT,
            retries=fetch.RETRIES,
            backoff=max(fetch.BACKOFF, fetch.ARXIV_INTERVAL),
        )
        fetched = fetch.fetch_arxiv(
            categories,
            since,
            until,
            endpoint=fetch.endpoint_for(options["endpoint"], ARXIV_ENV, ARXIV_ENDPOINT),
            client=client,
            cached=fetch.cached_entry(cache, scope, fetch.arxiv_key(categories)),
            save_dir=save,
            page_size=fetch.ARXIV_PAGE,
        )
    else:
        day = _day(options["date"])
        client = fetch.Client(timeout=fetch.TIMEOUT, retries=fetch.RETRIES, backoff=fetch.BACKOFF)
        fetched = fetch.fetch_hf_daily(
            day,
            endpoint=fetch.endpoint_for(options["endpoint"], HF_ENV, HF_ENDPOINT),
            client=client,
            cached=fetch.cached_entry(cache, scope, fetch.hf_key(day)),
            save_dir=save,
            page_size=fetch.HF_PAGE,
        )
    for message in fetched.warnings:
        warn(f"warning: {message}")
    if fetched.not_modified:
        entry = fetch.cached_entry(cache, scope, fetched.key) or {}
        since_when = f" ({entry['fetched']})" if entry.get("fetched") else ""
        warn(
            f"nothing new: {fetched.label} has no paper the last fetch{since_when} did not "
            "have; --refetch triages it again"
        )
        return
    if not fetched.papers:
        warn(f"no papers: {fetched.label} lists none")
        return
    run_ingest(
        fetched.documents,
        names=fetched.names,
        input_format=fetched.input_format,
        **ingest_options,
    )
    if not ingest_options.get("no_store"):
        # Only papers in the library are "had": a --no-store try-out leaves the next run be.
        fetched.remember(scope)


@command(fetch_app, "arxiv")
@with_ingest_options
def fetch_arxiv(
    category: Annotated[
        list[str],
        typer.Option(
            "--category",
            "-c",
            metavar="CAT",
            help="arXiv category, e.g. cs.LG (repeatable: papers in any of them).",
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            callback=_check_day,
            help=f"First submission day: YYYY-MM-DD, today, yesterday or Nd (N days ago); "
            f"default: {ARXIV_DAYS} days before --until.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            callback=_check_day,
            help="Last submission day (UTC); default: today.",
        ),
    ] = None,
    endpoint: ArxivEndpointOpt = None,
    save: SaveOpt = None,
    refetch: RefetchOpt = False,
    **ingest_options,
) -> None:
    """Fetch the arXiv papers submitted in some categories between two days, and triage them.

    Asks the arXiv API (Atom), page after page until it has every result, at least 3 s
    between requests as arXiv asks; a busy answer (503) or a timeout is retried with backoff,
    honouring Retry-After. Every option of ingest applies.

    Examples:

      papertriage fetch arxiv --category cs.LG

      papertriage fetch arxiv -c cs.LG -c cs.CL --from 2026-03-02 --until 2026-03-03 -f jsonl

      papertriage fetch arxiv -c cs.LG --from 4d --theme agents -f md -o agents.md
    """
    _run("arxiv", locals())


@command(fetch_app, "hf-daily")
@with_ingest_options
def fetch_hf_daily(
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            callback=_check_day,
            help="The day's list: YYYY-MM-DD, today, yesterday or Nd; default: the latest.",
        ),
    ] = None,
    endpoint: HfEndpointOpt = None,
    save: SaveOpt = None,
    refetch: RefetchOpt = False,
    **ingest_options,
) -> None:
    """Fetch a day's Hugging Face Daily Papers and triage them.

    Asks the Daily Papers JSON API (/api/daily_papers?date=YYYY-MM-DD); each paper keeps its
    arXiv id, abstract, authors, listing date and upvotes. Every option of ingest applies.

    Examples:

      papertriage fetch hf-daily

      papertriage fetch hf-daily --date 2026-03-02 -f jsonl | jq -r .title
    """
    _run("hf-daily", locals())
