"""``json``: one object with schema_version, papers, problems, stats; ``jsonl``: a paper a line."""

from __future__ import annotations

import json
from typing import TextIO

from papertriage.formats import SCHEMA_VERSION, RunResult, generator


def render_json(result: RunResult, stream: TextIO) -> None:
    document = {
        "schema_version": SCHEMA_VERSION,
        "generator": generator(),
        "papers": [p.to_dict() for p in result.papers],
        "problems": [p.to_dict() for p in result.report.problems],
        "merges": [m.to_dict() for m in result.merges],
        "stats": result.stats(),
    }
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def render_jsonl(result: RunResult, stream: TextIO) -> None:
    for paper in result.papers:
        stream.write(json.dumps(paper.to_dict(), ensure_ascii=False))
        stream.write("\n")
