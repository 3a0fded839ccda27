"""Tagging batches of a large input in worker processes (`ingest --jobs N`).

The main process keeps reading, parsing and deduplicating, and writes what comes back in
input order; each worker tags a batch with a copy of the engine made after the first batch
(so every worker weighs words with the same frozen idf) and, when the output format writes
papers one by one and nothing else needs the tagged objects, also scores and renders them.
Rendered text crosses back between processes much faster than tagged objects would.
At most two batches per worker are in flight, so memory stays bounded.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from papertriage.errors import PapertriageError
from papertriage.ranking import score_papers

if TYPE_CHECKING:
    from papertriage.engine import Engine
    from papertriage.formats import RecordRenderer
    from papertriage.models import Paper
    from papertriage.profile import Profile

_state: tuple[Engine, Sequence[str], Profile | None, RecordRenderer | None] | None = None


def available_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start(
    engine: Engine,
    themes: Sequence[str],
    profile: Profile | None,
    record: RecordRenderer | None,
) -> None:
    global _state
    # Ctrl-C reaches every process of the terminal's group: the parent handles it and stops
    # the workers, which should not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state = (engine, themes, profile, record)


def _tag(batch: list[Paper]) -> list[Any]:
    assert _state is not None
    engine, themes, profile, record = _state
    tagged = engine.tag(batch)
    if record is None:
        return tagged
    return [record(paper) for paper in score_papers(tagged, themes, profile)]


class WorkerPool:
    """`jobs` processes that tag batches; `map` gives their results in input order."""

    def __init__(
        self,
        jobs: int,
        engine: Engine,
        themes: Sequence[str] = (),
        profile: Profile | None = None,
        record: RecordRenderer | None = None,
    ):
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        # fork shares the engine (rules, idf, word caches) without pickling it; spawn (where
        # fork does not exist) pickles it once per worker.
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.jobs = jobs
        # concurrent.futures rather than multiprocessing.Pool: when a worker dies (killed,
        # out of memory) the run fails at once instead of waiting forever for its batch.
        self._executor = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_start, initargs=(engine, themes, profile, record)
        )

    def map(self, batches: Iterable[list[Paper]]) -> Iterator[list[Any]]:
        """Tagged papers (or rendered texts, with a record renderer) of each batch."""
        from concurrent.futures.process import BrokenProcessPool

        pending: deque = deque()
        try:
            for batch in batches:
                pending.append(self._executor.submit(_tag, batch))
                if len(pending) >= 2 * self.jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise PapertriageError(
                "a worker process died (killed, or out of memory?); try fewer --jobs"
            ) from None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        # Batches not started yet are dropped (an error, a closed pipe); a worker finishes
        # the one it is tagging, then stops.
        self._executor.shutdown(wait=True, cancel_futures=True)
