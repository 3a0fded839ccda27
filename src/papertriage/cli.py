"""The command line: thin typer commands over the library; errors mapped to exit codes."""

from __future__ import annotations

import os
import sys
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


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


app = typer.Typer(
    name="papertriage",
    help="Triage paper listings: ingest, tag themes, rank, export.",
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

    Example:  papertriage ingest daily.txt --format jsonl | jq .title
    """


def warn(message: str) -> None:
    print(f"papertriage: {message}", file=sys.stderr)


def _report_problems(problems: list, quiet: bool, limit: int = 20) -> None:
    if quiet:
        return
    for problem in problems[:limit]:
        warn(f"warning: {problem}")
    if len(problems) > limit:
        warn(f"warning: ... and {len(problems) - limit} more problems (see --format json)")


InputsArg = Annotated[
    list[str],
    typer.Argument(help="Listing files to read; '-' reads standard input.", show_default=False),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Directory of rule files to use instead of the defaults."),
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help="Force the input format (default: detected)."),
]


@app.command()
def ingest(
    inputs: InputsArg,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout."),
    ] = None,
    theme: Annotated[
        list[str] | None,
        typer.Option("--theme", "-t", help="Keep papers with this theme (repeatable)."),
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Keep the N best papers.")
    ] = None,
    rules: RulesOpt = None,
    input_format: InputFormatOpt = None,
    no_dedup: Annotated[bool, typer.Option("--no-dedup", help="Keep duplicate papers.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not print input problems on stderr.")
    ] = False,
) -> None:
    """Read listings, tag every paper with themes and print them ranked.

    Examples:

      papertriage ingest daily.txt

      papertriage ingest - --format jsonl < daily.txt | jq -r .title

      papertriage ingest daily.txt --theme agents --top 10 -f csv -o triage.csv
    """
    from papertriage.formats import write_output
    from papertriage.pipeline import run

    result = run(
        inputs,
        input_format=input_format,
        rules_dir=rules,
        themes=theme or [],
        top=top,
        dedup=not no_dedup,
    )
    _report_problems(result.report.problems, quiet)
    write_output(result, fmt.value, output)


@app.command("eval")
def eval_command(
    inputs: InputsArg,
    gold: Annotated[
        Path, typer.Option("--gold", "-g", help="JSON Lines of {title or id, themes}.")
    ],
    fmt: Annotated[
        EvalFormat, typer.Option("--format", "-f", help="Output format.")
    ] = EvalFormat.table,
    rules: RulesOpt = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Compare the themes assigned to INPUTS with hand labels in --gold.

    Prints precision, recall and F1 per theme, and micro and macro averages.

    Example:

      papertriage eval --gold labels.jsonl daily.txt
    """
    import json

    from papertriage.evaluate import evaluate, load_gold
    from papertriage.pipeline import run

    gold_records = load_gold(str(gold))
    result = run(inputs, input_format=input_format, rules_dir=rules)
    theme_ids = sorted({s for p in result.papers for s in p.scores})
    outcome = evaluate(result.papers, gold_records, theme_ids)
    if outcome.unmatched_gold:
        first = outcome.unmatched_gold[0]
        warn(
            f"warning: {len(outcome.unmatched_gold)} gold records match no paper "
            f"(first: {gold}:{first.line} {first.title or first.id!r})"
        )
    if fmt is EvalFormat.json:
        json.dump(outcome.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    _print_eval_table(outcome)


def _print_eval_table(outcome) -> None:
    from rich import box
    from rich.table import Table

    from papertriage.formats.table import make_console

    console = make_console(sys.stdout)
    table = Table(box=box.SIMPLE_HEAD if console.is_terminal else None, show_edge=False)
    for column in ("theme", "tp", "fp", "fn", "precision", "recall", "f1"):
        table.add_column(column, justify="left" if column == "theme" else "right")
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
    )
    table.add_row(
        "macro",
        "",
        "",
        "",
        f"{macro['precision']:.3f}",
        f"{macro['recall']:.3f}",
        f"{macro['f1']:.3f}",
    )
    console.print(table)
    console.print(f"{outcome.matched} papers evaluated")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exit codes 0 ok, 1 bad input or failure, 2 usage, 130 Ctrl-C."""
    import click

    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="papertriage", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.UsageError as exc:
        exc.show()
        code = ExitStatus.USAGE
    except click.Abort:
        warn("interrupted")
        code = ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        warn("interrupted")
        code = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # `| head` closed the pipe: stop quietly, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = ExitStatus.OK
    except PapertriageError as exc:
        warn(f"error: {exc}")
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    else:
        code = ExitStatus.OK
    sys.exit(code)
