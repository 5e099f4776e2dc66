#!/usr/bin/env bash
# The whole test suite, as the README's test command runs it: type checks, schema drift, lint and format, build,
# then every test on SQLite, again on PostgreSQL (with Redis), then the real-browser test.
#
# On a 2-core machine the steps that do not depend on each other overlap: the checks and the build run in two
# lanes, and the browser stage (one file at a time, mostly waiting on Chromium and its pages) runs beside the
# SQLite and PostgreSQL stages. Each overlapped step's output is printed whole, in the usual order, once it is
# done. TEST_SERIAL=1 runs everything one step after the other, as before.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh)"
export PG_ADMIN_URL="$TEST_DATABASE_URL"
logs=$(mktemp -d)
declare -A pids
# However the script ends (a failing step ends it), nothing it started in the background keeps running.
trap 'for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done; rm -rf "$logs"' EXIT

checks_a() {
  npm run -s check:types
  npm run -s schema:check
  echo '== migrations: the entities match the committed migrations (both dialects)'
  npm run -s migration:check 2>&1 | grep -v '^\S*\[migrator\]'
  npm run -s build:server >/dev/null
}
checks_b() {
  npm run -s check:dashboard
  npm run -s build:dashboard >/dev/null
  npm run -s check:lint
  npm run -s check:format
}
browser_stage() {
  echo '== browser tests (Chromium)'
  npx vitest run --config vitest.browser.config.ts
}

# Runs "$@" in the background, its output into $logs/$1.log; `finish NAME` waits for it and prints the log.
start() {
  set -m # its own process group, so that it can be stopped with everything it started
  "$@" >"$logs/$1.log" 2>&1 &
  pids[$1]=$!
  set +m
}
finish() {
  local status=0
  wait "${pids[$1]}" || status=$?
  cat "$logs/$1.log"
  if [ "$status" != 0 ]; then
    echo "== $1 failed (exit $status)"
    exit "$status"
  fi
}

echo '== checks: types (server and dashboard), schema drift, migration drift, ESLint, Prettier; build (server and dashboard)'
if [ "${TEST_SERIAL:-0}" = 1 ]; then
  checks_a
  checks_b
else
  start checks_a
  start checks_b
  finish checks_a
  finish checks_b
fi

browser=0
if [ -f vitest.browser.config.ts ]; then browser=1; fi
if [ "$browser" = 1 ] && [ "${TEST_SERIAL:-0}" != 1 ]; then start browser_stage; fi

echo '== tests on SQLite'
npx vitest run

echo '== tests on PostgreSQL and Redis'
DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" npx vitest run

if [ "$browser" = 1 ]; then
  if [ "${TEST_SERIAL:-0}" = 1 ]; then browser_stage; else finish browser_stage; fi
fi
