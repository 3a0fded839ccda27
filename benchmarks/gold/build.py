"""Merge the two annotators' labels and the adjudication into benchmarks/gold/labels.jsonl.

    python benchmarks/gold/build.py          # writes labels.jsonl, prints agreement per theme

Inputs (all in benchmarks/gold/annotations/): A-N.jsonl and B-N.jsonl, one line per paper of
batch N, `{"id", "themes"}`, from two annotators working independently; adjudicated-K.jsonl,
`{"id", "keep", "drop", "why"}`, for every paper where they disagreed. The policy (README.md):
a theme both gave is kept, a theme neither gave is absent, a contested theme is what the
adjudicator decided. The split is fixed by a seeded hash of the id: about 70% tune, 30% test.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = "papertriage-gold-2026"
TUNE_SHARE = 0.70


def split_of(paper_id: str) -> str:
    digest = hashlib.sha256(f"{SEED}:{paper_id}".encode()).digest()
    return "tune" if int.from_bytes(digest[:8], "big") < TUNE_SHARE * 2**64 else "test"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    annotations = HERE / "annotations"
    drawn = dict(
        line.split("\t") for line in (HERE / "sample.tsv").read_text().splitlines() if line
    )
    a: dict[str, set[str]] = {}
    b: dict[str, set[str]] = {}
    order: list[str] = []
    for path in sorted(annotations.glob("A-*.jsonl"), key=lambda p: int(p.stem[2:])):
        for row in read(path):
            a[row["id"]] = set(row["themes"])
            order.append(row["id"])
        for row in read(annotations / f"B-{path.stem[2:]}.jsonl"):
            b[row["id"]] = set(row["themes"])
    decided: dict[str, dict] = {}
    for path in sorted(annotations.glob("adjudicated-*.jsonl")):
        for row in read(path):
            decided[row["id"]] = row
    assert set(a) == set(b) == set(drawn), "annotators and sample disagree on the papers"
    out = []
    for pid in order:
        contested = a[pid] ^ b[pid]
        themes = a[pid] & b[pid]
        if contested:
            verdict = decided[pid]
            assert set(verdict["keep"]) | set(verdict["drop"]) == contested, pid
            themes |= set(verdict["keep"])
        out.append(
            {
                "id": pid,
                "themes": sorted(themes),
                "split": split_of(pid),
                "a": sorted(a[pid]),
                "b": sorted(b[pid]),
                "drawn": drawn[pid].strip(),
            }
        )
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as handle:
        for row in out:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    report(out)


def report(rows: list[dict]) -> None:
    themes = sorted({t for r in rows for t in r["a"] + r["b"] + r["themes"]})
    print(
        f"{len(rows)} papers; tune {sum(r['split'] == 'tune' for r in rows)}, "
        f"test {sum(r['split'] == 'test' for r in rows)}",
        file=sys.stderr,
    )
    print("| theme | gold positives (tune/test) | A and B | A only | B only | agreement F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    both_all = diff_all = 0
    for t in themes:
        both = sum(t in r["a"] and t in r["b"] for r in rows)
        only_a = sum(t in r["a"] and t not in r["b"] for r in rows)
        only_b = sum(t in r["b"] and t not in r["a"] for r in rows)
        tune = sum(t in r["themes"] and r["split"] == "tune" for r in rows)
        test = sum(t in r["themes"] and r["split"] == "test" for r in rows)
        both_all += both
        diff_all += only_a + only_b
        f1 = 2 * both / (2 * both + only_a + only_b)
        print(f"| {t} | {tune + test} ({tune}/{test}) | {both} | {only_a} | {only_b} | {f1:.2f} |")
    print(
        f"| micro | | {both_all} | | {diff_all} | {2 * both_all / (2 * both_all + diff_all):.3f} |"
    )
    exact = sum(r["a"] == r["b"] for r in rows)
    print(f"\nPapers where both gave exactly the same themes: {exact} of {len(rows)}")


if __name__ == "__main__":
    main()
