#!/usr/bin/env bash
# The whole test suite, as the README's test command runs it: type checks, schema drift, lint and format, build,
# then every test on SQLite, again on PostgreSQL (with Redis), then the real-browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh)"

echo '== checks: types (server and dashboard), schema drift, ESLint, Prettier'
npm run -s check
echo '== migrations: the entities match the committed migrations (both dialects)'
PG_ADMIN_URL="$TEST_DATABASE_URL" npm run -s migration:check 2>&1 | grep -v '^\S*\[migrator\]'
echo '== build (server and dashboard)'
npm run -s build >/dev/null

echo '== tests on SQLite'
npx vitest run

echo '== tests on PostgreSQL and Redis'
DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" npx vitest run

if [ -f vitest.browser.config.ts ]; then
  echo '== browser tests (Chromium)'
  npx vitest run --config vitest.browser.config.ts
fi
