"""`ingest --report`: what every input gave, line by line accounted for."""

from __future__ import annotations

from papertriage.formats import RunResult


def render_report(result: RunResult) -> str:
    report = result.report
    stats = result.stats()
    out = ["papertriage report:"]
    for entry in stats["inputs"]:
        chrome = f" (lines {entry['chrome']})" if entry["chrome"] else ""
        out.append(
            f"  {entry['file']}: format {entry['format']}, {entry['records']} records, "
            f"{entry['chrome_lines']} chrome lines{chrome}, {entry['problems']} problems"
        )
    out.append(
        f"  total: {stats['records']} records, {len(result.merges)} merged as duplicates, "
        f"{stats['papers']} papers in the output"
    )
    for merge in result.merges:
        out.append(
            f"  merged ({merge.reason}) {merge.source}: {merge.merged_title!r} "
            f"-> {merge.kept_id} {merge.kept_title!r}"
        )
    for problem in report.problems:
        out.append(f"  problem [{problem.kind}] {problem}")
    return "\n".join(out) + "\n"
