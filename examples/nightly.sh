#!/usr/bin/env bash
# Nightly triage: ingest the listings waiting in an inbox folder into the library, then write
# the digest of what is new.
#
# Usage: examples/nightly.sh [INBOX] [DIGEST_DIR]
#   INBOX       folder where the day's listings are saved (default ~/papers/inbox)
#   DIGEST_DIR  where digests go (default ~/papers/digests): digest-YYYY-MM-DD.html and .md
#
# Listings ingested successfully are moved to INBOX/done/, so that a listing is read once
# (ingesting one twice would add nothing anyway: the library deduplicates).
#
# Exit codes (cron mails the output of a job that prints anything; see examples/crontab.txt):
#   0  the listings were ingested and the digest written (it says "Nothing new." when every
#      paper was in the library already); also when the inbox was empty (no digest then)
#   1  papertriage failed: an unreadable listing, broken rules or profile, a library that
#      cannot be opened, or one held by another run for more than 30 s. The message is on
#      stderr. Nothing is half-written: the run is one database transaction, and the digest
#      is written to a temporary file renamed into place.
#   2  usage error (a papertriage option is wrong: fix this script)
#   130 interrupted (Ctrl-C, or SIGINT from the system)
# Any other code comes from the shell (e.g. mkdir or mv failed).
#
# Set PAPERTRIAGE_HOME to keep the library elsewhere than ~/.local/share/papertriage, and
# PROFILE to rank the digest by an interest profile.
set -euo pipefail

inbox=${1:-"$HOME/papers/inbox"}
digests=${2:-"$HOME/papers/digests"}
profile_args=()
if [[ -n "${PROFILE:-}" ]]; then
  profile_args=(--profile "$PROFILE")
fi

mkdir -p "$inbox/done" "$digests"
today=$(date +%F)

shopt -s nullglob
listings=("$inbox"/*.txt "$inbox"/*.xml "$inbox"/*.bib "$inbox"/*.ris "$inbox"/*.json "$inbox"/*.jsonl "$inbox"/*.csv)
shopt -u nullglob

if ((${#listings[@]} == 0)); then
  echo "nightly: no listings in $inbox; no digest tonight" >&2
  exit 0
fi

# The ranked list is not needed here (the digest is what gets read). On stderr, into the
# log: input problems with file:line, and the one-line library summary
# ("papertriage: library: 12 new, 86 seen before (...)").
papertriage ingest "${listings[@]}" --format jsonl >/dev/null
mv -- "${listings[@]}" "$inbox/done/"

# What no digest has shown yet (this run's papers, and any a failed night left), grouped by
# theme: one self-contained HTML file for the phone, and Markdown for the terminal or a notes
# app. The first is a --dry-run; the second marks the papers shown, once it is written.
papertriage digest --dry-run ${profile_args[@]+"${profile_args[@]}"} \
  -o "$digests/digest-$today.html"
papertriage digest ${profile_args[@]+"${profile_args[@]}"} \
  -o "$digests/digest-$today.md"
echo "nightly: $digests/digest-$today.html" >&2
