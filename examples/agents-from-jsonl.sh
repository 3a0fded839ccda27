#!/usr/bin/env bash
# Titles of the papers tagged "agents", best first, from a Daily Papers paste.
# Usage: examples/agents-from-jsonl.sh [LISTING]   (default: examples/daily-sample.txt)
set -euo pipefail
listing=${1:-"$(dirname "$0")/daily-sample.txt"}

papertriage ingest - --format jsonl < "$listing" \
  | jq -r 'select(any(.themes[]; .id == "agents")) | "\(.rank)\t\(.score)\t\(.title)"'

# The same papers as one JSON document, with the run's problems and counts:
papertriage ingest "$listing" --theme agents --format json \
  | jq '{schema_version, n: (.papers | length), problems: (.problems | length), titles: [.papers[].title]}'
