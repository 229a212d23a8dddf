#!/usr/bin/env bash
# npm run test:reliability: fault injection, soak, abuse, fuzz and isolation suites on
# PostgreSQL, then the summary table (scripts/reliability-report.mjs).
set -uo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
out="$(mktemp -d)"
export RELIABILITY_RESULTS="$out/results.jsonl"
: > "$RELIABILITY_RESULTS"
npx vitest run -c vitest.reliability.config.ts --reporter=default --reporter=json --outputFile.json="$out/vitest.json" "$@"
status=$?
node scripts/reliability-report.mjs "$RELIABILITY_RESULTS" "$out/vitest.json"
report=$?
rm -rf "$out"
[ "$status" -ne 0 ] && exit "$status"
exit "$report"
