#!/usr/bin/env python3
"""Benchmarks for papertriage: ingest at scale, per-stage cost, start-up, and a bare baseline.

    python benchmarks/bench.py --sizes 1000,10000,100000 [--jobs 1,2] [--million] [--out results.md]

For each size N it writes a synthetic Daily Papers listing (benchmarks/synth.py) and measures

- `papertriage ingest FILE --format jsonl --no-store --jobs J` as a child process (stdout to
  /dev/null), once per job count J of `--jobs` (default 1,2; 0 means one per CPU, resolved
  here; the 1M run uses the largest): wall time, papers/s, the ingest process's peak RSS
  (os.wait4) and the peak of its whole process tree (with J > 1 the workers are its children).
  Sizes up to 10k run three times and report the median (the best is kept too).
  Peak semantics, on Linux: wait4's ru_maxrss is the larger of the child's own high-water RSS
  and the largest of the descendants it waited for (a max, never a sum), so with J = 1 it is
  the process's own peak and with J > 1 that of the largest single process. The tree peak is
  the largest sum of RSS over the child and its descendants, sampled every 50 ms, floored at
  the wait4 figure and equal to it when no worker ran (so with J = 1 tree = process). Pages
  that forked workers still share with the parent count once per process: an upper bound.
- the pipeline stages run by hand in a fresh child process (rules, read + parse, dedup, tag,
  rank, jsonl output), in batches as `ingest` streams them (`--stages-mode whole`: whole lists
  as `pipeline.run` does): time, peak RSS during the stage and RSS after it.
- a bare scikit-learn baseline in a child process: read the file, split the records, fit one
  TfidfVectorizer (word 1-2 grams, sublinear tf, English stop words) on titles + abstracts,
  transform the theme prototypes and take one sparse product. papertriage's time is reported
  as a ratio of it.

Then it times start-up (`papertriage --version` and `--help`, best and median of 10), checks
whether `--version` imports scikit-learn, and prints Markdown tables with the machine.
Everything but papertriage itself and scikit-learn is the standard library.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

MB = 1024 * 1024
REPEATS_UP_TO = 10_000
DEFAULT_PAGE = Path("/work/shared/corpus/hf-daily-papers.txt")


# --------------------------------------------------------------------------------------------
# Running and measuring a child process
# --------------------------------------------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    """Every process's children, from the ppid in /proc/*/stat.

    /proc/PID/task/TID/children would be cheaper but needs CONFIG_PROC_CHILDREN, which not
    every kernel has; scanning /proc costs about 1 ms per 70 processes.
    """
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:  # exited since listdir
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ")".
        ppid = int(data[data.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    return children


def _tree(pid: int) -> list[int]:
    """pid and all its descendants alive now."""
    children = _children_by_parent()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / MB if hasattr(os, "sysconf") else 4096 / MB


def _rss_mb(pid: int) -> float:
    """Resident set of one process (0 if it is gone or a zombie)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants until stopped.

    wait4 gives exact peaks but per process, never a sum: with `ingest --jobs N` the parent and
    N forked workers hold memory at the same time, and only sampling sees that total.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self.max_processes = 0
        self.samples = 0
        self.supported = os.path.isdir("/proc/self")
        # Not `_stop`: threading.Thread has a method of that name.
        self._done = threading.Event()

    def run(self) -> None:
        if not self.supported:
            return
        while True:
            # A zombie (exited, not yet waited) has no RSS: it is not counted as a process.
            sizes = [size for size in map(_rss_mb, _tree(self.pid)) if size > 0]
            if sizes:
                self.samples += 1
                self.peak_mb = max(self.peak_mb, sum(sizes))
                self.max_processes = max(self.max_processes, len(sizes))
            if self._done.wait(self.interval):
                return

    def stop(self) -> None:
        self._done.set()
        self.join()


