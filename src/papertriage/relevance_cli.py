"""Commands that learn from the reader: label, simulate; and the relevance ranking that list,
ingest and digest use with ``--sort relevance``.

Loaded by cli.py; scikit-learn is imported only when a model is trained (relevance.py).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from papertriage.cli import InputFormatOpt, LibraryDbOpt, app, command, warn
from papertriage.errors import PapertriageError

# Not library_cli's DbOpt: this module may be loaded while library_cli is (through cli.py).
DbOpt = LibraryDbOpt

if TYPE_CHECKING:
    from papertriage.models import TaggedPaper
    from papertriage.store import Library


def relevance_ranking(
    library: Library, papers: list[TaggedPaper], top: int | None
) -> list[TaggedPaper]:
    """`papers` without the labelled ones, ranked by the model of the library's labels."""
    from papertriage.relevance import Labelled, library_model

    model = library_model(library)
    return _ranked(papers, model, Labelled.of(library), top)


def _ranked(papers, model, labelled, top):  # noqa: ANN001, ANN202
    from papertriage.relevance import rank_by_relevance

    return rank_by_relevance(papers, model, labelled, top)


def _read_ids(source: str) -> list[str]:
    """Ids from a file (or '-'): the first word of each line; blank lines and # comments
    are skipped, so `list -f csv | cut -d, -f2` or a hand-made list both work."""
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PapertriageError(f"{source}: cannot read: {exc}") from None
    ids = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.append(line.split()[0])
    return ids


