#!/usr/bin/env bash
# Every benchmark in one report: live fan-out and cold sync, the board page in Chromium,
# sign-off, ingest. Each prints its own baseline from the same run; the whole output is also
# written to bench/results/report-<time>.md. Needs PostgreSQL and Redis (see README) and a build.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
report="bench/results/report-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# Shotboard benchmark report, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$report"
if [ ! -d "${NEXT_DIST_DIR:-.next}" ]; then
  echo "No build found: running next build for the board page benchmark" >&2
  npx next build >/dev/null
fi
for bench in live board-page signoff ingest; do
  printf '\n## %s\n\n' "$bench" | tee -a "$report"
  npx tsx "bench/$bench.ts" 2>&1 | tee -a "$report"
done
echo
echo "Report written to $report"
