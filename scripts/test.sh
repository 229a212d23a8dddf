#!/usr/bin/env bash
# The whole test suite: lint, types, unit + integration on embedded PGlite and on PostgreSQL,
# the production build, then Playwright end-to-end tests in Chromium against the real server.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint (biome)"
npx biome check .

step "types (tsc)"
npx tsc --noEmit

step "unit + integration on embedded PGlite"
env -u TEST_DATABASE_URL npx vitest run

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if node -e "const p=require('postgres')(process.argv[1],{max:1,connect_timeout:3,onnotice(){}});p\`select 1\`.then(()=>p.end()).then(()=>process.exit(0),()=>process.exit(1))" "$PG_URL" 2>/dev/null; then
  step "unit + integration on PostgreSQL ($PG_URL; each file creates and drops its own database)"
  TEST_DATABASE_URL="$PG_URL" npx vitest run

  step "reliability: faults, soak, abuse, fuzz, isolation (PostgreSQL; summary table at the end)"
  TEST_DATABASE_URL="$PG_URL" bash scripts/reliability.sh
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL is not reachable at $PG_URL; CI must run the suite on PostgreSQL too." >&2
  exit 1
else
  echo "PostgreSQL not reachable at $PG_URL: skipping the PostgreSQL pass (set TEST_DATABASE_URL to run it)." >&2
fi

step "production build"
npx next build

step "end-to-end (Playwright, Chromium)"
npx playwright test