def run_measured(
    cmd: Sequence[str],
    timeout: float | None = None,
    mem_limit_gb: float | None = None,
    stdout_path: str | None = None,
    sample_tree: bool = False,
) -> dict[str, Any]:
    """Run cmd with stdout to /dev/null (or a file); return wall s, peak RSS MB, rc, stderr.

    The child's own rusage comes from os.wait4 on its pid, so ru_maxrss is that child's peak
    (RUSAGE_CHILDREN would only give the largest of all children so far). On Linux it is
    the max of the child's own high-water mark and those of the descendants it waited for,
    and its CPU times include theirs. With sample_tree, a thread also samples the summed RSS
    of the child and its descendants (tree_peak_mb, floored at peak_mb, and the most
    processes seen at once); it is off elsewhere so that short runs (start-up) are not
    perturbed by /proc scans.
    """
    preexec = None
    if mem_limit_gb:
        import resource

        limit = int(mem_limit_gb * 1024**3)

        def preexec() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryFile() as err:
        out = open(stdout_path or os.devnull, "wb")  # noqa: SIM115
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, preexec_fn=preexec)
            sampler = _TreeSampler(proc.pid) if sample_tree else None
            if sampler is not None:
                sampler.start()
            timer = None
            timed_out = threading.Event()
            if timeout:

                def kill() -> None:
                    timed_out.set()
                    # The whole tree: workers whose parent is killed would live on as orphans.
                    # All are listed before any is killed, since an orphan is re-parented and
                    # could no longer be found.
                    for pid in _tree(proc.pid) if os.path.isdir("/proc/self") else [proc.pid]:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)

                timer = threading.Timer(timeout, kill)
                timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            if timer:
                timer.cancel()
            if sampler is not None:
                sampler.stop()
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            out.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    result = {
        "wall": wall,
        "peak_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "rc": proc.returncode,
        "stderr": stderr,
        "timed_out": timed_out.is_set(),
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
    }
    if sampler is not None and sampler.supported:
        # A lone process is its own tree, and wait4's peak is exact where a 50 ms sample is
        # not; with workers the exact figure is still a floor for the sampled sum.
        processes = max(sampler.max_processes, 1)
        result["tree_peak_mb"] = (
            max(sampler.peak_mb, result["peak_mb"]) if processes > 1 else result["peak_mb"]
        )
        result["processes"] = processes
        result["tree_samples"] = sampler.samples
    return result


def papertriage_command() -> list[str]:
    """The console script itself, not a version-manager shim in front of it (shims add their
    own start-up time); falls back to whatever `papertriage` is on PATH."""
    beside = Path(sys.executable).parent / "papertriage"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("papertriage")
    if found:
        return [found]
    return [sys.executable, "-m", "papertriage"]


# --------------------------------------------------------------------------------------------
# Child: the pipeline stages by hand
# --------------------------------------------------------------------------------------------


