"""Per-theme F1 of the rules in use on the tune and test splits and on the shared page.

    python benchmarks/gold/scores.py [extra papertriage options, e.g. --rules DIR] > table.md

Reads the labelled papers from ../shared/corpus (the pool and the Daily Papers page).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "corpus"


def evaluate(gold: Path, listing: Path, extra: list[str], split: str | None = None) -> dict:
    command = [sys.executable, "-m", "papertriage", "eval", "--gold", str(gold), str(listing)]
    command += ["--format", "json", *extra] + (["--split", split] if split else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    extra = sys.argv[1:]
    labels = HERE / "labels.jsonl"
    wanted = {json.loads(line)["id"] for line in labels.read_text().splitlines()}
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "labelled.jsonl"
        with (SHARED / "arxiv-pool.jsonl").open() as pool, listing.open("w") as out:
            out.writelines(line for line in pool if json.loads(line)["id"] in wanted)
        runs = {
            "tune": evaluate(labels, listing, extra, "tune"),
            "test": evaluate(labels, listing, extra, "test"),
            "page": evaluate(
                SHARED / "hf-daily-papers.gold.jsonl", SHARED / "hf-daily-papers.txt", extra
            ),
        }
    names = list(runs)
    print("| theme | " + " | ".join(f"{n} F1 (P/R, gold n)" for n in names) + " |")
    print("|---|" + "---:|" * len(names))
    themes = sorted(set().union(*(r["themes"] for r in runs.values())))
    for theme in themes:
        cells = []
        for name in names:
            t = runs[name]["themes"].get(theme)
            if t is None or not t["tp"] + t["fn"]:
                cells.append("-")
            else:
                cells.append(
                    f"{t['f1']:.2f} ({t['precision']:.2f}/{t['recall']:.2f}, {t['tp'] + t['fn']})"
                )
        print(f"| {theme} | " + " | ".join(cells) + " |")
    for avg in ("micro", "macro"):
        print(f"| **{avg}** | " + " | ".join(f"**{runs[n][avg]['f1']:.3f}**" for n in names) + " |")
    print("\npapers: " + ", ".join(f"{n} {runs[n]['matched']}" for n in names))


if __name__ == "__main__":
    main()
