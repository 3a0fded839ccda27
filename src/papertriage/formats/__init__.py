"""Output formats behind one small interface: ``render(result, stream)``.

Each format module exposes ``render(result: RunResult, stream: TextIO) -> None``; FORMATS maps
the ``--format`` choices to them. `write_output` writes to stdout or, atomically, to a file.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from papertriage import __version__
from papertriage.dedup import Merge
from papertriage.errors import PapertriageError
from papertriage.models import ParseReport, TaggedPaper

SCHEMA_VERSION = 1


@dataclass
class RunResult:
    """What a run produced: papers (ranked, or streamed in input order), the report of what
    was read, and what was merged. For a streamed run `papers` is an iterator that reads,
    tags and yields as it goes; the report and the merges are complete once it is used up."""

    papers: Iterable[TaggedPaper]
    report: ParseReport
    merges: list[Merge] = field(default_factory=list)
    extra_stats: dict[str, Any] = field(default_factory=dict)
    # Every tagged paper of the run, before --theme/--top/min_score cut the list: what the
    # library stores. None means `papers` is all of them.
    all_papers: list[TaggedPaper] | None = None
    streamed: bool = False
    written: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.papers, list):
            self.streamed = True
            self.papers = self._count(self.papers)

    def _count(self, papers: Iterable[TaggedPaper]) -> Iterator[TaggedPaper]:
        for paper in papers:
            self.written += 1
            yield paper

    def close(self) -> None:
        """Stop a streamed run that was not read to its end (a closed pipe, an error): its
        worker processes are shut down now, not by the garbage collector at exit, where
        concurrent.futures races its own exit hook."""
        close = getattr(self.papers, "close", None)
        if self.streamed and close is not None:
            close()

    def stats(self) -> dict[str, Any]:
        count = self.written if self.streamed else len(self.papers)  # type: ignore[arg-type]
        return {
            **self.report.stats(),
            "merged": len(self.merges),
            "papers": count,
            **self.extra_stats,
        }


Renderer = Callable[[RunResult, TextIO], None]
# One paper as its text in a format (json, jsonl, csv): what a worker process renders.
RecordRenderer = Callable[[TaggedPaper], str]


class Rendered:
    """A paper that a worker process (`ingest --jobs`) has already rendered in the output
    format: writing it is writing its text."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def record_renderer(fmt: str) -> RecordRenderer | None:
    """The per-paper renderer of a format that writes papers one by one, or None."""
    from papertriage.formats import csv_format, json_format

    records: dict[str, RecordRenderer] = {
        "json": json_format.json_record,
        "jsonl": json_format.jsonl_record,
        "csv": csv_format.record,
    }
    return records.get(fmt)


def _renderers() -> dict[str, Renderer]:
    from papertriage.formats import csv_format, json_format, markdown, table

    return {
        "table": table.render,
        "json": json_format.render_json,
        "jsonl": json_format.render_jsonl,
        "csv": csv_format.render,
        "md": markdown.render,
    }


FORMAT_NAMES = ("table", "json", "jsonl", "csv", "md")


def generator() -> str:
    return f"papertriage {__version__}"


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_output(result: RunResult, fmt: str, output: str | None) -> None:
    """Render to stdout, or to `output` through a temporary file renamed into place."""
    render = _renderers()[fmt]
    # The table makes its own text visible and colours it; data formats shown on a terminal
    # go through a filter so that an escape sequence in a title never acts on the screen.
    try:
        write_with(lambda stream: render(result, stream), output, terminal_safe=fmt != "table")
    finally:
        result.close()


class _VisibleStream:
    """A terminal stream on which control characters are written as their escapes."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        from papertriage.terminal import visible

        return self._stream.write(visible(text, newlines=True))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def write_with(
    render: Callable[[TextIO], None], output: str | None, terminal_safe: bool = False
) -> None:
    """Call `render` on stdout, or write `output`: a regular file (or a new one) through a
    temporary file renamed into place when it is done; a symlink is followed, and the file
    it points to is the one replaced; a FIFO or a device is written straight into.

    With `terminal_safe`, text written to stdout when it is a terminal has its control
    characters made visible (data in a pipe or a file is left exactly as it is)."""
    if output is None or output == "-":
        try:
            stream = sys.stdout
            if terminal_safe and stream.isatty():
                stream = _VisibleStream(stream)  # type: ignore[assignment]
            render(stream)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise PapertriageError(
                f"cannot write to standard output: {exc.strerror or exc}"
            ) from None
        return
    # The file a symlink points to (followed to the end; a dangling link gives the file to
    # create): the temporary file goes next to it, so that the rename stays on its file system
    # and the link stays a link.
    target = Path(os.path.realpath(output))
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise PapertriageError(f"{output}: is a directory; give a file name to write to")
    if mode is not None and not stat.S_ISREG(mode):
        _write_into(render, output, target)
        return
    directory = target.parent
    # A missing folder is made (`-o ~/triage/2024-07-31.md` on the first night).
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PapertriageError(
            f"{output}: cannot create the folder {directory}: {exc.strerror or exc}"
        ) from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise PapertriageError(f"{output}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            # mkstemp makes the file private (0600); give it the mode a plain open() would
            # (or the mode of the file it replaces).
            os.chmod(tmp_name, _file_mode(target))
            render(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PapertriageError(f"{output}: cannot write: {exc.strerror or exc}") from None
        raise


def _write_into(render: Callable[[TextIO], None], output: str, target: Path) -> None:
    """Write into a FIFO, a character device or a socket-like file as it is: it cannot be
    replaced by a rename, and must not be (`-o /dev/stderr`, a named pipe a reader waits on)."""
    try:
        with open(target, "w", encoding="utf-8", newline="") as handle:
            render(handle)
    except OSError as exc:
        raise PapertriageError(f"{output}: cannot write: {exc.strerror or exc}") from None