@command(app, "label")
def label_command(
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Library ids or arXiv ids, as list and ingest print them.",
            metavar="ID...",
            show_default=False,
        ),
    ] = None,
    relevant: Annotated[
        bool, typer.Option("--relevant", "-r", help="Mark the papers relevant to you.")
    ] = False,
    irrelevant: Annotated[
        bool, typer.Option("--irrelevant", "-i", help="Mark the papers not relevant to you.")
    ] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the papers' labels.")] = False,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Read ids from FILE too, the first word of each line ('-': stdin).",
            metavar="FILE",
        ),
    ] = None,
    show: Annotated[
        bool, typer.Option("--list", "-l", help="Print every label: id, label, title.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Label library papers relevant or irrelevant to you; --sort relevance learns from them.

    A label replaces the paper's previous one. Every id must be in the library, else
    nothing is labelled. Ranking by relevance needs at least one relevant and one
    irrelevant label; a dozen of each works well.

    Examples:

      papertriage label 2407.01234 2407.04321 --relevant

      papertriage label 2407.09999 --irrelevant

      papertriage label --from keep.txt --relevant

      papertriage label --list
    """
    from papertriage.library_cli import _open
    from papertriage.terminal import visible

    chosen = [name for name, on in (("--relevant", relevant), ("--irrelevant", irrelevant),
                                    ("--clear", clear)) if on]  # fmt: skip
    wanted = list(ids or [])
    if from_file is not None:
        wanted += _read_ids(from_file)
    if show and not wanted and not chosen:
        with _open(db) as library:
            for _, pid, is_relevant in library.labels():
                paper = library.get(pid)
                title = visible(paper.paper.title) if paper else ""
                print(f"{pid}\t{'relevant' if is_relevant else 'irrelevant'}\t{title}")
        return
    if len(chosen) != 1:
        raise typer.BadParameter(
            "give exactly one of --relevant, --irrelevant, --clear",
            param_hint="--relevant / --irrelevant / --clear",
        )
    if not wanted:
        raise typer.BadParameter("give the ids of the papers to label", param_hint="ID...")
    value = {"--relevant": True, "--irrelevant": False, "--clear": None}[chosen[0]]
    with _open(db, write=True) as library:
        pks = []
        for key in wanted:
            paper = library.get(key)
            if paper is None:
                raise PapertriageError(
                    f"no paper with id {key!r} in the library; nothing was labelled"
                )
            pks.append(paper.pk)
        changed = library.set_labels(pks, value)
        labels = library.labels()
    positives = sum(1 for _, _, r in labels if r)
    what = {True: "relevant", False: "irrelevant", None: "cleared"}[value]
    count = len(set(pks))
    warn(
        f"{count} paper{'s' * (count != 1)} {what} ({changed} changed); the library has "
        f"{positives} relevant and {len(labels) - positives} irrelevant labels"
    )


class SimulateFormat(str, Enum):
    text = "text"
    json = "json"


@command(app, "simulate")
def simulate_command(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Listing files with the gold papers (default: the papers of the library).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    gold: Annotated[
        Path,
        typer.Option(
            "--gold",
            "-g",
            metavar="FILE",
            help='JSON Lines of {id or title, "relevant": true/false}, or of {id or title, '
            '"themes": [...]} with --theme.',
        ),
    ] = ...,  # type: ignore[assignment]
    theme: Annotated[
        list[str] | None,
        typer.Option(
            "--theme",
            "-t",
            metavar="ID",
            help="The relevant papers are the gold's papers with this theme (repeatable: "
            "one simulation per theme).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Draw of the first labels.")] = 0,
    prior_relevant: Annotated[
        int, typer.Option("--prior-relevant", min=1, help="Relevant papers labelled first.")
    ] = 1,
    prior_irrelevant: Annotated[
        int,
        typer.Option("--prior-irrelevant", min=1, help="Irrelevant papers labelled first."),
    ] = 1,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", metavar="FILE.svg", help="Also draw the recall curves as SVG."),
    ] = None,
    fmt: Annotated[
        SimulateFormat, typer.Option("--format", "-f", help="Output format.")
    ] = SimulateFormat.text,
    input_format: InputFormatOpt = None,
    db: DbOpt = None,
) -> None:
    """Measure the relevance ranking: replay a reader who reads what it ranks first.

    As ASReview's simulation mode: the reader starts from one relevant and one irrelevant
    paper drawn at random (--seed); the model is trained on the labels so far, the reader
    reads the unread paper it ranks first and labels it from the gold, and so on until
    every gold paper is read. Reports how many papers were read to find 95% of the relevant
    ones, WSS@95 (work saved over reading in random order at 95% recall) and recall after
    reading 10%, 25% and 50%, with a chart of recall against papers read.

    Examples:

      papertriage simulate --gold labels.jsonl --theme agents pool.jsonl

      papertriage simulate --gold mine.jsonl --plot recall.svg

      papertriage simulate -g labels.jsonl -t robotics -t agents pool.jsonl -f json
    """
    import json

    from papertriage.models import normalise_title
    from papertriage.relevance import read_gold, render_chart, render_svg, simulate

    if plot is not None and plot.suffix.lower() != ".svg":
        raise typer.BadParameter("the plot is written as SVG: give a FILE.svg", param_hint="--plot")
    themes = list(theme or [None])  # type: ignore[list-item]
    papers = _simulation_papers(inputs or [], input_format, db)
    by_key: dict[str, tuple[str, str]] = {}
    for title, abstract, keys in papers:
        for key in keys:
            by_key.setdefault(key, (title, abstract))
    results = []
    for wanted in themes:
        records = read_gold(str(gold), wanted)
        texts, relevant, missing = [], [], 0
        for data, is_relevant in records:
            key = str(data.get("id") or "") or normalise_title(str(data.get("title") or ""))
            found = by_key.get(key) or by_key.get(normalise_title(str(data.get("title") or "")))
            if found is None:
                missing += 1
                continue
            texts.append(found)
            relevant.append(is_relevant)
        if missing:
            warn(f"warning: {missing} gold records match no paper (left out)")
        if not texts:
            raise PapertriageError(f"{gold}: no gold record matches a paper")
        sim = simulate(
            texts,
            relevant,
            seed=seed,
            prior_relevant=prior_relevant,
            prior_irrelevant=prior_irrelevant,
        )
        sim.theme = wanted
        results.append(sim)
    if plot is not None:
        from papertriage.formats import write_with

        write_with(lambda stream: stream.write(render_svg(results)), str(plot))
    if fmt is SimulateFormat.json:
        json.dump([s.to_dict() for s in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for sim in results:
        name = f"theme {sim.theme}" if sim.theme else "relevant papers"
        print(
            f"{name}: {sim.relevant} relevant of {sim.papers} papers "
            f"(first labels: {prior_relevant} relevant, {prior_irrelevant} irrelevant, "
            f"seed {seed})"
        )
        print(
            f"  read to find 95%: {sim.read_for(0.95)} of {sim.papers} "
            f"({sim.read_for(0.95) / sim.papers:.0%}); all: {sim.read_for(1.0)}"
        )
        print(f"  WSS@95: {sim.wss(0.95):.3f}   WSS@100: {sim.wss(1.0):.3f}")
        print(
            "  recall after reading "
            + ", ".join(f"{s:.0%}: {sim.recall_after(s):.0%}" for s in (0.1, 0.25, 0.5))
        )
        print(f"  {sim.papers - sim.priors} retrainings in {sim.seconds:.1f} s")
        print()
        sys.stdout.write(render_chart(sim))
        print()
    if plot is not None:
        warn(f"wrote {plot}")


def _simulation_papers(inputs: list[str], input_format: str | None, db: Path | None):  # noqa: ANN202
    """(title, abstract, keys) of the papers of INPUTS, else of the library; keys are the
    ids, arXiv ids and normalised titles a gold record may name."""
    from papertriage.models import normalise_title

    out = []
    if inputs:
        from papertriage.pipeline import read_papers

        papers, _ = read_papers(inputs, input_format)
        for p in papers:
            keys = [k for k in (p.id, p.arxiv_id, normalise_title(p.title)) if k]
            out.append((p.title, p.abstract, keys))
        return out
    from papertriage.library_cli import _open

    with _open(db) as library:
        for pid, arxiv_id, norm_title, title, abstract in library.conn.execute(
            "SELECT id, arxiv_id, norm_title, title, abstract FROM papers ORDER BY pk"
        ):
            out.append((title, abstract, [k for k in (pid, arxiv_id, norm_title) if k]))
    return out