def _proc_status(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset VmHWM (Linux >= 4.0: write 5 to clear_refs) so each stage gets its own peak."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class _StageTimer:
    """Accumulates time and the peak RSS of named stages, over one call or many batches."""

    def __init__(self, use_tracemalloc: bool):
        self.use_tracemalloc = use_tracemalloc
        self.order: list[str] = []
        self.stats: dict[str, dict[str, Any]] = {}
        self.resettable = _reset_peak()

    def __call__(self, name: str, func: Callable[[], Any]) -> Any:
        import tracemalloc

        if name not in self.stats:
            self.order.append(name)
            self.stats[name] = {"stage": name, "seconds": 0.0, "calls": 0, "peak_mb": 0.0}
        entry = self.stats[name]
        if "error" in entry:
            raise RuntimeError(entry["error"])
        _reset_peak()
        if self.use_tracemalloc:
            tracemalloc.reset_peak()
        start = time.perf_counter()
        try:
            value = func()
        except Exception as exc:  # an API that moved: report the stage as n/a
            entry["error"] = f"{type(exc).__name__}: {exc}"
            raise
        entry["seconds"] += time.perf_counter() - start
        entry["calls"] += 1
        entry["peak_mb"] = max(entry["peak_mb"], _proc_status("VmHWM") or 0.0)
        entry["rss_after_mb"] = _proc_status("VmRSS")
        if self.use_tracemalloc:
            traced = tracemalloc.get_traced_memory()[1] / MB
            entry["traced_peak_mb"] = max(entry.get("traced_peak_mb", 0.0), traced)
        return value

    def result(self) -> list[dict[str, Any]]:
        return [self.stats[name] for name in self.order]


def _wrap_timed(owner: Any, name: str, bucket: list[float]) -> bool:
    """Replace owner.name by a wrapper that adds its run time to bucket[0]."""
    original = getattr(owner, name, None) if owner is not None else None
    if not callable(original):
        return False

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[0] += time.perf_counter() - start

    setattr(owner, name, timed)
    return True


def child_stages(path: str, out_path: str, use_tracemalloc: bool, mode: str) -> None:
    """Run the pipeline's stages by hand on one file.

    mode "stream" mirrors `pipeline.stream` (what `ingest` runs): papers are read and parsed
    lazily and go through dedup, tag, score and output in batches; a stage's seconds are
    summed over batches and its peak is the largest over batches. mode "whole" mirrors
    `pipeline.run` (eval, explain): each stage gets the whole list.
    """
    import itertools
    import tracemalloc

    results: dict[str, Any] = {"notes": [], "mode": mode}
    notes = results["notes"]
    if use_tracemalloc:
        tracemalloc.start()
    timer = _StageTimer(use_tracemalloc)
    results["peak_reset_supported"] = timer.resettable
    modules: dict[str, Any] = {}

    def api(module: str, name: str) -> Any:
        func = getattr(modules.get(module), name, None)
        if func is None:
            raise LookupError(f"{module}.{name} not found")
        return func

    def do_imports() -> None:
        for name in (
            "papertriage.models",
            "papertriage.reading",
            "papertriage.parsers",
            "papertriage.dedup",
            "papertriage.rules",
            "papertriage.tfidf",
            "papertriage.engine",
            "papertriage.ranking",
            "papertriage.formats",
            "papertriage.formats.json_format",
            "papertriage.pipeline",
        ):
            try:
                modules[name] = importlib.import_module(name)
            except Exception as exc:
                notes.append(f"cannot import {name}: {type(exc).__name__}: {exc}")

    timer("import", do_imports)
    engine_mod = modules.get("papertriage.engine")

    # Time the TF-IDF part of tagging by wrapping what the engine calls for it.
    similarity = [0.0]
    wrapped = [
        name
        for owner, name in (
            (engine_mod, "best_similarities"),  # engines before the per-paper measure
            (engine_mod, "analyse"),
            (engine_mod, "analyse_words"),
            (getattr(engine_mod, "PrototypeIndex", None), "__init__"),
            (getattr(engine_mod, "PrototypeIndex", None), "score_terms"),
            (getattr(engine_mod, "PrototypeIndex", None), "measure"),
        )
        if _wrap_timed(owner, name, similarity)
    ]
    results["similarity_wrapped"] = wrapped

    def run_stage(name: str, func: Callable[[], Any]) -> Any:
        try:
            return timer(name, func)
        except Exception:
            return None

    themes = run_stage("rules", lambda: api("papertriage.rules", "load_rules")())
    report = api("papertriage.models", "ParseReport")()
    merges: list[Any] = []
    counts = {"parsed": 0, "unique": 0}

    def render(scored: list[Any]) -> None:
        render_jsonl = api("papertriage.formats.json_format", "render_jsonl")
        run_result = api("papertriage.formats", "RunResult")
        with open(os.devnull, "w", encoding="utf-8") as sink:
            render_jsonl(run_result(scored, report, merges), sink)

    if mode == "stream":
        try:
            iter_papers = api("papertriage.pipeline", "iter_papers")
            deduplicator = api("papertriage.dedup", "Deduplicator")()
            is_new, seal = deduplicator.is_new, getattr(deduplicator, "seal", lambda: None)
            merges = deduplicator.merges
            engine_class = api("papertriage.engine", "Engine")
            try:  # as ingest makes it: evidence only for the themes a paper is assigned
                engine = engine_class(themes, stream=True, evidence="assigned")
            except TypeError:  # before the engine had that option
                engine = engine_class(themes, stream=True)
            score_papers = api("papertriage.ranking", "score_papers")
            batch_size = getattr(modules["papertriage.pipeline"], "BATCH_SIZE", 1000)
        except Exception as exc:
            notes.append(f"streamed stages unavailable ({type(exc).__name__}: {exc}); whole")
            mode = results["mode"] = "whole"
    if mode == "stream":
        results["batch_size"] = batch_size
        papers = iter_papers([path], report)
        while True:
            raw = run_stage("read + parse", lambda: list(itertools.islice(papers, batch_size)))
            if not raw:
                break
            counts["parsed"] += len(raw)
            batch = run_stage("dedup", lambda raw=raw: [p for p in raw if is_new(p)])
            counts["unique"] += len(batch)
            tagged = run_stage("tag", lambda batch=batch: list(engine.tag(batch)))
            run_stage("dedup", seal)
            if tagged is None:
                break
            scored = run_stage("rank", lambda t=tagged: list(score_papers(t, (), None)))
            run_stage("output", lambda s=scored: render(s))
    else:
        source = run_stage("read", lambda: api("papertriage.reading", "read_input")(path))

        def parse() -> list[Any]:
            return list(api("papertriage.parsers", "parse_input")(source, report))

        papers = run_stage("parse", parse) or []
        counts["parsed"] = len(papers)

        def dedup() -> list[Any]:
            value = api("papertriage.dedup", "deduplicate")(papers)
            if isinstance(value, tuple):
                merges.extend(value[1])
                return list(value[0])
            return list(value)

        unique = run_stage("dedup", dedup) or []
        counts["unique"] = len(unique)
        tagged = run_stage(
            "tag", lambda: list(api("papertriage.engine", "Engine")(themes).tag(unique))
        )
        ranked = run_stage("rank", lambda: api("papertriage.ranking", "rank")(tagged))
        if ranked is not None:
            run_stage("output", lambda: render(ranked))
    results["stages"] = timer.result()
    if wrapped and similarity[0]:
        results["tag_similarity_seconds"] = similarity[0]
    results["papers_parsed"] = counts["parsed"]
    results["papers_unique"] = counts["unique"]
    results["merges"] = len(merges)
    reasons: dict[str, int] = {}
    for merge in merges:
        found = re.match(r"[\w-]+", str(getattr(merge, "reason", "?")))
        reason = found.group(0) if found else "?"
        reasons[reason] = reasons.get(reason, 0) + 1
    results["merge_reasons"] = reasons
    results["problems"] = len(getattr(report, "problems", []) or [])
    results["sklearn_imported"] = "sklearn" in sys.modules
    results["rss_end_mb"] = _proc_status("VmRSS")
    Path(out_path).write_text(json.dumps(results), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Child: the bare scikit-learn baseline
# --------------------------------------------------------------------------------------------

_DATE_LINE = re.compile(r"^(?:[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?|\d{4}-\d{2}-\d{2})$")


def prototypes(rules_dir: Path) -> list[str]:
    import yaml

    texts = []
    for path in sorted(rules_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("prototype"):
            texts.append(str(data["prototype"]))
    return texts


def split_records(text: str) -> list[str]:
    """Blank-line separated blocks; a long block is an abstract, the block before its title."""
    documents = []
    title = None
    for block in text.split("\n\n"):
        block = block.strip()
        if not block or _DATE_LINE.match(block):
            continue
        if len(block) > 300 and title is not None:
            documents.append(f"{title}\n{block}")
            title = None
        else:
            title = block
    return documents


def child_baseline(path: str, rules_dir: str, out_path: str) -> None:
    times: dict[str, Any] = {}
    start = time.perf_counter()
    from sklearn.feature_extraction.text import TfidfVectorizer

    times["import_sklearn"] = time.perf_counter() - start

    mark = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        documents = split_records(handle.read())
    protos = prototypes(Path(rules_dir))
    times["read_split"] = time.perf_counter() - mark

    mark = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    docs = vectorizer.fit_transform(documents)
    times["fit_transform"] = time.perf_counter() - mark

    mark = time.perf_counter()
    sims = docs @ vectorizer.transform(protos).T
    times["product"] = time.perf_counter() - mark
    times["documents"] = len(documents)
    times["prototypes"] = len(protos)
    times["vocabulary"] = len(vectorizer.vocabulary_)
    times["nnz"] = int(docs.nnz)
    times["sims_shape"] = list(sims.shape)
    times["total_in_process"] = time.perf_counter() - start
    Path(out_path).write_text(json.dumps(times), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------


def rules_dir() -> Path:
    for candidate in (REPO / "rules", REPO / "src" / "papertriage" / "default_rules"):
        if list(candidate.glob("*.yaml")):
            return candidate
    raise SystemExit("no rules/*.yaml found for the baseline prototypes")


def listing(workdir: Path, n: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """Generate (or reuse) the listing of n papers; its stats are cached beside it."""
    path = workdir / f"daily-{n}-s{seed}-v{synth.GENERATOR_VERSION}.txt"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text(encoding="utf-8"))
    start = time.perf_counter()
    stats = synth.write_listing(path, n, seed).to_dict()
    stats["generate_seconds"] = time.perf_counter() - start
    meta.write_text(json.dumps(stats), encoding="utf-8")
    return path, stats


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cli = papertriage_command()
        self.no_store = True
        self.notes: list[str] = []

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def ingest(
        self, path: Path, jobs: int = 1, mem_limit_gb: float | None = None
    ) -> dict[str, Any]:
        # --jobs is passed even for 1, so that a row's label cannot drift from ingest's default.
        base = [*self.cli, "ingest", str(path), "--format", "jsonl", "--jobs", str(jobs)]
        if self.args.input_format:
            base += ["--input-format", self.args.input_format]
        while True:
            cmd = base + (["--no-store"] if self.no_store else [])
            result = run_measured(cmd, self.args.timeout, mem_limit_gb, sample_tree=True)
            if (
                self.no_store
                and result["rc"] == 2
                and "--no-store" in result["stderr"]
                and re.search(r"no such option|unknown option", result["stderr"], re.I)
            ):
                self.no_store = False
                self.notes.append(
                    "`--no-store` was rejected as an unknown option (the store is not "
                    "integrated yet), so ingest ran without it."
                )
                continue
            return result

    def child(self, args: list[str], mem_limit_gb: float | None = None) -> dict[str, Any]:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out_path = handle.name
        try:
            cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--child-out", out_path]
            measured = run_measured(cmd, self.args.timeout, mem_limit_gb)
            text = Path(out_path).read_text(encoding="utf-8")
            measured["data"] = json.loads(text) if text.strip() else None
            return measured
        finally:
            Path(out_path).unlink(missing_ok=True)

    def repeated(self, n: int, func: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        runs = []
        for _ in range(3 if n <= REPEATS_UP_TO else 1):
            result = func()
            if result["rc"] != 0 and not result["timed_out"]:
                # One retry: a failure can be transient while the code is being edited.
                self.log(f"[{n}]   failed (rc {result['rc']}), retrying once")
                result = func()
            runs.append(result)
        ok = [r for r in runs if r["rc"] == 0]
        if not ok:
            return {**runs[-1], "runs": len(runs), "failed": True}
        walls = sorted(r["wall"] for r in ok)
        median = statistics.median(walls)
        chosen = min(ok, key=lambda r: abs(r["wall"] - median))
        # Memory figures are the largest over the runs, like peak_mb.
        peaks = {
            key: max(r[key] for r in ok)
            for key in ("peak_mb", "tree_peak_mb", "processes")
            if all(key in r for r in ok)
        }
        return {**chosen, "wall": median, "best": walls[0], "runs": len(runs), **peaks}

    def size(
        self,
        n: int,
        jobs: Sequence[int],
        stages: bool = True,
        mem_limit_gb: float | None = None,
    ) -> dict:
        path, gen = listing(self.workdir, n, self.args.seed)
        self.log(f"[{n}] listing {path.name}: {gen['bytes'] / MB:.1f} MB")
        entry: dict[str, Any] = {"n": n, "generator": gen, "file": str(path), "ingest": []}
        for j in jobs:
            self.log(f"[{n}] papertriage ingest --jobs {j} ...")
            ing = self.repeated(n, lambda j=j: self.ingest(path, j, mem_limit_gb))
            entry["ingest"].append({"jobs": j, **ing})
            tree = ing.get("tree_peak_mb")
            self.log(
                f"[{n}]   {ing['wall']:.2f} s, {ing['peak_mb']:.0f} MB"
                + (f", tree {tree:.0f} MB in {ing['processes']} process(es)" if tree else "")
            )
        self.log(f"[{n}] baseline ...")
        entry["baseline"] = self.repeated(
            n,
            lambda: self.child(
                ["--child-baseline", str(path), "--rules-dir", str(rules_dir())], mem_limit_gb
            ),
        )
        b = entry["baseline"]
        self.log(f"[{n}]   {b['wall']:.2f} s, {b['peak_mb']:.0f} MB")
        if stages:
            self.log(f"[{n}] stages ...")
            args = ["--child-stages", str(path)]
            if self.args.tracemalloc:
                args.append("--tracemalloc")
            args += ["--stages-mode", self.args.stages_mode]
            entry["stages"] = self.child(args, mem_limit_gb)
        return entry

    def startup(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        commands = {"--version": [*self.cli, "--version"], "--help": [*self.cli, "--help"]}
        on_path = shutil.which("papertriage")
        if on_path and Path(on_path).resolve() != Path(self.cli[0]).resolve():
            commands["--version (PATH: shim)"] = [on_path, "--version"]
        for name, cmd in commands.items():
            walls = []
            rc = 0
            for _ in range(10):
                measured = run_measured(cmd, 60)
                rc = rc or measured["rc"]
                walls.append(measured["wall"])
            results[name] = {
                "best": min(walls),
                "median": statistics.median(walls),
                "rc": rc,
                "cmd": " ".join(cmd),
            }
        probe = (
            "import json, sys\n"
            "from papertriage.cli import main\n"
            "arg = sys.argv[1]\n"
            "sys.stdout = open('/dev/null', 'w')\n"
            "try:\n    main([arg])\nexcept SystemExit:\n    pass\n"
            "heavy = ['sklearn', 'numpy', 'scipy', 'rapidfuzz', 'yaml', 'rich', 'typer']\n"
            "sys.stderr.write(json.dumps({m: m in sys.modules for m in heavy}))\n"
        )
        for arg in ("--version", "--help"):
            done = subprocess.run(
                [sys.executable, "-c", probe, arg], capture_output=True, text=True, timeout=60
            )
            try:
                results[arg]["modules"] = json.loads(done.stderr.strip().splitlines()[-1])
            except (ValueError, IndexError):
                results[arg]["modules"] = {"error": done.stderr.strip()[-200:]}
        # Which imports cost the most for --version.
        done = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "import sys; sys.argv=['papertriage','--version']\n"
                "from papertriage.cli import main\n"
                "try:\n    main()\nexcept SystemExit:\n    pass",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        top = []
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if match and len(match[3]) <= 2:  # top-level imports only
                top.append((int(match[2]) / 1e6, match[4]))
        results["importtime_top"] = sorted(top, reverse=True)[:8]
        walls = [
            run_measured([sys.executable, "-c", "import sklearn.feature_extraction.text"])["wall"]
            for _ in range(3)
        ]
        results["sklearn_import"] = min(walls)
        walls = [run_measured([sys.executable, "-c", "pass"])["wall"] for _ in range(5)]
        results["python_bare"] = min(walls)
        return results

    def page(self) -> dict[str, Any] | None:
        page = Path(self.args.page) if self.args.page else None
        if page is None or not page.exists():
            return None
        walls, peak, rc = [], 0.0, 0
        for _ in range(5):
            measured = self.ingest(page)
            walls.append(measured["wall"])
            peak = max(peak, measured["peak_mb"])
            rc = rc or measured["rc"]
        return {
            "file": str(page),
            "best": min(walls),
            "median": statistics.median(walls),
            "peak_mb": peak,
            "rc": rc,
        }

    def run(self) -> dict[str, Any]:
        args = self.args
        if args.workdir:
            self.workdir = Path(args.workdir)
            self.workdir.mkdir(parents=True, exist_ok=True)
            cleanup = None
        else:
            cleanup = tempfile.TemporaryDirectory(prefix="papertriage-bench-")
            self.workdir = Path(cleanup.name)
        # Children never touch the user's library: a store, if any, goes to the work dir.
        os.environ["PAPERTRIAGE_HOME"] = str(self.workdir / "home")
        try:
            results: dict[str, Any] = {"machine": machine(), "sizes": []}
            self.log("start-up ...")
            results["startup"] = self.startup()
            results["page"] = self.page()
            results["jobs"] = args.jobs
            for n in args.sizes:
                results["sizes"].append(self.size(n, args.jobs))
            if args.million:
                # One ingest run takes about half an hour: only the most parallel one.
                self.log("[1000000] (ingest and baseline only) ...")
                results["sizes"].append(
                    self.size(
                        1_000_000,
                        [max(args.jobs)],
                        stages=args.million_stages,
                        mem_limit_gb=args.mem_limit,
                    )
                )
            results["notes"] = self.notes
            results["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
            results["command"] = self.cli
            return results
        finally:
            if cleanup is not None:
                cleanup.cleanup()


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    versions = {}
    for name in ("papertriage", "scikit-learn", "scipy", "numpy", "rapidfuzz"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = "?"
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "memory_gb": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "commit": commit + (" + uncommitted changes in src/" if dirty else ""),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(results: dict[str, Any]) -> str:
    lines: list[str] = ["# papertriage benchmarks", ""]
    m = results["machine"]
    lines += [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {_f(m['memory_gb'], 1)} GB RAM, "
        f"Python {m['python']}, {m['platform']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Repository: {m['commit']}. Command: `{' '.join(results['command'])}`.",
        f"Load average at start: {_load(m.get('loadavg'))}; "
        f"at end: {_load(results.get('loadavg_end'))} "
        "(other work on the machine inflates wall times).",
        "",
        "## Ingest (`ingest FILE --format jsonl --no-store --jobs J`, stdout to /dev/null)",
        "",
        "One row per size N and job count J (`--jobs`: with J > 1, J worker processes tag the "
        "batches after the first (1000 papers by default), so an input of one batch runs in one "
        "process whatever J). Wall time is the median of 3 runs up to 10k papers (best in "
        "brackets), 1 run above. Peak MB is the ingest process's max RSS from wait4 (on Linux "
        "the max, not the sum, of its own and its waited workers' peaks); peak MB (tree) is "
        "the largest sum of RSS over it and its workers, sampled every 50 ms (pages the forked "
        "workers share with it count once per process: an upper bound); processes is the most "
        "seen at once. "
        "Memory figures are the largest over the runs. Baseline (measured once per N): "
        "read + split + one TfidfVectorizer(1-2 grams, sublinear tf, English stop words) "
        "fit_transform + prototypes transform + one sparse product, in a fresh Python "
        "process. Ratio = papertriage wall / baseline wall.",
        "",
        "| N | jobs | papertriage wall s | papers/s | peak MB | peak MB (tree) | processes "
        "| baseline wall s | baseline peak MB | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        n, base = entry["n"], entry["baseline"]
        base_ok = not base.get("failed") and base["rc"] == 0
        if base_ok:
            bw = f"{base['wall']:.2f}" + (
                f" ({base['best']:.2f})" if base.get("runs", 1) > 1 else ""
            )
        else:
            bw = f"failed rc={base['rc']}"
        for row, ing in enumerate(entry["ingest"]):
            ok = not ing.get("failed") and ing["rc"] == 0
            if ok:
                pt = f"{ing['wall']:.2f}" + (
                    f" ({ing['best']:.2f})" if ing.get("runs", 1) > 1 else ""
                )
                rate = f"{n / ing['wall']:,.0f}"
            else:
                why = "timed out" if ing.get("timed_out") else f"failed rc={ing['rc']}"
                pt = f"{why} after {ing['wall']:.1f}"
                rate = "n/a"
            ratio = f"{ing['wall'] / base['wall']:.2f}x" if ok and base_ok else "n/a"
            # The baseline is one measurement per N: shown on that N's first row only.
            baseline = f"{bw} | {base['peak_mb']:.0f}" if row == 0 else " | "
            lines.append(
                f"| {n:,} | {ing['jobs']} | {pt} | {rate} | {ing['peak_mb']:.0f} "
                f"| {_f(ing.get('tree_peak_mb'), 0)} | {_f(ing.get('processes'))} "
                f"| {baseline} | {ratio} |"
            )
    lines.append("")
    # Baseline breakdown
    lines += [
        "Baseline breakdown (in-process seconds):",
        "",
        "| N | import sklearn | read + split | fit_transform | prototypes + product "
        "| documents | vocabulary | nnz |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        data = entry["baseline"].get("data") or {}
        if not data:
            continue
        lines.append(
            f"| {entry['n']:,} | {_f(data.get('import_sklearn'))} | {_f(data.get('read_split'))} "
            f"| {_f(data.get('fit_transform'))} | {_f(data.get('product'), 3)} "
            f"| {data.get('documents', 0):,} | {data.get('vocabulary', 0):,} "
            f"| {data.get('nnz', 0):,} |"
        )
    lines.append("")
    # Stages
    staged = [e for e in results["sizes"] if e.get("stages")]
    if staged:
        lines += [
            "## Stages (run by hand in one fresh process)",
            "",
            _stages_intro(staged[0]["stages"].get("data") or {}),
            "",
        ]
        tm = any(
            "traced_peak_mb" in s
            for e in staged
            for s in ((e["stages"].get("data") or {}).get("stages") or [])
        )
        header = "| N | stage | seconds | share | peak MB | RSS after MB |"
        rule = "|---:|---|---:|---:|---:|---:|"
        if tm:
            header += " tracemalloc peak MB |"
            rule += "---:|"
        lines += [header, rule]
        for entry in staged:
            data = entry["stages"].get("data") or {}
            stages = data.get("stages") or []
            total = sum(s.get("seconds", 0.0) for s in stages if s["stage"] != "import")
            for s in stages:
                if "error" in s:
                    row = f"| {entry['n']:,} | {s['stage']} | n/a ({s['error'][:60]}) | | | |"
                else:
                    share = (
                        f"{100 * s['seconds'] / total:.0f}%"
                        if s["stage"] != "import" and total
                        else ""
                    )
                    row = (
                        f"| {entry['n']:,} | {s['stage']} | {s['seconds']:.2f} | {share} "
                        f"| {_f(s.get('peak_mb'), 0)} | {_f(s.get('rss_after_mb'), 0)} |"
                    )
                    if tm:
                        row += f" {_f(s.get('traced_peak_mb'), 0)} |"
                lines.append(row)
                if s["stage"] == "tag" and data.get("tag_similarity_seconds"):
                    sim = data["tag_similarity_seconds"]
                    lines.append(
                        f"| {entry['n']:,} | tag: of which TF-IDF similarity | {sim:.2f} "
                        f"| | | |" + (" |" if tm else "")
                    )
                    lines.append(
                        f"| {entry['n']:,} | tag: of which keywords + scores "
                        f"| {s['seconds'] - sim:.2f} | | | |" + (" |" if tm else "")
                    )
        lines.append("")
        lines += [
            "| N | papers in file | parsed | unique after dedup | planted exact dups "
            "| planted near dups | merges (by reason) | parse problems |",
            "|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        for entry in staged:
            data = entry["stages"].get("data") or {}
            gen = entry["generator"]
            reasons = ", ".join(f"{k} {v}" for k, v in (data.get("merge_reasons") or {}).items())
            lines.append(
                f"| {entry['n']:,} | {gen['papers']:,} | {_f(data.get('papers_parsed'))} "
                f"| {_f(data.get('papers_unique'))} | {gen['exact_duplicates']} "
                f"| {gen['near_duplicates']} | {data.get('merges', 0)} ({reasons}) "
                f"| {_f(data.get('problems'))} |"
            )
        lines.append("")
    # Start-up
    st = results["startup"]
    lines += [
        "## Start-up",
        "",
        "| command | best s | median s | imports sklearn | imports numpy/scipy |",
        "|---|---:|---:|---|---|",
    ]
    for name, value in st.items():
        if not isinstance(value, dict) or "best" not in value:
            continue
        mods = value.get("modules") or {}
        sk = _yes(mods.get("sklearn"))
        ns = _yes(mods.get("numpy") or mods.get("scipy")) if mods else "n/a"
        lines.append(
            f"| `papertriage {name}` | {value['best']:.3f} | {value['median']:.3f} | {sk} | {ns} |"
        )
    lines += [
        "",
        f"For scale: a bare `python -c pass` takes {st['python_bare']:.3f} s and "
        f"`import sklearn.feature_extraction.text` {st['sklearn_import']:.2f} s (best of 3).",
    ]
    if st.get("importtime_top"):
        top = ", ".join(f"{name} {sec * 1000:.0f} ms" for sec, name in st["importtime_top"][:6])
        lines.append(f"Largest top-level imports of `--version` (-X importtime): {top}.")
    page = results.get("page")
    if page:
        lines += [
            "",
            f"Shared page (`{page['file']}`) ingested in {page['best']:.3f} s best, "
            f"{page['median']:.3f} s median of 5, peak {page['peak_mb']:.0f} MB (rc {page['rc']}).",
        ]
    lines.append("")
    # Generator
    lines += [
        "## Synthetic listings",
        "",
        "| N | file MB | words per abstract (min / mean / max) | date headings | generate s |",
        "|---:|---:|---|---:|---:|",
    ]
    for entry in results["sizes"]:
        gen = entry["generator"]
        lines.append(
            f"| {entry['n']:,} | {gen['bytes'] / MB:.1f} | {gen['words_min']} / "
            f"{gen['words_mean']} / {gen['words_max']} | {gen['date_headings']} "
            f"| {_f(gen.get('generate_seconds'), 1)} |"
        )
    lines.append("")
    for note in results.get("notes", []):
        lines.append(f"Note: {note}")
    for entry in results["sizes"]:
        parts = [(f"ingest --jobs {ing['jobs']}", ing) for ing in entry["ingest"]]
        parts += [(key, entry.get(key)) for key in ("baseline", "stages")]
        for key, part in parts:
            if part and part.get("rc"):
                tail = part["stderr"].strip().splitlines()[-3:]
                lines.append(
                    f"Note: {key} at {entry['n']:,} exited {part['rc']}: {' / '.join(tail)}"
                )
            elif part and key == "stages":
                for note in (part.get("data") or {}).get("notes", []):
                    lines.append(f"Note: stages at {entry['n']:,}: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _stages_intro(data: dict[str, Any]) -> str:
    peak = (
        "Peak MB is the process's max RSS during the stage (VmHWM reset before each call)"
        if data.get("peak_reset_supported", True)
        else "Peak MB is the process's max RSS so far (VmHWM could not be reset)"
    )
    if data.get("mode") == "stream":
        how = (
            f"As `ingest` runs them (`pipeline.stream`): papers read and parsed lazily, then "
            f"dedup, tag (streaming engine), score and jsonl output in batches of "
            f"{data.get('batch_size', '?')}; seconds are summed over batches and peak is the "
            f"largest over batches. "
        )
    else:
        how = "As `pipeline.run` does (eval, explain): each stage gets the whole list. "
    return how + peak + "; RSS after is what the process holds when the stage (last) ends."


def _load(value: Any) -> str:
    return " / ".join(f"{v:.2f}" for v in value) if value else "n/a"


def _yes(value: Any) -> str:
    if value is None:
        return "n/a"
    return "yes" if value else "no"


def parse_sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.replace("_", "").split(",") if part.strip()]


def parse_jobs(text: str) -> list[int]:
    """Job counts in the order given, without repeats; 0 (ingest's "one per CPU") becomes the
    number of CPUs this process may use, which is what ingest resolves it to, so that the
    report shows a number."""
    jobs: list[int] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = int(part)
        if value < 0:
            raise argparse.ArgumentTypeError(f"job counts are >= 0, not {value}")
        if value == 0:
            value = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if value not in jobs:
            jobs.append(value)
    if not jobs:
        raise argparse.ArgumentTypeError("no job count given")
    return jobs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 10000])
    parser.add_argument(
        "--jobs",
        type=parse_jobs,
        default=[1, 2],
        help="comma-separated `ingest --jobs` counts measured per size (0: one per CPU); "
        "the 1M run uses the largest",
    )
    parser.add_argument("--million", action="store_true", help="also 1,000,000 papers")
    parser.add_argument("--million-stages", action="store_true", help="stages at 1M too")
    parser.add_argument("--mem-limit", type=float, default=20.0, help="GB cap for the 1M run")
    parser.add_argument("--out", help="also write the Markdown report here")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument("--workdir", help="keep the generated listings here (reused)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per child")
    parser.add_argument("--tracemalloc", action="store_true", help="tracemalloc peaks per stage")
    parser.add_argument("--input-format", help="pass --input-format to ingest")
    parser.add_argument(
        "--stages-mode",
        choices=("stream", "whole"),
        default="stream",
        help="stages as ingest streams them in batches (default), or whole lists as eval does",
    )
    parser.add_argument("--page", default=str(DEFAULT_PAGE), help="a real page to time")
    # Internal: the child processes.
    parser.add_argument("--child-stages", help=argparse.SUPPRESS)
    parser.add_argument("--child-baseline", help=argparse.SUPPRESS)
    parser.add_argument("--rules-dir", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_stages:
        child_stages(args.child_stages, args.child_out, args.tracemalloc, args.stages_mode)
        return
    if args.child_baseline:
        child_baseline(args.child_baseline, args.rules_dir, args.child_out)
        return

    results = Bench(args).run()
    report = render(results)
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    if args.json:
        for entry in results["sizes"]:
            for part in [*entry["ingest"], entry.get("baseline"), entry.get("stages")]:
                if part:
                    part["stderr"] = part["stderr"][-2000:]
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
