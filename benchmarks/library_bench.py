#!/usr/bin/env python3
"""The library path on real text: `ingest` into a new library against `--no-store`.

    python benchmarks/library_bench.py --sizes 20000,40000 [--kinds pool,mixed,near] [--out F]

Inputs, read from ../shared at run time (never copied into the repository):

- pool: the shared arXiv pool itself (../shared/corpus/arxiv-pool.jsonl, 10,344 real papers);
- mixed: N papers mixed from the pool's real sentences (benchmarks/pool.py);
- near: N papers whose titles are built from 98 pool titles, so that many share their longest
  words (large fuzzy-dedup blocks).

For each input it runs `papertriage ingest FILE -f jsonl -j 1` twice in child processes, with
`--no-store` and into a new library (`--db`), one right after the other, and reports wall and
CPU seconds (user + sys, less sensitive than wall to other work on a shared machine), peak RSS
(wait4), the library/no-store ratios and, per kind, the ratio of the largest size to the one
before it (40k/20k). Ratios come from one run of this script: figures from another run or
another day are not comparable on a shared machine.

With `--floor N` it also runs `ingest --no-store -j 1` on N pool-mixed papers against the bare
scikit-learn floor in a child process (read the JSON Lines, one TfidfVectorizer 1-2 gram fit
on title + abstract, one sparse product against the theme prototypes, as bench.py's baseline).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402
import pool  # noqa: E402


def measure(path: Path, workdir: Path, label: str, timeout: float) -> dict[str, dict]:
    base = [*bench.papertriage_command(), "ingest", str(path), "--input-format", "jsonl"]
    base += ["-f", "jsonl", "-j", "1"]
    out: dict[str, dict] = {}
    db = workdir / f"{label}.db"
    for name in (db.name, db.name + "-wal", db.name + "-shm"):  # a new library each time
        (workdir / name).unlink(missing_ok=True)
    for mode, extra in (("no-store", ["--no-store"]), ("library", ["--db", str(db)])):
        result = bench.run_measured(base + extra, timeout=timeout)
        if result["rc"] != 0:
            raise SystemExit(f"{label} {mode}: rc {result['rc']}: {result['stderr'][-500:]}")
        result["cpu"] = result["user"] + result["sys"]
        out[mode] = result
        print(
            f"{label} {mode}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s cpu, "
            f"{result['peak_mb']:.0f} MB",
            file=sys.stderr,
        )
    return out


def render(rows: list[tuple[str, int, dict]], loads: tuple[str, str]) -> str:
    lines = [
        "| input | N | no-store wall s | library wall s | library/no-store wall | "
        "no-store cpu s | library cpu s | library/no-store cpu | library peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, n, r in rows:
        ns, lib = r["no-store"], r["library"]
        lines.append(
            f"| {kind} | {n:,} | {ns['wall']:.1f} | {lib['wall']:.1f} | "
            f"{lib['wall'] / ns['wall']:.2f}x | {ns['cpu']:.1f} | {lib['cpu']:.1f} | "
            f"{lib['cpu'] / ns['cpu']:.2f}x | {lib['peak_mb']:.0f} |"
        )
    by_kind: dict[str, list[tuple[int, dict]]] = {}
    for kind, n, r in rows:
        by_kind.setdefault(kind, []).append((n, r))
    growth = []
    for kind, runs in by_kind.items():
        runs.sort(key=lambda x: x[0])
        for (n1, r1), (n2, r2) in zip(runs, runs[1:]):
            for mode in ("no-store", "library"):
                growth.append(
                    f"| {kind} | {mode} | {n2:,}/{n1:,} | "
                    f"{r2[mode]['wall'] / r1[mode]['wall']:.2f}x | "
                    f"{r2[mode]['cpu'] / r1[mode]['cpu']:.2f}x |"
                )
    if growth:
        lines += ["", "| input | path | sizes | wall ratio | cpu ratio |"]
        lines += ["|---|---|---|---:|---:|"]
        lines += growth
    lines += ["", f"Load average at start: {loads[0]}; at end: {loads[1]}."]
    return "\n".join(lines) + "\n"


def child_floor(path: str, out_path: str) -> None:
    """The scikit-learn floor on a JSON Lines listing (run in a child process)."""
    import json

    from sklearn.feature_extraction.text import TfidfVectorizer

    with open(path, encoding="utf-8") as handle:
        documents = []
        for line in handle:
            record = json.loads(line)
            documents.append(f"{record['title']}\n{record.get('abstract') or ''}")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    docs = vectorizer.fit_transform(documents)
    sims = docs @ vectorizer.transform(bench.prototypes(bench.rules_dir())).T
    Path(out_path).write_text(
        json.dumps(
            {
                "documents": len(documents),
                "vocabulary": len(vectorizer.vocabulary_),
                "nnz": int(docs.nnz),
                "sims": list(sims.shape),
            }
        ),
        encoding="utf-8",
    )


def floor(n: int, workdir: Path, timeout: float) -> str:
    path = workdir / f"mixed-{n}.jsonl"
    if not path.exists():
        pool.write_listing(path, n, "mixed")
    cmd = [*bench.papertriage_command(), "ingest", str(path), "--input-format", "jsonl"]
    ours = bench.run_measured([*cmd, "-f", "jsonl", "-j", "1", "--no-store"], timeout=timeout)
    out = workdir / "floor.json"
    theirs = bench.run_measured(
        [sys.executable, __file__, "--child-floor", str(path), str(out)], timeout=timeout
    )
    for name, r in (("papertriage", ours), ("floor", theirs)):
        if r["rc"] != 0:
            raise SystemExit(f"{name}: rc {r['rc']}: {r['stderr'][-500:]}")
        r["cpu"] = r["user"] + r["sys"]
    return (
        "| N (pool-mixed) | papertriage wall s | cpu s | peak MB | floor wall s | cpu s | "
        "peak MB | ratio wall | ratio cpu |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {n:,} | {ours['wall']:.1f} | {ours['cpu']:.1f} | {ours['peak_mb']:.0f} | "
        f"{theirs['wall']:.1f} | {theirs['cpu']:.1f} | {theirs['peak_mb']:.0f} | "
        f"{ours['wall'] / theirs['wall']:.2f}x | {ours['cpu'] / theirs['cpu']:.2f}x |\n"
    )


def _load() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,40000")
    parser.add_argument("--kinds", default="pool,mixed,near")
    parser.add_argument("--workdir", help="keep listings and libraries here")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--out", help="also write the Markdown table here")
    parser.add_argument("--floor", type=int, help="also N pool-mixed papers against the floor")
    parser.add_argument("--child-floor", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_floor:
        child_floor(*args.child_floor)
        return
    if not pool.POOL.exists():
        raise SystemExit(f"{pool.POOL}: not found (the shared corpus is read at run time)")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="pt-library-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    loads = [_load()]
    rows = []
    for kind in [k for k in args.kinds.split(",") if k]:
        if kind == "pool":
            rows.append((kind, 10_344, measure(pool.POOL, workdir, "pool", args.timeout)))
            continue
        for n in sizes:
            path = workdir / f"{kind}-{n}.jsonl"
            if not path.exists():
                pool.write_listing(path, n, kind)
            rows.append((kind, n, measure(path, workdir, f"{kind}-{n}", args.timeout)))
    floor_table = floor(args.floor, workdir, args.timeout) if args.floor else ""
    loads.append(_load())
    text = (
        f"Machine: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}.\n\n"
        + (render(rows, (loads[0], loads[1])) if rows else "")
        + ("\n" + floor_table if floor_table else "")
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
