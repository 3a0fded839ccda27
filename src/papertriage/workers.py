"""Tagging batches of a large input in worker processes (`ingest --jobs N`).

The main process keeps reading, parsing and deduplicating, and writes what comes back in
input order; each worker tags a batch with a copy of the engine made after the first batch
(so every worker weighs words with the same frozen idf) and, when the output format writes
papers one by one and nothing else needs the tagged objects, also scores and renders them.
Rendered text crosses back between processes much faster than tagged objects would.
At most two batches per worker are in flight, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
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
# True once an interrupted run left a pool's manager thread behind (see WorkerPool.__exit__):
# the process then ends with os._exit, as Python's exit would join that thread for ever.
abandoned = False


def available_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    """End this worker when the process that started it dies, however it dies (SIGKILL, an
    out-of-memory kill: no handler of the parent runs then).

    On Linux the kernel does it: prctl(PR_SET_PDEATHSIG, SIGTERM) asks for SIGTERM when the
    parent goes, at no cost while it lives (the pool's processes are forked by the main
    thread, whose end is the process's end). Elsewhere a daemon thread checks
    os.getppid() once a second. If the parent is already gone (it died before this ran), the
    worker ends now.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if armed:
        return
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start(
    engine: Engine,
    themes: Sequence[str],
    profile: Profile | None,
    record: RecordRenderer | None,
    parent: int | None = None,
) -> None:
    global _state
    # Ctrl-C reaches every process of the terminal's group: the parent handles it and stops
    # the workers, which should not each print a traceback. SIGTERM ends a worker at once
    # (the parent's own SIGTERM handler, inherited by fork, is reset).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None:
        _watch_parent(parent)
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
            jobs,
            mp_context=context,
            initializer=_start,
            initargs=(engine, themes, profile, record, os.getpid()),
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

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Batches not started yet are dropped (an error, a closed pipe, a stream closed
        # early); a worker finishes the one it is tagging, then stops. Interrupted (Ctrl-C,
        # SIGTERM), the run is not kept waiting for that batch: the workers are stopped at
        # once, and nothing waits for the pool's manager thread: a worker stopped while it
        # was sending a result leaves half a message in the pipe, on which that thread then
        # waits for ever. The process must then end without joining it (`abandoned`).
        global abandoned
        if exc_type is not None and not issubclass(exc_type, (Exception, GeneratorExit)):
            self.terminate()
            self._executor.shutdown(wait=False, cancel_futures=True)
            abandoned = True
            return
        self._executor.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM), without waiting for the batch it is tagging."""
        processes = getattr(self._executor, "_processes", None) or {}
        for process in list(processes.values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):  # already gone
                process.terminate()
